"""Gradings that failed for an infrastructure reason (a full disk, a database error, no kernel could start)
are retried with backoff, never stored as the learner's ``error``, and after the last retry set aside as
``stalled`` ("not graded, will retry") for an operator: on the page, in /metrics and in the CLI (issue 13)."""

from __future__ import annotations

import errno
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, update
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col

from app.cli import main as cli_main
from app.config import Settings
from app.grader.pipeline import grade_lesson
from app.lessons import load_catalog
from app.main import create_app
from app.models import Submission, UserCreate
from app.services import grading_retry, submissions, users
from kernels.runtime import KernelStartError
from tests.support.fakes import FakeGrader, FakeProvider

from .conftest import LESSONS, csrf, login, make_user, serve, wait_for
from .test_observability import scrape, value

GOOD = "def f(x):\n    return x + 1\n"


def _fast(settings: Settings, **extra: Any) -> Settings:
    return settings.model_copy(
        update={"grading_infra_retry_base_s": 0.05, "grading_infra_retry_max_s": 0.2, "grading_poll_s": 0.05, **extra}
    )


async def _submit(client: httpx.AsyncClient, code: str = GOOD) -> int:
    r = await client.post(
        "/api/v1/lessons/demo-add/submissions", json={"code": code}, headers={"X-CSRF-Token": await csrf(client)}
    )
    assert r.status_code in (200, 201, 202), r.text
    return int(r.json()["id"])


async def _state(client: httpx.AsyncClient, sub_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
    return body


def _row(app: FastAPI, sub_id: int) -> Submission:
    with Session(app.state.engine, expire_on_commit=False) as session:
        sub = submissions.get_submission(session=session, submission_id=sub_id)
        assert sub is not None
        return sub


@pytest.mark.parametrize("kind", ["raised", "reported"])
async def test_an_infrastructure_failure_is_retried_and_ends_in_the_real_verdict(settings: Settings, kind: str) -> None:
    grader = FakeGrader()
    if kind == "raised":
        grader.infra_failures = 2  # the disk was full twice
    else:
        grader.infra_reports = 2  # no grading kernel could start twice
    app = create_app(_fast(settings), grader=grader, kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app)
        await login(client)
        sub_id = await _submit(client)

        async def done() -> dict[str, Any] | None:
            state = await _state(client, sub_id)
            return state if state["status"] == "done" else None

        state = await wait_for(done, timeout=30)
        assert state["verdict"] == "pass", state
        row = _row(app, sub_id)
        assert (row.infra_failures, row.attempts, row.retry_at) == (2, 1, None)
        assert row.infra_problem in ("the server's disk is full", "a grading kernel could not start")
        progress = (await client.get("/api/v1/me/progress")).json()
        assert [(p["lesson_id"], p["attempts"], p["passed"]) for p in progress] == [("demo-add", 1, True)]
    assert len(grader.calls) == 3


async def test_after_the_last_retry_it_is_not_graded_and_an_operator_requeues_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    grader = FakeGrader()
    grader.infra_failures = 100
    fast = _fast(settings, grading_infra_retries=2, grading_stalled_retry_s=0)
    app = create_app(fast, grader=grader, kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app)
        await login(client)
        sub_id = await _submit(client)

        async def stalled() -> dict[str, Any] | None:
            state = await _state(client, sub_id)
            return state if state["status"] == "stalled" else None

        state = await wait_for(stalled, timeout=30)
        assert state["verdict"] is None and state["report"] is None  # never a verdict
        assert state["phase_label"] == grading_retry.RETRY_LABEL and state["retry_in_s"] is None
        assert len(grader.calls) == 3  # the first try and 2 retries, then no more by itself
        page = (await client.get(f"/submissions/{sub_id}")).text
        assert "not graded yet — the server had a problem, it will be retried" in page
        assert "Error" not in page
        metrics = await scrape(client)
        assert value(metrics, "jaxtutor_gradings_not_graded", state="stalled") == 1
        assert value(metrics, "jaxtutor_grading_queue_depth", status="stalled") == 1
        await app.state.grading.join(timeout=10)  # a stalled submission does not hold the queue up

        grader.infra_failures = 0  # the operator freed the disk
        monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(settings.data_dir))
        assert cli_main(["grading", "list"]) == 0
        listed = capsys.readouterr().out
        assert f"{sub_id}\tdemo-add" in listed and "the server's disk is full" in listed
        assert cli_main(["grading", "retry"]) == 0
        assert "queued 1 submission for grading again" in capsys.readouterr().out

        async def done() -> dict[str, Any] | None:
            state = await _state(client, sub_id)
            return state if state["status"] == "done" else None

        assert (await wait_for(done, timeout=30))["verdict"] == "pass"
        metrics = await scrape(client)
        assert value(metrics, "jaxtutor_gradings_not_graded", state="stalled") == 0


async def test_a_learner_crash_is_still_their_error(settings: Settings) -> None:
    """Only the server's failures are retried: a grader that fails for any other reason is an error."""
    grader = FakeGrader()
    grader.raise_error = True
    app = create_app(_fast(settings), grader=grader, kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app)
        await login(client)
        sub_id = await _submit(client)

        async def done() -> dict[str, Any] | None:
            state = await _state(client, sub_id)
            return state if state["status"] == "done" else None

        assert (await wait_for(done, timeout=30))["verdict"] == "error"
        assert _row(app, sub_id).infra_failures == 0


