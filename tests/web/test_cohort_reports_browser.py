"""A cohort's progress matrix in Debian's Chromium against a real server: at 375 px the page keeps the phone's
width while the matrix scrolls inside itself with the learner column held in place, and the keyboard reaches
the matrix, scrolls it and follows a cell's link to the learner's page at that lesson."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.models import CohortRole, LessonProgress, Role, UserCreate
from app.services import cohorts, users

from . import browser_support
from .browser_support import LiveServer, log_in, new_page, playwright_sync, shot

live_server = browser_support.live_server
browser = browser_support.browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]
expect = playwright_sync.expect
LESSONS = [f"lesson-{i:02d}" for i in range(12)]


def _seed(server: LiveServer) -> int:
    """An instructor and 25 learners in a cohort whose track has 12 lessons (a track may name lessons the
    catalog does not serve; the matrix still shows them), written straight into the server's database."""
    settings = Settings(
        data_dir=Path(server.env["JAXTUTOR_DATA_DIR"]), runtime_dir=Path(server.env["JAXTUTOR_RUNTIME_DIR"])
    )
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            teacher = users.create_user(
                session=session,
                user_create=UserCreate(username="teacher", password="teacher-password", role=Role.INSTRUCTOR.value),
            )
            cohort = cohorts.create_cohort(session=session, name="Phone class", creator=teacher)
            cohorts.set_track(
                session=session,
                cohort=cohort,
                entries=[cohorts.TrackEntry(lid) for lid in LESSONS],
                known_lessons=set(LESSONS),
            )
            for i in range(25):
                learner = users.create_user(
                    session=session,
                    user_create=UserCreate(username=f"learner-with-a-long-name-{i:02d}", password="learner-password"),
                )
                cohorts.add_member(session=session, cohort=cohort, user=learner, role=CohortRole.LEARNER)
                assert learner.id is not None
                session.add(
                    LessonProgress(user_id=learner.id, lesson_id=LESSONS[i % 12], attempts=i % 7, best_score=0.5)
                )
            session.commit()
            assert cohort.id is not None
            return cohort.id
    finally:
        engine.dispose()


def test_matrix_at_phone_width_and_by_keyboard(live_server: LiveServer, browser: Any) -> None:
    cid = _seed(live_server)
    url = live_server.url
    context, page = new_page(browser, width=375, height=700)
    log_in(page, url, "teacher", "teacher-password")
    page.goto(f"{url}/cohorts/{cid}/progress")

    # The page keeps the phone's width; the matrix is wider and scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator(".matrix-scroll")
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1] > 0, sizes
    first = page.get_by_role("link", name="learner-with-a-long-name-00", exact=True)
    before = first.bounding_box()
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = first.bounding_box()
    assert before is not None and after is not None
    assert abs(after["x"] - before["x"]) < 1, (before, after)  # the learner column stays put
    shot(page, "cohort-matrix-375")
    box.evaluate("el => { el.scrollLeft = 0; }")

    # Keyboard: Tab reaches the scroll box (focusable, named), then the cells' links; Enter follows one.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('matrix-scroll')"):
            break
    else:
        pytest.fail("Tab never reached the matrix")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    page.keyboard.press("ArrowRight")  # a focused scroll box scrolls with the arrow keys
    # (Polled from here: the page's CSP forbids the string evaluation wait_for_function uses.)
    deadline = time.monotonic() + 10
    while box.evaluate("el => el.scrollLeft") == 0:
        assert time.monotonic() < deadline, "ArrowRight did not scroll the focused matrix"
        page.wait_for_timeout(50)
    box.evaluate("el => { el.scrollLeft = 0; }")
    for _ in range(14):  # the lesson headers, the first learner, then that learner's cells
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if "#l-lesson-00" in href:
            break
    else:
        pytest.fail("Tab never reached a cell")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cohorts/{cid}/learners/*#l-lesson-00")
    expect(page.locator("#l-lesson-00")).to_be_visible()
    context.close()


def test_cohort_views_have_no_serious_accessibility_violations(live_server: LiveServer, browser: Any) -> None:
    from .test_browser_learner import axe_violations

    url = live_server.url
    context, page = new_page(browser)
    log_in(page, url, "teacher", "teacher-password")
    page.goto(url + "/cohorts")
    href = str(page.get_by_role("link", name="Phone class").get_attribute("href"))
    learner = str(page.goto(url + href + "/progress") and page.locator("tbody th a").first.get_attribute("href"))
    for theme in ("light", "dark"):
        page.evaluate("t => localStorage.setItem('jaxtutor:theme', t)", theme)
        for path in (href + "/progress", href + "/" + learner, href + "/lessons/lesson-00", href):
            page.goto(url + path)
            page.locator("main").wait_for()
            assert axe_violations(page) == [], (theme, path)
    context.close()
