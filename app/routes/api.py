"""JSON API ``/api/v1`` (Bearer tokens, or the session cookie plus the CSRF header). Errors are JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

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
from app.lessons import Lesson
from app.models import ProgressPublic, SubmissionCreate
from app.services import progress, submissions

router = APIRouter(dependencies=[CsrfDep], tags=["api"])


class LessonSummary(BaseModel):
    id: str
    title: str
    step: int
    order: int
    tags: list[str]
    summary: str
    expected_minutes: int


class LessonDetail(LessonSummary):
    objectives: list[str]
    instructions: str
    starter: str
    entry: str
    checks: list[str]


class SubmissionCreated(BaseModel):
    id: int
    status: str


class SubmissionState(BaseModel):
    id: int
    lesson_id: str
    status: str
    verdict: str | None
    score: float | None
    report: dict[str, Any] | None


def _summary(lesson: Lesson) -> dict[str, Any]:
    m = lesson.meta
    return {
        "id": m.id,
        "title": m.title,
        "step": m.step,
        "order": m.order,
        "tags": m.tags,
        "summary": m.summary,
        "expected_minutes": m.expected_minutes,
    }


@router.get("/lessons")
async def list_lessons(user: CurrentUser, catalog: CatalogDep) -> list[LessonSummary]:
    return [LessonSummary(**_summary(lesson)) for lesson in catalog.ordered()]


@router.get("/lessons/{lesson_id}")
async def get_lesson(lesson_id: str, user: CurrentUser, catalog: CatalogDep) -> LessonDetail:
    lesson = lesson_or_404(catalog, lesson_id)
    return LessonDetail(
        **_summary(lesson),
        objectives=lesson.meta.objectives,
        instructions=lesson.instructions,
        starter=lesson.starter,
        entry=lesson.meta.entry,
        checks=lesson.meta.checks.enabled(),
    )


@router.post("/lessons/{lesson_id}/submissions", status_code=202)
async def create_submission(
    lesson_id: str,
    body: SubmissionCreate,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    grading: GradingDep,
) -> SubmissionCreated:
    lesson = lesson_or_404(catalog, lesson_id)
    check_code(body.code, settings)
    rate_limit(limiter, action="submit", key=str(user.id), limit=settings.submit_rate_per_minute)
    sub = submissions.create_submission(
        session=session, user=user, lesson_id=lesson.id, code=body.code, lesson_hash=lesson.content_hash
    )
    assert sub.id is not None
    grading.enqueue(sub.id)
    return SubmissionCreated(id=sub.id, status=sub.status)


@router.get("/submissions/{submission_id}")
async def get_submission(submission_id: DbId, user: CurrentUser, session: SessionDep) -> SubmissionState:
    sub = submissions.get_submission(session=session, submission_id=submission_id)
    if sub is None or (sub.user_id != user.id and not user.is_staff):
        raise AppError(404, "There is no such submission.")
    assert sub.id is not None
    return SubmissionState(
        id=sub.id,
        lesson_id=sub.lesson_id,
        status=sub.status,
        verdict=sub.verdict,
        score=sub.score,
        report=sub.report,
    )


@router.get("/me/progress")
async def my_progress(user: CurrentUser, session: SessionDep) -> list[ProgressPublic]:
    assert user.id is not None
    rows = progress.progress_map(session=session, user_id=user.id)
    return [
        ProgressPublic(
            lesson_id=r.lesson_id,
            attempts=r.attempts,
            best_score=r.best_score,
            passed=r.passed,
            hints_revealed=r.hints_revealed,
        )
        for r in rows.values()
    ]
