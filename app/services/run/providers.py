"""Where learners' Run kernels come from (``KernelProvider``): the local warm pool, a fresh local kernel per
session, or the Kernel Gateway. The kernel keeper (``app.services.run.kernels.SessionKernels``) is the only
caller; tests pass fakes (``tests/support/fakes.py``). A provider only hands kernels out and takes them
back: which session holds which kernel is the keeper's business, how many may be alive or starting at once
the gate's (``app.services.run.gate``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from kernels.outcomes import ExecutionResult

if TYPE_CHECKING:
    from app.config import Settings


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
    """Where session kernels come from. ``owner`` identifies the learner (for per-user caps).

    A provider with ``light_starts = True`` also takes ``acquire(owner=..., preload=False)``: a warm kernel if
    it has one, else a fresh kernel without JAX preloaded, which starts for a fraction of the CPU (the kernel
    keeper always asks for that: a learner is waiting, and their first output comes sooner).

    A provider whose kernels outlive this server and may be used by every replica (the gateway) also has
    ``shared = True`` and ``attach``, ``detach``, ``discard`` and ``interrupt_remote`` (see
    ``GatewayKernelProvider``); the others are this replica's own (no ``shared``, or False).

    A provider that keeps speculative warm kernels may offer ``defer_refills(when)``: the kernel keeper
    passes a predicate that is true while learners wait for kernel starts, and refills wait meanwhile."""

    async def start(self) -> None: ...
    async def acquire(self, *, owner: str) -> KernelLike: ...
    async def release(self, kernel: KernelLike) -> None: ...
    async def close(self) -> None: ...


def session_kernel_config(settings: Settings) -> Any:
    """The ``KernelConfig`` of a Run kernel: sandboxed (unless the unsafe mode), limits from settings; flax and
    optax preloaded only with ``run_kernel_preload_libs`` (a start costs less CPU and memory without); ready
    within ``run_kernel_ready_timeout_s`` (a class arriving together starves starts, it does not break them)."""
    import dataclasses

    from app.grader.pipeline import kernel_config

    config = kernel_config(settings, purpose="session", libs=settings.run_kernel_preload_libs)
    return dataclasses.replace(config, ready_timeout_s=settings.run_kernel_ready_timeout_s)


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
    still caps how many this server holds; the gateway's own ``max_kernels`` caps the host.

    ``shared``: these kernels outlive this server and are recorded in the database (``run_kernel``), so every
    replica serves the same learner's kernel: ``attach`` connects to a kernel another replica started,
    under its recorded session id; ``detach`` closes only this replica's connection; ``discard`` and
    ``interrupt_remote`` act on a kernel by id without a connection (REST)."""

    shared = True

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
            gpus=s.gateway_kernel_gpus,
        )
        return kernel

    async def attach(self, kernel_id: str, session_id: str) -> KernelLike:
        """Raises ``kernels.gateway.rest.KernelGone`` when the gateway no longer knows the kernel."""
        from kernels.gateway.client import attach_gateway_kernel

        s = self.settings
        kernel: KernelLike = await attach_gateway_kernel(
            s.gateway_url,
            s.gateway_token,
            kernel_id,
            session_id,
            max_message_bytes=s.kernel_max_message_bytes,
            purpose="session",
            ready_timeout_s=s.kernel_ready_timeout_s,
            request_timeout_s=s.gateway_request_timeout_s,
        )
        return kernel

    def _rest(self) -> Any:
        from kernels.gateway.rest import GatewayREST

        s = self.settings
        return GatewayREST(s.gateway_url, s.gateway_token, request_timeout_s=s.gateway_request_timeout_s)

    async def discard(self, kernel_id: str) -> None:
        rest = self._rest()
        try:
            await rest.delete(kernel_id)
        finally:
            await rest.aclose()

    async def interrupt_remote(self, kernel_id: str) -> None:
        rest = self._rest()
        try:
            await rest.interrupt(kernel_id)
        finally:
            await rest.aclose()

    async def detach(self, kernel: KernelLike) -> None:
        await kernel.detach()  # type: ignore[attr-defined]

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

    light_starts = True

    def defer_refills(self, when: Callable[[], bool]) -> None:
        """Warm refills wait while ``when()`` is true (learners are waiting for kernel starts)."""
        self.pool.defer_refill = when

    async def acquire(self, *, owner: str, preload: bool = True) -> KernelLike:
        from kernels.pool import PoolFull, Profile

        try:
            return await self.pool.acquire(Profile(preload=preload), owner)
        except PoolFull as exc:
            raise CapacityError(str(exc)) from exc

    async def release(self, kernel: KernelLike) -> None:
        await self.pool.release(kernel)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.pool.close()
