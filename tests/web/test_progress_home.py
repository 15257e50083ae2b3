"""The progress home: continue where you left off (draft, Run or submission) and x of N per step."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings

from .conftest import LESSONS, htmx, login, make_user, wait_for

GOOD = "def f(x):\n    return x + 1\n"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test lessons plus a second lesson in step 2 (a copy of demo-add), so that there is a choice."""
    extra = tmp_path / "more-lessons"
    shutil.copytree(LESSONS / "demo-add", extra / "demo-two")
    toml = extra / "demo-two" / "lesson.toml"
    toml.write_text(toml.read_text().replace("step = 1", "step = 2").replace("Add one, the JAX way", "Add one again"))
    return settings.model_copy(update={"lesson_dirs": [LESSONS, extra]})


def _continue_link(html: str) -> str | None:
    m = re.search(r'Continue where you left off</p>\s*<p><a class="button primary" href="(/lessons/[^"]+)"', html)
    return m.group(1) if m else None


async def test_home_follows_the_last_lesson_touched(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    lessons = [lesson.id for lesson in app.state.catalog.ordered()]
    assert lessons == ["demo-add", "demo-two"]
    first, second = lessons
    page = (await client.get("/")).text
    assert _continue_link(page) is None and "Start here" in page
    # A Run in a lesson's editor.
    r = await client.post("/runs", data={"code": "1", "lesson_id": second}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    assert _continue_link((await client.get("/")).text) == f"/lessons/{second}"
    # An autosaved draft in another lesson.
    r = await client.put(f"/drafts/lesson:{first}", data={"code": "x = 1"}, headers=await htmx(client))
    assert r.status_code < 300, r.text
    assert _continue_link((await client.get("/")).text) == f"/lessons/{first}"
    # A passing submission: counted in its step, and the next lesson is suggested.
    await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))

    async def graded() -> bool:
        return bool((await client.get("/api/v1/submissions/1")).json()["status"] == "done")

    await wait_for(graded)
    html = (await client.get("/")).text
    assert _continue_link(html) == "/lessons/demo-add"
    assert 'aria-label="Step 1: 1 of 1 passed"' in html and 'aria-label="Step 2: 0 of 1 passed"' in html
    assert 'Next up: <a href="/lessons/demo-two">' in html and "1 of 2 lessons passed" in html


async def test_unknown_lesson_in_a_run_is_ignored_and_anonymous_home_has_no_progress(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    assert "Continue where you left off" not in (await client.get("/")).text
    make_user(app, "alice")
    await login(client)
    r = await client.post("/runs", data={"code": "1", "lesson_id": "no-such-lesson"}, headers=await htmx(client))
    assert r.status_code == 200
    assert _continue_link((await client.get("/")).text) is None
