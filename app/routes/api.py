"""JSON API ``/api/v1`` (Bearer tokens, or the session cookie plus the CSRF header). Errors are JSON.

Every operation declares the error statuses it really answers (``error_responses``), with our error document;
the security requirements are added to the document by ``app.openapi``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

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
    submit_within_quota,
    token_lifetime,
)
from app.errors import AppError
from app.lessons import Lesson
from app.models import (
    ApiToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    ProgressPublic,
    Regrade,
    SubmissionCreate,
    SubmissionStatus,
)
from app.observability import context as log_context
from app.schemas import GradingReport, error_responses, public_report, report_json_schema
from app.services import grading_progress, progress, regrade, sessions, submissions, tokens

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
    status: Literal["queued", "running", "done", "stalled"]
    repeated: bool = False  # the same code as the learner's previous submission: that one, not graded again


class RegradeVerdict(BaseModel):
    """A submission's newest re-grade after its lesson changed, kept beside the original verdict. When there
    is one, it is the verdict that counts (progress follows it; docs/regrading.md)."""

    verdict: Literal["pass", "fail", "error"]
    score: float | None
    lesson_version: str | None = Field(description="The lesson version the re-grade was graded against.")
    finished_at: datetime | None
    report: GradingReport | None = None


class SubmissionState(BaseModel):
    id: int
    lesson_id: str
    status: Literal["queued", "running", "done", "stalled"] = Field(
        description="done: graded (see verdict and report). stalled: not graded yet because the server had a "
        "problem (not your code); it will be retried."
    )
    verdict: Literal["pass", "fail", "error"] | None
    score: float | None
    report: GradingReport | None = Field(description="The grading report, once done (JSON Schema: schema/report.json).")
    lesson_version: str | None = None  # the lesson version it was graded against (None until graded)
    # Live progress until graded (None once done): the grader's current phase, what it means, how many
    # queued submissions are ahead of this one, and seconds since submitted (queued) or grading began.
    phase: str | None = None
    phase_label: str | None = None
    queue_ahead: int | None = None
    elapsed_s: float | None = None
    regrade: RegradeVerdict | None = Field(None, description="The newest re-grade, if the lesson changed since.")
    # Set while a grading that failed for the server's reasons (never the learner's code) waits to be
    # tried again: seconds until the next try (None when stalled until an operator re-queues it).
    retry_in_s: float | None = None


class SubmissionSummary(BaseModel):
    id: int
    lesson_id: str
    status: Literal["queued", "running", "done", "stalled"]
    verdict: Literal["pass", "fail", "error"] | None
    score: float | None
    created_at: datetime
    finished_at: datetime | None
    regrade_verdict: Literal["pass", "fail", "error"] | None = Field(
        None, description="The newest re-grade's verdict (the one that counts), if the lesson changed since."
    )


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


@router.get("/lessons", responses=error_responses(401))
def list_lessons(user: CurrentUser, catalog: CatalogDep) -> list[LessonSummary]:
    return [LessonSummary(**_summary(lesson)) for lesson in catalog.ordered()]


@router.get("/lessons/{lesson_id}", responses=error_responses(401, 404))
def get_lesson(lesson_id: str, user: CurrentUser, catalog: CatalogDep) -> LessonDetail:
    lesson = lesson_or_404(catalog, lesson_id)
    return LessonDetail(
        **_summary(lesson),
        objectives=lesson.meta.objectives,
        instructions=lesson.instructions,
        starter=lesson.starter,
        entry=lesson.meta.entry,
        checks=lesson.meta.checks.enabled(),
    )


@router.post(
    "/lessons/{lesson_id}/submissions",
    status_code=202,
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 429),
)
def create_submission(
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
    sub, created = submit_within_quota(session=session, user=user, lesson=lesson, code=body.code, settings=settings)
    assert sub.id is not None
    log_context.set_submission(sub.id)
    if created:  # the same code as the learner's previous submission is that submission, not a new grading
        grading.enqueue(sub.id)
    return SubmissionCreated(id=sub.id, status=sub.status, repeated=not created)


@router.get("/lessons/{lesson_id}/submissions", responses=error_responses(401, 404, 422))
def list_submissions(
    lesson_id: str,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SubmissionSummary]:
    """The caller's own submissions for a lesson, newest first (the grading report: GET /submissions/{id})."""
    lesson = lesson_or_404(catalog, lesson_id)
    assert user.id is not None
    rows = submissions.list_submissions(session=session, user_id=user.id, lesson_id=lesson.id, limit=limit)
    again = regrade.newest_regrades(session=session, submission_ids=[s.id for s in rows if s.id is not None])
    return [
        SubmissionSummary(
            id=sub.id or 0,
            lesson_id=sub.lesson_id,
            status=sub.status,
            verdict=sub.verdict,
            score=sub.score,
            created_at=_utc(sub.created_at),
            finished_at=_utc(sub.finished_at) if sub.finished_at else None,
            regrade_verdict=again[sub.id].verdict if sub.id in again else None,
        )
        for sub in rows
    ]


