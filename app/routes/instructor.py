"""Instructor dashboard: learner × lesson matrix, pass rates, common failing checks, CSV export; the
lesson preview (rendered lesson, load problems, its own starter/solution/baseline graded)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from app.deps import (
    CatalogDep,
    CsrfDep,
    GradingDep,
    MarkdownDep,
    SessionDep,
    SettingsDep,
    StaffUser,
    lesson_or_404,
)
from app.errors import AppError
from app.htmx import is_htmx
from app.services import lesson_preview as lesson_preview_service
from app.services import progress, regrade, submissions
from app.services.regrade_scopes import DEFAULT_SCOPE
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/instructor")
def dashboard(request: Request, user: StaffUser, session: SessionDep, catalog: CatalogDep) -> Response:
    lessons = catalog.ordered()
    data = progress.dashboard(session=session, lesson_ids=[lesson.id for lesson in lessons])
    broken = sorted({p.lesson for p in catalog.problems} - {lesson.id for lesson in lessons})
    versions = submissions.graded_versions(session=session, lesson_ids=[lesson.id for lesson in lessons])
    context = {"lessons": lessons, "data": data, "broken": broken, "versions": versions}
    return render(request, "instructor.html", context)


@router.get("/instructor/export.csv")
def export_csv(user: StaffUser, session: SessionDep, catalog: CatalogDep) -> Response:
    lesson_ids = [lesson.id for lesson in catalog.ordered()]
    data = progress.dashboard(session=session, lesson_ids=lesson_ids)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["username", "role", "lesson", "attempts", "best_score", "passed", "hints_revealed"])
    for learner in data.learners:
        assert learner.id is not None
        for lesson_id in lesson_ids:
            cell = data.cells.get((learner.id, lesson_id))
            if cell is None:
                continue
            writer.writerow(
                [
                    _csv_safe(learner.username),
                    learner.role,
                    lesson_id,
                    cell.attempts,
                    f"{cell.best_score:.3f}",
                    int(cell.passed),
                    cell.hints_revealed,
                ]
            )
    headers = {"Content-Disposition": 'attachment; filename="jaxtutor-progress.csv"'}
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@router.get("/instructor/lessons/{lesson_id}/preview")
async def lesson_preview(
    request: Request, lesson_id: str, user: StaffUser, session: SessionDep, catalog: CatalogDep, md: MarkdownDep
) -> Response:
    state = await lesson_preview_service.preview(catalog, lesson_id)
    if state is None:
        raise AppError(404, f"There is no lesson {lesson_id!r}.")
    lesson = state.lesson
    context = {
        "state": state,
        "lesson": lesson,
        "instructions": md.render(lesson.instructions, key=lesson.content_hash) if lesson else None,
        "roles": [r for r in lesson_preview_service.ROLES if lesson and lesson_preview_service.code_for(lesson, r)],
        "versions": submissions.graded_versions(session=session, lesson_ids=[lesson_id]).get(lesson_id, {}),
        "progress": regrade.regrade_progress(session=session, lesson_id=lesson_id, lesson_version=lesson.content_hash)
        if lesson
        else None,
    }
    return render(request, "instructor_preview.html", context)


@router.post("/instructor/lessons/{lesson_id}/preview/grade/{role}")
async def lesson_preview_grade(
    request: Request,
    lesson_id: str,
    role: str,
    user: StaffUser,
    catalog: CatalogDep,
    grading: GradingDep,
    settings: SettingsDep,
) -> Response:
    if role not in lesson_preview_service.ROLES:
        raise AppError(404, f"Grade one of {', '.join(lesson_preview_service.ROLES)}.")
    lesson = lesson_or_404(catalog, lesson_id)
    report = await lesson_preview_service.grade_role(grading, lesson, role, settings)
    return render(request, "_preview_report.html", {"role": role, "report": report})


@router.post("/instructor/lessons/{lesson_id}/regrades")
def regrade_lesson(
    request: Request,
    lesson_id: str,
    user: StaffUser,
    session: SessionDep,
    catalog: CatalogDep,
    grading: GradingDep,
    settings: SettingsDep,
    scope: Annotated[str, Form()] = DEFAULT_SCOPE,
) -> Response:
    """Re-grade the lesson's submissions against the version served now (one action; idempotent)."""
    lesson = lesson_or_404(catalog, lesson_id)
    context: dict[str, object] = {}
    try:
        context["requested"] = regrade.request_regrade(
            session=session,
            lesson_id=lesson.id,
            lesson_version=lesson.content_hash,
            scope=scope,
            requested_by=user.id,
            max_jobs=settings.regrade_max_jobs,
        )
        grading.wake()
    except regrade.RegradeError as exc:
        if not is_htmx(request):
            raise AppError(409, str(exc)) from exc
        context["error"] = str(exc)
    if not is_htmx(request):
        return RedirectResponse(f"/instructor/lessons/{lesson.id}/preview#regrade", status_code=303)
    context["progress"] = regrade.regrade_progress(
        session=session, lesson_id=lesson.id, lesson_version=lesson.content_hash
    )
    return render(request, "_regrade_status.html", context)


@router.get("/instructor/lessons/{lesson_id}/regrades")
def regrade_status(
    request: Request,
    lesson_id: str,
    user: StaffUser,
    session: SessionDep,
    catalog: CatalogDep,
    version: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The progress of the lesson's re-grade against ``version`` (default: the version served now): the
    polling partial for htmx; a browser without it is sent to the preview page, which includes it."""
    lesson = lesson_or_404(catalog, lesson_id)
    if not is_htmx(request):
        return RedirectResponse(f"/instructor/lessons/{lesson.id}/preview#regrade", status_code=303)
    found = regrade.regrade_progress(
        session=session, lesson_id=lesson.id, lesson_version=version or lesson.content_hash
    )
    return render(request, "_regrade_status.html", {"progress": found})
