"""Run: each learner's own session kernel, code executed with output streamed into memory.

The page starts a run (``RunManager.start_run``) and then polls (``RunManager.poll``) for the output
that arrived since its last look. Kernels come from a ``KernelProvider``: the server uses the warm pool
(``PoolKernelProvider``), or the Kernel Gateway when ``kernel_backend = "gateway"``
(``GatewayKernelProvider``); ``StartKernelProvider`` starts one kernel per session; tests pass fakes.
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
from typing import TYPE_CHECKING, Any, Protocol

from kernels.outcomes import ExecutionResult, Output, Reason

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)

RUNS_KEPT_PER_LEARNER = 4


class RunBusyError(RuntimeError):
    """The learner's kernel is already running something."""


class CapacityError(RuntimeError):
    """No more session kernels may be started on this server."""


class KernelLike(Protocol):
    """The part of ``kernels.runtime.KernelHandle`` the web app uses."""

    busy: bool

    async def execute(self, code: str, options: Any = None) -> ExecutionResult: ...
    async def interrupt(self) -> None: ...
    async def restart(self) -> None: ...
    async def shutdown(self) -> None: ...
    async def status(self) -> str: ...


class KernelProvider(Protocol):
    """Where session kernels come from. ``owner`` identifies the learner (for per-user caps)."""

    async def start(self) -> None: ...
    async def acquire(self, *, owner: str) -> KernelLike: ...
    async def release(self, kernel: KernelLike) -> None: ...
    async def close(self) -> None: ...


def session_kernel_config(settings: Settings) -> Any:
    """The ``KernelConfig`` of a Run kernel: sandboxed (unless the unsafe mode), limits from settings."""
    from app.grader.pipeline import kernel_config

    return kernel_config(settings, purpose="session")


class StartKernelProvider:
    """Starts a fresh kernel per learner session (no warm pool)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def start(self) -> None:
        return None

    async def acquire(self, *, owner: str) -> KernelLike:
        from kernels.launcher import start_kernel

        self.settings.runtime_dir.mkdir(parents=True, exist_ok=True)
        return await start_kernel(session_kernel_config(self.settings))

    async def release(self, kernel: KernelLike) -> None:
        await kernel.shutdown()

    async def close(self) -> None:
        return None


class GatewayKernelProvider:
    """Session kernels started on a Jupyter Kernel Gateway (``kernel_backend = "gateway"``), one per learner.

    The gateway host runs the jaxtutor kernelspec (sandboxed there); nothing is pre-started here, so a
    learner's first Run waits for the gateway's start (about 0.3 s on a warm host). ``max_session_kernels``
    still caps how many this server holds; the gateway's own ``max_kernels`` caps the host."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def start(self) -> None:
        return None

    async def acquire(self, *, owner: str) -> KernelLike:
        from kernels.gateway.client import start_gateway_kernel

        s = self.settings
        kernel: KernelLike = await start_gateway_kernel(
            session_kernel_config(s),
            s.gateway_url,
            s.gateway_token,
            kernel_name=s.gateway_kernel_name,
            request_timeout_s=s.gateway_request_timeout_s,
        )
        return kernel

    async def release(self, kernel: KernelLike) -> None:
        await kernel.shutdown()

    async def close(self) -> None:
        return None


def default_provider(settings: Settings) -> KernelProvider:
    """The server's session kernels: the local warm pool, or the Kernel Gateway (``kernel_backend``)."""
    if settings.kernel_backend == "gateway":
        return GatewayKernelProvider(settings)
    return PoolKernelProvider(settings)


class PoolKernelProvider:
    """Session kernels leased from the warm pool (``kernels.pool``): a never-used kernel per learner.

    The pool keeps ``pool_warm_kernels`` started kernels with JAX preloaded, so a learner's first Run
    does not wait for a kernel to start. A released kernel is shut down, never reused.
    """

    def __init__(self, settings: Settings) -> None:
        from kernels.pool import KernelPool, PoolLimits

        self.settings = settings
        settings.runtime_dir.mkdir(parents=True, exist_ok=True)
        limits = PoolLimits.from_settings(settings)
        # The run manager culls idle sessions itself (it knows when a learner's run is in flight).
        limits.idle_cull_s = max(limits.idle_cull_s, settings.session_kernel_idle_s * 2)
        self.pool = KernelPool(session_kernel_config(settings), limits)

    async def start(self) -> None:
        await self.pool.start()

    async def acquire(self, *, owner: str) -> KernelLike:
        from kernels.pool import PoolFull, Profile

        try:
            return await self.pool.acquire(Profile(), owner)
        except PoolFull as exc:
            raise CapacityError(str(exc)) from exc

    async def release(self, kernel: KernelLike) -> None:
        await self.pool.release(kernel)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.pool.close()


