"""Run kernels per lesson, and a class-sized burst at a small cap, against real (sandboxed) kernels."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from app.services.run import PoolKernelProvider

from .conftest import BASE_URL, htmx, login, make_user, next_poll, serve

pytestmark = [pytest.mark.kernel, pytest.mark.sandbox, pytest.mark.slow]


async def _run(client: httpx.AsyncClient, code: str, scope: str) -> str:
    r = await client.post("/runs", data={"code": code, "scope": scope}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    html, url = "", next_poll(r.text)
    for _ in range(6000):
        if url is None:
            return html
        await asyncio.sleep(0.05)
        page = await client.get(url, headers={"HX-Request": "true"})
        assert page.status_code == 200, page.text
        html += page.text
        url = next_poll(page.text)
    raise AssertionError("run did not finish")


async def test_two_lessons_of_one_learner_have_separate_namespaces(kernel_settings: Settings) -> None:
    app = create_app(kernel_settings)
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)
        out = await _run(client, "helper = 41\nprint(helper + 1)", "lesson:demo-add")
        assert "42" in out, out
        out = await _run(client, "print('helper' in dir())", "lesson:demo-other")
        assert "False" in out, out
        out = await _run(client, "print(helper)", "lesson:demo-add")
        assert "41" in out, out
        runs = app.state.runs
        provider = runs.provider
        assert isinstance(provider, PoolKernelProvider)
        # Restart one lesson's kernel while a Run there is still starting: nothing may be left behind.
        await runs.restart(user_id=1, scope="lesson:demo-add")
        r = await client.post("/runs", data={"code": "1", "scope": "lesson:demo-add"}, headers=await htmx(client))
        assert r.status_code == 200
        await asyncio.sleep(0)
        await runs.restart(user_id=1, scope="lesson:demo-add")
        await runs.kernels.wait_orphans(timeout=120)
        holding = [s for s in runs.sessions.values() if s.kernel is not None]
        assert [s.scope for s in holding] == ["lesson:demo-other"]
        assert provider.pool.stats()["leased"] == 1 and runs.gate.live == 1


async def test_a_burst_of_learners_all_get_output_within_the_cap(kernel_settings: Settings) -> None:
    kernel_settings.max_session_kernels = 3
    app = create_app(kernel_settings)
    async with serve(app):
        clients = []
        for i in range(6):
            make_user(app, f"learner{i}")
            c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
            await login(c, f"learner{i}")
            clients.append(c)
        runs = app.state.runs
        peak = 0

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, runs.provider.pool.stats()["leased"])
                await asyncio.sleep(0.02)

        watcher = asyncio.ensure_future(watch())
        try:
            outs = await asyncio.gather(*(_run(c, "print('hi')", "lesson:demo-add") for c in clients))
        finally:
            watcher.cancel()
            for c in clients:
                await c.aclose()
        assert all("hi" in out and "Done" in out for out in outs), outs
        assert runs.gate.peak <= 3 and peak <= 3
        assert len([s for s in runs.sessions.values() if s.kernel is not None]) <= 3
