"""Sessions and accounts: session-bound CSRF, one session per browser, log out everywhere, the password
policy, the last admin, and the same cookie flags on every Set-Cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.models import Role
from app.services import sessions, users
from app.services.passwords import common_passwords, password_problem

from .conftest import BASE_URL, LESSONS, FakeGrader, FakeProvider, api_token, csrf, login, make_user


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """As conftest's, on both backends: in-memory SQLite and a fresh PostgreSQL database."""
    return Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[LESSONS],
        database_url=database_url,
        poll_interval_ms=50,
    )


@pytest.fixture
async def second(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same (already started) app."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


async def test_csrf_token_is_bound_to_the_session(
    client: httpx.AsyncClient, second: httpx.AsyncClient, app: FastAPI
) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client, "alice")
    await login(second, "bob")
    alice_token, bob_token = await csrf(client), await csrf(second)
    assert alice_token != bob_token
    assert alice_token != client.cookies.get("__Host-jaxtutor_csrf")  # not the anonymous cookie
    headers = {"HX-Request": "true"}
    r = await client.post("/runs", data={"code": "1"}, headers=headers | {"X-CSRF-Token": bob_token})
    assert r.status_code == 403
    r = await client.post("/runs", data={"code": "1"}, headers=headers | {"X-CSRF-Token": alice_token})
    assert r.status_code == 200
    # A new login gives a new token; the old one stops working.
    await login(client, "alice")
    assert await csrf(client) != alice_token
    assert (await client.post("/logout", data={"csrf_token": alice_token})).status_code == 403


async def test_csrf_cookie_name_and_flags_follow_tls(tmp_path: Path) -> None:
    for secure, name in ((True, "__Host-jaxtutor_csrf"), (False, "jaxtutor_csrf")):
        settings = Settings(data_dir=tmp_path / str(secure), database_url="sqlite://", cookie_secure=secure)
        app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
        base = "https://testserver" if secure else "http://testserver"
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as c,
        ):
            cookie = (await c.get("/login")).headers["set-cookie"]
            assert cookie.startswith(name + "=") and "Path=/" in cookie and "Domain" not in cookie
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and ("Secure" in cookie) is secure


async def test_every_set_cookie_has_the_same_flags(client: httpx.AsyncClient, app: FastAPI) -> None:
    seen: list[str] = []
    token = await csrf(client)
    r = await client.post("/signup", data={"username": "carol", "password": "a fine passphrase", "csrf_token": token})
    seen += r.headers.get_list("set-cookie")
    r = await client.post("/logout", data={"csrf_token": await csrf(client)})
    seen += r.headers.get_list("set-cookie")
    await login(client, "carol", "a fine passphrase")
    r = await client.post("/account/logout-everywhere", data={"csrf_token": await csrf(client)})
    seen += r.headers.get_list("set-cookie")
    assert len(seen) >= 3
    for cookie in seen:
        assert all(flag in cookie for flag in ("Path=/", "HttpOnly", "SameSite=Lax", "Secure")), cookie


async def test_a_new_login_ends_the_browsers_earlier_session(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client, "alice")
    alice_cookie = client.cookies["jaxtutor_session"]
    await login(client, "bob")  # the same browser, another account
    assert client.cookies["jaxtutor_session"] != alice_cookie
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as stolen:
        stolen.cookies.set("jaxtutor_session", alice_cookie)
        assert (await stolen.get("/account")).status_code == 303  # alice's earlier session is gone


async def test_log_out_everywhere_page_and_api(
    client: httpx.AsyncClient, second: httpx.AsyncClient, app: FastAPI
) -> None:
    make_user(app, "alice")
    await login(client)
    await login(second)
    r = await client.post("/account/logout-everywhere", data={"csrf_token": await csrf(client)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert (await client.get("/account")).status_code == 303
    assert (await second.get("/account")).status_code == 303  # the other browser too
    await login(second)
    token = api_token(app, "alice")
    r = await client.post("/api/v1/me/logout-everywhere", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json() == {"ended": 1}
    assert (await second.get("/account")).status_code == 303
    # API tokens are not sessions: the token still works.
    assert (await client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"})).status_code == 200


def test_password_policy() -> None:
    assert len(common_passwords()) == 10_000
    assert password_problem("12345678", username="a", min_length=10) is not None  # too short
    for common in ("1234567890", "qwertyuiop", "password1", "iloveyou"):
        assert common in common_passwords()
        assert "common" in (password_problem(common, username="a", min_length=8) or "")
    assert "common" in (password_problem("QWERTYUIOP", username="a", min_length=10) or "")
    assert "username" in (password_problem("alice-the-admin", username="Alice-The-Admin", min_length=10) or "")
    assert password_problem("aaaaaaaaaaaa", username="a", min_length=10) is not None
    assert password_problem("correct horse battery", username="alice", min_length=10) is None


async def test_signup_refuses_short_and_common_passwords(client: httpx.AsyncClient) -> None:
    for password, why in (("password", "at least 10 characters"), ("1234567890", "most common passwords")):
        data = {"username": "dave", "password": password, "csrf_token": await csrf(client)}
        r = await client.post("/signup", data=data)
        assert r.status_code == 400 and why in r.text
    data = {"username": "dave", "password": "dave's own phrase", "csrf_token": await csrf(client)}
    assert (await client.post("/signup", data=data)).status_code == 303


async def test_the_last_admin_cannot_be_demoted(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "root", Role.ADMIN)
    await login(client, "root")
    r = await client.post("/admin/users/1/role", data={"role": "learner", "csrf_token": await csrf(client)})
    assert r.status_code == 409 and "last administrator" in r.text
    make_user(app, "second", Role.ADMIN)
    r = await client.post("/admin/users/1/role", data={"role": "learner", "csrf_token": await csrf(client)})
    assert r.status_code == 303
    with Session(app.state.engine) as session:
        second = users.get_user_by_username(session=session, username="second")
        assert second is not None
        with pytest.raises(users.LastAdminError):  # what deactivation must ask too
            users.ensure_not_last_admin(session=session, user=second)


async def test_changing_the_password_ends_other_sessions_and_tokens(
    client: httpx.AsyncClient, second: httpx.AsyncClient, app: FastAPI
) -> None:
    make_user(app, "alice")
    await login(client)
    await login(second)
    token = api_token(app, "alice")
    form = {"current_password": "wrong", "new_password": "a brand new phrase", "csrf_token": await csrf(client)}
    r = await client.post("/account/password", data=form)
    assert r.status_code == 400 and "current password is not right" in r.text
    form |= {"current_password": "correct horse", "new_password": "qwertyuiop"}
    assert "most common" in (await client.post("/account/password", data=form)).text
    form["new_password"] = "a brand new phrase"
    r = await client.post("/account/password", data=form)
    assert r.status_code == 200 and "2 other sign-in(s) and API token(s) ended" in r.text
    assert (await client.get("/account")).status_code == 200  # this browser stays signed in
    assert (await second.get("/account")).status_code == 303
    assert (await client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    await login(second, "alice", "a brand new phrase")


async def test_end_all_sessions_revokes_sessions_and_tokens(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client)
    token, bob_token = api_token(app, "alice"), api_token(app, "bob")
    with Session(app.state.engine) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None and alice.id is not None
        assert sessions.end_all_sessions(session=session, user_id=alice.id) == 2
    assert (await client.get("/account")).status_code == 303
    assert (await client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await client.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {bob_token}"})).status_code == 200
