"""One error path that never fails: every 4xx/5xx is our JSON document or page, never a plain-text 500."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.config import Settings
from app.main import create_app
from app.models import Role

from .conftest import LESSONS, FakeGrader, FakeProvider, api_token, csrf, login, make_user, serve


async def test_a_rate_limited_page_post_renders_the_error_page(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    """Issue 13: a non-htmx page POST that hits a limit was a 500 (DetachedInstanceError in error.html)."""
    settings.submit_rate_per_minute = 1
    make_user(app, "alice")
    await login(client)
    form = {"code": "def f(x):\n    return x + 1\n", "csrf_token": await csrf(client)}
    assert (await client.post("/lessons/demo-add/submissions", data=form)).status_code == 303
    r = await client.post("/lessons/demo-add/submissions", data=form)
    assert r.status_code == 429, r.text
    assert "Error 429" in r.text and "Too many requests" in r.text
    assert "alice" in r.text  # the navigation still shows who is signed in
    assert int(r.headers["retry-after"]) >= 1


async def test_a_rate_limited_login_page_post_renders_the_error_page(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    settings.login_rate_per_minute = 1
    make_user(app, "alice")
    data = {"username": "alice", "password": "wrong password", "csrf_token": await csrf(client)}
    assert (await client.post("/login", data=data)).status_code == 400
    r = await client.post("/login", data=data)
    assert r.status_code == 429 and "Too many requests; try again in" in r.text
    assert 'name="password"' in r.text and r.headers["retry-after"]  # the login form again, with the wait


async def test_a_lone_surrogate_is_a_400_with_a_message(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    headers = {"Authorization": f"Bearer {api_token(app, 'alice')}", "Content-Type": "application/json"}
    body = b'{"code": "x = 1\\ny = \\"\\ud800\\""}'
    r = await client.post("/api/v1/lessons/demo-add/submissions", content=body, headers=headers)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_unicode" and "U+D800" in error["message"] and "line 2" in error["message"]
    # Nothing was stored, and the server still serves the same learner.
    good = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": "1"}, headers=headers)
    assert good.status_code == 202 and good.json()["id"] == 1


@pytest.mark.parametrize("path", ["/api/v1/boom", "/boom"])
async def test_an_unexpected_exception_is_our_500_document(app: FastAPI, path: str) -> None:
    async def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_api_route(path, boom)
    # The default transport re-raises what reaches the server: nothing does (uvicorn would drop the
    # keep-alive connection after it).
    async with serve(app) as c:
        r = await c.get(path)
    assert r.status_code == 500
    if path.startswith("/api/"):
        assert r.json()["error"] == {
            "status": 500,
            "code": "server_error",
            "message": "Something went wrong on the server. Please try again.",
        }
    else:
        assert r.headers["content-type"].startswith("text/html") and "Error 500" in r.text
        assert "kaboom" not in r.text


async def test_unknown_routes_and_methods_are_documents(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await client.delete("/api/v1/lessons")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = await client.get("/nope")
    assert r.status_code == 404 and "Error 404" in r.text


async def test_error_page_survives_a_broken_template(app: FastAPI) -> None:
    """If error.html itself cannot render, the answer is still an HTML error page, not a crash."""

    class Broken:
        def get_template(self, name: str) -> None:
            raise RuntimeError("template store gone")

    async with serve(app) as c:
        app.state.templates.env.get_template = Broken().get_template  # type: ignore[method-assign]
        r = await c.get("/nope")
    assert r.status_code == 404 and "Error 404" in r.text and "<html" not in r.text


async def test_every_page_post_under_tight_limits_answers_a_document(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    """The issue's fuzz found 1,207 server errors, all rate-limited page POSTs: every non-htmx POST route
    of the site, signed in with a valid CSRF token, three times under limits of 1 a minute."""
    settings.submit_rate_per_minute = settings.run_rate_per_minute = settings.login_rate_per_minute = 1
    make_user(app, "root", Role.ADMIN)
    form = {"code": "x = 1", "name": "t", "role": "learner", "username": "root", "password": "correct horse"}
    form |= {"current_password": "nope", "new_password": "another phrase", "expires_in_days": "2"}
    # From the app's routers (page routes are, rightly, not in the OpenAPI document).
    routes = [r for top in app.routes for r in getattr(getattr(top, "original_router", None), "routes", [top])]
    posts = sorted(
        {r.path for r in routes if isinstance(r, APIRoute) and "POST" in r.methods and not r.path.startswith("/api/")}
    )
    assert len(posts) >= 10
    await login(client, "root")
    for path in sorted(posts):
        if path in ("/logout", "/account/logout-everywhere"):
            continue  # they end the session the other routes need (tested in test_accounts)
        url = path.replace("{lesson_id}", "demo-add")
        url = re.sub(r"\{\w+\}", "1", url)
        for _ in range(3):
            r = await client.post(url, data=form | {"csrf_token": await csrf(client)})
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
            if r.status_code >= 400:
                kind = r.headers["content-type"]
                assert kind.startswith(("text/html", "application/json")), (url, kind)
                assert f"Error {r.status_code}" in r.text or 'role="alert"' in r.text, (url, r.text[:300])


async def test_a_read_only_database_is_a_503_that_says_so(tmp_path: Path) -> None:
    """Issue 13: on a read-only database every write was a plain-text 500. Reads keep working."""
    from sqlalchemy import event

    settings = Settings(
        data_dir=tmp_path / "data", lesson_dirs=[LESSONS], database_url=f"sqlite:///{tmp_path / 'ro.db'}"
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app, "alice")
        headers = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
        await login(client)
        engine = app.state.engine
        engine.dispose()
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA query_only = ON"))
        r = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": "1"}, headers=headers)
        assert r.status_code == 503 and r.headers["retry-after"] == "60"
        assert (
            r.json()["error"]["code"] == "storage_unavailable" and "Nothing was saved" in r.json()["error"]["message"]
        )
        form = {"code": "1", "csrf_token": await csrf(client)}
        r = await client.post("/lessons/demo-add/submissions", data=form)
        assert r.status_code == 503 and "Error 503" in r.text and "read-only or full" in r.text
        assert (await client.get("/api/v1/lessons", headers=headers)).status_code == 200  # reads still work
