"""The LTI grade outbox at the service level, on SQLite and PostgreSQL: the best score only, the backoff,
giving up after lti_grade_max_attempts (kept, re-armed by the CLI), delivery once the LMS is back; and the
`jaxtutor lti grades` and `sync-roster` commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.cli import lti_cmds
from app.config import Settings
from app.models import Role, UserCreate
from app.models_lti import GradeState, LtiGradeOutbox, LtiResourceLink
from app.services import cohorts, lti, progress, users
from app.services.lti import grades
from tests.support.lti.platform import SCORE_SCOPE, TestPlatform


@pytest.fixture
def platform() -> Iterator[TestPlatform]:
    p = TestPlatform().start()
    yield p
    p.stop()


def _row(engine: Engine) -> LtiGradeOutbox:
    with Session(engine) as session:
        row = session.get(LtiGradeOutbox, 1)
        assert row is not None
        return row


def test_outbox_best_only_backoff_give_up_retry_and_delivery(
    engine: Engine, tmp_path: Path, platform: TestPlatform
) -> None:
    settings = Settings(
        data_dir=tmp_path, lti_grade_backoff_s=0.05, lti_grade_backoff_max_s=0.1, lti_grade_max_attempts=3
    )
    platform.tool_jwks = lti.public_jwks(tmp_path)
    with Session(engine, expire_on_commit=False) as session:
        p = lti.add_platform(session=session, **platform.registration())
        user = users.create_user(session=session, user_create=UserCreate(username="ada", password="x" * 12))
        link = LtiResourceLink(
            platform_id=p.id,
            resource_link_id="l-1",
            lesson_id="demo-add",
            lineitem_url=platform.url + "/lineitems/7",
            ags_scopes=SCORE_SCOPE,
        )
        session.add(link)
        session.commit()
        row = grades.ensure_row(session=session, link=link, user=user, lti_user_id="u-1")
        assert row is not None and row.state == GradeState.IDLE and row.score is None  # nothing graded yet
        assert user.id is not None
        for score in (0.5, 0.25):  # a best, then a lower attempt
            progress.record_result(
                session=session, user_id=user.id, lesson_id="demo-add", verdict="fail", score=score, commit=False
            )
            raised = grades.record_best(session=session, user_id=user.id, lesson_id="demo-add")
            session.commit()
            assert raised == (1 if score == 0.5 else 0)
        # Another lesson does not touch this link.
        progress.record_result(session=session, user_id=user.id, lesson_id="other", verdict="pass", score=1.0)
        assert grades.record_best(session=session, user_id=user.id, lesson_id="other") == 0
    row = _row(engine)
    assert (row.state, row.score, row.attempts) == (GradeState.PENDING, 0.5, 0)

    platform.down = True
    assert grades.drain_once(engine, settings) == 0
    row = _row(engine)
    assert row.attempts == 1 and row.state == GradeState.PENDING and "HTTP 503" in (row.last_error or "")
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at.replace(tzinfo=row.next_attempt_at.tzinfo or UTC).timestamp() - time.time()
    assert 0 < wait <= 0.05 + 0.5  # backed off by lti_grade_backoff_s
    assert grades.drain_once(engine, settings) == 0 and _row(engine).attempts == 1  # not due yet
    for _ in range(2):
        time.sleep(0.15)
        grades.drain_once(engine, settings)
    row = _row(engine)
    assert (row.state, row.attempts) == (GradeState.FAILED, 3) and platform.score_failures == 3
    time.sleep(0.15)
    assert grades.drain_once(engine, settings) == 0 and platform.score_failures == 3  # given up: not retried

    platform.down = False
    with Session(engine) as session:
        assert grades.retry_failed(session=session) == 1
    assert grades.drain_once(engine, settings) == 1
    row = _row(engine)
    assert (row.state, row.sent_score, row.last_error) == (GradeState.IDLE, 0.5, None)
    assert [s.body["scoreGiven"] for s in platform.scores] == [0.5]
    assert grades.drain_once(engine, settings) == 0 and len(platform.scores) == 1


def test_backoff_doubles_and_is_capped() -> None:
    settings = Settings(lti_grade_backoff_s=5, lti_grade_backoff_max_s=30)
    assert [grades.backoff_s(settings, n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


def test_cli_grades_and_sync_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    lti_cmds.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, object]:
        args = parser.parse_args(list(argv))
        code = args.handler(args)
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None

    assert run("lti", "grades", "--json") == (0, {"retried": 0, "rows": []})
    assert run("lti", "grades", "--retry", "--json") == (0, {"retried": 0, "rows": []})
    # A cohort made by hand has no LMS roster: a clear refusal, exit 2.
    from app.cli.server_cmds import open_engine

    engine = open_engine(Settings(data_dir=tmp_path))
    with Session(engine) as session:
        teacher = users.create_user(
            session=session, user_create=UserCreate(username="ines", password="x" * 12, role=Role.INSTRUCTOR.value)
        )
        cohort = cohorts.create_cohort(session=session, name="Hand made", creator=teacher)
    engine.dispose()
    code, err = run("lti", "sync-roster", str(cohort.id), "--json")
    assert code == 2 and isinstance(err, dict) and "not made by an LMS launch" in err["error"]


def test_a_track_link_reports_the_mean_best_over_the_track(engine: Engine, tmp_path: Path) -> None:
    from app.models_lti import LtiContext

    with Session(engine, expire_on_commit=False) as session:
        p = lti.add_platform(
            session=session,
            issuer="https://lms.example.edu",
            client_id="c",
            deployment_id="d",
            auth_login_url="https://lms.example.edu/auth",
            token_url="https://lms.example.edu/token",
            jwks_url="https://lms.example.edu/jwks",
        )
        teacher = users.create_user(
            session=session, user_create=UserCreate(username="ines", password="x" * 12, role=Role.INSTRUCTOR.value)
        )
        learner = users.create_user(session=session, user_create=UserCreate(username="ada", password="x" * 12))
        cohort = cohorts.create_cohort(session=session, name="JAX 101 (LMS)", creator=teacher)
        cohorts.set_track(
            session=session,
            cohort=cohort,
            entries=cohorts.parse_track("demo-add\nsecond"),
            known_lessons={"demo-add", "second"},
        )
        context = LtiContext(platform_id=p.id, context_id="course-1", cohort_id=cohort.id)
        session.add(context)
        session.commit()
        link = LtiResourceLink(
            platform_id=p.id,
            resource_link_id="track",
            context_pk=context.id,
            lesson_id=None,
            lineitem_url="https://lms.example.edu/lineitems/9",
            ags_scopes=SCORE_SCOPE,
        )
        session.add(link)
        session.commit()
        assert learner.id is not None
        grades.ensure_row(session=session, link=link, user=learner, lti_user_id="u-9")
        progress.record_result(
            session=session, user_id=learner.id, lesson_id="demo-add", verdict="pass", score=1.0, commit=False
        )
        assert grades.record_best(session=session, user_id=learner.id, lesson_id="demo-add") == 1
        session.commit()
        assert _row(engine).score == 0.5  # one of two track lessons passed
        progress.record_result(
            session=session, user_id=learner.id, lesson_id="second", verdict="fail", score=0.5, commit=False
        )
        assert grades.record_best(session=session, user_id=learner.id, lesson_id="second") == 1
        session.commit()
        assert _row(engine).score == 0.75
        # A lesson outside the track changes nothing.
        progress.record_result(session=session, user_id=learner.id, lesson_id="elsewhere", verdict="pass", score=1.0)
        assert grades.record_best(session=session, user_id=learner.id, lesson_id="elsewhere") == 0


def test_launch_storage_values_expire_and_a_nonce_is_taken_once(engine: Engine) -> None:
    from app.services.lti.storage import DbLaunchStorage, OnceNonceSessionService, purge_expired

    with Session(engine) as session:
        storage = DbLaunchStorage(session, default_ttl_s=60)
        service = OnceNonceSessionService(storage, lifetime_s=60)
        service.save_nonce("n-1")
        assert service.check_nonce("n-1") is True
        assert service.check_nonce("n-1") is False  # used up
        storage.set_value("launch", {"a": 1})
        storage.set_value("launch", {"a": 2})  # replaced, not duplicated
        assert storage.get_value("launch") == {"a": 2} and storage.check_value("launch")
        storage.set_value("short", True, exp=1)
        time.sleep(1.2)
        assert storage.get_value("short") is None and not storage.take("short")  # expired: gone for readers
        assert purge_expired(session=session) == 1


def test_only_course_roles_make_staff() -> None:
    from app.services.lti.launches import is_staff

    base = "http://purl.imsglobal.org/vocab/lis/v2/"
    assert is_staff([base + "membership#Instructor"])
    assert is_staff([base + "membership/Instructor#TeachingAssistant"])
    assert is_staff([base + "membership#ContentDeveloper"]) and is_staff(["Instructor"])
    assert not is_staff([base + "membership#Learner", base + "institution/person#Instructor"])
    assert not is_staff([base + "system/person#Administrator"]) and not is_staff("Instructor") and not is_staff([])


async def test_closing_the_worker_waits_for_the_round_running_in_its_thread() -> None:
    """A thread cannot be cancelled: the lifespan must not dispose of the engine under a running round (the
    pytest process once died with a segfault in SQLite doing exactly that)."""
    import threading

    from app.services.lti.grades import GradeWorker

    started, finished = threading.Event(), threading.Event()

    def slow_round() -> None:
        started.set()
        time.sleep(0.5)
        finished.set()

    worker = GradeWorker(engine=None, settings=Settings(), also=slow_round)  # type: ignore[arg-type]
    worker.start()
    while not started.is_set():
        await asyncio.sleep(0.01)
    await worker.close()
    assert finished.is_set()