@dataclass
class Run:
    id: str
    user_id: int
    status: str = "starting"  # starting | running | done
    outputs: list[Output] = field(default_factory=list)
    result: ExecutionResult | None = None
    message: str = ""
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
    state: str = "none"  # none | starting | idle | busy | dead
    last_used: float = field(default_factory=time.monotonic)
    runs: OrderedDict[str, Run] = field(default_factory=OrderedDict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    current: Run | None = None


class RunManager:
    """One session kernel per learner; runs are kept in memory (the last few per learner)."""

    def __init__(self, settings: Settings, provider: KernelProvider) -> None:
        self.settings = settings
        self.provider = provider
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
            await self._drop_kernel(sess)
        self.sessions.clear()
        await self.provider.close()

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.settings.session_kernel_idle_s / 2))
            await self.cull_idle()

    async def cull_idle(self) -> int:
        now = time.monotonic()
        culled = 0
        for sess in list(self.sessions.values()):
            idle = now - sess.last_used > self.settings.session_kernel_idle_s
            if idle and sess.kernel is not None and sess.current is None:
                await self._drop_kernel(sess)
                culled += 1
        return culled

    def _live_kernels(self) -> int:
        return sum(1 for s in self.sessions.values() if s.kernel is not None or s.state == "starting")

    async def _drop_kernel(self, sess: KernelSession) -> None:
        kernel, sess.kernel = sess.kernel, None
        sess.state = "none"
        if kernel is not None:
            try:
                await self.provider.release(kernel)
            except Exception:
                log.exception("releasing a session kernel failed")

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
        sess.runs[run.id] = run
        while len(sess.runs) > RUNS_KEPT_PER_LEARNER:
            sess.runs.popitem(last=False)
        sess.current = run
        sess.last_used = time.monotonic()
        run.task = asyncio.create_task(self._execute(sess, run, code), name=f"jaxtutor-run-{run.id}")
        return run

    async def _execute(self, sess: KernelSession, run: Run, code: str) -> None:
        from kernels.runtime import ExecuteOptions

        try:
            async with sess.lock:
                if sess.kernel is None:
                    sess.state = "starting"
                    try:
                        sess.kernel = await self.provider.acquire(owner=f"user:{sess.user_id}")
                    except CapacityError as exc:
                        sess.state = "none"
                        run.message = str(exc)
                        run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                        return
                    except Exception as exc:
                        sess.state = "none"
                        run.message = f"The kernel could not start: {exc}"
                        run.result = ExecutionResult(reason=Reason.SANDBOX_UNAVAILABLE, message=run.message)
                        return
                run.status = "running"
                sess.state = "busy"

                def on_output(out: Output) -> None:
                    run.outputs.append(out)

                options = ExecuteOptions(
                    timeout=self.settings.run_timeout_s,
                    output_limit=self.settings.run_output_limit_chars,
                    on_output=on_output,
                )
                result = await sess.kernel.execute(code, options)
                run.result = result
                run.message = result.message
                if result.kernel_lost:
                    await self._drop_kernel(sess)
                else:
                    sess.state = "idle"
        except asyncio.CancelledError:
            run.message = run.message or "The run was cancelled."
            raise
        except Exception as exc:  # a bug of ours or a lost kernel: tell the learner, keep serving
            log.exception("run failed")
            run.message = f"The run failed: {type(exc).__name__}"
            await self._drop_kernel(sess)
        finally:
            run.status = "done"
            sess.last_used = time.monotonic()
            if sess.current is run:
                sess.current = None

    def get_run(self, *, user_id: int, run_id: str) -> Run | None:
        sess = self.sessions.get(user_id)
        return None if sess is None else sess.runs.get(run_id)

    def poll(self, *, user_id: int, run_id: str, since: int) -> tuple[Run, list[Output]] | None:
        run = self.get_run(user_id=user_id, run_id=run_id)
        if run is None:
            return None
        since = max(0, min(since, len(run.outputs)))
        return run, run.outputs[since:]

    # -- kernel controls ------------------------------------------------------------------------
    async def interrupt(self, *, user_id: int) -> str:
        sess = self.sessions.get(user_id)
        if sess is not None and sess.kernel is not None and sess.current is not None:
            with contextlib.suppress(Exception):
                await sess.kernel.interrupt()
        return self.status(user_id=user_id)

    async def restart(self, *, user_id: int) -> str:
        """Forget the learner's state: the kernel is replaced by a fresh one on the next Run."""
        sess = self.sessions.get(user_id)
        if sess is None:
            return "none"
        if sess.current is not None and sess.current.task is not None and not sess.current.task.done():
            sess.current.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sess.current.task
        await self._drop_kernel(sess)
        return self.status(user_id=user_id)

    def status(self, *, user_id: int) -> str:
        sess = self.sessions.get(user_id)
        if sess is None:
            return "none"
        if sess.state == "starting":
            return "starting"
        if sess.kernel is None:
            return "none"
        return "busy" if sess.current is not None else "idle"
