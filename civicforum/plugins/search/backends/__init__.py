"""The small interface every search backend offers, and the choice between them.

- :mod:`.whoosh_index`: Whoosh, a folder under the instance path; the embedded default.
- :mod:`.postgresql`: PostgreSQL full-text search in the forum's own database, for a site
  whose web processes run on several machines.

A backend stores :class:`~civicforum.searchable.SearchDocument` values and answers a
:class:`Search` with the keys of matching documents, narrowed to a
:class:`~civicforum.policy.SearchScope`; it never decides who may read a hit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ....policy import SearchScope
from ....searchable import SearchDocument
from ..query import ParsedQuery


class Order(enum.StrEnum):
    BEST = "best"
    NEWEST = "newest"


@dataclass(frozen=True)
class Search:
    """One question to a backend: what to find, where, and which page of hits."""

    query: ParsedQuery
    scope: SearchScope  # also the searcher's choice of community: the scope is within it
    # The languages of the communities searched: each document is matched in its own.
    languages: frozenset[str] = frozenset({"nl", "en"})
    kinds: frozenset[str] | None = None
    author_name: str = ""  # the shown name, folded to lower case
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive
    order: Order = Order.BEST
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class Hits:
    keys: list[str]  # this page's hits, in order
    total: int  # every hit within the scope; with ``more``, as many as were counted
    more: bool = False  # there are more than ``total`` (counting stops at COUNT_LIMIT)


#: Hits are counted up to this many; beyond, a page says "more than 1,000 results".
#: Counting every match of a very common word would cost more than the search itself.
COUNT_LIMIT = 1000


class Health(enum.StrEnum):
    READY = "ready"
    MISSING = "missing"  # no index yet, or one that cannot be read


class IndexUnavailable(Exception):
    """The index is missing or cannot be read; a rebuild is needed."""


Progress = Callable[[int], None]


class Backend(Protocol):
    name: str

    def create(self) -> None:
        """Make an empty index where there is none (a new site, the tests)."""

    def health(self) -> Health:
        """Whether the index can answer."""

    def write(self, documents: Sequence[SearchDocument], removed: Sequence[str]) -> None:
        """Add or replace ``documents`` and remove the keys ``removed``, all at once.

        :raises Exception: whatever went wrong; nothing was written then.
        """

    def search(self, search: Search) -> Hits:
        """:raises IndexUnavailable: when the index is missing or broken."""

    def rebuild(self, batches: Iterable[Sequence[SearchDocument]], progress: Progress) -> int:
        """Replace the whole index with the documents of ``batches``, calling ``progress``
        with the number written after each batch; returns how many there were. Until it
        returns, searches see the old index; stopped halfway, the old index stays."""

    def count(self) -> int:
        """Documents in the index."""
