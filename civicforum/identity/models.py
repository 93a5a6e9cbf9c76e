"""A Member is one person in the forum, however they signed in."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..db import Base, UTCDateTime

if TYPE_CHECKING:
    from ..pace.models import Preferences


class IdentityLevel(enum.IntEnum):
    """How sure the forum is who someone is; communities can ask for a minimum to post."""

    REGISTERED = 1  # an account anyone can make
    CONFIRMED = 2  # known to the institution (its own login)
    VERIFIED = 3  # verified through an identity provider (DigiD, Yivi, ...)

    @classmethod
    def from_name(cls, name: str) -> IdentityLevel:
        return cls[name.upper()]

    @property
    def key(self) -> str:
        return self.name.lower()


class PublishAs(enum.StrEnum):
    """Under which name a post is shown to others; moderators always act on the account."""

    PSEUDONYM = "pseudonym"
    ANONYMOUS = "anonymous"
    # "verified member": no name at all, only that the forum verified who it is
    VERIFIED = "verified"
    REAL_NAME = "real_name"


DISPLAY_NAME_MAX = 40
REAL_NAME_MAX = 80


class Member(Base):
    __tablename__ = "cf_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    # Lower-cased display name: two members cannot pass for each other by case alone.
    display_name_key: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), unique=True)
    real_name: Mapped[str | None] = mapped_column(String(REAL_NAME_MAX))
    identity_level: Mapped[int] = mapped_column(Integer, default=IdentityLevel.REGISTERED)
    language: Mapped[str | None] = mapped_column(String(8))
    publish_as: Mapped[str] = mapped_column(String(16), default=PublishAs.PSEUDONYM.value)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An editor of every community's reliable information (see civicforum.curation).
    is_site_editor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    # When the member last read their decisions from the moderators ("my decisions"):
    # newer ones are pointed out in the navigation until then.
    moderation_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    identities: Mapped[list[ExternalIdentity]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )
    local_account: Mapped[LocalAccount | None] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )
    attributes: Mapped[list[MemberAttribute]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberAttribute.key"
    )
    # How the forum reaches them (civicforum.pace), loaded with the member: every page
    # asks about quiet hours and content warnings.
    preferences: Mapped[Preferences | None] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def level(self) -> IdentityLevel:
        return IdentityLevel(self.identity_level)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.display_name!r}>"


class ExternalIdentity(Base):
    """A sign-in from outside the forum (the host's login, an OIDC provider) tied to a Member."""

    __tablename__ = "cf_external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    member: Mapped[Member] = relationship(back_populates="identities")


class LocalAccount(Base):
    """The forum's own sign-in, for sites without a login of their own."""

    __tablename__ = "cf_local_account"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    member: Mapped[Member] = relationship(back_populates="local_account")


class MemberAttribute(Base):
    """Something an identity provider vouched for, stored as the derived fact only
    ("verified member of ..."), never as the claims it came from."""

    __tablename__ = "cf_member_attribute"
    __table_args__ = (UniqueConstraint("member_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cf_member.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    member: Mapped[Member] = relationship(back_populates="attributes")


# The preferences' table must be known wherever members are: the relationship above
# names it.
from ..pace import models as _pace_models  # noqa: E402, F401
