"""Run and Submit through the web app against real kernels: sandboxed where the host allows it.

Run uses the server's real kernel provider (the warm pool); Submit uses the real grader
(``app.grader.api.grade_submission``), which grades in fresh kernels of its own.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from app.services.run import PoolKernelProvider

from .conftest import LESSONS, FakeProvider, csrf, htmx, login, make_user, next_poll, serve, wait_for

pytestmark = [pytest.mark.kernel, pytest.mark.slow]


async def _run(client: httpx.AsyncClient, code: str) -> str:
    r = await client.post("/runs", data={"code": code}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    html, url = "", next_poll(r.text)
    for _ in range(1200):
        if url is None:
            return html
        await asyncio.sleep(0.05)
        page = await client.get(url, headers={"HX-Request": "true"})
        html += page.text
        url = next_poll(page.text)
    raise AssertionError("run did not finish")


async def test_run_in_a_real_kernel_from_the_warm_pool(kernel_settings: Settings) -> None:
    app = create_app(kernel_settings)
    async with serve(app) as client:
        provider = app.state.runs.provider
        assert isinstance(provider, PoolKernelProvider)
        assert app.state.host.owns_runtime_dir
        config = provider.pool.base
        assert config.sandbox is not kernel_settings.unsafe_no_sandbox
        assert config.sandbox_options["sandbox_memory_mb"] == kernel_settings.sandbox_memory_mb
        make_user(app, "alice")
        await login(client)
        out = await _run(client, "import jax.numpy as jnp\nx = jnp.arange(3.0)\nprint(x.sum())")
        assert "3.0" in out and "Done" in out, out
        out = await _run(client, "print(x * 2)")  # state is kept between runs
        assert "[0. 2. 4.]" in out
        out = await _run(client, "1 / 0")
        assert "ZeroDivisionError" in out and "Traceback" in out
        status = await client.post("/kernel/restart", headers=await htmx(client))
        assert "not started" in status.text
        out = await _run(client, "print('x' in dir())")  # a fresh, never-used kernel
        assert "False" in out
        assert provider.pool.stats()["leased"] == 1


async def test_submit_is_graded_by_the_real_grader(kernel_settings: Settings) -> None:
    app = create_app(kernel_settings, kernel_provider=FakeProvider())
    solution = (LESSONS / "demo-add" / "solution.py").read_text()
    starter = (LESSONS / "demo-add" / "starter.py").read_text()
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)
        headers = {"X-CSRF-Token": await csrf(client)}
        ids = []
        for code in (solution, starter):
            r = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": code}, headers=headers)
            assert r.status_code in (200, 201, 202), r.text
            ids.append(r.json()["id"])

        async def graded(sub_id: int) -> dict[str, object] | None:
            body: dict[str, object] = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
            return body if body["status"] == "done" else None

        good = await wait_for(lambda: graded(ids[0]), timeout=150)
        bad = await wait_for(lambda: graded(ids[1]), timeout=150)
    assert good["verdict"] == "pass", str(good["report"])[:3000]
    assert bad["verdict"] == "fail", bad
    report = bad["report"]
    assert isinstance(report, dict)
    assert any(c["name"] == "correctness" and c["status"] == "fail" for c in report["checks"])


async def test_metrics_and_readyz_with_real_kernels(kernel_settings: Settings) -> None:
    """The kernel pool's size and starts, a Run whose kernel dies counted by reason, and /readyz's sandbox
    check, against the real warm pool (sandboxed where the host allows it)."""
    from .test_observability import scrape, value

    app = create_app(kernel_settings)
    async with serve(app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        sandbox = ready.json()["checks"]["sandbox"]
        assert sandbox["ok"] is True
        assert ("unsafe" in sandbox["detail"]) is kernel_settings.unsafe_no_sandbox
        await app.state.runs.provider.pool.wait_warm(120)
        m = await scrape(client)
        assert value(m, "jaxtutor_kernel_pool_kernels", state="warm") == 1
        assert value(m, "jaxtutor_kernel_starts_total", outcome="ok") >= 1
        make_user(app, "alice")
        await login(client)
        out = await _run(client, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        assert "Done" not in out
        m = await scrape(client)
        deaths = {dict(k[1])["reason"]: v for k, v in m.items() if k[0] == "jaxtutor_kernel_deaths_total"}
        assert sum(n for reason, n in deaths.items() if reason != "dead_while_warm") == 1, deaths
        runs = {k[1]: v for k, v in m.items() if k[0] == "jaxtutor_runs_total"}
        assert sum(runs.values()) == 1 and all(dict(labels)["status"] == "error" for labels in runs), runs
