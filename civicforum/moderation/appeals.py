"""Appeals (DSA Article 20): the member a decision concerns appeals once, within six
months; a moderator other than the one who decided upholds or reverses it, with reasons;
a reversal lifts the measure and restores the content at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from .. import clock, policy
from ..errors import ServiceError
from ..forum.models import Community
from ..i18n import gettext as _
from .checks import EXPLANATION_MAX, lock, require, text, writing
from .measures import undo
from .models import SITE_WIDE, Appeal, AppealOutcome, Decision, LiftReason
from .statements import restricts


def submit_appeal(db: Session, actor: policy.Actor, decision: Decision, statement: str) -> Appeal:
    """Appeal a decision, saying why it should be changed.

    :raises NotAllowed: for someone else's decision, a second appeal, or after six months.
    :raises ServiceError: without a reason.
    """
    require(policy.can_appeal(actor, decision))
    statement = text(
        statement,
        "statement",
        maximum=EXPLANATION_MAX,
        required=_("Say why the decision should be changed."),
    )
    appeal = Appeal(
        decision=decision,
        appellant_id=actor.member_id,
        statement=statement,
        submitted_at=clock.now(),
    )
    with writing(db):
        db.add(appeal)
        try:
            db.flush()
        except IntegrityError:
            # The same appeal sent twice at once: one decision, one appeal.
            db.rollback()
            raise ServiceError(
                _("You appealed this decision already; a decision can be appealed once.")
            ) from None
        db.commit()
    return appeal


def decide_appeal(
    db: Session, actor: policy.Actor, appeal: Appeal, outcome: AppealOutcome, reasons: str
) -> Appeal:
    """Uphold or reverse a decision on appeal; a reversal lifts its measure.

    :raises NotAllowed: for the moderator who took the decision, the appellant, someone
        who may not moderate there, or an appeal decided meanwhile.
    :raises ServiceError: without reasons.
    """
    require(policy.can_decide_appeal(actor, appeal))
    reasons = text(
        reasons,
        "reasons",
        maximum=EXPLANATION_MAX,
        required=_("Give the reasons for the outcome; the member will read them."),
    )
    with writing(db):
        appeal = lock(db, appeal)
        require(policy.can_decide_appeal(actor, appeal))  # decided meanwhile?
        appeal.outcome = outcome.value
        appeal.reasons = reasons
        appeal.decided_at = clock.now()
        appeal.decided_by_id = actor.member_id
        decision = appeal.decision
        if (
            outcome == AppealOutcome.REVERSED
            and restricts(decision.kind)
            and decision.lifted_at is None
        ):
            undo(db, decision, actor, LiftReason.APPEAL)
        db.commit()
    return appeal


def open_appeals(db: Session, actor: policy.Actor, community: Community) -> list[Appeal]:
    """Appeals waiting in a community, oldest first, each decidable by someone here."""
    require(policy.can_moderate(actor, community))
    query = (
        select(Appeal)
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(
            Decision.community_id == community.id,
            Decision.measure.not_in([m.value for m in SITE_WIDE]),
            Appeal.outcome.is_(None),
        )
        .options(joinedload(Appeal.decision))
        .order_by(Appeal.submitted_at, Appeal.id)
    )
    return list(db.scalars(query))


def site_wide_appeals(db: Session, actor: policy.Actor) -> list[Appeal]:
    """Appeals against suspensions and bans, which site administrators decide; oldest first."""
    require(policy.can_moderate_site(actor))
    query = (
        select(Appeal)
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(Decision.measure.in_([m.value for m in SITE_WIDE]), Appeal.outcome.is_(None))
        .options(joinedload(Appeal.decision))
        .order_by(Appeal.submitted_at, Appeal.id)
    )
    return list(db.scalars(query))


def decisions_about(db: Session, actor: policy.Actor) -> list[Decision]:
    """The actor's own decisions ("my decisions"), newest first, with their appeals."""
    if actor.member_id is None:
        return []
    query = (
        select(Decision)
        .where(Decision.member_id == actor.member_id)
        .options(joinedload(Decision.appeal))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )
    return list(db.scalars(query).unique())


@dataclass(frozen=True)
class Redress:
    """How a member can seek redress against a decision (DSA Article 17(3)(f))."""

    # Until when the forum's own appeal is open; None when it no longer is.
    appeal_until: dt.datetime | None
    appealed: bool
    # The routes outside the forum, in words for the member.
    elsewhere: tuple[str, ...]


def redress(decision: Decision) -> Redress:
    """Every way to challenge a decision: the forum's appeal, an out-of-court dispute
    settlement body (Article 21) and the courts."""
    deadline = policy.appeal_deadline(decision)
    open_until = deadline if clock.now() <= deadline and decision.appeal is None else None
    return Redress(
        appeal_until=open_until,
        appealed=decision.appeal is not None,
        elsewhere=(
            _(
                "You can also take the decision to an out-of-court dispute settlement body "
                "certified under Article 21 of the Digital Services Act."
            ),
            _("You can always go to court."),
        ),
    )
