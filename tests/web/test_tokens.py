"""API tokens: named, listed, revocable, expiring (default and maximum as settings), last use recorded;
in the account page, the JSON API and the CLI. Only hashes are stored."""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.cli import server_cmds, user_cmds
from app.config import Settings
from app.models import ApiToken, utcnow
from app.security import token_hash

from .conftest import LESSONS, api_token, csrf, login, make_user


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


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_api_tokens_lifecycle(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    boot = api_token(app, "alice")
    r = await client.post("/api/v1/me/tokens", json={"name": "laptop", "expires_in_days": 7}, headers=_bearer(boot))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "laptop" and created["token"].startswith("jxt_")
    days = (created["expires_at"][:10], (utcnow() + timedelta(days=7)).date().isoformat())
    assert days[0] == days[1]
    r = await client.post("/api/v1/me/tokens", json={"name": "x", "expires_in_days": 10_000}, headers=_bearer(boot))
    assert r.status_code == 422 and "365 days" in r.json()["error"]["message"]
    default = (await client.post("/api/v1/me/tokens", json={}, headers=_bearer(boot))).json()
    assert default["expires_at"][:10] == (utcnow() + timedelta(days=settings.api_token_default_days)).date().isoformat()

    assert (await client.get("/api/v1/lessons", headers=_bearer(created["token"]))).status_code == 200
    listed = (await client.get("/api/v1/me/tokens", headers=_bearer(boot))).json()
    assert {t["name"] for t in listed} == {"laptop", ""} and all("token" not in t for t in listed)
    laptop = next(t for t in listed if t["name"] == "laptop")
    assert laptop["last_used_at"] is not None  # its use above was recorded

    with Session(app.state.engine) as session:  # only the hash is stored
        rows = session.exec(select(ApiToken)).all()
        assert all(row.token_hash != created["token"] for row in rows)
        assert any(row.token_hash == token_hash(created["token"]) for row in rows)

    bob = api_token(app, "bob")
    assert (await client.delete(f"/api/v1/me/tokens/{created['id']}", headers=_bearer(bob))).status_code == 404
    assert (await client.delete(f"/api/v1/me/tokens/{created['id']}", headers=_bearer(boot))).status_code == 204
    r = await client.get("/api/v1/lessons", headers=_bearer(created["token"]))
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


async def test_an_expired_token_is_refused_and_deleted(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    token = api_token(app, "alice")
    with Session(app.state.engine) as session:
        row = session.exec(select(ApiToken)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert (await client.get("/api/v1/lessons", headers=_bearer(token))).status_code == 401
    with Session(app.state.engine) as session:
        assert session.exec(select(ApiToken)).first() is None


async def test_tokens_logout_does_not_end_them_but_revoking_does(client: httpx.AsyncClient, app: FastAPI) -> None:
    """Issue 13: tokens survived logout with no way to remove them. They still survive logout (they are
    not sessions), and the account page now lists and revokes them."""
    make_user(app, "alice")
    await login(client)
    r = await client.post(
        "/account/tokens", data={"name": "ci", "expires_in_days": "30", "csrf_token": await csrf(client)}
    )
    assert r.status_code == 200 and "shown only once" in r.text
    token = r.text.split('<pre class="token">')[1].split("</pre>")[0]
    page = (await client.get("/account")).text
    assert "<td>ci</td>" in page and "never" in page and token not in page
    await client.post("/logout", data={"csrf_token": await csrf(client)})
    assert (await client.get("/api/v1/lessons", headers=_bearer(token))).status_code == 200
    await login(client)
    page = (await client.get("/account")).text
    assert "<td>ci</td>" in page and "never" not in page  # the use was recorded
    token_id = page.split('action="/account/tokens/')[1].split("/revoke")[0]
    r = await client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": await csrf(client)})
    assert r.status_code == 303
    assert (await client.get("/api/v1/lessons", headers=_bearer(token))).status_code == 401
    assert "You have no API tokens" in (await client.get("/account")).text
    r = await client.post("/account/tokens", data={"expires_in_days": "999", "csrf_token": await csrf(client)})
    assert r.status_code == 422 and "between 1 and 365 days" in r.text


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    server_cmds.register(sub)
    user_cmds.register(sub)
    return parser.parse_args(argv)


def test_tokens_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))
    args = _parse(["users", "create", "ines", "--password-stdin"])
    assert args.handler(args) == 2
    assert "most common passwords" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("ines's long phrase\n"))
    assert args.handler(args) == 0
    capsys.readouterr()
    args = _parse(["tokens", "create", "ines", "--name", "laptop", "--expires-days", "3"])
    assert args.handler(args) == 0
    out = capsys.readouterr()
    assert out.out.startswith("jxt_") and "'laptop' expires" in out.err
    args = _parse(["tokens", "create", "ines", "--expires-days", "400"])
    assert args.handler(args) == 2
    capsys.readouterr()
    args = _parse(["tokens", "list", "ines", "--json"])
    assert args.handler(args) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in listed] == ["laptop"] and listed[0]["last_used_at"] is None
    args = _parse(["tokens", "list", "ines"])
    assert args.handler(args) == 0
    assert "laptop" in capsys.readouterr().out
    args = _parse(["tokens", "revoke", "ines", str(listed[0]["id"])])
    assert args.handler(args) == 0
    assert args.handler(args) == 1  # already gone
    args = _parse(["tokens", "list", "ines", "--json"])
    args.handler(args)
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == []


async def test_expired_credentials_are_deleted_when_new_ones_are_made(app: FastAPI, client: httpx.AsyncClient) -> None:
    from app.models import WebSession
    from app.services import tokens, users

    make_user(app, "alice")
    api_token(app, "alice")
    await login(client)
    with Session(app.state.engine) as session:
        for row in [*session.exec(select(ApiToken)).all(), *session.exec(select(WebSession)).all()]:
            row.expires_at = utcnow() - timedelta(days=1)
            session.add(row)
        session.commit()
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None
        tokens.create_web_session(session=session, user=alice, max_age_s=60)
        tokens.issue_api_token(session=session, user=alice, name="new", days=1)
        assert len(session.exec(select(WebSession)).all()) == 1
        assert [t.name for t in session.exec(select(ApiToken)).all()] == ["new"]
