"""Web app benchmarks: page renders, Run overhead over the kernel, and concurrent learners on loopback.

1. ``pages``: server time of page renders and API reads (in process, no network), p50/p95; and
   ``page_weight``: what a first visit to a lesson page transfers (HTML + every static file it loads, as
   sent: compressed), against the 250 KB budget.
2. ``run_overhead``: a real session kernel from the warm pool (sandboxed when the host allows it,
   else the unsafe development mode): time from ``POST /runs`` to the run being finished, minus the
   kernel's own execution time (``ExecutionResult.duration_s``), p50/p95; plus what a learner sees
   (the first poll that shows the result, at the default poll interval).
4. ``run_latency``: how late a running Run's output reaches its learner's page (time from the kernel
   emitting a line to the poll that returns it, polling every 50 ms), alone and while N other learners
   load pages (catalog, lesson, submission history, account) as fast as they can, against a real uvicorn
   server on loopback.
   The kernel is a fake that prints a timestamped line every 50 ms, so this measures the web tier and its
   event loop (database calls of page loads delay the polls when they run on the loop).
3. ``learners``: N simulated learners at once against a real uvicorn server on 127.0.0.1, each signing
   up, opening the catalog and a lesson, running code (polling until done) and submitting (polling until
   graded). Kernels and grader are fakes with a fixed cost (``--fake-run-ms``, ``--fake-grade-ms``), so
   this measures the web layer under concurrency, not JAX.

4. ``cohort``: a cohort's instructor views (progress matrix, gradebook CSV, one lesson, one learner) for
   ``--cohort-learners`` (500) learners x ``--cohort-lessons`` (30) lessons, seeded directly in a temp SQLite
   database through the models (progress in every state, two graded submissions per started cell), p50/p95
   of the server time in process (wall clock, and the process's CPU time, which a busy shared machine
   inflates less). The target is the matrix under 300 ms at p95.

Usage: ``python -m benchmarks.web [--n 100] [--learners 20] [--no-kernel] [--only cohort]``; prints figures
and JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.main import create_app
from app.models import UserCreate
from app.services import progress, submissions, tokens, users
from benchmarks.page_weight import page_weight
from benchmarks.run_latency import ThreadedServer, bench_run_latency, stats
from kernels.outcomes import ExecutionResult, Output, Reason
from tests.support.fakes import FakeGrader
from tests.web.live import csrf_from_page

LESSONS = Path(__file__).resolve().parent.parent / "tests" / "web" / "lessons"


class FakeKernel:
    def __init__(self, cost_s: float) -> None:
        self.cost_s = cost_s
        self.busy = False

    async def execute(self, code: str, options: Any = None) -> ExecutionResult:
        self.busy = True
        t0 = time.monotonic()
        await asyncio.sleep(self.cost_s)
        out = Output(kind="stream", name="stdout", text=f"ran {len(code)} chars\n")
        if options is not None and options.on_output is not None:
            options.on_output(out)
        self.busy = False
        return ExecutionResult(reason=Reason.OK, outputs=[out], duration_s=time.monotonic() - t0)

    async def interrupt(self) -> None:
        return None

    async def restart(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def status(self) -> str:
        return "idle"


class FakeProvider:
    def __init__(self, cost_s: float) -> None:
        self.cost_s = cost_s

    async def start(self) -> None:
        return None

    async def acquire(self, *, owner: str) -> FakeKernel:
        return FakeKernel(self.cost_s)

    async def release(self, kernel: Any) -> None:
        return None

    async def close(self) -> None:
        return None


def fake_grader(cost_s: float) -> Any:
    async def grade(*, lesson: Any, code: str, settings: Settings, on_phase: Any = None) -> dict[str, Any]:
        if on_phase is not None:
            on_phase("load")  # as the real grader's first phases do, through the database
        await asyncio.sleep(cost_s)
        ok = "+ 1" in code
        return {
            "version": 1,
            "status": "pass" if ok else "fail",
            "score": 1.0 if ok else 0.0,
            "message": "",
            "checks": [{"name": "correctness", "status": "pass" if ok else "fail", "message": ""}],
        }

    return grade


def short_dir(prefix: str) -> Path:
    """Under /run when writable: the sandbox hides /tmp from kernels (see tests/web/conftest.py)."""
    import os

    base = "/run" if os.access("/run", os.W_OK) else "/tmp"
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o711)
    return path


# -- 1. page renders ------------------------------------------------------------------------------------
async def bench_pages(root: Path, n: int, database_url: str) -> dict[str, Any]:
    from sqlmodel import Session

    settings = Settings(
        data_dir=root / "pages",
        runtime_dir=root / "rt-pages",
        lesson_dirs=[LESSONS],
        database_url=database_url,
        cookie_secure=False,
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    out: dict[str, Any] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        with Session(app.state.engine, expire_on_commit=False) as session:
            staff = users.create_user(
                session=session,
                user_create=UserCreate(username="staff", password="benchmark-pw", role="instructor"),
            )
            token = tokens.create_api_token(session=session, user=staff)
            for i in range(50):  # some learners with progress, so the dashboard has rows to render
                learner = users.create_user(
                    session=session,
                    user_create=UserCreate(username=f"learner{i:02d}", password="benchmark-pw"),
                    password_hash="x",
                )
                sub = submissions.create_submission(session=session, user=learner, lesson_id="demo-add", code="x")
                assert sub.id is not None
                submissions.mark_done(
                    session=session,
                    submission_id=sub.id,
                    report={"status": "pass" if i % 2 else "fail", "score": 0.5, "checks": []},
                )
            assert progress.dashboard(session=session, lesson_ids=["demo-add"]).learners
        auth = {"Authorization": f"Bearer {token}"}
        for name, path in (
            ("catalog", "/"),
            ("lesson", "/lessons/demo-add"),
            ("instructor_dashboard", "/instructor"),
            ("api_lessons", "/api/v1/lessons"),
        ):
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = await client.get(path, headers=auth)
                samples.append(time.perf_counter() - t0)
                assert r.status_code == 200, (path, r.status_code)
            out[name] = stats(samples)
        lesson = "vmap-pairwise-distances" if app.state.catalog.get("vmap-pairwise-distances") else "demo-add"
        out["page_weight"] = await page_weight(client, f"/lessons/{lesson}", auth)
    return out


# -- 4. a cohort's instructor views ----------------------------------------------------------------------
def seed_cohort(app: Any, learners: int, lessons: int) -> tuple[int, int, str, str]:
    """A cohort of ``learners`` x ``lessons`` with progress in every state; (cohort id, one learner's id, a
    lesson id, the instructor's API token). Bulk inserts through the models' tables: seeding is not measured."""
    import random
    from datetime import timedelta

    from sqlalchemy import insert
    from sqlmodel import Session

    from app.models import CohortMember, CohortRole, LessonProgress, Submission, User, utcnow
    from app.services import cohorts

    rng = random.Random(7)
    now = utcnow()
    with Session(app.state.engine, expire_on_commit=False) as session:
        staff = users.create_user(
            session=session,
            user_create=UserCreate(username="teacher", password="benchmark-pw", role="instructor"),
        )
        token = tokens.create_api_token(session=session, user=staff)
        cohort = cohorts.create_cohort(session=session, name="Benchmark cohort", creator=staff)
        assert cohort.id is not None
        lesson_ids = [f"lesson-{i:02d}" for i in range(lessons)]
        entries = [
            cohorts.TrackEntry(lid, due_at=now + timedelta(days=i - lessons // 2), pass_required=i % 7 != 3)
            for i, lid in enumerate(lesson_ids)
        ]
        cohorts.set_track(session=session, cohort=cohort, entries=entries, known_lessons=set(lesson_ids))
        session.execute(
            insert(User.__table__),  # type: ignore[attr-defined]
            [
                {
                    "username": f"learner{i:04d}",
                    "password_hash": "x",
                    "role": "learner",
                    "is_active": True,
                    "created_at": now,
                }
                for i in range(learners)
            ],
        )
        ids = [u.id for u in session.exec(select_learners())]
        session.execute(
            insert(CohortMember.__table__),  # type: ignore[attr-defined]
            [
                {"cohort_id": cohort.id, "user_id": uid, "role": CohortRole.LEARNER.value, "joined_at": now}
                for uid in ids
            ],
        )
        progress_rows, subs = [], []
        for uid in ids:
            for lid in lesson_ids:
                kind = rng.random()
                if kind < 0.2:
                    continue  # not started
                attempts = rng.randint(1, 9)
                passed = kind > 0.55
                at = now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
                progress_rows.append(
                    {
                        "user_id": uid,
                        "lesson_id": lid,
                        "attempts": attempts,
                        "hints_revealed": rng.randint(0, 3),
                        "best_score": 1.0 if passed else rng.random(),
                        "passed": passed,
                        "passed_at": at if passed else None,
                        "updated_at": at,
                    }
                )
                for k in range(2):
                    ok = passed and k == 1
                    report = {
                        "status": "pass" if ok else "fail",
                        "score": 1.0 if ok else 0.4,
                        "checks": [
                            {
                                "name": "correctness",
                                "status": "pass" if ok else "fail",
                                "message": "" if ok else f"wrong at index {rng.randint(0, 3)}",
                            }
                        ],
                    }
                    subs.append(
                        {
                            "user_id": uid,
                            "lesson_id": lid,
                            "code": "x = 1",
                            "status": "done",
                            "verdict": report["status"],
                            "score": report["score"],
                            "report_json": json.dumps(report),
                            "lesson_hash": "",
                            "attempts": 1,
                            "created_at": at - timedelta(minutes=30 - k),
                            "finished_at": at - timedelta(minutes=29 - k),
                        }
                    )
        session.execute(insert(LessonProgress.__table__), progress_rows)  # type: ignore[attr-defined]
        session.execute(insert(Submission.__table__), subs)  # type: ignore[attr-defined]
        session.commit()
        return cohort.id, ids[0] or 0, lesson_ids[0], token


def select_learners() -> Any:
    from sqlmodel import col, select

    from app.models import User

    return select(User).where(User.role == "learner").order_by(col(User.id))


async def bench_cohort(root: Path, n: int, database_url: str, learners: int, lessons: int) -> dict[str, Any]:
    settings = Settings(
        data_dir=root / "cohort",
        runtime_dir=root / "rt-cohort",
        lesson_dirs=[LESSONS],
        database_url=database_url,
        cookie_secure=False,
    )
    app = create_app(settings, grader=fake_grader(0), kernel_provider=FakeProvider(0))
    out: dict[str, Any] = {"learners": learners, "lessons": lessons}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        t0 = time.perf_counter()
        cid, learner_id, lesson_id, token = seed_cohort(app, learners, lessons)
        out["seed_s"] = round(time.perf_counter() - t0, 1)
        auth = {"Authorization": f"Bearer {token}"}
        for name, path in (
            ("cohort_progress_matrix", f"/cohorts/{cid}/progress"),
            ("cohort_gradebook_csv", f"/cohorts/{cid}/gradebook.csv"),
            ("cohort_lesson", f"/cohorts/{cid}/lessons/{lesson_id}"),
            ("cohort_learner", f"/cohorts/{cid}/learners/{learner_id}"),
        ):
            samples, cpu = [], []
            size = 0
            for _ in range(n):
                t0, c0 = time.perf_counter(), time.process_time()
                r = await client.get(path, headers=auth)
                samples.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                assert r.status_code == 200, (path, r.status_code)
                size = len(r.content)
            cpu_stats = stats(cpu)
            out[name] = {
                **stats(samples),
                "cpu_p50_ms": cpu_stats["p50_ms"],
                "cpu_p95_ms": cpu_stats["p95_ms"],
                "bytes": size,
            }
    return out


# -- 2. Run overhead over a real kernel -----------------------------------------------------------------
async def bench_run_overhead(root: Path, n: int) -> dict[str, Any]:
    from sqlmodel import Session

    from app.services.host import HostNotReady, check_ready

    settings = Settings(
        data_dir=root / "run",
        runtime_dir=root / "rt",
        lesson_dirs=[LESSONS],
        database_url="",  # a SQLite file in data_dir
        cookie_secure=False,
        pool_warm_kernels=1,
        run_rate_per_minute=100_000,
    )
    try:
        check_ready(settings)
        mode = "sandboxed"
    except HostNotReady:
        settings.unsafe_no_sandbox = True
        mode = "unsafe development mode (no sandbox here)"
    app = create_app(settings, grader=FakeGrader())
    overhead, kernel, seen = [], [], []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        with Session(app.state.engine) as session:
            user = users.create_user(session=session, user_create=UserCreate(username="bench", password="benchmark-pw"))
            token = tokens.create_api_token(session=session, user=user)
            assert user.id is not None
            user_id = user.id
        headers = {"Authorization": f"Bearer {token}", "HX-Request": "true"}
        runs = app.state.runs
        t_first = time.perf_counter()
        for i in range(n + 1):
            t0 = time.perf_counter()
            r = await client.post("/runs", data={"code": f"x = {i}\nprint(x + 1)"}, headers=headers)
            assert r.status_code == 200, r.text
            run = runs.session(user_id).current
            if run is not None and run.task is not None:
                await run.task
            total = time.perf_counter() - t0
            if i == 0:
                first_run_s = total  # includes leasing the warm kernel
                continue
            last = next(reversed(runs.session(user_id).runs.values()))
            assert last.result is not None and last.result.ok, last.message
            overhead.append(total - last.result.duration_s)
            kernel.append(last.result.duration_s)
        # What a learner sees: POST, then poll at the page's interval until the result shows.
        for i in range(min(n, 20)):
            t0 = time.perf_counter()
            r = await client.post("/runs", data={"code": f"print({i})"}, headers=headers)
            assert r.status_code == 200, r.text
            html = r.text
            while "run-done" not in html:
                await asyncio.sleep(settings.poll_interval_ms / 1000)
                url = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
                html = (await client.get(url, headers=headers)).text
            seen.append(time.perf_counter() - t0)
        del t_first
    return {
        "mode": mode,
        "first_run_ms": round(first_run_s * 1000, 1),
        "kernel_execute": stats(kernel),
        "web_overhead": stats(overhead),
        f"learner_sees_result_at_poll_{settings.poll_interval_ms}ms": stats(seen),
    }


# -- 3. concurrent learners on loopback --------------------------------------------------------------------
async def one_learner(url: str, i: int, timings: dict[str, list[float]], poll_s: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:

        async def timed(kind: str, method: str, path: str, **kw: Any) -> httpx.Response:
            t0 = time.perf_counter()
            r = await c.request(method, path, **kw)
            timings[kind].append(time.perf_counter() - t0)
            if r.status_code >= 400:
                timings["errors"].append(float(r.status_code))
            return r

        await timed("login_page", "GET", "/signup")
        csrf = c.cookies.get("jaxtutor_csrf")
        data = {"username": f"learner{i:02d}", "password": "benchmark-pw", "csrf_token": csrf}
        await timed("signup", "POST", "/signup", data=data)
        catalog = await timed("catalog", "GET", "/")
        csrf = csrf_from_page(catalog.text)  # signed in: the token is bound to the new session
        await timed("lesson", "GET", "/lessons/demo-add")
        hx = {"HX-Request": "true", "X-CSRF-Token": csrf or ""}
        t0 = time.perf_counter()
        r = await timed("run_post", "POST", "/runs", data={"code": "print(1 + 1)"}, headers=hx)
        html = r.text
        while "run-done" not in html and r.status_code == 200:
            await asyncio.sleep(poll_s)
            url_ = html.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
            r = await timed("run_poll", "GET", url_, headers=hx)
            html = r.text
        timings["run_round_trip"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        r = await timed("submit_post", "POST", "/lessons/demo-add/submissions", data={"code": "x + 1"}, headers=hx)
        html = r.text
        progressed = phased = False
        while 'class="verdict"' not in html and r.status_code == 200:
            if not progressed and 'class="phase"' in html:
                # What the learner sees first: the queue position or the grader's phase.
                timings["submit_to_first_progress"].append(time.perf_counter() - t0)
                progressed = True
            if not phased and 'class="phase">grading: ' in html:
                timings["submit_to_grader_phase"].append(time.perf_counter() - t0)
                phased = True
            await asyncio.sleep(poll_s)
            sub = html.split('hx-get="', 1)[1].split('"', 1)[0]
            r = await timed("submission_poll", "GET", sub, headers=hx)
            html = r.text
        timings["submit_round_trip"].append(time.perf_counter() - t0)


async def bench_learners(root: Path, learners: int, run_s: float, grade_s: float) -> dict[str, Any]:
    settings = Settings(
        data_dir=root / "learners",
        runtime_dir=root / "rt-learners",
        lesson_dirs=[LESSONS],
        cookie_secure=False,
        login_rate_per_minute=10_000,
        run_rate_per_minute=10_000,
        max_session_kernels=max(8, learners),
        grading_workers=2,
    )
    app = create_app(settings, grader=FakeGrader(cost_s=grade_s), kernel_provider=FakeProvider(run_s))
    timings: dict[str, list[float]] = defaultdict(list)
    with ThreadedServer(app) as url:
        t0 = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(one_learner(url, i, timings, settings.poll_interval_ms / 1000) for i in range(learners))),
            timeout=300,
        )
        wall = time.perf_counter() - t0
    errors = timings.pop("errors", [])
    return {
        "learners": learners,
        "fake_run_ms": run_s * 1000,
        "fake_grade_ms": grade_s * 1000,
        "grading_workers": settings.grading_workers,
        "wall_s": round(wall, 2),
        "errors": len(errors),
        "requests": sum(len(v) for v in timings.values()),
        **{kind: stats(v) for kind, v in sorted(timings.items())},
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    root = short_dir("jtbw")
    if args.only_latency:
        try:
            return {"run_latency": await bench_run_latency(root, args.learners, args.database_url)}
        finally:
            shutil.rmtree(root, ignore_errors=True)
    try:
        cohort_db = args.database_url or f"sqlite:///{root}/cohort.db"
        if args.only == "cohort":
            n = min(args.n, 50)
            return {"cohort": await bench_cohort(root, n, cohort_db, args.cohort_learners, args.cohort_lessons)}
        results: dict[str, Any] = {"pages": await bench_pages(root, args.n, args.database_url)}
        results["cohort"] = await bench_cohort(
            root, min(args.n, 50), cohort_db, args.cohort_learners, args.cohort_lessons
        )
        if not args.no_kernel:
            results["run_overhead"] = await bench_run_overhead(root, min(args.n, 50))
        results["learners"] = await bench_learners(
            root, args.learners, args.fake_run_ms / 1000, args.fake_grade_ms / 1000
        )
        results["run_latency"] = await bench_run_latency(root, args.learners, args.database_url)
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(results: dict[str, Any]) -> None:
    if "cohort" in results:
        c = results["cohort"]
        print(f"== cohort views, {c['learners']} learners x {c['lessons']} lessons (server time, in process) ==")
        for name, s in c.items():
            if isinstance(s, dict):
                print(
                    f"  {name:24s} p50 {s['p50_ms']:7.2f} ms   p95 {s['p95_ms']:7.2f} ms   "
                    f"(CPU p50 {s['cpu_p50_ms']:7.2f} ms, p95 {s['cpu_p95_ms']:7.2f} ms)   {s['bytes']} bytes"
                )
    if "pages" not in results:  # --only cohort or --only run-latency
        if "run_latency" in results:
            rl = results["run_latency"]
            for kind in ("alone", "under_load"):
                s = rl[kind]
                print(
                    f"run output latency {kind:12s} p50 {s['p50_ms']:8.2f} ms  p95 {s['p95_ms']:8.2f} ms (n={s['n']})"
                )
            print(f"page loads while measuring: {rl['page_loads_per_s']}/s, {rl['page_errors']} server errors")
        return
    print("== page renders (server time, in process) ==")
    for name, s in results["pages"].items():
        if name == "page_weight":
            print(
                f"  lesson page weight ({s['path']}): {s['transferred_kb']} KB transferred on a first visit "
                f"({s['uncompressed_kb']} KB uncompressed; budget 250 KB)"
            )
            continue
        print(f"  {name:22s} p50 {s['p50_ms']:7.2f} ms   p95 {s['p95_ms']:7.2f} ms   (n={s['n']})")
    if "run_overhead" in results:
        r = results["run_overhead"]
        print(f"== Run over a real kernel ({r['mode']}) ==")
        print(f"  first run (leases the warm kernel): {r['first_run_ms']} ms")
        for key in [k for k in r if isinstance(r[k], dict)]:
            print(f"  {key:40s} p50 {r[key]['p50_ms']:7.2f} ms   p95 {r[key]['p95_ms']:7.2f} ms")
    lr = results["learners"]
    print(
        f"== {lr['learners']} concurrent learners on loopback (fake run {lr['fake_run_ms']:.0f} ms, "
        f"fake grading {lr['fake_grade_ms']:.0f} ms, {lr['grading_workers']} grading workers) =="
    )
    print(f"  wall {lr['wall_s']} s, {lr['requests']} requests, {lr['errors']} errors")
    for kind, s in lr.items():
        if isinstance(s, dict):
            print(f"  {kind:22s} p50 {s['p50_ms']:8.2f} ms   p95 {s['p95_ms']:8.2f} ms   (n={s['n']})")
    rl = results["run_latency"]
    print(f"== Run output latency (line emitted -> seen by the page, 50 ms polls), {rl['readers']} readers ==")
    for kind in ("alone", "under_load"):
        s = rl[kind]
        print(f"  {kind:22s} p50 {s['p50_ms']:8.2f} ms   p95 {s['p95_ms']:8.2f} ms   (n={s['n']})")
    print(f"  page loads while measuring: {rl['page_loads_per_s']}/s, {rl['page_errors']} server errors")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="Samples per page and Run measurement.")
    parser.add_argument("--learners", type=int, default=20, help="Concurrent simulated learners.")
    parser.add_argument("--fake-run-ms", type=float, default=50.0)
    parser.add_argument("--fake-grade-ms", type=float, default=200.0)
    parser.add_argument("--no-kernel", action="store_true", help="Skip the real-kernel Run measurement.")
    parser.add_argument("--database-url", default="", help="Default: a SQLite file in a temp dir.")
    parser.add_argument("--json", action="store_true", help="Print JSON only.")
    parser.add_argument("--only-latency", action="store_true", help="Only the Run output latency under load.")
    parser.add_argument("--only", choices=["cohort"], default="", help="Run only this benchmark.")
    parser.add_argument("--cohort-learners", type=int, default=500)
    parser.add_argument("--cohort-lessons", type=int, default=30)
    ns = parser.parse_args()
    out = asyncio.run(main(ns))
    if ns.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
        with contextlib.suppress(Exception):
            print(json.dumps(out))
