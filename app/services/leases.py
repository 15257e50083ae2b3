"""Claims under a lease, shared by the two job tables of the grading queue: ``submission`` (a learner's
grading, app.services.submissions) and ``regrade`` (app.services.regrade_jobs).

A job row has ``id``, ``status``, ``claimed_by``, ``lease_expires_at``, ``attempts`` and ``started_at``. A
replica claims the oldest claimable row with a conditional ``UPDATE`` (still claimable?) whose row count says
whether it won, which alone suffices on SQLite (one writer); on PostgreSQL the candidate is first locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent replicas each get a different row without waiting. A claim
is identified by (id, replica, attempts): renewing, giving back and finishing succeed only while it is still
that claim (a replica whose lease ran out finds its claim taken over, and writes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from app.models import utcnow

Job = TypeVar("Job", bound=SQLModel)

RUNNING = "running"  # SubmissionStatus.RUNNING and RegradeStatus.RUNNING


def is_postgres(session: Session) -> bool:
    """Row locks with SKIP LOCKED (several replicas claiming at once) exist only on PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def own_claim(model: type[SQLModel], job_id: int, replica: str, attempt: int) -> ColumnElement[bool]:
    """The row ``job_id`` while it is still this claim: running, claimed by ``replica``, at ``attempt``."""
    fields: Any = model
    return and_(
        col(fields.id) == job_id,
        col(fields.status) == RUNNING,
        col(fields.claimed_by) == replica,
        col(fields.attempts) == attempt,
    )


def claim_oldest(
    session: Session,
    model: type[Job],
    *,
    claimable: Callable[[datetime], ColumnElement[bool]],
    replica: str,
    lease_s: float,
    max_attempts: int,
    give_up: Callable[[Job], None],
    values: dict[str, Any] | None = None,
) -> Job | None:
    """Claim the oldest row ``claimable(now)`` selects for ``replica``, setting ``values`` too; None when there
    is nothing to do. A row taken over after ``max_attempts`` claims is handed to ``give_up`` (which ends it
    and commits) instead, and the search goes on."""
    fields: Any = model
    while True:
        now = utcnow()
        query = select(model).where(claimable(now)).order_by(col(fields.id)).limit(1)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        row = session.exec(query).first()
        if row is None:
            session.rollback()
            return None
        current: Any = row
        if current.status == RUNNING and current.attempts >= max_attempts:
            give_up(row)
            continue
        result = session.execute(
            update(model)
            .where(col(fields.id) == current.id, claimable(now))
            .values(
                status=RUNNING,
                claimed_by=replica,
                lease_expires_at=now + timedelta(seconds=lease_s),
                attempts=col(fields.attempts) + 1,
                started_at=now,
                **(values or {}),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(result, "rowcount", 0) == 1:
            session.refresh(row)
            return row


def renew(session: Session, model: type[SQLModel], job_id: int, replica: str, attempt: int, lease_s: float) -> bool:
    """Extend this claim's lease (the worker's heartbeat). False: the claim is no longer ours."""
    return _update_own(session, model, job_id, replica, attempt, lease_expires_at=utcnow() + timedelta(seconds=lease_s))


def give_back(
    session: Session, model: type[SQLModel], job_id: int, replica: str, attempt: int, *, queued: str, **values: Any
) -> bool:
    """Give a claim back at a clean shutdown: ``queued`` again at once, and the attempt does not count."""
    fields: Any = model
    return _update_own(
        session,
        model,
        job_id,
        replica,
        attempt,
        status=queued,
        claimed_by=None,
        lease_expires_at=None,
        attempts=col(fields.attempts) - 1,
        **values,
    )


def locked_own(session: Session, model: type[Job], job_id: int, replica: str, attempt: int) -> Job | None:
    """The row while it is still this claim, locked on PostgreSQL until the commit that finishes it; None (and
    rolled back) when another replica took it over."""
    query = select(model).where(own_claim(model, job_id, replica, attempt))
    if is_postgres(session):
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        session.rollback()
    return row


def _update_own(
    session: Session, model: type[SQLModel], job_id: int, replica: str, attempt: int, **values: Any
) -> bool:
    result = session.execute(
        update(model)
        .where(own_claim(model, job_id, replica, attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1
