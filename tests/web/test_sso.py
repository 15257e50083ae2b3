"""Single sign-on against a real OpenID provider (oidc-provider on loopback), in process: the start of the
flow (PKCE, state, nonce), the provider's pages driven over HTTP, and every refusal with its own page.
The browser version of the flow is tests/web/test_sso_browser.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.config import Settings, SsoProvider
from app.main import create_app
from app.models import Role, User, UserIdentity
from app.services import accounts, users

from .conftest import FakeProvider, api_token, csrf, make_user, serve
from .oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider, free_port, sign_in_at_provider, skip_reason

pytestmark = pytest.mark.slow

if skip_reason():
    pytest.skip(skip_reason() or "", allow_module_level=True)

NAMES = ("idp", "skewed", "mixup", "down", "strict", "other")
CALLBACKS = [f"https://testserver/sso/{name}/callback" for name in NAMES]


@pytest.fixture(scope="module")
def idp() -> Iterator[OidcProvider]:
    with OidcProvider.start(redirect_uris=CALLBACKS) as provider:
        yield provider


@pytest.fixture(scope="module")
def skewed_idp() -> Iterator[OidcProvider]:
    """Its clock is two hours slow: the ID tokens it issues expired an hour ago."""
    with OidcProvider.start(redirect_uris=CALLBACKS, clock_skew_s=-7200) as provider:
        yield provider


@pytest.fixture(scope="module")
def mixup_idp() -> Iterator[OidcProvider]:
    """Announces http://localhost:<port> while jaxtutor is configured with http://127.0.0.1:<port>."""
    port = free_port()
    with OidcProvider.start(redirect_uris=CALLBACKS, issuer=f"http://localhost:{port}", port=port) as provider:
        yield provider


def _provider(name: str, issuer: str, **kw: object) -> SsoProvider:
    return SsoProvider.model_validate(
        {
            "name": name,
            "display_name": name.title(),
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": ["openid", "email", "profile", "groups"],
            **kw,
        }
    )


@pytest.fixture(scope="module")
def other_idp() -> Iterator[OidcProvider]:
    """A second, independent provider (another issuer) whose users have the same addresses."""
    with OidcProvider.start(redirect_uris=CALLBACKS) as provider:
        yield provider


@pytest.fixture
def sso_settings(
    settings: Settings,
    idp: OidcProvider,
    skewed_idp: OidcProvider,
    mixup_idp: OidcProvider,
    other_idp: OidcProvider,
) -> Settings:
    settings.sso_providers = [
        _provider(
            "idp",
            idp.issuer,
            allowed_email_domains=["example.org"],
            role_claim="groups",
            role_map={"staff": "instructor"},
        ),
        _provider("skewed", skewed_idp.issuer),
        _provider("mixup", f"http://127.0.0.1:{mixup_idp.port}"),
        _provider("down", f"http://127.0.0.1:{free_port()}"),
        _provider("strict", idp.issuer, allowed_groups=["admins"]),
        _provider("other", other_idp.issuer),
    ]
    settings.sso_http_timeout_s = 5
    return settings


@pytest.fixture
def sso_app(sso_settings: Settings, provider: FakeProvider) -> FastAPI:
    return create_app(sso_settings, kernel_provider=provider)


@pytest.fixture
async def web(sso_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(sso_app) as c:
        yield c


async def _sso(web: httpx.AsyncClient, name: str, login: str, next_url: str = "/") -> httpx.Response:
    """Start at jaxtutor, sign in at the provider, come back to the callback; the callback's response."""
    start = await web.get(f"/sso/{name}/login", params={"next": next_url})
    assert start.status_code == 303, start.text
    callback = await sign_in_at_provider(start.headers["location"], login)
    assert callback.startswith(f"https://testserver/sso/{name}/callback"), callback
    return await web.get(callback)


def _users(app: FastAPI) -> list[User]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(User).order_by(User.id)))


