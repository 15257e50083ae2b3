"""Instructor lessons reload while the app runs: edits, new and removed folders, and broken edits."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx

from app.config import Settings
from app.main import create_app
from tests.lesson_factory import make_lesson

from .conftest import FakeGrader, FakeProvider, serve


async def _until(predicate: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


async def _page(client: httpx.AsyncClient) -> str:
    r = await client.get("/")
    assert r.status_code == 200
    return r.text


async def test_lessons_reload_without_restart_and_broken_edits_keep_the_last_good(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    demo = make_lesson(lessons, "demo-add")
    make_lesson(lessons, "other", lesson_id="other", toml_extra="")
    (lessons / "other" / "lesson.toml").write_text(
        (lessons / "other" / "lesson.toml").read_text().replace("Add one, the JAX way", "The other lesson")
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[lessons],
        bundled_lessons=False,
        lesson_reload_s=0.05,
        database_url="sqlite://",
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    async with serve(app) as client:
        catalog = app.state.catalog
        assert "Add one, the JAX way" in await _page(client)
        toml = demo / "lesson.toml"
        good = toml.read_text()

        # 1. An edit is served without a restart.
        toml.write_text(good.replace("Add one, the JAX way", "Add one, edited live"))
        await _until(lambda: catalog.get("demo-add").meta.title == "Add one, edited live", "the edit is loaded")
        page = await _page(client)
        assert "Add one, edited live" in page and "The other lesson" in page
        edited = catalog.get("demo-add")

        # 2. A broken edit: the last good version stays served, the problem is reported, others unaffected.
        toml.write_text(good.replace("step = 1", "step = 99"))
        await _until(lambda: "demo-add" in catalog.stale, "the broken edit is noticed")
        assert catalog.get("demo-add") is edited
        assert [(p.file, p.field) for p in catalog.problems_for("demo-add")] == [("lesson.toml", "step")]
        page = await _page(client)
        assert "Add one, edited live" in page and "The other lesson" in page
        assert (await client.get("/lessons/other")).status_code in (200, 303, 401)

        # 3. Fixing it clears the problem.
        toml.write_text(good)
        await _until(lambda: "demo-add" not in catalog.stale and not catalog.problems, "the fix is loaded")
        assert catalog.get("demo-add").meta.title == "Add one, the JAX way"

        # 4. New folders appear, removed ones disappear.
        make_lesson(lessons, "brand-new", lesson_id="brand-new")
        await _until(lambda: catalog.get("brand-new") is not None, "the new lesson is loaded")
        shutil.rmtree(lessons / "other")
        await _until(lambda: catalog.get("other") is None, "the removed lesson is gone")
        assert "The other lesson" not in await _page(client)


async def test_reload_can_be_turned_off(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    demo = make_lesson(lessons, "demo-add")
    settings = Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[lessons],
        bundled_lessons=False,
        lesson_reload_s=0,
        database_url="sqlite://",
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    async with serve(app):
        toml = demo / "lesson.toml"
        toml.write_text(toml.read_text().replace("Add one, the JAX way", "Not reloaded"))
        await asyncio.sleep(0.5)
        assert app.state.catalog.get("demo-add").meta.title == "Add one, the JAX way"
        assert app.state.catalog.refresh() == ["demo-add"]  # on request (the preview page does this)
        assert app.state.catalog.get("demo-add").meta.title == "Not reloaded"
