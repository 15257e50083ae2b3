"""Runs recorded in ``run_record`` (batched output writes, the output cap, ownership, a dead replica's Run,
pruning, the recorded status of each outcome), on SQLite and on real PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.config import Settings
from app.models import RunRecord, UserCreate, utcnow
from app.services import users
from app.services.run import NOTICE_ABANDONED, RunManager, RunRecorder, RunStore, run_status
from app.services.run.run_rows import RunSnapshot
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason

from .conftest import FakeProvider


def _user(engine: Engine, name: str = "alice") -> int:
    with Session(engine, expire_on_commit=False) as session:
        user = users.create_user(session=session, user_create=UserCreate(username=name, password="correct horse"))
    assert user.id is not None
    return user.id


def _get(engine: Engine, user_id: int, run_id: str, since: int = 0) -> RunSnapshot | None:
    return RunStore(engine, "B").run(user_id=user_id, run_id=run_id, since=since)  # read as another replica


def _line(i: int) -> Output:
    return Output(kind="stream", name="stdout", text=f"line {i}\n")


async def test_output_is_written_in_batches_and_read_back_in_order(engine: Engine) -> None:
    uid = _user(engine)
    outputs: list[Output] = []
    rec = RunRecorder(run_id="r1", user_id=uid, outputs=outputs, limit=10_000, store=RunStore(engine, "A"))
    rec.create()
    snap = _get(engine, uid, "r1")
    assert snap is not None and (snap.status, snap.replica, snap.output_count, snap.finished) == (
        "queued",
        "A",
        0,
        False,
    )
    rec.running()
    seen = []
    for burst in range(6):  # a chatty cell: 50 lines every 0.1 s for 0.6 s
        for i in range(50):
            rec.add(_line(burst * 50 + i))
        await asyncio.sleep(0.1)
        snap = _get(engine, uid, "r1")
        assert snap is not None and snap.status == "running"
        seen.append(snap.output_count)
    # 300 outputs, a few writes: the first at once, then at most one per FLUSH_S (0.25 s) while output comes.
    assert rec.writes <= 2 + 4, rec.writes  # create + running + the flushes
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] <= 300, seen
    rec.finish("done", "", reason="ok", duration_s=0.6)
    snap = _get(engine, uid, "r1")
    assert snap is not None and snap.finished and (snap.status, snap.reason, snap.duration_s) == ("done", "ok", 0.6)
    assert [o.text for o in snap.outputs] == [f"line {i}\n" for i in range(300)] == [o.text for o in outputs]
    tail = _get(engine, uid, "r1", since=298)
    assert tail is not None and [o.text for o in tail.outputs] == ["line 298\n", "line 299\n"]
    assert _get(engine, uid, "r1", since=10_000).outputs == []  # type: ignore[union-attr]
    rec.add(_line(999))  # after the end: ignored
    assert rec.writes <= 7 and len(outputs) == 300


async def test_output_is_capped_like_the_kernel_caps_it(engine: Engine) -> None:
    uid = _user(engine)
    outputs: list[Output] = []
    rec = RunRecorder(run_id="r2", user_id=uid, outputs=outputs, limit=25, store=RunStore(engine, "A"))
    rec.create()
    rec.add(Output(kind="stream", name="stdout", text="0123456789"))
    rec.add(Output(kind="stream", name="stderr", text="abcdefghijklmnop"))  # cut to the 15 left
    rec.add(Output(kind="display", data={"text/plain": ""}))  # nothing left, but this one is empty
    rec.add(Output(kind="display", data={"text/plain": "x"}))  # over the budget: dropped
    rec.add(_line(1))  # nothing left
    rec.finish("done", "Your code printed more output than allowed; the rest was cut.", reason="output_limit")
    assert [o.text for o in outputs] == ["0123456789", "abcdefghijklmno", ""] and rec.truncated
    snap = _get(engine, uid, "r2")
    assert snap is not None and [o.text for o in snap.outputs] == ["0123456789", "abcdefghijklmno", ""]
    assert snap.truncated and snap.outputs[1].name == "stderr"
    with Session(engine) as session:
        row = session.get(RunRecord, "r2")
        assert row is not None and row.output_chars == 25


async def test_rich_outputs_round_trip_and_runs_are_private(engine: Engine) -> None:
    alice, bob = _user(engine, "alice"), _user(engine, "bob")
    rec = RunRecorder(run_id="r3", user_id=alice, outputs=[], limit=10_000, store=RunStore(engine, "A"))
    rec.create()
    bundle = {"text/html": "<b>x</b>\n<i>y</i>", "application/json": {"a": [1, 2]}}
    rec.add(Output(kind="display", data=bundle))
    rec.finish("error", "Your code raised an exception.", reason="raised", traceback=["Traceback", "ValueError: é"])
    snap = _get(engine, alice, "r3")
    assert snap is not None and snap.outputs == [Output(kind="display", data=bundle)]
    assert snap.traceback == ["Traceback", "ValueError: é"]
    assert _get(engine, bob, "r3") is None and _get(engine, alice, "nope") is None


async def test_a_dead_replicas_run_ends_and_old_runs_are_pruned(engine: Engine, tmp_path: Path) -> None:
    uid = _user(engine)
    store = RunStore(engine, "A")
    for run_id in ("dead", "old", "recent"):
        store.create_run(run_id=run_id, user_id=uid)
    store.finish_run(run_id="old", status="done", message="")
    store.finish_run(run_id="recent", status="done", message="")
    with Session(engine) as session:
        long_ago = utcnow() - timedelta(hours=2)
        session.execute(update(RunRecord).where(col(RunRecord.id) == "dead").values(updated_at=long_ago))
        session.execute(update(RunRecord).where(col(RunRecord.id) == "old").values(finished_at=long_ago))
        session.commit()
    manager = RunManager(Settings(data_dir=tmp_path, run_retention_s=3600), FakeProvider(), engine)  # type: ignore[arg-type]
    polled = manager.poll(user_id=uid, run_id="dead", since=0)  # its replica stopped writing long ago
    assert polled is not None and polled[0].done and polled[0].message == NOTICE_ABANDONED
    snap = _get(engine, uid, "dead")
    assert snap is not None and snap.status == "error"
    with Session(engine) as session:
        session.execute(update(RunRecord).where(col(RunRecord.id) == "dead").values(finished_at=long_ago))
        session.commit()
    assert manager.prune_runs() == 2
    assert [r for r in ("dead", "old", "recent") if _get(engine, uid, r) is not None] == ["recent"]


def test_recorded_status_of_each_outcome() -> None:
    def result(reason: Reason, ename: str | None = None, duration: float = 1.0) -> ExecutionResult:
        error = None if ename is None else ErrorInfo(ename, "", [])
        return ExecutionResult(reason=reason, error=error, duration_s=duration)

    assert run_status(result(Reason.OK), 30) == "done"
    assert run_status(result(Reason.OUTPUT_LIMIT), 30) == "done"
    assert run_status(result(Reason.RAISED, "KeyboardInterrupt"), 30) == "interrupted"
    assert run_status(result(Reason.RAISED, "ValueError"), 30) == "error"
    assert run_status(result(Reason.TIMEOUT), 30) == "timeout"
    assert run_status(result(Reason.KILLED, duration=30.5), 30) == "timeout"  # did not stop at the deadline
    assert run_status(result(Reason.KILLED), 30) == "error"  # the kernel died
    assert run_status(result(Reason.OOM), 30) == "error"
