"""Two real replicas on one PostgreSQL: shared sessions, exactly-once grading, take-over after a crash."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.web.live import csrf_from_page

from .conftest import Replica, start_replica

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

GOOD = "def f(x):\n    return x + 1\n"


def sha(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def sign_up(client: httpx.Client, replica: Replica, username: str = "alice") -> str:
    client.get(f"{replica.url}/login")
    token = client.cookies["jaxtutor_csrf"]
    data = {"username": username, "password": "correct horse", "csrf_token": token}
    r = client.post(f"{replica.url}/signup", data=data)
    assert r.status_code == 303, r.text
    return csrf_from_page(client.get(f"{replica.url}/login").text)  # now bound to the new session


def submit(client: httpx.Client, replica: Replica, csrf: str, code: str) -> int:
    r = client.post(
        f"{replica.url}/api/v1/lessons/demo-add/submissions", json={"code": code}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def wait_done(client: httpx.Client, replica: Replica, sub_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"{replica.url}/api/v1/submissions/{sub_id}").json()
        if body["status"] == "done":
            return body
        time.sleep(0.05)
    raise AssertionError(f"submission {sub_id} not graded in {timeout} s")


def rows(database: str) -> dict[int, dict[str, Any]]:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            result = conn.execute(text("SELECT id, status, verdict, attempts, claimed_by FROM submission"))
            return {r.id: dict(r._mapping) for r in result}
    finally:
        engine.dispose()


def test_sessions_and_exactly_once_grading_across_two_replicas(
    database: str, replicas: list[Replica], tmp_path: Path
) -> None:
    a = start_replica("A", database, tmp_path)
    replicas.append(a)
    b = start_replica("B", database, tmp_path)
    replicas.append(b)
    with httpx.Client(timeout=10) as client:  # one cookie jar: cookies are per host, not per port
        csrf = sign_up(client, a)
        me_b = client.get(f"{b.url}/api/v1/me/progress")
        assert me_b.status_code == 200, "the session made on A is valid on B"
        assert client.get(f"{b.url}/account").status_code == 200
        codes = [f"{GOOD}# {i} FAKE_SLEEP=0.05\n" for i in range(20)]
        ids = [submit(client, (a, b)[i % 2], csrf, code) for i, code in enumerate(codes)]
        bodies = [wait_done(client, (b, a)[i % 2], sub_id) for i, sub_id in enumerate(ids)]  # polled on the other
        assert all(body["verdict"] == "pass" and body["report"]["status"] == "pass" for body in bodies)
        progress_a = client.get(f"{a.url}/api/v1/me/progress").json()
        progress_b = client.get(f"{b.url}/api/v1/me/progress").json()
    assert progress_a == progress_b
    assert progress_a == [
        {"lesson_id": "demo-add", "attempts": 20, "best_score": 1.0, "passed": True, "hints_revealed": 0}
    ]
    events = a.events() + b.events()
    starts = Counter(e["code_sha"] for e in events if e["event"] == "start")
    finishes = Counter(e["code_sha"] for e in events if e["event"] == "finish")
    assert starts == finishes == Counter({sha(code): 1 for code in codes}), "each submission graded exactly once"
    table = rows(database)
    assert sorted(table) == sorted(ids)
    assert all(r["status"] == "done" and r["attempts"] == 1 for r in table.values())
    assert {r["claimed_by"] for r in table.values()} == {"A", "B"}  # both replicas graded


def test_a_killed_replicas_grading_is_taken_over(database: str, replicas: list[Replica], tmp_path: Path) -> None:
    lease = 2.0
    a = start_replica("A", database, tmp_path, grading_lease_s=lease, grading_workers=1)
    replicas.append(a)
    b = start_replica("B", database, tmp_path, grading_lease_s=lease, grading_workers=1)
    replicas.append(b)
    code = f"{GOOD}# FAKE_SLEEP=3\n"
    with httpx.Client(timeout=10) as client:
        csrf = sign_up(client, a)
        sub_id = submit(client, a, csrf, code)
        deadline = time.monotonic() + 20
        victim = None
        while victim is None and time.monotonic() < deadline:  # whichever replica claimed it first
            victim = next((r for r in (a, b) if any(e["event"] == "start" for e in r.events())), None)
            time.sleep(0.02)
        assert victim is not None, "nobody started grading"
        survivor = b if victim is a else a
        time.sleep(0.5)  # mid-grading (it takes 3 s)
        victim.kill()
        killed_at = time.time()
        body = wait_done(client, survivor, sub_id, timeout=30)
        progress = client.get(f"{survivor.url}/api/v1/me/progress").json()
    assert body["verdict"] == "pass" and body["report"]["status"] == "pass"
    assert [e["event"] for e in victim.events()] == ["start"]  # died mid-grading
    taken_over = [e for e in survivor.events() if e["event"] == "start"]
    assert [e["event"] for e in survivor.events()] == ["start", "finish"]
    delay = taken_over[0]["t"] - killed_at
    assert 0 < delay < lease + 2.0, f"take-over {delay:.2f} s after the kill"  # once the lease ran out
    (row,) = rows(database).values()
    assert (row["status"], row["attempts"], row["claimed_by"]) == ("done", 2, survivor.name)
    assert progress == [
        {"lesson_id": "demo-add", "attempts": 1, "best_score": 1.0, "passed": True, "hints_revealed": 0}
    ]
