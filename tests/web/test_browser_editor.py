"""The editor in Debian's Chromium (issue 11, item 5): kernel completion and inspect, the editing keys,
search, loading an earlier submission and the diff between two attempts; axe-checked, keyboard only.

Screenshots (test-artifacts/browser/editor-*.png) at 1280 and 375 px: the completion popup, the inspect
tip and the diff page (the README's copies are in docs/screenshots/).
"""

from __future__ import annotations

from typing import Any

import pytest

from . import browser_support
from .browser_support import ARTIFACTS, LiveServer, editor_code, new_page, playwright_sync, set_editor_code, signup
from .test_browser_learner import axe_violations

live_server = browser_support.live_server
browser = browser_support.browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(600)]

LESSON = "/lessons/demo-add"
expect = playwright_sync.expect
DEFINE = (
    "import jax.numpy as jnp\n\n"
    "def scaled_total(values, factor=2.0):\n"
    '    """Multiply <b>values</b> by factor and sum them."""\n'
    "    return jnp.sum(values) * factor\n\n"
    "print('defined')\n"
)


def cm(page: Any, script: str, arg: Any = None) -> Any:
    """Evaluate ``script`` with the page's CodeMirror instance as ``cm``."""
    return page.evaluate(f"arg => {{ const cm = document.querySelector('.CodeMirror').CodeMirror; {script} }}", arg)


def put(page: Any, code: str, line: int | None = None, ch: int | None = None) -> None:
    """Replace the editor's text, focus it and put the cursor at (line, ch) (default: the end)."""
    set_editor_code(page, code)
    cm(
        page,
        "cm.focus(); arg ? cm.setCursor(arg) : cm.setCursor(cm.lineCount(), 0);",
        None if line is None else {"line": line, "ch": ch},
    )


def run_and_wait(page: Any) -> None:
    page.locator("#run-btn").click()
    expect(page.locator("#run-output .run-done")).to_contain_text("Done", timeout=180_000)


def viewport_shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_completion_and_inspect_come_from_the_kernel(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "cleo")
    page.goto(url + LESSON)
    # Before any Run there is no kernel: Tab after a name says so instead of hanging.
    put(page, "scaled_to")
    page.keyboard.press("Tab")
    expect(page.locator("#assist-status")).to_contain_text("press Run once")
    assert page.locator(".CodeMirror-hints").count() == 0

    put(page, DEFINE)
    run_and_wait(page)
    put(page, DEFINE + "x = scaled_to")
    page.keyboard.press("Tab")
    hints = page.locator(".CodeMirror-hints")
    expect(hints).to_be_visible(timeout=30_000)
    expect(hints.get_by_role("option", name="scaled_total")).to_be_visible()
    assert axe_violations(page) == []
    viewport_shot(page, "editor-complete-1280")
    page.keyboard.press("Enter")
    expect(hints).to_have_count(0)
    assert editor_code(page).endswith("x = scaled_total")

    # Attribute completion on a module the learner imported; Ctrl+Space works anywhere. In dark mode.
    page.get_by_role("button", name="Dark mode").click()
    put(page, DEFINE + "jnp.arcs")
    page.keyboard.press("Control+Space")
    expect(hints.get_by_role("option", name="arcsin", exact=True)).to_be_visible(timeout=30_000)
    assert axe_violations(page) == []
    viewport_shot(page, "editor-complete-1280-dark")
    page.keyboard.press("Escape")
    expect(hints).to_have_count(0)
    page.keyboard.press("Control+Space")
    expect(hints.get_by_role("option", name="arcsin", exact=True)).to_be_visible(timeout=30_000)
    page.keyboard.press("Enter")  # the first candidate replaces only the name after the dot
    assert editor_code(page).endswith("\njnp.arcsin")
    page.get_by_role("button", name="Light mode").click()

    # Shift+Tab inside a call shows the signature and docstring as text (the <b> stays literal).
    put(page, DEFINE + "scaled_total(")
    page.keyboard.press("Shift+Tab")
    tip = page.locator("#inspect-tip")
    expect(tip).to_be_visible(timeout=30_000)
    expect(tip).to_contain_text("scaled_total(values, factor=2.0)")
    expect(tip).to_contain_text("Multiply <b>values</b> by factor")
    assert tip.locator("b").count() == 0
    assert axe_violations(page) == []
    viewport_shot(page, "editor-inspect-1280")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert page.evaluate("document.activeElement.closest('.CodeMirror') !== null"), "Esc closed the tip only"

    # At 375 px the popup shows too (the same learner on a phone).
    phone, small = new_page(browser, width=375, height=800)
    small.goto(url + "/login")
    small.get_by_label("Username").fill("cleo")
    small.get_by_label("Password").fill("learner-password")
    small.get_by_role("button", name="Log in").click()
    small.goto(url + LESSON)
    put(small, "total = scaled_to")
    small.locator(".CodeMirror").scroll_into_view_if_needed()
    small.keyboard.press("Tab")
    expect(small.locator(".CodeMirror-hints").get_by_role("option", name="scaled_total")).to_be_visible(timeout=30_000)
    viewport_shot(small, "editor-complete-375")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    context.close()


