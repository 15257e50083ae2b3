"""Run: each learner's own session kernel, code executed with output streamed into memory.

The page starts a run (``RunManager.start_run``) and then polls (``RunManager.poll``) for the output that
arrived since its last look. The manager owns the Run side of every session (its Runs, the current one,
when it was last used) and the order of events: one Run at a time per learner and scope (across replicas,
through the run lease), a kernel start queued at the gate, the learner's own cap, the outcome recorded.
What it delegates, each to one owner:

* kernels: ``SessionKernels`` (``app.services.run.kernels``) keeps, starts, attaches, drops and culls them,
  and is the only writer of a session's kernel side; they come from a ``KernelProvider``
  (``app.services.run.providers``: the local warm pool, or the Kernel Gateway; tests pass fakes);
* kernel starts and the server's cap: ``KernelGate`` (``app.services.run.gate``), which asks the manager to
  reclaim the least recently used idle kernel when full;
* a Run's outputs: its ``RunRecorder`` (``app.services.run.recorder``), into the in-memory ``Run`` (polls on
  this replica read it) and, in batches, its ``run_record`` row (a poll on another replica reads that);
* the database: ``RunStore`` (``app.services.run.store``), absent without one.

Learner code only ever runs inside a kernel; nothing here executes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from app.models import RunStatus, utcnow
from app.services.run.gate import KernelGate, QueueFull
from app.services.run.kernel_rows import DEFAULT_SCOPE, KernelRecord
from app.services.run.kernels import NOTICE_RECLAIMED, RUN_LEASE_S, SessionKernels
from app.services.run.providers import CapacityError, KernelProvider
from app.services.run.recorder import RunRecorder
from app.services.run.session import (
    INTERRUPTED_MESSAGE,
    KernelSession,
    Run,
    run_from_snapshot,
    run_status,
)
from app.services.run.store import RunStore
from kernels.outcomes import ExecutionResult, Output, Reason

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.config import Settings

log = logging.getLogger(__name__)

RUNS_KEPT_PER_LEARNER = 4  # in memory; older Runs are read from the database
STALE_RUN_S = 2 * RUN_LEASE_S  # an unfinished Run whose replica wrote nothing this long: that replica died
NOTICE_ABANDONED = "The server running this code stopped; the output above is all it sent."
NOTICE_RESTARTED_MID_RUN = (
    "The server restarted while this code was running, so it was stopped; the output above is all it sent. "
    "Run it again."
)


class RunBusyError(RuntimeError):
    """The learner's kernel is already running something."""


