"""Run: each learner's own session kernel, code executed with output streamed into memory.

The page starts a run (``RunManager.start_run``) and then polls (``RunManager.poll``) for the output
that arrived since its last look. Kernels come from a ``KernelProvider`` (``app.services.kernel_providers``):
the local warm pool, or the Kernel Gateway when ``kernel_backend = "gateway"``; tests pass fakes. Which
kernel a learner's Run uses, and the record of it that every replica on the database shares, is
``app.services.session_kernels``: with the gateway a learner's kernel is shared by all replicas, with local
kernels a Run on another replica starts afresh and says so. One Run at a time per learner, across replicas.
A Run's outputs and outcome go to its in-memory ``Run`` (polls on this replica read it) and, in batches, to
its ``run_record`` row (``app.services.run_recorder``): a poll that reaches another replica reads the row.
Learner code only ever runs inside a kernel; nothing here executes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from app.models import RunStatus, utcnow
from app.services import run_records
from app.services.kernel_providers import (
    CapacityError,
    GatewayKernelProvider,
    KernelLike,
    KernelProvider,
    PoolKernelProvider,
    StartKernelProvider,
    default_provider,
    session_kernel_config,
)
from app.services.run_kernels import KernelRecord
from app.services.run_recorder import RunRecorder
from app.services.session_kernels import RUN_LEASE_S, SessionKernels
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.config import Settings

__all__ = [
    "CapacityError",
    "GatewayKernelProvider",
    "KernelLike",
    "KernelProvider",
    "PoolKernelProvider",
    "Run",
    "RunBusyError",
    "RunManager",
    "StartKernelProvider",
    "default_provider",
    "session_kernel_config",
]

log = logging.getLogger(__name__)

RUNS_KEPT_PER_LEARNER = 4  # in memory; older Runs are read from the database
STALE_RUN_S = 2 * RUN_LEASE_S  # an unfinished Run whose replica wrote nothing this long: that replica died
NOTICE_ABANDONED = "The server running this code stopped; the output above is all it sent."


class RunBusyError(RuntimeError):
    """The learner's kernel is already running something."""


@dataclass
class Run:
    id: str
    user_id: int
    status: str = "starting"  # starting | running | done
    outputs: list[Output] = field(default_factory=list)
    result: ExecutionResult | None = None
    message: str = ""
    notice: str = ""  # the session restarted and why (also the first output)
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def traceback(self) -> list[str]:
        if self.result is not None and self.result.error is not None:
            return list(self.result.error.traceback)
        return []


