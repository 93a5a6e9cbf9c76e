"""What a member chose about how the forum reaches them, and what they follow."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base, UTCDateTime

EMAIL_MAX = 254
TIMEZONE_MAX = 64


class DigestFrequency(enum.StrEnum):
    """How often the forum writes to a member: never (the default), or one digest a day
    or a week."""

    NEVER = "never"
    DAILY = "daily"
    WEEKLY = "weekly"


class Preferences(Base):
    """One member's choices. A member without a row has the defaults: no mail, no quiet
    hours, the site's time zone, content under warnings folded away."""

    __tablename__ = "cf_member_preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(16), default=DigestFrequency.NEVER.value)
    # When the member answered the one question about mail (or waved it away): it is
    # never asked again.
    digest_asked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A confirmed address for digests, for members without a local account (or who want
    # another one). None: the local account's address, if any.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    # The IANA zone of the member's days and quiet hours; None: the site's.
    timezone: Mapped[str | None] = mapped_column(String(TIMEZONE_MAX))
    # Quiet hours as minutes after local midnight; the window may wrap midnight
    # (22:00-07:00). Both None: no quiet hours.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    # Content under a warning is folded away unless the member chose to see it open.
    open_warnings: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now)


class CommunityFollow(Base):
    """A member follows a community: its new topics go into their digest."""

    __tablename__ = "cf_community_follow"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class TopicFollow(Base):
    """A member follows a topic: its new replies go into their digest."""

    __tablename__ = "cf_topic_follow"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("cf_topic.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
