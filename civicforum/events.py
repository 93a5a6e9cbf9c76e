"""Typed domain events, recorded by services and delivered to plugins after commit.

A service calls :func:`record` with an event while it writes; the forum's session keeps
the events until the transaction commits and then hands each to every plugin's
``civicforum_event`` hook. A rollback drops them: plugins never hear of work that did
not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
_PENDING = "civicforum.events"
_KNOWN = "civicforum.event_types"


@dataclass(frozen=True)
class Event:
    """Base of every domain event. Events carry ids, never personal data."""


@dataclass(frozen=True)
class TopicCreated(Event):
    topic_id: int
    community_id: int
    author_id: int


@dataclass(frozen=True)
class PostPublished(Event):
    post_id: int
    topic_id: int
    community_id: int
    author_id: int


@dataclass(frozen=True)
class PostEdited(Event):
    post_id: int
    topic_id: int
    community_id: int


@dataclass(frozen=True)
class PostDeleted(Event):
    post_id: int
    topic_id: int
    community_id: int


@dataclass(frozen=True)
class PostHeld(Event):
    """A post waits for a moderator's approval (pre-moderation); it is published, with
    :class:`PostPublished`, only once approved. Its author and the moderators see it."""

    post_id: int
    topic_id: int
    community_id: int


@dataclass(frozen=True)
class PostHidden(Event):
    """A moderator hid a post (emitted by moderation)."""

    post_id: int
    topic_id: int
    community_id: int


@dataclass(frozen=True)
class PostRestored(Event):
    """A hidden post is shown again: the measure was lifted or reversed on appeal."""

    post_id: int
    topic_id: int
    community_id: int


@dataclass(frozen=True)
class MemberJoined(Event):
    community_id: int
    member_id: int
    pending: bool


@dataclass(frozen=True)
class MemberRenamed(Event):
    """A member changed the name or the real name their posts are shown under."""

    member_id: int


@dataclass(frozen=True)
class InformationChanged(Event):
    """Trusted information took a step of its workflow (see
    :data:`civicforum.curation.workflow.TRANSITIONS`): created, revised, submitted,
    returned, re-checked, withdrawn, reopened, questioned, upheld or marked due.
    ``step`` names the step."""

    item_id: int
    community_id: int
    step: str


@dataclass(frozen=True)
class InformationChecked(Event):
    """A second editor approved a revision: it is what readers see from now on."""

    item_id: int
    community_id: int


@dataclass(frozen=True)
class CommunityImported(Event):
    """A whole community was imported from an export file (see civicforum.moving):
    everything in it is new at once, so what indexes content rebuilds rather than
    hearing of each post."""

    community_id: int


CORE_EVENT_TYPES: tuple[type[Event], ...] = (
    TopicCreated,
    PostPublished,
    PostEdited,
    PostDeleted,
    PostHeld,
    PostHidden,
    PostRestored,
    MemberJoined,
    MemberRenamed,
    InformationChanged,
    InformationChecked,
    CommunityImported,
)


def record(db: Session, event: Event) -> None:
    """Keep ``event`` until ``db`` commits; drop it if ``db`` rolls back.

    :raises TypeError: for an event of a type neither the forum nor a plugin declared,
        before anything is committed.
    """
    known: tuple[type[Event], ...] = db.info.get(_KNOWN, CORE_EVENT_TYPES)
    if not isinstance(event, known):
        raise TypeError(
            f"{type(event).__name__} is not a declared event type; "
            "declare it with the civicforum_event_types hook"
        )
    db.info.setdefault(_PENDING, []).append(event)


def deliver_after_commit(
    factory: sessionmaker[Session], known: tuple[type[Event], ...], deliver: Callable[[Event], None]
) -> None:
    """Make sessions of ``factory`` hand their recorded events to ``deliver`` after commit.

    :param known: the event types that may be recorded (the forum's and the plugins').
    """
    factory.kw.setdefault("info", {})[_KNOWN] = known

    def after_commit(session: Session) -> None:
        for item in session.info.pop(_PENDING, []):
            deliver(item)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    sa_event.listen(factory, "after_commit", after_commit)
    sa_event.listen(
        factory, "after_soft_rollback", lambda session, previous: after_rollback(session)
    )