def test_deferred_claims_wait_for_their_retry_time(engine: Engine) -> None:
    """On SQLite and PostgreSQL: a deferred submission is not claimable before ``retry_at``; its failed
    attempt does not count against ``grading_max_attempts``; the backoff doubles up to its cap."""
    settings = Settings(grading_infra_retries=1, grading_infra_retry_base_s=60, grading_stalled_retry_s=0)
    with Session(engine, expire_on_commit=False) as session:
        alice = users.create_user(session=session, user_create=UserCreate(username="alice", password="correct horse"))
        sub_id = submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code=GOOD).id
        assert sub_id is not None

    def claim() -> Submission | None:
        with Session(engine, expire_on_commit=False) as session:
            return submissions.claim_next(session=session, replica="A", lease_s=30, max_attempts=2)

    def defer(attempt: int) -> str | None:
        with Session(engine) as session:
            return grading_retry.defer_claimed(
                session=session, submission_id=sub_id, replica="A", attempt=attempt, problem="disk", settings=settings
            )

    first = claim()
    assert first is not None and first.attempts == 1
    assert defer(1) == "queued"
    assert claim() is None  # its retry is a minute away
    with Session(engine) as session:
        past = submissions.utcnow() - timedelta(seconds=1)
        session.execute(update(Submission).where(col(Submission.id) == sub_id).values(retry_at=past))
        session.commit()
    second = claim()
    assert second is not None and second.attempts == 1  # the deferred attempt was given back
    assert defer(1) == "stalled"
    assert claim() is None  # stalled without a later retry: only an operator re-queues it
    with Session(engine) as session:
        assert [s.id for s in grading_retry.list_stalled(session=session)] == [sub_id]
        assert grading_retry.counts(session=session) == {"waiting": 0, "stalled": 1}
        assert submissions.unfinished_count(session=session) == 0
        assert grading_retry.requeue(session=session) == 1
    again = claim()
    assert again is not None and again.infra_failures == 0 and again.retry_at is None
    assert defer(99) is None  # not this claim any more
    assert [grading_retry.backoff_s(n, settings) for n in (1, 2, 3)] == [60, 120, 240]
    assert grading_retry.backoff_s(30, settings) == settings.grading_infra_retry_max_s


def test_what_counts_as_an_infrastructure_failure() -> None:
    assert grading_retry.infrastructure_problem(OSError(errno.ENOSPC, "full")) == "the server's disk is full"
    assert grading_retry.infrastructure_problem(OSError(errno.EROFS, "ro")) == "the server's disk is read-only"
    assert grading_retry.infrastructure_problem(KernelStartError("bwrap: no permission")) is not None
    db_error = sa_exc.OperationalError("INSERT", {}, Exception("database or disk is full"))
    assert grading_retry.infrastructure_problem(db_error) is not None
    assert grading_retry.infrastructure_problem(PermissionError(errno.EACCES, "denied")) is not None
    assert grading_retry.infrastructure_problem(OSError(errno.ENOENT, "gone")) is None
    assert grading_retry.infrastructure_problem(ValueError("bad")) is None
    assert grading_retry.infrastructure_problem(RuntimeError("grader exploded")) is None


class _NoKernels:
    """A kernel source whose kernels never start (the sandbox is unavailable)."""

    async def acquire(self, config: Any) -> Any:
        raise KernelStartError("the sandbox is unavailable")

    async def release(self, kernel: Any) -> None:
        return None


async def test_the_grader_names_a_kernel_that_could_not_start_as_infrastructure(settings: Settings) -> None:
    lesson = load_catalog([LESSONS]).get("demo-add")
    assert lesson is not None
    report = await grade_lesson(lesson, GOOD, settings, _NoKernels())  # type: ignore[arg-type]
    doc = report.to_json()
    assert doc["status"] == "error" and doc["infrastructure"] == "a grading kernel could not start"
    assert grading_retry.report_problem(doc) == "a grading kernel could not start"


async def test_a_report_the_database_refused_is_written_again_not_graded_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grading is done but the database refuses the report (full, read-only): the worker keeps the
    report and writes it again after a backoff, instead of leaving the submission to a lease that runs out."""
    real = submissions.finish_claimed
    refusals = [2]

    def refusing(**kwargs: Any) -> Submission | None:
        if refusals[0] > 0:
            refusals[0] -= 1
            raise sa_exc.OperationalError("UPDATE submission", {}, Exception("database or disk is full"))
        return real(**kwargs)

    monkeypatch.setattr(submissions, "finish_claimed", refusing)
    grader = FakeGrader()
    app = create_app(_fast(settings), grader=grader, kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app)
        await login(client)
        sub_id = await _submit(client)

        async def done() -> dict[str, Any] | None:
            state = await _state(client, sub_id)
            return state if state["status"] == "done" else None

        assert (await wait_for(done, timeout=20))["verdict"] == "pass"
    assert refusals == [0] and len(grader.calls) == 1  # stored once it could be, graded once
    row = _row(app, sub_id)
    assert (row.attempts, row.infra_failures) == (1, 0)