@router.get("/submissions/{submission_id}", responses=error_responses(401, 404, 422))
def get_submission(submission_id: DbId, user: CurrentUser, session: SessionDep) -> SubmissionState:
    sub = submissions.get_submission(session=session, submission_id=submission_id)
    if sub is None or (sub.user_id != user.id and not user.is_staff):
        raise AppError(404, "There is no such submission.")
    assert sub.id is not None
    live: dict[str, Any] = {}
    if sub.status != SubmissionStatus.DONE.value:
        p = grading_progress.progress_of(session=session, sub=sub)
        live = {"phase": p.phase, "phase_label": p.phase_label, "queue_ahead": p.ahead, "elapsed_s": p.elapsed_s}
        if p.retry is not None:
            live["retry_in_s"] = p.retry.retry_in_s
    return SubmissionState(
        **live,
        id=sub.id,
        lesson_id=sub.lesson_id,
        status=sub.status,
        verdict=sub.verdict,
        score=sub.score,
        report=public_report(sub.report),
        lesson_version=sub.graded_lesson_hash,
        regrade=_regrade_verdict(regrade.newest_regrades(session=session, submission_ids=[sub.id]).get(sub.id)),
    )


def _regrade_verdict(row: Regrade | None) -> RegradeVerdict | None:
    if row is None or row.verdict not in ("pass", "fail", "error"):
        return None
    return RegradeVerdict(
        verdict=row.verdict,
        score=row.score,
        lesson_version=row.graded_lesson_hash,
        finished_at=_utc(row.finished_at) if row.finished_at else None,
        report=public_report(row.report),
    )


@router.get("/me/progress", responses=error_responses(401))
def my_progress(user: CurrentUser, session: SessionDep) -> list[ProgressPublic]:
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


# --- the caller's API tokens and sign-ins --------------------------------------------------------
def _utc(moment: datetime) -> datetime:
    """A stored timestamp as UTC with its offset (SQLite gives them back naive): RFC 3339 date-time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _token_public(row: ApiToken) -> ApiTokenPublic:
    assert row.id is not None
    return ApiTokenPublic(
        id=row.id,
        name=row.name,
        created_at=_utc(row.created_at),
        expires_at=_utc(row.expires_at),
        last_used_at=_utc(row.last_used_at) if row.last_used_at else None,
    )


@router.get("/me/tokens", responses=error_responses(401))
def list_tokens(user: CurrentUser, session: SessionDep) -> list[ApiTokenPublic]:
    assert user.id is not None
    return [_token_public(row) for row in tokens.list_api_tokens(session=session, user_id=user.id)]


@router.post("/me/tokens", status_code=201, responses=error_responses(400, 401, 403, 413, 422))
def create_token(
    body: ApiTokenCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ApiTokenCreated:
    days = token_lifetime(body.expires_in_days, settings)
    token, row = tokens.issue_api_token(session=session, user=user, name=body.name, days=days)
    return ApiTokenCreated(**_token_public(row).model_dump(), token=token)


@router.delete("/me/tokens/{token_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def revoke_token(token_id: DbId, user: CurrentUser, session: SessionDep) -> Response:
    assert user.id is not None
    if not tokens.revoke_api_token(session=session, user_id=user.id, token_id=token_id):
        raise AppError(404, "There is no such token.")
    return Response(status_code=204)


class SessionsEnded(BaseModel):
    ended: int


@router.post("/me/logout-everywhere", responses=error_responses(401, 403))
def logout_everywhere(user: CurrentUser, session: SessionDep) -> SessionsEnded:
    """End every login session of the caller (browsers); API tokens stay until revoked or expired."""
    assert user.id is not None
    return SessionsEnded(ended=sessions.end_web_sessions(session=session, user_id=user.id))


@router.get("/schema/report.json", response_model=None)
def report_schema() -> dict[str, Any]:
    """The JSON Schema of the grading report (``report`` of a submission); public, like this document."""
    return report_json_schema()
