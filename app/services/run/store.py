"""The Run feature's database, behind one public object: ``RunStore``.

Two tables hold what every replica must see: ``run_kernel`` (which kernel serves a learner's Runs and who
holds the run lease: ``app.services.run.kernel_rows``) and ``run_record`` (a Run's outputs and outcome, so
a poll on any replica can read it: ``app.services.run.run_rows``). Those modules are plain functions over a
SQLModel session; this class is the only caller that opens sessions for them. Before it existed the run
manager, the kernel keeper and the recorder each borrowed a private ``_db()`` helper of another object to
reach the engine; now each of them asks the store, and the store knows its engine and this replica's name.

Every method is one short transaction on the event loop (nothing here waits on a kernel while holding a
row). A server without a database (tests of the run manager alone) has no store at all (``None``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.db import session_scope
from app.services.run import kernel_rows, run_rows
from app.services.run.kernel_rows import DEFAULT_SCOPE, KernelRecord
from app.services.run.run_rows import RunSnapshot
from kernels.outcomes import Output

if TYPE_CHECKING:
    from sqlalchemy import Engine


class RunStore:
    """``run_kernel`` and ``run_record`` for one replica (``replica``: its name in both tables)."""

    def __init__(self, engine: Engine, replica: str) -> None:
        self.engine = engine
        self.replica = replica

    # -- run_kernel: the learner's kernel and the run lease --------------------------------------
    def claim(self, *, user_id: int, scope: str, backend: str, run_id: str, lease_s: float) -> KernelRecord | None:
        """The run lease for ``run_id`` (None: another Run of the learner in ``scope`` holds it)."""
        with session_scope(self.engine) as db:
            return kernel_rows.claim_run(
                session=db,
                user_id=user_id,
                scope=scope,
                backend=backend,
                replica=self.replica,
                run_id=run_id,
                lease_s=lease_s,
            )

    def renew(self, *, record_id: int, run_id: str, lease_s: float) -> bool:
        with session_scope(self.engine) as db:
            return kernel_rows.renew(session=db, record_id=record_id, run_id=run_id, lease_s=lease_s)

    def release(self, *, record_id: int, run_id: str) -> None:
        with session_scope(self.engine) as db:
            kernel_rows.release(session=db, record_id=record_id, run_id=run_id)

    def kernel_record(self, user_id: int, scope: str = DEFAULT_SCOPE) -> KernelRecord | None:
        with session_scope(self.engine) as db:
            return kernel_rows.get(session=db, user_id=user_id, scope=scope)

    def set_kernel(self, *, record_id: int, run_id: str, backend: str, kernel_id: str, session_id: str | None) -> bool:
        """Record the kernel this replica started for the lease holder (False: the lease was lost)."""
        with session_scope(self.engine) as db:
            return kernel_rows.set_kernel(
                session=db,
                record_id=record_id,
                run_id=run_id,
                backend=backend,
                kernel_id=kernel_id,
                session_id=session_id,
                holder=self.replica,
            )

    def forget(self, *, user_id: int, scope: str = DEFAULT_SCOPE, kernel_id: str | None = None) -> KernelRecord | None:
        with session_scope(self.engine) as db:
            return kernel_rows.forget(session=db, user_id=user_id, scope=scope, kernel_id=kernel_id)

    def claim_idle(self, *, idle_s: float, backend: str) -> list[KernelRecord]:
        with session_scope(self.engine) as db:
            return kernel_rows.claim_idle(session=db, idle_s=idle_s, backend=backend)

    def release_replica(self) -> int:
        """Drop the run leases this replica's previous process held (it is gone)."""
        with session_scope(self.engine) as db:
            return kernel_rows.release_replica(session=db, replica=self.replica)

    # -- run_record: a Run's outputs and outcome -------------------------------------------------
    def create_run(self, *, run_id: str, user_id: int) -> None:
        with session_scope(self.engine) as db:
            run_rows.create(session=db, run_id=run_id, user_id=user_id, replica=self.replica)

    def append_output(
        self, *, run_id: str, outputs: list[Output], chars: int, truncated: bool, status: str | None = None
    ) -> bool:
        with session_scope(self.engine) as db:
            return run_rows.append(
                session=db, run_id=run_id, outputs=outputs, chars=chars, truncated=truncated, status=status
            )

    def finish_run(
        self,
        *,
        run_id: str,
        status: str,
        message: str,
        reason: str | None = None,
        duration_s: float | None = None,
        traceback: list[str] | None = None,
        outputs: list[Output] | None = None,
        chars: int = 0,
        truncated: bool = False,
    ) -> bool:
        with session_scope(self.engine) as db:
            return run_rows.finish(
                session=db,
                run_id=run_id,
                status=status,
                message=message,
                reason=reason,
                duration_s=duration_s,
                traceback=traceback,
                outputs=outputs,
                chars=chars,
                truncated=truncated,
            )

    def run(self, *, user_id: int, run_id: str, since: int = 0) -> RunSnapshot | None:
        with session_scope(self.engine) as db:
            return run_rows.get(session=db, user_id=user_id, run_id=run_id, since=since)

    def abandon_run(self, *, run_id: str, stale_before: datetime, message: str) -> bool:
        with session_scope(self.engine) as db:
            return run_rows.abandon(session=db, run_id=run_id, stale_before=stale_before, message=message)

    def abandon_replica(self, *, message: str) -> int:
        """Finish the Runs this replica's previous process left unfinished."""
        with session_scope(self.engine) as db:
            return run_rows.abandon_replica(session=db, replica=self.replica, message=message)

    def trim_user(self, *, user_id: int, keep_chars: int) -> int:
        with session_scope(self.engine) as db:
            return run_rows.trim_user(session=db, user_id=user_id, keep_chars=keep_chars)

    def prune(self, *, before: datetime) -> int:
        with session_scope(self.engine) as db:
            return run_rows.prune(session=db, before=before)
