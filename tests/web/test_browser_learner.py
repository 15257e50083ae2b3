"""The learner's browser experience (issue 11), in Debian's Chromium against a real server and kernels.

Each test is a flow a learner really meets: drafts on a shared browser, a session that ends in another
tab, passing and then reading the solution, double clicks, a phone-width screen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from . import browser_support
from .browser_support import (
    GRADING_TIMEOUT_MS,
    LiveServer,
    editor_code,
    new_page,
    playwright_sync,
    set_editor_code,
    shot,
    signup,
)

# The module-scoped fixtures (one server and one Chromium for this module).
live_server = browser_support.live_server
browser = browser_support.browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(600)]

LESSON = "/lessons/demo-add"
PASSING = "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1\n"
expect = playwright_sync.expect


def starter(page: Any) -> str:
    return str(page.evaluate("document.getElementById('starter-code').content.textContent"))


def draft_keys(page: Any) -> list[str]:
    return list(page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jaxtutor:draft'))"))


def test_drafts_belong_to_their_user_and_follow_them(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "ada")
    page.goto(url + LESSON)
    set_editor_code(page, "def f(x):\n    return 'ADA-SECRET'\n")
    status = page.locator("#draft-status")
    expect(status).to_have_text("saved", timeout=30_000)
    assert draft_keys(page), "the draft is also kept locally"
    assert all(":draft:" in k and re.search(r":u\d+:", k) for k in draft_keys(page)), draft_keys(page)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert draft_keys(page) == [], "logging out clears the drafts kept in this browser"

    # Someone else signs up in the same browser: the lesson shows the starter, not ada's code.
    signup(page, url, "bea")
    page.goto(url + LESSON)
    expect(page.locator(".CodeMirror")).to_be_visible()
    assert "ADA-SECRET" not in editor_code(page)
    assert editor_code(page) == starter(page)

    # bea's own draft is saved on the server and follows her to another browser (another device).
    set_editor_code(page, "def f(x):\n    return x  # bea was here\n")
    expect(status).to_have_text("saved", timeout=30_000)
    other, page2 = new_page(browser)
    page2.goto(url + "/login")
    page2.get_by_label("Username").fill("bea")
    page2.get_by_label("Password").fill("learner-password")
    page2.get_by_role("button", name="Log in").click()
    page2.goto(url + LESSON)
    expect(page2.locator(".CodeMirror")).to_contain_text("bea was here")

    # Offline: the draft stays in this browser and says so; back online it reaches the server.
    context.set_offline(True)
    set_editor_code(page, "def f(x):\n    return x  # written offline\n")
    expect(status).to_have_text("offline — saved locally", timeout=30_000)
    context.set_offline(False)
    expect(status).to_have_text("saved", timeout=30_000)
    page2.reload()
    expect(page2.locator(".CodeMirror")).to_contain_text("written offline")
    shot(page, "learner-draft")
    other.close()
    context.close()


def test_a_session_that_ended_elsewhere_keeps_the_page(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "cid")
    page.goto(url + LESSON)
    set_editor_code(page, "print('still here')")
    # Log out in a second tab of the same browser.
    tab = context.new_page()
    tab.goto(url + "/")
    tab.get_by_role("button", name="Log out").click()
    expect(tab.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("button", name="Run", exact=True).click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("session has ended")
    assert page.locator("#password").count() == 0, "no login form swapped into the lesson"
    expect(page.locator(".CodeMirror")).to_be_visible()
    link = notice.get_by_role("link", name="Log in again")
    assert link.get_attribute("href") == "/login?next=" + LESSON
    link.click()
    page.get_by_label("Username").fill("cid")
    page.get_by_label("Password").fill("learner-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url + LESSON)
    expect(page.get_by_role("link", name="cid")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("#notice")).to_be_empty()
    context.close()


def history_rows(page: Any) -> int:
    return int(page.locator("#history tbody tr").count())


def test_submit_once_then_solution_report_and_phone_width(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "dan")
    page.goto(url + LESSON)
    set_editor_code(page, PASSING)
    submit = page.get_by_role("button", name="Submit")
    submit.dblclick()
    expect(page.locator("#submission .verdict")).to_contain_text("Passed", timeout=GRADING_TIMEOUT_MS)
    expect(page.locator("#history tbody tr")).to_have_count(1)

    # Right after passing, without a reload, the solution link shows the solution.
    page.get_by_role("link", name="See the reference solution").click()
    solution = page.locator("#solution")
    expect(solution).to_be_visible()
    expect(solution).to_contain_text("return x + 1")

    # The same code again is not graded again: the existing submission comes back.
    submit.click()
    expect(page.locator("#submission .verdict")).to_contain_text("Passed")
    expect(page.locator("#submission")).to_contain_text("already graded")
    page.wait_for_timeout(1000)
    assert history_rows(page) == 1

    # Run is disabled while its request is pending.
    set_editor_code(page, "import time; time.sleep(2); print('slept')")
    run = page.get_by_role("button", name="Run", exact=True)
    run.click()
    expect(run).to_be_disabled()
    expect(page.locator("#run-output")).to_contain_text("slept", timeout=120_000)
    expect(run).to_be_enabled()

    page.reload()  # the kernel keeps its state across page loads, and the page says so
    expect(page.locator("#kernel-status")).to_contain_text("idle")

    sub_href = page.locator("#history tbody a").first.get_attribute("href")
    assert sub_href and sub_href.startswith("/submissions/")

    # Phone width: nothing overflows sideways, the user name and Log out stay on screen.
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/", LESSON, sub_href):
        page.goto(url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} lays out {width} px wide at 375 px"
        for name, role in (("dan", "link"), ("Log out", "button")):
            box = page.get_by_role(role, name=name, exact=True).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (path, name, box)
        shot(page, "phone" + path.replace("/", "-"))
    context.close()


def test_reports_and_small_confusions(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "eve")
    page.goto(url + LESSON)
    # The title and the Objectives show once (instructions.md repeats them).
    expect(page.get_by_role("heading", name="Add one, the JAX way")).to_have_count(1)
    expect(page.get_by_role("heading", name="Objectives")).to_have_count(1)

    # A syntax error in Run names the learner's code, not the kernel's temp file.
    output = page.locator("#run-output")
    set_editor_code(page, "def f(x)\n    return x\n")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(output.locator(".run-done")).to_be_visible(timeout=120_000)
    expect(output).to_contain_text("your code, line 1")
    assert not re.search(r"\d+\.py", output.inner_text()), output.inner_text()

    # Interrupt is reported as such, not as an exception.
    set_editor_code(page, "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.05)\n")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(output).to_contain_text("looping", timeout=120_000)  # the loop is running: now interrupt it
    page.get_by_role("button", name="Interrupt").click()
    expect(output.locator(".run-done")).to_have_text(re.compile(r"^\s*Interrupted\."), timeout=60_000)
    assert "KeyboardInterrupt" not in output.inner_text() and "exception" not in output.inner_text()

    # A missing entry function is named; the message's code spans are rendered.
    set_editor_code(page, "def g(x):\n    return x + 1\n")
    page.get_by_role("button", name="Submit").click()
    submission = page.locator("#submission")
    expect(submission.locator(".verdict")).to_be_visible(timeout=GRADING_TIMEOUT_MS)
    expect(submission).to_contain_text("define a function named f")
    expect(submission.locator(".msg code", has_text="f").first).to_be_visible()

    # An empty submission says so, and the previous result stays.
    set_editor_code(page, "")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#notice")).to_contain_text("Your code is empty")
    expect(submission).to_contain_text("define a function named f")

    # A failing report for people: words and small tables, no internals, the raw JSON one click away.
    set_editor_code(page, "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 2\n")
    page.get_by_role("button", name="Submit").click()
    expect(submission.locator(".verdict")).to_contain_text("Not yet", timeout=GRADING_TIMEOUT_MS)
    text = submission.inner_text()
    for internal in ("hints []", "loops {}", "remeasured", "[0, 0", "{}", "[]"):
        assert internal not in text, (internal, text)
    raw = submission.locator("details.raw")
    expect(raw.locator("pre")).to_be_hidden()
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_contain_text('"checks"')
    href = page.locator("#history tbody a").first.get_attribute("href")
    page.goto(url + str(href))
    expect(page.locator("pre.numbered .ln")).to_have_count(5)
    shot(page, "learner-report")

    # The playground does not promise a Submit it does not have.
    page.goto(url + "/playground")
    expect(page.locator("#editor-keys")).not_to_contain_text("submits")
    context.close()


def test_layout_dark_mode_and_keyboard(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser, width=1280, height=900)
    signup(page, url, "fay")
    page.goto(url + LESSON)
    set_editor_code(page, "\n".join(f"x{i} = {i}" for i in range(80)))
    frame = page.locator("#editor-frame").bounding_box()
    assert frame is not None and frame["height"] <= 0.6 * 900, frame
    assert page.evaluate("getComputedStyle(document.querySelector('.work')).position") == "sticky"
    assert page.evaluate("getComputedStyle(document.querySelector('#editor-frame')).resize") == "vertical"
    # Run and the output stay on screen while the instructions scroll.
    page.mouse.wheel(0, 2000)
    run_box = page.get_by_role("button", name="Run", exact=True).bounding_box()
    assert run_box is not None and 0 <= run_box["y"] <= 900, run_box

    # Keyboard alone: into the editor, out with Escape, on to Run and Submit.
    page.goto(url + LESSON)
    page.locator(".CodeMirror").wait_for()
    in_editor = "!!(document.activeElement && document.activeElement.closest('.CodeMirror'))"
    for _ in range(40):  # from the top of the page, Tab alone reaches the editor
        page.keyboard.press("Tab")
        if page.evaluate(in_editor):
            break
    assert page.evaluate(in_editor), page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    page.keyboard.type("# typed ")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "run-btn"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit-btn"

    # Dark mode: a toggle, remembered across pages.
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    page.get_by_role("button", name="Dark mode").click()
    dark = page.evaluate(background)
    assert dark != light and page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.goto(url + "/")
    assert page.evaluate(background) == dark
    expect(page.get_by_role("button", name="Light mode")).to_be_visible()
    context.close()

    # ... and it follows prefers-color-scheme when nothing was picked.
    prefers = browser.new_context(color_scheme="dark")
    page = prefers.new_page()
    page.goto(url + "/")
    assert page.evaluate(background) == dark
    prefers.close()


AXE = "/static/vendor/axe-4.14.1.min.js"  # vendored from npm (`npm pack axe-core@4.14.1`); test-only
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def axe_violations(page: Any) -> list[str]:
    page.add_script_tag(url=AXE)  # same origin: the CSP allows it, as it allows our own scripts
    return list(page.evaluate(AXE_RUN))


def test_main_pages_have_no_serious_accessibility_violations(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "gus")
    page.goto(url + LESSON)
    set_editor_code(page, PASSING)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#submission .verdict")).to_contain_text("Passed", timeout=GRADING_TIMEOUT_MS)
    report = str(page.locator("#history tbody a").first.get_attribute("href"))
    for theme in ("light", "dark"):
        page.evaluate("t => localStorage.setItem('jaxtutor:theme', t)", theme)
        for path in ("/", LESSON, report):
            page.goto(url + path)
            page.locator("main").wait_for()
            assert axe_violations(page) == [], (theme, path)
    context.close()
