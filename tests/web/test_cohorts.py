"""Cohorts: an instructor creates one, assigns a track with due dates and invites learners by an expiring
link; learners see their cohorts' tracks with what is done and late on their home page. Pages, JSON API,
the service's lateness rules, and each bad input with its message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from app.models import CohortInvite, LessonProgress, Role, User, utcnow
from app.services import cohorts, users

from .conftest import BASE_URL, api_token, csrf, login, make_user

INVITE = re.compile(r"https://testserver/join/[A-Za-z0-9_-]+")


def _user(app: FastAPI, username: str) -> User:
    with Session(app.state.engine) as session:
        user = users.get_user_by_username(session=session, username=username)
        assert user is not None
        return user


def _progress(app: FastAPI, username: str, lesson_id: str, *, passed_at: datetime | None, attempts: int = 1) -> None:
    with Session(app.state.engine) as session:
        user_id = _user(app, username).id
        assert user_id is not None
        session.add(
            LessonProgress(
                user_id=user_id,
                lesson_id=lesson_id,
                attempts=attempts,
                passed=passed_at is not None,
                passed_at=passed_at,
                best_score=1.0 if passed_at else 0.2,
            )
        )
        session.commit()


async def test_instructor_builds_a_cohort_and_a_learner_sees_what_is_late(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "lea")
    await login(client, "ines")
    token = await csrf(client)
    r = await client.post("/cohorts", data={"name": "  Spring   2027 ", "csrf_token": token})
    assert r.status_code == 303
    cohort_url = r.headers["location"]
    page = await client.get(cohort_url)
    assert page.status_code == 200 and "<h1>Spring 2027</h1>" in page.text

    # Bad input comes back with the text as typed.
    bad = await client.post(
        cohort_url + "/track", data={"track": "demo-add\nno-such-lesson 2027-01-01", "csrf_token": token}
    )
    assert bad.status_code == 400 and "There is no lesson &#39;no-such-lesson&#39;" in bad.text
    assert "no-such-lesson 2027-01-01</textarea>" in bad.text
    bad = await client.post(cohort_url + "/track", data={"track": "demo-add 31/12/2026", "csrf_token": token})
    assert bad.status_code == 400 and "Line 1" in bad.text and "is not a date" in bad.text
    bad = await client.post(cohort_url + "/track", data={"track": "demo-add\ndemo-add", "csrf_token": token})
    assert bad.status_code == 400 and "twice" in bad.text

    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    r = await client.post(cohort_url + "/track", data={"track": f"demo-add {yesterday}", "csrf_token": token})
    assert r.status_code == 303
    page = await client.get(cohort_url)
    assert f"demo-add {yesterday}T23:59</textarea>" in page.text

    r = await client.post(cohort_url + "/invites", data={"csrf_token": token})
    link = INVITE.search(r.text)
    assert r.status_code == 200 and link is not None
    with Session(app.state.engine) as session:
        assert link.group(0).rsplit("/", 1)[1] not in {i.token_hash for i in session.exec(select(CohortInvite))}

    async with httpx.AsyncClient(transport=client._transport, base_url=BASE_URL) as learner:
        path = link.group(0).removeprefix("https://testserver")
        r = await learner.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/join/")
        await login(learner, "lea")
        r = await learner.get(path)
        assert r.status_code == 200 and "Join Spring 2027" in r.text
        r = await learner.post(path, data={"csrf_token": await csrf(learner)})
        assert r.status_code == 303 and r.headers["location"] == cohort_url
        home = await learner.get("/")
        assert "Spring 2027" in home.text and "1 late" in home.text and "Add one, the JAX way" in home.text
        # The learner sees the track but cannot change it.
        r = await learner.post(cohort_url + "/track", data={"track": "", "csrf_token": await csrf(learner)})
        assert r.status_code == 403
        assert "Members" not in (await learner.get(cohort_url)).text

    page = await client.get(cohort_url)
    assert "lea" in page.text and "(learner)" in page.text


async def test_invites_expire_and_forged_ones_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "lea")
    with Session(app.state.engine) as session:
        ines = users.get_user_by_username(session=session, username="ines")
        assert ines is not None
        cohort = cohorts.create_cohort(session=session, name="Onboarding", creator=ines)
        cohort_id = cohort.id
        token, _ = cohorts.create_invite(session=session, cohort=cohort, created_by=ines, ttl_s=600)
        invite = session.exec(select(CohortInvite)).one()
        invite.expires_at = utcnow() - timedelta(seconds=1)
        session.add(invite)
        session.commit()
    await login(client, "lea")
    r = await client.post(f"/join/{token}", data={"csrf_token": await csrf(client)})
    assert r.status_code == 400 and "expired" in r.text
    r = await client.get("/join/forged")
    assert r.status_code == 400 and "not valid" in r.text
    assert (await client.get(f"/cohorts/{cohort_id}")).status_code == 404  # not a member
    h = {"Authorization": f"Bearer {api_token(app, 'lea')}"}
    assert (await client.post(f"/api/v1/invites/{token}/join", headers=h)).status_code == 410
    assert (await client.post("/api/v1/invites/forged/join", headers=h)).status_code == 404


async def test_cohort_json_api(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "otto", Role.INSTRUCTOR)
    make_user(app, "lea")
    teacher = {"Authorization": f"Bearer {api_token(app, 'ines')}"}
    learner = {"Authorization": f"Bearer {api_token(app, 'lea')}"}
    assert (await client.post("/api/v1/cohorts", headers=learner, json={"name": "x"})).status_code == 403
    assert (await client.post("/api/v1/cohorts", headers=teacher, json={"name": "   "})).status_code == 422
    r = await client.post("/api/v1/cohorts", headers=teacher, json={"name": "ML team"})
    assert r.status_code == 201
    cid = r.json()["id"]
    assert r.json()["members"] == [{"username": "ines", "role": "instructor"}]
    due = "2020-01-01T12:00:00+00:00"
    r = await client.put(f"/api/v1/cohorts/{cid}/track", headers=teacher, json={"items": [{"lesson_id": "nope"}]})
    assert r.status_code == 422 and "no lesson" in r.json()["error"]["message"]
    r = await client.put(
        f"/api/v1/cohorts/{cid}/track", headers=teacher, json={"items": [{"lesson_id": "demo-add", "due_at": due}]}
    )
    assert r.status_code == 200 and r.json()["track"][0]["lesson_id"] == "demo-add"
    r = await client.post(f"/api/v1/cohorts/{cid}/instructors", headers=teacher, json={"username": "lea"})
    assert r.status_code == 409 and "not an instructor" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/cohorts/{cid}/instructors", headers=teacher, json={"username": "otto"})
    assert r.status_code == 200 and {"username": "otto", "role": "instructor"} in r.json()["members"]
    r = await client.post(f"/api/v1/cohorts/{cid}/invites", headers=teacher)
    assert r.status_code == 201
    token = r.json()["url"].rsplit("/", 1)[1]
    assert (await client.post(f"/api/v1/cohorts/{cid}/invites", headers=learner)).status_code == 404
    r = await client.post(f"/api/v1/invites/{token}/join", headers=learner)
    assert r.json() == {"id": cid, "name": "ML team", "role": "learner"}
    r = await client.get(f"/api/v1/cohorts/{cid}", headers=learner)
    assert r.status_code == 200 and r.json()["members"] is None
    tracks = (await client.get("/api/v1/me/tracks", headers=learner)).json()
    assert len(tracks) == 1 and tracks[0]["late"] == 1
    (item,) = tracks[0]["items"]
    assert item["lesson_id"] == "demo-add" and item["late"] and not item["done"]
    assert item["due_at"].startswith("2020-01-01T12:00")
    assert (await client.get("/api/v1/me/tracks", headers=teacher)).json() == []  # instructors have no track
    listed = (await client.get("/api/v1/cohorts", headers=learner)).json()
    assert listed == [{"id": cid, "name": "ML team", "role": "learner"}]


async def test_lateness_rules_and_several_cohorts(app: FastAPI, client: httpx.AsyncClient) -> None:
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "lea")
    now = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    due = datetime(2027, 3, 1, 23, 59, 59, tzinfo=UTC)
    _progress(app, "lea", "on-time", passed_at=due - timedelta(days=1))
    _progress(app, "lea", "passed-late", passed_at=due + timedelta(days=1))
    _progress(app, "lea", "tried", passed_at=None)
    with Session(app.state.engine, expire_on_commit=False) as session:
        ines = users.get_user_by_username(session=session, username="ines")
        lea = users.get_user_by_username(session=session, username="lea")
        assert ines is not None and lea is not None
        known = {"on-time", "passed-late", "tried", "never", "later", "attempt-only"}
        first = cohorts.create_cohort(session=session, name="First", creator=ines)
        entries = cohorts.parse_track(
            "on-time 2027-03-01\npassed-late 2027-03-01\ntried 2027-03-01  # comment\n\nnever 2027-03-01\n"
            "later 2027-04-01T09:00\nattempt-only 2027-03-01 optional\n"
        )
        cohorts.set_track(session=session, cohort=first, entries=entries, known_lessons=known)
        second = cohorts.create_cohort(session=session, name="Second", creator=ines)
        cohorts.set_track(session=session, cohort=second, entries=cohorts.parse_track("never"), known_lessons=known)
        for cohort in (first, second):
            cohorts.add_member(session=session, cohort=cohort, user=lea, role=cohorts.CohortRole.LEARNER)
        tracks = cohorts.learner_tracks(session=session, user=lea, now=now)
    assert [t.cohort.name for t in tracks] == ["First", "Second"]
    status = {i.lesson_id: (i.done, i.late) for i in tracks[0].items}
    assert status == {
        "on-time": (True, False),
        "passed-late": (True, True),
        "tried": (False, True),
        "never": (False, True),
        "later": (False, False),
        "attempt-only": (False, True),
    }
    assert [i.lesson_id for i in tracks[0].items][:2] == ["on-time", "passed-late"]  # the order as given
    assert tracks[0].late_count == 4
    assert [(i.lesson_id, i.due_at, i.late) for i in tracks[1].items] == [("never", None, False)]


async def test_the_sso_group_is_set_from_the_api(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "ines", Role.INSTRUCTOR)
    teacher = {"Authorization": f"Bearer {api_token(app, 'ines')}"}
    cid = (await client.post("/api/v1/cohorts", headers=teacher, json={"name": "Team"})).json()["id"]
    r = await client.put(f"/api/v1/cohorts/{cid}/sso-group", headers=teacher, json={"sso_group": " ml-team "})
    assert r.status_code == 200 and r.json()["sso_group"] == "ml-team"
    r = await client.put(f"/api/v1/cohorts/{cid}/sso-group", headers=teacher, json={"sso_group": ""})
    assert r.json()["sso_group"] is None
