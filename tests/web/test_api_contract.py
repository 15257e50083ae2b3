"""The API contract is honest: only JSON operations in the document, their real error statuses with our error
document, the security schemes, a typed and versioned grading report published as JSON Schema, and
/api/docs working under our CSP with self-hosted assets (checked in Debian's chromium)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.grader.report import CheckResult, Report
from app.main import CSP, create_app
from app.schemas import GradingReport, public_report, report_json_schema
from app.services.submissions import error_report
from tests.support.required import unavailable

from .conftest import LESSONS, FakeProvider, api_token, login, make_user, wait_for

ROOT = Path(__file__).resolve().parents[2]


def spec() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://"), kernel_provider=FakeProvider()).openapi()


def test_only_the_json_api_is_in_the_document() -> None:
    doc = spec()
    assert doc["paths"] and all(path.startswith("/api/v1/") for path in doc["paths"]), list(doc["paths"])
    assert "HTTPValidationError" not in json.dumps(doc)  # FastAPI's {"detail": ...} is not what we send


def test_security_schemes_and_requirements() -> None:
    doc = spec()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "description": "An API token."}
    assert schemes["sessionCookie"]["in"] == "cookie" and schemes["csrfHeader"]["in"] == "header"
    submit = doc["paths"]["/api/v1/lessons/{lesson_id}/submissions"]["post"]
    assert submit["security"] == [{"bearerAuth": []}, {"sessionCookie": [], "csrfHeader": []}]
    assert doc["paths"]["/api/v1/lessons"]["get"]["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    assert "security" not in doc["paths"]["/api/v1/schema/report.json"]["get"]


def test_every_error_response_is_our_error_document() -> None:
    doc = spec()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorDocument"), (method, path, status)
            if path != "/api/v1/schema/report.json":
                assert "401" in op["responses"], (method, path)
    submit = doc["paths"]["/api/v1/lessons/{lesson_id}/submissions"]["post"]
    assert set(submit["responses"]) == {"202", "400", "401", "403", "404", "409", "413", "422", "429"}


async def test_declared_errors_really_happen(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    """Each declared status of the submit operation, provoked for real, with the error document."""
    make_user(app, "alice")
    auth = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    url = "/api/v1/lessons/demo-add/submissions"
    seen = {}
    seen[401] = await client.post(url, json={"code": "x"}, headers={"Authorization": "Bearer not-a-token"})
    seen[400] = await client.post(url, content=b"\xc3P", headers={**auth, "Content-Type": "application/json"})
    seen[404] = await client.post("/api/v1/lessons/nope/submissions", json={"code": "x"}, headers=auth)
    seen[413] = await client.post(url, json={"code": "x" * (settings.max_code_bytes + 1)}, headers=auth)
    seen[422] = await client.post(url, json={"source": "x"}, headers=auth)
    settings.submission_quota_count = settings.submit_rate_per_minute - 1
    for i in range(settings.submit_rate_per_minute - 1):  # different code each time: a repeat is not new
        assert (await client.post(url, json={"code": f"x + {i}"}, headers=auth)).status_code == 202
    seen[409] = await client.post(url, json={"code": "x + 100"}, headers=auth)  # over the quota
    seen[429] = await client.post(url, json={"code": "x + 101"}, headers=auth)  # over the rate
    await login(client)  # a real session cookie, but no X-CSRF-Token header
    seen[403] = await client.post(url, json={"code": "x + 1"})
    for status, response in seen.items():
        assert response.status_code == status, (status, response.text)
        body = response.json()
        assert set(body) == {"error"} and body["error"]["status"] == response.status_code


async def test_report_is_typed_and_published(client: httpx.AsyncClient, app: FastAPI) -> None:
    published = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    assert published == report_json_schema(), (
        "run: PYTHONPATH=. .venv/bin/python -m app.schemas > docs/report.schema.json"
    )
    served = await client.get("/api/v1/schema/report.json")
    assert served.status_code == 200 and served.json() == published
    assert published["properties"]["version"]["const"] == 1
    make_user(app, "alice")
    auth = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    r = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": "x + 1"}, headers=auth)

    async def done() -> dict[str, Any] | None:
        got = (await client.get(f"/api/v1/submissions/{r.json()['id']}", headers=auth)).json()
        return got if got["status"] == "done" else None

    got = await wait_for(done)
    report = got["report"]
    assert set(report) == set(published["properties"])  # every field present, typed, nothing else
    assert report["version"] == 1 and report["checks"][0]["weight"] == 1.0


def test_every_report_producer_fits_the_model() -> None:
    """The real grader's report, the queue's error report and the test grader's all validate."""
    real = Report(
        checks=[
            CheckResult("correctness", "pass", "matches", {"max_abs_err": 0.0}),
            CheckResult("speedup", "skip", "no reference", applicable=False),
        ],
        timings={"total_s": 1.5, "phase_jit_compiles": 2},
        output="hi\n",
        lesson="demo-add",
    ).to_json()
    assert GradingReport.model_validate(real).status == "pass"
    assert GradingReport.model_validate(error_report("no kernel")).status == "error"
    assert public_report({"version": 7, "status": "weird"}) == GradingReport(
        version=1, status="error", score=0.0, message="The stored report could not be read."
    )


