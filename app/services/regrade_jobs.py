"""Re-grade jobs in the grading queue: claims, leases and results of ``regrade`` rows.

The grading queue (``app.services.grading_jobs``) serves two kinds of job: learners' submissions first,
then re-grades (``app.services.regrade``), so a batch of re-grades never makes a learner wait for more
than the gradings already running. A re-grade is claimed, leased, renewed and given back exactly as a
submission is (``app.services.submissions``), on its own row: the original submission is never touched.
A result whose grading failed for reasons of the infrastructure (the kernel died, no kernel could start,
the grader crashed, the lease was lost too often) ends the row as ``failed`` and replaces nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import Regrade, RegradeStatus, Submission, utcnow
from app.services import leases, regrade, submissions

GIVEN_UP_MESSAGE = "Re-grading was interrupted {n} times (a server stopped); the original verdict stands."


def _claimable(now: Any) -> ColumnElement[bool]:
    lease = col(Regrade.lease_expires_at)
    running = and_(col(Regrade.status) == RegradeStatus.RUNNING.value, or_(lease.is_(None), lease < now))
    return or_(col(Regrade.status) == RegradeStatus.QUEUED.value, running)


def claim_next(
    *, session: Session, replica: str, lease_s: float, max_attempts: int
) -> tuple[Regrade, Submission] | None:
    """Claim the oldest claimable re-grade for ``replica`` (app.services.leases, as for submissions). Returns
    the claimed row with its submission (the code to grade), or None when there is nothing to do. A re-grade
    taken over ``max_attempts`` times ends ``failed`` (the original verdict stands)."""

    def give_up(row: Regrade) -> None:
        _finish(session, row, regrade.failure_report(GIVEN_UP_MESSAGE.format(n=row.attempts)))

    while True:
        row = leases.claim_oldest(
            session,
            Regrade,
            claimable=_claimable,
            replica=replica,
            lease_s=lease_s,
            max_attempts=max_attempts,
            give_up=give_up,
        )
        if row is None:
            return None
        sub = session.get(Submission, row.submission_id)
        if sub is not None:
            return row, sub
        _finish(session, row, regrade.failure_report("The submission no longer exists."))  # never grade nothing


def renew_lease(*, session: Session, regrade_id: int, replica: str, attempt: int, lease_s: float) -> bool:
    """Extend this claim's lease (the worker's heartbeat). False: the claim is no longer ours."""
    return leases.renew(session, Regrade, regrade_id, replica, attempt, lease_s)


def release_claim(*, session: Session, regrade_id: int, replica: str, attempt: int) -> bool:
    """Give a claim back at a clean shutdown: queued again at once, and the attempt does not count."""
    return leases.give_back(session, Regrade, regrade_id, replica, attempt, queued=RegradeStatus.QUEUED.value)


def finish_claimed(
    *, session: Session, regrade_id: int, replica: str, attempt: int, report: dict[str, Any]
) -> Regrade | None:
    """Store the result, only if the claim is still this one (else None: another replica took it over).
    An infrastructure failure ends the row ``failed``; a verdict ends it ``done`` and the learner's progress
    on the lesson is recomputed from the newest verdicts (``regrade.recompute_progress``), in one commit."""
    row = leases.locked_own(session, Regrade, regrade_id, replica, attempt)
    return None if row is None else _finish(session, row, report)


def _finish(session: Session, row: Regrade, report: dict[str, Any]) -> Regrade:
    failed = regrade.is_infra_failure(report)
    status, score = submissions.verdict_of(report)
    version = report.get("lesson_version")
    row.status = RegradeStatus.FAILED.value if failed else RegradeStatus.DONE.value
    row.verdict = None if failed else status
    row.score = None if failed else score
    row.report_json = json.dumps(report, default=str)
    row.graded_lesson_hash = str(version)[:32] if version else None
    row.finished_at = utcnow()
    row.lease_expires_at = None
    session.add(row)
    session.flush()
    if not failed:
        sub = session.get(Submission, row.submission_id)
        if sub is not None:
            _file_under_cluster(sub, report)
            regrade.recompute_progress(session=session, user_id=sub.user_id, lesson_id=sub.lesson_id)
    session.commit()
    session.refresh(row)
    return row


def _file_under_cluster(sub: Submission, report: dict[str, Any]) -> None:
    """Backfill: a submission graded before clusters existed (no key), or under another normal-form
    version, joins the cluster its re-grade traced to. A key of the same version is kept: the submission
    stays where instructors' comments found it."""
    key, version = submissions.cluster_of(report)
    if key and (sub.cluster_key is None or sub.cluster_version != version):
        sub.cluster_key, sub.cluster_version = key, version


def recover_interrupted(*, session: Session, max_attempts: int, claimed_by: str | None = None) -> int:
    """At start-up: re-grades this replica (``claimed_by``; None: any, SQLite's single process) left
    ``running`` are queued again at once instead of waiting for their leases to run out, or end ``failed``
    after ``max_attempts``. Returns how many were queued again."""
    query = select(Regrade).where(col(Regrade.status) == RegradeStatus.RUNNING.value)
    if claimed_by is not None:
        query = query.where(col(Regrade.claimed_by) == claimed_by)
    queued = 0
    for row in session.exec(query).all():
        if row.attempts >= max_attempts:
            _finish(session, row, regrade.failure_report(GIVEN_UP_MESSAGE.format(n=row.attempts)))
            continue
        row.status = RegradeStatus.QUEUED.value
        row.claimed_by = None
        row.lease_expires_at = None
        session.add(row)
        queued += 1
    session.commit()
    return queued


def unfinished_count(*, session: Session) -> int:
    """Re-grades queued or running, on every replica."""
    unfinished = col(Regrade.status).in_([RegradeStatus.QUEUED.value, RegradeStatus.RUNNING.value])
    return int(session.exec(select(func.count()).select_from(Regrade).where(unfinished)).one())
