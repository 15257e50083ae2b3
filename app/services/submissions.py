"""Submissions: stored first, then graded by a worker of any replica (``app.services.grading_jobs``).

Life cycle: ``queued`` → ``running`` → ``done`` (with a report whose status is pass | fail | error). A grading
that failed for the server's reasons goes back to ``queued`` with a later ``retry_at``, or to ``stalled``
(``app.services.grading_retry``), never to ``done``.
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

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import Submission, SubmissionPublic, SubmissionStatus, User, utcnow
from app.services import leases, progress
from app.services.lti import grades as lti_grades


class QuotaExceededError(ValueError):
    """The learner's stored submissions are at a quota (the message says which, for the learner)."""


def usage(*, session: Session, user_id: int) -> tuple[int, int]:
    """The learner's stored submissions: how many, and the total length of their code."""
    count, size = session.exec(
        select(func.count(), func.coalesce(func.sum(func.length(Submission.code)), 0)).where(
            Submission.user_id == user_id
        )
    ).one()
    return int(count), int(size)


def create_submission(
    *,
    session: Session,
    user: User,
    lesson_id: str,
    code: str,
    lesson_hash: str = "",
    max_count: int | None = None,
    max_chars: int | None = None,
) -> Submission:
    """Store a submission (queued). ``max_count``/``max_chars``: the learner's quotas (``QuotaExceededError``)."""
    assert user.id is not None
    if max_count is not None or max_chars is not None:
        count, size = usage(session=session, user_id=user.id)
        if max_count is not None and count >= max_count:
            raise QuotaExceededError(
                f"You have {count} stored submissions, the most one learner may keep on this server. "
                "Ask an administrator to raise the limit."
            )
        if max_chars is not None and size + len(code) > max_chars:
            raise QuotaExceededError(
                f"Your stored submissions hold {size:,} characters of code; this one would pass the "
                f"{max_chars:,} one learner may keep. Ask an administrator to raise the limit."
            )
    sub = Submission(user_id=user.id, lesson_id=lesson_id, code=code, lesson_hash=lesson_hash)
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return sub


def submit(
    *,
    session: Session,
    user: User,
    lesson_id: str,
    code: str,
    lesson_hash: str = "",
    max_count: int | None = None,
    max_chars: int | None = None,
) -> tuple[Submission, bool]:
    """Store a submission to be graded, unless it repeats the learner's previous one.

    The same code for the same lesson version as the learner's latest submission (a double click, or
    Submit pressed again) is not graded twice: that submission comes back, with ``False``. A previous
    grading that ended in ``error`` (a server stopped, the grader failed) may be retried. A new one counts
    against the learner's quotas (``max_count``/``max_chars``, ``QuotaExceededError``).
    """
    assert user.id is not None
    latest = list_submissions(session=session, user_id=user.id, lesson_id=lesson_id, limit=1)
    if latest:
        prev = latest[0]
        if prev.code == code and prev.lesson_hash == lesson_hash and prev.verdict != "error":
            return prev, False
    sub = create_submission(
        session=session,
        user=user,
        lesson_id=lesson_id,
        code=code,
        lesson_hash=lesson_hash,
        max_count=max_count,
        max_chars=max_chars,
    )
    return sub, True


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


def verdict_of(report: dict[str, Any]) -> tuple[str, float]:
    """A report's verdict (pass, fail or error; anything else is an error) and its score clamped to [0, 1]."""
    status = str(report.get("status", "error"))
    if status not in ("pass", "fail", "error"):
        status = "error"
    try:
        score = float(report.get("score", 0.0) or 0.0)
    except (TypeError, ValueError):
        score = 0.0
    return status, max(0.0, min(1.0, score))


