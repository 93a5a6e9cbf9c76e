"""Personal data exports being made or waiting to be downloaded."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..db import Base, UTCDateTime


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"
    # Past its time: the file is gone; the row stays until the member may ask again.
    EXPIRED = "expired"


class DataExport(Base):
    """One member's export: asked for, made by a task, downloadable until it expires."""

    __tablename__ = "cf_data_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.QUEUED.value)
    # The random name of the ZIP file in the instance folder, and of its download link.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    size: Mapped[int | None] = mapped_column(Integer)
