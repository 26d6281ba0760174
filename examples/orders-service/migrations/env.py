"""Alembic environment for the orders service.

The database URL is taken from, in order: ``-x url=...`` on the alembic command line, the
``DATABASE_URL`` environment variable, then ``sqlalchemy.url`` in alembic.ini. A caller of the
command API may also pass an open connection as ``config.attributes["connection"]``.

Migrations use plain operations (no ``batch_alter_table``) so that ``--sql`` (offline) mode works on
SQLite as well as PostgreSQL.
"""

from __future__ import annotations

import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The application's models are the target of `alembic revision --autogenerate` and `alembic check`.
# Migration files never import them, so a bundle of migrations/ alone still runs without the app.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    from orders.db import metadata as target_metadata
except ImportError:
    target_metadata = None


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL")
    return url or config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    """Emit SQL to stdout (or --sql output) without connecting."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = database_url()
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
