"""The log of digests: which member's period was sent, found empty, or is still owed."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base, UTCDateTime


class DigestStatus(enum.StrEnum):
    # Claimed by a sender; if it stays so (a crash), the next run sends it again.
    SENDING = "sending"
    SENT = "sent"
    # Nothing happened in the period: no mail, and nothing owed.
    EMPTY = "empty"
    # The mail server refused or was away; tried again later, never given up.
    FAILED = "failed"


class DigestLog(Base):
    """One member's digest for one period ("d:2026-12-06", "w:2026-W49")."""

    __tablename__ = "cf_digest_log"
    __table_args__ = (
        UniqueConstraint("member_id", "period"),
        Index("ix_cf_digest_log_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cf_member.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DigestStatus.SENDING.value)
    # What the digest covers: from the end of the previous one to when it was made.
    covers_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    covers_until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The same Message-ID on every attempt, so a mail sent twice is recognisably one.
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
