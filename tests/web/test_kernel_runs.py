"""Run through the web app against a real (unsandboxed, development-mode) Jupyter kernel."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app

from .conftest import LESSONS, htmx, login, make_user, next_poll, serve

pytestmark = [pytest.mark.kernel, pytest.mark.slow]


@pytest.fixture
def short_runtime_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="jtw", dir="/tmp"))  # ipc socket paths: 107 bytes at most
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_run_in_a_real_kernel(tmp_path: Path, short_runtime_dir: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        runtime_dir=short_runtime_dir,
        lesson_dirs=[LESSONS],
        database_url="sqlite://",
        unsafe_no_sandbox=True,
        poll_interval_ms=50,
        run_timeout_s=20,
    )
    app = create_app(settings)
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)

        async def run(code: str) -> str:
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

        out = await run("import jax.numpy as jnp\nx = jnp.arange(3.0)\nprint(x.sum())")
        assert "3.0" in out and "Done" in out
        out = await run("print(x * 2)")  # state is kept between runs
        assert "[0. 2. 4.]" in out
        out = await run("1 / 0")
        assert "ZeroDivisionError" in out and "Traceback" in out
        status = await client.post("/kernel/restart", headers=await htmx(client))
        assert "not started" in status.text
        out = await run("print('x' in dir())")
        assert "False" in out
