"""Where grading kernels come from: started cold, or leased from the warm pool.

Either way each grading gets a kernel that has never run anyone's code, and gives it back (shut
down) when done; a kernel is never reused across gradings.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol, cast

from kernels.launcher import KernelConfig, start_kernel
from kernels.pool import KernelPool, Profile
from kernels.runtime import KernelHandle

if TYPE_CHECKING:
    from app.config import Settings


class KernelSource(Protocol):
    async def acquire(self, config: KernelConfig) -> KernelHandle: ...

    async def release(self, kernel: KernelHandle) -> None: ...


class ColdKernels:
    """Start a fresh kernel for every grading (the CLI's default)."""

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        return await start_kernel(config)

    async def release(self, kernel: KernelHandle) -> None:
        await kernel.shutdown()


class PooledKernels:
    """Lease pre-started kernels from a warm pool (the server's default)."""

    def __init__(self, pool: KernelPool, owner: str = "grader") -> None:
        self.pool = pool
        self.owner = owner

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        profile = Profile.of(config.device_count, config.env, config.preload)
        return await self.pool.acquire(profile, owner=f"{self.owner}:{config.purpose}")

    async def release(self, kernel: KernelHandle) -> None:
        await self.pool.release(kernel)


class GatewayKernels:
    """Start every grading kernel on a Jupyter Kernel Gateway (``kernel_backend = "gateway"``).

    ``GatewayKernel`` has ``KernelHandle``'s public surface but is not a subclass; until the callers are
    typed against a shared protocol, it is handed out under the ``KernelHandle`` type.
    """

    def __init__(
        self, url: str, token: str, kernel_name: str = "jaxtutor", request_timeout_s: float = 30.0, gpus: int = 0
    ) -> None:
        self.url = url
        self.token = token
        self.kernel_name = kernel_name
        self.request_timeout_s = request_timeout_s
        self.gpus = gpus

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayKernels:
        return cls(
            settings.gateway_url,
            settings.gateway_token,
            kernel_name=settings.gateway_kernel_name,
            request_timeout_s=settings.gateway_request_timeout_s,
            gpus=settings.gateway_kernel_gpus,
        )

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        from kernels.gateway.client import start_gateway_kernel

        kernel = await start_gateway_kernel(
            config,
            self.url,
            self.token,
            kernel_name=self.kernel_name,
            request_timeout_s=self.request_timeout_s,
            gpus=self.gpus,
        )
        return cast(KernelHandle, kernel)

    async def release(self, kernel: KernelHandle) -> None:
        await kernel.shutdown()


class StartedEarly:
    """One kernel whose start begins when this is made, before grading asks for it, so that the start (the
    kernel importing JAX) overlaps the caller's own preparation: `jaxtutor check` checks the sandbox and
    imports the verdict code meanwhile. No learner code runs in it before grading takes it. A request for
    another configuration, or a second one, gets a kernel from ``inner``; :meth:`close` shuts down a
    kernel that nobody took (the caller refused to grade after all)."""

    def __init__(self, inner: KernelSource, config: KernelConfig) -> None:
        self.inner = inner
        self.config = config
        self._start: asyncio.Future[KernelHandle] | None = asyncio.ensure_future(inner.acquire(config))

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        start, self._start = self._start, None
        if start is not None:
            if config == self.config:
                return await start
            await self._discard(start)
        return await self.inner.acquire(config)

    async def release(self, kernel: KernelHandle) -> None:
        await self.inner.release(kernel)

    async def close(self) -> None:
        start, self._start = self._start, None
        if start is not None:
            await self._discard(start)

    async def _discard(self, start: asyncio.Future[KernelHandle]) -> None:
        try:
            kernel = await start
        except Exception:  # a start that failed has nothing to shut down
            return
        with contextlib.suppress(Exception):
            await self.inner.release(kernel)


def default_source(settings: Settings) -> KernelSource:
    """Cold local kernels, or the Kernel Gateway when ``kernel_backend = "gateway"``."""
    if settings.kernel_backend == "gateway":
        return GatewayKernels.from_settings(settings)
    return ColdKernels()
