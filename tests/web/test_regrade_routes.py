"""Re-grading through the app: the preview page's button and its polling progress, the JSON API, the
grading queue's workers doing the work, and the learner's pages showing both verdicts. The grader is a
test fake that judges against the lesson's current solution, so that editing the lesson flips a verdict."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.models import Role
from tests.lesson_factory import make_lesson

from .conftest import FakeProvider, api_token, htmx, login, make_user, serve, wait_for

CODE = "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1\n"


class SolutionGrader:
    """Passes code that contains the last line of the lesson's solution as served now (a test fake)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.broken = False

    async def __call__(self, *, lesson: Any, code: str, settings: Settings, **_: Any) -> dict[str, Any]:
        self.calls.append((lesson.id, lesson.content_hash))
        if self.broken:
            raise RuntimeError("grader exploded")
        ok = lesson.solution.strip().splitlines()[-1].strip() in code
        return {
            "version": 1,
            "status": "pass" if ok else "fail",
            "score": 1.0 if ok else 0.5,
            "message": "All checks passed." if ok else "1 failed (correctness). First: wrong values",
            "checks": [
                {"name": "correctness", "status": "pass" if ok else "fail", "message": "checked", "details": {}}
            ],
            "timings": {},
        }


def _app(tmp_path: Path, grader: SolutionGrader, **extra: Any) -> tuple[FastAPI, Path]:
    lessons = tmp_path / "lessons"
    folder = make_lesson(lessons, "demo-add")
    settings = Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[lessons],
        bundled_lessons=False,
        lesson_reload_s=0,
        database_url="",
        poll_interval_ms=50,
        grading_poll_s=0.05,
        **extra,
    )
    return create_app(settings, grader=grader, kernel_provider=FakeProvider()), folder


async def _submit(client: httpx.AsyncClient, code: str = CODE) -> int:
    r = await client.post("/lessons/demo-add/submissions", data={"code": code}, headers=await htmx(client))
    sub_id = int(r.text.split('hx-get="/submissions/')[1].split('"')[0])

    async def done() -> bool:
        return bool((await client.get(f"/api/v1/submissions/{sub_id}")).json()["status"] == "done")

    await wait_for(done)
    return sub_id


async def test_regrade_button_progress_and_both_verdicts(tmp_path: Path) -> None:
    grader = SolutionGrader()
    app, folder = _app(tmp_path, grader)
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "ines", role=Role.INSTRUCTOR)
        await login(client, "alice")
        sub_id = await _submit(client)
        v1 = app.state.catalog.get("demo-add").content_hash
        assert (await client.get(f"/api/v1/submissions/{sub_id}")).json()["verdict"] == "pass"
        r = await client.post(
            "/instructor/lessons/demo-add/regrades", data={"scope": "latest"}, headers=await htmx(client)
        )
        assert r.status_code == 403  # learners cannot re-grade

        # The instructor makes the lesson stricter: the learner's code no longer matches its solution.
        (folder / "solution.py").write_text("import jax.numpy as jnp\n\n\ndef f(x):\n    return jnp.add(x, 1)\n")
        assert app.state.catalog.refresh() == ["demo-add"]
        v2 = app.state.catalog.get("demo-add").content_hash
        await login(client, "ines")
        page = (await client.get("/instructor/lessons/demo-add/preview")).text
        assert 'id="regrade"' in page and "No submission has been re-graded against this version." in page
        r = await client.post(
            "/instructor/lessons/demo-add/regrades", data={"scope": "latest"}, headers=await htmx(client)
        )
        assert r.status_code == 200 and "Queued 1 submission" in r.text, r.text

        async def finished() -> str | None:
            html = (
                await client.get(f"/instructor/lessons/demo-add/regrades?version={v2}", headers=await htmx(client))
            ).text
            return html if 'data-active="false"' in html else None

        html = await wait_for(finished)
        assert "1 of 1 done" in html and "0 failed" in html and "1 verdict changed" in html
        assert "hx-get" not in html  # finished: it stops polling
        plain = await client.get("/instructor/lessons/demo-add/regrades")  # no htmx: the page that includes it
        assert plain.status_code == 303 and plain.headers["location"].endswith("/preview#regrade")
        preview = (await client.get("/instructor/lessons/demo-add/preview")).text
        assert "1 of 1 done" in preview and 'data-active="false"' in preview
        again = await client.post(
            "/instructor/lessons/demo-add/regrades", data={"scope": "latest"}, headers=await htmx(client)
        )
        assert "Nothing new to queue." in again.text and "1 already graded" in again.text
        assert grader.calls.count(("demo-add", v2)) == 1  # graded once against the new version

        await login(client, "alice")
        report = (await client.get(f"/submissions/{sub_id}")).text
        assert re.search(rf"Graded <strong[^>]*>passed</strong>.*against version <code>{v1}</code>", report, re.S)
        assert re.search(
            rf"re-graded <strong[^>]*>not yet passed</strong>.*against version <code>{v2}</code>", report, re.S
        )
        history = (await client.get("/lessons/demo-add/history")).text
        assert f"→ re-graded fail (version <code>{v2}</code>)" in history
        lesson_page = (await client.get("/lessons/demo-add")).text
        assert "The lesson changed, so this submission was re-graded." in lesson_page
        state = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
        assert state["verdict"] == "pass" and state["lesson_version"] == v1  # the original verdict is kept
        assert state["regrade"]["verdict"] == "fail" and state["regrade"]["lesson_version"] == v2
        listed = (await client.get("/api/v1/lessons/demo-add/submissions")).json()
        assert listed[0]["verdict"] == "pass" and listed[0]["regrade_verdict"] == "fail"
        mine = {p["lesson_id"]: p for p in (await client.get("/api/v1/me/progress")).json()}
        assert mine["demo-add"]["passed"] is False and mine["demo-add"]["attempts"] == 1  # the newest verdict counts


