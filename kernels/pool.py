"""A warm pool of pre-started kernels, leased one per learner session or grading and never reused.

``acquire(profile, owner)`` hands out a kernel that has never run anyone's code (a warm one if the pool
has it, else a fresh start), then refills in the background. A request for a kernel without the preload
also takes a warm preloaded one (it does everything the light one does, and is ready now). Refills are
speculative: while ``defer_refill()`` says someone is waiting for a kernel (a class arriving together),
they wait, so that their CPU goes to the kernels learners are waiting for. Caps: warm kernels per profile, kernels in
total (warm + leased + starting), leased kernels per owner. Leased kernels idle for too long are culled.
Kernels are started from the event loop's thread only (bubblewrap's ``--die-with-parent`` follows the
starting *thread*). The app's lifespan creates one pool, calls :meth:`KernelPool.start` and
:meth:`KernelPool.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from kernels.launcher import KernelConfig, start_kernel
from kernels.runtime import KernelHandle

Starter = Callable[[KernelConfig], Awaitable[KernelHandle]]

#: How often a deferred refill looks again whether it may start.
REFILL_RECHECK_S = 0.5


class PoolFull(RuntimeError):
    """A cap was reached; the message is safe to show."""


@dataclass(frozen=True)
class Profile:
    """What makes kernels interchangeable: simulated device count, lesson env, JAX preloaded or not."""

    device_count: int = 0
    env: tuple[tuple[str, str], ...] = ()
    preload: bool = True

    @classmethod
    def of(cls, device_count: int = 0, env: Mapping[str, str] | None = None, preload: bool = True) -> Profile:
        return cls(device_count, tuple(sorted((env or {}).items())), preload)


@dataclass
class PoolLimits:
    warm_per_profile: int = 2  # kernels kept started and unused, per warm profile
    max_kernels: int = 16  # warm + leased + starting
    max_per_owner: int = 2  # leased kernels one owner (user) may hold
    idle_cull_s: float = 900.0  # a leased kernel idle this long is shut down
    cull_interval_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: object) -> PoolLimits:
        """From an ``app.config.Settings`` (duck-typed: ``kernels`` never imports ``app``)."""
        return cls(
            warm_per_profile=getattr(settings, "pool_warm_kernels", 2),
            max_kernels=getattr(settings, "pool_max_kernels", 16),
            max_per_owner=getattr(settings, "pool_max_per_user", 2),
            idle_cull_s=getattr(settings, "pool_idle_cull_s", 900.0),
            cull_interval_s=getattr(settings, "pool_cull_interval_s", 30.0),
        )


@dataclass
class _Lease:
    handle: KernelHandle
    owner: str
    profile: Profile
    leased_at: float = field(default_factory=time.monotonic)


class KernelPool:
    def __init__(
        self,
        base: KernelConfig,
        limits: PoolLimits | None = None,
        *,
        warm_profiles: tuple[Profile, ...] = (Profile(),),
        starter: Starter = start_kernel,
    ) -> None:
        self.base = base
        self.limits = limits or PoolLimits()
        self.warm_profiles = warm_profiles
        self._start = starter
        self._warm: dict[Profile, list[KernelHandle]] = {}
        self._leases: dict[str, _Lease] = {}
        self._starting: dict[Profile, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._refilling: dict[Profile, asyncio.Task[None]] = {}
        #: True while warm refills should wait (set by the owner, e.g. while learners queue for kernels).
        self.defer_refill: Callable[[], bool] | None = None
        self._cull_task: asyncio.Task[None] | None = None
        self._closed = False
        # Counters read by the server's /metrics: kernels started, starts that failed, warm kernels found dead.
        self.started = 0
        self.failures = 0
        self.dead_warm = 0

    # -- accounting ---------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return sum(map(len, self._warm.values())) + len(self._leases) + sum(self._starting.values())

    def owned_by(self, owner: str) -> list[KernelHandle]:
        return [lease.handle for lease in self._leases.values() if lease.owner == owner]

    def stats(self) -> dict[str, int]:
        return {
            "warm": sum(map(len, self._warm.values())),
            "leased": len(self._leases),
            "starting": sum(self._starting.values()),
            "started": self.started,
            "failures": self.failures,
            "dead_warm": self.dead_warm,
        }

    def config_for(self, profile: Profile) -> KernelConfig:
        return dataclasses.replace(
            self.base, device_count=profile.device_count, env=dict(profile.env), preload=profile.preload
        )

    # -- life cycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Fill the warm profiles and start the culling loop. Call from the event loop's thread."""
        for profile in self.warm_profiles:
            self._schedule_refill(profile)
        self._cull_task = asyncio.get_running_loop().create_task(self._cull_loop())

    async def close(self) -> None:
        self._closed = True
        if self._cull_task is not None:
            self._cull_task.cancel()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        handles = [h for hs in self._warm.values() for h in hs] + [lease.handle for lease in self._leases.values()]
        self._warm.clear()
        self._leases.clear()
        await asyncio.gather(*(h.shutdown() for h in handles), return_exceptions=True)

    # -- leasing ----------------------------------------------------------------------------------
    async def acquire(self, profile: Profile, owner: str) -> KernelHandle:
        """A never-used kernel for ``owner``. Raises ``PoolFull`` (safe message) at a cap."""
        if self._closed:
            raise PoolFull("the kernel pool is shutting down")
        if len(self.owned_by(owner)) >= self.limits.max_per_owner:
            raise PoolFull(f"you already have {self.limits.max_per_owner} running kernels; close one first")
        taken_from = profile
        handle = await self._take_warm(profile)
        if handle is None and not profile.preload:
            taken_from = dataclasses.replace(profile, preload=True)
            handle = await self._take_warm(taken_from)
        if handle is None:
            taken_from = profile
            if self.total >= self.limits.max_kernels:
                raise PoolFull("the server is running as many kernels as it may; try again shortly")
            self._starting[profile] = self._starting.get(profile, 0) + 1
            try:
                handle = await self._start(self.config_for(profile))
            except Exception:
                self.failures += 1
                raise
            finally:
                self._starting[profile] -= 1
            self.started += 1
        self._leases[handle.id] = _Lease(handle, owner, profile)
        handle.last_used = time.monotonic()
        if taken_from in self.warm_profiles:
            self._schedule_refill(taken_from)
        return handle

    async def _take_warm(self, profile: Profile) -> KernelHandle | None:
        """A live warm kernel of ``profile``, if the pool has one (dead ones are counted and dropped)."""
        warm = self._warm.get(profile, [])
        while warm:
            candidate = warm.pop(0)
            if await candidate.is_alive():
                return candidate
            self.dead_warm += 1
            await candidate.shutdown()
        return None

    async def release(self, handle: KernelHandle) -> None:
        """End a lease: the kernel is shut down, never handed to anyone else."""
        self._leases.pop(handle.id, None)
        await handle.shutdown()
        for profile in self.warm_profiles:
            self._schedule_refill(profile)

    async def cull_idle(self, now: float | None = None) -> int:
        """Shut down leased kernels idle longer than ``idle_cull_s``. Returns how many."""
        now = time.monotonic() if now is None else now
        stale = [
            lease.handle
            for lease in self._leases.values()
            if not lease.handle.busy and now - lease.handle.last_used > self.limits.idle_cull_s
        ]
        for handle in stale:
            await self.release(handle)
        return len(stale)

    # -- background ---------------------------------------------------------------------------------
    def _schedule_refill(self, profile: Profile) -> None:
        if self._closed:
            return
        running = self._refilling.get(profile)
        if running is not None and not running.done():
            return  # that loop fills the profile up, looking again after each start
        task = asyncio.get_running_loop().create_task(self._refill(profile))
        self._refilling[profile] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refill(self, profile: Profile) -> None:
        while not self._closed:
            if self.defer_refill is not None and self.defer_refill():
                await asyncio.sleep(REFILL_RECHECK_S)
                continue
            have = len(self._warm.get(profile, [])) + self._starting.get(profile, 0)
            if have >= self.limits.warm_per_profile or self.total >= self.limits.max_kernels:
                return
            self._starting[profile] = self._starting.get(profile, 0) + 1
            try:
                handle = await self._start(self.config_for(profile))
            except Exception:
                self.failures += 1
                return  # retried at the next acquire or release
            finally:
                self._starting[profile] -= 1
            self.started += 1
            if self._closed:
                await handle.shutdown()
                return
            self._warm.setdefault(profile, []).append(handle)

    async def _cull_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.limits.cull_interval_s)
            with contextlib.suppress(Exception):
                await self.cull_idle()

    async def wait_warm(self, timeout: float = 60.0) -> None:
        """Until every warm profile is full (tests, benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(len(self._warm.get(p, [])) >= self.limits.warm_per_profile for p in self.warm_profiles):
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the pool did not fill in time")
