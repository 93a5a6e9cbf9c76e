"""Search with Whoosh: an index folder on the machine's own disk, the embedded default.

Whoosh lets one writer at a time change an index, with a lock file that the operating
system releases when its process ends; several web processes on one machine share the
folder safely. A writer that cannot get the lock in time raises, and the indexer tries
again later, from the task queue.

Rebuilding an index that can be read replaces it in one commit (``CLEAR``): until that
commit, searches see the old index, and a rebuild killed halfway leaves it as it was.
A missing or broken index is built in a folder beside it and then put in its place.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index, writing
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.idsets import BitSet
from whoosh.query import And, AndNot, NumericRange, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from ....searchable import DocumentState, SearchDocument
from ..query import ParsedQuery, analyser, stems
from . import COUNT_LIMIT, Health, Hits, IndexUnavailable, Order, Progress, Search

LANGUAGES = ("nl", "en")
INDEX_NAME = "civicforum"
#: Scopes whose documents are kept in memory (a bit per document each).
SCOPES_KEPT = 64
# Seconds a live write waits for another writer (a rebuild) before it is queued instead.
WRITE_TIMEOUT = 1.0


def _schema() -> Schema:
    fields: dict[str, Any] = {
        "key": ID(unique=True, stored=True),
        "kind": ID,
        "community": ID,
        "state": ID,
        "owner": ID,
        "author": ID,
        "language": ID,
        "created": NUMERIC(int, bits=64, signed=True, sortable=True),
    }
    for language in LANGUAGES:
        fields[f"title_{language}"] = TEXT(analyzer=analyser(language), field_boost=2.0)
        fields[f"body_{language}"] = TEXT(analyzer=analyser(language))
    return Schema(**fields)


def _storage(folder: Path) -> FileStorage:
    """The index's files, read without mmap: a file damaged or cut short under a running
    process then raises an error (and the index is rebuilt) instead of killing the
    process with SIGBUS."""
    return FileStorage(str(folder), supports_mmap=False)


def _instant(moment: dt.datetime) -> int:
    """Microseconds since 1970: "newest first" also orders posts of one second."""
    return round(moment.timestamp() * 1_000_000)


def _fields(document: SearchDocument) -> dict[str, Any]:
    language = document.language if document.language in LANGUAGES else "nl"
    return {
        "key": document.key,
        "kind": document.kind,
        "community": str(document.community_id),
        "state": document.state.value,
        "owner": str(document.owner_id) if document.owner_id is not None else "",
        "author": document.author_name,
        "language": language,
        "created": _instant(document.created_at),
        f"title_{language}": document.title,
        f"body_{language}": document.text,
    }


def _any_of(field: str, values: Iterable[object]) -> Query:
    terms = [Term(field, str(v)) for v in sorted(str(v) for v in values)]
    return Or(terms) if terms else _NOTHING


_NOTHING = Term("key", "\x00nothing")


def _words_query(query: ParsedQuery, language: str) -> Query | None:
    """The query for documents in ``language``; None when every word is a stop word."""
    wanted: list[Query] = []
    for word in query.words:
        for stem in stems(word, language):
            wanted.append(Or([Term(f"title_{language}", stem), Term(f"body_{language}", stem)]))
    for phrase in query.phrases:
        parts = stems(" ".join(phrase), language)
        if len(parts) == 1:
            wanted.append(
                Or([Term(f"title_{language}", parts[0]), Term(f"body_{language}", parts[0])])
            )
        elif parts:
            wanted.append(
                Or([Phrase(f"title_{language}", parts), Phrase(f"body_{language}", parts)])
            )
    if not wanted:
        return None
    found: Query = And([Term("language", language), *wanted])
    unwanted: list[Query] = []
    for word in query.without:
        for stem in stems(word, language):
            unwanted.extend([Term(f"title_{language}", stem), Term(f"body_{language}", stem)])
    for phrase in query.without_phrases:
        parts = stems(" ".join(phrase), language)
        if parts:
            unwanted.extend([Phrase(f"title_{language}", parts), Phrase(f"body_{language}", parts)])
    return AndNot(found, Or(unwanted)) if unwanted else found


def words_query(query: ParsedQuery, languages: Iterable[str]) -> Query | None:
    parts = [
        q
        for language in LANGUAGES
        if language in languages and (q := _words_query(query, language)) is not None
    ]
    return Or(parts) if parts else None


def scope_filter(search: Search) -> Query:
    """What the searcher may find (from the policy's scope) and what they filtered on."""
    scope = search.scope
    shielded = [DocumentState.HELD.value, DocumentState.HIDDEN.value]
    allowed: list[Query] = [
        And([_any_of("community", scope.readable), Term("state", DocumentState.PUBLISHED)]),
    ]
    if scope.moderated:
        allowed.append(And([_any_of("community", scope.moderated), _any_of("state", shielded)]))
    if scope.member_id is not None:
        allowed.append(
            And(
                [
                    _any_of("community", scope.readable),
                    Term("owner", str(scope.member_id)),
                    _any_of("state", shielded),
                ]
            )
        )
    if scope.edited:
        allowed.append(
            And([_any_of("community", scope.edited), Term("state", DocumentState.UNPUBLISHED)])
        )
    narrowed: list[Query] = [Or(allowed)]
    if search.kinds is not None:
        narrowed.append(_any_of("kind", search.kinds))
    if search.author_name:
        narrowed.append(Term("author", search.author_name))
    if search.since is not None or search.until is not None:
        narrowed.append(
            NumericRange(
                "created",
                _instant(search.since) if search.since else None,
                _instant(search.until) if search.until else None,
                endexcl=True,
            )
        )
    return And(narrowed)


class WhooshBackend:
    name = "whoosh"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: Any = None
        self._opening = threading.Lock()
        # One writer at a time in this process: the index's file lock keeps other
        # processes out, and threads wait here instead of timing out on it. Searchers
        # are opened under it too (see _searcher).
        self._writing = threading.Lock()
        # (index generation, its segments, scope) -> the documents it lets through,
        # oldest first.
        self._scopes: dict[tuple[int, tuple[str, ...], str], Any] = {}

    # -- opening ---------------------------------------------------------------------

    def _open(self) -> Any:
        if self._index is not None:
            return self._index
        with self._opening:
            if self._index is None:
                if not index.exists_in(str(self.folder), indexname=INDEX_NAME):
                    raise IndexUnavailable(str(self.folder))
                try:
                    self._index = _storage(self.folder).open_index(INDEX_NAME)
                except Exception as error:  # any damage to the files: rebuild
                    raise IndexUnavailable(f"{self.folder}: {error}") from error
        return self._index

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """A searcher of the index as it is now, closed after use. Opening one is cheap
        (a table of contents and a few open files); keeping one would keep the files of
        segments that a rebuild in another process has since replaced."""
        try:
            # Not while this process writes: a writer's merge deletes segment files, and
            # Whoosh, opening the readers of a list of segments, leaves the ones it
            # opened before a deleted one open (then tries again).
            with self._writing:
                searcher = self._open().searcher()
        except IndexUnavailable:
            raise
        except Exception as error:  # any damage to the files: rebuild
            self._forget()
            raise IndexUnavailable(f"{self.folder}: {error}") from error
        try:
            with searcher:
                yield searcher
        except (OSError, EOFError, struct.error) as error:  # files damaged while reading
            self._forget()
            raise IndexUnavailable(f"{self.folder}: {error}") from error

    def _forget(self) -> None:
        self._index = None

    def health(self) -> Health:
        try:
            with self._searcher() as searcher:
                searcher.doc_count()
        except IndexUnavailable:
            return Health.MISSING
        return Health.READY

    def create(self) -> None:
        """Create an empty index where there is none (a new site)."""
        if not index.exists_in(str(self.folder), indexname=INDEX_NAME):
            self.folder.mkdir(parents=True, exist_ok=True)
            _storage(self.folder).create_index(_schema(), INDEX_NAME)
            self._forget()

    # -- writing ---------------------------------------------------------------------

    def write(self, documents: Sequence[SearchDocument], removed: Sequence[str]) -> None:
        with self._writing:
            writer = self._open().writer(timeout=WRITE_TIMEOUT)
            try:
                for key in removed:
                    writer.delete_by_term("key", key)
                for document in documents:
                    writer.update_document(**_fields(document))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def rebuild(self, batches: Iterable[Sequence[SearchDocument]], progress: Progress) -> int:
        if self.health() == Health.MISSING:
            return self._rebuild_beside(batches, progress)
        writer = self._open().writer(timeout=60.0, limitmb=128)
        return self._fill(writer, batches, progress, mergetype=writing.CLEAR)

    def _fill(
        self,
        writer: Any,
        batches: Iterable[Sequence[SearchDocument]],
        progress: Progress,
        **commit: Any,
    ) -> int:
        written = 0
        try:
            for batch in batches:
                for document in batch:
                    writer.add_document(**_fields(document))
                written += len(batch)
                progress(written)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(**commit)
        self._forget()
        return written

    def _rebuild_beside(
        self, batches: Iterable[Sequence[SearchDocument]], progress: Progress
    ) -> int:
        building = self.folder.with_name(self.folder.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        fresh = _storage(building).create_index(_schema(), INDEX_NAME)
        written = self._fill(fresh.writer(limitmb=128), batches, progress)
        fresh.close()
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        building.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._forget()
        return written

    # -- reading ---------------------------------------------------------------------

    def search(self, search: Search) -> Hits:
        wanted = words_query(search.query, search.languages)
        if wanted is None or search.scope.is_empty:
            return Hits([], 0)
        page_end = search.offset + search.limit
        # One more than is counted or shown: whether there are more is known without
        # counting every match (Whoosh's exact count runs the query again).
        limit = max(page_end, COUNT_LIMIT) + 1
        with self._searcher() as searcher:
            allowed = self._allowed(searcher, scope_filter(search))
            # Whoosh counts every match when a filter matches nothing at all, which would
            # reveal hidden hits: an empty scope answers here.
            if not allowed:
                return Hits([], 0)
            options: dict[str, Any] = {"filter": allowed, "limit": limit}
            if search.order == Order.NEWEST:
                options.update(sortedby="created", reverse=True)
            results = searcher.search(wanted, **options)
            scored = results.scored_length()
            keys = [hit["key"] for hit in results[search.offset : page_end]]
        if scored < limit:
            return Hits(keys, scored)
        return Hits(keys, limit - 1, more=True)

    def _allowed(self, searcher: Searcher, scope: Query) -> Any:
        """The documents ``scope`` lets through, kept while the index is unchanged: most
        searches share a scope (everyone who is not signed in has the same), and
        finding it walks every document.

        Kept by the index's segments, not by its generation alone: an index rebuilt
        beside the old one (by this process or another) counts its generations from the
        start again, and its documents' numbers mean other documents."""
        reader = searcher.ixreader
        segments = tuple(segment.segment_id() for segment in reader.segments() or ())
        key = (reader.generation(), segments, repr(scope))
        with self._opening:
            found = self._scopes.get(key)
        if found is None:
            found = BitSet(searcher.docs_for_query(scope), size=searcher.doc_count_all())
            with self._opening:
                if len(self._scopes) >= SCOPES_KEPT:
                    self._scopes.pop(next(iter(self._scopes)))
                self._scopes[key] = found
        return found

    def count(self) -> int:
        try:
            with self._searcher() as searcher:
                return int(searcher.doc_count())
        except IndexUnavailable:
            return 0
