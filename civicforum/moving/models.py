"""The record of each community import: what a second run of the same file finds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base, UTCDateTime


class CommunityImport(Base):
    """One file imported here: its checksum, where it came from, and what it became."""

    __tablename__ = "cf_community_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The manifest's checksum of the records: the same file imported again is found here.
    checksum: Mapped[str] = mapped_column(String(80), unique=True)
    source_site: Mapped[str | None] = mapped_column(String(500))
    source_community: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_community.id", ondelete="SET NULL")
    )
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    # What was imported, as JSON: {"post": 1200, ...}.
    counts: Mapped[str] = mapped_column(Text, default="{}")
