"""A cohort's instructor views: the progress matrix (passed, late, stuck, not started; linked cells), the
per-learner and per-lesson pages, the gradebook CSV (timestamps, late flag, formula-safe cells), the
reference solution, who may see them (the cohort's instructors and admins; 403 for its learners, 404 for
anyone else), and that the queries do not grow with the cohort (no query per learner)."""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urljoin

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.models import CohortRole, LessonProgress, Role, User, UserCreate, utcnow
from app.services import cohort_reports, cohort_stats, cohorts, progress, submissions, users

from .conftest import api_token, csrf, login, make_user

OTHER = "other-lesson"  # a track may name a lesson the catalog no longer serves; the views still work


def _user(session: Session, username: str) -> User:
    user = users.get_user_by_username(session=session, username=username)
    assert user is not None
    return user


def _grade(session: Session, user: User, lesson_id: str, status: str, score: float, message: str = "") -> int:
    sub = submissions.create_submission(session=session, user=user, lesson_id=lesson_id, code="x = 1")
    assert sub.id is not None
    checks = [{"name": "correctness", "status": "pass" if status == "pass" else "fail", "message": message}]
    if status != "pass":
        checks.append({"name": "dtype", "status": "fail", "message": "expected float32, got int32"})
    submissions.mark_done(
        session=session, submission_id=sub.id, report={"status": status, "score": score, "checks": checks}
    )
    return sub.id


def _seed(app: FastAPI) -> dict[str, int]:
    """ines teaches the cohort; lea passed demo-add; '-leo' (a name a spreadsheet would read as a formula) is
    stuck on it; max never started; otto is an instructor of another cohort. demo-add was due yesterday."""
    make_user(app, "ines", Role.INSTRUCTOR)
    make_user(app, "otto", Role.INSTRUCTOR)
    make_user(app, "root", Role.ADMIN)
    for name in ("lea", "-leo", "max"):
        make_user(app, name)
    with Session(app.state.engine) as session:
        ines = _user(session, "ines")
        cohort = cohorts.create_cohort(session=session, name="Spring", creator=ines)
        cohorts.create_cohort(session=session, name="Otto's", creator=_user(session, "otto"))
        for name in ("lea", "-leo", "max"):
            cohorts.add_member(session=session, cohort=cohort, user=_user(session, name), role=CohortRole.LEARNER)
        due = utcnow() - timedelta(days=1)
        cohorts.set_track(
            session=session,
            cohort=cohort,
            entries=[cohorts.TrackEntry("demo-add", due_at=due), cohorts.TrackEntry(OTHER)],
            known_lessons={"demo-add", OTHER},
        )
        lea, leo = _user(session, "lea"), _user(session, "-leo")
        assert lea.id is not None and leo.id is not None
        ids = {"cohort": cohort.id or 0, "lea": lea.id, "leo": leo.id, "max": _user(session, "max").id or 0}
        ids["lea_fail"] = _grade(session, lea, "demo-add", "fail", 0.5, "off by one\nat index 3")
        ids["lea_pass"] = _grade(session, lea, "demo-add", "pass", 1.0)
        progress.reveal_hint(session=session, user_id=lea.id, lesson_id="demo-add", available=3)
        for _ in range(5):
            _grade(session, leo, "demo-add", "fail", 0.25, "=HYPERLINK(1)")
    return ids


async def test_matrix_marks_passed_late_stuck_and_not_started(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    await login(client, "ines")
    cid = ids["cohort"]
    page = await client.get(f"/cohorts/{cid}/progress")
    assert page.status_code == 200
    html = page.text
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r'<tr><th scope="row"><a [^>]*>([^<]+)</a></th>(.*?)</tr>', html)
    }
    assert set(rows) == {"lea", "-leo", "max"}  # learners only, not the instructor
    cells = {
        name: re.findall(r'<td class="([^"]+)"><a href="([^"]+)">([^<]*)</a></td>', row) for name, row in rows.items()
    }
    lea_add, lea_other = cells["lea"]
    # lea passed, but after the due time (yesterday).
    assert lea_add == ("c-passed c-late", f"learners/{ids['lea']}#l-demo-add", "✓ late")
    # Links are relative to the page: they open the learner's page at the lesson.
    target = urljoin(str(page.url), lea_add[1])
    assert target.endswith(f"/cohorts/{cid}/learners/{ids['lea']}#l-demo-add")
    assert (await client.get(target.split("#")[0])).status_code == 200
    assert lea_other[0] == "c-none"
    leo_add = cells["-leo"][0]
    assert leo_add[0] == "c-started c-late c-stuck" and leo_add[2] == "25% late stuck"
    assert cells["max"][0][0] == "c-none c-late" and cells["max"][0][2] == "– late"
    assert cells["max"][1] == ("c-none", f"learners/{ids['max']}#l-{OTHER}", "–")
    # Scrolls inside itself and is reachable by the keyboard.
    assert '<div class="matrix-scroll" tabindex="0" role="region"' in html
    assert f'href="/cohorts/{cid}/lessons/demo-add"' in html
    assert f'href="/cohorts/{cid}/progress"' in (await client.get(f"/cohorts/{cid}")).text


