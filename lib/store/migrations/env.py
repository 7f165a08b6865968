"""Alembic's environment for the store: run by lib.store.database.Database.upgrade() on the connection it
passes in `config.attributes["connection"]` (inside its own write transaction), or, from the command line,
on an engine made from the configured URL. Batch mode, so SQLite's ALTER TABLE limits are worked around."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from lib.store.tables import metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
