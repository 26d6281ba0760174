"""Our own minimal Alembic environment for this corpus (not the project's): the project's env.py imports the
application's ``database.database`` module, which builds a PostgreSQL URL from DB_USER/DB_PASSWORD/DB_HOST/
DB_PORT/DB_NAME and overrides ``sqlalchemy.url`` with it (see ../derisk_env_db_host for that env.py).

The URL comes from the ``sqlalchemy.url`` option (alembic.ini, or the URL the caller sets); an open
connection passed as ``config.attributes["connection"]`` (Alembic's cookbook pattern) is used as it is.
"""
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
