"""Alembic environment: runs on the connection handed over by ``app.db.migrate``.

Command-line use (``alembic -c ...``) is supported through ``sqlalchemy.url`` or JAXTUTOR_DATABASE_URL.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from app import models, models_lti  # noqa: F401

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from app.config import Settings
        from app.db import make_engine

        engine = make_engine(Settings.model_validate({}))
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


run()
