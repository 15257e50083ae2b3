"""LTI 1.3, first part: platform registrations (service on SQLite and PostgreSQL through migration 0009, and
the CLI with --json) and this tool's key set: generated once, stored owner-only in the data directory, only
its public half served at /lti/jwks."""

from __future__ import annotations

import argparse
import json
import stat
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import Engine
from sqlmodel import Session

from app.cli import lti_cmds
from app.models import Role
from app.services import lti

from .conftest import csrf, login, make_user

PLATFORM = {
    "issuer": "https://lms.example.edu",
    "client_id": "10000000000042",
    "deployment_id": "1:abc",
    "auth_login_url": "https://lms.example.edu/api/lti/authorize_redirect",
    "token_url": "https://lms.example.edu/login/oauth2/token",
    "jwks_url": "https://lms.example.edu/api/lti/security/jwks",
}


def test_platform_registration_and_its_refusals(engine: Engine) -> None:
    with Session(engine) as session:
        p = lti.add_platform(session=session, **PLATFORM)
        assert p.id is not None and lti.platform_dict(p) == {"id": p.id, **PLATFORM}
        with pytest.raises(lti.LtiError, match="already registered"):
            lti.add_platform(session=session, **PLATFORM)
        other = lti.add_platform(session=session, **(PLATFORM | {"deployment_id": "2:def"}))
        assert [x.id for x in lti.platforms(session=session)] == [p.id, other.id]
        for field, value, message in (
            ("token_url", "http://lms.example.edu/token", "must use https"),
            ("jwks_url", "ftp://lms.example.edu/jwks", "https:// URL"),
            ("issuer", "not a url", "https:// URL"),
            ("client_id", "   ", "1 to 255"),
        ):
            with pytest.raises(lti.LtiError, match=message):
                lti.add_platform(session=session, **(PLATFORM | {field: value, "deployment_id": "3"}))
        # A test platform on loopback may use plain http.
        lti.add_platform(session=session, **(PLATFORM | {"issuer": "http://127.0.0.1:8123", "deployment_id": "4"}))


def test_cli_add_platform_and_list_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    lti_cmds.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, object]:
        args = parser.parse_args(list(argv))
        code = args.handler(args)
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None

    flags = [f"--{k.replace('_', '-')}={v}" for k, v in PLATFORM.items()]
    code, created = run("lti", "add-platform", *flags, "--json")
    assert code == 0 and isinstance(created, dict) and created["client_id"] == PLATFORM["client_id"]
    code, err = run("lti", "add-platform", *flags, "--json")
    assert code == 2 and isinstance(err, dict) and "already registered" in err["error"]
    code, listed = run("lti", "list", "--json")
    assert code == 0 and listed == [created]


async def test_tool_jwks_serves_the_public_key_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    r = await client.get("/lti/jwks")
    assert r.status_code == 200
    body = r.json()
    (key,) = body["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"} and key["alg"] == "RS256"  # no d, p, q, dp, dq, qi
    data_dir = app.state.settings.data_dir
    path = lti.key_path(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in path.read_text()
    # The same key on every call and after a restart (it is read back, never replaced)...
    assert (await client.get("/lti/jwks")).json() == body and lti.public_jwks(data_dir) == body
    # ...and what the private key signs verifies against the published set.
    token = jwt.encode({"alg": "RS256", "kid": key["kid"]}, {"iss": "jaxtutor"}, lti.tool_key(data_dir))
    assert jwt.decode(token, KeySet.import_key_set(body)).claims == {"iss": "jaxtutor"}


async def test_admin_page_registers_a_platform(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "root", Role.ADMIN)
    make_user(app, "ines", Role.INSTRUCTOR)
    await login(client, "ines")
    token = await csrf(client)
    assert (await client.post("/admin/lti/platforms", data=PLATFORM | {"csrf_token": token})).status_code == 403
    await login(client, "root")
    token = await csrf(client)
    bad = await client.post(
        "/admin/lti/platforms", data=PLATFORM | {"token_url": "http://lms.example.edu/t", "csrf_token": token}
    )
    assert bad.status_code == 400 and "must use https" in bad.text
    assert 'value="http://lms.example.edu/t"' in bad.text and f'value="{PLATFORM["client_id"]}"' in bad.text
    r = await client.post("/admin/lti/platforms", data=PLATFORM | {"csrf_token": token})
    assert r.status_code == 303
    page = await client.get("/admin")
    assert PLATFORM["deployment_id"] in page.text and "/lti/jwks</code>" in page.text
    again = await client.post("/admin/lti/platforms", data=PLATFORM | {"csrf_token": token})
    assert again.status_code == 400 and "already registered" in again.text
    # Without the CSRF token nothing is registered.
    assert (await client.post("/admin/lti/platforms", data=PLATFORM | {"deployment_id": "9"})).status_code == 403
