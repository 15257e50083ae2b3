"""Submit: the submission is stored first, then graded by the background worker; the page polls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import (
    CatalogDep,
    CsrfDep,
    CurrentUser,
    DbId,
    GradingDep,
    LimiterDep,
    MarkdownDep,
    SessionDep,
    SettingsDep,
    check_code,
    lesson_or_404,
    rate_limit,
    submit_within_quota,
)
from app.errors import AppError
from app.htmx import GRADED_EVENT, HX_RESWAP, HX_RETARGET, HX_TRIGGER, is_htmx
from app.models import Regrade, Submission, SubmissionStatus, User
from app.observability import context as log_context
from app.services import feedback, grading_progress, regrade, submissions
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])

#: Headers that put an htmx error into the page's notice area instead of the submission's place.
NOTICE = {HX_RETARGET: "#notice", HX_RESWAP: "innerHTML"}


def visible_submission(session: SessionDep, user: User, submission_id: int) -> Submission:
    sub = submissions.get_submission(session=session, submission_id=submission_id)
    if sub is None or (sub.user_id != user.id and not user.is_staff):
        raise AppError(404, "There is no such submission.")
    return sub


def progress_context(session: SessionDep, sub: Submission) -> dict[str, object]:
    """While not graded yet: the phase, elapsed time and queue position (from the database: any replica)."""
    if sub.status == SubmissionStatus.DONE.value:
        return {}
    return {"live": grading_progress.progress_of(session=session, sub=sub)}


def regrades_of(session: SessionDep, subs: list[Submission]) -> dict[int, Regrade]:
    """Each graded submission's newest re-grade (shown beside its own verdict when the lesson changed)."""
    return regrade.newest_regrades(session=session, submission_ids=[s.id for s in subs if s.id is not None])


@router.post("/lessons/{lesson_id}/submissions")
def submit(
    request: Request,
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    grading: GradingDep,
    code: Annotated[str, Form()] = "",
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    check_code(code, settings)
    if not code.strip():
        # Shown in the page's notice area: the previous result stays where it is.
        raise AppError(400, "Your code is empty: write your solution in the editor, then submit.", headers=NOTICE)
    rate_limit(limiter, action="submit", key=str(user.id), limit=settings.submit_rate_per_minute)
    sub, created = submit_within_quota(session=session, user=user, lesson=lesson, code=code, settings=settings)
    assert sub.id is not None
    log_context.set_submission(sub.id)
    if created:
        grading.enqueue(sub.id)
    if not is_htmx(request):
        return RedirectResponse(f"/submissions/{sub.id}", status_code=303)
    ctx = {"sub": sub, "lesson": lesson, "repeated": not created, **progress_context(session, sub)}
    return render(request, "_submission.html", ctx)


def feedback_context(session: SessionDep, user: User, sub: Submission, md: MarkdownDep) -> dict[str, object]:
    """The instructors' comments on this submission (its cluster's and its lines'), rendered, and whether
    ``user`` may add one."""
    if sub.status != SubmissionStatus.DONE.value:
        return {}
    shown = feedback.for_submission(session=session, submission=sub)
    return {
        "comments": shown,
        "rendered": {s.comment.id: md.render(s.comment.body) for s in shown},
        "can_comment": feedback.instructs(session=session, author=user, learner_id=sub.user_id),
    }


@router.get("/submissions/{submission_id}")
def show_submission(
    request: Request,
    submission_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    md: MarkdownDep,
) -> Response:
    sub = visible_submission(session, user, submission_id)
    lesson = catalog.get(sub.lesson_id)
    ctx = {
        "sub": sub,
        "lesson": lesson,
        "regrades": regrades_of(session, [sub]),
        **progress_context(session, sub),
        **feedback_context(session, user, sub, md),
    }
    if not is_htmx(request):
        return render(request, "submission.html", ctx)
    # A finished grading tells the page, so that the submission history refreshes itself.
    headers = {HX_TRIGGER: GRADED_EVENT} if sub.status == SubmissionStatus.DONE.value else None
    return render(request, "_submission.html", ctx, headers=headers)


@router.get("/lessons/{lesson_id}/history")
def history(request: Request, lesson_id: str, user: CurrentUser, session: SessionDep) -> Response:
    assert user.id is not None
    subs = submissions.list_submissions(session=session, user_id=user.id, lesson_id=lesson_id)
    ctx = {"history": subs, "lesson_id": lesson_id, "regrades": regrades_of(session, subs)}
    return render(request, "_history.html", ctx)


@router.get("/submissions/{submission_id}/code")
def submission_code(submission_id: DbId, user: CurrentUser, session: SessionDep) -> Response:
    sub = visible_submission(session, user, submission_id)
    return Response(sub.code, media_type="text/plain; charset=utf-8")
