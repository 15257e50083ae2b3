"""The diff between two of the learner's submissions to a lesson (a page; the work is in the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import CatalogDep, CurrentUser, SessionDep, SettingsDep, lesson_or_404
from app.services import submissions
from app.services.submission_diff import diff_submissions
from app.templating import render

router = APIRouter()

SubmissionId = Annotated[int, Query(ge=1, le=2**63 - 1)]


@router.get("/lessons/{lesson_id}/diff")
def diff_page(
    request: Request,
    lesson_id: str,
    a: SubmissionId,
    b: SubmissionId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    whole: bool = False,
) -> Response:
    """``a`` and ``b`` in either order (the older is shown as the base); ``whole``: every line, not only hunks."""
    lesson = lesson_or_404(catalog, lesson_id)
    diff = diff_submissions(
        session=session, user=user, lesson_id=lesson.id, a=a, b=b, max_lines=settings.diff_max_lines, whole=whole
    )
    assert diff.new.user_id is not None
    history = submissions.list_submissions(session=session, user_id=diff.new.user_id, lesson_id=lesson.id)
    ctx = {"lesson": lesson, "diff": diff, "whole": whole, "history": history}
    ctx |= {"pick_a": diff.old.id, "pick_b": diff.new.id}
    return render(request, "submission_diff.html", ctx)
