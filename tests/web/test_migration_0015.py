"""Migration 0015 (clusters and feedback) keeps every submission; the new columns start empty, the comment
table works, and the downgrade gives the old schema back with the data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text

from app.config import Settings
from app.db import make_engine

from .migrations import add_learner, add_submission, alembic


def test_upgrade_from_0014_and_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    alembic(engine, "upgrade", "0014")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_learner(conn, now)
        add_submission(conn, now, status="done", attempts=1)
    alembic(engine, "upgrade", "0015")
    assert {"cluster_key", "cluster_version"} <= {c["name"] for c in inspect(engine).get_columns("submission")}
    with engine.begin() as conn:
        row = conn.execute(text("SELECT code, status, cluster_key, cluster_version FROM submission WHERE id = 7")).one()
        assert tuple(row) == ("x + 1", "done", None, None)
        conn.execute(text("UPDATE submission SET cluster_key = 'j-1', cluster_version = '1-c16' WHERE id = 7"))
        conn.execute(
            text(
                "INSERT INTO feedback_comment (author_id, lesson_id, submission_id, line, body, created_at) "
                "VALUES (1, 'demo-add', 7, 1, 'look here', :t)"
            ),
            {"t": now},
        )
        assert conn.execute(text("SELECT body FROM feedback_comment")).scalar_one() == "look here"
    alembic(engine, "downgrade", "0014")
    inspector = inspect(engine)
    assert "cluster_key" not in {c["name"] for c in inspector.get_columns("submission")}
    assert "feedback_comment" not in inspector.get_table_names()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT code FROM submission WHERE id = 7")).scalar_one() == "x + 1"
    engine.dispose()
