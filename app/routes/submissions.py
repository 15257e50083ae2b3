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
    SessionDep,
    SettingsDep,
    check_code,
    lesson_or_404,
    rate_limit,
)
from app.errors import AppError
from app.htmx import GRADED_EVENT, HX_TRIGGER, is_htmx
from app.models import Submission, SubmissionStatus, User
from app.services import submissions
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def visible_submission(session: SessionDep, user: User, submission_id: int) -> Submission:
    sub = submissions.get_submission(session=session, submission_id=submission_id)
    if sub is None or (sub.user_id != user.id and not user.is_staff):
        raise AppError(404, "There is no such submission.")
    return sub


@router.post("/lessons/{lesson_id}/submissions")
async def submit(
    request: Request,
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    grading: GradingDep,
    code: Annotated[str, Form()],
) -> Response:
    lesson = lesson_or_404(catalog, lesson_id)
    check_code(code, settings)
    rate_limit(limiter, action="submit", key=str(user.id), limit=settings.submit_rate_per_minute)
    sub = submissions.create_submission(
        session=session, user=user, lesson_id=lesson.id, code=code, lesson_hash=lesson.content_hash
    )
    assert sub.id is not None
    grading.enqueue(sub.id)
    if not is_htmx(request):
        return RedirectResponse(f"/submissions/{sub.id}", status_code=303)
    return render(request, "_submission.html", {"sub": sub, "lesson": lesson})


@router.get("/submissions/{submission_id}")
async def show_submission(
    request: Request, submission_id: DbId, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    sub = visible_submission(session, user, submission_id)
    lesson = catalog.get(sub.lesson_id)
    if not is_htmx(request):
        return render(request, "submission.html", {"sub": sub, "lesson": lesson})
    # A finished grading tells the page, so that the submission history refreshes itself.
    headers = {HX_TRIGGER: GRADED_EVENT} if sub.status == SubmissionStatus.DONE.value else None
    return render(request, "_submission.html", {"sub": sub, "lesson": lesson}, headers=headers)


@router.get("/lessons/{lesson_id}/history")
async def history(request: Request, lesson_id: str, user: CurrentUser, session: SessionDep) -> Response:
    assert user.id is not None
    subs = submissions.list_submissions(session=session, user_id=user.id, lesson_id=lesson_id)
    return render(request, "_history.html", {"history": subs, "lesson_id": lesson_id})


@router.get("/submissions/{submission_id}/code")
async def submission_code(submission_id: DbId, user: CurrentUser, session: SessionDep) -> Response:
    sub = visible_submission(session, user, submission_id)
    return Response(sub.code, media_type="text/plain; charset=utf-8")
