"""One Run kernel per learner and scope (lesson or Playground), the per-learner cap, the server's queue
with positions, and kernel starts that a Restart abandons: against fake kernels, in-process."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.services.run import KernelGate, QueueFull, SessionKernels
from tests.support.fakes import FakeGrader, FakeKernel, FakeProvider

from .conftest import htmx, login, make_user, next_poll, serve


async def _run(client: httpx.AsyncClient, code: str, scope: str = "playground") -> httpx.Response:
    return await client.post("/runs", data={"code": code, "scope": scope}, headers=await htmx(client))


async def _follow(client: httpx.AsyncClient, html: str, limit: int = 500) -> str:
    collected = ""
    url = next_poll(html)
    for _ in range(limit):
        if url is None:
            return collected
        await asyncio.sleep(0.01)
        r = await client.get(url, headers={"HX-Request": "true"})
        assert r.status_code == 200, r.text
        collected += r.text
        url = next_poll(r.text)
    raise AssertionError("run did not finish")


async def _learners(app: FastAPI, n: int) -> list[httpx.AsyncClient]:
    """``n`` learners (u0, u1, ...), each signed in on their own client; the caller closes them."""
    clients = []
    for i in range(n):
        make_user(app, f"u{i}")
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
        await login(c, f"u{i}")
        clients.append(c)
    return clients


class SlowProvider(FakeProvider):
    """Kernel starts that wait for ``gate`` (set: instant); counts the kernels alive at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()
        self.alive = 0
        self.peak = 0

    async def acquire(self, *, owner: str) -> FakeKernel:
        await self.gate.wait()
        await asyncio.sleep(0.01)
        kernel = await super().acquire(owner=owner)
        self.alive += 1
        self.peak = max(self.peak, self.alive)
        return kernel

    async def release(self, kernel: Any) -> None:
        self.alive -= 1
        await super().release(kernel)


async def test_each_lesson_and_the_playground_have_their_own_kernel(
    client: httpx.AsyncClient, app: FastAPI, provider: FakeProvider
) -> None:
    make_user(app, "alice")
    await login(client)
    for scope in ("lesson:demo-add", "lesson:demo-add", "lesson:other", "playground"):
        await _follow(client, (await _run(client, "1", scope)).text)
    assert len(provider.kernels) == 3  # the second Run in demo-add reused its kernel
    runs = app.state.runs
    user_id = next(iter(runs.sessions))[0]
    assert {scope for _, scope in runs.sessions} == {"lesson:demo-add", "lesson:other", "playground"}
    assert runs.status(user_id=user_id, scope="lesson:other") == "idle"
    page = await client.get("/lessons/demo-add")
    assert "ks-idle" in page.text and 'name="scope" value="lesson:demo-add"' in page.text
    r = await client.post("/kernel/restart", data={"scope": "lesson:other"}, headers=await htmx(client))
    assert "not started" in r.text and provider.released == [provider.kernels[1]]
    assert runs.status(user_id=user_id, scope="lesson:demo-add") == "idle"
    assert "not started" in (await client.get("/kernel/status?scope=lesson:other")).text
    assert (await _run(client, "1", "lesson:../x")).status_code == 400
    assert (await client.get("/kernel/status?scope=nope")).status_code == 400


async def test_a_learner_over_the_cap_loses_their_least_recently_used_kernel(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, provider: FakeProvider
) -> None:
    settings.max_kernels_per_learner = 2
    make_user(app, "alice")
    await login(client)
    for scope in ("lesson:a", "lesson:b", "lesson:a", "lesson:c"):  # b is now the least recently used
        await _follow(client, (await _run(client, "1", scope)).text)
    assert provider.released == [provider.kernels[1]]
    user_id = next(iter(app.state.runs.sessions))[0]
    assert app.state.runs.status(user_id=user_id, scope="lesson:b") == "culled"
    page = await client.get("/kernel/status?scope=lesson:b")
    assert "your kernel for this page was stopped to free room; Run starts a new one" in page.text
    out = await _follow(client, (await _run(client, "1", "lesson:b")).text)
    assert "stopped to free room" in out and provider.released[-1] is provider.kernels[0]  # a was LRU then
    assert app.state.runs.gate.live == 2


