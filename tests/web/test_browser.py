"""End to end in Debian's Chromium (Playwright) against a real ``jaxtutor serve`` on loopback.

The server runs with its real kernel provider (the warm pool; sandboxed when the host allows it) and
the real grader, on the small ``demo-add`` test lesson. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import browser_support
from .browser_support import (
    GRADING_TIMEOUT_MS,
    LiveServer,
    assert_labelled,
    playwright_sync,
    shot,
)

# The module-scoped fixtures (one server and one Chromium for this module).
live_server = browser_support.live_server
browser = browser_support.browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(420)]


def test_learner_runs_submits_and_the_instructor_sees_it(live_server: LiveServer, browser: Any) -> None:
    expect = playwright_sync.expect
    url = live_server.url
    created = live_server.cli(
        "users", "create", "ines", "--role", "instructor", "--password-stdin", stdin="instructor-password\n"
    )
    assert created.returncode == 0, created.stderr

    learner = browser.new_context(viewport={"width": 1280, "height": 900})
    page = learner.new_page()
    page.set_default_timeout(60_000)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("dialog", lambda d: d.accept())

    # Sign up, by keyboard: the first Tab reaches the skip link.
    page.goto(url + "/signup")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert_labelled(page)
    page.get_by_label("Username").fill("lea")
    page.get_by_label("Password").fill("learner-password")
    shot(page, "01-signup")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("link", name="lea")).to_be_visible()
    expect(page.get_by_role("heading", name="Learn JAX by doing")).to_be_visible()
    assert_labelled(page)
    shot(page, "02-catalog")

    # Open the lesson; type a program into the CodeMirror editor; run it with Ctrl+Enter.
    page.locator("ol").get_by_role("link", name="Add one, the JAX way").click()  # the catalog's entry
    expect(page.get_by_role("heading", name="Add one, the JAX way")).to_be_visible()
    expect(page.locator(".CodeMirror")).to_be_visible()
    assert_labelled(page)
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(
        'import time; [print("step", i, flush=True) or time.sleep(1.0) for i in range(3)]; print("sum", 1 + 2)'
    )
    page.keyboard.press("Control+Enter")
    output = page.locator("#run-output")
    expect(output).to_contain_text("step 0", timeout=120_000)
    streamed = output.inner_text()
    assert "sum 3" not in streamed  # output arrives while the cell is still running
    expect(output).to_contain_text("sum 3", timeout=60_000)
    expect(output.locator(".run-done")).to_contain_text("Done")
    expect(page.locator("#kernel-status")).to_contain_text("idle")
    shot(page, "03-run")

    # An error shows its traceback.
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1 / 0")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(output).to_contain_text("ZeroDivisionError")
    expect(output.locator(".run-done")).to_be_visible()
    shot(page, "03b-run-error")

    # Back to the starter, fix it by keyboard, submit with the button; the real grader reports.
    page.get_by_role("button", name="Reset to starter").click()
    expect(page.locator(".CodeMirror")).to_contain_text("return x")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    if page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getCursor().ch") == 0:
        page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type(" + 1")
    code = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "return x + 1" in code
    page.get_by_role("button", name="Submit").click()
    submission = page.locator("#submission")
    expect(submission).to_contain_text("grading", timeout=30_000)
    expect(submission.locator(".verdict")).to_contain_text("Passed", timeout=GRADING_TIMEOUT_MS)
    expect(submission.locator(".checks")).to_contain_text("correctness")
    expect(page.locator("#history")).to_contain_text("pass")  # the history refreshed itself
    shot(page, "04-report")

    # Progress on the catalog.
    page.get_by_role("link", name="Lessons", exact=True).click()
    card = page.locator(".lesson-card", has_text="Add one, the JAX way")
    expect(card.locator(".badge.pass")).to_have_text("passed")
    shot(page, "05-catalog-progress")
    assert console_errors == []
    learner.close()

    # The instructor sees it on the dashboard.
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    page.set_default_timeout(60_000)
    page.goto(url + "/login")
    assert_labelled(page)
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill("instructor-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Instructor").click()
    expect(page.get_by_role("heading", name="Instructor dashboard")).to_be_visible()
    row = page.locator("table.matrix tr", has_text="lea")
    expect(row.locator("td.cell-pass")).to_have_count(1)
    rates = page.locator("table", has_text="Pass rates").first
    expect(page.get_by_role("row", name="Add one, the JAX way")).to_contain_text("1")
    assert rates is not None
    shot(page, "06-instructor")
    staff.close()
