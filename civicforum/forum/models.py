"""Communities and what happens in them. Models hold data; services change it."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..db import Base, UTCDateTime
from ..identity.models import IdentityLevel, Member, PublishAs


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    EDITOR = "editor"
    ADMIN = "admin"


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"


SLUG_MAX = 64
WARNING_MAX = 100
NAME_MAX = 120


class Community(Base):
    __tablename__ = "cf_community"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    house_rules: Mapped[str] = mapped_column(Text, default="")
    house_rules_html: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    join_policy: Mapped[str] = mapped_column(String(16), default=JoinPolicy.OPEN.value)
    min_post_level: Mapped[int] = mapped_column(Integer, default=IdentityLevel.REGISTERED)
    # Who may read at all, beyond membership: a minimum identity level, an attribute.
    min_read_level: Mapped[int | None] = mapped_column(Integer)
    read_attribute: Mapped[str | None] = mapped_column(String(64))
    post_attribute: Mapped[str | None] = mapped_column(String(64))
    # The language people write in here ("nl", "en"): search stems and drops stop words
    # by it. None: the forum's default language.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def needs_approval(self) -> bool:
        return self.join_policy == JoinPolicy.APPROVAL

    @property
    def post_level(self) -> IdentityLevel:
        return IdentityLevel(self.min_post_level)

    @property
    def read_level(self) -> IdentityLevel | None:
        return IdentityLevel(self.min_read_level) if self.min_read_level else None


class Membership(Base):
    __tablename__ = "cf_membership"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE.value)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    community: Mapped[Community] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class Topic(Base):
    __tablename__ = "cf_topic"
    __table_args__ = (Index("ix_cf_topic_community_activity", "community_id", "last_posted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    publish_as: Mapped[str] = mapped_column(String(16), default=PublishAs.PSEUDONYM.value)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Waiting for a moderator's approval (pre-moderation): seen by its author and the
    # community's moderators only.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    last_posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    # Kept for pagination only; never shown as a popularity figure.
    post_count: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Community] = relationship()
    author: Mapped[Member | None] = relationship()


class Post(Base):
    __tablename__ = "cf_post"
    __table_args__ = (
        Index("ix_cf_post_topic_id_id", "topic_id", "id"),
        # A form submitted twice carries the same token: the second insert is refused.
        UniqueConstraint("author_id", "submission_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("cf_topic.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("cf_member.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    publish_as: Mapped[str] = mapped_column(String(16), default=PublishAs.PSEUDONYM.value)
    submission_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    # Moderation (see civicforum.moderation): held for approval, hidden by a moderator
    # (its author still sees it, with the reason), or shown behind a content warning.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    content_warning: Mapped[str | None] = mapped_column(String(200))
    # The author's own warning label, shown like a moderator's; theirs to change.
    author_warning: Mapped[str | None] = mapped_column(String(WARNING_MAX))

    topic: Mapped[Topic] = relationship()
    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post", order_by="PostRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class PostRevision(Base):
    """An earlier text of a post, kept when it was edited: who replaced it, and when."""

    __tablename__ = "cf_post_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("cf_post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    post: Mapped[Post] = relationship(back_populates="revisions")
    replaced_by: Mapped[Member | None] = relationship()
