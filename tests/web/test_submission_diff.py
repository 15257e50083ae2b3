"""The diff between two attempts: a line diff of the learner's own submissions, rendered as escaped text."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlmodel import Session

from app.models import Role
from app.services import submissions, users
from app.services.submission_diff import line_diff

from .conftest import login, make_user

OLD = "def f(x, y):\n    return x - y\n\nprint('a')\n"
NEW = "def f(x, y):\n    # fixed <b>sign</b>\n    return x + y\n\nprint('a')\n"


def _store(app: FastAPI, username: str, code: str, lesson_id: str = "demo-add") -> int:
    with Session(app.state.engine) as session:
        user = users.get_user_by_username(session=session, username=username)
        assert user is not None
        sub = submissions.create_submission(session=session, user=user, lesson_id=lesson_id, code=code)
        assert sub.id is not None
        return sub.id


def test_line_diff_marks_added_and_removed_lines_with_both_numbers() -> None:
    hunks, added, removed = line_diff(OLD, NEW)
    assert (added, removed) == (2, 1)
    kinds = [(d.kind, d.old, d.new, d.text) for d in hunks[0]]
    assert ("del", 2, None, "    return x - y") in kinds
    assert ("add", None, 2, "    # fixed <b>sign</b>") in kinds and ("add", None, 3, "    return x + y") in kinds
    assert ("same", 1, 1, "def f(x, y):") in kinds
    far = "\n".join(f"line{i}" for i in range(40))
    hunks, _, _ = line_diff(far, far.replace("line5\n", "LINE5\n").replace("line30\n", "LINE30\n"))
    assert len(hunks) == 2 and len(hunks[0]) == 8  # 3 lines of context either side
    whole, _, _ = line_diff(far, far.replace("line5\n", "LINE5\n"), context=None)
    assert len(whole) == 1 and len(whole[0]) == 41
    assert line_diff(OLD, OLD)[1:] == (0, 0)


async def test_diff_page_shows_the_change_escaped(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    a, b = _store(app, "alice", OLD), _store(app, "alice", NEW)
    for query in (f"a={a}&b={b}", f"a={b}&b={a}"):  # either order: the older is the base
        page = await client.get(f"/lessons/demo-add/diff?{query}")
        assert page.status_code == 200, page.text
        text = page.text
        assert f'From <a href="/submissions/{a}">#{a}</a>' in text
        assert "2 lines added" in text and "1 removed" in text
        assert "<b>sign</b>" not in text and "&lt;b&gt;sign&lt;/b&gt;" in text
        assert re.search(r'<tr class="diff-del">(?:(?!</tr>).)*return x - y', text, re.S)
        assert re.search(r'<tr class="diff-add">(?:(?!</tr>).)*return x \+ y', text, re.S)
    whole = await client.get(f"/lessons/demo-add/diff?a={a}&b={b}&whole=true")
    assert "print(&#39;a&#39;)" in whole.text and "Show only the changes" in whole.text
    same = await client.get(f"/lessons/demo-add/diff?a={a}&b={a}")
    assert "the code is the same" in same.text
    # The lesson page's history offers the comparison and loading each submission into the editor.
    lesson = (await client.get("/lessons/demo-add")).text
    assert 'action="/lessons/demo-add/diff"' in lesson
    assert f'data-code-url="/submissions/{b}/code"' in lesson


async def test_only_the_learners_own_submissions_of_that_lesson(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    a = _store(app, "alice", OLD)
    b = _store(app, "bob", NEW)
    mine = _store(app, "alice", NEW)
    anonymous = await client.get(f"/lessons/demo-add/diff?a={a}&b={mine}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await login(client)
    r = await client.get(f"/lessons/demo-add/diff?a={a}&b={b}")
    assert r.status_code == 404 and "bob" not in r.text and "x + y" not in r.text
    assert (await client.get(f"/lessons/nope/diff?a={a}&b={mine}")).status_code == 404
    with Session(app.state.engine) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None
        other = submissions.create_submission(session=session, user=alice, lesson_id="broken", code=NEW)
    assert (await client.get(f"/lessons/demo-add/diff?a={a}&b={other.id}")).status_code == 404
    assert (await client.get(f"/lessons/demo-add/diff?a={a}&b=0")).status_code == 422
    assert (await client.get(f"/lessons/demo-add/diff?a={a}&b=x")).status_code == 422


async def test_staff_may_compare_one_learner_but_not_across_learners(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    make_user(app, "teach", role=Role.INSTRUCTOR)
    a, a2, b = _store(app, "alice", OLD), _store(app, "alice", NEW), _store(app, "bob", NEW)
    await login(client, "teach")
    assert (await client.get(f"/lessons/demo-add/diff?a={a}&b={a2}")).status_code == 200
    r = await client.get(f"/lessons/demo-add/diff?a={a}&b={b}")
    assert r.status_code == 400 and "same learner" in r.text


async def test_a_too_long_submission_is_refused_clearly(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.settings.diff_max_lines = 10
    make_user(app, "alice")
    await login(client)
    a, b = _store(app, "alice", OLD), _store(app, "alice", "x = 1\n" * 20)
    r = await client.get(f"/lessons/demo-add/diff?a={a}&b={b}")
    assert r.status_code == 413 and "longer than 10 lines" in r.text
