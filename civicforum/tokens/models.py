"""Personal tokens: a member's API tokens and their personal feed key.

Only a SHA-256 hash of a token is kept, for looking it up: the token itself is shown to
the member once (an API token) or derived again from the forum's secret key whenever
they look (the feed key, see :mod:`.services`), so a copy of the database alone opens
nothing.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..db import Base, UTCDateTime
from ..identity.models import Member

#: The longest label a member may give a token.
NAME_MAX = 80


class TokenKind(enum.StrEnum):
    """What a token opens: the REST API, or the member's private feed addresses."""

    API = "api"
    FEED = "feed"


class TokenScope(enum.StrEnum):
    """What an API token may do: read what the member may read, or also post."""

    READ = "read"
    POST = "read+post"


class TokenStatus(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class PersonalToken(Base):
    """One token of one member. It stops when revoked or past ``expires_at``; the row
    stays a while after that, so the member sees it ended (see :mod:`.services`)."""

    __tablename__ = "cf_personal_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(16), default=TokenScope.READ.value)
    # The member's label ("My newsletter script"); empty for a feed key.
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    # SHA-256 (hex) of the token: what a presented token is looked up by.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A feed key's random value: the key is an HMAC of it under the forum's secret key.
    nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    # None: it does not expire (a feed key).
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship()

    def status(self, at: dt.datetime) -> TokenStatus:
        """Whether the token works at ``at``; a revoked token counts as revoked even
        when it has expired since."""
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= at:
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    def ended_at(self) -> dt.datetime | None:
        """When the token stopped (or will stop) working; None for a feed key in use."""
        if self.revoked_at is not None:
            return self.revoked_at
        return self.expires_at

    def __repr__(self) -> str:
        return f"<PersonalToken {self.id} {self.kind} of member {self.member_id}>"
