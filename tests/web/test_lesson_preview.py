"""The instructor lesson preview: rendered lesson, load problems, and its own code graded (fake grader here;
tests/web/test_preview_browser.py grades for real)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models import Role

from .conftest import FakeGrader, htmx, login, make_user


async def test_preview_needs_an_instructor(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client, "alice")
    assert (await client.get("/instructor/lessons/demo-add/preview")).status_code == 403
    r = await client.post("/instructor/lessons/demo-add/preview/grade/solution", headers=await htmx(client))
    assert r.status_code == 403


async def test_preview_renders_the_lesson_and_grades_its_code(
    client: httpx.AsyncClient, app: FastAPI, grader: FakeGrader
) -> None:
    make_user(app, "ines", role=Role.INSTRUCTOR)
    await login(client, "ines")
    dash = await client.get("/instructor")
    assert 'href="/instructor/lessons/demo-add/preview"' in dash.text
    assert 'href="/instructor/lessons/broken/preview"' in dash.text  # the lesson that does not load
    r = await client.get("/instructor/lessons/demo-add/preview")
    assert r.status_code == 200
    lesson = app.state.catalog.get("demo-add")
    assert "Add one, the JAX way" in r.text and lesson.content_hash in r.text
    assert "Grade starter" in r.text and "Grade solution" in r.text and "Grade baseline" not in r.text
    assert "Load problems" not in r.text

    r = await client.post("/instructor/lessons/demo-add/preview/grade/solution", headers=await htmx(client))
    assert r.status_code == 200 and 'data-status="pass"' in r.text and 'data-check="correctness"' in r.text
    assert grader.calls[-1] == ("demo-add", lesson.solution)
    r = await client.post("/instructor/lessons/demo-add/preview/grade/starter", headers=await htmx(client))
    assert 'data-status="fail"' in r.text and "For you, the author" not in r.text
    assert grader.calls[-1] == ("demo-add", lesson.starter)
    assert (
        await client.post("/instructor/lessons/demo-add/preview/grade/nope", headers=await htmx(client))
    ).status_code == 404
    r = await client.post("/instructor/lessons/demo-add/preview/grade/baseline", headers=await htmx(client))
    assert "This lesson has no baseline.py." in r.text


async def test_preview_of_a_broken_lesson_lists_file_field_expected(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "ines", role=Role.INSTRUCTOR)
    await login(client, "ines")
    r = await client.get("/instructor/lessons/broken/preview")
    assert r.status_code == 200
    assert "Load problems" in r.text and "does not load" in r.text
    assert (
        "<code>lesson.toml</code></td><td><code>step</code></td><td>Input should be less than or equal to 6" in r.text
    )
    assert "Grade solution" not in r.text
    assert (await client.get("/instructor/lessons/no-such-lesson/preview")).status_code == 404


async def test_grader_failure_is_shown_not_a_500(client: httpx.AsyncClient, app: FastAPI, grader: FakeGrader) -> None:
    make_user(app, "ines", role=Role.INSTRUCTOR)
    await login(client, "ines")
    grader.raise_error = True
    r = await client.post("/instructor/lessons/demo-add/preview/grade/solution", headers=await htmx(client))
    assert r.status_code == 200 and "The grader failed: RuntimeError: grader exploded" in r.text
