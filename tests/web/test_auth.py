from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app

from .conftest import BASE_URL, FakeProvider, csrf, login, make_user, serve


async def test_signup_logs_in_with_safe_cookie(client: httpx.AsyncClient) -> None:
    token = await csrf(client)
    r = await client.post("/signup", data={"username": "bob", "password": "longpassword", "csrf_token": token})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "jaxtutor_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = await client.get("/")
    assert "bob" in page.text and "Log out" in page.text


async def test_signup_rejects_bad_input_and_duplicates(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    token = await csrf(client)
    r = await client.post("/signup", data={"username": "alice", "password": "longpassword", "csrf_token": token})
    assert r.status_code == 400 and "taken" in r.text
    r = await client.post("/signup", data={"username": "x y", "password": "short", "csrf_token": token})
    assert r.status_code == 400


async def test_forms_need_the_csrf_token(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await csrf(client)
    r = await client.post("/login", data={"username": "alice", "password": "correct horse"})
    assert r.status_code == 403
    r = await client.post("/login", data={"username": "alice", "password": "correct horse", "csrf_token": "forged" * 4})
    assert r.status_code == 403


async def test_login_logout(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    token = await csrf(client)
    bad = await client.post("/login", data={"username": "alice", "password": "wrong-pass", "csrf_token": token})
    assert bad.status_code == 400 and "Wrong username or password" in bad.text
    await login(client)
    assert (await client.get("/playground")).status_code == 200
    # Signed in, the CSRF token is bound to the session: the anonymous one no longer passes.
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 403
    r = await client.post("/logout", data={"csrf_token": await csrf(client)})
    assert r.status_code == 303
    deletion = r.headers["set-cookie"]
    assert deletion.startswith("jaxtutor_session=;") and "Max-Age=0" in deletion
    assert "HttpOnly" in deletion and "Secure" in deletion and "SameSite=Lax" in deletion
    r = await client.get("/playground")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/playground")


async def test_login_redirect_is_local_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    token = await csrf(client)
    data = {
        "username": "alice",
        "password": "correct horse",
        "csrf_token": token,
        "next": "https://evil.example/",
    }
    r = await client.post("/login", data=data)
    assert r.headers["location"] == "/"


async def test_login_is_rate_limited(settings: Settings, provider: FakeProvider) -> None:
    settings.login_rate_per_minute = 2
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        token = await csrf(client)
        codes = [
            (await client.post("/login", data={"username": "a", "password": "b", "csrf_token": token})).status_code
            for _ in range(3)
        ]
        assert codes == [400, 400, 429]


async def test_signup_modes(settings: Settings, provider: FakeProvider) -> None:
    settings.signup_mode = "invite"
    settings.invite_code = "let-me-in"
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        token = await csrf(client)
        data = {
            "username": "carol",
            "password": "longpassword",
            "csrf_token": token,
            "invite_code": "nope",
        }
        assert (await client.post("/signup", data=data)).status_code == 403
        data["invite_code"] = "let-me-in"
        assert (await client.post("/signup", data=data)).status_code == 303
    settings.signup_mode = "closed"
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        token = await csrf(client)
        data = {"username": "dave", "password": "longpassword", "csrf_token": token}
        assert (await client.post("/signup", data=data)).status_code == 403


async def test_account_creates_api_token(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    r = await client.post("/account/tokens", data={"name": "laptop", "csrf_token": await csrf(client)})
    assert r.status_code == 200 and "jxt_" in r.text
    token = r.text.split("jxt_", 1)[1].split("<", 1)[0]
    fresh = httpx.AsyncClient(transport=client._transport, base_url=BASE_URL)
    async with fresh:
        me = await fresh.get("/api/v1/me/progress", headers={"Authorization": f"Bearer jxt_{token}"})
    assert me.status_code == 200


async def test_concurrent_signups_never_exhaust_the_connection_pool(
    settings: Settings, provider: FakeProvider, tmp_path: Path
) -> None:
    """Sign-up holds its session across the (threaded) password hashing: with more such requests than
    pooled connections, waiting for the pool would block the event loop (deadlock, then a 500)."""
    settings.database_url = f"sqlite:///{tmp_path / 'pool.db'}"
    settings.database_pool_size = 1
    app = create_app(settings, kernel_provider=provider)

    async def sign_up(i: int) -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
            token = await csrf(c)
            data = {"username": f"user{i}", "password": "longpassword", "csrf_token": token}
            return (await c.post("/signup", data=data)).status_code

    async with serve(app):
        codes = await asyncio.wait_for(asyncio.gather(*(sign_up(i) for i in range(8))), timeout=60)
    assert codes == [303] * 8
