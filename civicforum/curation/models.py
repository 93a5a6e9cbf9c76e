"""Trusted information as tables: verified items, their revisions and sources, the record
of every step of their workflow, and the questions members raise about them.

A :class:`VerifiedItem` is either an article in a community's "reliable information"
section or an editor's verdict on an existing post. What readers see is its
*published* revision, the last one a second editor approved; an edit is a new revision
that waits for review, so verified text never changes silently.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..db import Base, UTCDateTime
from ..forum.models import Community, Post
from ..identity.models import Member

TITLE_MAX = 200
CITATION_MAX = 500
URL_MAX = 1000
NOTE_MAX = 2000


def _now() -> dt.datetime:
    return clock.now()


class ItemKind(enum.StrEnum):
    ARTICLE = "article"  # in the community's "reliable information" section
    VERIFICATION = "verification"  # a verdict on an existing post


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    REVIEW_DUE = "review_due"  # the date to check it again has passed
    DISPUTED = "disputed"  # a member raised a question backed by a source
    WITHDRAWN = "withdrawn"


class Verdict(enum.StrEnum):
    """An editor's verdict on a post's claim."""

    ACCURATE = "accurate"
    NEEDS_CONTEXT = "needs_context"
    INACCURATE = "inaccurate"


class RevisionState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETURNED = "returned"  # sent back by a reviewer, or set aside for a newer revision


#: Statuses in which a published revision is on display.
SHOWN = frozenset({ItemStatus.VERIFIED, ItemStatus.REVIEW_DUE, ItemStatus.DISPUTED})


class VerifiedItem(Base):
    __tablename__ = "cf_verified_item"
    __table_args__ = (Index("ix_cf_verified_item_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # The post a verification is about; one verification per post.
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_post.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.DRAFT.value)
    # Health information is described as a MedicalWebPage for machines.
    health: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    # What readers see: the revision last approved, when it was, and until when it holds.
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "cf_item_revision.id",
            ondelete="SET NULL",
            use_alter=True,
            name="fk_cf_verified_item_published_revision_id_cf_item_revision",
        )
    )
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    verified_count: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Community] = relationship()
    post: Mapped[Post | None] = relationship()
    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])
    published: Mapped[ItemRevision | None] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )
    revisions: Mapped[list[ItemRevision]] = relationship(
        back_populates="item",
        foreign_keys="ItemRevision.item_id",
        order_by="ItemRevision.number",
        cascade="all, delete-orphan",
    )

    @property
    def is_verification(self) -> bool:
        return self.kind == ItemKind.VERIFICATION

    def effective_status(self, at: dt.datetime) -> ItemStatus:
        """The status as of ``at``: a verified item whose date to check again has passed
        is due for review, whether or not the daily job has marked it yet."""
        status = ItemStatus(self.status)
        if (
            status == ItemStatus.VERIFIED
            and self.review_due_at is not None
            and self.review_due_at <= at
        ):
            return ItemStatus.REVIEW_DUE
        return status

    @property
    def pending(self) -> ItemRevision | None:
        """The newest revision not yet decided (a draft or one in review), if any."""
        undecided = [
            r for r in self.revisions if r.state in (RevisionState.DRAFT, RevisionState.IN_REVIEW)
        ]
        return undecided[-1] if undecided else None


class ItemRevision(Base):
    """One version of an item's text, verdict and sources."""

    __tablename__ = "cf_item_revision"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("cf_verified_item.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=RevisionState.DRAFT.value)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL")
    )

    item: Mapped[VerifiedItem] = relationship(back_populates="revisions", foreign_keys=[item_id])
    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])
    sources: Mapped[list[ItemSource]] = relationship(
        back_populates="revision", order_by="ItemSource.position", cascade="all, delete-orphan"
    )

    @property
    def verdict_(self) -> Verdict | None:
        return Verdict(self.verdict) if self.verdict else None


class ItemSource(Base):
    """A source a revision relies on: a citation, its address, and when it was consulted."""

    __tablename__ = "cf_item_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("cf_item_revision.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(String(CITATION_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    consulted_on: Mapped[dt.date] = mapped_column(Date)

    revision: Mapped[ItemRevision] = relationship(back_populates="sources")


class ItemTransition(Base):
    """One step of an item's workflow: who (nobody, for the daily check), when, and why."""

    __tablename__ = "cf_item_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("cf_verified_item.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_item_revision.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("cf_member.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Member | None] = relationship()


class ItemDispute(Base):
    """A member's question about a verified item, backed by a source."""

    __tablename__ = "cf_item_dispute"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("cf_verified_item.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("cf_member.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(String(CITATION_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL")
    )
    resolution: Mapped[str | None] = mapped_column(Text)

    item: Mapped[VerifiedItem] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