def mark_done(*, session: Session, submission_id: int, report: dict[str, Any]) -> Submission | None:
    sub = session.get(Submission, submission_id)
    if sub is None:
        return None
    status, score = verdict_of(report)
    sub.status = SubmissionStatus.DONE.value
    sub.verdict = status
    sub.score = score
    sub.report_json = json.dumps(report, default=str)
    version = report.get("lesson_version")
    sub.graded_lesson_hash = str(version)[:32] if version else None
    sub.cluster_key, sub.cluster_version = cluster_of(report)
    sub.finished_at = utcnow()
    sub.lease_expires_at = None
    sub.phase = None
    sub.phase_started_at = None
    sub.retry_at = None
    session.add(sub)
    session.flush()
    # The report and the learner's progress are committed together (a crash in between loses neither).
    progress.record_result(
        session=session, user_id=sub.user_id, lesson_id=sub.lesson_id, verdict=status, score=sub.score, commit=False
    )
    # A new best for an LMS that launched this lesson is queued in the same transaction (LTI grade outbox).
    lti_grades.record_best(session=session, user_id=sub.user_id, lesson_id=sub.lesson_id)
    session.commit()
    session.refresh(sub)
    return sub


def cluster_of(report: dict[str, Any]) -> tuple[str | None, str | None]:
    """The cluster key and normal-form version a report carries (``report.cluster``), if any."""
    cluster = report.get("cluster")
    if not isinstance(cluster, dict) or not cluster.get("key") or not cluster.get("version"):
        return None, None
    return str(cluster["key"])[:40], str(cluster["version"])[:16]


def error_report(message: str) -> dict[str, Any]:
    """A report for a grading that could not run (never an HTTP 500)."""
    return {"version": 1, "status": "error", "score": 0.0, "message": message, "checks": [], "timings": {}}


def set_aside(*, session: Session, sub: Submission, problem: str, retry_s: float) -> None:
    """Not graded for the server's reasons: ``stalled`` for an operator (``app.services.grading_retry``), with
    the problem, tried again after ``retry_s`` (0: only when re-queued). Not committed."""
    sub.status = SubmissionStatus.STALLED.value
    sub.claimed_by = None
    sub.lease_expires_at = None
    sub.phase = None
    sub.phase_started_at = None
    sub.infra_failures += 1
    sub.infra_problem = problem[:300]
    sub.retry_at = utcnow() + timedelta(seconds=retry_s) if retry_s > 0 else None
    session.add(sub)


def recover_interrupted(
    *, session: Session, max_attempts: int, claimed_by: str | None = None, stalled_retry_s: float = 0.0
) -> list[int]:
    """At start-up: submissions left ``running`` are re-queued, or set aside as ``stalled`` after
    ``max_attempts`` (the server keeps stopping while grading them: not the learner's ``error``).

    ``claimed_by``: only those this replica had claimed (several replicas share the database; the others'
    gradings are left to their leases). Returns the queued ids, oldest first.
    """
    query = select(Submission).where(Submission.status == SubmissionStatus.RUNNING.value)
    if claimed_by is not None:
        query = query.where(Submission.claimed_by == claimed_by)
    stuck = session.exec(query).all()
    for sub in stuck:
        if sub.attempts >= max_attempts:
            problem = GIVEN_UP_PROBLEM.format(n=sub.attempts)
            set_aside(session=session, sub=sub, problem=problem, retry_s=stalled_retry_s)
        else:
            sub.status = SubmissionStatus.QUEUED.value
            sub.claimed_by = None
            sub.lease_expires_at = None
            sub.phase = None
            sub.phase_started_at = None
            session.add(sub)
    session.commit()
    queued = session.exec(
        select(Submission.id).where(Submission.status == SubmissionStatus.QUEUED.value).order_by(col(Submission.id))
    ).all()
    return [int(i) for i in queued if i is not None]


# --- grading leases (several replicas on one database) --------------------------------------------------
GIVEN_UP_PROBLEM = "the server stopped {n} times while grading it"


def _claimable(now: Any) -> ColumnElement[bool]:
    """Queued (once its retry time, if any, has come), stalled whose later retry has come, or running
    under a lease that ran out."""
    lease = col(Submission.lease_expires_at)
    retry_at = col(Submission.retry_at)
    running = and_(col(Submission.status) == SubmissionStatus.RUNNING.value, or_(lease.is_(None), lease < now))
    queued = and_(col(Submission.status) == SubmissionStatus.QUEUED.value, or_(retry_at.is_(None), retry_at <= now))
    stalled = and_(col(Submission.status) == SubmissionStatus.STALLED.value, retry_at.is_not(None), retry_at <= now)
    return or_(queued, stalled, running)


