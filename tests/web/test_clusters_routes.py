"""The clusters pages and the feedback forms and JSON API, through the app: who sees the clusters (staff for
the whole lesson, a cohort's instructors for the cohort; never learners), a cluster comment reaching a
learner's submission page rendered safely, the home page's count, line comments, edit and delete."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import Session

from app.models import CohortRole, Role, User
from app.services import cohorts, submissions, users

from .conftest import api_token, csrf, login, make_user

V = "1-c16"


def _user(session: Session, name: str) -> User:
    user = users.get_user_by_username(session=session, username=name)
    assert user is not None
    return user


def _graded(session: Session, user: User, key: str, verdict: str = "pass") -> int:
    code = f"import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1  # {key}\n"
    sub = submissions.create_submission(session=session, user=user, lesson_id="demo-add", code=code)
    assert sub.id is not None
    form = f"in in0:f32[4]\nv0:f32[4] = add in0 const:f32[]  # {key}\nout v0"
    report = {
        "status": verdict,
        "score": 1.0 if verdict == "pass" else 0.0,
        "checks": [],
        "cluster": {"key": key, "version": V, "traced": True, "normal_form": form},
    }
    submissions.mark_done(session=session, submission_id=sub.id, report=report)
    return sub.id


def _seed(app: FastAPI) -> dict[str, Any]:
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "otto", Role.INSTRUCTOR)
    make_user(app, "root", Role.ADMIN)
    for name in ("lea", "leo", "zed"):
        make_user(app, name)
    with Session(app.state.engine) as s:
        cohort = cohorts.create_cohort(session=s, name="Spring", creator=_user(s, "ines"))
        for name in ("lea", "leo"):
            cohorts.add_member(session=s, cohort=cohort, user=_user(s, name), role=CohortRole.LEARNER)
        cohorts.set_track(
            session=s, cohort=cohort, entries=[cohorts.TrackEntry("demo-add")], known_lessons={"demo-add"}
        )
        return {
            "cohort": cohort.id,
            "lea_a": _graded(s, _user(s, "lea"), "j-aaa"),
            "leo_a": _graded(s, _user(s, "leo"), "j-aaa"),
            "zed_a": _graded(s, _user(s, "zed"), "j-aaa"),
            "lea_b": _graded(s, _user(s, "lea"), "j-bbb", "fail"),
        }


async def test_cluster_pages_are_for_instructors_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    cid = ids["cohort"]
    await login(client, "lea")
    assert (await client.get("/instructor/lessons/demo-add/clusters")).status_code == 403
    assert (await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters")).status_code == 403
    assert (await client.get("/api/v1/lessons/demo-add/clusters")).status_code == 403
    assert (await client.get(f"/api/v1/cohorts/{cid}/lessons/demo-add/clusters")).status_code == 403
    assert (await client.get(f"/submissions/{ids['leo_a']}")).status_code == 404  # another learner's
    assert (await client.get(f"/api/v1/submissions/{ids['leo_a']}/comments")).status_code == 404
    await login(client, "otto")  # an instructor, but not of this cohort
    assert (await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters")).status_code == 404

    await login(client, "ines")
    page = await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters")
    assert page.status_code == 200
    sizes = re.findall(r'<td class="cluster-size">(\d+)</td>', page.text)
    assert sizes == ["2", "1"]  # the cohort's learners only: zed's submission is not counted
    whole = await client.get("/instructor/lessons/demo-add/clusters")
    assert re.findall(r'<td class="cluster-size">(\d+)</td>', whole.text) == ["3", "1"]
    assert "cluster-comment-form" not in whole.text  # only admins comment for every learner
    diff = await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters/diff", params={"a": f"j-aaa@{V}", "b": "j-bbb"})
    assert diff.status_code == 200
    assert "-v0:f32[4] = add in0 const:f32[]  # j-aaa" in html.unescape(diff.text)
    assert "+    return x + 1  # j-bbb" in html.unescape(diff.text)
    missing = await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters/diff", params={"a": "j-nope", "b": "j-bbb"})
    assert missing.status_code == 404
    api = await client.get(f"/api/v1/cohorts/{cid}/lessons/demo-add/clusters")
    assert [(c["key"], c["size"], c["verdict"]) for c in api.json()["clusters"]] == [
        ("j-aaa", 2, "pass"),
        ("j-bbb", 1, "fail"),
    ]
    assert api.json()["ungrouped"] == 0 and 'id="ungrouped"' not in page.text

    with Session(app.state.engine) as s:  # graded by a release before clusters: its report has none
        old = submissions.create_submission(session=s, user=_user(s, "leo"), lesson_id="demo-add", code="old")
        assert old.id is not None
        submissions.mark_done(session=s, submission_id=old.id, report={"status": "fail", "score": 0, "checks": []})
    page = await client.get(f"/cohorts/{cid}/lessons/demo-add/clusters")
    assert re.findall(r'<td class="cluster-size">(\d+)</td>', page.text) == ["2", "1"]
    notice = re.search(r'<p class="notice small" id="ungrouped">(.*?)</p>', page.text, re.S)
    assert notice and "1 graded submission" in notice.group(1) and "--scope ungrouped" in notice.group(1)
    assert (await client.get(f"/api/v1/cohorts/{cid}/lessons/demo-add/clusters")).json()["ungrouped"] == 1


async def test_a_cluster_comment_reaches_the_learners_submission_page(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    cid = ids["cohort"]
    await login(client, "ines")
    body = "Good: one `jnp.sum` call. <script>alert(1)</script>"
    r = await client.post(
        f"/cohorts/{cid}/lessons/demo-add/clusters/comments",
        data={"cluster": f"j-aaa@{V}", "body": body, "csrf_token": await csrf(client)},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#cluster-j-aaa")
    empty = await client.post(
        f"/cohorts/{cid}/lessons/demo-add/clusters/comments",
        data={"cluster": f"j-aaa@{V}", "body": " ", "csrf_token": await csrf(client)},
    )
    assert empty.status_code == 400

    await login(client, "lea")
    page = (await client.get(f"/submissions/{ids['lea_a']}")).text
    assert "<code>jnp.sum</code>" in page and "ines" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "normal_form" not in page  # the instructors' normal form stays out of the learner's raw report
    assert "Good: one" not in (await client.get(f"/submissions/{ids['lea_b']}")).text  # another cluster
    home = (await client.get("/")).text
    assert re.search(r'<strong class="comment-count">1</strong>', home)
    api = (await client.get(f"/api/v1/submissions/{ids['lea_a']}/comments")).json()
    assert [(c["kind"], c["author"], c["body"]) for c in api] == [("cluster", "ines", body)]
    assert "<code>jnp.sum</code>" in api[0]["html"] and "<script>" not in api[0]["html"]

    await login(client, "zed")  # in no cohort: the cohort's comment does not reach him
    assert "Good: one" not in (await client.get(f"/submissions/{ids['zed_a']}")).text


async def test_line_comments_and_editing_through_the_api(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    ines = {"Authorization": f"Bearer {api_token(app, 'ines')}"}
    otto = {"Authorization": f"Bearer {api_token(app, 'otto')}"}
    lea = {"Authorization": f"Bearer {api_token(app, 'lea')}"}
    root = {"Authorization": f"Bearer {api_token(app, 'root')}"}
    url = f"/api/v1/submissions/{ids['lea_a']}/comments"
    r = await client.post(url, json={"line": 5, "body": "Why `+ 1`?"}, headers=ines)
    assert r.status_code == 201, r.text
    comment = r.json()
    assert comment["kind"] == "line" and comment["line"] == 5
    assert (await client.post(url, json={"line": 99, "body": "x"}, headers=ines)).status_code == 400
    assert (await client.post(url, json={"line": 1, "body": "x"}, headers=otto)).status_code == 403  # not his cohort
    assert (await client.post(url, json={"line": 1, "body": "x"}, headers=lea)).status_code == 403
    zed_url = f"/api/v1/submissions/{ids['zed_a']}/comments"
    assert (await client.post(zed_url, json={"line": 1, "body": "x"}, headers=ines)).status_code == 403
    edit = f"/api/v1/comments/{comment['id']}"
    assert (await client.patch(edit, json={"body": "stolen"}, headers=otto)).status_code == 403
    edited = await client.patch(edit, json={"body": "Why **+ 1**?"}, headers=ines)
    assert edited.status_code == 200 and edited.json()["updated_at"] and "<strong>+ 1</strong>" in edited.json()["html"]
    seen = (await client.get(url, headers=lea)).json()
    assert [c["body"] for c in seen] == ["Why **+ 1**?"]
    # cluster comments through the API: a cohort's instructor for the cohort; for everyone, admins only
    cid = ids["cohort"]
    assert (
        await client.post("/api/v1/lessons/demo-add/clusters/j-aaa/comments", json={"body": "all"}, headers=ines)
    ).status_code == 403
    made = await client.post(
        "/api/v1/lessons/demo-add/clusters/j-aaa/comments", json={"body": "for all", "version": V}, headers=root
    )
    assert made.status_code == 201 and made.json()["cohort_id"] is None
    assert (
        await client.post(
            f"/api/v1/cohorts/{cid}/lessons/demo-add/clusters/j-zzz/comments", json={"body": "x"}, headers=ines
        )
    ).status_code == 404
    zed = {"Authorization": f"Bearer {api_token(app, 'zed')}"}
    assert [c["body"] for c in (await client.get(zed_url, headers=zed)).json()] == ["for all"]
    assert (await client.delete(edit, headers=lea)).status_code == 403
    assert (await client.delete(edit, headers=root)).status_code == 204
    assert [c["body"] for c in (await client.get(url, headers=lea)).json()] == ["for all"]


async def test_line_comment_form_on_the_submission_page(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    await login(client, "ines")
    page = (await client.get(f"/submissions/{ids['lea_a']}")).text
    assert "line-comment-form" in page
    r = await client.post(
        f"/submissions/{ids['lea_a']}/comments",
        data={"line": "5", "body": "Look at *this* line", "csrf_token": await csrf(client)},
    )
    assert r.status_code == 303
    page = (await client.get(f"/submissions/{ids['lea_a']}")).text
    assert "<em>this</em>" in page and "on line" in page
    cid = re.search(r'action="/comments/(\d+)/delete"', page)
    assert cid is not None
    # The listing marks line 5 and links it to the comment; the comment links back to the line.
    assert re.search(r'<span class="line commented" id="L5">.*?href="#comment-' + cid.group(1) + '"', page)
    assert 'id="comment-' + cid.group(1) + '"' in page and 'href="#L5"' in page
    assert page.count("line commented") == 1
    r = await client.post(
        f"/comments/{cid.group(1)}/delete",
        data={"next": "//evil.example/", "csrf_token": await csrf(client)},
    )
    assert r.status_code == 303 and r.headers["location"] == "/"  # never off the site
    await login(client, "lea")
    page = (await client.get(f"/submissions/{ids['lea_a']}")).text
    assert "<em>this</em>" not in page and "line-comment-form" not in page
