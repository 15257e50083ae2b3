"""How a learner's session gets its Run kernel, and the record of it every replica shares.

``SessionKernels`` is the kernel side of ``app.services.execution.RunManager``: it keeps, attaches, starts,
drops and culls learners' kernels from a ``KernelProvider`` and records them in ``run_kernel``
(``app.services.run_kernels``) when the server has a database:

* **gateway kernels** (a ``shared`` provider) are shared by every replica: a Run on any replica attaches
  to the learner's recorded kernel (websocket under the recorded Jupyter session id), so state set by a
  Run on one replica is there for a Run on another. One Run at a time per learner across replicas (the
  run lease); interrupt, restart and idle culling work from any replica. A recorded kernel that died or
  was culled by the gateway is replaced and the Run says so (``NOTICE_LOST``). Stopping a replica only
  closes its connections.
* **local kernels** live in one replica's memory, recorded with that replica as ``holder``: a Run that
  reaches another replica (no sticky sessions), or this replica after a restart, starts a fresh kernel and
  says so (``NOTICE_OTHER_SERVER``, ``NOTICE_SERVER_RESTARTED``); the replica that held the old kernel
  stops it at its next idle sweep.

Without a database (tests of the run manager alone) a session simply keeps the kernel it acquired.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from app.services import run_kernels
from app.services.kernel_providers import KernelLike, KernelProvider
from app.services.run_kernels import KernelRecord

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.config import Settings
    from app.services.execution import KernelSession

log = logging.getLogger(__name__)

RUN_LEASE_S = 15.0  # a Run's lease on the learner's kernel, renewed every third while it runs

NOTICE_LOST = (
    "Your session restarted; state was lost: your kernel had stopped (idle too long, out of resources, or "
    "stopped on the kernel host), so this Run started a fresh one. Run the cells that define your variables again."
)
NOTICE_OTHER_SERVER = (
    "Your session restarted; state was lost: this Run reached a different server than the one holding your "
    "kernel (kernels started by a server live on that server only; the site needs sticky sessions), so a fresh "
    "kernel was started here."
)
NOTICE_SERVER_RESTARTED = (
    "Your session restarted; state was lost: the server restarted, so this Run started a fresh kernel."
)


class SessionKernels:
    def __init__(self, settings: Settings, provider: KernelProvider, engine: Engine | None = None) -> None:
        self.settings = settings
        self.provider = provider
        self.engine = engine
        self.replica = settings.replica_name()
        self.shared = bool(getattr(provider, "shared", False))
        self.backend = "gateway" if self.shared else "local"

    def _db(self) -> Any:
        from app.db import session_scope

        assert self.engine is not None
        return session_scope(self.engine)

    # -- the record ------------------------------------------------------------------------------
    def claim(self, user_id: int, run_id: str) -> KernelRecord | None:
        """The run lease for ``run_id`` (None: another Run of the learner holds it)."""
        with self._db() as db:
            return run_kernels.claim_run(
                session=db,
                user_id=user_id,
                backend=self.backend,
                replica=self.replica,
                run_id=run_id,
                lease_s=RUN_LEASE_S,
            )

    def renew(self, claim: KernelRecord, run_id: str) -> None:
        with self._db() as db:
            run_kernels.renew(session=db, record_id=claim.id, run_id=run_id, lease_s=RUN_LEASE_S)

    def release(self, claim: KernelRecord, run_id: str) -> None:
        try:
            with self._db() as db:
                run_kernels.release(session=db, record_id=claim.id, run_id=run_id)
        except Exception:
            log.exception("releasing a run lease failed")

    def record(self, user_id: int) -> KernelRecord | None:
        with self._db() as db:
            return run_kernels.get(session=db, user_id=user_id)

    def recorded_status(self, user_id: int) -> str | None:
        """The learner's shared kernel as any replica left it (None: nothing to add to the local view)."""
        if not self.shared or self.engine is None:
            return None
        record = self.record(user_id)
        if record is not None and record.leased():
            return "busy" if record.kernel_id else "starting"
        if record is not None and record.kernel_id:
            return "idle"
        return None

    # -- getting the kernel of a Run -----------------------------------------------------------
    async def kernel_for(
        self, sess: KernelSession, run_id: str, claim: KernelRecord | None, notice: Callable[[str], None]
    ) -> KernelLike:
        """The learner's kernel for the Run holding ``claim``: kept, attached (shared) or started (and then
        recorded). ``notice`` receives what the learner must be told (their state was lost, and why)."""
        if claim is None:  # no database
            if sess.kernel is None:
                sess.state = "starting"
                sess.kernel = await self.provider.acquire(owner=f"user:{sess.user_id}")
            return sess.kernel
        recorded = claim.kernel_id if claim.backend == self.backend else None
        if self.shared:
            kernel = await self._shared_kernel(sess, recorded, claim, notice)
            if kernel is not None:
                return kernel
        elif sess.kernel is not None and recorded == sess.tag and claim.holder == self.replica:
            return sess.kernel
        else:
            if sess.kernel is not None:
                await self.drop(sess)  # another replica took the learner over meanwhile: stale state
            if recorded is not None:
                notice(NOTICE_OTHER_SERVER if claim.holder != self.replica else NOTICE_SERVER_RESTARTED)
        sess.state = "starting"
        kernel = await self.provider.acquire(owner=f"user:{sess.user_id}")
        tag = str(getattr(kernel, "id", "")) if self.shared else secrets.token_hex(8)
        with self._db() as db:
            recorded_now = run_kernels.set_kernel(
                session=db,
                record_id=claim.id,
                run_id=run_id,
                backend=self.backend,
                kernel_id=tag,
                session_id=getattr(kernel, "session_id", None) if self.shared else None,
                holder=self.replica,
            )
        if not recorded_now:  # the learner restarted their kernel (elsewhere) while this one was starting
            await self.provider.release(kernel)
            sess.state = "none"
            raise RuntimeError("your kernel was restarted meanwhile; run your code again")
        sess.kernel, sess.tag = kernel, tag
        return kernel

    async def _shared_kernel(
        self, sess: KernelSession, recorded: str | None, claim: KernelRecord, notice: Callable[[str], None]
    ) -> KernelLike | None:
        """The recorded gateway kernel through this replica's connection or a new one; None when a new kernel
        is needed (none recorded, or the recorded one is gone: the learner is told)."""
        if sess.kernel is not None and sess.tag != recorded:
            await self.detach(sess)  # the learner's kernel changed on another replica
        gone = False
        if sess.kernel is not None:
            if await sess.kernel.ensure_attached(self.settings.kernel_ready_timeout_s):  # type: ignore[attr-defined]
                return sess.kernel
            await self.detach(sess)
            gone = True
        elif recorded is not None:
            from kernels.gateway.rest import KernelGone

            assert claim.session_id is not None
            sess.state = "starting"
            try:
                sess.kernel = await self.provider.attach(recorded, claim.session_id)  # type: ignore[attr-defined]
            except KernelGone:
                gone = True
            else:
                sess.tag = recorded
                return sess.kernel
        if gone and recorded is not None:
            await self.discard(recorded)
            notice(NOTICE_LOST)
        return None

    # -- letting kernels go ----------------------------------------------------------------------
    async def drop(self, sess: KernelSession, *, forget: bool = False) -> None:
        """Stop the learner's kernel (``forget``: and delete its record if it still names it)."""
        kernel, sess.kernel = sess.kernel, None
        tag, sess.tag = sess.tag, None
        sess.state = "none"
        if kernel is not None:
            try:
                await self.provider.release(kernel)
            except Exception:
                log.exception("releasing a session kernel failed")
        if forget and tag is not None and self.engine is not None:
            try:
                with self._db() as db:
                    run_kernels.forget(session=db, user_id=sess.user_id, kernel_id=tag)
            except Exception:
                log.exception("forgetting a session kernel failed")

    async def detach(self, sess: KernelSession) -> None:
        """Close this replica's connection to a shared kernel; the kernel keeps running."""
        kernel, sess.kernel = sess.kernel, None
        sess.tag = None
        sess.state = "none"
        if kernel is not None:
            with contextlib.suppress(Exception):
                await self.provider.detach(kernel)  # type: ignore[attr-defined]

    async def let_go(self, sess: KernelSession) -> None:
        """On shutdown: shared kernels are detached (others may use them), local ones stopped."""
        if self.shared:
            await self.detach(sess)
        else:
            await self.drop(sess, forget=True)

    async def discard(self, kernel_id: str) -> None:
        try:
            await self.provider.discard(kernel_id)  # type: ignore[attr-defined]
        except Exception:
            log.exception("stopping kernel %s on the gateway failed", kernel_id)

    async def forget(self, user_id: int) -> None:
        """The learner restarts: delete the record and stop the recorded kernel wherever it runs."""
        if self.engine is None:
            return
        with self._db() as db:
            record = run_kernels.forget(session=db, user_id=user_id)
        if self.shared and record is not None and record.kernel_id:
            await self.discard(record.kernel_id)  # also ends a Run of this learner on another replica

    async def interrupt_remote(self, user_id: int) -> None:
        """Interrupt the learner's Run on another replica (shared kernels only)."""
        if not self.shared or self.engine is None:
            return
        record = self.record(user_id)
        if record is not None and record.kernel_id and record.leased() and record.run_by != self.replica:
            with contextlib.suppress(Exception):
                await self.provider.interrupt_remote(record.kernel_id)  # type: ignore[attr-defined]

    async def cull(self, sessions: Iterable[KernelSession]) -> int:
        """Stop kernels idle longer than ``session_kernel_idle_s``; the number stopped. Shared kernels: by
        their last use on any replica (recorded), and this replica's idle connections are closed. Local
        kernels whose learner moved to another replica are stopped too."""
        idle_s = self.settings.session_kernel_idle_s
        now = time.monotonic()
        culled = 0
        for sess in list(sessions):
            if sess.kernel is None or sess.current is not None:
                continue
            if now - sess.last_used > idle_s:
                if self.shared:
                    await self.detach(sess)
                else:
                    await self.drop(sess, forget=True)
                    culled += 1
            elif not self.shared and self.engine is not None and not self._still_ours(sess):
                await self.drop(sess)
                culled += 1
        if self.shared and self.engine is not None:
            by_user = {s.user_id: s for s in sessions}
            with self._db() as db:
                records = run_kernels.claim_idle(session=db, idle_s=idle_s, backend=self.backend)
            for record in records:
                owner = by_user.get(record.user_id)
                if owner is not None and owner.tag == record.kernel_id and owner.current is None:
                    await self.detach(owner)
                if record.kernel_id:
                    await self.discard(record.kernel_id)
                culled += 1
        return culled

    def _still_ours(self, sess: KernelSession) -> bool:
        record = self.record(sess.user_id)
        return record is not None and record.holder == self.replica and record.kernel_id == sess.tag
