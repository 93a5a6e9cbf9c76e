"""The number every writing transaction raises (see the package's docstring)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class PageGeneration(Base):
    """One row: raised by every transaction that writes; pages kept before are stale."""

    __tablename__ = "cf_page_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)