def test_editing_keys_and_search(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "dora")
    page.goto(url + LESSON)
    mod = "Meta" if page.evaluate("/Mac/.test(navigator.platform)") else "Control"

    # Comment toggle on the selected lines, and back.
    put(page, "x = 1\ny = 2\n")
    page.keyboard.press(f"{mod}+a")
    page.keyboard.press(f"{mod}+/")
    assert editor_code(page) == "# x = 1\n# y = 2\n"
    page.keyboard.press(f"{mod}+/")
    assert editor_code(page) == "x = 1\ny = 2\n"

    # Brackets and quotes close themselves; smart indent after a colon; Backspace removes a whole indent.
    put(page, "")
    page.keyboard.type("def g(")
    assert editor_code(page) == "def g()"
    page.keyboard.type("a):")
    assert editor_code(page) == "def g(a):"
    page.keyboard.press("Enter")
    assert editor_code(page) == "def g(a):\n    "
    page.keyboard.press("Backspace")
    assert editor_code(page) == "def g(a):\n"
    page.keyboard.press("Tab")
    page.keyboard.type("return h('")
    assert editor_code(page) == "def g(a):\n    return h('')"
    page.keyboard.press("End")
    page.keyboard.press("Enter")  # the Python mode dedents after a return
    assert editor_code(page) == "def g(a):\n    return h('')\n"

    # Tab at the start of a line indents; Shift+Tab there dedents (no help popup).
    put(page, "if True:\nx = 1", line=1, ch=0)
    page.keyboard.press("Tab")
    assert editor_code(page) == "if True:\n    x = 1"
    page.keyboard.press("Shift+Tab")
    assert editor_code(page) == "if True:\nx = 1"
    assert page.locator("#inspect-tip").is_hidden()

    # Search: Ctrl/Cmd+F opens a labelled search field; Enter selects the match.
    put(page, "a = 1\nneedle = 2\nb = needle\n", line=0, ch=0)
    page.keyboard.press(f"{mod}+f")
    field = page.get_by_role("textbox", name="Search")
    expect(field).to_be_focused()
    assert axe_violations(page) == []
    field.fill("needle")
    field.press("Enter")
    assert cm(page, "return cm.getSelection();") == "needle"
    assert cm(page, "return cm.getCursor('from').line;") == 1
    context.close()


def test_load_an_earlier_submission_and_diff_two_attempts(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "emil")
    page.goto(url + LESSON)
    first = "def f(x):\n    return x - 1  # first try\n"
    second = "import jax.numpy as jnp\n\n\ndef f(x):\n    # second <b>try</b>\n    return x + 1\n"
    for code in (first, second):
        set_editor_code(page, code)
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/submissions")) as sent:
            page.locator("#submit-btn").click()
        assert sent.value.status == 200
    page.goto(url + LESSON)
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(2)

    # Keyboard only: Tab to the older submission's Load button and press Enter (the confirm is accepted).
    load = page.get_by_role("button", name="Load submission", exact=False).nth(1)
    load.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#draft-status")).to_contain_text("loaded submission")
    assert editor_code(page) == first

    # Compare: the form defaults to the two latest; submit it from the keyboard.
    page.locator("form.compare select[name=a]").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Compare")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/diff?*")
    expect(page.locator(".diff-summary")).to_contain_text("5 lines added, 1 removed")
    expect(page.locator("tr.diff-del")).to_contain_text("return x - 1  # first try")
    expect(page.locator("tr.diff-add").nth(3)).to_contain_text("# second <b>try</b>")
    assert page.locator("table.diff b").count() == 0
    for theme in ("light", "dark"):
        page.evaluate("t => localStorage.setItem('jaxtutor:theme', t)", theme)
        page.reload()
        assert axe_violations(page) == [], theme
    page.evaluate("localStorage.setItem('jaxtutor:theme', 'light')")
    page.reload()
    viewport_shot(page, "diff-1280")
    diff_url = page.url
    page.get_by_role("link", name="Show every line").click()
    expect(page.locator("table.diff tbody tr")).to_have_count(7)

    phone, small = new_page(browser, width=375, height=800)
    small.goto(url + "/login")
    small.get_by_label("Username").fill("emil")
    small.get_by_label("Password").fill("learner-password")
    small.get_by_role("button", name="Log in").click()
    small.goto(diff_url)
    expect(small.locator("table.diff")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    viewport_shot(small, "diff-375")
    phone.close()
    context.close()
