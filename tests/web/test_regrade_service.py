"""Re-grading after a lesson edit, at the service layer, on SQLite and on real PostgreSQL (``engine``):
queueing by scope, idempotency, both verdicts kept, infrastructure failures replacing nothing, the
progress counts, and the learner's progress following the newest verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import Regrade, Submission, User, UserCreate
from app.services import clusters, progress, regrade, regrade_jobs, submissions, users

V1, V2 = "v1aaaaaaaaaaaaaa", "v2bbbbbbbbbbbbbb"
LEASE = 30.0


def _report(status: str, version: str, message: str = "") -> dict[str, Any]:
    score = 1.0 if status == "pass" else 0.25
    return {"version": 1, "status": status, "score": score, "message": message, "checks": [], "lesson_version": version}


def _graded(session: Session, user: User, code: str, status: str, version: str = V1) -> int:
    sub = submissions.create_submission(
        session=session, user=user, lesson_id="demo-add", code=code, lesson_hash=version
    )
    assert sub.id is not None
    submissions.mark_done(session=session, submission_id=sub.id, report=_report(status, version))
    return sub.id


def _user(session: Session, name: str) -> User:
    return users.create_user(session=session, user_create=UserCreate(username=name, password="correct horse"))


def _claim_and_finish(engine: Engine, status: str, message: str = "", version: str = V2) -> Regrade | None:
    with Session(engine, expire_on_commit=False) as session:
        claimed = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
        if claimed is None:
            return None
        row, _ = claimed
        assert row.id is not None
        report = _report(status, version, message)
        return regrade_jobs.finish_claimed(
            session=session, regrade_id=row.id, replica="A", attempt=row.attempts, report=report
        )


def test_scopes_and_idempotency(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice, bob = _user(session, "alice"), _user(session, "bob")
        a1 = _graded(session, alice, "a1", "fail")
        a2 = _graded(session, alice, "a2", "pass")
        b1 = _graded(session, bob, "b1", "pass", version=V2)  # already graded against the new version
        first = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="latest")
        assert (first.queued, first.requeued, first.already) == (1, 0, 1)  # alice's latest only; bob's is current
        again = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="latest")
        assert (again.queued, again.requeued, again.already) == (0, 0, 2)  # pressed twice: nothing new
        every = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="all")
        assert (every.queued, every.already) == (1, 2)  # alice's older submission is added, nothing else
        rows = session.exec(select(Regrade).order_by(col(Regrade.id))).all()
        assert [(r.submission_id, r.lesson_version, r.status) for r in rows] == [(a2, V2, "queued"), (a1, V2, "queued")]
        assert b1 not in {r.submission_id for r in rows}
        with pytest.raises(regrade.RegradeError, match="scope"):
            regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="some")


def test_max_jobs_refuses_the_whole_request(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        for i in range(3):
            _graded(session, alice, f"c{i}", "fail")
        with pytest.raises(regrade.RegradeError, match="at most 2"):
            regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="all", max_jobs=2)
        assert session.exec(select(Regrade)).all() == []  # nothing half-queued


def test_both_verdicts_kept_and_progress_follows_the_newest(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        sub_id = _graded(session, alice, "a", "pass")
        assert alice.id is not None
        before = progress.get_progress(session=session, user_id=alice.id, lesson_id="demo-add")
        assert before.passed and before.best_score == 1.0 and before.attempts == 1
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
    done = _claim_and_finish(engine, "fail")
    assert done is not None and (done.status, done.verdict, done.graded_lesson_hash) == ("done", "fail", V2)
    with Session(engine, expire_on_commit=False) as session:
        sub = submissions.get_submission(session=session, submission_id=sub_id)
        assert sub is not None and (sub.verdict, sub.score, sub.graded_lesson_hash) == ("pass", 1.0, V1)  # kept
        newest = regrade.newest_regrades(session=session, submission_ids=[sub_id])
        assert regrade.effective(sub, newest.get(sub_id)) == ("fail", 0.25)
        after = progress.get_progress(session=session, user_id=alice.id, lesson_id="demo-add")
        assert (after.passed, after.best_score, after.passed_at, after.attempts) == (False, 0.25, None, 1)
        counts = regrade.regrade_progress(session=session, lesson_id="demo-add", lesson_version=V2)
        assert (counts.total, counts.done, counts.failed, counts.changed, counts.active) == (1, 1, 0, 1, False)


def test_an_infrastructure_failure_replaces_nothing_and_is_retried_on_request(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice, bob = _user(session, "alice"), _user(session, "bob")
        _graded(session, alice, "a", "pass")
        _graded(session, bob, "b", "fail")
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
        counts = regrade.regrade_progress(session=session, lesson_id="demo-add", lesson_version=V2)
        assert (counts.total, counts.queued, counts.finished, counts.active) == (2, 2, 0, True)
    died = _claim_and_finish(engine, "error", "The kernel died while grading (calls): killed (oom)")
    assert died is not None and (died.status, died.verdict) == ("failed", None)
    bob_again = _claim_and_finish(engine, "pass")
    assert bob_again is not None and bob_again.status == "done"
    assert _claim_and_finish(engine, "pass") is None  # the queue is empty
    with Session(engine, expire_on_commit=False) as session:
        assert alice.id is not None and bob.id is not None
        assert progress.get_progress(session=session, user_id=alice.id, lesson_id="demo-add").passed  # unchanged
        assert progress.get_progress(session=session, user_id=bob.id, lesson_id="demo-add").passed  # flipped
        counts = regrade.regrade_progress(session=session, lesson_id="demo-add", lesson_version=V2)
        assert (counts.total, counts.done, counts.failed, counts.changed) == (2, 1, 1, 1)
        retry = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
        assert (retry.queued, retry.requeued, retry.already) == (0, 1, 1)
    again = _claim_and_finish(engine, "fail")
    assert again is not None and again.id == died.id and again.status == "done" and again.attempts == 1


def test_a_learners_own_error_is_a_verdict_not_a_failure() -> None:
    assert not regrade.is_infra_failure(_report("error", V2, "Syntax error on line 3: invalid syntax"))
    assert not regrade.is_infra_failure(_report("fail", V2, "The kernel died while grading"))
    assert regrade.is_infra_failure(_report("error", V2, "The grader could not start a kernel: pool full"))
    assert regrade.is_infra_failure(_report("error", V2, "The lesson 'x' is no longer available."))
    assert regrade.is_infra_failure({"status": "error", "message": "anything", "infra": True})


def test_regrade_leases_are_claimed_renewed_and_given_back(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        _graded(session, alice, "a", "pass")
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
        claimed = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
        assert claimed is not None
        row, original = claimed
        assert row.id is not None and original.code == "a" and row.attempts == 1
        assert regrade_jobs.renew_lease(session=session, regrade_id=row.id, replica="A", attempt=1, lease_s=LEASE)
        assert not regrade_jobs.renew_lease(session=session, regrade_id=row.id, replica="B", attempt=1, lease_s=LEASE)
        assert regrade_jobs.release_claim(session=session, regrade_id=row.id, replica="A", attempt=1)
        assert regrade_jobs.unfinished_count(session=session) == 1


async def test_the_queue_claims_learners_submissions_before_regrades(engine: Engine, tmp_path: Path) -> None:
    from app.lessons import load_catalog
    from app.services.grading_jobs import GradingQueue

    settings = Settings(data_dir=tmp_path, lesson_dirs=[], bundled_lessons=False)
    queue = GradingQueue(settings=settings, engine=engine, catalog=load_catalog([]))
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        _graded(session, alice, "old", "pass")
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
        waiting = submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code="new")
    first = queue._claim()
    assert first is not None and (first.kind, first.submission_id, first.code) == ("submission", waiting.id, "new")
    second = queue._claim()
    assert second is not None and (second.kind, second.code) == ("regrade", "old") and second.job_id is not None
    assert second.key != first.key
    assert queue._claim() is None


def test_cli_queues_once_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from app.cli import main
    from app.cli.server_cmds import open_engine
    from app.lessons import load_catalog
    from tests.lesson_factory import make_lesson

    make_lesson(tmp_path / "lessons", "demo-add")
    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JAXTUTOR_LESSON_DIRS", json.dumps([str(tmp_path / "lessons")]))
    monkeypatch.setenv("JAXTUTOR_BUNDLED_LESSONS", "false")
    settings = Settings.model_validate({})
    current = load_catalog(settings.all_lesson_dirs()).get("demo-add")
    assert current is not None
    engine = open_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        _graded(session, alice, "a", "pass")  # graded against V1, not the version on disk
    assert main(["lessons", "regrade", "demo-add"]) == 0
    out = capsys.readouterr().out
    assert f"demo-add version {current.content_hash}: queued 1 re-grade(s)" in out and "0 of 1 done" in out
    assert main(["lessons", "regrade", "demo-add", "--scope", "all", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["added"], doc["total"], doc["queued"], doc["active"]) == (0, 1, 1, True)
    assert main(["lessons", "regrade", "demo-add", "--wait", "--timeout", "0.2"]) == 1  # no server grades them
    assert main(["lessons", "regrade", "nope"]) == 2
    assert "no lesson 'nope'" in capsys.readouterr().err
    engine.dispose()


def test_cohort_pages_and_gradebook_follow_the_newest_verdict(engine: Engine) -> None:
    from app.models import CohortRole, Role
    from app.services import cohort_reports, cohort_stats, cohorts

    with Session(engine, expire_on_commit=False) as session:
        ines = users.create_user(
            session=session, user_create=UserCreate(username="ines", password="correct horse", role=Role.INSTRUCTOR)
        )
        alice = _user(session, "alice")
        cohort = cohorts.create_cohort(session=session, name="c", creator=ines)
        cohorts.add_member(session=session, cohort=cohort, user=alice, role=CohortRole.LEARNER)
        entries = cohorts.parse_track("demo-add")
        cohorts.set_track(session=session, cohort=cohort, entries=entries, known_lessons={"demo-add"})
        sub_id = _graded(session, alice, "a", "fail")
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
    assert _claim_and_finish(engine, "pass") is not None  # a fairer lesson: the fail becomes a pass
    with Session(engine, expire_on_commit=False) as session:
        assert cohort.id is not None and alice.id is not None
        learner = cohort_reports.Learner(alice.id, "alice")
        report = cohort_reports.learner_report(session=session, cohort_id=cohort.id, learner=learner, stuck_attempts=5)
        (lesson,) = report.lessons
        assert lesson.cell.passed and lesson.cell.best_score == 1.0 and lesson.cell.attempts == 1
        (row,) = lesson.submissions
        assert (row.id, row.verdict, row.regrade_verdict) == (sub_id, "fail", "pass")
        (book,) = cohort_stats.gradebook(session=session, cohort_id=cohort.id, stuck_attempts=5)
        assert book[0] == "alice" and book[4] != "" and book[6:9] == ["1.0000", "100%", "1"]


def test_interrupted_regrades_are_requeued_then_given_up_without_replacing_anything(engine: Engine) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        sub_id = _graded(session, alice, "a", "pass")
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2)
        first = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
        assert first is not None
        assert regrade_jobs.recover_interrupted(session=session, max_attempts=2, claimed_by="B") == 0  # not B's
        assert regrade_jobs.recover_interrupted(session=session, max_attempts=2, claimed_by="A") == 1  # A restarted
        second = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
        assert second is not None and second[0].attempts == 2
        past = submissions.utcnow() - timedelta(seconds=1)
        session.execute(update(Regrade).values(lease_expires_at=past))  # A died again: its lease runs out
        session.commit()
        assert regrade_jobs.claim_next(session=session, replica="B", lease_s=LEASE, max_attempts=2) is None
        (row,) = session.exec(select(Regrade)).all()
        session.refresh(row)
        assert (row.status, row.verdict) == ("failed", None) and "interrupted 2 times" in (row.report or {})["message"]
        sub = submissions.get_submission(session=session, submission_id=sub_id)
        assert sub is not None and sub.verdict == "pass"
        assert alice.id is not None
        assert progress.get_progress(session=session, user_id=alice.id, lesson_id="demo-add").passed


def test_ungrouped_submissions_are_regraded_once_and_filed_under_their_cluster(engine: Engine) -> None:
    """Backfill: submissions graded before clusters existed have no key; the ``ungrouped`` scope re-grades them
    even against the version they were graded with, and the re-grade's cluster is theirs from then on."""
    with Session(engine, expire_on_commit=False) as session:
        alice, bob = _user(session, "alice"), _user(session, "bob")
        old = _graded(session, alice, "old", "pass", version=V2)  # an older release: no cluster in its report
        grouped = submissions.create_submission(
            session=session, user=bob, lesson_id="demo-add", code="new", lesson_hash=V2
        )
        assert grouped.id is not None
        report = {**_report("pass", V2), "cluster": {"key": "k-bob", "version": "1-c64"}}
        submissions.mark_done(session=session, submission_id=grouped.id, report=report)
        assert clusters.ungrouped_count(session=session, lesson_id="demo-add") == 1
        assert clusters.ungrouped_count(session=session, lesson_id="demo-add", user_ids={bob.id or 0}) == 0
        latest = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="latest")
        assert (latest.queued, latest.already) == (0, 2)  # both graded against V2 already
        asked = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="ungrouped")
        assert (asked.queued, asked.already) == (1, 0)  # only alice's, although it was graded against V2

    with Session(engine, expire_on_commit=False) as session:
        claimed = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
        assert claimed is not None and claimed[0].submission_id == old and claimed[0].id is not None
        report = {**_report("pass", V2), "cluster": {"key": "k-alice", "version": "1-c64"}}
        regrade_jobs.finish_claimed(
            session=session, regrade_id=claimed[0].id, replica="A", attempt=claimed[0].attempts, report=report
        )
    with Session(engine, expire_on_commit=False) as session:
        sub = session.get(Submission, old)
        assert sub is not None and (sub.cluster_key, sub.cluster_version) == ("k-alice", "1-c64")
        assert clusters.ungrouped_count(session=session, lesson_id="demo-add") == 0
        assert {c.key for c in clusters.clusters(session=session, lesson_id="demo-add")} == {"k-alice", "k-bob"}
        again = regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="ungrouped")
        assert (again.queued, again.already) == (0, 0)  # nothing left without a cluster


