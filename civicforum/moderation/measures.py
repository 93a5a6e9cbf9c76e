"""The ladder of measures, each written down as a decision with its statement of reasons.

:func:`take_measure` is the one way to act: it asks the policy, checks that the measure
has a ground (a house rule, or a legal ground for illegal content) and an explanation,
writes the immutable :class:`~civicforum.moderation.models.Decision`, applies what the
measure does to the post, topic or member, and answers the report it came from, in one
transaction. Timed measures end by themselves (see :mod:`civicforum.moderation.standing`);
:func:`lift_measure` ends one early and undoes what it did.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock, policy
from ..errors import Conflict, ServiceError
from ..events import PostHidden, PostRestored, record
from ..forum.models import Community, Post, Topic
from ..i18n import gettext as _
from ..identity.models import Member
from . import statements
from .checks import EXPLANATION_MAX, line, lock, require, text, writing
from .models import (
    LABEL_MAX,
    LEGAL_GROUND_MAX,
    SITE_WIDE,
    Decision,
    Ground,
    HouseRule,
    LiftReason,
    Measure,
    Report,
    ReportCategory,
    ReportStatus,
)
from .premoderation import publish_held
from .reports import close_reports, lock_open_reports
from .standing import in_force

#: Measures that must say how long they last; slow mode may.
TIMED = frozenset({Measure.MUTE, Measure.SUSPENSION})
MAX_DURATION = dt.timedelta(days=365)
MAX_SLOW_MODE_MINUTES = 24 * 60
#: Measures about content: they need the post or topic concerned.
ON_POST = frozenset({Measure.CONTENT_WARNING, Measure.HIDE_POST})
#: Measures about a member: they need the member concerned.
ON_MEMBER = frozenset(
    {Measure.NOTE, Measure.WARNING, Measure.MUTE, Measure.SUSPENSION, Measure.BAN}
)


@dataclass(frozen=True)
class Grounds:
    """Why a measure is taken: a house rule of the community, or a legal ground (illegal
    content); always with an explanation, and the facts relied on.

    The explanation and the facts are for the member concerned and the moderators; they
    are never published or exported.
    """

    rule_id: int | None = None
    legal_ground: str | None = None
    explanation: str = ""
    facts: str = ""
    # A Transparency Database category (STATEMENT_CATEGORY_...); derived when left out.
    category: str | None = None


@dataclass(frozen=True)
class Target:
    """What a measure is about; each measure needs some of these."""

    post: Post | None = None
    topic: Topic | None = None
    member: Member | None = None
    community: Community | None = None


def _resolve(measure: Measure, target: Target, report: Report | None) -> Target:
    """Fill in what follows from the rest: a post's topic and author, a topic's community.
    Slow mode concerns everyone posting in a place, never one member."""
    post, topic, member, community = target.post, target.topic, target.member, target.community
    if report is not None and not any((post, topic, member)):
        post, topic, member = report.post, report.topic, report.member
    if post is not None:
        topic = topic or post.topic
        member = member or post.author
    if topic is not None:
        community = community or topic.community
        if post is None and member is None:
            member = topic.author
    if measure == Measure.SLOW_MODE and target.member is None:
        member = None
    if report is not None:
        community = community or report.community
    return Target(post, topic, member, community)


def _check_target(measure: Measure, target: Target, actor: policy.Actor) -> None:
    if measure in ON_POST and target.post is None:
        raise ServiceError(_("Choose the post this measure is about."), "post")
    if measure == Measure.LOCK_TOPIC and target.topic is None:
        raise ServiceError(_("Choose the topic to lock."), "topic")
    if measure in ON_MEMBER and target.member is None:
        raise ServiceError(_("Choose the member this measure is about."), "member")
    if measure not in SITE_WIDE and target.community is None:
        raise ServiceError(_("Choose where this measure applies."), "community")
    if target.member is not None and target.member.id == actor.member_id:
        raise ServiceError(_("Another moderator must decide about you."), "member")
    if target.post is not None and target.post.is_deleted:
        raise ServiceError(_("This post was deleted."), "post")
    post, community = target.post, target.community
    if post is not None and community is not None and post.topic.community_id != community.id:
        raise ServiceError(_("This post is not in this community."), "post")
    if measure == Measure.HIDE_POST and target.post is not None and target.post.is_hidden:
        raise ServiceError(_("This post is hidden already."), "post")
    if measure == Measure.LOCK_TOPIC and target.topic is not None and target.topic.is_locked:
        raise ServiceError(_("This topic is locked already."), "topic")


def _rule(db: Session, community: Community | None, rule_id: int) -> HouseRule:
    rule = db.get(HouseRule, rule_id)
    if rule is None or community is None or rule.community_id != community.id:
        raise ServiceError(_("Choose one of this community's house rules."), "rule_id")
    return rule


def _timing(
    measure: Measure, duration: dt.timedelta | None, interval_minutes: int | None
) -> tuple[dt.timedelta | None, int | None]:
    if measure in TIMED and duration is None:
        raise ServiceError(_("Say how long this measure lasts."), "duration")
    if measure not in TIMED and measure != Measure.SLOW_MODE and duration is not None:
        raise ServiceError(
            _("This measure does not end by itself; leave out the duration."), "duration"
        )
    if duration is not None:
        if duration <= dt.timedelta(0):
            raise ServiceError(_("A measure must last longer than zero minutes."), "duration")
        if duration > MAX_DURATION:
            raise ServiceError(_("A measure can last at most a year."), "duration")
    if measure == Measure.SLOW_MODE:
        if interval_minutes is None or not 1 <= interval_minutes <= MAX_SLOW_MODE_MINUTES:
            raise ServiceError(
                _(
                    "In slow mode, choose 1 to %(max)d minutes between two posts.",
                    max=MAX_SLOW_MODE_MINUTES,
                ),
                "interval_minutes",
            )
        return duration, interval_minutes
    return duration, None


def _category(grounds: Grounds, ground: Ground, report: Report | None) -> str:
    if grounds.category is not None:
        if grounds.category not in statements.CATEGORIES:
            raise ServiceError(_("Choose one of the listed categories."), "category")
        return grounds.category
    if report is not None and report.category == ReportCategory.SELF_HARM:
        return statements.SELF_HARM_CATEGORY
    return (
        statements.ILLEGAL_CATEGORY if ground == Ground.ILLEGAL else statements.HOUSE_RULE_CATEGORY
    )


def take_measure(
    db: Session,
    actor: policy.Actor,
    measure: Measure,
    target: Target,
    grounds: Grounds,
    *,
    duration: dt.timedelta | None = None,
    interval_minutes: int | None = None,
    label: str | None = None,
    report: Report | None = None,
    note_to_reporters: str = "",
) -> Decision:
    """Take a measure and write its statement of reasons.

    :param target: what it is about; a post implies its topic, author and community.
    :param duration: how long a mute or suspension lasts (required), or slow mode (optional).
    :param interval_minutes: slow mode's minutes between two posts of a member.
    :param label: the content warning's text.
    :param report: the report acted on; every open report about the same content is
        answered with this decision, and two moderators acting on it at once produce
        one decision (the report rows are locked; the second is told it was handled).
    :param note_to_reporters: what the reporters learn besides the measure taken.
    :raises NotAllowed: when the actor may not take this measure here.
    :raises ServiceError: for a missing ground, explanation, duration or target; nothing
        is written.
    """
    with writing(db):
        answered = lock_open_reports(db, report) if report is not None else []
        target = _resolve(measure, target, report)
        require(policy.can_take_measure(actor, target.community, measure))
        _check_target(measure, target, actor)
        elsewhere = (
            target.community is not None
            and report is not None
            and (report.community_id != target.community.id)
        )
        if elsewhere:
            raise ServiceError(_("This report is about another community."), "report")
        duration, interval = _timing(measure, duration, interval_minutes)
        if measure == Measure.CONTENT_WARNING:
            label = line(
                label, "label", maximum=LABEL_MAX, required=_("Write the content warning.")
            )
        if (grounds.rule_id is None) == (grounds.legal_ground is None):
            raise ServiceError(
                _("Cite a house rule, or the legal ground for illegal content."), "rule_id"
            )
        explanation = text(
            grounds.explanation,
            "explanation",
            maximum=EXPLANATION_MAX,
            required=_("Explain why the house rule or the law applies here."),
        )
        facts = text(grounds.facts, "facts", maximum=EXPLANATION_MAX)
        decision = _decision(db, actor, measure, target, grounds, report)
        decision.explanation, decision.facts = explanation, facts
        decision.category = _category(grounds, Ground(decision.ground), report)
        decision.interval_minutes, decision.label = interval, label
        if duration is not None:
            decision.ends_at = decision.decided_at + duration
        db.add(decision)
        try:
            db.flush()
        except IntegrityError:
            # One decision per report (a unique key): another moderator's won the race.
            db.rollback()
            raise Conflict(_("Another moderator has handled this report already.")) from None
        _apply(db, decision, target)
        close_reports(answered, actor, ReportStatus.ACTED, note_to_reporters, measure)
        db.commit()
    return decision


def _decision(
    db: Session,
    actor: policy.Actor,
    measure: Measure,
    target: Target,
    grounds: Grounds,
    report: Report | None,
) -> Decision:
    at = clock.now()
    visibility, provision, account = statements.RESTRICTIONS[measure]
    content = target.post or target.topic
    decision = Decision(
        puid=f"cf-{uuid.uuid4().hex}",
        measure=measure.value,
        community_id=target.community.id if target.community else None,
        member_id=target.member.id if target.member else None,
        post_id=target.post.id if target.post else None,
        topic_id=target.topic.id if target.topic else None,
        report_id=report.id if report else None,
        decided_by_id=actor.member_id,
        decided_at=at,
        decision_visibility=visibility,
        decision_provision=provision,
        decision_account=account,
        content_type=statements.CONTENT_TEXT if content else statements.CONTENT_OTHER,
        content_date=content.created_at if content else None,
        source_type=statements.SOURCE_NOTICE if report else statements.SOURCE_VOLUNTARY,
        automated_detection=False,
        automated_decision=statements.NOT_AUTOMATED,
        territorial_scope=statements.TERRITORIAL_SCOPE,
    )
    if grounds.rule_id is not None:
        rule = _rule(db, target.community, grounds.rule_id)
        decision.ground = Ground.HOUSE_RULE.value
        decision.rule_id = rule.id
        decision.rule_number = rule.number
        decision.rule_title_nl, decision.rule_title_en = rule.title_nl, rule.title_en
        decision.rule_explanation_nl = rule.explanation_nl
        decision.rule_explanation_en = rule.explanation_en
    else:
        decision.ground = Ground.ILLEGAL.value
        decision.legal_ground = line(
            grounds.legal_ground,
            "legal_ground",
            maximum=LEGAL_GROUND_MAX,
            required=_("Name the law the content breaks."),
        )
    return decision


def _apply(db: Session, decision: Decision, target: Target) -> None:
    """What the measure does to the content; measures on members act through the policy."""
    kind = decision.kind
    if kind == Measure.HIDE_POST and target.post is not None:
        target.post.hidden_at = decision.decided_at
        db.flush()
        record(db, PostHidden(target.post.id, target.post.topic_id, decision.community_id or 0))
    elif kind == Measure.CONTENT_WARNING and target.post is not None:
        target.post.content_warning = decision.label
    elif kind == Measure.LOCK_TOPIC and target.topic is not None:
        target.topic.is_locked = True


def undo(db: Session, decision: Decision, by: policy.Actor, reason: LiftReason) -> None:
    """Lift a decision's measure and restore what it changed; for this package's services,
    inside their transaction."""
    decision.lifted_at = clock.now()
    decision.lifted_by_id = by.member_id
    decision.lift_reason = reason.value
    kind = decision.kind
    post = db.get(Post, decision.post_id) if decision.post_id is not None else None
    if kind == Measure.HIDE_POST and post is not None and post.is_hidden:
        post.hidden_at = None
        if post.held:
            # A held post turned down in error: it is published as if approved.
            publish_held(db, post)
        else:
            record(db, PostRestored(post.id, post.topic_id, post.topic.community_id))
    elif kind == Measure.CONTENT_WARNING and post is not None:
        post.content_warning = None
    elif kind == Measure.LOCK_TOPIC and decision.topic_id is not None:
        topic = db.get(Topic, decision.topic_id)
        if topic is not None:
            topic.is_locked = False


def lift_measure(db: Session, actor: policy.Actor, decision: Decision) -> Decision:
    """End a measure early (a moderator who may take it): unhide the post, remove the
    label, unlock the topic, or let the member post again.

    :raises ServiceError: for a note or warning (nothing to lift), or a measure that is no
        longer in force.
    """
    require(policy.can_take_measure(actor, decision.community, decision.kind))
    with writing(db):
        decision = lock(db, decision)
        if not statements.restricts(decision.kind):
            raise ServiceError(_("A note or a warning cannot be lifted: it restricts nothing."))
        if not decision.is_in_force(clock.now()):
            raise ServiceError(_("This measure is no longer in force."))
        undo(db, decision, actor, LiftReason.MODERATOR)
        db.commit()
    return decision


def decisions_in_force(db: Session, member: Member) -> list[Decision]:
    """The measures that apply to a member now, newest first."""
    query = (
        select(Decision)
        .where(Decision.member_id == member.id, in_force(clock.now()))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )
    return [d for d in db.scalars(query) if statements.restricts(d.kind)]
