"""The service layer (the only DB writers), on in-memory SQLite and on a real PostgreSQL cluster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.models import Role, User, UserCreate, WebSession, utcnow
from app.services import progress, submissions, tokens, users

from .conftest import LESSONS, FakeGrader, FakeProvider, csrf, login, make_user, serve, wait_for


def _user(session: Session, name: str = "alice", role: str = "learner") -> User:
    return users.create_user(
        session=session, user_create=UserCreate(username=name, password="correct horse", role=role)
    )


def test_users_create_authenticate_and_roles(engine: Engine) -> None:
    with Session(engine) as session:
        alice = _user(session)
        with pytest.raises(users.UserExistsError):
            _user(session, "alice")
        session.rollback()
        assert users.authenticate(session=session, username="alice", password="correct horse") == alice
        assert users.authenticate(session=session, username="alice", password="wrong horse") is None
        assert users.authenticate(session=session, username="nobody", password="correct horse") is None
        users.set_role(session=session, user=alice, role=Role.INSTRUCTOR)
        _user(session, "bob")
        assert [(u.username, u.role) for u in users.list_users(session=session)] == [
            ("alice", "instructor"),
            ("bob", "learner"),
        ]


def test_web_sessions_and_api_tokens(engine: Engine) -> None:
    with Session(engine) as session:
        alice = _user(session)
        token = tokens.create_web_session(session=session, user=alice, max_age_s=3600)
        assert tokens.user_for_session_token(session=session, token=token) == alice
        assert tokens.user_for_session_token(session=session, token=token + "x") is None
        tokens.delete_web_session(session=session, token=token)
        assert tokens.user_for_session_token(session=session, token=token) is None
        old = tokens.create_web_session(session=session, user=alice, max_age_s=3600)
        tokens.create_web_session(session=session, user=alice, max_age_s=3600)
        fresh = tokens.create_web_session(session=session, user=alice, max_age_s=3600)
        for row in session.exec(select(WebSession)).all()[:2]:
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        session.commit()
        assert tokens.user_for_session_token(session=session, token=old) is None
        assert tokens.purge_expired_sessions(session=session) == 1  # the lookup removed the other one
        assert tokens.user_for_session_token(session=session, token=fresh) == alice
        api = tokens.create_api_token(session=session, user=alice, name="laptop")
        assert api.startswith("jxt_")
        assert tokens.user_for_api_token(session=session, token=api) == alice
        assert tokens.user_for_api_token(session=session, token="jxt_nope") is None


def _report(status: str, score: float, failing: str = "") -> dict[str, Any]:
    checks = [{"name": failing, "status": "fail", "message": "no"}] if failing else []
    return {"version": 1, "status": status, "score": score, "message": "", "checks": checks}


def test_submission_life_cycle_and_progress(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session)
        assert alice.id is not None
        first = submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code="a")
        second = submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code="b")
        assert first.id is not None and second.id is not None
        assert first.status == "queued"
        running = submissions.mark_running(session=session, submission_id=first.id)
        assert running is not None and running.status == "running" and running.attempts == 1
        done = submissions.mark_done(
            session=session, submission_id=first.id, report=_report("fail", 0.5, "correctness")
        )
        assert done is not None and (done.status, done.verdict, done.score) == ("done", "fail", 0.5)
        assert submissions.mark_running(session=session, submission_id=first.id) is None  # done stays done
        weird = submissions.mark_done(session=session, submission_id=second.id, report={"status": "??", "score": 7})
        assert weird is not None and (weird.verdict, weird.score) == ("error", 1.0)
        listed = submissions.list_submissions(session=session, user_id=alice.id, lesson_id="demo-add")
        assert [s.id for s in listed] == [second.id, first.id]
        row = progress.get_progress(session=session, user_id=alice.id, lesson_id="demo-add")
        assert (row.attempts, row.best_score, row.passed) == (2, 1.0, False)
        assert progress.reveal_hint(session=session, user_id=alice.id, lesson_id="demo-add", available=2) == 1
        assert progress.reveal_hint(session=session, user_id=alice.id, lesson_id="demo-add", available=1) == 1
        third = submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code="c")
        assert third.id is not None
        submissions.mark_done(session=session, submission_id=third.id, report=_report("pass", 1.0))
        assert progress.progress_map(session=session, user_id=alice.id)["demo-add"].passed


def test_recovery_after_a_crash(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session)
        subs = [
            submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code=str(i))
            for i in range(3)
        ]
        ids = [s.id for s in subs if s.id is not None]
        assert len(ids) == 3
        submissions.mark_running(session=session, submission_id=ids[0])  # 1 attempt: re-queued
        submissions.mark_running(session=session, submission_id=ids[1])
        submissions.mark_running(session=session, submission_id=ids[1])  # 2 attempts: set aside
        pending = submissions.recover_interrupted(session=session, max_attempts=2, stalled_retry_s=3600)
        assert pending == [ids[0], ids[2]]
        # Not the learner's error: stalled (not graded, for the server's reasons), tried again in an hour.
        given_up = submissions.get_submission(session=session, submission_id=ids[1])
        assert given_up is not None and (given_up.status, given_up.verdict) == ("stalled", None)
        assert given_up.retry_at is not None and given_up.infra_problem == "the server stopped 2 times while grading it"


def test_dashboard(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice, bob = _user(session, "alice"), _user(session, "bob")
        _user(session, "ines", role="instructor")  # staff without attempts: not in the matrix
        for user, report in ((alice, _report("pass", 1.0)), (bob, _report("fail", 0.2, "purity"))):
            sub = submissions.create_submission(session=session, user=user, lesson_id="demo-add", code="x")
            assert sub.id is not None
            submissions.mark_done(session=session, submission_id=sub.id, report=report)
        data = progress.dashboard(session=session, lesson_ids=["demo-add", "other"])
        assert [u.username for u in data.learners] == ["alice", "bob"]
        assert data.pass_rates == {"demo-add": (1, 2), "other": (0, 0)}
        assert data.failing_checks["demo-add"] == [("purity", 1)]


async def test_the_app_on_this_database(
    database_url: str, settings: Settings, grader: FakeGrader, provider: FakeProvider
) -> None:
    settings.database_url = database_url
    app = create_app(settings, grader=grader, kernel_provider=provider)
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)
        headers = {"X-CSRF-Token": await csrf(client)}
        r = await client.post("/api/v1/lessons/demo-add/submissions", json={"code": "x + 1"}, headers=headers)
        sub_id = r.json()["id"]

        async def done() -> bool:
            body = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
            return bool(body["status"] == "done")

        await wait_for(done)
        assert "passed" in (await client.get("/")).text
    assert LESSONS.is_dir()