def test_a_regrade_keeps_a_cluster_of_the_same_normal_form(engine: Engine) -> None:
    """A submission already in a cluster of the current normal form stays there (its comments stay with it);
    one under an older form moves to the re-grade's cluster."""
    with Session(engine, expire_on_commit=False) as session:
        alice = _user(session, "alice")
        ids = []
        for code, version in (("a", "1-c64"), ("b", "0-c64")):
            sub = submissions.create_submission(
                session=session, user=alice, lesson_id="demo-add", code=code, lesson_hash=V1
            )
            assert sub.id is not None
            report = {**_report("fail", V1), "cluster": {"key": f"k-{code}", "version": version}}
            submissions.mark_done(session=session, submission_id=sub.id, report=report)
            ids.append(sub.id)
        regrade.request_regrade(session=session, lesson_id="demo-add", lesson_version=V2, scope="all")
    for _ in ids:
        with Session(engine, expire_on_commit=False) as session:
            claimed = regrade_jobs.claim_next(session=session, replica="A", lease_s=LEASE, max_attempts=2)
            assert claimed is not None and claimed[0].id is not None
            report = {**_report("pass", V2), "cluster": {"key": "k-new", "version": "1-c64"}}
            regrade_jobs.finish_claimed(
                session=session, regrade_id=claimed[0].id, replica="A", attempt=claimed[0].attempts, report=report
            )
    with Session(engine, expire_on_commit=False) as session:
        found = [session.get(Submission, i) for i in ids]
        assert [(s.cluster_key, s.cluster_version) for s in found if s] == [("k-a", "1-c64"), ("k-new", "1-c64")]
