"""Submissions: stored first, then graded by a worker of any replica (``app.services.grading_jobs``).

Life cycle: ``queued`` → ``running`` → ``done`` (with a report whose status is pass | fail | error).
A worker *claims* a submission (``claim_next``: ``status = running``, ``claimed_by`` = its replica,
``lease_expires_at``), renews the lease while it grades (``renew_lease``) and writes the report only while
the claim is still its own (``finish_claimed``). A submission whose lease ran out (its replica died) is
claimable again; after ``max_attempts`` claims it ends with an ``error`` report. Nothing is ever lost:
``recover_interrupted`` re-queues those a stopped server left ``running``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import Submission, SubmissionPublic, SubmissionStatus, User, utcnow
from app.services import progress


def create_submission(*, session: Session, user: User, lesson_id: str, code: str, lesson_hash: str = "") -> Submission:
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
    sub.lease_expires_at = None
    session.add(sub)
    session.flush()
    # The report and the learner's progress are committed together (a crash in between loses neither).
    progress.record_result(
        session=session, user_id=sub.user_id, lesson_id=sub.lesson_id, verdict=status, score=sub.score, commit=False
    )
    session.commit()
    session.refresh(sub)
    return sub


def error_report(message: str) -> dict[str, Any]:
    """A report for a grading that could not run (never an HTTP 500)."""
    return {"version": 1, "status": "error", "score": 0.0, "message": message, "checks": [], "timings": {}}


def recover_interrupted(*, session: Session, max_attempts: int, claimed_by: str | None = None) -> list[int]:
    """At start-up: submissions left ``running`` are re-queued, or marked error after ``max_attempts``.

    ``claimed_by``: only those this replica had claimed (several replicas share the database; the others'
    gradings are left to their leases). Returns the queued ids, oldest first.
    """
    query = select(Submission).where(Submission.status == SubmissionStatus.RUNNING.value)
    if claimed_by is not None:
        query = query.where(Submission.claimed_by == claimed_by)
    stuck = session.exec(query).all()
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
            sub.claimed_by = None
            sub.lease_expires_at = None
            session.add(sub)
    session.commit()
    queued = session.exec(
        select(Submission.id).where(Submission.status == SubmissionStatus.QUEUED.value).order_by(col(Submission.id))
    ).all()
    return [int(i) for i in queued if i is not None]


# --- grading leases (several replicas on one database) --------------------------------------------------
GIVEN_UP_MESSAGE = "Grading this submission was interrupted {n} times (a server stopped). Please submit again."


def _claimable(now: Any) -> ColumnElement[bool]:
    lease = col(Submission.lease_expires_at)
    running = and_(col(Submission.status) == SubmissionStatus.RUNNING.value, or_(lease.is_(None), lease < now))
    return or_(col(Submission.status) == SubmissionStatus.QUEUED.value, running)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claim_next(*, session: Session, replica: str, lease_s: float, max_attempts: int) -> Submission | None:
    """Claim the oldest claimable submission (queued, or running under a lease that ran out) for ``replica``.

    PostgreSQL: the candidate row is locked with ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent
    replicas each get a different row without waiting for each other. Every backend: the claim itself is a
    conditional ``UPDATE`` (still claimable?) whose row count says whether it won, which alone suffices on
    SQLite (one process, one writer). A taken-over submission already claimed ``max_attempts`` times is
    finished with an ``error`` report instead. Returns the claimed row (its ``attempts`` identifies the
    claim) or None when there is nothing to do.
    """
    while True:
        now = utcnow()
        query = select(Submission).where(_claimable(now)).order_by(col(Submission.id)).limit(1)
        if _is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        sub = session.exec(query).first()
        if sub is None:
            session.rollback()
            return None
        assert sub.id is not None
        if sub.status == SubmissionStatus.RUNNING.value and sub.attempts >= max_attempts:
            mark_done(
                session=session, submission_id=sub.id, report=error_report(GIVEN_UP_MESSAGE.format(n=sub.attempts))
            )
            continue
        result = session.execute(
            update(Submission)
            .where(col(Submission.id) == sub.id, _claimable(now))
            .values(
                status=SubmissionStatus.RUNNING.value,
                claimed_by=replica,
                lease_expires_at=now + timedelta(seconds=lease_s),
                attempts=col(Submission.attempts) + 1,
                started_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(result, "rowcount", 0) == 1:
            session.refresh(sub)
            return sub


def _own_claim(submission_id: int, replica: str, attempt: int) -> ColumnElement[bool]:
    return and_(
        col(Submission.id) == submission_id,
        col(Submission.status) == SubmissionStatus.RUNNING.value,
        col(Submission.claimed_by) == replica,
        col(Submission.attempts) == attempt,
    )


def renew_lease(*, session: Session, submission_id: int, replica: str, attempt: int, lease_s: float) -> bool:
    """Extend this claim's lease (the grading worker's heartbeat). False: the claim is no longer ours."""
    result = session.execute(
        update(Submission)
        .where(_own_claim(submission_id, replica, attempt))
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def finish_claimed(
    *, session: Session, submission_id: int, replica: str, attempt: int, report: dict[str, Any]
) -> Submission | None:
    """Write the report, only if the claim is still this one (else None: another replica took it over)."""
    query = select(Submission).where(_own_claim(submission_id, replica, attempt))
    if _is_postgres(session):
        query = query.with_for_update()
    if session.exec(query).first() is None:
        session.rollback()
        return None
    return mark_done(session=session, submission_id=submission_id, report=report)


def release_claim(*, session: Session, submission_id: int, replica: str, attempt: int) -> bool:
    """Give a claim back at a clean shutdown: queued again at once, and the attempt does not count."""
    result = session.execute(
        update(Submission)
        .where(_own_claim(submission_id, replica, attempt))
        .values(
            status=SubmissionStatus.QUEUED.value,
            claimed_by=None,
            lease_expires_at=None,
            attempts=col(Submission.attempts) - 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def unfinished_count(*, session: Session) -> int:
    """Submissions not yet done (queued or running), on every replica."""
    query = select(func.count()).select_from(Submission).where(col(Submission.status) != SubmissionStatus.DONE.value)
    return int(session.exec(query).one())


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
