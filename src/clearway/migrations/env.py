"""Alembic environment: runs against the connection that clearway.db.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import clearway.models  # noqa: F401  (registers every domain's tables on Base.metadata)
from clearway.config import get_settings
from clearway.db import Base

target_metadata = Base.metadata


def run() -> None:
    conn = context.config.attributes.get("connection")
    if conn is None:  # plain `alembic` command line: use the configured database
        engine = create_engine(get_settings().database_url)
        with engine.begin() as c:
            context.configure(connection=c, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
