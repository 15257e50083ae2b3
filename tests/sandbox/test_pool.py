"""The warm pool, with a fake starter (fast) and once with real sandboxed kernels."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from kernels.launcher import KernelConfig
from kernels.pool import KernelPool, PoolFull, PoolLimits, Profile

from .conftest import KERNEL_PYTHON, RUNTIME_DIR

_ids = itertools.count()


class FakeKernel:
    def __init__(self, config: KernelConfig) -> None:
        self.id = f"k{next(_ids)}"
        self.config = config
        self.busy = False
        self.last_used = time.monotonic()
        self.alive = True

    async def is_alive(self) -> bool:
        return self.alive

    async def shutdown(self) -> None:
        self.alive = False


async def fake_start(config: KernelConfig) -> FakeKernel:
    await asyncio.sleep(0.01)
    return FakeKernel(config)


def pool(**limits: float) -> KernelPool:
    return KernelPool(KernelConfig(), PoolLimits(**limits), starter=fake_start)  # type: ignore[arg-type]


async def test_acquire_hands_out_warm_never_used_kernels_and_refills() -> None:
    p = pool(warm_per_profile=2, max_per_owner=5)
    await p.start()
    await p.wait_warm(5)
    warm_ids = {h.id for h in p._warm[Profile()]}
    a = await p.acquire(Profile(), "alice")
    assert a.id in warm_ids
    await p.release(a)
    assert not a.alive  # never reused
    await p.wait_warm(5)
    assert a.id not in {h.id for h in p._warm[Profile()]}
    await p.close()


async def test_a_light_request_takes_a_warm_preloaded_kernel() -> None:
    """A preloaded kernel does all a light one does and is ready now; a different profile never matches."""
    p = pool(warm_per_profile=1, max_per_owner=5)
    await p.start()
    await p.wait_warm(5)
    warm_id = p._warm[Profile()][0].id
    k = await p.acquire(Profile.of(preload=False), "alice")
    assert k.id == warm_id and k.config.preload
    await p.wait_warm(5)  # the warm profile it came from is refilled
    other = await p.acquire(Profile.of(device_count=2, preload=False), "alice")
    assert other.id != p._warm[Profile()][0].id and not other.config.preload
    await p.close()


async def test_refills_wait_while_deferred() -> None:
    p = pool(warm_per_profile=1, max_per_owner=5)
    await p.start()
    await p.wait_warm(5)
    arriving = True
    p.defer_refill = lambda: arriving
    await p.acquire(Profile(), "alice")
    await asyncio.sleep(0.3)
    assert p.stats()["warm"] == 0 and p.stats()["starting"] == 0  # learners are waiting: no refill yet
    arriving = False
    await p.wait_warm(5)
    for _ in range(3):
        await p.release(await p.acquire(Profile(), "bob"))
    await p.wait_warm(5)
    assert p.stats()["warm"] == 1 and len(p._tasks) <= 1  # one refill loop per profile, however many calls
    await p.close()


async def test_profiles_are_separate_and_configured() -> None:
    p = pool()
    await p.start()
    prof = Profile.of(device_count=4, env={"JAX_ENABLE_X64": "1"}, preload=False)
    k = await p.acquire(prof, "bob")
    assert k.config.device_count == 4 and k.config.env == {"JAX_ENABLE_X64": "1"} and not k.config.preload
    await p.close()


async def test_caps_per_owner_and_total() -> None:
    p = pool(warm_per_profile=0, max_kernels=3, max_per_owner=2)
    await p.start()
    await p.acquire(Profile(), "a")
    await p.acquire(Profile(), "a")
    with pytest.raises(PoolFull, match="already have 2"):
        await p.acquire(Profile(), "a")
    await p.acquire(Profile(), "b")
    with pytest.raises(PoolFull, match="as many kernels"):
        await p.acquire(Profile(), "c")
    await p.close()


async def test_dead_warm_kernel_is_skipped() -> None:
    p = pool(warm_per_profile=1)
    await p.start()
    await p.wait_warm(5)
    p._warm[Profile()][0].alive = False
    k = await p.acquire(Profile(), "a")
    assert k.alive
    await p.close()


async def test_idle_session_kernels_are_culled() -> None:
    p = pool(warm_per_profile=0, idle_cull_s=10)
    await p.start()
    k = await p.acquire(Profile(), "a")
    busy = await p.acquire(Profile(), "b")
    busy.busy = True
    assert await p.cull_idle(now=time.monotonic() + 5) == 0
    assert await p.cull_idle(now=time.monotonic() + 60) == 1
    assert not k.alive and busy.alive
    await p.close()
    assert not busy.alive


@pytest.mark.kernel
@pytest.mark.sandbox
@pytest.mark.usefixtures("sandbox_ready")
async def test_real_pool_acquire_is_fast() -> None:
    base = KernelConfig(runtime_dir=RUNTIME_DIR, python=KERNEL_PYTHON)
    p = KernelPool(base, PoolLimits(warm_per_profile=1), warm_profiles=(Profile.of(preload=False),))
    await p.start()
    try:
        await p.wait_warm(60)
        t = time.monotonic()
        k = await p.acquire(Profile.of(preload=False), "alice")
        assert time.monotonic() - t < 0.5
        from kernels.runtime import ExecuteOptions

        r = await k.execute("print(2 + 2)", ExecuteOptions(timeout=10))
        assert r.stdout() == "4\n"
    finally:
        await p.close()
