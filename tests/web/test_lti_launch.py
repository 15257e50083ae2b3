"""LTI 1.3 end to end against an LMS played by the test suite (tests/support/lti/platform.py, real HTTP on
loopback): login initiation -> the platform's auth endpoint -> the id_token form post -> the lesson page as
that user; grades posted back (and retried while the LMS is down); deep linking verified by the platform;
the roster filling a cohort; and every bad launch (forged, expired, replayed, wrong audience, bad state) a
clear 4xx page that creates nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, func, select

from app.config import Settings
from app.models import Cohort, CohortMember, Role, User, WebSession
from app.models_lti import GradeState, LtiGradeOutbox, LtiIdentity
from app.services import lti
from app.services.lti import roster
from app.services.lti.frames import FRAME_COOKIE
from tests.support.lti.platform import INSTRUCTOR, LEARNER, TestPlatform

from .conftest import csrf, login, make_user, wait_for

FORM_FIELD = re.compile(r'name="(\w+)" value="([^"]*)"')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.lti_outbox_poll_s = 0.05
    settings.lti_grade_backoff_s = 0.2
    settings.lti_grade_backoff_max_s = 0.4
    return settings


@pytest.fixture
def platform() -> Iterator[TestPlatform]:
    p = TestPlatform().start()
    yield p
    p.stop()


@pytest.fixture
async def lms(app: FastAPI, client: httpx.AsyncClient, platform: TestPlatform) -> TestPlatform:
    """The platform registered here (as `jaxtutor lti add-platform` does), and given the tool's public keys
    (as its admin pastes the tool's JWKS URL)."""
    with Session(app.state.engine) as session:
        lti.add_platform(session=session, **platform.registration())
    app.state.lti_frames.refresh(app.state.engine)
    platform.tool_jwks = (await client.get("/lti/jwks")).json()
    return platform


async def start_launch(client: httpx.AsyncClient, lms: TestPlatform, sub: str) -> tuple[str, dict[str, str]]:
    """The LMS's login initiation, then the browser at the LMS's auth endpoint: returns the auto-posting
    form the LMS answers with (its action and fields)."""
    r = await client.post(
        "/lti/login",
        data={
            "iss": lms.issuer,
            "login_hint": sub,
            "target_link_uri": "https://testserver/lti/launch",
            "client_id": lms.client_id,
            "lti_deployment_id": lms.deployment_id,
        },
    )
    assert r.status_code == 302, r.text
    state_cookie = r.headers["set-cookie"]
    assert "SameSite=None" in state_cookie and "Secure" in state_cookie and "Path=/lti/" in state_cookie
    async with httpx.AsyncClient(trust_env=False) as browser:  # real HTTP to the platform on loopback
        page = await browser.get(r.headers["location"])
    assert page.status_code == 200, page.text
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    return action, {k: unescape(v) for k, v in FORM_FIELD.findall(page.text)}


async def launch(client: httpx.AsyncClient, lms: TestPlatform, sub: str, *, tamper: str | None = None, **kw: Any):
    lms.prepare(sub, **kw)
    lms.tamper = tamper
    action, fields = await start_launch(client, lms, sub)
    assert action == "https://testserver/lti/launch" and set(fields) == {"id_token", "state"}
    return await client.post(urlsplit(action).path, data=fields), fields


def count(app: FastAPI, model: Any) -> int:
    with Session(app.state.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def test_a_launch_lands_on_the_lesson_as_a_new_lms_user(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    make_user(app, "Ada-Lovelace")  # a local account with the LMS user's name: never matched, never taken over
    r, _ = await launch(client, lms, "lms-user-7", name="Ada Lovelace")
    assert r.status_code == 303 and r.headers["location"] == "/lessons/demo-add", r.text
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("jaxtutor_session="))
    assert "SameSite=None" in session_cookie and "Secure" in session_cookie and "Partitioned" in session_cookie
    page = await client.get("/lessons/demo-add")
    assert page.status_code == 200
    assert "Ada-Lovelace-2" in page.text  # signed in as the new LMS user
    # Framed by the registered LMS only, on pages reached through the launch.
    csp = page.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {lms.url}" in csp and "x-frame-options" not in page.headers
    with Session(app.state.engine) as session:
        identity = session.exec(select(LtiIdentity)).one()
        user = session.get(User, identity.user_id)
        assert user is not None and (identity.issuer, identity.subject) == (lms.issuer, "lms-user-7")
        assert user.username == "Ada-Lovelace-2" and user.role == Role.LEARNER and user.email is None
        assert user.password_hash == ""  # no password: this account signs in only through its LMS
        cohort = session.exec(select(Cohort)).one()
        assert cohort.name == "JAX 101 (LMS)"
        member = session.exec(select(CohortMember).where(CohortMember.user_id == user.id)).one()
        assert member.role == "learner"
    # CSRF still holds for the LMS session (SameSite=None sends the cookie cross-site; the token is required).
    assert (await client.post("/lessons/demo-add/hints")).status_code == 403
    ok = await client.post("/lessons/demo-add/hints", data={"csrf_token": await csrf(client)})
    assert ok.status_code < 400
    # A second launch of the same LMS user is the same account.
    r2, _ = await launch(client, lms, "lms-user-7", name="Ada Lovelace")
    assert r2.status_code == 303 and count(app, LtiIdentity) == 1 and count(app, User) == 2
    # Without a launch (a plain visit) the page may not be framed at all.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as other:
        plain = await other.get("/lessons/demo-add")
    assert "frame-ancestors 'none'" in plain.headers["content-security-policy"]
    assert plain.headers["x-frame-options"] == "DENY"


async def test_an_instructor_launch_without_a_lesson_opens_the_course_cohort(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    r, _ = await launch(client, lms, "teacher-1", roles=INSTRUCTOR, lesson=None, name="Grace Hopper")
    with Session(app.state.engine) as session:
        cohort = session.exec(select(Cohort)).one()
        user = session.exec(select(User).where(User.username == "Grace-Hopper")).one()
        member = session.exec(select(CohortMember).where(CohortMember.user_id == user.id)).one()
    assert r.status_code == 303 and r.headers["location"] == f"/cohorts/{cohort.id}"
    assert user.role == Role.INSTRUCTOR and member.role == "instructor"
    assert (await client.get(r.headers["location"])).status_code == 200


async def submit(client: httpx.AsyncClient, code: str) -> None:
    r = await client.post("/lessons/demo-add/submissions", data={"code": code, "csrf_token": await csrf(client)})
    assert r.status_code < 400, r.text


async def test_graded_submissions_reach_the_platform_best_score_only(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    r, _ = await launch(client, lms, "lms-user-1")
    assert r.status_code == 303
    await submit(client, "def f(x):\n    return x\n")  # fails: 0.25

    async def scores(n: int) -> bool:
        return len(lms.scores) >= n

    await wait_for(lambda: scores(1), timeout=20)
    first = lms.scores[0]
    assert first.lineitem == lms.url + "/lineitems/1"
    body = first.body
    assert body["userId"] == "lms-user-1" and body["scoreGiven"] == 0.25 and body["scoreMaximum"] == 1.0
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["timestamp"])
    await submit(client, "def f(x):\n    return x + 1\n")  # passes: 1.0
    await wait_for(lambda: scores(2), timeout=20)
    assert lms.scores[1].body["scoreGiven"] == 1.0 and lms.scores[1].body["timestamp"] >= body["timestamp"]
    # A lower score afterwards never overwrites the best, and nothing is sent again.
    await submit(client, "def f(x):\n    return x\n")
    grading = app.state.grading
    await grading.join()
    await asyncio.sleep(0.5)  # ten worker rounds
    assert len(lms.scores) == 2
    with Session(app.state.engine) as session:
        row = session.exec(select(LtiGradeOutbox)).one()
        assert (row.state, row.score, row.sent_score) == (GradeState.IDLE, 1.0, 1.0)


async def test_lms_down_then_up_delivers_the_score_once_after_retries(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    r, _ = await launch(client, lms, "lms-user-2")
    assert r.status_code == 303
    lms.down = True
    await submit(client, "def f(x):\n    return x + 1\n")

    async def failed_twice() -> bool:
        return lms.score_failures >= 2

    await wait_for(failed_twice, timeout=20)
    with Session(app.state.engine) as session:
        row = session.exec(select(LtiGradeOutbox)).one()
        assert row.state == GradeState.PENDING and row.attempts >= 2 and "503" in (row.last_error or "")
    assert lms.scores == []
    lms.down = False

    async def delivered() -> bool:
        return len(lms.scores) >= 1

    await wait_for(delivered, timeout=20)
    await asyncio.sleep(0.6)  # more worker rounds: no second delivery
    assert len(lms.scores) == 1 and lms.scores[0].body["scoreGiven"] == 1.0
    with Session(app.state.engine) as session:
        row = session.exec(select(LtiGradeOutbox)).one()
        assert row.state == GradeState.IDLE and row.sent_score == 1.0 and row.last_error is None


async def test_an_admin_sees_failed_deliveries_and_sends_them_again(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform, settings: Settings
) -> None:
    settings.lti_grade_max_attempts = 2
    r, _ = await launch(client, lms, "lms-user-6")
    assert r.status_code == 303
    lms.down = True
    await submit(client, "def f(x):\n    return x + 1\n")

    async def gave_up() -> bool:
        with Session(app.state.engine) as session:
            return session.exec(select(LtiGradeOutbox)).one().state == GradeState.FAILED

    await wait_for(gave_up, timeout=20)
    assert lms.score_failures == 2 and lms.scores == []
    make_user(app, "root", Role.ADMIN)
    await login(client, "root")
    page = await client.get("/admin")
    assert "given up after retries: 1" in page.text and "Send the failed scores again" in page.text
    lms.down = False
    assert (await client.post("/admin/lti/grades/retry")).status_code == 403  # CSRF holds
    again = await client.post("/admin/lti/grades/retry", data={"csrf_token": await csrf(client)})
    assert again.status_code == 303

    async def delivered() -> bool:
        return len(lms.scores) == 1

    await wait_for(delivered, timeout=20)
    assert lms.scores[0].body["scoreGiven"] == 1.0


@pytest.mark.parametrize(
    ("tamper", "status", "kind"),
    [("forged", 401, "forged"), ("expired", 401, "expired"), ("wrong_aud", 403, "wrong_audience")],
)
async def test_bad_launches_are_refused_and_create_nothing(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform, tamper: str, status: int, kind: str
) -> None:
    r, _ = await launch(client, lms, "mallory", tamper=tamper)
    assert r.status_code == status, r.text
    assert f'data-lti-error="{kind}"' in r.text and 'role="alert"' in r.text
    assert "jaxtutor_session=" not in r.headers.get("set-cookie", "")
    for model in (User, LtiIdentity, Cohort, WebSession, LtiGradeOutbox):
        assert count(app, model) == 0, model


async def test_a_replayed_launch_is_refused(app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform) -> None:
    r, fields = await launch(client, lms, "lms-user-3")
    assert r.status_code == 303
    sessions = count(app, WebSession)
    again = await client.post("/lti/launch", data=fields)
    assert again.status_code == 400 and 'data-lti-error="replayed"' in again.text
    assert count(app, WebSession) == sessions and count(app, User) == 1


async def test_a_launch_not_started_in_this_browser_is_refused(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    lms.prepare("lms-user-4")
    _action, fields = await start_launch(client, lms, "lms-user-4")
    # Another browser (no state cookie) posts the same id_token: login CSRF.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as other:
        r = await other.post("/lti/launch", data=fields)
    assert r.status_code == 400 and 'data-lti-error="bad_state"' in r.text
    assert count(app, User) == 0
    # An unregistered LMS cannot even start one, nor a registered one for a client id it did not give us.
    bad = await client.post("/lti/login", data={"iss": "https://unknown.example.edu", "login_hint": "x"})
    assert bad.status_code == 403 and 'data-lti-error="unknown_platform"' in bad.text
    other = await client.post("/lti/login", data={"iss": lms.issuer, "login_hint": "x", "client_id": "nope"})
    assert other.status_code == 403 and 'data-lti-error="wrong_audience"' in other.text


async def test_a_platform_key_rotation_is_followed(app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform) -> None:
    """The LMS's key set is cached; a launch signed with a key it did not publish before fetches it again."""
    from joserfc.jwk import RSAKey

    r, _ = await launch(client, lms, "lms-user-8")
    assert r.status_code == 303
    lms.key = RSAKey.generate_key(2048)  # rotated: a new kid
    r2, _ = await launch(client, lms, "lms-user-8")
    assert r2.status_code == 303, r2.text


async def test_a_deactivated_lms_user_is_refused(app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform) -> None:
    from app.services import accounts

    r, _ = await launch(client, lms, "lms-user-5")
    assert r.status_code == 303
    with Session(app.state.engine) as session:
        user = session.exec(select(User)).one()
        accounts.deactivate(session=session, user=user)
    again, _ = await launch(client, lms, "lms-user-5")
    assert again.status_code == 403 and 'data-lti-error="deactivated"' in again.text


async def test_deep_linking_answers_a_signed_response_the_platform_verifies(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    r, _ = await launch(client, lms, "teacher-2", roles=INSTRUCTOR, message_type="LtiDeepLinkingRequest")
    assert r.status_code == 303 and r.headers["location"].startswith("/lti/deep-link/lti1p3-launch-")
    picker = await client.get(r.headers["location"])
    assert picker.status_code == 200 and 'value="demo-add"' in picker.text
    assert f"frame-ancestors 'self' {lms.url}" in picker.headers["content-security-policy"]
    # Without the CSRF token nothing is signed.
    assert (await client.post(r.headers["location"], data={"lesson": "demo-add"})).status_code == 403
    answer = await client.post(r.headers["location"], data={"lesson": "demo-add", "csrf_token": await csrf(client)})
    assert answer.status_code == 200, answer.text
    assert f'action="{lms.url}/deep-link-return"' in answer.text and "data-autosubmit" in answer.text
    assert f"form-action 'self' {lms.url}" in answer.headers["content-security-policy"]
    token = unescape(re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1))  # type: ignore[union-attr]
    claims = lms.verify_deep_link(token)
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == "https://testserver/lti/launch"
    assert item["custom"] == {"lesson": "demo-add"} and item["lineItem"]["scoreMaximum"] == 1
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    # An unknown lesson is refused with a page.
    bad = await client.post(r.headers["location"], data={"lesson": "nope", "csrf_token": await csrf(client)})
    assert bad.status_code == 404 and 'data-lti-error="not_found"' in bad.text


async def test_a_learner_cannot_pick_lessons(app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform) -> None:
    r, _ = await launch(client, lms, "student-9", roles=LEARNER, message_type="LtiDeepLinkingRequest")
    assert r.status_code == 403 and 'data-lti-error="forbidden"' in r.text


async def test_names_and_roles_fill_the_course_cohort(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform, settings: Settings
) -> None:
    r, _ = await launch(client, lms, "teacher-3", roles=INSTRUCTOR, lesson=None, name="Grace Hopper")
    assert r.status_code == 303
    lms.members = [
        {"user_id": "teacher-3", "roles": INSTRUCTOR, "status": "Active", "name": "Grace Hopper"},
        {"user_id": "s-1", "roles": LEARNER, "status": "Active", "name": "Alan Turing"},
        {"user_id": "s-2", "roles": LEARNER, "status": "Active", "given_name": "Edsger", "family_name": "Dijkstra"},
        {"user_id": "s-3", "roles": LEARNER, "status": "Inactive", "name": "Gone Student"},
    ]
    with Session(app.state.engine) as session:
        cohort = session.exec(select(Cohort)).one()
    assert cohort.id is not None
    # The instructor (signed in by the launch) fills the cohort from its page.
    page = await client.get(f"/cohorts/{cohort.id}")
    assert "Fill from the LMS roster" in page.text
    r = await client.post(f"/cohorts/{cohort.id}/lti-roster", data={"csrf_token": await csrf(client)})
    assert r.status_code == 200 and 'data-roster-added="2"' in r.text, r.text
    assert "Alan-Turing, Edsger-Dijkstra" in r.text
    with Session(app.state.engine) as session:
        members = {
            u.username: m.role
            for u, m in session.exec(
                select(User, CohortMember).join(CohortMember).where(CohortMember.cohort_id == cohort.id)
            )
        }
    assert members == {"Grace-Hopper": "instructor", "Alan-Turing": "learner", "Edsger-Dijkstra": "learner"}
    # Run again: nobody new, nobody twice.
    with Session(app.state.engine) as session:
        again = await asyncio.to_thread(roster.sync_roster, session=session, settings=settings, cohort_id=cohort.id)
    assert again.added == [] and again.left == [] and count(app, LtiIdentity) == 3
    # Alan leaves the course, Edsger becomes inactive: both are named, neither loses membership or work.
    lms.members = [lms.members[0], {**lms.members[2], "status": "Inactive"}]
    r = await client.post(f"/cohorts/{cohort.id}/lti-roster", data={"csrf_token": await csrf(client)})
    assert r.status_code == 200 and 'data-roster-added="0"' in r.text and 'data-roster-left="2"' in r.text
    with Session(app.state.engine) as session:
        later = await asyncio.to_thread(roster.sync_roster, session=session, settings=settings, cohort_id=cohort.id)
        assert later.left == ["Alan-Turing", "Edsger-Dijkstra"] and later.members == 1
        kept = session.exec(select(CohortMember).where(CohortMember.cohort_id == cohort.id)).all()
    assert len(kept) == 3


async def test_launch_replay_and_passback_on_each_database(
    settings: Settings, database_url: str, platform: TestPlatform, grader: Any, provider: Any
) -> None:
    """The same flow on SQLite and on a real PostgreSQL: launch storage, single-use nonces, the outbox."""
    from app.main import create_app

    from .conftest import serve

    settings.database_url = database_url
    app = create_app(settings, grader=grader, kernel_provider=provider)
    async with serve(app) as client:
        with Session(app.state.engine) as session:
            lti.add_platform(session=session, **platform.registration())
        platform.tool_jwks = (await client.get("/lti/jwks")).json()
        r, fields = await launch(client, platform, "db-user-1")
        assert r.status_code == 303, r.text
        assert (await client.post("/lti/launch", data=fields)).status_code == 400  # replayed
        await submit(client, "def f(x):\n    return x + 1\n")

        async def delivered() -> bool:
            return len(platform.scores) == 1

        await wait_for(delivered, timeout=20)
        assert platform.scores[0].body["scoreGiven"] == 1.0


async def test_a_launch_under_a_sub_path(
    settings: Settings, platform: TestPlatform, grader: Any, provider: Any
) -> None:
    """Served under root_path (/tutor): the redirect URI, the state cookie's path and the landing page follow."""
    from app.main import create_app

    settings.root_path = "/tutor"
    app = create_app(settings, grader=grader, kernel_provider=provider)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver/tutor") as client,
    ):
        with Session(app.state.engine) as session:
            lti.add_platform(session=session, **platform.registration())
        platform.prepare("sub-path-user")
        r = await client.post(
            "https://testserver/tutor/lti/login",
            data={"iss": platform.issuer, "login_hint": "sub-path-user", "client_id": "jaxtutor-tool-1"},
        )
        assert r.status_code == 302 and "Path=/tutor/lti/" in r.headers["set-cookie"]
        async with httpx.AsyncClient(trust_env=False) as browser:
            page = await browser.get(r.headers["location"])
        action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
        assert action == "https://testserver/tutor/lti/launch"
        fields = {k: unescape(v) for k, v in FORM_FIELD.findall(page.text)}
        done = await client.post(action, data=fields)
        assert done.status_code == 303 and done.headers["location"] == "/tutor/lessons/demo-add", done.text


async def test_a_session_that_ends_inside_the_lms_frame_says_to_launch_again(
    app: FastAPI, client: httpx.AsyncClient, lms: TestPlatform
) -> None:
    """An LMS user has no password here: when the session ends, the page (still framable by the LMS) says to
    open the activity again from the course instead of showing a login form inside the frame."""
    r, _ = await launch(client, lms, "lms-user-9", name="Grace Hopper")
    assert r.status_code == 303
    frame_cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{FRAME_COOKIE}="))
    assert f"Max-Age={Settings().lti_frame_max_age_s}" in frame_cookie  # outlives the session
    token = await csrf(client)
    client.cookies.delete("jaxtutor_session")  # logged out elsewhere, or expired
    page = await client.get("/account")
    assert page.status_code == 401 and "open this activity again from your course" in page.text
    assert "<form" not in page.text.split("<main", 1)[-1]  # no login form in the frame
    assert f"frame-ancestors 'self' {lms.url}" in page.headers["content-security-policy"]  # still shown there
    pressed = await client.post("/runs", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert pressed.status_code == 401 and pressed.headers["hx-retarget"] == "#notice"
    assert "open this activity again from your course" in pressed.text and "Log in again" not in pressed.text
    # A browser that never came through a launch is sent to the login page as before.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as other:
        plain = await other.get("/account")
    assert plain.status_code == 303 and plain.headers["location"].startswith("/login")
