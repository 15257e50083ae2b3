"""Migration 0011 (LTI launches and grade passback) adds its tables, keeps every existing row, matches the
models exactly, and goes back down; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from app.config import Settings
from app.db import make_engine

from .migrations import add_learner, alembic

NEW = {"lti_launch_value", "lti_identity", "lti_context", "lti_resource_link", "lti_grade_outbox"}


def test_upgrade_from_0010_keeps_data_matches_models_and_goes_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    alembic(engine, "upgrade", "0010")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        add_learner(conn, now)
        conn.execute(
            text(
                "INSERT INTO lti_platform (id, issuer, client_id, deployment_id, auth_login_url, token_url, jwks_url, "
                "created_at) VALUES (3, 'https://lms.example.edu', 'c', 'd', 'https://lms.example.edu/a', "
                "'https://lms.example.edu/t', 'https://lms.example.edu/j', :t)"
            ),
            {"t": now},
        )
    alembic(engine, "upgrade", "0011")
    assert set(inspect(engine).get_table_names()) >= NEW
    with engine.begin() as conn:
        assert conn.execute(text('SELECT username FROM "user" WHERE id = 1')).scalar_one() == "alice"
        assert conn.execute(text("SELECT client_id FROM lti_platform WHERE id = 3")).scalar_one() == "c"
        with engine.connect() as c2:
            diff = compare_metadata(MigrationContext.configure(c2), SQLModel.metadata)
        ours = [d for d in diff if any(name in repr(d) for name in NEW)]
        assert ours == [], ours
    alembic(engine, "downgrade", "0010")
    assert not NEW & set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        assert conn.execute(text("SELECT client_id FROM lti_platform WHERE id = 3")).scalar_one() == "c"
    engine.dispose()
