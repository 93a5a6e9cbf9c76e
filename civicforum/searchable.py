"""What makes content searchable: the contract between what the forum and its plugins
write and the search plugin that indexes it.

A :class:`SearchSource` turns the rows of one area (posts, trusted information, local
events) into :class:`SearchDocument` values for the index, says which documents a domain
event touches, and turns search hits back into what a result shows, asking the policy
whether the searcher may read each one. Sources are declared with the
``civicforum_search_sources`` hook, so a plugin's content is found as the forum's is.

The index holds what a document says and a coarse *state* for filtering; it never
decides who may read a hit. :func:`civicforum.policy.search_scope` narrows a query to
what the searcher may read, and every hit shown is checked again against the database
with the policy by its source.
"""

from __future__ import annotations

import datetime as dt
import enum
import html
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import InstrumentedAttribute, Session

    from .events import Event
    from .forum.models import Community
    from .policy import Actor


def plain_text(fragment: str) -> str:
    """The words of sanitised HTML, without its tags: what a document says."""
    import nh3

    return html.unescape(nh3.clean(fragment, tags=set()))


def id_batches(
    db: Session, column: InstrumentedAttribute[int], batch: int, *where: ColumnElement[bool]
) -> Iterator[list[int]]:
    """The ids of a table in ascending batches of at most ``batch`` (keyset pages, for a
    source's :meth:`SearchSource.every_document`)."""
    from sqlalchemy import select

    after = 0
    while True:
        ids = list(
            db.scalars(select(column).where(column > after, *where).order_by(column).limit(batch))
        )
        if not ids:
            return
        after = ids[-1]
        yield ids


def community_language(community: Community) -> str:
    """What people write in a community: its own language, else the forum's default."""
    from .extension import state

    return community.language or state().settings.default_language


class DocumentState(enum.StrEnum):
    """What the index keeps of a document's standing, to narrow queries."""

    PUBLISHED = "published"  # for everyone who may read the community
    HELD = "held"  # waiting for a moderator: its author and the moderators
    HIDDEN = "hidden"  # hidden by a moderator: its author and the moderators
    UNPUBLISHED = "unpublished"  # information not (yet) checked: the editors


@dataclass(frozen=True)
class SearchDocument:
    """One thing to be found, as the index stores it.

    :param key: unique over all sources, e.g. ``"post:12"``; the source's prefix first.
    :param kind: ``"topic"``, ``"reply"``, ``"information"``, ``"event"`` or a plugin's own.
    :param author_name: the name shown with it, folded to lower case; empty when it is
        shown anonymously, so nobody can search for the person behind it.
    :param owner_id: the member whose own held or hidden content it is, if any.
    """

    key: str
    kind: str
    community_id: int
    language: str
    title: str
    text: str
    created_at: dt.datetime
    state: DocumentState = DocumentState.PUBLISHED
    author_name: str = ""
    owner_id: int | None = None


@dataclass(frozen=True)
class Found:
    """A hit the searcher may read, as a result shows it (read fresh from the database)."""

    key: str
    kind: str
    title: str
    url: str
    community: Community
    created_at: dt.datetime
    author: str  # the shown name, as the policy lets this searcher see it; may be empty
    text: str  # plain text to take the snippet from
    language: str
    note: str = ""  # a word on its standing: "hidden by a moderator", "draft", ...


class SearchSource(Protocol):
    """One area's content, for the search index."""

    #: The key prefix of this source's documents, e.g. ``"post"``.
    prefix: str

    @property
    def kinds(self) -> Sequence[str]:
        """The kinds of document it makes, for the search form's filter."""

    def touched_by(self, db: Session, event: Event) -> Sequence[str] | None:
        """The keys of the documents ``event`` changed, or None when it is not about
        this source's content."""

    def documents(self, db: Session, keys: Sequence[str]) -> Mapping[str, SearchDocument | None]:
        """The documents for ``keys`` as they are now; None for one that is gone (it is
        removed from the index)."""

    def count(self, db: Session) -> int:
        """How many documents :meth:`every_document` yields, for a progress bar."""

    def every_document(self, db: Session, batch: int) -> Iterator[Sequence[SearchDocument]]:
        """Every document there is, in batches of at most ``batch``."""

    def found(self, db: Session, actor: Actor, keys: Sequence[str]) -> Mapping[str, Found]:
        """What the results show for ``keys``: only the hits the policy lets ``actor``
        read now, left out silently otherwise."""
