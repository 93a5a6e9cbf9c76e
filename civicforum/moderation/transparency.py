"""Openness about moderation: figures per community and period, a public log, and the
export of statements of reasons for the EU Transparency Database.

Everything here is free of personal data: no member is named, no e-mail address or post
text appears, and none of the explanations moderators wrote for a member. Functions
return plain data; pages and downloads are drawn from it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, select
from sqlalchemy.orm import Session

from ..forum.models import Community
from .models import (
    Appeal,
    AppealOutcome,
    Decision,
    Ground,
    HouseRule,
    Measure,
    Report,
    ReportStatus,
)
from .statements import RESTRICTIONS, SOURCE_NOTICE, restricts, statement


@dataclass(frozen=True)
class Period:
    """From ``start`` up to, not including, ``end``."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs timezone-aware moments")
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")


@dataclass(frozen=True)
class RuleCount:
    number: int
    title_nl: str
    title_en: str
    decisions: int


@dataclass(frozen=True)
class Figures:
    """A community's moderation in one period."""

    period: Period
    decisions: int
    by_rule: list[RuleCount]
    illegal_content: int
    by_measure: dict[str, int]
    on_notice: int
    own_initiative: int
    reports: int
    reports_by_outcome: dict[str, int]
    median_time_to_decide: dt.timedelta | None
    appeals: int
    appeals_by_outcome: dict[str, int]

    @property
    def reversals(self) -> int:
        return self.appeals_by_outcome[AppealOutcome.REVERSED.value]


def _within(column: SQLColumnExpression[Any], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def figures(db: Session, community: Community, period: Period) -> Figures:
    """Counts by rule, measure and outcome, the median time from report to answer, and
    appeals with their outcomes, for decisions, reports and appeals of the period."""
    in_period = and_(Decision.community_id == community.id, _within(Decision.decided_at, period))
    by_measure = {m.value: 0 for m in Measure}
    for measure, count in db.execute(
        select(Decision.measure, func.count(Decision.id))
        .where(in_period)
        .group_by(Decision.measure)
    ):
        by_measure[measure] = count
    by_rule = [
        RuleCount(number, title_nl, title_en, count)
        for number, title_nl, title_en, count in db.execute(
            select(
                HouseRule.number, HouseRule.title_nl, HouseRule.title_en, func.count(Decision.id)
            )
            .join(Decision, Decision.rule_id == HouseRule.id)
            .where(in_period)
            .group_by(HouseRule.id, HouseRule.number, HouseRule.title_nl, HouseRule.title_en)
            .order_by(HouseRule.number)
        )
    ]
    illegal = (
        db.scalar(
            select(func.count(Decision.id)).where(
                in_period, Decision.ground == Ground.ILLEGAL.value
            )
        )
        or 0
    )
    on_notice = (
        db.scalar(
            select(func.count(Decision.id)).where(in_period, Decision.source_type == SOURCE_NOTICE)
        )
        or 0
    )

    reports_in_period = and_(
        Report.community_id == community.id, _within(Report.created_at, period)
    )
    reports_by_outcome = {s.value: 0 for s in ReportStatus}
    for status, count in db.execute(
        select(Report.status, func.count(Report.id))
        .where(reports_in_period)
        .group_by(Report.status)
    ):
        reports_by_outcome[status] = count
    waits = [
        (handled - received).total_seconds()
        for received, handled in db.execute(
            select(Report.created_at, Report.handled_at).where(
                Report.community_id == community.id,
                Report.handled_at.is_not(None),
                _within(Report.handled_at, period),
            )
        )
        if handled is not None
    ]

    appeals_by_outcome = {o.value: 0 for o in AppealOutcome} | {"open": 0}
    for outcome, count in db.execute(
        select(Appeal.outcome, func.count(Appeal.id))
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(Decision.community_id == community.id, _within(Appeal.submitted_at, period))
        .group_by(Appeal.outcome)
    ):
        appeals_by_outcome[outcome or "open"] = count
    decisions = sum(by_measure.values())
    return Figures(
        period=period,
        decisions=decisions,
        by_rule=by_rule,
        illegal_content=illegal,
        by_measure=by_measure,
        on_notice=on_notice,
        own_initiative=decisions - on_notice,
        reports=sum(reports_by_outcome.values()),
        reports_by_outcome=reports_by_outcome,
        median_time_to_decide=dt.timedelta(seconds=statistics.median(waits)) if waits else None,
        appeals=sum(appeals_by_outcome.values()),
        appeals_by_outcome=appeals_by_outcome,
    )


@dataclass(frozen=True)
class LogEntry:
    """One line of a community's public moderation log."""

    decided_at: dt.datetime
    measure: Measure
    ground: Ground
    rule_number: int | None
    rule_title_nl: str | None
    rule_title_en: str | None
    on_notice: bool
    ends_at: dt.datetime | None
    appeal_outcome: AppealOutcome | None
    lifted_at: dt.datetime | None


def public_log(
    db: Session, community: Community, limit: int = 50, before_id: int | None = None
) -> list[tuple[int, LogEntry]]:
    """The newest decisions of a community, as (id for the next page, entry); keyset paged."""
    query = (
        select(Decision, Appeal.outcome)
        .outerjoin(Appeal, Appeal.decision_id == Decision.id)
        .where(Decision.community_id == community.id)
        .order_by(Decision.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Decision.id < before_id)
    return [
        (
            decision.id,
            LogEntry(
                decision.decided_at,
                decision.kind,
                Ground(decision.ground),
                decision.rule_number,
                decision.rule_title_nl,
                decision.rule_title_en,
                decision.source_type == SOURCE_NOTICE,
                decision.ends_at,
                AppealOutcome(outcome) if outcome else None,
                decision.lifted_at,
            ),
        )
        for decision, outcome in db.execute(query)
    ]


def _exported(community: Community | None, period: Period | None) -> list[ColumnElement[bool]]:
    restricting = [m.value for m in RESTRICTIONS if restricts(m)]
    where: list[ColumnElement[bool]] = [Decision.measure.in_(restricting)]
    if community is not None:
        where.append(Decision.community_id == community.id)
    if period is not None:
        where.append(_within(Decision.decided_at, period))
    return where


def count_statements(
    db: Session, community: Community | None = None, period: Period | None = None
) -> int:
    """How many statements :func:`export_statements` yields."""
    return db.scalar(select(func.count(Decision.id)).where(*_exported(community, period))) or 0


def export_statements(
    db: Session,
    community: Community | None = None,
    period: Period | None = None,
    batch: int = 500,
) -> Iterator[dict[str, object]]:
    """Every restricting decision as a Transparency Database statement, oldest first,
    read in batches so a long history never sits in memory at once."""
    after = 0
    while True:
        query = (
            select(Decision)
            .where(*_exported(community, period), Decision.id > after)
            .order_by(Decision.id)
            .limit(batch)
        )
        rows = list(db.scalars(query))
        if not rows:
            return
        after = rows[-1].id
        for decision in rows:
            yield statement(decision)
            db.expunge(decision)
