from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings
from app.models import Submission, SubmissionStatus
from app.services.grading_jobs import GradingQueue
from app.services.submissions import recover_interrupted

from .conftest import FakeGrader, htmx, login, make_user, wait_for

GOOD = "def f(x):\n    return x + 1\n"
BAD = "def f(x):\n    return x\n"


async def _submit(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/lessons/demo-add/submissions", data={"code": code}, headers=await htmx(client))


async def _wait_done(client: httpx.AsyncClient, sub_id: int) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
        return body if body["status"] == "done" else None

    result: dict[str, Any] = await wait_for(done)
    return result


async def test_submit_stores_then_grades_and_page_polls(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    r = await _submit(client, BAD)
    assert r.status_code == 200
    assert 'hx-get="/submissions/1"' in r.text and "load delay" in r.text
    body = await _wait_done(client, 1)
    assert body["report"]["status"] == "fail" and body["verdict"] == "fail"
    partial = await client.get("/submissions/1", headers={"HX-Request": "true"})
    assert "hx-get" not in partial.text and "correctness" in partial.text and "25%" in partial.text
    assert partial.headers["hx-trigger"] == "jaxtutor-graded"  # the history refreshes itself
    history = await client.get("/lessons/demo-add/history", headers={"HX-Request": "true"})
    assert 'hx-trigger="jaxtutor-graded from:body"' in history.text and "fail" in history.text
    assert "atol &lt;1e-6&gt;" in partial.text and "max_abs_err" in partial.text
    full = await client.get("/submissions/1")
    assert "<html" in full.text and "return x" in full.text
    assert full.headers["vary"] == "HX-Request"


async def test_passing_reveals_solution_and_history(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    await _submit(client, BAD)
    await _wait_done(client, 1)
    await _submit(client, GOOD)
    await _wait_done(client, 2)
    page = await client.get("/lessons/demo-add")
    assert "Reference solution" in page.text and "Passed" in page.text
    assert page.text.count('href="/submissions/') >= 2
    catalog = await client.get("/")
    assert "passed" in catalog.text
    progress = (await client.get("/api/v1/me/progress")).json()
    assert progress == [
        {"lesson_id": "demo-add", "attempts": 2, "best_score": 1.0, "passed": True, "hints_revealed": 0}
    ]


async def test_grader_crash_is_an_error_report(client: httpx.AsyncClient, app: FastAPI, grader: FakeGrader) -> None:
    grader.raise_error = True
    make_user(app, "alice")
    await login(client)
    await _submit(client, GOOD)
    body = await _wait_done(client, 1)
    assert body["verdict"] == "error" and "grader failed" in body["report"]["message"]


async def test_code_size_and_rate_limits(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    make_user(app, "alice")
    await login(client)
    big = "#" * (settings.max_code_bytes + 1)
    assert (await _submit(client, big)).status_code == 413
    settings.submit_rate_per_minute = 2
    codes = [(await _submit(client, GOOD)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_learners_cannot_see_each_others_submissions(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client, "alice")
    await _submit(client, GOOD)
    await login(client, "bob")
    assert (await client.get("/submissions/1")).status_code == 404
    assert (await client.get("/api/v1/submissions/1")).status_code == 404
    assert (await client.get(f"/api/v1/submissions/{2**64}")).status_code == 422  # not a DB overflow
    assert (await client.get("/submissions/0")).status_code == 422


async def test_startup_requeues_running_and_sets_aside_exhausted(app: FastAPI, settings: Settings) -> None:
    async with app.router.lifespan_context(app):
        make_user(app, "alice")
        engine = app.state.engine
        queue: GradingQueue = app.state.grading
        await queue.close()  # stop the workers: simulate a crash mid-grading
        with Session(engine) as session:
            session.add(Submission(user_id=1, lesson_id="demo-add", code=GOOD, status="running", attempts=1))
            session.add(Submission(user_id=1, lesson_id="demo-add", code=GOOD, status="running", attempts=5))
            session.add(Submission(user_id=1, lesson_id="demo-add", code=GOOD, status="queued"))
            session.commit()
            ids = recover_interrupted(session=session, max_attempts=settings.grading_max_attempts)
        assert ids == [1, 3]
        with Session(engine) as session:
            rows = {s.id: s for s in session.exec(select(Submission))}
        # Its server kept stopping: not graded (stalled, for an operator), never the learner's error.
        assert rows[2].status == SubmissionStatus.STALLED and rows[2].verdict is None
        assert rows[1].status == SubmissionStatus.QUEUED
        fresh = GradingQueue(settings=settings, engine=engine, catalog=app.state.catalog, grader=FakeGrader())
        await fresh.start()
        await fresh.join()
        await fresh.close()
        with Session(engine) as session:
            rows = {s.id: s for s in session.exec(select(Submission))}
        assert rows[1].status == rows[3].status == SubmissionStatus.DONE and rows[2].status == SubmissionStatus.STALLED
        assert rows[1].verdict == "pass" and rows[1].attempts == 2