async def test_the_gate_serves_in_order_with_positions_and_reclaims() -> None:
    reclaimed: list[int] = []

    async def reclaim() -> bool:
        if not held:
            return False
        held.pop(0).free()
        reclaimed.append(1)
        return True

    gate = KernelGate(limit=2, start_concurrency=1, queue_max=4, reclaim=reclaim)
    tickets = [gate.ticket() for _ in range(4)]
    assert [t.position for t in tickets] == [1, 2, 3, 4]
    with pytest.raises(QueueFull):
        gate.ticket()
    first = await gate.admit(tickets[0])
    assert [t.position for t in tickets] == [0, 1, 2, 3]
    waiter = asyncio.ensure_future(gate.admit(tickets[1]))
    await asyncio.sleep(0.01)
    assert not waiter.done()  # one start at a time
    first.started()
    second = await asyncio.wait_for(waiter, 1)
    second.started()
    held = [first, second]
    third = await asyncio.wait_for(gate.admit(tickets[2]), 1)  # full: the oldest slot is reclaimed
    assert reclaimed == [1] and gate.live == 2 and gate.peak == 2
    third.started()
    cancelled = asyncio.ensure_future(gate.admit(tickets[3]))
    held.clear()
    await asyncio.sleep(0.01)
    assert not cancelled.done() and tickets[3].position == 1
    cancelled.cancel()
    await asyncio.sleep(0)
    assert tickets[3].position == 0 and gate.waiting() == 0
    third.free()
    third.free()  # idempotent
    second.free()
    assert gate.live == 0


async def test_waiting_learners_see_their_position_and_all_get_output(settings: Settings) -> None:
    settings.kernel_start_concurrency = 1
    settings.queued_poll_interval_ms = 777
    provider = SlowProvider()
    provider.gate.clear()
    settings.kernel_ready_timeout_s = 1  # shutdown waits this long for a start that never ends (on failure)
    app = create_app(settings, grader=FakeGrader(), kernel_provider=provider)
    async with serve(app):
        clients = await _learners(app, 3)
        try:
            starts = [await _run(c, "1") for c in clients]
            assert all(r.status_code == 200 for r in starts)
            polls = [
                await c.get(next_poll(r.text) or "", headers={"HX-Request": "true"})
                for c, r in zip(clients, starts, strict=True)
            ]
            positions = [re.search(r"position (\d+)", p.text) for p in polls]
            assert positions[0] is None and "Starting the kernel" in polls[0].text
            assert [m.group(1) for m in positions[1:] if m] == ["1", "2"]
            # Waiting learners poll less often than running ones: their position changes slowly.
            assert "delay:50ms" in polls[0].text and all("delay:777ms" in p.text for p in polls[1:])
            assert "waiting for a free kernel" in (await clients[2].get("/kernel/status")).text
            provider.gate.set()
            outs = await asyncio.gather(*(_follow(c, r.text) for c, r in zip(clients, starts, strict=True)))
            assert all("Done" in out for out in outs)
        finally:
            for c in clients:
                await c.aclose()


async def test_a_burst_never_exceeds_the_caps(settings: Settings) -> None:
    settings.max_session_kernels = 3
    provider = SlowProvider()
    app = create_app(settings, grader=FakeGrader(), kernel_provider=provider)
    async with serve(app):
        clients = await _learners(app, 8)
        try:

            async def learner(c: httpx.AsyncClient) -> str:
                r = await _run(c, "print('hi')", "lesson:demo-add")
                assert r.status_code == 200, r.text
                return await _follow(c, r.text, limit=2000)

            outs = await asyncio.gather(*(learner(c) for c in clients))
            assert all("Done" in out for out in outs)
            assert provider.peak <= 3 and app.state.runs.gate.peak <= 3
            assert len(provider.kernels) == 8 and provider.alive == app.state.runs.gate.live <= 3
        finally:
            for c in clients:
                await c.aclose()


