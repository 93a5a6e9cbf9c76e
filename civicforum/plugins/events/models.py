"""Local events, the answers to them and the notices about changes, as tables.

These tables belong to the events plugin, not to the forum: they are created by the
plugin's own migration branch (``events``), and each is marked with
``info={"civicforum_plugin": "events"}`` so the forum's migrations can leave them alone.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...clock import now
from ...db import Base, UTCDateTime
from ...forum.models import Community, Topic
from ...identity.models import Member

PLUGIN = "events"
PLUGIN_INFO: dict[str, Any] = {"civicforum_plugin": PLUGIN}
DEFAULT_TIMEZONE = "Europe/Amsterdam"


class AttendanceMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    MIXED = "mixed"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    MOVED_ONLINE = "moved_online"


class Answer(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    CANT_GO = "cant_go"


class Accessibility(enum.StrEnum):
    STEP_FREE = "step_free"
    HEARING_LOOP = "hearing_loop"
    QUIET_ROOM = "quiet_room"
    SIGN_LANGUAGE = "sign_language"
    SEATING = "seating"


class NoticeKind(enum.StrEnum):
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    MOVED_ONLINE = "moved_online"
    # A postponed event was given its new date.
    RESCHEDULED = "rescheduled"
    # A place on the waiting list became free and is now theirs.
    PROMOTED = "promoted"


event_organiser = Table(
    "cf_event_organiser",
    Base.metadata,
    Column("event_id", ForeignKey("cf_event.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("cf_member.id", ondelete="CASCADE"), primary_key=True),
    info=PLUGIN_INFO,
)


class OrganiserRight(Base):
    """A member a community's moderators allowed to organise events there."""

    __tablename__ = "cf_event_organiser_right"
    __table_args__ = (UniqueConstraint("community_id", "member_id"), {"info": PLUGIN_INFO})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class LocalEvent(Base):
    __tablename__ = "cf_event"
    __table_args__ = (
        Index("ix_cf_event_community_starts", "community_id", "starts_at"),
        {"info": PLUGIN_INFO},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    # The topic where the event is discussed, once there is one.
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_topic.id", ondelete="SET NULL"), index=True
    )
    # The iCalendar UID: importing the same agenda twice finds the event again.
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The IANA zone the event is shown in; the times are stored in UTC.
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str | None] = mapped_column(String(1000))
    attendance_mode: Mapped[str] = mapped_column(String(16), default=AttendanceMode.IN_PERSON.value)
    capacity: Mapped[int | None] = mapped_column(Integer)
    show_places_left: Mapped[bool] = mapped_column(Boolean, default=False)
    # Comma-separated keys of Accessibility; see the ``accessibility_features`` property.
    accessibility: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.SCHEDULED.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)

    community: Mapped[Community] = relationship()
    topic: Mapped[Topic | None] = relationship()
    organisers: Mapped[list[Member]] = relationship(secondary=event_organiser)

    @property
    def accessibility_features(self) -> list[Accessibility]:
        return [Accessibility(key) for key in self.accessibility.split(",") if key]

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def has_ended(self, moment: dt.datetime) -> bool:
        return self.ends_at <= moment


class Rsvp(Base):
    """A member's answer to an event; ``waiting`` answers queue for a place by ``position``."""

    __tablename__ = "cf_event_rsvp"
    __table_args__ = (UniqueConstraint("event_id", "member_id"), {"info": PLUGIN_INFO})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("cf_event.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(16))
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int | None] = mapped_column(Integer)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)

    event: Mapped[LocalEvent] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def has_place(self) -> bool:
        return self.answer == Answer.GOING and not self.waiting


class EventNotice(Base):
    """What changed about an event someone meant to go to; shown once, on their next visit."""

    __tablename__ = "cf_event_notice"
    __table_args__ = (
        Index("ix_cf_event_notice_member_unseen", "member_id", "seen_at"),
        {"info": PLUGIN_INFO},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cf_member.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("cf_event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[LocalEvent] = relationship()
