"""Account administration: reset links (admin-issued and mailed through a real SMTP server on loopback),
password change, deactivation and reactivation, the sign-up policy, and the admin JSON API."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.models import ApiToken, PasswordReset, Role, User, WebSession, utcnow
from app.services import users

from .conftest import BASE_URL, FakeProvider, api_token, csrf, login, make_user, serve

RESET_LINK = re.compile(r"https://testserver/reset/[A-Za-z0-9_-]+")


def _user(app: FastAPI, username: str) -> User:
    with Session(app.state.engine) as session:
        user = users.get_user_by_username(session=session, username=username)
        assert user is not None
        return user


@asynccontextmanager
async def _admin_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    make_user(app, "root", Role.ADMIN, password="admin-password")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        await login(c, "root", "admin-password")
        yield c


async def _login_status(app: FastAPI, username: str, password: str) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        data = {"username": username, "password": password, "csrf_token": await csrf(c)}
        return (await c.post("/login", data=data)).status_code


async def test_admin_reset_link_works_once_and_only_its_hash_is_stored(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    async with _admin_client(app) as admin:
        alice = _user(app, "alice")
        page = await admin.post(f"/admin/users/{alice.id}/reset-link", data={"csrf_token": await csrf(admin)})
    assert page.status_code == 200
    link = RESET_LINK.search(page.text)
    assert link is not None, page.text
    secret = link.group(0).rsplit("/", 1)[1]
    with Session(app.state.engine) as session:
        rows = session.exec(select(PasswordReset)).all()
        assert len(rows) == 1 and rows[0].token_hash != secret and secret not in repr(rows[0].model_dump())

    path = link.group(0).removeprefix("https://testserver")
    form = await client.get(path)
    assert form.status_code == 200 and "alice" in form.text
    token = await csrf(client)
    short = await client.post(path, data={"new_password": "short", "csrf_token": token})
    assert short.status_code == 400 and "at least 10" in short.text
    done = await client.post(path, data={"new_password": "brand-new-password", "csrf_token": token})
    assert done.status_code == 200 and "is changed" in done.text
    assert await _login_status(app, "alice", "brand-new-password") == 303
    assert await _login_status(app, "alice", "correct horse") == 400
    again = await client.post(path, data={"new_password": "another-password", "csrf_token": token})
    assert again.status_code == 400 and "already used" in again.text


async def test_expired_and_forged_reset_links_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    from app.services import accounts

    with Session(app.state.engine) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None
        token = accounts.issue_reset_link(session=session, user=alice, ttl_s=600)
        row = session.exec(select(PasswordReset)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    r = await client.get(f"/reset/{token}")
    assert r.status_code == 400 and "expired" in r.text
    r = await client.get("/reset/forged-token")
    assert r.status_code == 400 and "not valid" in r.text
    data = {"new_password": "brand-new-password", "csrf_token": await csrf(client)}
    r = await client.post(f"/reset/{token}", data=data)
    assert r.status_code == 400
    assert await _login_status(app, "alice", "correct horse") == 303


async def test_password_change_needs_the_old_password_and_ends_other_sessions(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    make_user(app, "alice")
    await login(client)
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
    async with other:
        await login(other)
        token = await csrf(client)
        data = {"current_password": "nope-nope", "new_password": "new-password-1", "csrf_token": token}
        wrong = await client.post("/account/password", data=data)
        assert wrong.status_code == 400 and "current password is not right" in wrong.text
        ok = await client.post(
            "/account/password",
            data={"current_password": "correct horse", "new_password": "new-password-1", "csrf_token": token},
        )
        assert ok.status_code == 200 and "Password changed" in ok.text
        assert (await client.get("/account")).status_code == 200  # this session stays
        assert (await other.get("/account")).status_code == 303  # the other one is logged out
    assert await _login_status(app, "alice", "new-password-1") == 303
    assert await _login_status(app, "alice", "correct horse") == 400


async def test_deactivation_ends_sessions_and_tokens_and_blocks_logins(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    bearer = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    assert (await client.get("/api/v1/me/progress", headers=bearer)).status_code == 200
    async with _admin_client(app) as admin:
        alice = _user(app, "alice")
        r = await admin.post(f"/admin/users/{alice.id}/deactivate", data={"csrf_token": await csrf(admin)})
        assert r.status_code == 303
        page = await admin.get("/admin")
        assert "deactivated" in page.text and "Reactivate alice" in page.text
        with Session(app.state.engine) as session:
            assert session.exec(select(WebSession).where(WebSession.user_id == alice.id)).all() == []
            assert session.exec(select(ApiToken).where(ApiToken.user_id == alice.id)).all() == []
        assert (await client.get("/account")).status_code == 303
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as fresh:
            assert (await fresh.get("/api/v1/me/progress", headers=bearer)).status_code == 401
        assert await _login_status(app, "alice", "correct horse") == 400
        link = await admin.post(f"/admin/users/{alice.id}/reset-link", data={"csrf_token": await csrf(admin)})
        assert link.status_code == 409 and "deactivated" in link.text
        root = _user(app, "root")
        own = await admin.post(f"/admin/users/{root.id}/deactivate", data={"csrf_token": await csrf(admin)})
        assert own.status_code == 409
        r = await admin.post(f"/admin/users/{alice.id}/reactivate", data={"csrf_token": await csrf(admin)})
        assert r.status_code == 303
    assert await _login_status(app, "alice", "correct horse") == 303


async def test_admin_json_api(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "root", Role.ADMIN, password="admin-password")
    make_user(app, "lea")
    h = {"Authorization": f"Bearer {api_token(app, 'root')}"}
    learner = {"Authorization": f"Bearer {api_token(app, 'lea')}"}
    assert (await client.get("/api/v1/admin/users", headers=learner)).status_code == 403
    r = await client.post(
        "/api/v1/admin/users", headers=h, json={"username": "ines", "role": "instructor", "email": "Ines@Example.org"}
    )
    assert r.status_code == 201, r.text
    ines = r.json()
    assert ines["email"] == "ines@example.org" and ines["role"] == "instructor" and ines["is_active"]
    dup = await client.post("/api/v1/admin/users", headers=h, json={"username": "other", "email": "ines@example.org"})
    assert dup.status_code == 409 and "already used" in dup.json()["error"]["message"]
    bad = await client.post("/api/v1/admin/users", headers=h, json={"username": "x y"})
    assert bad.status_code == 422
    listed = (await client.get("/api/v1/admin/users", headers=h)).json()
    assert {u["username"] for u in listed} == {"root", "lea", "ines"}
    r = await client.post(f"/api/v1/admin/users/{ines['id']}/role", headers=h, json={"role": "admin"})
    assert r.json()["role"] == "admin"
    # ines has no password yet: a reset link is how she gets one.
    r = await client.post(f"/api/v1/admin/users/{ines['id']}/reset-link", headers=h)
    assert r.status_code == 201 and r.json()["url"].startswith("https://testserver/reset/")
    path = r.json()["url"].removeprefix("https://testserver")
    done = await client.post(path, data={"new_password": "ines-password", "csrf_token": await csrf(client)})
    assert done.status_code == 200
    assert await _login_status(app, "ines", "ines-password") == 303
    lea_id = _user(app, "lea").id
    r = await client.post(f"/api/v1/admin/users/{lea_id}/deactivate", headers=h)
    assert r.json()["is_active"] is False
    assert (await client.get("/api/v1/me/progress", headers=learner)).status_code == 401
    r = await client.post(f"/api/v1/admin/users/{lea_id}/reactivate", headers=h)
    assert r.json()["is_active"] is True
    assert (await client.post("/api/v1/admin/users/999/deactivate", headers=h)).status_code == 404


async def test_api_password_change(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    h = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    r = await client.post("/api/v1/me/password", headers=h, json={"old_password": "bad", "new_password": "new-pass-1"})
    assert r.status_code == 400
    r = await client.post("/api/v1/me/password", headers=h, json={"old_password": "correct horse", "new_password": "x"})
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/me/password", headers=h, json={"old_password": "correct horse", "new_password": "new-pass-1"}
    )
    assert r.status_code == 204
    assert await _login_status(app, "alice", "new-pass-1") == 303


async def test_signup_policy_sso_only_and_local_accounts_off(settings: Settings, provider: FakeProvider) -> None:
    settings.signup_mode = "sso-only"
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        make_user(app, "alice")
        data = {"username": "carol", "password": "longpassword", "csrf_token": await csrf(client)}
        r = await client.post("/signup", data=data)
        assert r.status_code == 403 and "single sign-on" in r.text
        assert "Sign up" not in (await client.get("/login")).text
        assert await _login_status(app, "alice", "correct horse") == 303  # passwords still work
    settings.signup_mode = "open"
    settings.local_accounts = False
    app = create_app(settings, kernel_provider=provider)  # the same database file: alice exists already
    async with serve(app) as client:
        page = await client.get("/login")
        assert 'name="password"' not in page.text and "Sign up" not in page.text
        assert await _login_status(app, "alice", "correct horse") == 403
        data = {"username": "carol", "password": "longpassword", "csrf_token": await csrf(client)}
        assert (await client.post("/signup", data=data)).status_code == 403


# --- self-service reset through a real SMTP server (aiosmtpd) on loopback --------------------------------
class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


async def test_self_service_reset_by_mail(
    settings: Settings, provider: FakeProvider, smtp_server: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp_server
    settings.smtp_host, settings.smtp_port, settings.smtp_tls = "127.0.0.1", port, "none"
    settings.smtp_from = "jaxtutor <tutor@example.org>"
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "bob")  # no e-mail address: nothing can be sent
        r = await client.post("/account/email", data={"email": "x"})
        assert r.status_code == 403  # no CSRF token
        await login(client)
        token = await csrf(client)  # bound to the session: read after logging in
        r = await client.post("/account/email", data={"email": "not-an-address", "csrf_token": token})
        assert r.status_code == 400 and "not an e-mail address" in r.text
        r = await client.post("/account/email", data={"email": "Alice@Example.org", "csrf_token": token})
        assert r.status_code == 200 and "alice@example.org" in r.text
        await client.post("/logout", data={"csrf_token": token})
        token = await csrf(client)  # signed out: the browser's own token again

        assert "Forgot your password?" in (await client.get("/login")).text
        for who in ("bob", "nobody"):
            r = await client.post("/reset", data={"login": who, "csrf_token": token})
            assert r.status_code == 200 and "If an account" in r.text
        assert inbox.messages == []
        r = await client.post("/reset", data={"login": "ALICE@example.org", "csrf_token": token})
        assert r.status_code == 200 and "If an account" in r.text
        assert len(inbox.messages) == 1
        mail = inbox.messages[0]
        assert mail["To"] == "alice@example.org" and "tutor@example.org" in mail["From"]
        link = RESET_LINK.search(mail.get_payload(decode=True).decode())
        assert link is not None
        path = link.group(0).removeprefix("https://testserver")
        done = await client.post(path, data={"new_password": "mailed-password", "csrf_token": token})
        assert done.status_code == 200
        assert await _login_status(app, "alice", "mailed-password") == 303


async def test_reset_mail_with_the_smtp_server_down_says_so(settings: Settings, provider: FakeProvider) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = int(s.getsockname()[1])
    settings.smtp_host, settings.smtp_port, settings.smtp_tls = "127.0.0.1", closed_port, "none"
    settings.smtp_from = "tutor@example.org"
    settings.smtp_timeout_s = 5
    app = create_app(settings, kernel_provider=provider)
    async with serve(app) as client:
        make_user(app, "alice")
        with Session(app.state.engine) as session:
            from app.services import accounts

            alice = users.get_user_by_username(session=session, username="alice")
            assert alice is not None
            accounts.set_email(session=session, user=alice, email="alice@example.org")
        r = await client.post("/reset", data={"login": "alice", "csrf_token": await csrf(client)})
        assert r.status_code == 503 and "not answering" in r.text


async def test_reset_without_smtp_points_to_an_admin(client: httpx.AsyncClient) -> None:
    page = await client.get("/reset")
    assert "Ask an administrator" in page.text
    assert "Forgot your password?" not in (await client.get("/login")).text
    r = await client.post("/reset", data={"login": "alice", "csrf_token": await csrf(client)})
    assert r.status_code == 403


async def test_signup_refuses_usernames_outside_the_allowed_characters(client: httpx.AsyncClient) -> None:
    data = {"username": "x y", "password": "longpassword", "csrf_token": await csrf(client)}
    r = await client.post("/signup", data=data)
    assert r.status_code == 400 and "username" in r.text
