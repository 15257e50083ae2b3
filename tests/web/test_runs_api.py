"""The JSON API for Run and hints (``app/routes/runs_api.py``), with an API token, over the fake kernels of
the web tests: start, poll with ``since`` until done, each learner only their own runs, a busy kernel, an
interrupt, hints revealed one at a time."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from .conftest import api_token, make_user, wait_for


def _auth(app: FastAPI, username: str) -> dict[str, str]:
    make_user(app, username)
    return {"Authorization": f"Bearer {api_token(app, username)}"}


async def _until_done(client: httpx.AsyncClient, h: dict[str, str], run: dict[str, Any], query: str = "") -> str:
    """Poll like a script would; returns the concatenated stream text."""
    text, since = "", 0
    for _ in range(500):
        r = await client.get(f"/api/v1/runs/{run['id']}?since={since}{query}", headers=h)
        assert r.status_code == 200, r.text
        state = r.json()
        text += "".join(o["text"] for o in state["outputs"])
        since = state["next_since"]
        if state["status"] == "done":
            assert state["outcome"] == "ok" and state["kernel"] in ("idle", "none")
            return text
        await asyncio.sleep(0.01)
    raise AssertionError("the run did not finish")


async def test_run_in_a_lesson_kernel_and_poll_to_the_end(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = _auth(app, "alice")
    r = await client.post("/api/v1/runs", json={"code": "print('<hi>')", "lesson_id": "demo-add"}, headers=h)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["lesson_id"] == "demo-add" and run["status"] in ("starting", "running") and run["next_since"] == 0
    out = await _until_done(client, h, run, "&lesson_id=demo-add")
    assert "<ran> 13 chars" in out  # the fake kernel's answer, as plain text (no HTML escaping in JSON)
    # Another learner cannot read it; an unknown lesson is a 404, not a Playground run.
    other = _auth(app, "bob")
    assert (await client.get(f"/api/v1/runs/{run['id']}?lesson_id=demo-add", headers=other)).status_code == 404
    bad = await client.post("/api/v1/runs", json={"code": "1", "lesson_id": "no-such"}, headers=h)
    assert bad.status_code == 404 and "no-such" in bad.json()["error"]["message"]


async def test_playground_run_busy_kernel_and_interrupt(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = _auth(app, "alice")
    first = await client.post("/api/v1/runs", json={"code": "SLEEP"}, headers=h)
    assert first.status_code == 201 and first.json()["lesson_id"] is None
    busy = await client.post("/api/v1/runs", json={"code": "print(1)"}, headers=h)
    assert busy.status_code == 409 and "still running" in busy.json()["error"]["message"]

    async def sleeping() -> bool:
        state = (await client.get(f"/api/v1/runs/{first.json()['id']}", headers=h)).json()
        return any("sleeping" in o["text"] for o in state["outputs"])

    assert await wait_for(sleeping)
    stopped = await client.post("/api/v1/runs/interrupt", headers=h)
    assert stopped.status_code == 200 and stopped.json()["lesson_id"] is None

    async def ended() -> dict[str, Any] | None:
        state: dict[str, Any] = (await client.get(f"/api/v1/runs/{first.json()['id']}", headers=h)).json()
        return state if state["status"] == "done" else None

    assert (await wait_for(ended))["outcome"] == "timeout"  # the fake kernel's answer to an interrupt


async def test_code_limits_and_cookie_callers_need_csrf(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = _auth(app, "alice")
    lone = await client.post(
        "/api/v1/runs", content='{"code": "\\ud800"}', headers=h | {"content-type": "application/json"}
    )
    assert lone.status_code == 400 and lone.json()["error"]["code"] == "invalid_unicode"
    big = await client.post("/api/v1/runs", json={"code": "x" * (app.state.settings.max_code_bytes + 1)}, headers=h)
    assert big.status_code == 413
    # Neither a token nor the CSRF header of a cookie session: refused before anything runs.
    assert (await client.post("/api/v1/runs", json={"code": "1"})).status_code == 403
    assert (await client.get("/api/v1/runs/x")).status_code == 401


async def test_hints_are_revealed_one_at_a_time(client: httpx.AsyncClient, app: FastAPI) -> None:
    h = _auth(app, "alice")
    r = await client.get("/api/v1/lessons/demo-add/hints", headers=h)
    assert r.status_code == 200 and r.json() == {"lesson_id": "demo-add", "available": 2, "revealed": []}
    one = (await client.post("/api/v1/lessons/demo-add/hints", headers=h)).json()
    assert one["revealed"] == ["Look at the starter."]
    await client.post("/api/v1/lessons/demo-add/hints", headers=h)
    three = (await client.post("/api/v1/lessons/demo-add/hints", headers=h)).json()
    assert three["revealed"] == ["Look at the starter.", "Return x + 1."]  # no more than the lesson has
    other = (await client.get("/api/v1/lessons/demo-add/hints", headers=_auth(app, "bob"))).json()
    assert other["revealed"] == []
    assert (await client.get("/api/v1/lessons/nope/hints", headers=h)).status_code == 404