async def test_the_start_asks_for_a_code_with_pkce_state_and_nonce(web: httpx.AsyncClient, idp: OidcProvider) -> None:
    r = await web.get("/sso/idp/login", params={"next": "/playground"})
    assert r.status_code == 303
    url = urlparse(r.headers["location"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{idp.issuer}/auth"
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and q["state"] != q["nonce"]
    assert q["redirect_uri"] == "https://testserver/sso/idp/callback"
    cookie = r.headers["set-cookie"]
    assert f"jaxtutor_sso_state={q['state']}" in cookie and "HttpOnly" in cookie and "Path=/sso/" in cookie


async def test_full_code_flow_creates_the_user_just_in_time_then_links_by_subject(
    web: httpx.AsyncClient, sso_app: FastAPI
) -> None:
    r = await _sso(web, "idp", "staff.ines", next_url="/playground")
    assert r.status_code == 303 and r.headers["location"] == "/playground"
    assert "jaxtutor_sso_state=" in r.headers.get("set-cookie", "")  # deleted
    page = await web.get("/account")
    assert page.status_code == 200 and "staff.ines" in page.text
    (ines,) = _users(sso_app)
    assert ines.email == "staff.ines@example.org" and ines.role == Role.INSTRUCTOR.value  # role_map: staff
    assert ines.password_hash == ""
    with Session(sso_app.state.engine) as session:
        identity = session.exec(select(UserIdentity)).one()
        assert (identity.subject, identity.user_id, identity.provider) == ("staff.ines", ines.id, "idp")
    # A second login finds the same account; a password cannot log into it.
    await web.post("/logout", data={"csrf_token": await csrf(web)})
    r = await _sso(web, "idp", "staff.ines")
    assert r.status_code == 303 and len(_users(sso_app)) == 1
    data = {"username": "staff.ines", "password": "", "csrf_token": await csrf(web)}
    assert (await web.post("/login", data=data)).status_code in (400, 422)


async def test_a_state_is_single_use_and_bound_to_the_browser(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    start = await web.get("/sso/idp/login")
    callback = await sign_in_at_provider(start.headers["location"], "lea")
    forged = callback.replace("state=", "state=forged")
    r = await web.get(forged)
    assert (
        r.status_code == 400 and "This sign-on link is not valid" in r.text and 'data-sso-error="bad_state"' in r.text
    )
    # The cookie was cleared with the refusal; a second browser without the cookie is refused too.
    async with httpx.AsyncClient(transport=web._transport, base_url="https://testserver") as other:
        r = await other.get(callback)
        assert r.status_code == 400 and "bad_state" in r.text
    assert _users(sso_app) == []


async def test_a_used_state_is_refused(web: httpx.AsyncClient) -> None:
    start = await web.get("/sso/idp/login")
    state_cookie = web.cookies.get("jaxtutor_sso_state")
    callback = await sign_in_at_provider(start.headers["location"], "lea")
    assert (await web.get(callback)).status_code == 303
    web.cookies.set("jaxtutor_sso_state", state_cookie or "", path="/sso/")
    r = await web.get(callback)
    assert r.status_code == 400 and "already used" in r.text


async def test_an_expired_id_token_gets_its_page(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    r = await _sso(web, "skewed", "lea")
    assert r.status_code == 400 and "The sign-on token has expired" in r.text
    assert _users(sso_app) == []


async def test_a_provider_naming_another_issuer_gets_its_page(web: httpx.AsyncClient) -> None:
    r = await web.get("/sso/mixup/login")
    assert r.status_code == 502 and "wrong issuer" in r.text and "localhost" in r.text


async def test_a_provider_that_is_down_gets_its_page(web: httpx.AsyncClient) -> None:
    r = await web.get("/sso/down/login")
    assert r.status_code == 503 and "not answering" in r.text
    assert (await web.get("/sso/nope/login")).status_code == 404


async def test_disallowed_domain_and_groups_get_their_page(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    r = await _sso(web, "idp", "eve@evil.test")
    assert r.status_code == 403 and "may not use this server" in r.text and "example.org" in r.text
    r = await _sso(web, "strict", "lea")
    assert r.status_code == 403 and "none of the groups" in r.text
    assert _users(sso_app) == []


async def test_an_address_used_by_a_local_account_is_never_taken_over(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    make_user(sso_app, "alice")
    with Session(sso_app.state.engine) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None
        accounts.set_email(session=session, user=alice, email="alice@example.org")
    r = await _sso(web, "idp", "alice")
    assert r.status_code == 409 and "already uses alice@example.org" in r.text
    with Session(sso_app.state.engine) as session:
        assert session.exec(select(UserIdentity)).all() == []
    assert (await web.get("/account")).status_code == 303  # not logged in as alice


async def test_the_same_address_from_a_second_provider_is_refused(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    assert (await _sso(web, "idp", "dana")).status_code == 303
    await web.post("/logout", data={"csrf_token": await csrf(web)})
    r = await _sso(web, "other", "dana")
    assert r.status_code == 409 and "already uses dana@example.org" in r.text and "another sign-on provider" in r.text
    assert len(_users(sso_app)) == 1
    with Session(sso_app.state.engine) as session:
        assert len(session.exec(select(UserIdentity)).all()) == 1


async def test_deactivated_users_cannot_sign_on(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    assert (await _sso(web, "idp", "lea")).status_code == 303
    with Session(sso_app.state.engine) as session:
        lea = users.get_user_by_username(session=session, username="lea")
        assert lea is not None
        accounts.deactivate(session=session, user=lea)
    assert (await web.get("/account")).status_code == 303  # the session ended
    r = await _sso(web, "idp", "lea")
    assert r.status_code == 403 and "deactivated" in r.text


async def test_closed_signup_only_lets_linked_accounts_in(sso_settings: Settings, provider: FakeProvider) -> None:
    sso_settings.signup_mode = "closed"
    app = create_app(sso_settings, kernel_provider=provider)
    async with serve(app) as web:
        r = await _sso(web, "idp", "newcomer")
        assert r.status_code == 403 and "There is no account for you here" in r.text


async def test_login_page_shows_only_sso_buttons_when_local_accounts_are_off(
    sso_settings: Settings, provider: FakeProvider
) -> None:
    sso_settings.local_accounts = False
    app = create_app(sso_settings, kernel_provider=provider)
    async with serve(app) as web:
        page = (await web.get("/login?next=/playground")).text
        assert "Log in with Idp" in page and 'href="/sso/idp/login?next=/playground"' in page
        assert 'name="password"' not in page


async def test_starting_logins_is_rate_limited(sso_settings: Settings, provider: FakeProvider) -> None:
    sso_settings.login_rate_per_minute = 2
    app = create_app(sso_settings, kernel_provider=provider)
    async with serve(app) as web:
        codes = [(await web.get("/sso/idp/login")).status_code for _ in range(3)]
    assert codes == [303, 303, 429]


async def test_members_of_a_cohorts_sso_group_join_it_at_login(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    from app.services import cohorts

    make_user(sso_app, "ines", Role.INSTRUCTOR)
    with Session(sso_app.state.engine, expire_on_commit=False) as session:
        ines = users.get_user_by_username(session=session, username="ines")
        assert ines is not None
        staff = cohorts.create_cohort(session=session, name="Staff onboarding", creator=ines)
        cohorts.set_sso_group(session=session, cohort=staff, group="staff")
        other = cohorts.create_cohort(session=session, name="Admins only", creator=ines)
        cohorts.set_sso_group(session=session, cohort=other, group="admins")
    assert (await _sso(web, "idp", "staff.sam")).status_code == 303
    r = await web.get("/api/v1/cohorts", headers={"X-CSRF-Token": await csrf(web)})
    assert [c["name"] for c in r.json()] == ["Staff onboarding"]
    assert (await _sso(web, "idp", "lea")).status_code == 303  # in 'learners' only
    assert (await web.get("/api/v1/cohorts")).json() == []


async def test_an_admin_links_a_password_account_to_single_sign_on(web: httpx.AsyncClient, sso_app: FastAPI) -> None:
    make_user(sso_app, "root", Role.ADMIN, password="admin-password")
    make_user(sso_app, "alice")
    with Session(sso_app.state.engine) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None
        alice_id = alice.id
    h = {"Authorization": f"Bearer {api_token(sso_app, 'root')}"}
    r = await web.post(f"/api/v1/admin/users/{alice_id}/sso-link", headers=h, json={"provider": "idp"})
    assert r.status_code == 409 and "no e-mail address" in r.json()["error"]["message"]
    with Session(sso_app.state.engine) as session:
        alice = session.get(User, alice_id)
        assert alice is not None
        accounts.set_email(session=session, user=alice, email="alice@example.org")
    r = await web.post(f"/api/v1/admin/users/{alice_id}/sso-link", headers=h, json={"provider": "nope"})
    assert r.status_code == 422
    r = await _sso(web, "other", "alice")  # only the provider the admin named may link
    assert r.status_code == 409 and "jaxtutor users link-sso USERNAME other" in r.text
    r = await web.post(f"/api/v1/admin/users/{alice_id}/sso-link", headers=h, json={"provider": "idp"})
    assert r.status_code == 200
    r = await _sso(web, "idp", "alice")
    assert r.status_code == 303
    page = await web.get("/account")
    assert "<h1>alice</h1>" in page.text
    await web.post("/logout", data={"csrf_token": await csrf(web)})
    assert (await _sso(web, "idp", "alice")).status_code == 303  # linked by (issuer, sub) from now on
    with Session(sso_app.state.engine) as session:
        alice = session.get(User, alice_id)
        assert alice is not None and alice.sso_link_provider is None
        (identity,) = session.exec(select(UserIdentity)).all()
        assert identity.user_id == alice_id
    assert len(_users(sso_app)) == 2  # root and alice: no second account
