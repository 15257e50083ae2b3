"""Live grading progress: phase, elapsed time and queue position, from the database (any replica)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.services.grading_jobs import accepts_progress
from app.services.grading_progress import phase_label

from .conftest import FakeGrader, csrf, htmx, login, make_user, serve, wait_for

GOOD = "def f(x):\n    return x + 1\n"


class GatedGrader(FakeGrader):
    """Reports two phases, then waits for the test to let the grading finish."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def __call__(  # type: ignore[override]
        self, *, lesson: Any, code: str, settings: Settings, on_phase: Any = None
    ) -> dict[str, Any]:
        if on_phase is not None:
            on_phase("load")
            on_phase("calls")
        await self.release.wait()
        return await super().__call__(lesson=lesson, code=code, settings=settings)


@pytest.fixture
def grader() -> GatedGrader:
    return GatedGrader()


async def _submit_as(app: FastAPI, name: str, code: str) -> tuple[httpx.AsyncClient, str]:
    make_user(app, name)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
    await login(client, name)
    r = await client.post("/lessons/demo-add/submissions", data={"code": code}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    return client, r.text


async def test_phase_and_queue_position_are_shown_while_waiting(app: FastAPI, grader: GatedGrader) -> None:
    async with serve(app):
        a, _ = await _submit_as(app, "alice", GOOD)

        async def phase_shown() -> str | None:
            text = (await a.get("/submissions/1", headers={"HX-Request": "true"})).text
            return text if "calling f on the test inputs" in text else None

        running = await wait_for(phase_shown)
        assert 'hx-get="/submissions/1"' in running and "so far" in running
        b, first = await _submit_as(app, "bob", GOOD + "# b\n")
        c, _ = await _submit_as(app, "carol", GOOD + "# c\n")
        assert "yours is next" in first and "waiting 0 s" in first
        third = (await c.get("/submissions/3", headers={"HX-Request": "true"})).text
        assert "1 submission ahead of yours" in third
        lesson_page = (await c.get("/lessons/demo-add")).text  # the first paint already says where it stands
        assert "1 submission ahead of yours" in lesson_page
        assert "calling f on the test inputs" in (await a.get("/lessons/demo-add")).text
        state = (await c.get("/api/v1/submissions/3")).json()
        assert state["status"] == "queued" and state["queue_ahead"] == 1 and state["phase"] is None
        state = (await a.get("/api/v1/submissions/1")).json()
        assert state["phase"] == "calls" and state["phase_label"] == "calling f on the test inputs"
        assert state["queue_ahead"] == 0 and state["elapsed_s"] >= 0
        grader.release.set()
        await app.state.grading.join(timeout=10)
        done = (await c.get("/api/v1/submissions/3")).json()
        assert done["status"] == "done" and done["phase"] is None and done["queue_ahead"] is None
        page = (await c.get("/submissions/3", headers={"HX-Request": "true"})).text
        assert "ahead of yours" not in page and 'hx-get="/submissions/3"' not in page
        for cl in (a, b, c):
            await cl.aclose()


async def test_api_submit_does_not_grade_identical_code_twice(app: FastAPI, grader: GatedGrader) -> None:
    grader.release.set()
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)
        headers = {"X-CSRF-Token": await csrf(client)}
        first = (await client.post("/api/v1/lessons/demo-add/submissions", json={"code": GOOD}, headers=headers)).json()
        again = (await client.post("/api/v1/lessons/demo-add/submissions", json={"code": GOOD}, headers=headers)).json()
        assert first["repeated"] is False and again == {**first, "repeated": True, "status": again["status"]}
        await app.state.grading.join(timeout=10)
        assert len(grader.calls) == 1
        other = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": GOOD + "#"}, headers=headers)
        assert other.json()["id"] != first["id"] and other.json()["repeated"] is False


def test_graders_without_progress_are_called_as_before() -> None:
    async def old(*, lesson: Any, code: str, settings: Settings) -> dict[str, Any]:
        return {}

    async def new(*, lesson: Any, code: str, settings: Settings, on_phase: Any = None) -> dict[str, Any]:
        return {}

    assert not accepts_progress(old) and accepts_progress(new)
    assert phase_label("ref:jit") == "compiling f with jax.jit (reference)" and phase_label(None) == "grading"
