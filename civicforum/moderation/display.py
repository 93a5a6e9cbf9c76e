"""What every forum page may show of moderation, as template functions: the house rules
and help resources beside a community, the names of measures, and whether the
moderators have something new for the signed-in member.

The last is the one way the forum tells a member about a decision or a message: a quiet
link in the navigation, shown until they have read it, never a push or a count of others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import policy
from ..forum.models import Community
from ..identity.models import Member
from .models import Decision, Measure, ModerationMessage, ReportStatus, ReportTarget
from .rules import community_rules
from .signposting import help_resources
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


def moderation_context() -> dict[str, Callable[..., Any] | list[Measure]]:
    """Template functions for the forum's context processor."""
    from ..extension import db_session, state

    def news() -> int:
        member = state().identity.current_actor().member
        return unseen_from_moderators(db_session(), member) if member is not None else 0

    def rules_of(community: Community) -> list[Any]:
        return community_rules(db_session(), community)

    def help_of(community: Community) -> list[Any]:
        return help_resources(db_session(), community)

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
