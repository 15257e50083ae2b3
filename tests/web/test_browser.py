"""End to end in Debian's Chromium (Playwright) against a real ``jaxtutor serve`` on loopback.

The server runs with its real kernel provider (the warm pool; sandboxed when the host allows it) and
the real grader, on the small ``demo-add`` test lesson. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import LESSONS, make_short_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(420)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
GRADING_TIMEOUT_MS = 240_000

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev deps)")


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(sandbox_ready: bool) -> Iterator[LiveServer]:
    root = make_short_dir("jtb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")} | {
        "JAXTUTOR_DATA_DIR": str(root / "data"),
        "JAXTUTOR_RUNTIME_DIR": str(root / "rt"),
        "JAXTUTOR_LESSON_DIRS": json.dumps([str(LESSONS)]),
        "JAXTUTOR_COOKIE_SECURE": "false",  # plain http on loopback
        "JAXTUTOR_POOL_WARM_KERNELS": "1",
        "JAXTUTOR_POLL_INTERVAL_MS": "150",
    }
    if not sandbox_ready:
        env["JAXTUTOR_UNSAFE_NO_SANDBOX"] = "1"
    port = _free_port()
    log = ARTIFACTS / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jaxtutor serve exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail("jaxtutor serve did not answer within 120 s:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield LiveServer(url=url, env=env, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


UNLABELLED_JS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('input, textarea, select, button')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!named) bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
}"""


def assert_labelled(page: Any) -> None:
    assert page.evaluate(UNLABELLED_JS) == [], page.url


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
    page.get_by_role("link", name="Add one, the JAX way").click()
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
    expect(submission.locator("table.checks")).to_contain_text("correctness")
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
