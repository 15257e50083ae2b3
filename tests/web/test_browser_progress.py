"""Grading progress, Try and the progress home in Debian's Chromium, against a real server and kernels."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import browser_support
from .browser_support import (
    ARTIFACTS,
    GRADING_TIMEOUT_MS,
    LiveServer,
    new_page,
    playwright_sync,
    serve_live,
    set_editor_code,
    signup,
)
from .conftest import LESSONS

browser = browser_support.browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(900)]

PASSING = "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1\n"
expect = playwright_sync.expect


@pytest.fixture(scope="module")
def live_server(sandbox_ready: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The web test lessons plus ``demo-try`` (demo-add with a public seed), so that Try is offered."""
    extra = tmp_path_factory.mktemp("try-lessons")
    shutil.copytree(LESSONS / "demo-add", extra / "demo-try")
    toml = extra / "demo-try" / "lesson.toml"
    text = toml.read_text().replace("Add one, the JAX way", "Add one, tried first")
    toml.write_text(text.replace("order = 10", "order = 20\nseeds = [0, 1, 2]\npublic_seeds = [7]"))
    with serve_live(sandbox_ready, [LESSONS, extra]) as server:
        yield server


def shoot(page: Any, name: str, width: int, *, scroll_output: bool = False) -> Path:
    page.set_viewport_size({"width": width, "height": 1100 if width > 500 else 900})
    if scroll_output:  # the output panel scrolls: show its end (the comparison) in the picture
        page.evaluate("() => { const o = document.getElementById('run-output'); o.scrollTop = o.scrollHeight; }")
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_progress_try_and_home(live_server: LiveServer, browser: Any) -> None:
    url = live_server.url
    context, page = new_page(browser)
    signup(page, url, "grace")
    page.goto(url + "/lessons/demo-try")
    set_editor_code(page, PASSING)

    # Try: the learner's f on the public example, beside the expected output, from their own kernel.
    page.get_by_role("button", name="Try").click()
    output = page.locator("#run-output")
    expect(output.locator("table")).to_contain_text("float32[4]", timeout=GRADING_TIMEOUT_MS)
    expect(output).to_contain_text("✓ matches the expected output", timeout=GRADING_TIMEOUT_MS)
    expect(output).to_contain_text("Example 1 (public seed 7)")
    for width in (1280, 375):
        shoot(page, "try", width, scroll_output=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Submit: while it waits or is graded, the page says where it stands (phase, queue, elapsed time).
    page.get_by_role("button", name="Submit").click()
    status = page.locator("#submission .grading-progress")
    expect(status).to_be_visible(timeout=60_000)
    assert re.search(r"yours is next|ahead of yours|grading: ", status.inner_text()), status.inner_text()
    expect(page.locator("#submission .grading-progress .phase")).to_contain_text(
        re.compile(r"grading: (preparing the reference|starting a fresh kernel|loading|calling|checking|compiling)"),
        timeout=GRADING_TIMEOUT_MS,
    )
    expect(page.locator("#submission .verdict")).to_contain_text("Passed", timeout=GRADING_TIMEOUT_MS)

    # The progress home: continue where you left off, x of N per step.
    page.goto(url + "/")
    home = page.locator(".progress-home")
    expect(home.get_by_role("link", name="Add one, tried first")).to_be_visible()
    expect(home).to_contain_text("1 of 2 lessons passed")
    expect(home).to_contain_text("1 of 2 passed")
    for width in (1280, 375):
        shoot(page, "home", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
