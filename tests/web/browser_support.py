"""Shared pieces of the browser tests: a real ``jaxtutor serve`` on loopback and Debian's Chromium.

Imported by the ``test_browser*`` modules (their fixtures are module-scoped, so each module gets its
own server); skips the importing module when Chromium or Playwright is missing.
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

from tests.support.required import unavailable

from .conftest import LESSONS, make_short_dir

CHROMIUM = os.environ.get("JAXTUTOR_TEST_CHROMIUM", "/usr/bin/chromium")  # a test hides chromium with it
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
    unavailable("browser", f"{CHROMIUM} is missing (apt-get install -y chromium)", module_level=True)
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
    with serve_live(sandbox_ready, [LESSONS]) as server:
        yield server


def live_env(
    root: Path, lesson_dirs: list[Path], sandbox_ready: bool, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a test server: this process's, without any JAXTUTOR_ setting of the caller's
    shell, with its data under ``root`` and only these lesson folders; ``overrides`` replace or add."""
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
        | {
            "JAXTUTOR_DATA_DIR": str(root / "data"),
            "JAXTUTOR_RUNTIME_DIR": str(root / "rt"),
            "JAXTUTOR_LESSON_DIRS": json.dumps([str(d) for d in lesson_dirs]),
            "JAXTUTOR_BUNDLED_LESSONS": "0",
            "JAXTUTOR_COOKIE_SECURE": "false",  # plain http on loopback
            "JAXTUTOR_POOL_WARM_KERNELS": "1",
            "JAXTUTOR_POLL_INTERVAL_MS": "150",
        }
        | (overrides or {})
    )
    if not sandbox_ready:
        env["JAXTUTOR_UNSAFE_NO_SANDBOX"] = "1"
    return env


@contextlib.contextmanager
def serve_live(
    sandbox_ready: bool,
    lesson_dirs: list[Path],
    *,
    root: Path | None = None,
    log_name: str = "server.log",
    port: int = 0,
    overrides: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """``jaxtutor serve`` on loopback with these lesson folders (real kernels, real grader); ``overrides``
    are extra JAXTUTOR_ settings. The data lives under ``root`` (a fresh short dir by default), removed after;
    ``port`` 0 takes a free one."""
    root = root or make_short_dir("jtb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = live_env(root, lesson_dirs, sandbox_ready, overrides)
    port = port or _free_port()
    log = ARTIFACTS / log_name
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


def new_page(browser: Any, *, width: int = 1280, height: int = 900) -> tuple[Any, Any]:
    """A fresh browser context (its own cookies and storage) and a page in it, with a 60 s default wait."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("dialog", lambda d: d.accept())
    return context, page


def signup(page: Any, url: str, username: str, password: str = "learner-password") -> None:
    page.goto(url + "/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    playwright_sync.expect(page.get_by_role("link", name=username)).to_be_visible()


def log_in(page: Any, url: str, username: str, password: str) -> None:
    """Sign in through the login form (Enter in the password field) and wait for the top bar's user link."""
    page.goto(url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    playwright_sync.expect(page.get_by_role("link", name=username)).to_be_visible()


def editor_code(page: Any) -> str:
    page.locator(".CodeMirror").wait_for()
    return str(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def set_editor_code(page: Any, code: str) -> None:
    """Replace the editor's text as typing would (CodeMirror's change events fire)."""
    page.locator(".CodeMirror").wait_for()
    page.evaluate("code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)", code)