async def test_regrade_api_queues_once_and_refuses_too_many(tmp_path: Path) -> None:
    grader = SolutionGrader()
    app, folder = _app(tmp_path, grader, regrade_max_jobs=1)
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "ines", role=Role.INSTRUCTOR)
        await login(client, "alice")
        await _submit(client)
        await _submit(client, CODE + "\n# again\n")
        (folder / "solution.py").write_text("def f(x):\n    return x + 2\n")
        app.state.catalog.refresh()
        headers = {"Authorization": f"Bearer {api_token(app, 'ines')}"}
        learner = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
        assert (await client.post("/api/v1/lessons/demo-add/regrades", json={}, headers=learner)).status_code == 403
        bad = await client.post("/api/v1/lessons/demo-add/regrades", json={"scope": "some"}, headers=headers)
        assert bad.status_code == 422
        many = await client.post("/api/v1/lessons/demo-add/regrades", json={"scope": "all"}, headers=headers)
        assert many.status_code == 409 and "regrade_max_jobs" in many.json()["error"]["message"], many.text
        first = await client.post("/api/v1/lessons/demo-add/regrades", json={"scope": "latest"}, headers=headers)
        assert first.status_code == 202 and (first.json()["added"], first.json()["total"]) == (1, 1)
        second = await client.post("/api/v1/lessons/demo-add/regrades", json={"scope": "latest"}, headers=headers)
        assert (second.json()["added"], second.json()["already"], second.json()["total"]) == (0, 1, 1)
        assert (await client.get("/api/v1/lessons/nope/regrades", headers=headers)).status_code == 404

        async def done() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get("/api/v1/lessons/demo-add/regrades", headers=headers)).json()
            return body if not body["active"] else None

        state = await wait_for(done)
        assert (state["finished"], state["done"], state["failed"], state["changed"]) == (1, 1, 0, 1)


async def test_a_regrade_whose_grader_failed_replaces_nothing(tmp_path: Path) -> None:
    grader = SolutionGrader()
    app, folder = _app(tmp_path, grader)
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "ines", role=Role.INSTRUCTOR)
        await login(client, "alice")
        sub_id = await _submit(client)
        (folder / "solution.py").write_text("def f(x):\n    return x + 2\n")
        app.state.catalog.refresh()
        grader.broken = True  # the grader crashes: the queue turns it into an error report (infrastructure)
        await login(client, "ines")
        await client.post("/instructor/lessons/demo-add/regrades", data={"scope": "latest"}, headers=await htmx(client))

        async def finished() -> str | None:
            html = (await client.get("/instructor/lessons/demo-add/regrades", headers=await htmx(client))).text
            return html if 'data-active="false"' in html else None

        html = await wait_for(finished)
        assert "1 of 1 done" in html and "1 failed" in html and "0 verdicts changed" in html
        assert "re-grade again to retry it" in html
        await login(client, "alice")
        state = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
        assert state["verdict"] == "pass" and state["regrade"] is None
        assert "re-graded" not in (await client.get(f"/submissions/{sub_id}")).text
        assert (await client.get("/api/v1/me/progress")).json()[0]["passed"] is True
