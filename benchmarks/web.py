"""Web app latency, in process (no network): page renders, API reads, submission round trips.

Grading is replaced by an instant fake, so this measures the app (routing, templates, DB, queue),
not the grader. Usage: ``python -m benchmarks.web [--n 200]``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.main import create_app
from app.models import UserCreate
from app.services import tokens, users

LESSONS = Path(__file__).resolve().parent.parent / "tests" / "web" / "lessons"


async def _fake_grader(*, lesson: Any, code: str, settings: Settings) -> dict[str, Any]:
    return {"version": 1, "status": "pass", "score": 1.0, "message": "", "checks": [], "timings": {}}


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
    }


async def main(n: int, database_url: str) -> dict[str, Any]:
    from sqlmodel import Session

    tmp = Path(tempfile.mkdtemp(prefix="jtb"))
    settings = Settings(
        data_dir=tmp, runtime_dir=tmp / "rt", lesson_dirs=[LESSONS], database_url=database_url
    )
    app = create_app(settings, grader=_fake_grader)
    results: dict[str, Any] = {"n": n, "database": database_url or "sqlite file"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://bench") as client,
    ):
        with Session(app.state.engine) as session:
            user = users.create_user(
                session=session, user_create=UserCreate(username="bench", password="benchmark-pw")
            )
            token = tokens.create_api_token(session=session, user=user)
        auth = {"Authorization": f"Bearer {token}"}
        for name, path in (
            ("catalog", "/"),
            ("lesson", "/lessons/demo-add"),
            ("api_lessons", "/api/v1/lessons"),
        ):
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = await client.get(path, headers=auth)
                samples.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            results[name] = _stats(samples)
        settings.submit_rate_per_minute = n * 10
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": "x"}, headers=auth)
            sub_id = r.json()["id"]
            while (await client.get(f"/api/v1/submissions/{sub_id}", headers=auth)).json()[
                "status"
            ] != "done":
                await asyncio.sleep(0)
            samples.append(time.perf_counter() - t0)
        results["submit_to_report"] = _stats(samples)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--database-url", default="", help="Default: a SQLite file in a temp dir.")
    ns = parser.parse_args()
    print(json.dumps(asyncio.run(main(ns.n, ns.database_url)), indent=2))
