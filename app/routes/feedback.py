"""Feedback forms: a line comment on one submission, and editing or deleting a comment (its author or an
admin). The rules are app.services.feedback's; cluster comments are written from the clusters pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from app.deps import CsrfDep, CurrentUser, DbId, SessionDep, SettingsDep
from app.errors import AppError
from app.htmx import local_path
from app.routes.submissions import visible_submission
from app.services import feedback

router = APIRouter(dependencies=[CsrfDep])


def raise_app_error(exc: feedback.FeedbackError) -> AppError:
    return AppError(exc.status, str(exc))


@router.post("/submissions/{submission_id}/comments")
def line_comment(
    submission_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    line: Annotated[int, Form(ge=1, le=1_000_000)],
    body: Annotated[str, Form()] = "",
) -> Response:
    sub = visible_submission(session, user, submission_id)
    try:
        feedback.add_line_comment(
            session=session,
            author=user,
            submission=sub,
            line=line,
            body=body,
            max_chars=settings.feedback_comment_max_chars,
        )
    except feedback.FeedbackError as exc:
        raise raise_app_error(exc) from exc
    return RedirectResponse(f"{settings.root_path}/submissions/{submission_id}#comments", status_code=303)


@router.post("/comments/{comment_id}/edit")
def edit_comment(
    comment_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[str, Form()] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        feedback.edit_comment(
            session=session, user=user, comment_id=comment_id, body=body, max_chars=settings.feedback_comment_max_chars
        )
    except feedback.FeedbackError as exc:
        raise raise_app_error(exc) from exc
    return RedirectResponse(local_path(next) or "/", status_code=303)


@router.post("/comments/{comment_id}/delete")
def delete_comment(
    comment_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        feedback.delete_comment(session=session, user=user, comment_id=comment_id)
    except feedback.FeedbackError as exc:
        raise raise_app_error(exc) from exc
    return RedirectResponse(local_path(next) or "/", status_code=303)