async def test_learner_page_lists_attempts_time_hints_and_links_every_submission(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = _seed(app)
    await login(client, "ines")
    page = await client.get(f"/cohorts/{ids['cohort']}/learners/{ids['lea']}")
    assert page.status_code == 200
    assert (
        f'href="/submissions/{ids["lea_fail"]}"' in page.text and f'href="/submissions/{ids["lea_pass"]}"' in page.text
    )
    assert 'id="l-demo-add"' in page.text and "Attempts 2 · best score 100% · hints revealed 1" in page.text
    heading = page.text.split('id="l-demo-add"')[1].split("</h2>")[0]
    assert "badge pass" in heading and "badge late" in heading and "stuck" not in heading
    # The linked report opens for the instructor.
    assert (await client.get(f"/submissions/{ids['lea_fail']}")).status_code == 200
    with Session(app.state.engine) as session:
        learner = cohort_reports.Learner(id=ids["lea"], username="lea")
        report = cohort_reports.learner_report(
            session=session, cohort_id=ids["cohort"], learner=learner, stuck_attempts=5
        )
    add = report.lessons[0]
    assert [s.id for s in add.submissions] == [ids["lea_fail"], ids["lea_pass"]]
    assert add.first_at is not None and add.last_at is not None and add.first_at <= add.last_at
    assert report.attempts == 2 and report.hints_revealed == 1 and report.time_spent_s is not None
    assert report.lessons[1].first_at is None and report.lessons[1].time_spent_s is None
    # Someone outside the cohort is no learner of it.
    make_user(app, "stranger")
    with Session(app.state.engine) as session:
        stranger_id = _user(session, "stranger").id
    assert (await client.get(f"/cohorts/{ids['cohort']}/learners/{stranger_id}")).status_code == 404


async def test_lesson_page_pass_rate_distribution_failing_checks_and_solution(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = _seed(app)
    await login(client, "ines")
    page = await client.get(f"/cohorts/{ids['cohort']}/lessons/demo-add")
    assert page.status_code == 200
    html = page.text
    assert "50% (1 passed of 2 who started)" in html
    dist = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', html))
    assert dist == {"0": "1", "1": "0", "2": "1", "3": "0", "4–5": "1", "6–10": "0", "11+": "0"}
    failing = re.findall(r"<tr><th scope=\"row\"><code>([^<]+)</code></th><td>(\d+)</td>", html)
    assert failing == [("correctness", "6"), ("dtype", "6")]
    assert '=HYPERLINK(1) <span class="muted">×5</span>' in html and "off by one <span" in html  # first line only
    assert "expected float32, got int32" in html
    assert "Reference solution" in html and "jnp" in html
    assert (await client.get(f"/cohorts/{ids['cohort']}/lessons/not-in-track")).status_code == 404


async def test_gradebook_csv_has_timestamps_late_flags_and_is_formula_safe(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = _seed(app)
    await login(client, "ines")
    r = await client.get(f"/cohorts/{ids['cohort']}/gradebook.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == cohort_stats.GRADEBOOK_HEADER
    by = {(row[0], row[1]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(by) == 6  # 3 learners x 2 lessons
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    lea = by[("lea", "demo-add")]
    assert iso.match(lea["due_at"]) and iso.match(lea["first_attempt_at"]) and iso.match(lea["passed_at"])
    assert lea["first_attempt_at"] <= lea["passed_at"] < "9"
    assert lea["due_at"] < lea["passed_at"]
    assert (lea["late"], lea["best_score"], lea["best_score_shown"], lea["attempts"]) == ("1", "1.0000", "100%", "2")
    leo = by[("'-leo", "demo-add")]  # the formula-looking name is defused
    assert (leo["late"], leo["passed_at"], leo["best_score"], leo["best_score_shown"], leo["attempts"]) == (
        "1",
        "",
        "0.2500",
        "25%",
        "5",
    )
    mx = by[("max", "demo-add")]
    assert (mx["first_attempt_at"], mx["late"], mx["attempts"]) == ("", "1", "0")
    assert by[("max", OTHER)]["due_at"] == "" and by[("max", OTHER)]["late"] == "0"
    assert cohort_stats.csv_safe("=1+1") == "'=1+1" and cohort_stats.csv_safe("@x") == "'@x"
    assert cohort_stats.csv_safe("+1") == "'+1" and cohort_stats.csv_safe("ok=1") == "ok=1"


async def test_only_the_cohorts_instructors_and_admins_see_its_views(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    cid = ids["cohort"]
    paths = [
        f"/cohorts/{cid}/progress",
        f"/cohorts/{cid}/learners/{ids['lea']}",
        f"/cohorts/{cid}/lessons/demo-add",
        f"/cohorts/{cid}/gradebook.csv",
    ]
    for username, expected in (("lea", 403), ("otto", 404), ("root", 200)):
        async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as other:
            await login(other, username)
            for path in paths:
                r = await other.get(path)
                assert r.status_code == expected, (username, path, r.status_code)
                if expected != 200:
                    assert "-leo" not in r.text and "matrix-scroll" not in r.text
    assert (await client.get(f"/cohorts/{cid}/progress")).status_code in (303, 401)  # not logged in
    await csrf(client)


@contextmanager
def count_queries(app: FastAPI) -> Iterator[list[str]]:
    """The statements run on this thread, less the grading worker's polls for queued work (it runs in the same
    event loop, whenever it wakes)."""
    statements: list[str] = []
    me = threading.get_ident()

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if threading.get_ident() == me and "lease_expires_at <" not in statement:
            statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(app.state.engine, "before_cursor_execute", before)


async def test_views_make_the_same_number_of_queries_for_any_cohort_size(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = _seed(app)
    await login(client, "ines")
    cid = ids["cohort"]
    paths = [f"/cohorts/{cid}/progress", f"/cohorts/{cid}/gradebook.csv", f"/cohorts/{cid}/lessons/demo-add"]

    async def counts() -> list[int]:
        out = []
        for path in paths:
            with count_queries(app) as statements:
                assert (await client.get(path)).status_code == 200
            out.append(len(statements))
        return out

    await counts()  # the first request of a login may touch its session once more
    before = await counts()
    with Session(app.state.engine) as session:
        cohort = cohorts.get_cohort(session=session, cohort_id=cid)
        assert cohort is not None
        for i in range(20):
            make_user(app, f"extra{i:02d}")
            extra = _user(session, f"extra{i:02d}")
            cohorts.add_member(session=session, cohort=cohort, user=extra, role=CohortRole.LEARNER)
            _grade(session, extra, "demo-add", "fail", 0.1)
    assert await counts() == before


def test_services_on_both_databases_agree_with_the_learners_own_track(engine: Engine) -> None:
    """On SQLite (naive times) and PostgreSQL (aware times): the matrix, the learner's page and the gradebook
    mark late exactly as the learner's home page does, for every case of the rule."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        teacher = users.create_user(
            session=session, user_create=UserCreate(username="teacher", password="pw-123456", role="instructor")
        )
        cohort = cohorts.create_cohort(session=session, name="Both", creator=teacher)
        assert cohort.id is not None
        lessons = ["past", "past-optional", "future", "none"]
        cohorts.set_track(
            session=session,
            cohort=cohort,
            entries=[
                cohorts.TrackEntry("past", due_at=now - timedelta(hours=1)),
                cohorts.TrackEntry("past-optional", due_at=now - timedelta(hours=1), pass_required=False),
                cohorts.TrackEntry("future", due_at=now + timedelta(days=1)),
                cohorts.TrackEntry("none"),
            ],
            known_lessons=set(lessons),
        )
        people = []
        # (passed, passed_at offset from now in hours, attempts) per learner, applied to every lesson.
        cases = [(False, None, 0), (False, None, 6), (True, -2.0, 1), (True, -0.5, 3), (False, None, 1)]
        for i, (passed, offset, attempts) in enumerate(cases):
            learner = users.create_user(
                session=session, user_create=UserCreate(username=f"l{i}", password="pw-123456"), password_hash="x"
            )
            cohorts.add_member(session=session, cohort=cohort, user=learner, role=CohortRole.LEARNER)
            assert learner.id is not None
            people.append(learner)
            for lesson_id in lessons:
                if attempts == 0:
                    continue
                at = now + timedelta(hours=offset) if offset is not None else None
                session.add(
                    LessonProgress(
                        user_id=learner.id,
                        lesson_id=lesson_id,
                        attempts=attempts,
                        passed=passed,
                        passed_at=at,
                        best_score=1.0 if passed else 0.3,
                        updated_at=now + timedelta(hours=-2 if i == 4 else -0.5),
                    )
                )
            sub = submissions.create_submission(session=session, user=learner, lesson_id="past", code="x")
            assert sub.id is not None
        session.commit()
        m = cohort_reports.matrix(session=session, cohort_id=cohort.id, stuck_attempts=5, now=now)
        book = cohort_stats.gradebook(session=session, cohort_id=cohort.id, stuck_attempts=5, now=now)
        by_row = {(row[0], row[1]): row for row in book}
        seen_late = set()
        for learner in people:
            assert learner.id is not None
            own = {s.lesson_id: s for s in cohorts.learner_tracks(session=session, user=learner, now=now)[0].items}
            page = cohort_reports.learner_report(
                session=session,
                cohort_id=cohort.id,
                learner=cohort_reports.Learner(learner.id, learner.username),
                stuck_attempts=5,
                now=now,
            )
            for lesson_id in lessons:
                cell = m.cells[(learner.id, lesson_id)]
                assert cell.late == own[lesson_id].late, (learner.username, lesson_id)
                assert (cell.state == "passed") == own[lesson_id].done, (learner.username, lesson_id)
                assert by_row[(learner.username, lesson_id)][5] == ("1" if own[lesson_id].late else "0")
                seen_late.add(cell.late)
            assert [lesson.cell.late for lesson in page.lessons] == [own[lid].late for lid in lessons]
            assert by_row[(learner.username, "past")][3].endswith("Z")  # first attempt, from the submission
        assert seen_late == {True, False}
        assert m.cells[(people[1].id or 0, "past")].stuck and not m.cells[(people[3].id or 0, "past")].stuck
        # Passed 30 minutes after the due time: late; two hours before it: on time.
        assert m.cells[(people[3].id or 0, "past")].late and not m.cells[(people[2].id or 0, "past")].late


async def test_progress_in_the_json_api(client: httpx.AsyncClient, app: FastAPI) -> None:
    ids = _seed(app)
    cid = ids["cohort"]
    teacher = {"Authorization": f"Bearer {api_token(app, 'ines')}"}
    r = await client.get(f"/api/v1/cohorts/{cid}/progress", headers=teacher)
    assert r.status_code == 200
    body = r.json()
    assert [i["lesson_id"] for i in body["track"]] == ["demo-add", OTHER] and body["stuck_attempts"] == 5
    cells = {p["username"]: p["cells"] for p in body["learners"]}
    assert set(cells) == {"lea", "-leo", "max"}
    assert cells["-leo"][0] == {
        "lesson_id": "demo-add",
        "state": "started",
        "attempts": 5,
        "best_score": 0.25,
        "late": True,
        "stuck": True,
    }
    assert cells["lea"][0]["state"] == "passed" and cells["max"][1]["state"] == "none"
    # The gradebook answers the same token.
    assert (await client.get(f"/cohorts/{cid}/gradebook.csv", headers=teacher)).status_code == 200
    for name, status in (("lea", 403), ("otto", 404)):
        h = {"Authorization": f"Bearer {api_token(app, name)}"}
        assert (await client.get(f"/api/v1/cohorts/{cid}/progress", headers=h)).status_code == status
        assert (await client.get(f"/cohorts/{cid}/gradebook.csv", headers=h)).status_code == status
