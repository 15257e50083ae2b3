from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.config import Settings

from .conftest import api_token, csrf, login, make_user, wait_for


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_api_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/lessons")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = await client.get("/api/v1/lessons", headers=_auth("jxt_wrong"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_api_lessons(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    h = _auth(api_token(app, "alice"))
    lessons = (await client.get("/api/v1/lessons", headers=h)).json()
    assert [lesson["id"] for lesson in lessons] == ["demo-add"]
    detail = (await client.get("/api/v1/lessons/demo-add", headers=h)).json()
    assert detail["checks"] == ["correctness"] and "def f" in detail["starter"] and "solution" not in detail
    r = await client.get("/api/v1/lessons/nope", headers=h)
    assert r.status_code == 404 and r.json()["error"]["status"] == 404


async def test_api_submit_and_poll(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    h = _auth(api_token(app, "alice"))
    r = await client.post(
        "/api/v1/lessons/demo-add/submissions", json={"code": "def f(x):\n    return x + 1\n"}, headers=h
    )
    assert r.status_code == 202 and r.json() == {"id": 1, "status": "queued", "repeated": False}

    async def done() -> dict[str, object] | None:
        body: dict[str, object] = (await client.get("/api/v1/submissions/1", headers=h)).json()
        return body if body["status"] == "done" else None

    body = await wait_for(done)
    assert body["verdict"] == "pass" and body["report"]["version"] == 1
    progress = (await client.get("/api/v1/me/progress", headers=h)).json()
    assert progress[0]["passed"] is True


async def test_api_errors_are_json(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    make_user(app, "alice")
    h = _auth(api_token(app, "alice"))
    url = "/api/v1/lessons/demo-add/submissions"
    r = await client.post(url, json={"nope": 1}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = await client.post(url, json={"code": "#" * (settings.max_code_bytes + 1)}, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    settings.submit_rate_per_minute = 1
    assert (await client.post(url, json={"code": "1"}, headers=h)).status_code == 202
    r = await client.post(url, json={"code": "1"}, headers=h)
    assert r.status_code == 429 and "retry-after" in r.headers
    assert (await client.get("/api/v1/submissions/99", headers=h)).status_code == 404


async def test_api_with_cookie_needs_csrf_header(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    url = "/api/v1/lessons/demo-add/submissions"
    r = await client.post(url, json={"code": "1"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await client.post(url, json={"code": "1"}, headers={"X-CSRF-Token": await csrf(client)})
    assert r.status_code == 202


async def test_staff_can_read_any_submission(client: httpx.AsyncClient, app: FastAPI) -> None:
    from app.models import Role

    make_user(app, "alice")
    make_user(app, "ines", role=Role.INSTRUCTOR)
    r = await client.post(
        "/api/v1/lessons/demo-add/submissions", json={"code": "1"}, headers=_auth(api_token(app, "alice"))
    )
    sub_id = r.json()["id"]
    r = await client.get(f"/api/v1/submissions/{sub_id}", headers=_auth(api_token(app, "ines")))
    assert r.status_code == 200
