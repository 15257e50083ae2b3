"""Gradings that failed for an infrastructure reason: retried with backoff, never the learner's ``error``.

A grading can fail because of the learner's code (it raised, crashed its kernel, ran out of time: those
are verdicts, stored by ``submissions.mark_done``) or because of the server: the disk is full, the
database refused a write, no grading kernel could start (the sandbox is unavailable). The second kind says
nothing about the learner's work, so it is never stored as a verdict. Instead the worker gives its claim
back with a ``retry_at`` in the future (``defer_claimed``): ``grading_infra_retry_base_s`` doubled at each
failure, at most ``grading_infra_retry_max_s``. After ``grading_infra_retries`` retries the submission is
set aside with status ``stalled`` ("not graded, will retry"): the learner's page says so, ``/metrics``
counts it, and an operator re-queues it with ``jaxtutor grading retry`` once the cause is fixed (the server
also tries it again by itself after ``grading_stalled_retry_s``).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, update
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from app.models import Submission, SubmissionStatus, utcnow

if TYPE_CHECKING:
    from app.config import Settings

#: What the learner is told while their submission waits for a retry (page and API).
RETRY_LABEL = "not graded yet — the server had a problem, it will be retried"

_OS_PROBLEMS = {
    errno.ENOSPC: "the server's disk is full",
    errno.EDQUOT: "the server's disk quota is used up",
    errno.EROFS: "the server's disk is read-only",
    errno.EIO: "the server's disk failed (I/O error)",
    errno.EMFILE: "the server ran out of file descriptors",
    errno.ENFILE: "the server ran out of file descriptors",
    errno.ENOMEM: "the server ran out of memory",
    errno.EACCES: "the server may not write its own files",
    errno.EPERM: "the server may not write its own files",
}


def infrastructure_problem(exc: BaseException) -> str | None:
    """Why ``exc`` (raised while grading or storing a report) is the server's fault, or None when it is not.

    Only the server's own failures count; the learner's code runs in a kernel, so its errors arrive as
    report content, never as exceptions in this process."""
    from kernels.pool import PoolFull
    from kernels.runtime import KernelStartError

    if isinstance(exc, KernelStartError | PoolFull):
        return "a grading kernel could not start"
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InternalError | sa_exc.DisconnectionError):
        return "the database refused a write or did not answer"
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return "the connection to the database was lost"
    if isinstance(exc, OSError) and exc.errno in _OS_PROBLEMS:
        return _OS_PROBLEMS[exc.errno]
    return None


def report_problem(report: dict[str, Any]) -> str | None:
    """The infrastructure problem a grader's report names (``Report.infrastructure``), or None."""
    problem = report.get("infrastructure")
    return str(problem)[:300] if problem else None


def backoff_s(failures: int, settings: Settings) -> float:
    """The wait after the ``failures``-th infrastructure failure: base, 2 x base, 4 x base, ... capped."""
    base = settings.grading_infra_retry_base_s
    return float(min(settings.grading_infra_retry_max_s, base * 2 ** max(0, failures - 1)))


def defer_claimed(
    *, session: Session, submission_id: int, replica: str, attempt: int, problem: str, settings: Settings
) -> str | None:
    """Give an infrastructure-failed claim back: ``queued`` again after a backoff, or ``stalled`` once the
    retries are used up. The claim's attempt does not count (it says nothing about the submission). Returns
    the new status, or None when the claim was no longer this worker's (another replica took it over)."""
    sub = session.exec(
        select(Submission).where(
            col(Submission.id) == submission_id,
            col(Submission.status) == SubmissionStatus.RUNNING.value,
            col(Submission.claimed_by) == replica,
            col(Submission.attempts) == attempt,
        )
    ).first()
    if sub is None:
        session.rollback()
        return None
    failures = sub.infra_failures + 1
    now = utcnow()
    if failures > settings.grading_infra_retries:
        status = SubmissionStatus.STALLED.value
        later = settings.grading_stalled_retry_s
        retry_at = now + timedelta(seconds=later) if later > 0 else None
    else:
        status = SubmissionStatus.QUEUED.value
        retry_at = now + timedelta(seconds=backoff_s(failures, settings))
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == submission_id,
            col(Submission.claimed_by) == replica,
            col(Submission.attempts) == attempt,
        )
        .values(
            status=status,
            claimed_by=None,
            lease_expires_at=None,
            attempts=col(Submission.attempts) - 1,
            infra_failures=failures,
            infra_problem=problem[:300],
            retry_at=retry_at,
            phase=None,
            phase_started_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return status if getattr(result, "rowcount", 0) == 1 else None


def list_stalled(*, session: Session, limit: int = 500) -> list[Submission]:
    """Submissions set aside as not graded (oldest first), for an operator."""
    query = select(Submission).where(col(Submission.status) == SubmissionStatus.STALLED.value)
    return list(session.exec(query.order_by(col(Submission.id)).limit(limit)))


def requeue(*, session: Session, ids: list[int] | None = None, waiting: bool = False) -> int:
    """An operator fixed the cause: stalled submissions (``ids``, or all) are queued again with a fresh set
    of retries, to be claimed at once. ``waiting``: also those queued for a retry that has not come yet."""
    statuses = [SubmissionStatus.STALLED.value]
    where = [col(Submission.status) == SubmissionStatus.STALLED.value]
    if waiting:
        statuses.append(SubmissionStatus.QUEUED.value)
        where = [col(Submission.status).in_(statuses), col(Submission.retry_at).is_not(None)]
    if ids is not None:
        where.append(col(Submission.id).in_(ids))
    result = session.execute(
        update(Submission)
        .where(and_(*where))
        .values(status=SubmissionStatus.QUEUED.value, retry_at=None, infra_failures=0)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class RetryState:
    """What the learner and the API are told about a submission that failed for the server's reasons."""

    stalled: bool
    retry_in_s: float | None  # seconds until the next try (None: only when an operator re-queues it)
    problem: str | None


def retry_state(sub: Submission) -> RetryState | None:
    """None unless ``sub`` waits for a retry (queued after an infrastructure failure) or is stalled."""
    waiting = sub.status == SubmissionStatus.QUEUED.value and sub.retry_at is not None
    if not waiting and sub.status != SubmissionStatus.STALLED.value:
        return None
    retry_in = None
    if sub.retry_at is not None:
        at = sub.retry_at if sub.retry_at.tzinfo is not None else sub.retry_at.replace(tzinfo=utcnow().tzinfo)
        retry_in = max(0.0, (at - utcnow()).total_seconds())
    return RetryState(sub.status == SubmissionStatus.STALLED.value, retry_in, sub.infra_problem)


def counts(*, session: Session) -> dict[str, int]:
    """Submissions not graded because of the server: ``waiting`` a retry, and ``stalled`` (all replicas)."""
    waiting = session.exec(
        select(func.count())
        .select_from(Submission)
        .where(col(Submission.status) == SubmissionStatus.QUEUED.value, col(Submission.retry_at).is_not(None))
    ).one()
    stalled = session.exec(
        select(func.count()).select_from(Submission).where(col(Submission.status) == SubmissionStatus.STALLED.value)
    ).one()
    return {"waiting": int(waiting), "stalled": int(stalled)}
