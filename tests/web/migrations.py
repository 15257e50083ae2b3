"""Shared steps of the migration tests (``test_migration_*.py``): run Alembic on a real database, and put
in the rows an older release would have left, with plain SQL (the models describe only the newest schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.db import MIGRATIONS_DIR


def alembic(engine: Any, action: str, revision: str) -> None:
    """``upgrade``/``downgrade`` ``engine``'s database to ``revision``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def add_learner(conn: Any, now: datetime, user_id: int = 1, username: str = "alice") -> None:
    conn.execute(
        text(
            'INSERT INTO "user" (id, username, role, password_hash, is_active, created_at) '
            "VALUES (:i, :u, 'learner', 'x', :a, :t)"
        ),
        {"i": user_id, "u": username, "a": True, "t": now},
    )


def add_submission(conn: Any, now: datetime, *, status: str = "queued", attempts: int = 0) -> None:
    """Submission 7 of user 1 on demo-add, code ``x + 1``."""
    conn.execute(
        text(
            "INSERT INTO submission (id, lesson_id, code, user_id, status, lesson_hash, attempts, created_at) "
            "VALUES (7, 'demo-add', 'x + 1', 1, :s, 'h', :n, :t)"
        ),
        {"s": status, "n": attempts, "t": now},
    )
