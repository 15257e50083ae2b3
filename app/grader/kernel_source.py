"""Where grading kernels come from: started cold, or leased from the warm pool.

Either way each grading gets a kernel that has never run anyone's code, and gives it back (shut
down) when done; a kernel is never reused across gradings.
"""

from __future__ import annotations

from typing import Protocol

from kernels.launcher import KernelConfig, start_kernel
from kernels.pool import KernelPool, Profile
from kernels.runtime import KernelHandle


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
