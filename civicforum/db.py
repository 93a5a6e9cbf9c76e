"""The forum's own database: declarative base, engine and sessions, separate from the host's.

Every table is named ``cf_<name>`` and every constraint follows one naming convention, so
migrations can recognise what the forum owns and never touch a host table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .forking import renew_after_fork

TABLE_PREFIX = "cf_"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored as UTC and always handed back timezone-aware.

    SQLite has no time zones; PostgreSQL does. This keeps both the same to the code.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use civicforum.clock.now()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base of every forum model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def default_database_url(instance_path: str) -> str:
    path = Path(instance_path)
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'civicforum.sqlite3'}"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writes;
    # synchronous=NORMAL is SQLite's advice with WAL (no corruption on power loss, at most
    # the last commits lost) and saves an fsync per commit; the busy timeout makes a second
    # writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the forum's engine; SQLite gets foreign keys, WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    renew_after_fork(engine, _fresh_pool)
    return engine


def _fresh_pool(engine: Engine) -> None:
    # In a forked child: an empty pool of its own; the parent's connections are left to
    # the parent (SQLAlchemy's advice for os.fork: dispose without closing them).
    engine.dispose(close=False)


def make_quick_reader(engine: Engine) -> Engine:
    """An engine for one small read a request, in as few round trips as can be.

    On PostgreSQL the forum's engine tests each connection it hands out (a round trip),
    and each read there begins and ends a transaction (two more); this one's connections
    answer in autocommit and are not tested first: a read that meets a connection the
    server dropped is tried once more on a new one (see ``civicforum.pagecache``). On
    SQLite there is nothing to save: the forum's own engine.
    """
    if engine.dialect.name == "sqlite":
        return engine
    reader = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=2)
    renew_after_fork(reader, _fresh_pool)
    return reader


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
