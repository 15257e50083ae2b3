"""Two replicas on one PostgreSQL under simulated learners: submit latency, errors, grading throughput.

    .venv/bin/python -m benchmarks.scaleout [--learners 40] [--submissions 3] [--grade-ms 200] [--poll-ms 400]

Starts a throwaway PostgreSQL cluster (tests/web/pg.py) and two real server processes on loopback ports,
built by the test-only factory ``tests.support.app_factory`` (its fake grader runs no code; each grading
sleeps ``--grade-ms``), so the figures are those of the web tier and the shared
grading queue, not of the grader. Each learner (concurrently, one HTTP client each) signs up on one replica,
then submits ``--submissions`` times, alternating replicas, and polls the other replica until each is
graded. Prints submit latency p50/p95 (POST to 202), time to graded p50/p95, errors and gradings per second
(ideal: 2 replicas x workers / grade time), and checks that every submission was graded exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.scaleout.conftest import Replica, start_replica
from tests.web.live import csrf_from_page
from tests.web.pg import skip_reason, throwaway_cluster

GOOD = "def f(x):\n    return x + 1\n"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def learner(
    i: int,
    replicas: list[Replica],
    n: int,
    grade_ms: float,
    out: dict[str, list[float]],
    poll_s: float,
    signed_up: asyncio.Barrier,
    errors: Counter[str],
) -> None:
    home, other = replicas[i % 2], replicas[(i + 1) % 2]
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            await client.get(f"{home.url}/login")
            csrf = client.cookies["jaxtutor_csrf"]
            data = {"username": f"learner{i}", "password": "correct horse", "csrf_token": csrf}
            r = await client.post(f"{home.url}/signup", data=data)
            ok = r.status_code == 303
            if ok:  # signed in: the CSRF token is bound to the new session
                csrf = csrf_from_page((await client.get(f"{home.url}/login")).text)
        except httpx.HTTPError:
            ok = False
        await signed_up.wait()  # sign-ups (argon2 hashing) are not part of the submit figures
        out["start"].append(time.perf_counter())
        if not ok:
            errors["signup"] += 1
            return
        for k in range(n):
            target, poller = (home, other) if k % 2 == 0 else (other, home)
            code = f"{GOOD}# learner {i} try {k} FAKE_SLEEP={grade_ms / 1000}\n"
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    f"{target.url}/api/v1/lessons/demo-add/submissions",
                    json={"code": code},
                    headers={"X-CSRF-Token": csrf},
                )
            except httpx.HTTPError as exc:
                errors[f"submit {type(exc).__name__}"] += 1
                continue
            out["submit"].append(time.perf_counter() - t0)
            if r.status_code != 202:
                errors[f"submit HTTP {r.status_code}"] += 1
                continue
            sub_id = r.json()["id"]
            while True:
                await asyncio.sleep(poll_s)
                try:
                    body = (await client.get(f"{poller.url}/api/v1/submissions/{sub_id}")).json()
                except (httpx.HTTPError, json.JSONDecodeError) as exc:
                    errors[f"poll {type(exc).__name__}"] += 1
                    break
                if body.get("status") == "done":
                    out["graded"].append(time.perf_counter() - t0)
                    if body.get("verdict") != "pass":
                        errors[f"verdict {body.get('verdict')}"] += 1
                    break


async def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="jtbs", dir="/tmp"))
    replicas: list[Replica] = []
    try:
        with throwaway_cluster() as cluster:
            url = cluster.url(cluster.new_database())
            extra = {"grading_workers": args.workers, "database_pool_size": 10}
            replicas = [start_replica(name, url, root, **extra) for name in ("A", "B")]
            out: dict[str, list[float]] = {"submit": [], "graded": [], "start": []}
            signed_up = asyncio.Barrier(args.learners)
            errors: Counter[str] = Counter()
            await asyncio.wait_for(
                asyncio.gather(
                    *(
                        learner(
                            i, replicas, args.submissions, args.grade_ms, out, args.poll_ms / 1000, signed_up, errors
                        )
                        for i in range(args.learners)
                    )
                ),
                timeout=600,
            )
            wall = time.perf_counter() - min(out["start"], default=time.perf_counter())
            events = [e for r in replicas for e in r.events() if e["event"] == "start"]
            per_code = Counter(e["code_sha"] for e in events)
            per_replica = Counter(e["replica"] for e in events)
            for r in replicas:
                r.stop()
    finally:
        for r in replicas:
            r.stop()
        shutil.rmtree(root, ignore_errors=True)
    graded = len(out["graded"])
    return {
        "learners": args.learners,
        "submissions": args.learners * args.submissions,
        "graded": graded,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "graded_more_than_once": sum(1 for c in per_code.values() if c > 1),
        "gradings_per_replica": dict(per_replica),
        "wall_s": wall,
        "submit_p50_ms": pct(out["submit"], 0.5) * 1000,
        "submit_p95_ms": pct(out["submit"], 0.95) * 1000,
        "graded_p50_ms": pct(out["graded"], 0.5) * 1000,
        "graded_p95_ms": pct(out["graded"], 0.95) * 1000,
        "submit_mean_ms": statistics.fmean(out["submit"]) * 1000 if out["submit"] else float("nan"),
        "throughput_per_s": graded / wall if wall else 0.0,
        "ideal_per_s": 2 * args.workers / (args.grade_ms / 1000),
    }


def report(res: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"== 2 replicas on PostgreSQL, {res['learners']} learners x {args.submissions} submissions, "
        f"fake grading {args.grade_ms:.0f} ms, {args.workers} workers per replica =="
    )
    print(f"submit (POST -> 202): p50 {res['submit_p50_ms']:.1f} ms  p95 {res['submit_p95_ms']:.1f} ms")
    print(f"submit -> graded:     p50 {res['graded_p50_ms']:.0f} ms  p95 {res['graded_p95_ms']:.0f} ms")
    print(
        f"graded {res['graded']}/{res['submissions']} in {res['wall_s']:.1f} s: {res['throughput_per_s']:.1f}/s "
        f"(ideal {res['ideal_per_s']:.1f}/s); per replica {res['gradings_per_replica']}"
    )
    print(f"errors {res['errors']} {res['error_kinds']}; graded more than once {res['graded_more_than_once']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--submissions", type=int, default=3)
    parser.add_argument("--grade-ms", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--poll-ms", type=float, default=400.0, help="How often a learner polls (the page: 400 ms).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reason = skip_reason()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    res = asyncio.run(run(args))
    print(json.dumps(res, indent=2)) if args.json else report(res, args)


if __name__ == "__main__":
    main()
