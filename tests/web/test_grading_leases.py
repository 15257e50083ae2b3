"""Grading leases and shared rate limits, on SQLite and on real PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.models import Submission, UserCreate
from app.services import grading_retry, submissions, users
from app.services.ratelimit import RateLimiter

LEASE = 30.0


def _subs(session: Session, n: int) -> list[int]:
    alice = users.create_user(session=session, user_create=UserCreate(username="alice", password="correct horse"))
    made = [
        submissions.create_submission(session=session, user=alice, lesson_id="demo-add", code=str(i)) for i in range(n)
    ]
    return [s.id for s in made if s.id is not None]


def _claim(engine: Engine, replica: str, max_attempts: int = 2) -> Submission | None:
    with Session(engine, expire_on_commit=False) as session:
        return submissions.claim_next(session=session, replica=replica, lease_s=LEASE, max_attempts=max_attempts)


def _expire(engine: Engine, sub_id: int) -> None:
    with Session(engine) as session:
        past = submissions.utcnow() - timedelta(seconds=1)
        session.execute(update(Submission).where(col(Submission.id) == sub_id).values(lease_expires_at=past))
        session.commit()


def test_claims_are_exclusive_and_expired_leases_are_taken_over(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        ids = _subs(session, 2)
    a = _claim(engine, "A")
    b = _claim(engine, "B")
    assert a is not None and b is not None and (a.id, b.id) == (ids[0], ids[1])
    assert (a.claimed_by, a.attempts, a.status) == ("A", 1, "running") and a.lease_expires_at is not None
    assert _claim(engine, "B") is None  # both leases are live: nothing to take
    _expire(engine, ids[0])  # replica A died: its lease runs out
    taken = _claim(engine, "B")
    assert taken is not None and (taken.id, taken.claimed_by, taken.attempts) == (ids[0], "B", 2)
    with Session(engine, expire_on_commit=False) as session:
        # A (not dead after all, only slow) can neither renew nor write its report any more.
        assert not submissions.renew_lease(session=session, submission_id=ids[0], replica="A", attempt=1, lease_s=LEASE)
        report = submissions.error_report("late")
        assert (
            submissions.finish_claimed(session=session, submission_id=ids[0], replica="A", attempt=1, report=report)
            is None
        )
        assert submissions.renew_lease(session=session, submission_id=ids[0], replica="B", attempt=2, lease_s=LEASE)
        ok = {"version": 1, "status": "pass", "score": 1.0, "message": "", "checks": []}
        done = submissions.finish_claimed(session=session, submission_id=ids[0], replica="B", attempt=2, report=ok)
        assert done is not None and (done.status, done.verdict, done.claimed_by) == ("done", "pass", "B")
        assert done.lease_expires_at is None


def test_a_submission_whose_replicas_keep_dying_is_set_aside_not_failed(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        (sub_id,) = _subs(session, 1)
    for attempt in (1, 2):
        claimed = _claim(engine, f"R{attempt}")
        assert claimed is not None and claimed.attempts == attempt
        _expire(engine, sub_id)
    # Attempts exhausted: not graded for the server's reasons ("stalled", for an operator), never the
    # learner's error, and not lost: re-queued, it is claimed and graded again.
    assert _claim(engine, "R3") is None
    with Session(engine) as session:
        sub = submissions.get_submission(session=session, submission_id=sub_id)
        assert sub is not None and (sub.status, sub.verdict, sub.report) == ("stalled", None, None)
        assert sub.infra_problem == "the server stopped 2 times while grading it" and sub.retry_at is None
        assert grading_retry.requeue(session=session) == 1
    assert _claim(engine, "R4") is not None


def test_a_clean_shutdown_gives_the_claim_back(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        (sub_id,) = _subs(session, 1)
    claimed = _claim(engine, "A")
    assert claimed is not None
    with Session(engine, expire_on_commit=False) as session:
        assert submissions.release_claim(session=session, submission_id=sub_id, replica="A", attempt=1)
    again = _claim(engine, "B")
    assert again is not None and (again.id, again.attempts, again.claimed_by) == (sub_id, 1, "B")


def test_recovery_only_touches_this_replicas_claims(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        ids = _subs(session, 2)
    assert _claim(engine, "A") is not None and _claim(engine, "B") is not None
    with Session(engine, expire_on_commit=False) as session:
        assert submissions.recover_interrupted(session=session, max_attempts=2, claimed_by="A") == [ids[0]]
        rows = {i: submissions.get_submission(session=session, submission_id=i) for i in ids}
    assert rows[ids[0]] is not None and rows[ids[0]].status == "queued"  # type: ignore[union-attr]
    assert rows[ids[1]] is not None and rows[ids[1]].status == "running"  # type: ignore[union-attr]


def test_rate_limits_are_shared_by_every_replica(engine: Engine) -> None:
    replica_a, replica_b = RateLimiter(), RateLimiter()  # two processes, one database
    with Session(engine) as session:
        hits = [
            limiter.hit(session=session, action="submit", key="1", limit=3)
            for limiter in (replica_a, replica_b, replica_a, replica_b)
        ]
        assert hits[:3] == [None, None, None]
        assert hits[3] is not None and 55 < hits[3] <= 60
        assert replica_a.hit(session=session, action="submit", key="2", limit=3) is None  # another learner
        assert replica_b.hit(session=session, action="run", key="1", limit=3) is None  # another action
        start = time.monotonic()
        assert replica_a.hit(session=session, action="login", key="x", limit=1, window_s=0.3) is None
        assert replica_b.hit(session=session, action="login", key="x", limit=1, window_s=0.3) is not None
        time.sleep(max(0.0, 0.35 - (time.monotonic() - start)))
        assert replica_b.hit(session=session, action="login", key="x", limit=1, window_s=0.3) is None  # slid out
