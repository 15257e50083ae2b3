"""How a learner's session gets its Run kernel, and the record of it every replica shares.

``SessionKernels`` is the kernel side of ``app.services.run.manager.RunManager``: it keeps, attaches, starts,
drops and culls learners' kernels from a ``KernelProvider`` and records them in ``run_kernel`` (through the
``RunStore``) when the server has a database. It is the only writer of a session's kernel side
(``KernelSession.held``: the kernel, its tag, its slot, whether it is starting, why it was culled):

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

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from app.services.run.gate import KernelGate, Slot, Ticket
from app.services.run.kernel_rows import DEFAULT_SCOPE, KernelRecord
from app.services.run.providers import KernelLike, KernelProvider
from app.services.run.session import KernelSession

if TYPE_CHECKING:
    from app.config import Settings
    from app.services.run.store import RunStore

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

NOTICE_RECLAIMED = (
    "Your kernel for this page was stopped to free room for other learners (it was the least recently used "
    "idle one); this Run started a new one. Run the cells that define your variables again."
)
NOTICE_IDLE = (
    "Your kernel for this page was stopped after being idle for a while; this Run started a new one. "
    "Run the cells that define your variables again."
)


class SessionKernels:
    """Learners' Run kernels on this replica: every start admitted by ``gate``, every kernel recorded in
    ``store`` (None: no database)."""

    def __init__(
        self, settings: Settings, provider: KernelProvider, store: RunStore | None = None, *, gate: KernelGate
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.store = store
        self.gate = gate  # every kernel start is admitted here, and its slot freed when the kernel goes
        self._orphans: set[asyncio.Task[None]] = set()
        self.replica = settings.replica_name() if store is None else store.replica
        defer = getattr(provider, "defer_refills", None)
        if defer is not None:
            defer(self.learners_arriving)

    def learners_arriving(self) -> bool:
        """Learners are waiting for kernel starts, or were within ``pool_refill_quiet_s``: the provider's
        speculative warm refills wait, their CPU goes to the starts learners wait for."""
        return self.gate.quiet_for() < self.settings.pool_refill_quiet_s

    @property
    def shared(self) -> bool:
        """The provider's kernels outlive this server and serve every replica (the gateway)."""
        return bool(getattr(self.provider, "shared", False))

    @property
    def backend(self) -> str:
        return "gateway" if self.shared else "local"

    # -- the record ------------------------------------------------------------------------------
    def claim(self, user_id: int, run_id: str, *, scope: str = DEFAULT_SCOPE) -> KernelRecord | None:
        """The run lease for ``run_id`` (None: another Run of the learner in ``scope`` holds it)."""
        assert self.store is not None
        return self.store.claim(user_id=user_id, scope=scope, backend=self.backend, run_id=run_id, lease_s=RUN_LEASE_S)

    def renew(self, claim: KernelRecord, run_id: str) -> None:
        assert self.store is not None
        self.store.renew(record_id=claim.id, run_id=run_id, lease_s=RUN_LEASE_S)

    def release(self, claim: KernelRecord, run_id: str) -> None:
        assert self.store is not None
        try:
            self.store.release(record_id=claim.id, run_id=run_id)
        except Exception:
            log.exception("releasing a run lease failed")

    def record(self, user_id: int, scope: str = DEFAULT_SCOPE) -> KernelRecord | None:
        assert self.store is not None
        return self.store.kernel_record(user_id, scope)

    def recorded_status(self, user_id: int, *, scope: str = DEFAULT_SCOPE) -> str | None:
        """The learner's shared kernel as any replica left it (None: nothing to add to the local view)."""
        if not self.shared or self.store is None:
            return None
        record = self.record(user_id, scope)
        if record is not None and record.leased():
            return "busy" if record.kernel_id else "starting"
        if record is not None and record.kernel_id:
            return "idle"
        return None

    # -- getting the kernel of a Run -----------------------------------------------------------
    async def kernel_for(
        self,
        sess: KernelSession,
        run_id: str,
        claim: KernelRecord | None,
        notice: Callable[[str], None],
        ticket: Ticket | None = None,
    ) -> KernelLike:
        """The learner's kernel for the Run holding ``claim``: kept, attached (shared) or started (and then
        recorded). ``notice`` receives what the learner must be told (their state was lost, and why);
        ``ticket``: the Run's place in the start queue, if it took one when it was asked for."""
        held = sess.held
        try:
            return await self._kernel_for(sess, run_id, claim, notice, ticket)
        finally:
            held.starting = False

    async def _kernel_for(
        self,
        sess: KernelSession,
        run_id: str,
        claim: KernelRecord | None,
        notice: Callable[[str], None],
        ticket: Ticket | None,
    ) -> KernelLike:
        held = sess.held
        if claim is None:  # no database
            if held.kernel is None:
                held.kernel, held.slot = await self._start(sess, ticket)
            return held.kernel
        assert self.store is not None
        recorded = claim.kernel_id if claim.backend == self.backend else None
        if self.shared:
            kernel = await self._shared_kernel(sess, recorded, claim, notice)
            if kernel is not None:
                return kernel
        elif held.kernel is not None and recorded == held.tag and claim.holder == self.replica:
            return held.kernel
        else:
            if held.kernel is not None:
                await self.drop(sess)  # another replica took the learner over meanwhile: stale state
            if recorded is not None:
                notice(NOTICE_OTHER_SERVER if claim.holder != self.replica else NOTICE_SERVER_RESTARTED)
        kernel, slot = await self._start(sess, ticket)
        tag = str(getattr(kernel, "id", "")) if self.shared else secrets.token_hex(8)
        try:
            recorded_now = self.store.set_kernel(
                record_id=claim.id,
                run_id=run_id,
                backend=self.backend,
                kernel_id=tag,
                session_id=getattr(kernel, "session_id", None) if self.shared else None,
            )
            if not recorded_now:  # the learner restarted their kernel (elsewhere) while this one was starting
                raise RuntimeError("your kernel was restarted meanwhile; run your code again")
        except BaseException:  # restarted, or the database failed: the kernel is nobody's, so it goes now
            try:
                await self.provider.release(kernel)
            finally:
                slot.free()
            raise
        held.kernel, held.tag, held.slot = kernel, tag, slot
        return kernel

    async def _start(self, sess: KernelSession, ticket: Ticket | None) -> tuple[KernelLike, Slot]:
        """A new kernel for ``sess`` once the gate admits it (queued behind earlier learners), and its slot, still
        counted as starting: the Run that asked for it calls ``Slot.started`` once its first code has run
        (``RunManager``: a class's first cells take most of the CPU a start costs).

        The start runs in its own task: if the Run is cancelled meanwhile (Restart, shutdown), the kernel is
        released as soon as it is up and only then is its slot freed, so no kernel outlives its count."""
        ticket = ticket or self.gate.ticket()
        sess.held.starting = True
        queued_at = time.monotonic()
        slot = await self.gate.admit(ticket)
        admitted_at = time.monotonic()
        owner = f"user:{sess.user_id}:{sess.scope}"
        if getattr(self.provider, "light_starts", False):
            # A learner is waiting: a warm kernel if the pool has one, else a light start (no JAX preloaded).
            # Measured on 2 cores: first JAX output 1.6 s after a light start's begin, 2.9 s after a preloaded
            # one's, for 1.7 instead of 3.0 CPU-seconds; a class arriving together shares those CPUs.
            task = asyncio.ensure_future(self.provider.acquire(owner=owner, preload=False))  # type: ignore[call-arg]
        else:
            task = asyncio.ensure_future(self.provider.acquire(owner=owner))
        try:
            kernel = await asyncio.shield(task)
        except asyncio.CancelledError:
            self._release_when_up(task, slot)
            raise
        except BaseException:
            slot.free()
            raise
        log.info(
            "Run kernel for user %s (%s): queued %.2f s, started in %.2f s",
            sess.user_id,
            sess.scope,
            admitted_at - queued_at,
            time.monotonic() - admitted_at,
        )
        return kernel, slot

    def _release_when_up(self, task: asyncio.Future[KernelLike], slot: Slot) -> None:
        async def release() -> None:
            try:
                kernel = await task
            except BaseException:
                return
            finally:
                slot.started()
            try:
                await self.provider.release(kernel)
            except Exception:
                log.exception("releasing an abandoned kernel start failed")
            finally:
                slot.free()

        orphan = asyncio.ensure_future(release())
        orphan.add_done_callback(lambda _t: slot.free())  # also when cancelled at shutdown
        self._orphans.add(orphan)
        orphan.add_done_callback(self._orphans.discard)

    async def wait_orphans(self, timeout: float | None = None) -> None:
        """Until every abandoned start has been released (shutdown, tests); past ``timeout`` they are cancelled
        (a start that never ends must not hold up shutdown; the provider's close stops what it started)."""
        while self._orphans:
            pending = list(self._orphans)
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)

    async def _shared_kernel(
        self, sess: KernelSession, recorded: str | None, claim: KernelRecord, notice: Callable[[str], None]
    ) -> KernelLike | None:
        """The recorded gateway kernel through this replica's connection or a new one; None when a new kernel
        is needed (none recorded, or the recorded one is gone: the learner is told)."""
        held = sess.held
        if held.kernel is not None and held.tag != recorded:
            await self.detach(sess)  # the learner's kernel changed on another replica
        gone = False
        if held.kernel is not None:
            if await held.kernel.ensure_attached(self.settings.kernel_ready_timeout_s):  # type: ignore[attr-defined]
                return held.kernel
            await self.detach(sess)
            gone = True
        elif recorded is not None:
            from kernels.gateway.rest import KernelGone

            assert claim.session_id is not None
            held.starting = True
            try:
                held.kernel = await self.provider.attach(recorded, claim.session_id)  # type: ignore[attr-defined]
            except KernelGone:
                gone = True
            else:
                held.tag = recorded
                return held.kernel
        if gone and recorded is not None:
            await self.discard(recorded)
            notice(NOTICE_LOST)
        return None

    # -- letting kernels go ----------------------------------------------------------------------
    def take_notice(self, sess: KernelSession) -> str:
        """Why the server stopped the session's last kernel ("" if it did not), cleared once read: the Run
        that starts the next kernel tells the learner."""
        why, sess.held.culled = sess.held.culled, ""
        return why

    async def drop(self, sess: KernelSession, *, forget: bool = False, why: str = "") -> None:
        """Stop the learner's kernel (``forget``: and delete its record if it still names it); ``why`` the
        server stopped it, for the learner's next Run ("" when the learner asked for it)."""
        held = sess.held.clear(culled=why)
        try:
            if held.kernel is not None:
                try:
                    await self.provider.release(held.kernel)
                except Exception:
                    log.exception("releasing a session kernel failed")
        finally:
            if held.slot is not None:
                held.slot.free()
        if forget and held.tag is not None and self.store is not None:
            try:
                self.store.forget(user_id=sess.user_id, scope=sess.scope, kernel_id=held.tag)
            except Exception:
                log.exception("forgetting a session kernel failed")

    async def detach(self, sess: KernelSession) -> None:
        """Close this replica's connection to a shared kernel; the kernel keeps running."""
        held = sess.held.clear(culled=sess.held.culled)
        if held.slot is not None:
            held.slot.free()  # this replica no longer holds it
        if held.kernel is not None:
            with contextlib.suppress(Exception):
                await self.provider.detach(held.kernel)  # type: ignore[attr-defined]

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

    async def forget(self, user_id: int, *, scope: str = DEFAULT_SCOPE) -> None:
        """The learner restarts: delete the record and stop the recorded kernel wherever it runs."""
        if self.store is None:
            return
        record = self.store.forget(user_id=user_id, scope=scope)
        if self.shared and record is not None and record.kernel_id:
            await self.discard(record.kernel_id)  # also ends a Run of this learner on another replica

    async def interrupt_remote(self, user_id: int, *, scope: str = DEFAULT_SCOPE) -> None:
        """Interrupt the learner's Run on another replica (shared kernels only)."""
        if not self.shared or self.store is None:
            return
        record = self.record(user_id, scope)
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
        sessions = list(sessions)
        for sess in sessions:
            if sess.kernel is None or sess.current is not None:
                continue
            if now - sess.last_used > idle_s:
                if self.shared:
                    await self.detach(sess)
                else:
                    await self.drop(sess, forget=True, why=NOTICE_IDLE)
                    culled += 1
            elif not self.shared and self.store is not None and not self._still_ours(sess):
                await self.drop(sess)
                culled += 1
        if self.shared and self.store is not None:
            by_user = {(s.user_id, s.scope): s for s in sessions}
            records = self.store.claim_idle(idle_s=idle_s, backend=self.backend)
            for record in records:
                owner = by_user.get((record.user_id, record.scope))
                if owner is not None and owner.tag == record.kernel_id and owner.current is None:
                    await self.detach(owner)
                if record.kernel_id:
                    await self.discard(record.kernel_id)
                culled += 1
        return culled

    def _still_ours(self, sess: KernelSession) -> bool:
        record = self.record(sess.user_id, sess.scope)
        return record is not None and record.holder == self.replica and record.kernel_id == sess.tag