def claim_next(
    *, session: Session, replica: str, lease_s: float, max_attempts: int, stalled_retry_s: float = 0.0
) -> Submission | None:
    """Claim the oldest claimable submission (queued, or running under a lease that ran out) for ``replica``
    (app.services.leases: SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere). A taken-over
    submission already claimed ``max_attempts`` times is set aside as ``stalled`` instead (not graded, for the
    server's reasons: never the learner's ``error``), tried again after ``stalled_retry_s`` (0: when an
    operator re-queues it). Returns the claimed row (its ``attempts`` identifies the claim) or None when there
    is nothing to do.
    """

    def give_up(sub: Submission) -> None:
        set_aside(session=session, sub=sub, problem=GIVEN_UP_PROBLEM.format(n=sub.attempts), retry_s=stalled_retry_s)
        session.commit()

    return leases.claim_oldest(
        session,
        Submission,
        claimable=_claimable,
        replica=replica,
        lease_s=lease_s,
        max_attempts=max_attempts,
        give_up=give_up,
        values={"phase": None, "phase_started_at": None, "retry_at": None},
    )


def renew_lease(*, session: Session, submission_id: int, replica: str, attempt: int, lease_s: float) -> bool:
    """Extend this claim's lease (the grading worker's heartbeat). False: the claim is no longer ours."""
    return leases.renew(session, Submission, submission_id, replica, attempt, lease_s)


def finish_claimed(
    *, session: Session, submission_id: int, replica: str, attempt: int, report: dict[str, Any]
) -> Submission | None:
    """Write the report, only if the claim is still this one (else None: another replica took it over)."""
    if leases.locked_own(session, Submission, submission_id, replica, attempt) is None:
        return None
    return mark_done(session=session, submission_id=submission_id, report=report)


def release_claim(*, session: Session, submission_id: int, replica: str, attempt: int) -> bool:
    """Give a claim back at a clean shutdown: queued again at once, and the attempt does not count."""
    queued = SubmissionStatus.QUEUED.value
    return leases.give_back(
        session, Submission, submission_id, replica, attempt, queued=queued, phase=None, phase_started_at=None
    )


def unfinished_count(*, session: Session) -> int:
    """Submissions queued (a retry included) or running, on every replica; stalled ones wait for an operator."""
    waiting = (SubmissionStatus.QUEUED.value, SubmissionStatus.RUNNING.value)
    query = select(func.count()).select_from(Submission).where(col(Submission.status).in_(waiting))
    return int(session.exec(query).one())


def count_by_status(*, session: Session) -> dict[str, int]:
    """Submissions not yet done, by status (``queued``, ``running``, ``stalled``), on every replica."""
    query = (
        select(Submission.status, func.count())
        .where(col(Submission.status) != SubmissionStatus.DONE.value)
        .group_by(col(Submission.status))
    )
    counts = {SubmissionStatus.QUEUED.value: 0, SubmissionStatus.RUNNING.value: 0, SubmissionStatus.STALLED.value: 0}
    for status, n in session.exec(query).all():
        counts[str(status)] = int(n)
    return counts


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
        lesson_version=sub.graded_lesson_hash,
    )


def graded_versions(*, session: Session, lesson_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per lesson: how many graded submissions were graded against each lesson version."""
    rows = session.exec(
        select(Submission.lesson_id, Submission.graded_lesson_hash, func.count())
        .where(col(Submission.lesson_id).in_(lesson_ids), col(Submission.graded_lesson_hash).is_not(None))
        .group_by(col(Submission.lesson_id), col(Submission.graded_lesson_hash))
    ).all()
    out: dict[str, dict[str, int]] = {}
    for lesson_id, version, count in rows:
        out.setdefault(lesson_id, {})[str(version)] = int(count)
    return out