async def test_restart_while_the_kernel_starts_leaks_nothing(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    provider = SlowProvider()
    app.state.runs.provider = app.state.runs.kernels.provider = provider
    provider.gate.clear()
    make_user(app, "alice")
    await login(client)
    await _run(client, "1", "lesson:demo-add")
    runs = app.state.runs
    for _ in range(100):
        if runs.gate.starting:
            break
        await asyncio.sleep(0.01)
    assert runs.gate.starting == 1
    r = await client.post("/kernel/restart", data={"scope": "lesson:demo-add"}, headers=await htmx(client))
    assert r.status_code == 200 and "not started" in r.text
    provider.gate.set()  # the abandoned start finishes now
    await runs.kernels.wait_orphans()
    assert len(provider.kernels) == 1 and provider.released == provider.kernels and provider.alive == 0
    assert runs.gate.live == 0 and runs.gate.starting == 0
    out = await _follow(client, (await _run(client, "print(2)", "lesson:demo-add")).text)
    assert "Done" in out and provider.alive == 1 and runs.gate.live == 1


class LightProvider(SlowProvider):
    light_starts = True

    def __init__(self) -> None:
        super().__init__()
        self.preloads: list[bool] = []

    async def acquire(self, *, owner: str, preload: bool = True) -> FakeKernel:
        self.preloads.append(preload)
        return await super().acquire(owner=owner)


async def test_kernels_started_for_waiting_learners_are_light(settings: Settings) -> None:
    """A kernel started while its learner waits never preloads JAX (the provider hands out a warm one first):
    measured, its first JAX output comes sooner and for less CPU than a preloaded start's."""
    settings.kernel_start_concurrency = 1
    provider = LightProvider()
    provider.gate.clear()
    settings.kernel_ready_timeout_s = 1
    app = create_app(settings, grader=FakeGrader(), kernel_provider=provider)
    async with serve(app):
        clients = await _learners(app, 3)
        try:
            starts = [await _run(c, "1") for c in clients]
            provider.gate.set()
            outs = await asyncio.gather(*(_follow(c, r.text) for c, r in zip(clients, starts, strict=True)))
            assert all("Done" in out for out in outs)
            assert provider.preloads == [False, False, False]  # alone or queued
        finally:
            for c in clients:
                await c.aclose()


async def test_a_new_kernel_counts_as_starting_until_its_first_run_ends(settings: Settings) -> None:
    """One start at a time: the second learner's kernel starts only once the first learner's first Run has
    ended (its `import jax` is the larger part of the CPU a start costs), not as soon as the first kernel is up;
    a later Run on the same kernel holds nothing."""
    settings.kernel_start_concurrency = 1
    settings.kernel_first_run_hold_s = 30
    provider = SlowProvider()
    app = create_app(settings, grader=FakeGrader(), kernel_provider=provider)
    async with serve(app):
        runs = app.state.runs
        clients = await _learners(app, 2)
        try:
            first = await _run(clients[0], "SLEEP")  # the fake kernel sleeps until interrupted (or 5 s)
            for _ in range(200):
                if provider.kernels and provider.kernels[0].busy:
                    break
                await asyncio.sleep(0.01)
            assert provider.kernels[0].busy and runs.gate.starting == 1
            second = await _run(clients[1], "1")
            await asyncio.sleep(0.2)
            assert len(provider.kernels) == 1 and runs.gate.waiting() == 1  # waits for the first Run
            r = await clients[0].post("/kernel/interrupt", data={"scope": "playground"}, headers=await htmx(clients[0]))
            assert r.status_code == 200
            await _follow(clients[0], first.text)
            assert "Done" in await _follow(clients[1], second.text)
            assert len(provider.kernels) == 2 and runs.gate.starting == 0
            await _follow(clients[0], (await _run(clients[0], "SLEEP")).text)  # its own kernel, no start
            assert runs.gate.starting == 0
        finally:
            for c in clients:
                await c.aclose()


async def test_a_first_run_holds_its_start_place_at_most_the_setting(settings: Settings) -> None:
    """A learner whose first code runs long (training) does not hold up everyone's start beyond
    ``kernel_first_run_hold_s``."""
    settings.kernel_start_concurrency = 1
    settings.kernel_first_run_hold_s = 0.1
    provider = SlowProvider()
    app = create_app(settings, grader=FakeGrader(), kernel_provider=provider)
    async with serve(app):
        runs = app.state.runs
        a, b = await _learners(app, 2)
        try:
            long = await _run(a, "SLEEP")
            second = await _run(b, "1")
            assert "Done" in await _follow(b, second.text)  # while the first still sleeps
            assert provider.kernels[0].busy and runs.gate.starting == 0
            await a.post("/kernel/interrupt", data={"scope": "playground"}, headers=await htmx(a))
            await _follow(a, long.text)
        finally:
            await a.aclose()
            await b.aclose()


def test_kernel_starts_at_once_default_to_the_cpus(settings: Settings, tmp_path: Path) -> None:
    import os

    from app.config import usable_cpus

    settings.kernel_start_concurrency = 0
    assert settings.kernel_starts_at_once() == usable_cpus() <= len(os.sched_getaffinity(0))
    settings.kernel_start_concurrency = 3
    assert settings.kernel_starts_at_once() == 3
    # A container's CPU quota (docker run --cpus) lowers it: cgroup v2, then v1.
    affinity = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("100000 100000\n")
    assert usable_cpus(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cpus(tmp_path) == affinity
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert usable_cpus(tmp_path) == 1  # half a CPU: at least one start at a time
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert usable_cpus(tmp_path) == affinity


async def test_warm_refills_wait_while_learners_arrive(settings: Settings) -> None:
    """The provider's speculative warm refills are held while learners queue for kernel starts and for
    ``pool_refill_quiet_s`` after the last one: their CPU goes to the starts learners wait for."""
    settings.pool_refill_quiet_s = 0.2

    class RefillingProvider(FakeProvider):
        def defer_refills(self, when: Any) -> None:
            self.arriving = when

    provider = RefillingProvider()
    gate = KernelGate(limit=2, start_concurrency=1, queue_max=4)
    SessionKernels(settings, provider, gate=gate)  # type: ignore[arg-type]
    assert not provider.arriving()  # nobody has come yet: the pool fills
    ticket = gate.ticket()
    assert provider.arriving()  # waiting
    slot = await gate.admit(ticket)
    assert provider.arriving()  # starting
    slot.started()
    assert provider.arriving()  # just admitted: more of the class may follow
    await asyncio.sleep(0.3)
    assert not provider.arriving()  # quiet since: refill
    slot.free()


def test_run_kernels_wait_longer_for_readiness_than_grading_kernels(settings: Settings) -> None:
    """A class arriving together starves kernel starts on a small machine (measured: over 60 s at load 25);
    a Run kernel that is alive but slow gets run_kernel_ready_timeout_s, grading kernels keep theirs."""
    from app.grader.pipeline import kernel_config
    from app.services.run import session_kernel_config

    settings.run_kernel_ready_timeout_s = 123.0
    assert session_kernel_config(settings).ready_timeout_s == 123.0
    assert kernel_config(settings).ready_timeout_s == settings.kernel_ready_timeout_s


async def test_a_kernel_whose_record_cannot_be_written_is_stopped_and_uncounted(settings: Settings) -> None:
    """The database fails between the kernel's start and its record: the kernel is nobody's, so it is
    released at once and its place under the cap freed (before, it ran until the server stopped)."""
    from app.models import utcnow
    from app.services.run.kernel_rows import KernelRecord
    from app.services.run.session import KernelSession

    class BrokenStore:
        replica = "here"

        def set_kernel(self, **_: Any) -> bool:
            raise RuntimeError("database is locked")

    provider = FakeProvider()
    gate = KernelGate(limit=2, start_concurrency=1, queue_max=4)
    keeper = SessionKernels(settings, provider, BrokenStore(), gate=gate)  # type: ignore[arg-type]
    claim = KernelRecord(1, 7, "playground", "local", None, None, "here", "here", "r1", None, utcnow())
    sess = KernelSession(user_id=7, scope="playground")
    with pytest.raises(RuntimeError, match="database is locked"):
        await keeper.kernel_for(sess, "r1", claim, lambda _text: None)
    assert provider.released == provider.kernels and len(provider.kernels) == 1
    assert gate.live == 0 and gate.starting == 0 and sess.kernel is None
