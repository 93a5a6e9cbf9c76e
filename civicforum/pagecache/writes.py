"""Every transaction of the forum that writes raises the page generation, in itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
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


_READ = select(PageGeneration.value).where(PageGeneration.id == 1)


def current_generation(engine: Engine) -> int | None:
    """The number now, or None before the first write (nothing is kept then).

    Read on a connection of its own, without an ORM session: on a kept page it is all
    the request asks of the database."""
    with engine.connect() as connection:
        found: int | None = connection.execute(_READ).scalar()
    return found
