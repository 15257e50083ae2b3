"""Hardening figures against a real ``jaxtutor serve`` (uvicorn) on loopback.

``upload``: the server's memory (``/proc/<pid>/status``: VmRSS at idle, VmHWM = peak resident set)
around an anonymous chunked upload of ``--mib`` MiB of JSON to ``POST /api/v1/lessons/<id>/submissions``,
the probe's repro of issue 13 (before the streaming limit: 136 -> 735 MiB for 200 MiB). The upload stops
as soon as the server answers; the figures say how much the server read and kept.

``fuzz``: server errors (5xx) under generated requests, in process: schemathesis' valid and invalid
cases for every operation of the OpenAPI document (``--examples`` each, with an admin's Bearer token), then
every page POST three times, signed in, under limits of one a minute (the probe's 1,207 server errors were
all rate-limited page POSTs). Also counts error answers that are not our JSON document or HTML page.

Usage: ``python -m benchmarks.hardening [upload|fuzz|all] [--mib 200] [--limit-kib 1024] [--examples 20]``;
prints figures and JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from tests.web.live import chunked_upload, live_server, proc_status_kib


def upload(mib: int, limit_kib: int) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="jthard"))
    try:
        with live_server(root, max_request_bytes=limit_kib * 1024) as server:
            time.sleep(1.0)  # let start-up settle
            idle_rss = proc_status_kib(server.pid, "VmRSS")
            idle_peak = proc_status_kib(server.pid, "VmHWM")
            t0 = time.perf_counter()
            status, response, sent = chunked_upload(
                "127.0.0.1", server.port, "/api/v1/lessons/demo-add/submissions", total=mib << 20
            )
            elapsed = time.perf_counter() - t0
            peak = proc_status_kib(server.pid, "VmHWM")
            after_rss = proc_status_kib(server.pid, "VmRSS")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "upload_mib": mib,
        "limit_kib": limit_kib,
        "status": status,
        "body": response.partition(b"\r\n\r\n")[2][:200].decode(errors="replace"),
        "client_sent_mib": round(sent / (1 << 20), 2),
        "idle_rss_mib": round(idle_rss / 1024, 1),
        "idle_peak_mib": round(idle_peak / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_after_mib": round(after_rss / 1024, 1),
        "peak_over_idle_mib": round((peak - idle_rss) / 1024, 1),
        "seconds": round(elapsed, 2),
    }


def fuzz(examples: int) -> dict[str, object]:
    import asyncio

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from sqlmodel import Session

    from app.config import Settings
    from app.main import create_app
    from app.models import UserCreate
    from app.services import tokens, users
    from tests.web.conftest import LESSONS, FakeGrader, FakeProvider

    root = Path(tempfile.mkdtemp(prefix="jtfuzz"))
    counts: dict[str, int] = {"requests": 0, "server_errors": 0, "not_our_document": 0}
    examples_seen: list[str] = []

    def count(status: int, content_type: str, what: str) -> None:
        counts["requests"] += 1
        if status >= 500:
            counts["server_errors"] += 1
            examples_seen.append(f"{status} {what}")
        if status >= 400 and not content_type.startswith(("application/json", "text/html")):
            counts["not_our_document"] += 1
            examples_seen.append(f"{status} {content_type} {what}")

    try:
        app_settings = Settings(
            data_dir=root, runtime_dir=root / "rt", lesson_dirs=[LESSONS], database_url=f"sqlite:///{root / 'f.db'}"
        )
        app = create_app(app_settings, grader=FakeGrader(), kernel_provider=FakeProvider())
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        with Session(app.state.engine) as session:
            admin = users.create_user(
                session=session, user_create=UserCreate(username="root", password="fuzzing-pw", role="admin")
            )
            token = tokens.create_api_token(session=session, user=admin, days=1)
        spec = app.openapi()
        modes = schemathesis.GenerationMode
        for path, ops in spec["paths"].items():
            for method in ops:
                operation = schema[path][method.upper()]
                cases = st.one_of(operation.as_strategy(modes.POSITIVE), operation.as_strategy(modes.NEGATIVE))

                @given(case=cases)
                @settings(
                    max_examples=examples,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def run(case: object) -> None:
                    response = case.call(headers={"Authorization": f"Bearer {token}"})  # type: ignore[attr-defined]
                    kind = response.headers.get("content-type", "")
                    kind = kind[0] if isinstance(kind, list) and kind else kind or ""  # schemathesis: lists
                    count(response.status_code, kind, f"{case.method} {case.formatted_path}")  # type: ignore[attr-defined]

                run()
        asyncio.run(_page_posts(app_settings, count))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return counts | {"examples_per_operation": examples, "first_problems": examples_seen[:10]}


async def _page_posts(app_settings: object, count: object) -> None:
    import re

    import httpx

    from app.config import Settings
    from app.main import create_app
    from app.models import Role
    from tests.web.conftest import FakeGrader, FakeProvider, login, make_user, serve

    assert isinstance(app_settings, Settings) and callable(count)
    tight = app_settings.model_copy(
        update={
            "database_url": "sqlite://",
            "submit_rate_per_minute": 1,
            "run_rate_per_minute": 1,
            "login_rate_per_minute": 1,
        }
    )
    app = create_app(tight, grader=FakeGrader(), kernel_provider=FakeProvider())
    form = {"code": "x = 1", "name": "t", "role": "learner", "username": "boss", "password": "correct horse"}
    form |= {"current_password": "nope", "new_password": "another phrase", "expires_in_days": "2"}
    async with serve(app) as client:
        make_user(app, "boss", Role.ADMIN)
        await login(client, "boss")
        posts = [p for p, ops in app.openapi()["paths"].items() if "post" in ops and not p.startswith("/api/")]
        for path in sorted(posts):
            if path in ("/logout", "/account/logout-everywhere"):
                continue
            url = re.sub(r"\{\w+\}", "1", path.replace("{lesson_id}", "demo-add"))
            for _ in range(3):
                page = await client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
                data = form | {"csrf_token": token.group(1) if token else ""}
                try:
                    r = await client.post(url, data=data)
                except Exception as exc:  # an exception that reached the server: a 500 and a dropped connection
                    count(500, "", f"POST {url} raised {exc!r}")
                    continue
                count(r.status_code, r.headers.get("content-type", ""), f"POST {url}")
    assert isinstance(client, httpx.AsyncClient)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", nargs="?", choices=["upload", "fuzz", "all"], default="all")
    parser.add_argument("--mib", type=int, default=200, help="Size of the chunked upload (MiB).")
    parser.add_argument("--limit-kib", type=int, default=1024, help="max_request_bytes of the server (KiB).")
    parser.add_argument("--examples", type=int, default=20, help="Generated cases per API operation.")
    args = parser.parse_args()
    results: dict[str, object] = {}
    if args.what in ("upload", "all"):
        result = upload(args.mib, args.limit_kib)
        print(
            f"chunked {result['upload_mib']} MiB upload, limit {result['limit_kib']} KiB: HTTP {result['status']}, "
            f"client sent {result['client_sent_mib']} MiB before the answer; server RSS idle "
            f"{result['idle_rss_mib']} MiB, peak {result['peak_rss_mib']} MiB (+{result['peak_over_idle_mib']} MiB)"
        )
        results["upload"] = result
    if args.what in ("fuzz", "all"):
        counts = fuzz(args.examples)
        print(
            f"fuzz: {counts['requests']} requests, {counts['server_errors']} server errors (5xx), "
            f"{counts['not_our_document']} error answers not our JSON document or page"
        )
        results["fuzz"] = counts
    print(json.dumps(results))


if __name__ == "__main__":
    main()
