"""Alembic environment of the forum's own tables.

Run from :mod:`civicforum.migrate`, which hands over a connection in
``config.attributes["connection"]``; a ``sqlalchemy.url`` main option works as well
(offline ``--sql`` mode needs it). Everything that decides what may be touched -- only
``cf_`` tables, the version table ``civicforum_alembic_version`` -- lives in
:func:`civicforum.migrate.context_options`, shared with the tests.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection, make_url

from civicforum.migrate import context_options, migration_connection

config = context.config


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("offline migrations need the sqlalchemy.url option")
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(make_url(url).get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, **context_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no database to migrate: pass a connection through civicforum.migrate, "
            "or set the sqlalchemy.url option"
        )
    with migration_connection(url) as connection:
        run_with(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