class RunManager:
    """One session kernel per learner and scope (lesson or Playground); runs are kept in memory (the last few
    per session). Kernel starts queue at ``self.gate`` (the server's cap, least recently used idle kernels
    reclaimed under pressure); ``max_kernels_per_learner`` culls a learner's own least recently used one."""

    def __init__(self, settings: Settings, provider: KernelProvider, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.store = None if engine is None else RunStore(engine, settings.replica_name())
        self.gate = KernelGate(
            limit=settings.max_session_kernels,
            start_concurrency=settings.kernel_starts_at_once(),
            queue_max=settings.run_queue_max,
            reclaim=self._reclaim,
        )
        self.kernels = SessionKernels(settings, provider, self.store, gate=self.gate)
        self.sessions: dict[tuple[int, str], KernelSession] = {}
        self._reaper: asyncio.Task[None] | None = None
        # Read by /metrics (app.observability.metrics.StateCollector): Runs finished by (status, reason),
        # and Run kernels lost by reason.
        self.finished: Counter[tuple[str, str]] = Counter()
        self.kernel_deaths: Counter[str] = Counter()

    @property
    def provider(self) -> KernelProvider:
        """Where kernels come from (the kernel keeper's; /metrics reads the pool's figures through it)."""
        return self.kernels.provider

    @provider.setter
    def provider(self, provider: KernelProvider) -> None:
        self.kernels.provider = provider

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.provider.start()
        if self.store is not None:
            # Runs this replica (same stable replica_id) left unfinished when it stopped: say so at once.
            ended = self.store.abandon_replica(message=NOTICE_RESTARTED_MID_RUN)
            self.store.release_replica()
            if ended:
                log.warning("%d Run(s) interrupted by this server's restart were finished", ended)
        self._reaper = asyncio.create_task(self._reap_idle(), name="jaxtutor-kernel-reaper")

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for sess in list(self.sessions.values()):
            for run in sess.runs.values():
                if run.task is not None and not run.task.done():
                    run.task.cancel()
                    with contextlib.suppress(BaseException):
                        await run.task
            await self.kernels.let_go(sess)
        self.sessions.clear()
        await self.kernels.wait_orphans(timeout=self.settings.kernel_ready_timeout_s)
        await self.provider.close()

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.settings.session_kernel_idle_s / 2))
            try:
                await self.cull_idle()
            except Exception:
                log.exception("culling idle kernels failed")
            try:
                self.prune_runs()
            except Exception:
                log.exception("pruning old runs failed")

    def prune_runs(self) -> int:
        """Delete the recorded Runs older than ``run_retention_s`` (any replica's)."""
        if self.store is None:
            return 0
        return self.store.prune(before=utcnow() - timedelta(seconds=self.settings.run_retention_s))

    async def cull_idle(self) -> int:
        return await self.kernels.cull(list(self.sessions.values()))

    def live_kernels(self) -> int:
        """Run kernels alive or starting on this server (/metrics)."""
        return self.gate.live

    async def _cull_session(self, sess: KernelSession, why: str) -> None:
        await self.kernels.drop(sess, forget=True, why=why)

    async def _reclaim(self) -> bool:
        """The gate is full: stop the least recently used idle kernel of any learner. False: none is idle."""
        idle = [s for s in self.sessions.values() if s.idle]
        if not idle:
            return False
        victim = min(idle, key=lambda s: s.last_used)
        log.info("reclaiming the idle kernel of user %s (%s) for a waiting learner", victim.user_id, victim.scope)
        await self._cull_session(victim, NOTICE_RECLAIMED)
        return True

    async def _fit_learner_cap(self, sess: KernelSession) -> None:
        """Before ``sess`` starts a kernel: stop the learner's least recently used idle kernels until it fits
        under ``max_kernels_per_learner``."""
        cap = self.settings.max_kernels_per_learner
        while True:
            mine = [
                s
                for s in self.sessions.values()
                if s.user_id == sess.user_id and s is not sess and (s.slot is not None or s.state == "starting")
            ]
            if len(mine) < cap:
                return
            idle = [s for s in mine if s.idle]
            if not idle:
                raise CapacityError(
                    f"You already have {cap} kernels running code (one per open lesson). "
                    "Interrupt one or wait for it to finish."
                )
            await self._cull_session(min(idle, key=lambda s: s.last_used), NOTICE_RECLAIMED)

    # -- runs -------------------------------------------------------------------------------------
    def session(self, user_id: int, scope: str = DEFAULT_SCOPE) -> KernelSession:
        sess = self.sessions.get((user_id, scope))
        if sess is None:
            sess = self.sessions[(user_id, scope)] = KernelSession(user_id=user_id, scope=scope)
        return sess

    async def start_run(self, *, user_id: int, code: str, scope: str = DEFAULT_SCOPE) -> Run:
        sess = self.session(user_id, scope)
        if sess.current is not None and not sess.current.done:
            raise RunBusyError("Your code is still running. Interrupt it or wait for it to finish.")
        run = Run(id=secrets.token_urlsafe(9), user_id=user_id, scope=scope)
        if sess.kernel is None:
            try:
                run.ticket = self.gate.ticket()  # queued for a kernel start from now on: position k
            except QueueFull as exc:
                raise CapacityError(str(exc)) from exc
        claim = None if self.store is None else self.kernels.claim(user_id, run.id, scope=scope)
        if self.store is not None and claim is None:
            self.gate.discard(run.ticket)
            raise RunBusyError(
                "Your code is still running (started in another window). Interrupt it or wait for it to finish."
            )
        recorder = RunRecorder(
            run_id=run.id,
            user_id=user_id,
            outputs=run.outputs,
            limit=self.settings.run_output_limit_chars,
            store=self.store,
        )
        try:
            if self.store is not None:  # the learner's stored output stays within their quota
                keep = self.settings.run_output_quota_chars - self.settings.run_output_limit_chars
                self.store.trim_user(user_id=user_id, keep_chars=keep)
            recorder.create()
        except BaseException:
            self.gate.discard(run.ticket)
            if claim is not None:
                self.kernels.release(claim, run.id)
            raise
        sess.runs[run.id] = run
        while len(sess.runs) > RUNS_KEPT_PER_LEARNER:
            sess.runs.popitem(last=False)
        sess.current = run
        sess.last_used = time.monotonic()
        run.task = asyncio.create_task(self._execute(sess, run, code, claim, recorder), name=f"jaxtutor-run-{run.id}")
        return run

    async def _renew(self, claim: KernelRecord, run_id: str, recorder: RunRecorder) -> None:
        while True:
            await asyncio.sleep(RUN_LEASE_S / 3)
            try:
                self.kernels.renew(claim, run_id)
            except Exception:
                log.exception("renewing a run lease failed")
            recorder.heartbeat()

    async def _execute(
        self, sess: KernelSession, run: Run, code: str, claim: KernelRecord | None, recorder: RunRecorder
    ) -> None:
        from kernels.runtime import ExecuteOptions

        renewer = None if claim is None else asyncio.create_task(self._renew(claim, run.id, recorder))
        cancelled = False

        def notice(text: str) -> None:
            run.notice = text
            recorder.add(Output(kind="stream", name="stderr", text=text + "\n"))

        try:
            async with sess.lock:
                try:
                    if sess.kernel is None:
                        await self._fit_learner_cap(sess)
                    why = self.kernels.take_notice(sess)  # the server stopped its last kernel: say so
                    if why:
                        notice(why)
                    kernel = await self.kernels.kernel_for(sess, run.id, claim, notice, run.ticket)
                except CapacityError as exc:
                    run.message = str(exc)
                    run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                    return
                except Exception as exc:
                    run.message = f"The kernel could not start: {exc}"
                    run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                    return
                run.status = "running"
                recorder.running()
                options = ExecuteOptions(
                    timeout=self.settings.run_timeout_s,
                    output_limit=self.settings.run_output_limit_chars,
                    on_output=recorder.add,
                )
                with self._first_run(sess):
                    result = await kernel.execute(code, options)
                run.result = result
                run.message = result.message
                if run_status(result, self.settings.run_timeout_s) is RunStatus.INTERRUPTED:
                    run.message = INTERRUPTED_MESSAGE  # the learner pressed Interrupt: not an exception
                if result.kernel_lost:
                    self.kernel_deaths[result.reason.value] += 1
                    await self.kernels.drop(sess, forget=True)
        except asyncio.CancelledError:
            run.message = run.message or "The run was cancelled."
            cancelled = True
            raise
        except Exception as exc:  # a bug of ours or a lost kernel: tell the learner, keep serving
            log.exception("run failed")
            run.message = f"The run failed: {type(exc).__name__}"
            await self.kernels.drop(sess, forget=True)
        finally:
            self.gate.discard(run.ticket)  # not needed after all (or cancelled while queued)
            run.ticket = None
            if renewer is not None:
                renewer.cancel()
            self._record_outcome(run, recorder, cancelled)  # before the lease goes: see poll()
            if claim is not None:
                self.kernels.release(claim, run.id)
            run.status = "done"
            sess.last_used = time.monotonic()
            if sess.current is run:
                sess.current = None
            self.gate.wake()  # its kernel may be reclaimed now, for a learner waiting at a full gate

    @contextlib.contextmanager
    def _first_run(self, sess: KernelSession) -> Iterator[None]:
        """Around a Run's code: a kernel started for this Run keeps its place among the starts
        (``kernel_start_concurrency``) until the code ends, at most ``kernel_first_run_hold_s``. A class's first
        cells (``import jax``) cost more CPU than the starts; on two cores, running a few at a time gets each
        learner their output sooner than running them all at once, which only makes every one slow."""
        slot = sess.slot
        if slot is None or not slot.starting:  # the kernel was already there
            yield
            return
        timer = asyncio.get_running_loop().call_later(self.settings.kernel_first_run_hold_s, slot.started)
        try:
            yield
        finally:
            timer.cancel()
            slot.started()

    def get_run(self, *, user_id: int, run_id: str) -> Run | None:
        for (uid, _), sess in list(self.sessions.items()):
            if uid == user_id and run_id in sess.runs:
                return sess.runs[run_id]
        return None

    def _record_outcome(self, run: Run, recorder: RunRecorder, cancelled: bool) -> None:
        result = run.result
        if result is None:
            status = RunStatus.INTERRUPTED if cancelled else RunStatus.ERROR
            self.finished[(status.value, "none")] += 1
            recorder.finish(status.value, run.message)
            return
        self.finished[(run_status(result, self.settings.run_timeout_s).value, result.reason.value)] += 1
        recorder.finish(
            run_status(result, self.settings.run_timeout_s).value,
            run.message,
            reason=result.reason.value,
            duration_s=result.duration_s,
            traceback=run.traceback,
        )

    def poll(
        self, *, user_id: int, run_id: str, since: int, scope: str = DEFAULT_SCOPE
    ) -> tuple[Run, list[Output]] | None:
        """The Run and its outputs from index ``since`` on: from memory when this replica runs (or ran) it,
        else from its ``run_record`` row (another replica's Run, or one no longer kept in memory; ``scope``:
        the polling page's, which the row does not keep)."""
        run = self.get_run(user_id=user_id, run_id=run_id)
        if run is not None:
            since = max(0, min(since, len(run.outputs)))
            return run, run.outputs[since:]
        if self.store is None:
            return None
        snap = self.store.run(user_id=user_id, run_id=run_id, since=since)
        stale_before = utcnow() - timedelta(seconds=STALE_RUN_S)
        if snap is not None and not snap.finished and snap.updated_at < stale_before:
            # Its replica stopped writing (heartbeats come every few seconds): it died mid-Run.
            self.store.abandon_run(run_id=run_id, stale_before=stale_before, message=NOTICE_ABANDONED)
            snap = self.store.run(user_id=user_id, run_id=run_id, since=since)
        return None if snap is None else (run_from_snapshot(snap, scope), snap.outputs)

    # -- kernel controls ------------------------------------------------------------------------
    async def interrupt(self, *, user_id: int, scope: str = DEFAULT_SCOPE) -> str:
        sess = self.sessions.get((user_id, scope))
        if sess is not None and sess.kernel is not None and sess.current is not None:
            with contextlib.suppress(Exception):
                await sess.kernel.interrupt()
        else:  # a Run of this learner on another replica (shared kernels)
            await self.kernels.interrupt_remote(user_id, scope=scope)
        return self.status(user_id=user_id, scope=scope)

    async def restart(self, *, user_id: int, scope: str = DEFAULT_SCOPE) -> str:
        """Forget the learner's state in ``scope``: the kernel is replaced by a fresh one on the next Run (on any
        replica). A kernel still starting is stopped as soon as it is up (``SessionKernels.kernel_for``)."""
        sess = self.sessions.get((user_id, scope))
        if sess is not None:
            if sess.current is not None and sess.current.task is not None and not sess.current.task.done():
                sess.current.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sess.current.task
            await self.kernels.drop(sess)  # also clears why the server stopped an earlier kernel
        await self.kernels.forget(user_id, scope=scope)
        return self.status(user_id=user_id, scope=scope)

    def status(self, *, user_id: int, scope: str = DEFAULT_SCOPE) -> str:
        """none | queued | starting | idle | busy | culled (stopped by the server; the next Run starts one)."""
        sess = self.sessions.get((user_id, scope))
        if sess is not None and sess.current is not None and sess.current.queue_position:
            return "queued"
        if sess is not None and sess.state == "starting":
            return "starting"
        if sess is not None and sess.kernel is not None and sess.current is not None:
            return "busy"
        recorded = self.kernels.recorded_status(user_id, scope=scope)  # shared kernels: as any replica left it
        if recorded is not None:
            return recorded
        if sess is not None and sess.kernel is not None:
            return "idle"
        return "culled" if sess is not None and sess.culled else "none"
