"""Re-grades on two real replicas sharing one PostgreSQL: asked for on both at once, queued once, each
graded exactly once (by either replica), after a real edit of the lesson both replicas reload."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from .conftest import LESSONS, Replica, start_replica
from .test_replicas import GOOD, sha, sign_up, submit, wait_done

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _sql(database: str, query: str) -> list[dict[str, Any]]:
    engine = create_engine(database)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query))
            return [dict(r._mapping) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_regrades_are_queued_once_and_graded_once_across_two_replicas(
    database: str, replicas: list[Replica], tmp_path: Path
) -> None:
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS / "demo-add", lessons / "demo-add")
    shared = {"lesson_dirs": json.dumps([str(lessons)]), "lesson_reload_s": 0.2}
    a = start_replica("A", database, tmp_path, **shared)
    replicas.append(a)
    b = start_replica("B", database, tmp_path, **shared)
    replicas.append(b)
    with httpx.Client(timeout=10) as client:
        csrf = sign_up(client, a)
        codes = [f"{GOOD}# {i} FAKE_SLEEP=0.2\n" for i in range(8)]
        ids = [submit(client, (a, b)[i % 2], csrf, code) for i, code in enumerate(codes)]
        old = {wait_done(client, a, sub_id)["lesson_version"] for sub_id in ids}
        _sql(database, "UPDATE \"user\" SET role = 'instructor' WHERE username = 'alice'")

        solution = lessons / "demo-add" / "solution.py"
        solution.write_text(solution.read_text() + "# edited by the instructor\n")
        deadline = time.monotonic() + 30
        while True:  # both replicas serve the edited lesson
            served = {client.get(f"{r.url}/api/v1/lessons/demo-add/regrades").json()["lesson_version"] for r in (a, b)}
            if len(served) == 1 and not served & old:
                break
            assert time.monotonic() < deadline, f"the edit was not reloaded: {served} (was {old})"
            time.sleep(0.2)

        def ask(replica: Replica) -> dict[str, Any]:
            r = client.post(
                f"{replica.url}/api/v1/lessons/demo-add/regrades",
                json={"scope": "all"},
                headers={"X-CSRF-Token": csrf},
            )
            assert r.status_code == 202, r.text
            body: dict[str, Any] = r.json()
            return body

        with ThreadPoolExecutor(2) as pool:  # pressed on both replicas at once
            answers = list(pool.map(ask, (a, b)))
        assert sum(x["added"] for x in answers) == len(codes), answers
        deadline = time.monotonic() + 60
        while (state := client.get(f"{b.url}/api/v1/lessons/demo-add/regrades").json())["active"]:
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
    assert (state["total"], state["done"], state["failed"], state["changed"]) == (len(codes), len(codes), 0, 0)
    events = a.events() + b.events()
    starts = Counter(e["code_sha"] for e in events if e["event"] == "start")
    finishes = Counter(e["code_sha"] for e in events if e["event"] == "finish")
    assert starts == finishes == Counter({sha(code): 2 for code in codes}), "graded once, then re-graded once"
    rows = _sql(database, "SELECT submission_id, status, attempts, claimed_by FROM regrade")
    assert sorted(r["submission_id"] for r in rows) == sorted(ids)
    assert all(r["status"] == "done" and r["attempts"] == 1 for r in rows)
    subs = _sql(database, "SELECT verdict, graded_lesson_hash FROM submission")
    assert all(s["verdict"] == "pass" and s["graded_lesson_hash"] in old for s in subs)  # originals untouched
