"""Migration 0010 (live grading progress) keeps every submission; the new columns start empty and work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from app.config import Settings
from app.db import make_engine

from .migrations import add_learner, add_submission, alembic


def test_upgrade_from_0008_and_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    alembic(engine, "upgrade", "0008")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_learner(conn, now)
        add_submission(conn, now, status="running", attempts=1)
    alembic(engine, "upgrade", "0010")
    columns = {c["name"] for c in inspect(engine).get_columns("submission")}
    assert {"phase", "phase_started_at"} <= columns
    with engine.begin() as conn:
        row = conn.execute(text("SELECT code, status, phase, phase_started_at FROM submission WHERE id = 7")).one()
        assert tuple(row) == ("x + 1", "running", None, None)
        conn.execute(text("UPDATE submission SET phase = 'calls', phase_started_at = :t WHERE id = 7"), {"t": now})
    alembic(engine, "downgrade", "0008")
    assert "phase" not in {c["name"] for c in inspect(engine).get_columns("submission")}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT code FROM submission WHERE id = 7")).scalar_one() == "x + 1"
    engine.dispose()
