"""Single sign-on in Debian's Chromium (Playwright): a real ``jaxtutor serve`` with local accounts off, and
real OpenID providers (oidc-provider on loopback). The authorization-code flow with PKCE from the login
page's button to a logged-in instructor, then each refusal with its own page: a state from another browser,
an expired ID token, a provider announcing the wrong issuer, a disallowed domain, a provider that is down.
Screenshots go to ``test-artifacts/browser/sso-*.png``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from . import browser_support
from .browser_support import ARTIFACTS, LiveServer, playwright_sync, serve_live
from .conftest import LESSONS, make_short_dir
from .oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider, free_port, sign_in_at_provider, skip_reason

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(400)]

if skip_reason():
    pytest.skip(skip_reason() or "", allow_module_level=True)
browser = browser_support.browser  # the module-scoped Chromium


@pytest.fixture(scope="module")
def site(sandbox_ready: bool) -> Iterator[LiveServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    callbacks = [f"{url}/sso/{name}/callback" for name in ("idp", "skewed", "mixup")]
    mixup_port = free_port()
    with (
        OidcProvider.start(redirect_uris=callbacks) as idp,
        OidcProvider.start(redirect_uris=callbacks, clock_skew_s=-7200) as skewed,
        OidcProvider.start(redirect_uris=callbacks, issuer=f"http://localhost:{mixup_port}", port=mixup_port),
    ):
        common = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": ["openid", "email", "groups"]}
        providers = [
            {
                "name": "idp",
                "display_name": "Test IdP",
                "issuer": idp.issuer,
                "allowed_email_domains": ["example.org"],
                "role_claim": "groups",
                "role_map": {"staff": "instructor"},
                **common,
            },
            {"name": "skewed", "display_name": "Slow Clock IdP", "issuer": skewed.issuer, **common},
            {"name": "mixup", "display_name": "Mix-up IdP", "issuer": f"http://127.0.0.1:{mixup_port}", **common},
            {"name": "down", "display_name": "Down IdP", "issuer": f"http://127.0.0.1:{free_port()}", **common},
        ]
        with serve_live(
            sandbox_ready,
            [LESSONS],
            root=make_short_dir("jts"),
            log_name="sso-server.log",
            port=port,
            overrides={
                "JAXTUTOR_POOL_WARM_KERNELS": "0",
                "JAXTUTOR_LOCAL_ACCOUNTS": "false",
                "JAXTUTOR_SIGNUP_MODE": "sso-only",
                "JAXTUTOR_SSO_PROVIDERS": json.dumps(providers),
                "JAXTUTOR_SSO_HTTP_TIMEOUT_S": "5",
                "JAXTUTOR_LOGIN_RATE_PER_MINUTE": "1000",  # every login here comes from 127.0.0.1
            },
        ) as server:
            yield server


def _page(browser: Any) -> Any:
    page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    page.set_default_timeout(60_000)
    return page


def _sign_in_at_provider(page: Any, login: str) -> None:
    """The provider's development pages: any login and password, then the consent."""
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _error_kind(page: Any) -> str:
    return str(page.locator("[data-sso-error]").get_attribute("data-sso-error"))


