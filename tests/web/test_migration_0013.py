"""Migration 0013 (re-grades) adds the regrade table beside submissions, keeps every submission and its
verdict, enforces one re-grade per submission and version, and downgrades cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.config import Settings
from app.db import make_engine

from .migrations import add_learner, alembic


def test_upgrade_from_0011_and_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    alembic(engine, "upgrade", "0011")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_learner(conn, now)
        conn.execute(
            text(
                "INSERT INTO submission (id, lesson_id, code, user_id, status, verdict, lesson_hash, attempts, "
                "created_at) VALUES (7, 'demo-add', 'x + 1', 1, 'done', 'pass', 'h', 1, :t)"
            ),
            {"t": now},
        )
    alembic(engine, "upgrade", "0013")
    assert "regrade" in inspect(engine).get_table_names()
    insert = text(
        "INSERT INTO regrade (submission_id, lesson_id, lesson_version, status, attempts, created_at) "
        "VALUES (7, 'demo-add', 'v2', 'queued', 0, :t)"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"t": now})
        assert conn.execute(text("SELECT verdict FROM submission WHERE id = 7")).scalar_one() == "pass"
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"t": now})  # one re-grade per submission and version
    alembic(engine, "downgrade", "0011")
    assert "regrade" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT code, verdict FROM submission WHERE id = 7")).one() == ("x + 1", "pass")
    engine.dispose()
