from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from app.config import Settings
from app.db import create_all, make_engine, migrate


def test_migrations_match_models(tmp_path: Path) -> None:
    migrated = make_engine(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    migrate(migrated)
    migrate(migrated)  # idempotent
    created = make_engine(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'b.db'}"))
    create_all(created)
    a, b = inspect(migrated), inspect(created)
    tables = set(b.get_table_names())
    assert tables <= set(a.get_table_names())
    for table in tables:
        assert {c["name"] for c in a.get_columns(table)} == {c["name"] for c in b.get_columns(table)}, table
    migrated.dispose()
    created.dispose()


def test_default_database_is_a_file_in_data_dir(tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path / "d"))
    assert str(engine.url) == f"sqlite:///{tmp_path / 'd' / 'jaxtutor.db'}"
    engine.dispose()


def test_token_expiry_migration_keeps_existing_tokens(database_url: str, tmp_path: Path) -> None:
    """0005 on a database holding a token from before: the token gets an expiry and stays usable."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text
    from sqlmodel import Session

    from app.db import MIGRATIONS_DIR
    from app.models import utcnow
    from app.services import tokens

    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(
            text(
                'INSERT INTO "user" (username, role, password_hash, is_active, created_at) '
                "VALUES ('old', 'learner', 'x', true, :now)"
            ),
            {"now": utcnow()},
        )
        conn.execute(
            text("INSERT INTO api_token (token_hash, user_id, name, created_at) VALUES (:h, 1, 'legacy', :now)"),
            {"h": tokens.token_hash("jxt_legacy"), "now": utcnow()},
        )
    migrate(engine)
    with Session(engine) as session:
        user = tokens.user_for_api_token(session=session, token="jxt_legacy")
        assert user is not None and user.username == "old"
        (row,) = tokens.list_api_tokens(session=session, user_id=1)
        assert 89 <= (tokens._aware(row.expires_at) - utcnow()).days <= 90 and row.last_used_at is not None
    engine.dispose()
