"""The database engine and schema migrations.

``make_engine(settings)`` builds the engine (SQLite file in ``data_dir`` unless ``database_url`` is set);
``migrate(engine)`` applies the alembic migrations in ``app/migrations`` (``alembic upgrade head``) on
that engine's connection (on PostgreSQL under an advisory lock: several replicas may start at once).
``create_all`` is the fallback for throwaway databases when ``auto_migrate`` is off (tests may use either;
both build the same tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.pool import QueuePool, StaticPool
from sqlmodel import Session, SQLModel, create_engine

from app import models as _models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app import models_lti as _models_lti  # noqa: F401
from app.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def database_url(settings: Settings) -> str:
    return settings.database_url or f"sqlite:///{settings.data_dir / 'jaxtutor.db'}"


def make_engine(settings: Settings) -> Engine:
    url = database_url(settings)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection: fine for one request at a time (the CLI, quick experiments), not for a
            # server, whose sync routes run concurrently in the threadpool. Use a file (the default) there.
            kwargs["poolclass"] = StaticPool
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    if kwargs.get("poolclass") is not StaticPool:
        kwargs["pool_size"] = settings.database_pool_size
        kwargs["max_overflow"] = settings.database_pool_size
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def request_slots(engine: Engine, *, reserve: int = 2) -> int:
    """How many requests may hold a connection at once, leaving ``reserve`` for background workers.

    Routes do their database work in the threadpool; a request that waited there for a pooled connection
    would hold a worker thread (and starve the Run polls queued behind it), so none ever does: requests
    queue on an ``asyncio.Semaphore`` of this size first, on the loop, holding nothing
    (``app.deps.get_db``)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        return max(1, pool.size() + pool._max_overflow - reserve)
    return 1  # StaticPool: one shared in-memory connection, one request at a time


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def migrate(engine: Engine) -> None:
    """``alembic upgrade head`` on this engine (no alembic.ini needed)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time (released when this transaction ends).
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('jaxtutor-migrations'))"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def create_all(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for code outside a request (workers, CLI)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
