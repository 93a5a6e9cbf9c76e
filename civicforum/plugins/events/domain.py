"""The plugin's domain events, declared through ``civicforum_event_types``."""

from __future__ import annotations

from dataclasses import dataclass

from ...events import Event

# -- domain events -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventScheduled(Event):
    event_id: int
    community_id: int


@dataclass(frozen=True)
class EventChanged(Event):
    """An event was edited, postponed or moved online; ``status`` is its new status."""

    event_id: int
    community_id: int
    status: str


@dataclass(frozen=True)
class EventCancelled(Event):
    event_id: int
    community_id: int


@dataclass(frozen=True)
class RsvpChanged(Event):
    """A member's answer changed; ``waiting`` when they queue for a place."""

    event_id: int
    member_id: int
    answer: str
    waiting: bool


EVENT_TYPES: tuple[type[Event], ...] = (EventScheduled, EventChanged, EventCancelled, RsvpChanged)
