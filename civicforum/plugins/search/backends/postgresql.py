"""Search with PostgreSQL's full-text search, in the forum's own database: for a site whose
web processes run on several machines, which cannot share one index folder.

Each document is a row of ``cf_search_document`` (the ``search`` migration branch) with a
``tsvector`` made in the document's language (the ``dutch`` or ``english`` text search
configuration: stems and stop words), the title weighted above the text, and a GIN index.
The row keeps what filtering needs (community, kind, state, owner, shown name, date),
never the text itself: results are read from the forum's own tables.

Writes and rebuilds are transactions: a search sees the old documents until the new ones
are committed, and a rebuild stopped halfway leaves the old ones in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ....searchable import DocumentState, SearchDocument
from ..models import documents as table
from ..query import ParsedQuery
from . import COUNT_LIMIT, Health, Hits, IndexUnavailable, Order, Progress, Search

#: A best-match search ranks the newest this many matches (or the page asked, if later).
RANKED = 2000
#: The text search configuration of each language a community may write in.
CONFIGURATIONS = {"nl": "dutch", "en": "english"}

_UPSERT = sa.text(
    """
    INSERT INTO cf_search_document
        (key, kind, community_id, state, owner_id, author, language, created_at, vector)
    VALUES (
        :key, :kind, :community_id, :state, :owner_id, :author, :language, :created_at,
        setweight(to_tsvector(CAST(:config AS regconfig), :title), 'A')
        || setweight(to_tsvector(CAST(:config AS regconfig), :text), 'B')
    )
    ON CONFLICT (key) DO UPDATE SET
        kind = EXCLUDED.kind, community_id = EXCLUDED.community_id,
        state = EXCLUDED.state, owner_id = EXCLUDED.owner_id, author = EXCLUDED.author,
        language = EXCLUDED.language, created_at = EXCLUDED.created_at,
        vector = EXCLUDED.vector
    """
)


def _row(document: SearchDocument) -> dict[str, Any]:
    language = document.language if document.language in CONFIGURATIONS else "nl"
    return {
        "key": document.key,
        "kind": document.kind,
        "community_id": document.community_id,
        "state": document.state.value,
        "owner_id": document.owner_id,
        "author": document.author_name,
        "language": language,
        "created_at": document.created_at,
        "config": CONFIGURATIONS[language],
        "title": document.title,
        "text": document.text,
    }


def _tsquery(query: ParsedQuery, language: str) -> sa.ColumnElement[Any] | None:
    """The words, phrases and left-out words as one ``tsquery`` of ``language``; None when
    there is nothing to find. The searcher's text only ever reaches PostgreSQL as the
    argument of ``plainto_tsquery``/``phraseto_tsquery``, never as query syntax."""
    config = sa.cast(sa.literal(CONFIGURATIONS[language]), REGCONFIG)
    wanted: list[sa.ColumnElement[Any]] = [
        sa.func.plainto_tsquery(config, word) for word in query.words
    ]
    wanted += [sa.func.phraseto_tsquery(config, " ".join(p)) for p in query.phrases]
    if not wanted:
        return None
    unwanted = [sa.func.plainto_tsquery(config, word) for word in query.without]
    unwanted += [sa.func.phraseto_tsquery(config, " ".join(p)) for p in query.without_phrases]
    combined = wanted[0]
    for part in wanted[1:]:
        combined = sa.func.tsquery_and(combined, part)
    for part in unwanted:
        combined = sa.func.tsquery_and(combined, sa.func.tsquery_not(part))
    return combined


def scope_condition(search: Search) -> sa.ColumnElement[bool]:
    """What the searcher may find (from the policy's scope) and what they filtered on."""
    scope = search.scope
    column = table.c
    shielded = [DocumentState.HELD.value, DocumentState.HIDDEN.value]
    allowed: list[sa.ColumnElement[bool]] = [
        sa.and_(
            column.community_id.in_(sorted(scope.readable)),
            column.state == DocumentState.PUBLISHED.value,
        )
    ]
    if scope.moderated:
        allowed.append(
            sa.and_(column.community_id.in_(sorted(scope.moderated)), column.state.in_(shielded))
        )
    if scope.member_id is not None:
        allowed.append(
            sa.and_(
                column.community_id.in_(sorted(scope.readable)),
                column.owner_id == scope.member_id,
                column.state.in_(shielded),
            )
        )
    if scope.edited:
        allowed.append(
            sa.and_(
                column.community_id.in_(sorted(scope.edited)),
                column.state == DocumentState.UNPUBLISHED.value,
            )
        )
    narrowed: list[sa.ColumnElement[bool]] = [sa.or_(*allowed)]
    if search.kinds is not None:
        narrowed.append(column.kind.in_(sorted(search.kinds)))
    if search.author_name:
        narrowed.append(column.author == search.author_name)
    if search.since is not None:
        narrowed.append(column.created_at >= search.since)
    if search.until is not None:
        narrowed.append(column.created_at < search.until)
    return sa.and_(*narrowed)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self) -> None:
        """Make the table where there is none (``flask civicforum db upgrade`` does this
        with the ``search`` branch; tests and a first start call it directly)."""
        table.create(self.engine, checkfirst=True)

    def health(self) -> Health:
        try:
            with self.engine.connect() as connection:
                exists = sa.inspect(connection).has_table(table.name)
        except SQLAlchemyError:
            return Health.MISSING
        return Health.READY if exists else Health.MISSING

    # -- writing ---------------------------------------------------------------------

    def write(self, documents: Sequence[SearchDocument], removed: Sequence[str]) -> None:
        with self.engine.begin() as connection:
            if removed:
                connection.execute(table.delete().where(table.c.key.in_(list(removed))))
            if documents:
                connection.execute(_UPSERT, [_row(d) for d in documents])

    def rebuild(self, batches: Iterable[Sequence[SearchDocument]], progress: Progress) -> int:
        written = 0
        with self.engine.begin() as connection:
            table.create(connection, checkfirst=True)
            # Other writers wait until the new documents are committed; searches go on
            # reading the old ones meanwhile.
            connection.execute(sa.text("LOCK TABLE cf_search_document IN EXCLUSIVE MODE"))
            connection.execute(table.delete())
            for batch in batches:
                if batch:
                    connection.execute(_UPSERT, [_row(d) for d in batch])
                written += len(batch)
                progress(written)
        with self.engine.connect() as connection:
            # Fresh statistics, or the planner takes the new table for an empty one.
            connection.execute(sa.text("ANALYZE cf_search_document"))
            connection.commit()
        return written

    # -- reading ---------------------------------------------------------------------

    def search(self, search: Search) -> Hits:
        if search.scope.is_empty:
            return Hits([], 0)
        column = table.c
        matches: list[sa.ColumnElement[bool]] = []
        ranks: list[tuple[str, sa.ColumnElement[Any]]] = []
        for language in sorted(search.languages):
            tsquery = _tsquery(search.query, language)
            if tsquery is None:
                continue
            matches.append(sa.and_(column.language == language, column.vector.op("@@")(tsquery)))
            ranks.append((language, tsquery))
        if not matches:
            return Hits([], 0)
        where = sa.and_(sa.or_(*matches), scope_condition(search))
        page_end = search.offset + search.limit
        limit = max(page_end, COUNT_LIMIT) + 1
        if search.order == Order.NEWEST:
            page = (
                sa.select(column.key)
                .where(where)
                .order_by(column.created_at.desc(), column.key)
                .offset(search.offset)
                .limit(search.limit)
            )
        else:
            # Ranked among the newest matches only: ranking every match of a very common
            # word reads every one of their vectors.
            recent = (
                sa.select(column.key, column.created_at, column.language, column.vector)
                .where(where)
                .order_by(column.created_at.desc())
                .limit(max(page_end, RANKED))
                .subquery()
            )
            rank = sa.case(
                *[
                    (recent.c.language == language, sa.func.ts_rank_cd(recent.c.vector, q))
                    for language, q in ranks
                ],
                else_=0,
            )
            page = (
                sa.select(recent.c.key)
                .order_by(rank.desc(), recent.c.created_at.desc(), recent.c.key)
                .offset(search.offset)
                .limit(search.limit)
            )
        counted = sa.select(sa.func.count()).select_from(
            sa.select(column.key).where(where).limit(limit).subquery()
        )
        try:
            with self.engine.connect() as connection:
                keys = list(connection.scalars(page))
                total = int(connection.scalar(counted) or 0)
        except sa.exc.ProgrammingError as error:
            if self.health() == Health.READY:
                raise  # a fault of ours, not a lost table: never hidden as a rebuild
            raise IndexUnavailable(str(error.orig)) from error
        if total < limit:
            return Hits(keys, total)
        return Hits(keys, limit - 1, more=True)

    def count(self) -> int:
        try:
            with self.engine.connect() as connection:
                return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
        except sa.exc.ProgrammingError:
            return 0