async def test_docs_page_is_self_hosted_without_inline_script(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    assert "<script>" not in r.text and "cdn" not in r.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert len(assets) == 4
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert (await client.get(asset)).status_code == 200, asset
    assert (await client.get("/docs")).status_code == 404  # the README points to /api/docs


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.browser
@pytest.mark.slow
def test_swagger_ui_renders_in_chromium_under_the_csp(tmp_path: Path) -> None:
    chromium = os.environ.get("JAXTUTOR_TEST_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        unavailable("browser", f"{chromium} is missing (apt-get install -y chromium)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="jtdocs"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
    env.update(
        PYTHONPATH=str(ROOT),
        JAXTUTOR_DATA_DIR=str(data),
        JAXTUTOR_RUNTIME_DIR=str(data / "rt"),
        JAXTUTOR_LESSON_DIRS=json.dumps([str(LESSONS)]),
        JAXTUTOR_UNSAFE_NO_SANDBOX="1",
        JAXTUTOR_POOL_WARM_KERNELS="0",
        JAXTUTOR_COOKIE_SECURE="0",
    )
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tests.support.app_factory:create_test_app"]
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        with playwright_sync.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                problems: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.goto(url + "/api/docs")
                page.wait_for_selector(".opblock", timeout=60_000)
                operations = page.locator(".opblock").count()
                assert operations == sum(len(ops) for ops in spec()["paths"].values()), operations
                assert page.locator(".btn.authorize").count() == 1  # the declared security schemes
                assert problems == [], problems  # a CSP violation shows up here
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


async def test_submission_history_is_the_callers_own(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    alice = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    bob = {"Authorization": f"Bearer {api_token(app, 'bob')}"}
    url = "/api/v1/lessons/demo-add/submissions"
    ids = [(await client.post(url, json={"code": code}, headers=alice)).json()["id"] for code in ("x", "x + 1")]
    await client.post(url, json={"code": "x + 1"}, headers=bob)
    await app.state.grading.join(10)
    history = (await client.get(url, headers=alice)).json()
    assert [h["id"] for h in history] == ids[::-1]  # newest first, bob's not listed
    assert [h["verdict"] for h in history] == ["pass", "fail"] and history[0]["finished_at"]
    assert len((await client.get(url + "?limit=1", headers=alice)).json()) == 1
    assert (await client.get(url + "?limit=0", headers=alice)).status_code == 422
    assert (await client.get("/api/v1/lessons/nope/submissions", headers=alice)).status_code == 404
    assert (await client.get(url)).status_code == 401