def test_code_flow_with_pkce_logs_in_an_instructor(site: LiveServer, browser: Any) -> None:
    expect = playwright_sync.expect
    page = _page(browser)
    auth_requests: list[str] = []
    page.on("request", lambda r: auth_requests.append(r.url) if "/auth?" in r.url else None)
    page.goto(site.url + "/login?next=/playground")
    for label in ("Test IdP", "Slow Clock IdP", "Mix-up IdP", "Down IdP"):
        expect(page.get_by_role("link", name=f"Log in with {label}")).to_be_visible()
    assert page.locator('input[name="password"]').count() == 0  # local accounts are off
    assert page.get_by_role("link", name="Sign up").count() == 0
    page.screenshot(path=str(ARTIFACTS / "sso-01-login.png"))
    page.get_by_role("link", name="Log in with Test IdP").click()
    expect(page.locator('input[name="login"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "sso-02-provider.png"))
    _sign_in_at_provider(page, "staff.ines")
    expect(page.get_by_role("link", name="staff.ines")).to_be_visible()
    assert urlparse(page.url).path == "/playground"
    expect(page.get_by_role("link", name="Instructor")).to_be_visible()  # role_map: group staff
    page.screenshot(path=str(ARTIFACTS / "sso-03-logged-in.png"))
    (auth,) = auth_requests
    q = {k: v[0] for k, v in parse_qs(urlparse(auth).query).items()}
    assert q["code_challenge_method"] == "S256" and q["code_challenge"] and q["state"] and q["nonce"]
    listed = site.cli("users", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (ines,) = json.loads(listed.stdout)
    assert (ines["username"], ines["role"], ines["email"]) == ("staff.ines", "instructor", "staff.ines@example.org")

    # Deactivated: the open session ends at once, and signing on again shows why it fails.
    assert site.cli("users", "deactivate", "staff.ines").returncode == 0
    page.goto(site.url + "/account")
    assert urlparse(page.url).path == "/login"
    page.get_by_role("link", name="Log in with Test IdP").click()  # the provider remembers the login
    with contextlib.suppress(playwright_sync.Error):
        page.get_by_role("button", name="Continue").click(timeout=5000)
    expect(page.get_by_role("heading", name="This account is deactivated")).to_be_visible()
    page.context.close()


def test_a_callback_from_another_browser_is_refused(site: LiveServer, browser: Any) -> None:
    """Login CSRF: an attacker starts a login of their own, signs in, stops before the callback and sends its
    URL to a victim who is in the middle of their own login. The victim's browser holds another state."""
    expect = playwright_sync.expect

    async def attacker_callback() -> str:
        async with httpx.AsyncClient(base_url=site.url) as attacker:
            start = await attacker.get("/sso/idp/login")
            return await sign_in_at_provider(start.headers["location"], "mallory")

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        forged = pool.submit(asyncio.run, attacker_callback()).result(timeout=120)
    assert "/sso/idp/callback?" in forged and "code=" in forged
    victim = _page(browser)
    victim.goto(site.url + "/login")
    victim.get_by_role("link", name="Log in with Test IdP").click()
    expect(victim.locator('input[name="login"]')).to_be_visible()  # the victim's own login is under way
    victim.goto(forged)
    expect(victim.get_by_role("heading", name="This sign-on link is not valid")).to_be_visible()
    assert _error_kind(victim) == "bad_state"
    victim.screenshot(path=str(ARTIFACTS / "sso-04-bad-state.png"))
    expect(victim.get_by_role("link", name="mallory")).to_have_count(0)
    victim.context.close()


@pytest.mark.parametrize(
    ("button", "login", "kind", "heading"),
    [
        ("Slow Clock IdP", "lea", "expired", "The sign-on token has expired"),
        ("Test IdP", "eve@evil.test", "disallowed", "This account may not use this server"),
        ("Mix-up IdP", None, "wrong_issuer", "The answer came from the wrong issuer"),
        ("Down IdP", None, "provider_down", "The sign-on provider is not answering"),
    ],
    ids=["expired-token", "disallowed-domain", "wrong-issuer", "provider-down"],
)
def test_each_failure_gets_a_clear_page(
    site: LiveServer, browser: Any, button: str, login: str | None, kind: str, heading: str
) -> None:
    expect = playwright_sync.expect
    page = _page(browser)
    page.goto(site.url + "/login")
    page.get_by_role("link", name=f"Log in with {button}").click()
    if login is not None:
        _sign_in_at_provider(page, login)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert _error_kind(page) == kind
    expect(page.get_by_role("link", name="Back to the login page")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"sso-05-{kind}.png"))
    page.context.close()


def test_cohort_from_invite_link_to_the_learners_home_page(site: LiveServer, browser: Any) -> None:
    """An instructor (by single sign-on) makes a cohort with a track due yesterday and an invite link; a
    learner follows the link, signs on, joins, and sees the track, late, on the home page."""
    expect = playwright_sync.expect
    teacher = _page(browser)
    teacher.goto(site.url + "/login")
    teacher.get_by_role("link", name="Log in with Test IdP").click()
    _sign_in_at_provider(teacher, "staff.otto")
    teacher.get_by_role("link", name="Cohorts").click()
    teacher.get_by_label("Name").fill("Onboarding 2027")
    teacher.get_by_role("button", name="Create the cohort").click()
    expect(teacher.get_by_role("heading", name="Onboarding 2027")).to_be_visible()
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    teacher.get_by_label("One lesson per line").fill(f"demo-add {yesterday}")
    teacher.get_by_role("button", name="Save the track").click()
    expect(teacher.get_by_label("One lesson per line")).to_have_value(f"demo-add {yesterday}T23:59")
    teacher.get_by_role("button", name="Make an invite link").click()
    link = teacher.locator("#invite-link").inner_text().strip()
    assert link.startswith(site.url + "/join/")
    teacher.screenshot(path=str(ARTIFACTS / "sso-06-cohort.png"))

    learner = _page(browser)
    learner.goto(link)  # not logged in yet: the login page, then back to the invite
    learner.get_by_role("link", name="Log in with Test IdP").click()
    _sign_in_at_provider(learner, "lena")
    learner.get_by_role("button", name="Join Onboarding 2027").click()
    expect(learner.get_by_role("heading", name="Onboarding 2027")).to_be_visible()
    learner.get_by_role("link", name="Lessons").click()
    track = learner.locator("section.cohort-track")
    expect(track.get_by_role("heading", name="Onboarding 2027")).to_be_visible()
    expect(track).to_contain_text("1 late")
    expect(track.get_by_role("link", name="Add one, the JAX way")).to_be_visible()
    learner.screenshot(path=str(ARTIFACTS / "sso-07-learner-home.png"))
    teacher.reload()
    expect(teacher.get_by_text("lena")).to_be_visible()
    teacher.context.close()
    learner.context.close()
