"""Keeping the index in step with the forum: domain events after commit, tries again
from the task queue, and rebuilding everything.

A post is saved before its index is written: a failed index write is logged and handed
to the task queue, which tries again with growing pauses, so it never fails the post
that caused it. A missing or broken Whoosh index is rebuilt by a queued task (one at a
time, over every process), while the search page says so.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from flask import Flask
from huey.exceptions import TaskLockedException
from sqlalchemy.orm import Session

from ...events import CommunityImported, Event
from ...searchable import SearchDocument, SearchSource
from ...tasks import TaskQueue
from .backends import Backend, Health

log = logging.getLogger(__name__)
BATCH = 500
REBUILD_LOCK = "civicforum-search-rebuild"
#: Tries of a failed index write, and the first pause (seconds, doubling each time).
RETRIES = 6
RETRY_DELAY = 10
#: Most documents an event re-indexes while its request waits; more go to the queue.
IN_REQUEST = 200


@dataclass
class Indexer:
    """One app's search: its backend, the sources it indexes and its queued tasks."""

    backend: Backend
    sources: list[SearchSource]
    tasks: TaskQueue
    session_factory: Callable[[], Session]
    _retry: object = field(init=False, repr=False)
    _rebuild: object = field(init=False, repr=False)
    _asked_at: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._retry = self.tasks.task(
            "civicforum.search.refresh", retries=RETRIES, retry_delay=RETRY_DELAY
        )(self._refresh_or_raise)
        self._rebuild = self.tasks.task("civicforum.search.rebuild")(self._rebuild_in_background)
        # Locked while another process rebuilds (perhaps from before the import): tried
        # again a minute later.
        self._reindex = self.tasks.task("civicforum.search.reindex", retries=30, retry_delay=60)(
            self._reindex_in_background
        )

    # -- following the forum ---------------------------------------------------------

    def keys_touched(self, db: Session, event: Event) -> list[str]:
        keys: list[str] = []
        for source in self.sources:
            touched = source.touched_by(db, event)
            if touched:
                keys.extend(touched)
        return keys

    def on_event(self, event: Event) -> None:
        if isinstance(event, CommunityImported):
            # Thousands of documents at once: the queue rebuilds the index, which
            # searches keep using meanwhile.
            self.tasks.enqueue(self._reindex)
            return
        with self.session_factory() as db:
            keys = self.keys_touched(db, event)
        if len(keys) > IN_REQUEST:
            # A renamed member with years of posts: indexed by the queue, not the request.
            self.tasks.enqueue(self._retry, keys)
        elif keys:
            self.refresh(keys)

    def _gather(self, db: Session, keys: Sequence[str]) -> tuple[list[SearchDocument], list[str]]:
        documents: list[SearchDocument] = []
        removed: list[str] = []
        for source in self.sources:
            mine = [k for k in keys if k.split(":", 1)[0] == source.prefix]
            if not mine:
                continue
            for key, document in source.documents(db, mine).items():
                if document is None:
                    removed.append(key)
                else:
                    documents.append(document)
        return documents, removed

    def _refresh_or_raise(self, keys: list[str]) -> None:
        with self.session_factory() as db:
            documents, removed = self._gather(db, keys)
        self.backend.write(documents, removed)

    def refresh(self, keys: Sequence[str]) -> bool:
        """Write the documents for ``keys`` as they are now; on failure, log it and queue
        a retry. Returns whether it was written now."""
        try:
            self._refresh_or_raise(list(keys))
        except Exception as error:  # any failure: the post is saved, the index follows later
            if self.backend.health() == Health.MISSING:
                # The rebuild brings these documents too; it is asked for once a minute.
                if self._ask_for_rebuild():
                    log.warning(
                        "search index missing or unreadable (%s: %s); a rebuild is queued",
                        type(error).__name__,
                        error,
                    )
            else:
                log.warning(
                    "search index write failed (%s: %s); %d document(s) queued to be tried again",
                    type(error).__name__,
                    error,
                    len(keys),
                )
                self.tasks.enqueue(self._retry, list(keys))
            return False
        return True

    # -- rebuilding --------------------------------------------------------------------

    def total(self) -> int:
        with self.session_factory() as db:
            return sum(source.count(db) for source in self.sources)

    def _every_document(
        self, db: Session, counts: Counter[str]
    ) -> Iterator[Sequence[SearchDocument]]:
        for source in self.sources:
            for batch in source.every_document(db, BATCH):
                counts.update(document.kind for document in batch)
                yield batch

    def reindex(self, progress: Callable[[int], None] = lambda written: None) -> Counter[str]:
        """Rebuild the whole index; returns how many documents of each kind it holds."""
        counts: Counter[str] = Counter()
        with self.session_factory() as db:
            self.backend.rebuild(self._every_document(db, counts), progress)
        return counts

    def _rebuild_in_background(self) -> None:
        try:
            with self.tasks.huey.lock_task(REBUILD_LOCK):
                if self.backend.health() == Health.MISSING:
                    counts = self.reindex()
                    log.info("search index rebuilt: %d documents", sum(counts.values()))
        except TaskLockedException:
            pass  # another process is rebuilding it

    def _reindex_in_background(self) -> None:
        with self.tasks.huey.lock_task(REBUILD_LOCK):
            counts = self.reindex()
            log.info("search index rebuilt: %d documents", sum(counts.values()))

    def health(self, *, repair: bool = True) -> Health:
        """Whether search can answer; a missing or broken index is queued for a rebuild."""
        health = self.backend.health()
        if health == Health.MISSING and repair:
            self._ask_for_rebuild()
        return health

    def _ask_for_rebuild(self) -> bool:
        """Queue a rebuild, unless this process did so in the last minute (the task takes
        a lock too, so processes never rebuild at once). Returns whether it queued one."""
        moment = time.monotonic()
        if self._asked_at is not None and moment - self._asked_at <= 60:
            return False
        self._asked_at = moment
        self.tasks.enqueue(self._rebuild)
        return True


def indexer_of(app: Flask) -> Indexer:
    indexer: Indexer = app.extensions["civicforum.search"]
    return indexer
