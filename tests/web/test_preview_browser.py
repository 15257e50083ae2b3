"""The instructor's authoring loop in Chromium against a real ``jaxtutor serve``: a lesson imported from
the example notebook is previewed, its solution and starter are graded in real sandboxed kernels, and
edits to its files (a good one, then a broken one) show up without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import browser_support
from .browser_support import (
    ARTIFACTS,
    GRADING_TIMEOUT_MS,
    REPO,
    LiveServer,
    live_env,
    log_in,
    playwright_sync,
    serve_live,
)
from .conftest import make_short_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(600)]
browser = browser_support.browser  # the module-scoped Chromium
NOTEBOOK = REPO / "docs" / "notebooks" / "example-rowwise-softplus.ipynb"
LESSON_ID = "example-rowwise-softplus"


@pytest.fixture(scope="module")
def authoring_server(sandbox_ready: bool) -> Iterator[tuple[LiveServer, Path]]:
    root = make_short_dir("jtp")
    lessons = root / "lessons"
    lessons.mkdir()
    settings: dict[str, str] = {
        "JAXTUTOR_LESSON_RELOAD_S": "0.5",
        "JAXTUTOR_KERNEL_READY_TIMEOUT_S": "240",  # this shared test machine can be very slow to start kernels
    }
    importer = LiveServer(url="", env=live_env(root, [lessons], sandbox_ready, settings), log=ARTIFACTS / "x")
    imported = importer.cli("lessons", "import", str(NOTEBOOK), "--dir", str(lessons))
    assert imported.returncode == 0, imported.stderr
    with serve_live(sandbox_ready, [lessons], root=root, log_name="preview-server.log", overrides=settings) as server:
        yield server, lessons / LESSON_ID


def test_instructor_previews_grades_and_edits_a_notebook_lesson(
    authoring_server: tuple[LiveServer, Path], browser: Any
) -> None:
    server, folder = authoring_server
    expect = playwright_sync.expect
    made = server.cli("users", "create", "ines", "--role", "instructor", "--password-stdin", stdin="instructor-pw-1\n")
    assert made.returncode == 0, made.stderr
    page: Any = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(60_000)
    log_in(page, server.url, "ines", "instructor-pw-1")

    page.goto(server.url + "/instructor")
    page.get_by_role("link", name="preview").first.click()
    expect(page.get_by_role("heading", name="Preview: Row-wise softplus without a Python loop")).to_be_visible()
    expect(page.locator(".markdown")).to_contain_text("softplus")

    page.get_by_role("button", name="Grade solution").click()
    solution = page.locator("#report-solution .preview-report")
    expect(solution).to_have_attribute("data-status", "pass", timeout=GRADING_TIMEOUT_MS)
    expect(solution.locator('tr[data-check="vectorization"] td').first).to_have_text("pass")
    page.get_by_role("button", name="Grade starter").click()
    starter = page.locator("#report-starter .preview-report")
    expect(starter).to_have_attribute("data-status", "fail", timeout=GRADING_TIMEOUT_MS)
    expect(starter.locator('tr[data-check="vectorization"] td').first).to_have_text("fail")
    page.screenshot(path=str(ARTIFACTS / "preview-graded.png"), full_page=True)

    # A live edit shows without a restart; a broken one keeps the last good version and says why.
    toml = folder / "lesson.toml"
    good = toml.read_text()
    toml.write_text(good.replace("Row-wise softplus without a Python loop", "Softplus, edited live"))
    page.reload()  # the preview re-reads changed lesson files on request
    expect(page.get_by_role("heading", name="Preview: Softplus, edited live")).to_be_visible()
    toml.write_text(good.replace("step = 2", "step = 42"))
    page.reload()
    expect(page.get_by_role("heading", name="Load problems")).to_be_visible()
    expect(page.locator(".load-problems")).to_contain_text("less than or equal to 6")
    expect(page.get_by_role("heading", name="Preview: Softplus, edited live")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "preview-broken-edit.png"), full_page=True)
    page.goto(server.url + "/")
    expect(page.locator("ol").get_by_role("link", name="Softplus, edited live")).to_be_visible()  # served
