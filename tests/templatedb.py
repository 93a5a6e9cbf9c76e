"""Fresh databases for tests, made fast: with the forum's tables, or empty for migrations.

``create_all`` costs about 0.1 s on SQLite and 0.2 s on PostgreSQL, for every test.
Instead:

- on SQLite, each test process makes a template file once and every test copies it;
- on PostgreSQL, each test gets a schema of its own, and its tables come from one DDL
  script compiled once per process and sent in a single round trip. (A database per test
  copied with ``CREATE DATABASE ... TEMPLATE`` was tried: it waits for the disk, 0.1 to
  0.4 s a copy here, slower than the script.) The script still costs the server about
  0.2 s, so a schema a test is done with is emptied (every row deleted, every sequence
  restarted: a few milliseconds) and handed to the process's next test, unless the test
  changed its tables (then it is dropped).

Schemas are named ``cf_test_<pid>_<n>``; a run that was killed leaves its schemas behind,
and the next run drops those whose process is gone.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from civicforum.db import Base

PREFIX = "cf_test_"


class FreshDatabases:
    """Per test process: the SQLite template, the PostgreSQL script, the schema names.

    :param load_models: imports every model of the forum and its built-in plugins, so
        that ``Base.metadata`` holds every table.
    """

    def __init__(self, load_models: Callable[[], None]) -> None:
        self._load_models = load_models
        self._template: Path | None = None
        self._script: str | None = None
        self._numbers = itertools.count(1)
        self._swept: set[str] = set()
        # Per server, schemas with every table and no rows, ready for the next test.
        self._pools: dict[str, list[str]] = {}
        self._tables: set[str] | None = None

    def sqlite_template(self) -> Path:
        """A SQLite file with every table; copy it to get a fresh database."""
        if self._template is None:
            folder = tempfile.mkdtemp(prefix="cf-test-template-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            path = Path(folder) / "template.sqlite3"
            self._load_models()
            engine = sa.create_engine(f"sqlite:///{path}")
            Base.metadata.create_all(engine)
            engine.dispose()
            self._template = path
        return self._template

    @contextmanager
    def postgresql_schema(self, server: str, *, tables: bool) -> Iterator[str]:
        """A schema on *server*, empty or with every table (and no rows), and a URL that
        uses it. A schema with tables is emptied afterwards and used again by the next
        test of this process when it still has exactly its tables; any other is dropped."""
        if server not in self._swept:
            _drop_leftovers(server)
            self._swept.add(server)
        admin = sa.create_engine(server)
        try:
            if server not in self._pools:
                self._pools[server] = []
                atexit.register(self._drop_pool, server)
            pool = self._pools[server]
            if tables and pool:
                schema = pool.pop()
            else:
                schema = f"{PREFIX}{os.getpid()}_{next(self._numbers)}"
                script = f'CREATE SCHEMA "{schema}"'
                if tables:
                    script += f'; SET LOCAL search_path TO "{schema}";\n{self._ddl()}'
                with admin.begin() as conn:
                    conn.exec_driver_sql(script)
            sep = "&" if "?" in server else "?"
            try:
                yield f"{server}{sep}options=-csearch_path%3D{schema}"
            finally:
                if tables and self._emptied(admin, schema):
                    pool.append(schema)
                else:
                    with admin.begin() as conn:
                        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            admin.dispose()

    def _emptied(self, admin: sa.Engine, schema: str) -> bool:
        """Delete every row and restart every sequence of a schema that still has exactly
        the forum's tables; False (and nothing done) for one a test changed.

        Making a schema costs PostgreSQL about 0.2 s, emptying one a few milliseconds.
        """
        expected = self._table_names()
        try:
            with admin.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                found = set(
                    conn.execute(
                        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                        {"s": schema},
                    ).scalars()
                )
                if found != expected:
                    return False
                sequences = conn.execute(
                    sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                    {"s": schema},
                ).scalars()
                # Without foreign-key triggers, the order of the deletes does not matter.
                script = ["SET LOCAL session_replication_role = replica"]
                script += [f'DELETE FROM "{schema}"."{name}"' for name in sorted(expected)]  # noqa: S608 - our own names
                script += [f'ALTER SEQUENCE "{schema}"."{name}" RESTART' for name in sequences]
                conn.exec_driver_sql(";\n".join(script))
        except sa.exc.DBAPIError:
            return False
        return True

    def _drop_pool(self, server: str) -> None:
        """At the process's end: its schemas, which no test uses any more."""
        schemas = self._pools.pop(server, [])
        if not schemas:
            return
        admin = sa.create_engine(server)
        try:
            with admin.begin() as conn:
                for schema in schemas:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            admin.dispose()

    def _table_names(self) -> set[str]:
        if self._tables is None:
            self._load_models()
            self._tables = {table.name for table in Base.metadata.sorted_tables}
        return self._tables

    def _ddl(self) -> str:
        """Every table as one PostgreSQL script, compiled once per process."""
        if self._script is None:
            self._load_models()
            statements: list[str] = []

            def record(sql: sa.schema.ExecutableDDLElement, *_: object, **__: object) -> None:
                statements.append(str(sql.compile(dialect=mock.dialect)).strip())

            mock = sa.create_mock_engine(sa.engine.make_url("postgresql+psycopg://"), record)
            Base.metadata.create_all(mock, checkfirst=False)  # type: ignore[arg-type]
            self._script = ";\n".join(statements)
        return self._script


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_leftovers(server: str) -> None:
    """Drop the schemas of test processes that no longer run (a killed run's)."""
    admin = sa.create_engine(server)
    try:
        with admin.begin() as conn:
            names = conn.execute(
                sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
                {"prefix": PREFIX + "%"},
            ).scalars()
            for name in list(names):
                found = re.match(rf"{PREFIX}(\d+)_", name)
                if found and not _process_alive(int(found.group(1))):
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        admin.dispose()


#: The catalogs a schema's tables, columns, keys, indexes and sequences are rows of.
CATALOGS = (
    "pg_attribute",
    "pg_depend",
    "pg_trigger",
    "pg_class",
    "pg_constraint",
    "pg_index",
    "pg_type",
    "pg_attrdef",
    "pg_sequence",
    "pg_namespace",
)


def compact_catalogs(server: str) -> None:
    """``VACUUM FULL`` the catalogs that test schemas churn (a second or two); skipped,
    with a warning, where the role may not (it needs a superuser)."""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = ", ".join(f"pg_catalog.{name}" for name in CATALOGS)
            conn.exec_driver_sql(f"VACUUM FULL {names}")
    except sa.exc.DBAPIError as error:
        warnings.warn(f"The catalogs could not be compacted: {error.orig}", stacklevel=1)
    finally:
        admin.dispose()
