"""Operations: /metrics parsed by Prometheus' own text parser, /readyz against a database that goes away and
comes back, request ids, and JSON log lines with the learner and submission ids."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from app.observability.logs import configure_logging
from app.observability.readiness import check_sandbox

from .conftest import FakeGrader, FakeProvider, api_token, htmx, login, make_user, next_poll, serve, wait_for


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by name and sorted labels (the parser validates the format)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float | None:
    return metrics.get((name, tuple(sorted(labels.items()))))


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def test_metrics_count_requests_gradings_runs_and_queue(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    token = api_token(app, "alice")
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/healthz")).status_code == 200
    r = await client.post(
        "/api/v1/lessons/demo-add/submissions", json={"code": "def f(x):\n    return x + 1\n"}, headers=auth
    )
    assert r.status_code == 202
    sub_id = r.json()["id"]

    async def graded() -> bool:
        got = await client.get(f"/api/v1/submissions/{sub_id}", headers=auth)
        return got.json()["status"] == "done"

    await wait_for(graded)
    assert (await client.get("/api/v1/submissions/999999", headers=auth)).status_code == 404
    await login(client)
    run = await client.post("/runs", data={"code": "print(1)"}, headers=await htmx(client))
    url = next_poll(run.text)
    while url is not None:
        url = next_poll((await client.get(url, headers={"HX-Request": "true"})).text)

    m = await scrape(client)
    assert value(m, "jaxtutor_http_requests_total", route="/healthz", method="GET", status="200") == 1
    route = "/api/v1/submissions/{submission_id}"
    assert value(m, "jaxtutor_http_requests_total", route=route, method="GET", status="404") == 1
    assert value(m, "jaxtutor_http_requests_total", route=route, method="GET", status="200") >= 1
    assert not any("999999" in dict(labels).get("route", "") for _, labels in m)  # templates, not raw paths
    assert value(m, "jaxtutor_http_request_duration_seconds_count", route="/healthz", method="GET") == 1
    assert value(m, "jaxtutor_gradings_total", verdict="pass") == 1
    assert value(m, "jaxtutor_grading_phase_seconds_count", phase="total") == 1  # the report's total_s
    assert value(m, "jaxtutor_grading_phase_seconds_count", phase="queue_wall") == 1
    assert value(m, "jaxtutor_grading_queue_depth", status="queued") == 0
    assert value(m, "jaxtutor_grading_queue_depth", status="running") == 0
    assert value(m, "jaxtutor_gradings_in_progress") == 0
    assert value(m, "jaxtutor_runs_total", status="done", reason="ok") == 1
    assert value(m, "jaxtutor_session_kernels") == 1


async def test_queue_depth_counts_waiting_submissions(settings: Settings, provider: FakeProvider) -> None:
    grader = FakeGrader()
    app = create_app(settings.model_copy(update={"grading_workers": 1}), grader=grader, kernel_provider=provider)
    async with serve(app) as client:
        make_user(app, "alice")
        auth = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
        for i in range(3):  # the first holds the only worker for 3 s; two wait
            code = f"x + 1  # FAKE_SLEEP={3 if i == 0 else 0} ({i})"  # different code: a repeat is not re-graded
            assert (
                await client.post("/api/v1/lessons/demo-add/submissions", json={"code": code}, headers=auth)
            ).status_code == 202

        async def busy() -> bool:
            return value(await scrape(client), "jaxtutor_gradings_in_progress") == 1

        await wait_for(busy)
        m = await scrape(client)
        assert value(m, "jaxtutor_grading_queue_depth", status="queued") == 2
        assert value(m, "jaxtutor_grading_queue_depth", status="running") == 1


async def test_each_app_has_its_own_registry(settings: Settings) -> None:
    first = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    second = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    assert first.state.metrics.registry is not second.state.metrics.registry
    async with serve(first) as a:
        for _ in range(3):
            await a.get("/healthz")
        assert value(await scrape(a), "jaxtutor_http_requests_total", route="/healthz", method="GET", status="200") == 3
    async with serve(second) as b:
        assert (
            value(await scrape(b), "jaxtutor_http_requests_total", route="/healthz", method="GET", status="200") is None
        )


async def test_metrics_token(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "s3cret-scrape"}), kernel_provider=FakeProvider())
    async with serve(app) as client:
        denied = await client.get("/metrics")
        assert denied.status_code == 401 and denied.json()["error"]["status"] == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert ok.status_code == 200 and "jaxtutor_http_requests_total" in ok.text


async def test_request_ids_and_json_logs(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    make_user(app, "alice")
    auth = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buf = io.StringIO()
    configure_logging(settings, stream=buf)
    try:
        fresh = await client.get("/healthz")
        assert len(fresh.headers["x-request-id"]) == 16
        echoed = await client.get("/healthz", headers={"X-Request-ID": "edge-42.abc"})
        assert echoed.headers["x-request-id"] == "edge-42.abc"
        hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 200})
        assert hostile.headers["x-request-id"] != "bad id\twith spaces" + "x" * 200
        r = await client.post(
            "/api/v1/lessons/demo-add/submissions",
            json={"code": "x + 1"},
            headers={**auth, "X-Request-ID": "submit-1"},
        )
        assert r.status_code == 202
        await app.state.grading.join(10)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]  # every line is one JSON object
    access = [d for d in lines if d["logger"] == "jaxtutor.access"]
    assert any(d.get("request_id") == "edge-42.abc" and d["route"] == "/healthz" for d in access)
    submit = next(d for d in access if d.get("request_id") == "submit-1")
    assert submit["status"] == 202 and submit["learner_id"] == 1 and submit["submission_id"] == r.json()["id"]
    assert {"ts", "level", "message"} <= set(submit)


def _sqlite_settings(tmp_path: Path) -> Settings:
    from .conftest import LESSONS

    return Settings(data_dir=tmp_path / "data", runtime_dir=tmp_path / "rt", lesson_dirs=[LESSONS], database_url="")


async def test_readyz_follows_a_sqlite_file_that_goes_away(tmp_path: Path) -> None:
    settings = _sqlite_settings(tmp_path)
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    db = settings.data_dir / "jaxtutor.db"
    async with serve(app) as client:
        r = await client.get("/readyz")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["ready"] is True and set(body["checks"]) == {"database", "storage", "lessons", "sandbox"}
        assert body["checks"]["lessons"]["detail"].endswith("lessons")
        shutil.move(db, tmp_path / "moved.db")
        away = await client.get("/readyz")
        assert away.status_code == 503
        assert away.json()["checks"]["database"]["ok"] is False
        assert (await client.get("/healthz")).status_code == 200  # liveness only: no restart for this
        shutil.move(tmp_path / "moved.db", db)
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_fails_while_the_data_dir_or_the_database_takes_no_writes(tmp_path: Path) -> None:
    """Reads still work, so only a write shows it: an immutable data dir (no new file), then an immutable
    database file (``chattr +i`` stops root too, unlike ``chmod``). tests/faults/ fills a real disk."""
    if shutil.which("chattr") is None or os.geteuid() != 0:
        pytest.skip("needs root and chattr")
    settings = _sqlite_settings(tmp_path)
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    db = settings.data_dir / "jaxtutor.db"
    async with serve(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        for target, check in ((settings.data_dir, "storage"), (db, "database")):
            subprocess.run(["chattr", "+i", str(target)], check=True)
            try:
                r = await client.get("/readyz")
            finally:
                subprocess.run(["chattr", "-i", str(target)], check=True)
            assert r.status_code == 503, r.text
            failed = {name for name, c in r.json()["checks"].items() if not c["ok"]}
            assert check in failed, r.text
            assert (await client.get("/readyz")).status_code == 200


@pytest.mark.postgres
@pytest.mark.slow
async def test_readyz_follows_a_postgresql_that_stops_and_starts(tmp_path: Path) -> None:
    from .pg import throwaway_cluster

    with throwaway_cluster() as cluster:
        settings = _sqlite_settings(tmp_path).model_copy(
            update={"database_url": cluster.url(cluster.new_database()), "readiness_timeout_s": 10.0}
        )
        app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
        async with serve(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            cluster.stop()
            away = await client.get("/readyz")
            assert away.status_code == 503, away.text
            assert away.json()["checks"]["database"]["ok"] is False
            assert "password" not in away.text
            assert (await client.get("/metrics")).status_code == 200  # the scrape survives, without the queue
            cluster.start()
            back = await client.get("/readyz")
            assert back.status_code == 200, back.text


def test_sandbox_check_reports_a_sandbox_that_cannot_run(tmp_path: Path) -> None:
    broken = Settings(data_dir=tmp_path, runtime_dir=tmp_path / "rt", sandbox_user="no-such-user-jt")
    check = check_sandbox(broken)
    assert check.ok is False and check.detail
    assert check_sandbox(broken.model_copy(update={"unsafe_no_sandbox": True})).ok is True


def test_dashboard_plots_only_metrics_that_exist() -> None:
    root = Path(__file__).resolve().parents[2]
    dashboard = json.loads((root / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"_(bucket|total|count|sum)$", "", n) for e in exprs for n in re.findall(r"jaxtutor_\w+", e)}
    declared = set(re.findall(r'"(jaxtutor_\w+)"', (root / "app" / "observability" / "metrics.py").read_text()))
    assert used and used <= declared, used - declared
    assert {"jaxtutor_grading_queue_depth", "jaxtutor_kernel_deaths", "jaxtutor_runs"} <= used
