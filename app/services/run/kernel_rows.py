"""Learners' Run kernels in the database (table ``run_kernel``), shared by every replica.

Plain functions over a session; in the app ``app.services.run.store.RunStore`` is their only caller. One row per
learner and scope says which kernel serves their Runs and who is running code in it. Every
write is a short transaction (database work runs on the event loop: nothing here waits for a kernel while
holding a row):

* ``claim_run`` takes the **run lease** for one Run: it inserts the learner's row (the unique constraint on
  ``(user_id, scope)`` lets exactly one of two replicas racing on a learner's first Run create it; the other
  reads the winner's row) or updates it with a conditional ``UPDATE ... WHERE`` no other lease is live,
  whose row count says whether it won (PostgreSQL re-checks the condition after a concurrent writer
  commits; SQLite has one writer). A lost claim means the learner's code is running elsewhere.
* ``set_kernel`` records the kernel the lease holder started (only while its lease is still its own);
  ``renew`` extends the lease while the Run runs; ``release`` ends it.
* ``forget`` deletes the row (restart, a lost kernel), optionally only if it still names a given kernel;
  ``claim_idle`` deletes rows idle longer than the cut-off and not leased, and returns them so that the
  caller stops their kernels (two replicas culling together delete each row once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.models import RunKernel, utcnow

#: A Run kernel's scope: "playground" or "lesson:<id>", one kernel each (like one kernel per notebook). Rows
#: from before scopes were used say "all"; they are culled like any idle row.
DEFAULT_SCOPE = "playground"


@dataclass(frozen=True)
class KernelRecord:
    """A snapshot of a ``run_kernel`` row."""

    id: int
    user_id: int
    scope: str
    backend: str
    kernel_id: str | None
    session_id: str | None
    holder: str
    run_by: str | None
    run_id: str | None
    run_until: datetime | None
    last_used_at: datetime
    created: bool = False  # this claim inserted the row

    def leased(self, now: datetime | None = None) -> bool:
        """A Run holds the lease (on some replica) right now."""
        return self.run_until is not None and _aware(self.run_until) > (now or utcnow())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite returns naive UTC


def _record(row: RunKernel, *, created: bool = False) -> KernelRecord:
    assert row.id is not None
    return KernelRecord(
        id=row.id,
        user_id=row.user_id,
        scope=row.scope,
        backend=row.backend,
        kernel_id=row.kernel_id,
        session_id=row.session_id,
        holder=row.holder,
        run_by=row.run_by,
        run_id=row.run_id,
        run_until=row.run_until,
        last_used_at=row.last_used_at,
        created=created,
    )


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(col(RunKernel.run_until).is_(None), col(RunKernel.run_until) <= now)


def get(*, session: Session, user_id: int, scope: str = DEFAULT_SCOPE) -> KernelRecord | None:
    row = session.exec(select(RunKernel).where(RunKernel.user_id == user_id, RunKernel.scope == scope)).first()
    record = None if row is None else _record(row)
    session.rollback()
    return record


def claim_run(
    *,
    session: Session,
    user_id: int,
    backend: str,
    replica: str,
    run_id: str,
    lease_s: float,
    scope: str = DEFAULT_SCOPE,
) -> KernelRecord | None:
    """Take the run lease of the learner's kernel for ``run_id``, creating the row on the first Run.
    Returns the row as claimed, or None when another Run holds the lease."""
    for _ in range(3):
        now = utcnow()
        until = now + timedelta(seconds=lease_s)
        row = session.exec(select(RunKernel).where(RunKernel.user_id == user_id, RunKernel.scope == scope)).first()
        if row is None:
            session.add(
                RunKernel(
                    user_id=user_id,
                    scope=scope,
                    backend=backend,
                    holder=replica,
                    run_by=replica,
                    run_id=run_id,
                    run_until=until,
                    created_at=now,
                    last_used_at=now,
                )
            )
            try:
                session.commit()
            except IntegrityError:  # another replica created it first: read theirs
                session.rollback()
                continue
            created = session.exec(
                select(RunKernel).where(RunKernel.user_id == user_id, RunKernel.scope == scope)
            ).one()
            record = _record(created, created=True)
            session.rollback()
            return record
        assert row.id is not None
        result = session.execute(
            update(RunKernel)
            .where(and_(col(RunKernel.id) == row.id, _free(now)))
            .values(run_by=replica, run_id=run_id, run_until=until, last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(result, "rowcount", 0) != 1:
            return None
        fresh = session.get(RunKernel, row.id, populate_existing=True)
        if fresh is None:  # deleted (restart) right after our claim: claim a new row
            continue
        record = _record(fresh)
        session.rollback()
        return record
    return None


def _own(record_id: int, run_id: str) -> ColumnElement[bool]:
    return and_(col(RunKernel.id) == record_id, col(RunKernel.run_id) == run_id)


def set_kernel(
    *,
    session: Session,
    record_id: int,
    run_id: str,
    backend: str,
    kernel_id: str,
    session_id: str | None,
    holder: str,
) -> bool:
    """Record the kernel the lease holder started. False when the lease is no longer its own (the row was
    deleted by a restart): the caller then stops that kernel."""
    result = session.execute(
        update(RunKernel)
        .where(_own(record_id, run_id))
        .values(backend=backend, kernel_id=kernel_id, session_id=session_id, holder=holder, created_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def renew(*, session: Session, record_id: int, run_id: str, lease_s: float) -> bool:
    now = utcnow()
    result = session.execute(
        update(RunKernel)
        .where(_own(record_id, run_id))
        .values(run_until=now + timedelta(seconds=lease_s), last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def release(*, session: Session, record_id: int, run_id: str) -> None:
    session.execute(
        update(RunKernel)
        .where(_own(record_id, run_id))
        .values(run_by=None, run_id=None, run_until=None, last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def release_replica(*, session: Session, replica: str) -> int:
    """Drop the run leases ``replica`` holds: called by that replica when it starts again, its previous
    process (which held them) being gone. Returns how many were dropped."""
    result = session.execute(
        update(RunKernel)
        .where(col(RunKernel.run_by) == replica)
        .values(run_by=None, run_id=None, run_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def forget(
    *, session: Session, user_id: int, scope: str = DEFAULT_SCOPE, kernel_id: str | None = None
) -> KernelRecord | None:
    """Delete the learner's row (only if it still names ``kernel_id``, when given); the deleted row."""
    conditions = [col(RunKernel.user_id) == user_id, col(RunKernel.scope) == scope]
    if kernel_id is not None:
        conditions.append(col(RunKernel.kernel_id) == kernel_id)
    row = session.exec(select(RunKernel).where(*conditions)).first()
    if row is None:
        session.rollback()
        return None
    record = _record(row)
    result = session.execute(
        delete(RunKernel)
        .where(col(RunKernel.id) == record.id, *conditions)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return record if getattr(result, "rowcount", 0) == 1 else None


def claim_idle(*, session: Session, idle_s: float, backend: str, limit: int = 100) -> list[KernelRecord]:
    """Delete the rows of ``backend`` idle for ``idle_s`` and not leased; the rows this call deleted."""
    now = utcnow()
    cutoff = now - timedelta(seconds=idle_s)
    stale = and_(col(RunKernel.backend) == backend, col(RunKernel.last_used_at) < cutoff, _free(now))
    rows = [_record(r) for r in session.exec(select(RunKernel).where(stale).limit(limit)).all()]
    culled = []
    for record in rows:
        result = session.execute(
            delete(RunKernel).where(col(RunKernel.id) == record.id, stale).execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            culled.append(record)
    session.commit()
    return culled
