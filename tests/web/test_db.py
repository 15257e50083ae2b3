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
