"""Clusters and feedback in Debian's Chromium against a real server with real grading: two learners submit
the same program under other names, an instructor opens the cohort's clusters for the lesson, sees one group
of two, writes a Markdown comment on it, and a learner sees it on their submission page and its count on
their home page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.models import CohortRole, Role, UserCreate
from app.services import cohorts, tokens, users

from . import browser_support
from .browser_support import GRADING_TIMEOUT_MS, LiveServer, assert_labelled, log_in, new_page, playwright_sync, shot
from .conftest import LESSONS

browser = browser_support.browser


@pytest.fixture(scope="module")
def live_server(sandbox_ready: bool) -> Iterator[LiveServer]:
    """The shared test server, with kernels allowed longer to start: this test grades three submissions on
    machines that other suites keep busy, and a slow kernel start is not what it is about."""
    with browser_support.serve_live(
        sandbox_ready, [LESSONS], overrides={"JAXTUTOR_KERNEL_READY_TIMEOUT_S": "240"}
    ) as server:
        yield server


pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(900)]
expect = playwright_sync.expect

LEA_CODE = "import jax.numpy as jnp\n\n\ndef f(x):\n    y = x + 1\n    return y\n"
LEO_CODE = "import jax.numpy as jnp\n\n\ndef f(values):\n    shifted = values + 1\n    return shifted\n"


def _seed(server: LiveServer) -> tuple[int, str]:
    """A teacher and two learners in a cohort whose track has demo-add; leo's API token."""
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
            cohort = cohorts.create_cohort(session=session, name="Clusters class", creator=teacher)
            cohorts.set_track(
                session=session, cohort=cohort, entries=[cohorts.TrackEntry("demo-add")], known_lessons={"demo-add"}
            )
            for name in ("lea", "leo"):
                learner = users.create_user(
                    session=session, user_create=UserCreate(username=name, password="learner-password")
                )
                cohorts.add_member(session=session, cohort=cohort, user=learner, role=CohortRole.LEARNER)
            leo = users.get_user_by_username(session=session, username="leo")
            assert leo is not None and cohort.id is not None
            return cohort.id, tokens.create_api_token(session=session, user=leo)
    finally:
        engine.dispose()


def _submit_by_api(url: str, token: str, code: str) -> None:
    """leo submits through the JSON API and waits until his submission is graded."""
    auth = {"Authorization": f"Bearer {token}"}
    r = httpx.post(f"{url}/api/v1/lessons/demo-add/submissions", json={"code": code}, headers=auth, timeout=30)
    assert r.status_code == 202, r.text
    sub_id = r.json()["id"]
    deadline = time.monotonic() + GRADING_TIMEOUT_MS / 1000
    while True:
        state = httpx.get(f"{url}/api/v1/submissions/{sub_id}", headers=auth, timeout=30).json()
        if state["status"] == "done":
            assert state["verdict"] == "pass", (state["report"] or {}).get("message")
            return
        assert time.monotonic() < deadline, state
        time.sleep(1)


def test_instructor_comments_on_a_cluster_and_the_learner_sees_it(live_server: LiveServer, browser: Any) -> None:
    cid, leo_token = _seed(live_server)
    url = live_server.url

    learner_ctx, learner = new_page(browser)
    log_in(learner, url, "lea", "learner-password")
    learner.goto(url + "/lessons/demo-add")
    browser_support.set_editor_code(learner, LEA_CODE)
    learner.get_by_role("button", name="Submit").click()
    expect(learner.locator("#submission .verdict")).to_be_visible(timeout=GRADING_TIMEOUT_MS)
    assert "Passed" in learner.locator("#submission .verdict").inner_text(), learner.locator("#submission").inner_text()
    _submit_by_api(url, leo_token, LEO_CODE)

    teacher_ctx, teacher = new_page(browser)
    log_in(teacher, url, "teacher", "teacher-password")
    teacher.goto(f"{url}/cohorts/{cid}/lessons/demo-add")
    teacher.get_by_role("link", name="approaches (clusters by traced program)").click()
    teacher.wait_for_url(f"**/cohorts/{cid}/lessons/demo-add/clusters")
    expect(teacher.locator("td.cluster-size")).to_have_text(["2"])  # the renamed copy is the same program
    cluster = teacher.locator("section.cluster").first
    cluster.get_by_text("Traced program (normal form)").click()
    expect(cluster.locator(".normal-form")).to_contain_text("= add const:f32[] in0")
    assert_labelled(teacher)
    cluster.get_by_label("Comment for every submission in this group").fill(
        "Well done: `x + 1` adds elementwise.\n\n<b>no raw html</b>"
    )
    cluster.get_by_role("button", name="Comment").click()
    expect(teacher.locator(".comment-body code")).to_have_text("x + 1")
    shot(teacher, "clusters-comment")

    learner.goto(url + "/")
    expect(learner.locator(".comment-count")).to_have_text("1")
    learner.get_by_role("link", name="comment from your instructors").click()
    learner.wait_for_url("**/submissions/*#comments")
    comments = learner.locator("#comments")
    expect(comments.locator(".comment-body code")).to_have_text("x + 1")
    expect(comments.locator(".comment-author")).to_have_text("teacher")
    expect(comments).to_contain_text("<b>no raw html</b>")  # shown as text, never as markup
    assert comments.locator(".comment-body b").count() == 0
    shot(learner, "clusters-learner-comment")
    sub_url = learner.url.split("#")[0]

    # A line comment (mentoring), written with the keyboard alone: the learner's listing marks line 5 and links
    # it to the comment, and the comment links back to the line.
    teacher.goto(sub_url)
    teacher.get_by_label("Line", exact=True).fill("5")
    teacher.get_by_label("Comment on this line (Markdown)").fill("Name it `shifted`?")
    teacher.get_by_label("Comment on this line (Markdown)").press("Tab")
    teacher.keyboard.press("Enter")  # the Comment button, reached by Tab
    expect(teacher.locator(".comment-line .comment-body code")).to_have_text("shifted")
    learner.goto(sub_url)
    marked = learner.locator("pre.numbered .line.commented")
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("id", "L5")
    note = marked.get_by_role("link", name="comment on line 5")
    note.focus()
    learner.keyboard.press("Enter")
    assert learner.url.split("#")[1].startswith("comment-"), learner.url
    expect(learner.locator(f"#{learner.url.split('#')[1]} .comment-body code")).to_have_text("shifted")
    shot(learner, "submission-line-comment")
    learner.set_viewport_size({"width": 375, "height": 800})
    learner.goto(sub_url + "#L5")
    assert learner.evaluate("document.documentElement.scrollWidth") <= 375  # the page itself never scrolls sideways
    shot(learner, "submission-line-comment-375")
    learner_ctx.close()
    teacher_ctx.close()
