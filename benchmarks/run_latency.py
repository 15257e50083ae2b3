"""Run output latency under load: how late a running Run's output reaches its learner's page while other
learners load pages (``python -m benchmarks.web`` runs it as its fourth part; ``--only-latency`` alone).

A real uvicorn server on loopback, kernels faked (a line with its wall-clock time every 50 ms), so the
figure is the web tier's: its event loop, and whether page loads' database calls block it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.main import create_app
from tests.support.fakes import FakeGrader, FakeProvider

LESSONS = Path(__file__).resolve().parent.parent / "tests" / "web" / "lessons"


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, round(len(ordered) * 0.95) - 1)] * 1000, 2),
    }


class ThreadedServer:
    """uvicorn on 127.0.0.1 in a thread of its own (its own event loop), for a loopback benchmark."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


async def _signed_up(url: str, name: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    await client.get("/signup")
    csrf = client.cookies.get("jaxtutor_csrf") or ""
    r = await client.post("/signup", data={"username": name, "password": "benchmark-pw", "csrf_token": csrf})
    assert r.status_code == 303, r.text
    return client, csrf


async def _watch_run(url: str, ticks: int) -> list[float]:
    """One learner runs a cell printing a timestamped line every 50 ms and polls every 50 ms; per line,
    the seconds from its emission to the poll that returned it."""
    import re

    client, csrf = await _signed_up(url, f"watcher{time.monotonic_ns() % 100000}")
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    seen: list[float] = []
    async with contextlib.aclosing(client):
        r = await client.post("/runs", data={"code": f"TICKS={ticks}"}, headers=hx)
        html = r.text
        while True:
            now = time.time()
            seen += [now - float(t) for t in re.findall(r"tick (\d+\.\d+)", html)]
            if 'hx-get="' not in html:
                return seen
            await asyncio.sleep(0.05)
            poll = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
            html = (await client.get(poll, headers=hx)).text


async def _load_pages(url: str, i: int, stop: asyncio.Event, count: list[int]) -> None:
    client, _ = await _signed_up(url, f"reader{i:02d}")
    async with contextlib.aclosing(client):
        while not stop.is_set():
            for page in ("/", "/lessons/demo-add", "/lessons/demo-add/history", "/account"):
                r = await client.get(page)
                count[0] += 1
                if r.status_code >= 500:
                    count[1] += 1


async def bench_run_latency(root: Path, readers: int, database_url: str) -> dict[str, Any]:
    settings = Settings(
        data_dir=root / "latency",
        runtime_dir=root / "rt-latency",
        lesson_dirs=[LESSONS],
        database_url=database_url,
        cookie_secure=False,
        login_rate_per_minute=100_000,
        run_rate_per_minute=100_000,
        max_session_kernels=8,
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    out: dict[str, Any] = {"readers": readers}
    with ThreadedServer(app) as url:
        out["alone"] = stats(await _watch_run(url, 100))
        stop, count = asyncio.Event(), [0, 0]
        tasks = [asyncio.create_task(_load_pages(url, i, stop, count)) for i in range(readers)]
        await asyncio.sleep(2.0)  # sign-ups (argon2) done, page loads under way
        t0, before = time.perf_counter(), count[0]
        out["under_load"] = stats(await _watch_run(url, 100))
        out["page_loads_per_s"] = round((count[0] - before) / (time.perf_counter() - t0), 1)
        stop.set()
        await asyncio.gather(*tasks)
        out["page_errors"] = count[1]
    return out
