"""Instructor dashboard: learner × lesson matrix, pass rates, common failing checks, CSV export."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CatalogDep, CsrfDep, SessionDep, StaffUser
from app.services import progress
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/instructor")
async def dashboard(request: Request, user: StaffUser, session: SessionDep, catalog: CatalogDep) -> Response:
    lessons = catalog.ordered()
    data = progress.dashboard(session=session, lesson_ids=[lesson.id for lesson in lessons])
    return render(request, "instructor.html", {"lessons": lessons, "data": data})


@router.get("/instructor/export.csv")
async def export_csv(user: StaffUser, session: SessionDep, catalog: CatalogDep) -> Response:
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
