"""An LTI launch in Debian's Chromium (Playwright): a course page of the LMS played by the test suite frames
the tool's login initiation; inside the iframe the browser goes to the LMS's auth endpoint, posts the
id_token back, and lands on the lesson page signed in as the LMS user. The LMS (127.0.0.1) and the tool
(localhost) are different sites, so this needs the SameSite=None cookies and the frame-ancestors that name
the registered LMS. Screenshot: ``test-artifacts/browser/lti-launch.png``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from tests.support.lti.platform import INSTRUCTOR, LEARNER, TestPlatform

from .browser_support import GRADING_TIMEOUT_MS, live_server, new_page, playwright_sync, shot
from .browser_support import browser as browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["live_server"]


@pytest.fixture(scope="module")
def platform() -> Iterator[TestPlatform]:
    p = TestPlatform().start()
    yield p
    p.stop()


def _framing_allowed(tool: str, lms: str) -> bool:
    r = httpx.get(tool + "/healthz", cookies={"jaxtutor_lti": "1"}, timeout=5)
    return lms in r.headers.get("content-security-policy", "")


@pytest.fixture(scope="module")
def tool(live_server: Any, platform: TestPlatform) -> str:
    """The test LMS registered with the tool (once per module); the tool's URL as another site than the LMS."""
    reg = platform.registration()
    out = live_server.cli("lti", "add-platform", *[f"--{k.replace('_', '-')}={v}" for k, v in reg.items()], "--json")
    assert out.returncode == 0, out.stderr
    port = urlsplit(live_server.url).port
    deadline = time.monotonic() + 30  # the replica's worker loads the new LMS's origin within a poll
    while not _framing_allowed(live_server.url, platform.url):
        assert time.monotonic() < deadline, "the registered LMS never became an allowed frame ancestor"
        time.sleep(0.2)
    platform.tool_jwks = httpx.get(live_server.url + "/lti/jwks", timeout=10).json()
    return f"http://localhost:{port}"  # another site than the LMS at 127.0.0.1


def _frame_launch(platform: TestPlatform, tool: str, login_hint: str) -> None:
    """The LMS's course page will frame the tool's login initiation for ``login_hint``."""
    params = {
        "iss": platform.issuer,
        "login_hint": login_hint,
        "target_link_uri": f"{tool}/lti/launch",
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }
    platform.course_frame_src = f"{tool}/lti/login?{urlencode(params)}"


def test_a_launch_inside_the_lms_iframe_lands_on_the_lesson(
    live_server: Any, browser: Any, platform: TestPlatform, tool: str
) -> None:
    platform.prepare("lms-browser-1", name="Ada Lovelace")
    _frame_launch(platform, tool, "lms-browser-1")
    context, page = new_page(browser)
    try:
        page.goto(platform.url + "/course")
        frame = page.frame_locator("#tool")
        playwright_sync.expect(frame.get_by_role("heading", level=1)).to_contain_text("Add one", timeout=60_000)
        playwright_sync.expect(frame.get_by_text("Ada-Lovelace").first).to_be_visible()
        tool_frame = next(f for f in page.frames if f.url.startswith(tool))
        assert urlsplit(tool_frame.url).path == "/lessons/demo-add"
        shot(page, "lti-launch")
        # Submitting inside the frame (an htmx POST with the session's CSRF token, cookies SameSite=None)
        # is graded for real, and the score reaches the LMS's gradebook.
        tool_frame.locator(".CodeMirror").wait_for()
        tool_frame.evaluate(
            "code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)",
            "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1\n",
        )
        frame.get_by_role("button", name="Submit").click()
        deadline = time.monotonic() + GRADING_TIMEOUT_MS / 1000
        while not platform.scores:
            assert time.monotonic() < deadline, "no score reached the LMS"
            time.sleep(0.5)
        (score,) = platform.scores
        assert score.body["userId"] == "lms-browser-1" and score.body["scoreGiven"] == 1.0
        shot(page, "lti-graded")
        # The session ends (expired, or logged out elsewhere) while the lesson is open in the frame: pressing
        # Run, keyboard only, says to open the activity again from the course, and puts no login form there.
        context.clear_cookies(name="jaxtutor_session")
        frame.get_by_role("button", name="Run").focus()
        page.keyboard.press("Enter")
        notice = frame.locator("#notice")
        playwright_sync.expect(notice).to_contain_text("open this activity again from your course", timeout=30_000)
        playwright_sync.expect(frame.locator("input[type=password]")).to_have_count(0)
        playwright_sync.expect(frame.get_by_role("heading", level=1)).to_contain_text("Add one")  # the page stays
        shot(page, "lti-session-ended")
    finally:
        context.close()


def test_the_roster_fills_the_course_cohort_and_names_who_left(browser: Any, platform: TestPlatform, tool: str) -> None:
    """An instructor launch inside the LMS frame opens the course's cohort; "Fill from the LMS roster", pressed
    with the keyboard, adds the course's learners, and after one leaves the course the page names them as no
    longer active while keeping them and their work."""
    platform.prepare("lms-teacher-1", roles=INSTRUCTOR, lesson=None, name="Grace Hopper", resource_link_id="link-2")
    _frame_launch(platform, tool, "lms-teacher-1")
    platform.members = [
        {"user_id": "lms-teacher-1", "roles": INSTRUCTOR, "status": "Active", "name": "Grace Hopper"},
        {"user_id": "s-1", "roles": LEARNER, "status": "Active", "name": "Alan Turing"},
        {"user_id": "s-2", "roles": LEARNER, "status": "Active", "name": "Edsger Dijkstra"},
    ]
    context, page = new_page(browser)
    try:
        page.goto(platform.url + "/course")
        frame = page.frame_locator("#tool")
        fill = frame.get_by_role("button", name="Fill from the LMS roster")
        fill.focus()
        page.keyboard.press("Enter")
        status = frame.locator("[data-roster-added]")
        playwright_sync.expect(status).to_contain_text("2 joined now: Alan-Turing, Edsger-Dijkstra")
        platform.members = [platform.members[0], platform.members[2]]  # Alan left the course
        frame.get_by_role("button", name="Fill from the LMS roster").focus()
        page.keyboard.press("Enter")
        left = frame.locator("[data-roster-left]")
        playwright_sync.expect(left).to_contain_text("No longer active in the course, kept here with their work")
        playwright_sync.expect(left).to_contain_text("Alan-Turing")
        playwright_sync.expect(frame.get_by_role("heading", name="Members")).to_be_visible()
        playwright_sync.expect(frame.get_by_text("Alan-Turing").last).to_be_visible()  # still a member
        left.scroll_into_view_if_needed()
        shot(page, "lti-roster-left")  # the LMS decides the frame's width: phone widths are checked elsewhere
    finally:
        context.close()
