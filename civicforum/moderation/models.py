"""Moderation as tables: house rules, reports, decisions and their appeals, help
resources, private messages from moderators and each community's pre-moderation setting.

A :class:`Decision` is the statement of reasons of one measure. Its fields follow
Article 17 of the Digital Services Act and the statement schema of the EU Transparency
Database (the ``decision_*``, ``content_*``, ``source_type`` and ``automated_*`` columns
hold that schema's own codes), and it is immutable once written: only the record of its
lifting (``lifted_*``) may be filled in, once.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..db import Base, UTCDateTime
from ..forum.models import Community, Post, Topic
from ..identity.models import Member

RULE_TITLE_MAX = 120
LEGAL_GROUND_MAX = 500
LABEL_MAX = 200
EMAIL_MAX = 254


def _now() -> dt.datetime:
    # Looked up on every call, so a test that moves civicforum.clock moves these too.
    return clock.now()


class Ground(enum.StrEnum):
    """Why content or conduct is acted on: a house rule, or the law."""

    HOUSE_RULE = "house_rule"
    ILLEGAL = "illegal"


class Measure(enum.StrEnum):
    """The ladder of measures, mild to strong."""

    NOTE = "note"  # a private word to the member
    WARNING = "warning"
    CONTENT_WARNING = "content_warning"  # a label shown before a post
    HIDE_POST = "hide_post"
    LOCK_TOPIC = "lock_topic"
    SLOW_MODE = "slow_mode"  # one post per N minutes per member, in a topic or community
    MUTE = "mute"  # timed, in one community
    SUSPENSION = "suspension"  # timed, the whole forum
    BAN = "ban"  # the whole forum, for good


#: Measures that stop a member from posting while they last.
POSTING_RESTRICTIONS = frozenset({Measure.MUTE, Measure.SUSPENSION, Measure.BAN, Measure.SLOW_MODE})
#: Measures on the whole forum: decided by site administrators only.
SITE_WIDE = frozenset({Measure.SUSPENSION, Measure.BAN})


class ReportTarget(enum.StrEnum):
    POST = "post"
    TOPIC = "topic"
    MEMBER = "member"


class ReportCategory(enum.StrEnum):
    """Crisis and self-harm reports go to the top of the queue."""

    GENERAL = "general"
    CRISIS = "crisis"
    SELF_HARM = "self_harm"

    @property
    def is_urgent(self) -> bool:
        return self is not ReportCategory.GENERAL


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    ACTED = "acted"  # a measure was taken
    DISMISSED = "dismissed"  # looked at; no measure


class AppealOutcome(enum.StrEnum):
    UPHELD = "upheld"
    REVERSED = "reversed"


class LiftReason(enum.StrEnum):
    APPEAL = "appeal"  # reversed on appeal
    MODERATOR = "moderator"  # ended early by a moderator


class MessageKind(enum.StrEnum):
    SIGNPOST = "signpost"


class HouseRule(Base):
    """One numbered rule of a community, in Dutch and English."""

    __tablename__ = "cf_house_rule"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title_nl: Mapped[str] = mapped_column(String(RULE_TITLE_MAX))
    title_en: Mapped[str] = mapped_column(String(RULE_TITLE_MAX))
    explanation_nl: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Community] = relationship()

    def title(self, language: str) -> str:
        return self.title_nl if language == "nl" else self.title_en

    def explanation(self, language: str) -> str:
        return self.explanation_nl if language == "nl" else self.explanation_en


class ModerationSettings(Base):
    """A community's pre-moderation: hold a new member's first posts, or every post."""

    __tablename__ = "cf_moderation_settings"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), primary_key=True
    )
    hold_first_posts: Mapped[int] = mapped_column(Integer, default=0)
    hold_everything: Mapped[bool] = mapped_column(Boolean, default=False)


class Report(Base):
    """A notice (DSA Article 16) about a post, a topic or a member."""

    __tablename__ = "cf_report"
    __table_args__ = (Index("ix_cf_report_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_post.id", ondelete="SET NULL"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("cf_topic.id", ondelete="SET NULL"))
    # The member the report is about: the author of the post or topic, or the member named.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    # Only for a signed-out reporter who wants to hear the outcome; never exported.
    reporter_email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    ground: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("cf_house_rule.id", ondelete="SET NULL"))
    legal_ground: Mapped[str | None] = mapped_column(String(LEGAL_GROUND_MAX))
    explanation: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    good_faith: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(16), default=ReportCategory.GENERAL.value)
    # What a signed-out reporter keeps to look the outcome up; random, unguessable.
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.OPEN.value)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    # The measure taken, for the reporter to learn (the decision itself is the member's).
    outcome_measure: Mapped[str | None] = mapped_column(String(24))
    outcome_note: Mapped[str | None] = mapped_column(Text)

    community: Mapped[Community] = relationship()
    post: Mapped[Post | None] = relationship()
    topic: Mapped[Topic | None] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    rule: Mapped[HouseRule | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN

    @property
    def is_urgent(self) -> bool:
        return ReportCategory(self.category).is_urgent


class Decision(Base):
    """The statement of reasons of one measure (DSA Article 17); immutable once written."""

    __tablename__ = "cf_moderation_decision"
    __table_args__ = (
        Index("ix_cf_moderation_decision_community_date", "community_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Platform unique identifier: stable, never reused, free of personal data.
    puid: Mapped[str] = mapped_column(String(64), unique=True)
    measure: Mapped[str] = mapped_column(String(24))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_community.id", ondelete="SET NULL")
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_post.id", ondelete="SET NULL"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_topic.id", ondelete="SET NULL"), index=True
    )
    # The report this decision answers; one decision per report.
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_report.id", ondelete="SET NULL"), unique=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    # The ground: a house rule (kept as it read that day) or a legal ground.
    ground: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("cf_house_rule.id", ondelete="SET NULL"))
    rule_number: Mapped[int | None] = mapped_column(Integer)
    rule_title_nl: Mapped[str | None] = mapped_column(String(RULE_TITLE_MAX))
    rule_title_en: Mapped[str | None] = mapped_column(String(RULE_TITLE_MAX))
    rule_explanation_nl: Mapped[str | None] = mapped_column(Text)
    rule_explanation_en: Mapped[str | None] = mapped_column(Text)
    legal_ground: Mapped[str | None] = mapped_column(String(LEGAL_GROUND_MAX))
    # Why the ground applies, and the facts relied on: for the member, never exported.
    explanation: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    # What the measure does, when it ends, and its particulars.
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    interval_minutes: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(LABEL_MAX))
    # The Transparency Database statement, in its own codes.
    decision_visibility: Mapped[str | None] = mapped_column(String(64))
    decision_provision: Mapped[str | None] = mapped_column(String(64))
    decision_account: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(32))
    content_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    source_type: Mapped[str] = mapped_column(String(32))
    automated_detection: Mapped[bool] = mapped_column(Boolean, default=False)
    automated_decision: Mapped[str] = mapped_column(String(40))
    territorial_scope: Mapped[str] = mapped_column(String(200))
    # Filled in once, when the measure is lifted before its end (appeal or moderator).
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL")
    )
    lift_reason: Mapped[str | None] = mapped_column(String(16))

    community: Mapped[Community | None] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    post: Mapped[Post | None] = relationship()
    topic: Mapped[Topic | None] = relationship()
    rule: Mapped[HouseRule | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship(back_populates="decision", uselist=False)

    @property
    def kind(self) -> Measure:
        return Measure(self.measure)

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None

    def is_in_force(self, at: dt.datetime) -> bool:
        """Whether the measure still applies at ``at``: not lifted and not yet ended."""
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > at)

    def rule_title(self, language: str) -> str | None:
        return self.rule_title_nl if language == "nl" else self.rule_title_en


# Columns that may change after a decision is written: its lifting, once.
_LIFT_COLUMNS = frozenset({"lifted_at", "lifted_by_id", "lift_reason"})
#: What erasing a member (GDPR Article 17, civicforum.privacy.erasure) writes over the
#: free text moderators addressed to them. The statement of reasons stays a record
#: (measure, ground, rule, dates, the Transparency Database's codes); only words that may
#: quote or name the member go.
REDACTED = "[verwijderd op verzoek van het lid / removed at the member's request]"
# The only other change a decision allows: these texts replaced by REDACTED, once.
_REDACTABLE_COLUMNS = frozenset({"explanation", "facts"})


@event.listens_for(Decision, "before_update")
def _decisions_are_immutable(mapper: Any, connection: Any, target: Decision) -> None:
    state = inspect(target)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if attr.key in _REDACTABLE_COLUMNS and list(history.added) == [REDACTED]:
            continue
        if attr.key not in _LIFT_COLUMNS or any(v is not None for v in history.deleted):
            raise ValueError(f"a decision record is immutable; {attr.key} cannot change")


@event.listens_for(Decision, "before_delete")
def _decisions_are_kept(mapper: Any, connection: Any, target: Decision) -> None:
    raise ValueError("a decision record is immutable and cannot be deleted")


class Appeal(Base):
    """The affected member's appeal against a decision (DSA Article 20); one per decision."""

    __tablename__ = "cf_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("cf_moderation_decision.id", ondelete="CASCADE"), unique=True
    )
    appellant_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    statement: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[str | None] = mapped_column(Text)

    decision: Mapped[Decision] = relationship(back_populates="appeal")

    @property
    def is_open(self) -> bool:
        return self.outcome is None


class HelpResource(Base):
    """Professional help a community points to: a crisis line, a helpline, a support group."""

    __tablename__ = "cf_help_resource"
    __table_args__ = (Index("ix_cf_help_resource_community_position", "community_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("cf_community.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class ModerationMessage(Base):
    """A private message from the moderators to one member (e.g. where to find help)."""

    __tablename__ = "cf_moderation_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cf_member.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_community.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("cf_member.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
