"""The learner page routes in process: drafts, the solution after passing, resubmissions, empty code,
the session-ended notice, and what the lesson page shows once."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from app.models import Submission, User
from app.services import drafts
from app.templating import code_refs, lesson_body

from .conftest import FakeGrader, htmx, login, make_user, wait_for

GOOD = "def f(x):\n    return x + 1\n"


def editor_text(html: str) -> str:
    match = re.search(r'<textarea id="code"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, html[:500]
    return match.group(1)


async def test_drafts_are_saved_per_learner_and_open_the_editor(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client, "alice")
    starter = editor_text((await client.get("/lessons/demo-add")).text)
    r = await client.put("/drafts/lesson:demo-add", data={"code": "# alice's draft"}, headers=await htmx(client))
    assert r.status_code == 200 and r.json()["saved_at_ms"] > 0
    page = (await client.get("/lessons/demo-add")).text
    assert editor_text(page) == "# alice&#39;s draft"
    assert 'data-user="' in page and 'data-saved-at="' in page and 'id="draft-status"' in page
    # The playground has its own draft.
    await client.put("/drafts/playground", data={"code": "print('play')"}, headers=await htmx(client))
    assert "print(&#39;play&#39;)" in editor_text((await client.get("/playground")).text)
    # Bad keys and unknown lessons are refused; so is a draft without a login.
    assert (await client.put("/drafts/other", data={"code": "x"}, headers=await htmx(client))).status_code == 404
    assert (await client.put("/drafts/lesson:nope", data={"code": "x"}, headers=await htmx(client))).status_code == 404

    await client.post("/logout", headers=await htmx(client))
    r = await client.put("/drafts/lesson:demo-add", data={"code": "x"}, headers=await htmx(client))
    assert r.status_code == 401
    await login(client, "bob")
    assert editor_text((await client.get("/lessons/demo-add")).text) == starter  # never alice's draft


async def test_the_newer_of_draft_and_submission_opens(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client, "alice")
    await client.put("/drafts/lesson:demo-add", data={"code": "# older draft"}, headers=await htmx(client))
    await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))
    assert "return x + 1" in editor_text((await client.get("/lessons/demo-add")).text)
    await client.put("/drafts/lesson:demo-add", data={"code": "# newer draft"}, headers=await htmx(client))
    assert editor_text((await client.get("/lessons/demo-add")).text) == "# newer draft"


def test_save_draft_replaces_the_row(engine: Any) -> None:
    with Session(engine) as session:
        user = User(username="u1", password_hash="x")
        session.add(user)
        session.commit()
        session.refresh(user)
        assert user.id is not None
        first = drafts.save_draft(session=session, user_id=user.id, key="lesson:demo-add", code="a")
        second = drafts.save_draft(session=session, user_id=user.id, key="lesson:demo-add", code="b")
        assert first.id == second.id and second.code == "b"
        try:
            drafts.save_draft(session=session, user_id=user.id, key="../etc", code="c")
        except drafts.DraftKeyError:
            pass
        else:
            raise AssertionError("a bad key was accepted")


async def test_resubmitting_the_same_code_is_not_graded_twice(
    client: httpx.AsyncClient, app: FastAPI, grader: FakeGrader
) -> None:
    make_user(app, "alice")
    await login(client)
    first = await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))
    again = await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))
    assert "submission-1" in first.text and "submission-1" in again.text and "not graded again" in again.text
    await wait_for(lambda: _graded(client, 1))
    third = await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))
    assert "already graded" in third.text
    other = await client.post("/lessons/demo-add/submissions", data={"code": GOOD + "\n"}, headers=await htmx(client))
    assert "submission-2" in other.text
    await wait_for(lambda: _graded(client, 2))
    with Session(app.state.engine) as session:
        assert len(session.exec(select(Submission)).all()) == 2
    assert len(grader.calls) == 2


async def _graded(client: httpx.AsyncClient, sub_id: int) -> bool:
    return bool((await client.get(f"/api/v1/submissions/{sub_id}")).json()["status"] == "done")


async def test_an_empty_submission_is_a_notice_and_keeps_the_result(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    r = await client.post("/lessons/demo-add/submissions", data={"code": "  \n"}, headers=await htmx(client))
    assert r.status_code == 400 and "Your code is empty" in r.text
    assert r.headers["HX-Retarget"] == "#notice"  # not into #submission, where the last result stays
    r = await client.post("/lessons/demo-add/submissions", data={}, headers=await htmx(client))
    assert r.status_code == 400 and "Your code is empty" in r.text


async def test_the_solution_opens_after_passing(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    assert (await client.get("/lessons/demo-add/solution", headers={"HX-Request": "true"})).status_code == 403
    await client.post("/lessons/demo-add/submissions", data={"code": GOOD}, headers=await htmx(client))
    await wait_for(lambda: _graded(client, 1))
    partial = (await client.get("/submissions/1", headers={"HX-Request": "true"})).text
    assert 'hx-get="/lessons/demo-add/solution"' in partial and 'hx-target="#solution"' in partial
    r = await client.get("/lessons/demo-add/solution", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="solution"' in r.text and " open" in r.text
    assert '>return</span> <span class="n">x</span>' in r.text


async def test_lesson_title_and_objectives_show_once(client: httpx.AsyncClient) -> None:
    page = (await client.get("/lessons/demo-add")).text
    assert page.count("Add one, the JAX way</h1>") == 1 and "<h1>Add one</h1>" not in page
    assert page.count(">Objectives<") == 1


def test_lesson_body_drops_the_title_and_objectives_but_not_code() -> None:
    text = "# Title\n\nIntro.\n\n## Objectives\n\n- one\n- two\n\n## Next\n\n```md\n## Objectives\n```\n"
    body = lesson_body(text, drop_objectives=True)
    assert "# Title" not in body and "- one" not in body and "## Next" in body and "```md\n## Objectives" in body
    assert "- one" in lesson_body(text, drop_objectives=False)


def test_code_refs_name_the_learners_code_not_a_temp_file() -> None:
    assert code_refs("expected ':' (582137804.py, line 1)") == "expected ':' (your code, line 1)"
    assert code_refs('File "/tmp/ipykernel_12/582137804.py", line 3, in f') == "your code, line 3, in f"
    assert code_refs("File /tmp/ipykernel_7/99.py:4") == "your code, line 4"
    assert code_refs("Cell In[3], line 2") == "your code, line 2"
    assert code_refs("see data_2024.py, line 5 of the docs") == "see data_2024.py, line 5 of the docs"


async def test_playground_does_not_offer_submit(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    page = (await client.get("/playground")).text
    assert "submits" not in page and 'id="submit-btn"' not in page
    assert "<kbd>Ctrl/Cmd+S</kbd> submits" in (await client.get("/lessons/demo-add")).text


async def test_login_returns_to_a_local_page_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    for target, expected in (
        ("/lessons/demo-add", "/lessons/demo-add"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        page = await client.get("/login", params={"next": target})
        assert f'name="next" value="{expected}"' in page.text, target
