"""Learners' Runs in the database (table ``run_record``), so that any replica can serve a Run's polls.

Plain functions over a session; in the app ``app.services.run.store.RunStore`` is their only caller. The replica
executing a Run writes its row (``app.services.run.recorder`` batches the writes); the poll
endpoint of any other replica reads it. Outputs are stored as JSON lines appended with ``output || :more``
(one short ``UPDATE`` per batch, no read-modify-write), and their order is the order of the executing
replica's in-memory list, so a poll's ``since`` (an index into that list) means the same on every replica.
Every write is a short transaction; an ``UPDATE`` never touches a finished row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, update
from sqlmodel import Session, col, select

from app.models import RunRecord, RunStatus, utcnow
from kernels.outcomes import Output

FINISHED = frozenset(s.value for s in RunStatus) - {RunStatus.QUEUED.value, RunStatus.RUNNING.value}


@dataclass(frozen=True)
class RunSnapshot:
    """A ``run_record`` row as read by a poll: the outputs from index ``since`` on."""

    id: str
    user_id: int
    replica: str
    status: str
    reason: str | None
    message: str
    duration_s: float | None
    traceback: list[str]
    outputs: list[Output]
    since: int
    output_count: int
    truncated: bool
    updated_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite returns naive UTC


def encode(outputs: Iterable[Output]) -> str:
    """Outputs as JSON lines (``json.dumps`` escapes newlines inside strings: one output per line)."""
    return "".join(json.dumps(o.to_json(), separators=(",", ":")) + "\n" for o in outputs)


def decode(text: str, since: int = 0) -> list[Output]:
    lines = text.split("\n")[:-1]  # the text ends with a newline (or is empty)
    return [Output(**json.loads(line)) for line in lines[since:]]


def _open(run_id: str) -> ColumnElement[bool]:
    return and_(col(RunRecord.id) == run_id, col(RunRecord.finished_at).is_(None))


def create(*, session: Session, run_id: str, user_id: int, replica: str) -> None:
    now = utcnow()
    session.add(RunRecord(id=run_id, user_id=user_id, replica=replica, created_at=now, updated_at=now))
    session.commit()


def append(
    *,
    session: Session,
    run_id: str,
    outputs: list[Output],
    chars: int,
    truncated: bool,
    status: str | None = None,
) -> bool:
    """Append a batch of outputs (and set ``status``, when given; also a heartbeat: ``updated_at``)."""
    values: dict[str, object] = {"updated_at": utcnow()}
    values.update(_appended(outputs, chars, truncated))
    if status is not None:
        values["status"] = status
    result = _update_open(session, run_id, values)
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def _appended(outputs: list[Output] | None, chars: int, truncated: bool) -> dict[str, object]:
    """Column updates that append a batch of outputs in the database (no read-modify-write)."""
    values: dict[str, object] = {}
    if outputs:
        values["output"] = col(RunRecord.output) + encode(outputs)
        values["output_count"] = col(RunRecord.output_count) + len(outputs)
    if chars:
        values["output_chars"] = col(RunRecord.output_chars) + chars
    if truncated:
        values["truncated"] = True
    return values


def _update_open(session: Session, run_id: str, values: dict[str, object]) -> Any:
    return session.execute(
        update(RunRecord).where(_open(run_id)).values(**values).execution_options(synchronize_session=False)
    )


def finish(
    *,
    session: Session,
    run_id: str,
    status: str,
    message: str,
    reason: str | None = None,
    duration_s: float | None = None,
    traceback: list[str] | None = None,
    outputs: list[Output] | None = None,
    chars: int = 0,
    truncated: bool = False,
) -> bool:
    """The last batch of outputs and the outcome, in one statement. False: already finished."""
    assert status in FINISHED, status
    now = utcnow()
    values: dict[str, object] = {
        "status": status,
        "message": message,
        "reason": reason,
        "duration_s": duration_s,
        "traceback_json": json.dumps(traceback) if traceback else None,
        "updated_at": now,
        "finished_at": now,
    }
    values.update(_appended(outputs, chars, truncated))
    result = _update_open(session, run_id, values)
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def get(*, session: Session, user_id: int, run_id: str, since: int = 0) -> RunSnapshot | None:
    """The learner's Run (None: no such Run of theirs), with its outputs from index ``since`` on."""
    row = session.exec(select(RunRecord).where(RunRecord.id == run_id, RunRecord.user_id == user_id)).first()
    if row is None:
        session.rollback()
        return None
    since = max(0, min(since, row.output_count))
    snapshot = RunSnapshot(
        id=row.id,
        user_id=row.user_id,
        replica=row.replica,
        status=row.status,
        reason=row.reason,
        message=row.message,
        duration_s=row.duration_s,
        traceback=json.loads(row.traceback_json) if row.traceback_json else [],
        outputs=decode(row.output, since),
        since=since,
        output_count=row.output_count,
        truncated=row.truncated,
        updated_at=_aware(row.updated_at),
        finished_at=None if row.finished_at is None else _aware(row.finished_at),
    )
    session.rollback()
    return snapshot


def abandon(*, session: Session, run_id: str, stale_before: datetime, message: str) -> bool:
    """Finish a Run whose replica stopped writing (no heartbeat since ``stale_before``: it died)."""
    now = utcnow()
    result = session.execute(
        update(RunRecord)
        .where(_open(run_id), col(RunRecord.updated_at) < stale_before)
        .values(status=RunStatus.ERROR.value, message=message, updated_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def abandon_replica(*, session: Session, replica: str, message: str) -> int:
    """Finish every unfinished Run of ``replica`` (this server, starting again: nothing drives them any
    more); the number finished."""
    now = utcnow()
    result = session.execute(
        update(RunRecord)
        .where(col(RunRecord.replica) == replica, col(RunRecord.finished_at).is_(None))
        .values(status=RunStatus.ERROR.value, message=message, updated_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def trim_user(*, session: Session, user_id: int, keep_chars: int) -> int:
    """Delete the learner's oldest finished Runs until their stored output is at most ``keep_chars``
    (the per-learner quota less room for the Run about to start); the number deleted."""
    rows = session.execute(
        select(RunRecord.id, RunRecord.output_chars, RunRecord.finished_at)
        .where(col(RunRecord.user_id) == user_id)
        .order_by(col(RunRecord.created_at).desc())
    ).all()
    kept, doomed = 0, []
    for run_id, chars, finished_at in rows:
        if finished_at is None or kept + chars <= keep_chars:
            kept += chars  # unfinished Runs are never deleted here
        else:
            doomed.append(run_id)
    if doomed:
        session.execute(
            delete(RunRecord).where(col(RunRecord.id).in_(doomed)).execution_options(synchronize_session=False)
        )
    session.commit()
    return len(doomed)


def prune(*, session: Session, before: datetime) -> int:
    """Delete the Runs finished before ``before``, and unfinished ones silent since then (their replica
    died and nobody polled them); the number deleted."""
    old = or_(
        col(RunRecord.finished_at) < before,
        and_(col(RunRecord.finished_at).is_(None), col(RunRecord.updated_at) < before),
    )
    result = session.execute(delete(RunRecord).where(old).execution_options(synchronize_session=False))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