@dataclass
class KernelSession:
    user_id: int
    kernel: KernelLike | None = None
    tag: str | None = None  # the kernel's id in run_kernel (gateway kernel id, or a local tag)
    state: str = "none"  # none | starting | idle | busy | dead
    last_used: float = field(default_factory=time.monotonic)
    runs: OrderedDict[str, Run] = field(default_factory=OrderedDict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    current: Run | None = None


class RunManager:
    """One session kernel per learner; runs are kept in memory (the last few per learner)."""

    def __init__(self, settings: Settings, provider: KernelProvider, engine: Engine | None = None) -> None:
        self.settings = settings
        self.provider = provider
        self.engine = engine
        self.kernels = SessionKernels(settings, provider, engine)
        self.sessions: dict[int, KernelSession] = {}
        self._reaper: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.provider.start()
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
        if self.engine is None:
            return 0
        before = utcnow() - timedelta(seconds=self.settings.run_retention_s)
        with self.kernels._db() as db:
            return run_records.prune(session=db, before=before)

    async def cull_idle(self) -> int:
        return await self.kernels.cull(list(self.sessions.values()))

    def _live_kernels(self) -> int:
        return sum(1 for s in self.sessions.values() if s.kernel is not None or s.state == "starting")

    # -- runs -------------------------------------------------------------------------------------
    def session(self, user_id: int) -> KernelSession:
        sess = self.sessions.get(user_id)
        if sess is None:
            sess = self.sessions[user_id] = KernelSession(user_id=user_id)
        return sess

    async def start_run(self, *, user_id: int, code: str) -> Run:
        sess = self.session(user_id)
        if sess.current is not None and not sess.current.done:
            raise RunBusyError("Your code is still running. Interrupt it or wait for it to finish.")
        if sess.kernel is None and self._live_kernels() >= self.settings.max_session_kernels:
            raise CapacityError("All kernels on this server are in use. Please try again in a minute.")
        run = Run(id=secrets.token_urlsafe(9), user_id=user_id)
        claim = None if self.engine is None else self.kernels.claim(user_id, run.id)
        if self.engine is not None and claim is None:
            raise RunBusyError(
                "Your code is still running (started in another window). Interrupt it or wait for it to finish."
            )
        recorder = RunRecorder(
            run_id=run.id,
            user_id=user_id,
            outputs=run.outputs,
            limit=self.settings.run_output_limit_chars,
            engine=self.engine,
            replica=self.kernels.replica,
        )
        try:
            recorder.create()
        except BaseException:
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
                    kernel = await self.kernels.kernel_for(sess, run.id, claim, notice)
                except CapacityError as exc:
                    sess.state = "none" if sess.kernel is None else sess.state
                    run.message = str(exc)
                    run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                    return
                except Exception as exc:
                    sess.state = "none" if sess.kernel is None else sess.state
                    run.message = f"The kernel could not start: {exc}"
                    run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                    return
                run.status = "running"
                sess.state = "busy"
                recorder.running()
                options = ExecuteOptions(
                    timeout=self.settings.run_timeout_s,
                    output_limit=self.settings.run_output_limit_chars,
                    on_output=recorder.add,
                )
                result = await kernel.execute(code, options)
                run.result = result
                run.message = result.message
                if result.kernel_lost:
                    await self.kernels.drop(sess, forget=True)
                else:
                    sess.state = "idle"
        except asyncio.CancelledError:
            run.message = run.message or "The run was cancelled."
            cancelled = True
            raise
        except Exception as exc:  # a bug of ours or a lost kernel: tell the learner, keep serving
            log.exception("run failed")
            run.message = f"The run failed: {type(exc).__name__}"
            await self.kernels.drop(sess, forget=True)
        finally:
            if renewer is not None:
                renewer.cancel()
            self._record_outcome(run, recorder, cancelled)  # before the lease goes: see poll()
            if claim is not None:
                self.kernels.release(claim, run.id)
            run.status = "done"
            sess.last_used = time.monotonic()
            if sess.current is run:
                sess.current = None

    def get_run(self, *, user_id: int, run_id: str) -> Run | None:
        sess = self.sessions.get(user_id)
        return None if sess is None else sess.runs.get(run_id)

    def _record_outcome(self, run: Run, recorder: RunRecorder, cancelled: bool) -> None:
        result = run.result
        if result is None:
            status = RunStatus.INTERRUPTED if cancelled else RunStatus.ERROR
            recorder.finish(status.value, run.message)
            return
        recorder.finish(
            run_status(result, self.settings.run_timeout_s).value,
            run.message,
            reason=result.reason.value,
            duration_s=result.duration_s,
            traceback=run.traceback,
        )

    def poll(self, *, user_id: int, run_id: str, since: int) -> tuple[Run, list[Output]] | None:
        """The Run and its outputs from index ``since`` on: from memory when this replica runs (or ran) it,
        else from its ``run_record`` row (another replica's Run, or one no longer kept in memory)."""
        run = self.get_run(user_id=user_id, run_id=run_id)
        if run is not None:
            since = max(0, min(since, len(run.outputs)))
            return run, run.outputs[since:]
        if self.engine is None:
            return None
        with self.kernels._db() as db:
            snap = run_records.get(session=db, user_id=user_id, run_id=run_id, since=since)
            if snap is not None and not snap.finished and snap.updated_at < utcnow() - timedelta(seconds=STALE_RUN_S):
                # Its replica stopped writing (heartbeats come every few seconds): it died mid-Run.
                stale_before = utcnow() - timedelta(seconds=STALE_RUN_S)
                run_records.abandon(session=db, run_id=run_id, stale_before=stale_before, message=NOTICE_ABANDONED)
                snap = run_records.get(session=db, user_id=user_id, run_id=run_id, since=since)
        return None if snap is None else (run_from_snapshot(snap), snap.outputs)

    # -- kernel controls ------------------------------------------------------------------------
    async def interrupt(self, *, user_id: int) -> str:
        sess = self.sessions.get(user_id)
        if sess is not None and sess.kernel is not None and sess.current is not None:
            with contextlib.suppress(Exception):
                await sess.kernel.interrupt()
        else:  # a Run of this learner on another replica (shared kernels)
            await self.kernels.interrupt_remote(user_id)
        return self.status(user_id=user_id)

    async def restart(self, *, user_id: int) -> str:
        """Forget the learner's state: the kernel is replaced by a fresh one on the next Run (on any replica)."""
        sess = self.sessions.get(user_id)
        if sess is not None:
            if sess.current is not None and sess.current.task is not None and not sess.current.task.done():
                sess.current.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sess.current.task
            await self.kernels.drop(sess)
        await self.kernels.forget(user_id)
        return self.status(user_id=user_id)

    def status(self, *, user_id: int) -> str:
        sess = self.sessions.get(user_id)
        if sess is not None and sess.state == "starting":
            return "starting"
        if sess is not None and sess.kernel is not None and sess.current is not None:
            return "busy"
        recorded = self.kernels.recorded_status(user_id)  # shared kernels: as any replica left it
        if recorded is not None:
            return recorded
        return "idle" if sess is not None and sess.kernel is not None else "none"


def run_status(result: ExecutionResult, timeout_s: float) -> RunStatus:
    """The recorded status of a Run that ended with ``result``."""
    if result.ok:
        return RunStatus.DONE
    if result.reason is Reason.TIMEOUT or (result.reason is Reason.KILLED and result.duration_s >= timeout_s):
        return RunStatus.TIMEOUT  # interrupted at the deadline (KILLED: and then stopped)
    if result.reason is Reason.RAISED and result.error is not None and result.error.ename == "KeyboardInterrupt":
        return RunStatus.INTERRUPTED
    return RunStatus.ERROR


def run_from_snapshot(snap: run_records.RunSnapshot) -> Run:
    """A recorded Run in the shape the templates read (its outputs are passed alongside)."""
    status = {RunStatus.QUEUED.value: "starting", RunStatus.RUNNING.value: "running"}.get(snap.status, "done")
    run = Run(id=snap.id, user_id=snap.user_id, status=status, message=snap.message)
    if snap.finished and snap.reason is not None:
        run.result = ExecutionResult(
            reason=Reason(snap.reason),
            message=snap.message,
            error=ErrorInfo("", "", snap.traceback) if snap.traceback else None,
            truncated=snap.truncated,
            duration_s=snap.duration_s or 0.0,
        )
    return run
