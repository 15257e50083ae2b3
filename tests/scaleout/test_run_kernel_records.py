"""The ``run_kernel`` record on a real PostgreSQL: racing claims, and local kernels across two app replicas.

The local-backend test runs two app objects (replicas A and B, in-process, kernels faked at the provider
seam) on one database: what is tested is the record, the notice and the drop, not a kernel.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app.config import Settings
from app.db import migrate
from app.main import create_app
from app.models import User
from app.services.run import NOTICE_OTHER_SERVER, NOTICE_SERVER_RESTARTED
from app.services.run import kernel_rows as run_kernels
from tests.web.conftest import LESSONS, FakeGrader, FakeProvider, htmx, login, make_user, next_poll, serve

pytestmark = [pytest.mark.postgres]


def test_racing_claims_create_one_record(database: str) -> None:
    engine = create_engine(database, pool_size=8)
    migrate(engine)
    with Session(engine) as s:
        users = [User(username=f"u{i}", password_hash="x") for i in range(12)]
        s.add_all(users)
        s.commit()
        ids = [u.id for u in users]
    results: dict[tuple[int, str], run_kernels.KernelRecord | None] = {}

    def claim(user_id: int, replica: str, barrier: threading.Barrier) -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            results[(user_id, replica)] = run_kernels.claim_run(
                session=s, user_id=user_id, backend="gateway", replica=replica, run_id=replica + str(user_id), lease_s=5
            )

    try:
        for user_id in ids:
            assert user_id is not None
            barrier = threading.Barrier(2)
            threads = [threading.Thread(target=claim, args=(user_id, r, barrier)) for r in ("A", "B")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            won = [r for r in (results[(user_id, "A")], results[(user_id, "B")]) if r is not None]
            assert len(won) == 1 and won[0].created, results  # one row, one lease; the other Run is told "busy"
        with Session(engine) as s:
            for user_id in ids:
                assert user_id is not None
                record = run_kernels.get(session=s, user_id=user_id)
                assert record is not None and record.leased()
                run_kernels.release(session=s, record_id=record.id, run_id=str(record.run_id))
                again = run_kernels.claim_run(
                    session=s, user_id=user_id, backend="gateway", replica="B", run_id="next", lease_s=5
                )
                assert again is not None and again.id == record.id and not again.created  # the loser attaches
    finally:
        engine.dispose()


async def _run(client: object, code: str) -> str:
    import asyncio

    import httpx

    assert isinstance(client, httpx.AsyncClient)
    r = await client.post("/runs", data={"code": code}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    html, url = r.text, next_poll(r.text)
    for _ in range(400):
        if url is None:
            return html
        await asyncio.sleep(0.01)
        page = await client.get(url, headers={"HX-Request": "true"})
        html += page.text
        url = next_poll(page.text)
    raise AssertionError("run did not finish")


def _settings(tmp_path: Path, database: str, replica: str) -> Settings:
    return Settings(
        data_dir=tmp_path / f"data-{replica}",
        runtime_dir=tmp_path / f"rt-{replica}",
        lesson_dirs=[LESSONS],
        bundled_lessons=False,
        database_url=database,
        replica_id=replica,
        poll_interval_ms=50,
    )


def _escaped(text: str) -> str:
    return text.replace("'", "&#39;")


async def test_local_kernels_say_when_a_run_reaches_another_replica(database: str, tmp_path: Path) -> None:
    pa, pb = FakeProvider(), FakeProvider()
    app_a = create_app(_settings(tmp_path, database, "A"), grader=FakeGrader(), kernel_provider=pa)
    app_b = create_app(_settings(tmp_path, database, "B"), grader=FakeGrader(), kernel_provider=pb)
    async with serve(app_a) as a, serve(app_b) as b:
        make_user(app_a, "alice")
        await login(a)
        await login(b)
        out = await _run(a, "x = 1")
        assert "Your session restarted" not in out and len(pa.kernels) == 1
        out = await _run(a, "x")
        assert "Your session restarted" not in out and len(pa.kernels) == 1  # same replica: same kernel
        out = await _run(b, "x")  # no sticky sessions: B does not hold the kernel
        assert _escaped(NOTICE_OTHER_SERVER) in out and len(pb.kernels) == 1, out
        assert "not started" not in (await b.get("/kernel/status")).text
        # A notices at its next sweep that the learner moved on, and stops its kernel.
        assert await app_a.state.runs.cull_idle() == 1 and pa.released == pa.kernels
        out = await _run(b, "x")
        assert "Your session restarted" not in out and len(pb.kernels) == 1
    # B restarts (same replica id): its kernels are gone, the learner is told why.
    pb2 = FakeProvider()
    app_b2 = create_app(_settings(tmp_path, database, "B"), grader=FakeGrader(), kernel_provider=pb2)
    async with serve(app_b2) as b2:
        await login(b2)
        out = await _run(b2, "x")
        # B's clean shutdown forgot its kernel: a fresh start, nothing to say.
        assert "Your session restarted" not in out and len(pb2.kernels) == 1
    with Session(create_engine(database)) as s:
        record = run_kernels.get(session=s, user_id=1)
        assert record is None  # B2 stopped cleanly too
        run_kernels.claim_run(session=s, user_id=1, backend="local", replica="B", run_id="r", lease_s=5)
        claimed = run_kernels.get(session=s, user_id=1)
        assert claimed is not None
        run_kernels.set_kernel(
            session=s, record_id=claimed.id, run_id="r", backend="local", kernel_id="t", session_id=None, holder="B"
        )
        run_kernels.release(session=s, record_id=claimed.id, run_id="r")
    # A record left by a replica that crashed (no clean shutdown) with the same id: "the server restarted".
    pb3 = FakeProvider()
    app_b3 = create_app(_settings(tmp_path, database, "B"), grader=FakeGrader(), kernel_provider=pb3)
    async with serve(app_b3) as b3:
        await login(b3)
        out = await _run(b3, "x")
        assert _escaped(NOTICE_SERVER_RESTARTED) in out, out
