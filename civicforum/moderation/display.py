"""What every forum page may show of moderation, as template functions: the house rules
and help resources beside a community, the names of measures, and whether the
moderators have something new for the signed-in member.

The last is the one way the forum tells a member about a decision or a message: a quiet
link in the navigation, shown until they have read it, never a push or a count of others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy import cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from .. import policy
from ..forum.models import Community
from ..identity.models import Member
from .models import (
    Decision,
    HelpResource,
    HouseRule,
    Measure,
    ModerationMessage,
    ReportStatus,
    ReportTarget,
)
from .wording import (
    APPEAL_OUTCOME_NAMES,
    REPORT_STATUS_NAMES,
    TARGET_NAMES,
    measure_effect,
    measure_name,
)


def unseen_from_moderators(db: Session, member: Member) -> int:
    """Decisions about the member since they last looked at "my decisions", and
    messages from the moderators they have not read; one statement."""
    seen = member.moderation_seen_at or dt.datetime.min.replace(tzinfo=dt.UTC)
    decisions = (
        select(func.count(Decision.id))
        .where(Decision.member_id == member.id, Decision.decided_at > seen)
        .scalar_subquery()
    )
    messages = (
        select(func.count(ModerationMessage.id))
        .where(ModerationMessage.member_id == member.id, ModerationMessage.read_at.is_(None))
        .scalar_subquery()
    )
    return db.scalar(select(decisions + messages)) or 0


@dataclass(frozen=True)
class Beside:
    """What every page of a community shows beside it: its house rules and help resources."""

    rules: list[HouseRule]
    help: list[HelpResource]


def beside_community(db: Session, community: Community) -> Beside:
    """The community's house rules (in their order) and help resources (in theirs), read
    with one statement: two small lists every page of a community shows. The rows are
    for display; they are not attached to the session."""
    text = sa.String()
    rules = select(
        literal("rule").label("kind"),
        HouseRule.id,
        HouseRule.number.label("place"),
        HouseRule.title_nl.label("a"),
        HouseRule.title_en.label("b"),
        cast(HouseRule.explanation_nl, text).label("c"),
        cast(HouseRule.explanation_en, text).label("d"),
    ).where(HouseRule.community_id == community.id)
    resources = select(
        literal("help").label("kind"),
        HelpResource.id,
        HelpResource.position.label("place"),
        HelpResource.name.label("a"),
        HelpResource.phone.label("b"),
        cast(HelpResource.url, text).label("c"),
        cast(HelpResource.opening_hours, text).label("d"),
    ).where(HelpResource.community_id == community.id)
    both = union_all(rules, resources).subquery()
    rows = db.execute(select(both).order_by(both.c.kind, both.c.place, both.c.id)).all()
    return Beside(
        [
            HouseRule(
                id=row.id,
                community_id=community.id,
                number=row.place,
                title_nl=row.a,
                title_en=row.b,
                explanation_nl=row.c,
                explanation_en=row.d,
            )
            for row in rows
            if row.kind == "rule"
        ],
        [
            HelpResource(
                id=row.id,
                community_id=community.id,
                position=row.place,
                name=row.a,
                phone=row.b,
                url=row.c,
                opening_hours=row.d,
            )
            for row in rows
            if row.kind == "help"
        ],
    )


def moderation_context() -> dict[str, Callable[..., Any] | list[Measure]]:
    """Template functions for the forum's context processor."""
    from ..extension import db_session, state

    def news() -> int:
        member = state().identity.current_actor().member
        return unseen_from_moderators(db_session(), member) if member is not None else 0

    def beside(community: Community) -> Beside:
        # Both lists come with one statement, once per page (see beside_community).
        cache: dict[int, Beside] = g.setdefault("_civicforum_beside", {})
        if community.id not in cache:
            cache[community.id] = beside_community(db_session(), community)
        return cache[community.id]

    def rules_of(community: Community) -> list[Any]:
        return beside(community).rules

    def help_of(community: Community) -> list[Any]:
        return beside(community).help

    return {
        "cf_house_rules": rules_of,
        "cf_help_resources": help_of,
        "cf_ladder": list(Measure),
        "cf_measure_name": measure_name,
        "cf_measure_effect": measure_effect,
        "cf_moderation_news": news,
        "cf_moderates_anywhere": policy.moderates_anywhere,
        "cf_can_view_decision": lambda decision: bool(
            policy.can_view_decision(state().identity.current_actor(), decision)
        ),
        "cf_target_name": lambda target: str(TARGET_NAMES[ReportTarget(target)]),
        "cf_report_status": lambda status: str(REPORT_STATUS_NAMES[ReportStatus(status)]),
        "cf_appeal_outcome": lambda outcome: str(APPEAL_OUTCOME_NAMES[outcome or "open"]),
    }
