"""A cohort's instructor views: the progress matrix, one learner, one lesson (with its reference solution)
and the gradebook CSV. Only the cohort's instructors and site admins: its learners get 403, everyone else
404 (``managed_or_403``). The reads are in app.services.cohort_reports."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import cohort_view
from app.deps import CatalogDep, CsrfDep, CurrentUser, DbId, MarkdownDep, SessionDep, SettingsDep
from app.errors import AppError
from app.routes.cohorts import managed_or_403
from app.services import cohort_reports, cohort_stats, cohorts
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.get("/cohorts/{cohort_id}/progress")
def progress_matrix(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    data = cohort_reports.matrix(session=session, cohort_id=cohort_id, stuck_attempts=settings.cohort_stuck_attempts)
    titles = {lesson.id: lesson.meta.title for lesson in catalog.ordered()}
    context = {"cohort": cohort, "m": data, "titles": titles, "rows": cohort_view.matrix_rows(data)}
    return render(request, "cohort_progress.html", context)


@router.get("/cohorts/{cohort_id}/learners/{user_id}")
def learner_page(
    request: Request,
    cohort_id: DbId,
    user_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    learner = cohort_reports.learner(session=session, cohort_id=cohort_id, user_id=user_id)
    if learner is None:
        raise AppError(404, "This cohort has no such learner.")
    report = cohort_reports.learner_report(
        session=session, cohort_id=cohort_id, learner=learner, stuck_attempts=settings.cohort_stuck_attempts
    )
    titles = {lesson.id: lesson.meta.title for lesson in catalog.ordered()}
    return render(request, "cohort_learner.html", {"cohort": cohort, "r": report, "titles": titles})


@router.get("/cohorts/{cohort_id}/lessons/{lesson_id}")
def lesson_page(
    request: Request,
    cohort_id: DbId,
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    md: MarkdownDep,
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    item = next((i for i in cohorts.track(session=session, cohort_id=cohort_id) if i.lesson_id == lesson_id), None)
    if item is None:
        raise AppError(404, f"The lesson {lesson_id!r} is not in this cohort's track.")
    report = cohort_stats.lesson_report(
        session=session,
        cohort_id=cohort_id,
        item=item,
        stuck_attempts=settings.cohort_stuck_attempts,
        scan_limit=settings.cohort_report_scan_limit,
    )
    lesson = catalog.get(lesson_id)
    # The cohort's instructors read the reference solution of every lesson in its track.
    solution = md.render(f"```python\n{lesson.solution}\n```") if lesson is not None and lesson.solution else None
    context = {"cohort": cohort, "r": report, "lesson": lesson, "solution_html": solution, "settings": settings}
    return render(request, "cohort_lesson.html", context)


@router.get("/cohorts/{cohort_id}/gradebook.csv")
def gradebook_csv(cohort_id: DbId, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    rows = cohort_stats.gradebook(session=session, cohort_id=cohort_id, stuck_attempts=settings.cohort_stuck_attempts)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(cohort_stats.GRADEBOOK_HEADER)
    writer.writerows([cohort_stats.csv_safe(value) for value in row] for row in rows)
    headers = {"Content-Disposition": f'attachment; filename="jaxtutor-cohort-{cohort.id}-gradebook.csv"'}
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
