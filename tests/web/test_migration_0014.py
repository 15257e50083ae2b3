"""Migration 0014 (infrastructure retries of gradings) keeps every submission; the new columns start at
0 / empty, take values, and go away again on downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from app.config import Settings
from app.db import make_engine

from .migrations import add_learner, add_submission, alembic


def test_upgrade_from_0013_and_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    alembic(engine, "upgrade", "0013")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_learner(conn, now)
        add_submission(conn, now, status="queued", attempts=0)
    alembic(engine, "upgrade", "0014")
    columns = {c["name"] for c in inspect(engine).get_columns("submission")}
    assert {"infra_failures", "infra_problem", "retry_at"} <= columns
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT code, status, infra_failures, infra_problem, retry_at FROM submission WHERE id = 7")
        ).one()
        assert tuple(row) == ("x + 1", "queued", 0, None, None)
        conn.execute(
            text("UPDATE submission SET status = 'stalled', infra_failures = 3, infra_problem = 'disk', retry_at = :t"),
            {"t": now},
        )
    alembic(engine, "downgrade", "0013")
    assert "retry_at" not in {c["name"] for c in inspect(engine).get_columns("submission")}
    with engine.begin() as conn:
        row = conn.execute(text("SELECT code, status FROM submission WHERE id = 7")).one()
        assert tuple(row) == ("x + 1", "queued")  # older code knows no 'stalled': queued again
    engine.dispose()
