"""Submissions: stored first, then graded by the worker (``app.services.grading_jobs``).

Life cycle: ``queued`` → ``running`` → ``done`` (with a report whose status is pass | fail | error).
A crash never loses a submission: ``recover_interrupted`` re-queues those left ``running``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from app.models import Submission, SubmissionPublic, SubmissionStatus, User, utcnow
from app.services import progress


def create_submission(
    *, session: Session, user: User, lesson_id: str, code: str, lesson_hash: str = ""
) -> Submission:
    assert user.id is not None
    sub = Submission(user_id=user.id, lesson_id=lesson_id, code=code, lesson_hash=lesson_hash)
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return sub


def get_submission(*, session: Session, submission_id: int) -> Submission | None:
    return session.get(Submission, submission_id)


def list_submissions(
    *, session: Session, user_id: int, lesson_id: str | None = None, limit: int = 20
) -> list[Submission]:
    query = select(Submission).where(Submission.user_id == user_id)
    if lesson_id is not None:
        query = query.where(Submission.lesson_id == lesson_id)
    return list(session.exec(query.order_by(col(Submission.id).desc()).limit(limit)))


def mark_running(*, session: Session, submission_id: int) -> Submission | None:
    sub = session.get(Submission, submission_id)
    if sub is None or sub.status == SubmissionStatus.DONE:
        return None
    sub.status = SubmissionStatus.RUNNING.value
    sub.attempts += 1
    sub.started_at = utcnow()
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return sub


def mark_done(*, session: Session, submission_id: int, report: dict[str, Any]) -> Submission | None:
    sub = session.get(Submission, submission_id)
    if sub is None:
        return None
    status = str(report.get("status", "error"))
    if status not in ("pass", "fail", "error"):
        status = "error"
    try:
        score = float(report.get("score", 0.0) or 0.0)
    except (TypeError, ValueError):
        score = 0.0
    sub.status = SubmissionStatus.DONE.value
    sub.verdict = status
    sub.score = max(0.0, min(1.0, score))
    sub.report_json = json.dumps(report, default=str)
    sub.finished_at = utcnow()
    session.add(sub)
    session.commit()
    session.refresh(sub)
    progress.record_result(
        session=session, user_id=sub.user_id, lesson_id=sub.lesson_id, verdict=status, score=sub.score
    )
    return sub


def error_report(message: str) -> dict[str, Any]:
    """A report for a grading that could not run (never an HTTP 500)."""
    return {"version": 1, "status": "error", "score": 0.0, "message": message, "checks": [], "timings": {}}


def recover_interrupted(*, session: Session, max_attempts: int) -> list[int]:
    """At start-up: submissions left ``running`` are re-queued, or marked error after ``max_attempts``.

    Returns the ids to enqueue (previously queued ones included), oldest first.
    """
    stuck = session.exec(select(Submission).where(Submission.status == SubmissionStatus.RUNNING.value)).all()
    for sub in stuck:
        if sub.attempts >= max_attempts:
            assert sub.id is not None
            mark_done(
                session=session,
                submission_id=sub.id,
                report=error_report("The server stopped while grading this submission. Please submit again."),
            )
        else:
            sub.status = SubmissionStatus.QUEUED.value
            session.add(sub)
    session.commit()
    queued = session.exec(
        select(Submission.id)
        .where(Submission.status == SubmissionStatus.QUEUED.value)
        .order_by(col(Submission.id))
    ).all()
    return [int(i) for i in queued if i is not None]


def to_public(sub: Submission) -> SubmissionPublic:
    assert sub.id is not None
    return SubmissionPublic(
        id=sub.id,
        lesson_id=sub.lesson_id,
        status=sub.status,
        verdict=sub.verdict,
        score=sub.score,
        created_at=sub.created_at,
        finished_at=sub.finished_at,
        report=sub.report,
    )
