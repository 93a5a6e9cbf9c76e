"""Every transaction of the forum that writes raises the page generation, in itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from .models import PageGeneration

_WROTE = "civicforum.pagecache.wrote"


def _raise_generation(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(PageGeneration)
        .values(id=1, value=1)
        .on_conflict_do_update(
            index_elements=[PageGeneration.id], set_={"value": PageGeneration.value + 1}
        )
    )
    session.execute(statement)


def watch_writes(factory: sessionmaker[Session]) -> None:
    """Make every transaction of ``factory``'s sessions that writes raise the number, as
    its last statement (after its own writes are flushed, so that the row is the last
    lock it takes and two writers never wait for each other in turn)."""

    def after_flush(session: Session, context: Any) -> None:
        if session.new or session.dirty or session.deleted:
            session.info[_WROTE] = True

    def orm_execute(state: ORMExecuteState) -> None:
        if not state.is_select:
            state.session.info[_WROTE] = True

    def before_commit(session: Session) -> None:
        session.flush()
        if session.info.pop(_WROTE, False):
            _raise_generation(session)
            session.info.pop(_WROTE, None)

    def forget(session: Session, *_: Any) -> None:
        session.info.pop(_WROTE, None)

    sa_event.listen(factory, "after_flush", after_flush)
    sa_event.listen(factory, "do_orm_execute", orm_execute)
    sa_event.listen(factory, "before_commit", before_commit)
    sa_event.listen(factory, "after_soft_rollback", forget)


_READ = f"SELECT value FROM {PageGeneration.__tablename__} WHERE id = 1"  # noqa: S608 - no input


def current_generation(reader: Engine) -> int | None:
    """The number now, or None before the first write (nothing is kept then).

    Read through ``reader`` (``db.make_quick_reader``) on the driver's own connection:
    on a kept page it is all the request asks of the database, and SQLAlchemy's
    statement machinery would cost as much as the round trip itself. A connection the
    server has dropped since (a restart) is let go and the read tried once more.

    :raises sqlalchemy.exc.DBAPIError: when the database does not answer (the forum's
        pages then say it is unavailable).
    """
    dialect = reader.dialect
    failure = dialect.loaded_dbapi.Error
    for attempt in (1, 2):
        connection = None
        try:
            connection = reader.raw_connection()
            cursor = connection.cursor()
            try:
                cursor.execute(_READ)
                row = cursor.fetchone()
            finally:
                cursor.close()
            return None if row is None else int(row[0])
        except failure as error:
            dropped = connection is not None and dialect.is_disconnect(
                error, connection.dbapi_connection, None
            )
            if dropped and connection is not None:
                connection.invalidate(error)
                if attempt == 1:
                    continue
            # As SQLAlchemy would raise it (OperationalError, ...): the pages know it.
            raise DBAPIError.instance(_READ, None, error, failure, dropped) from error
        finally:
            if connection is not None:
                connection.close()
    raise AssertionError("unreachable")  # pragma: no cover
