"""Moderation's rules: what a member's standing (measures in force, pre-moderation)
allows, who moderates, takes measures, reports, and sees, appeals and decides decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import has_app_context

from .. import clock
from ..forum.models import Community, Topic
from ..i18n import format_moment
from ..i18n import lazy_gettext as _l
from ..moderation.models import SITE_WIDE, Appeal, Decision, Measure
from .base import (
    ALLOW,
    MODERATING_ROLES,
    Actor,
    Verdict,
    _deny,
    _is_own,
    can_view_community,
    is_moderator,
)

# -- moderation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """A measure that may stop a member from posting: a mute, suspension, ban or slow mode."""

    measure: Measure
    community_id: int | None
    topic_id: int | None
    ends_at: dt.datetime | None
    interval_minutes: int | None = None


@dataclass(frozen=True)
class Standing:
    """What moderation asks of one member in one place, as of one moment.

    Loaded by :func:`civicforum.moderation.standing.standing`; whether each restriction
    still applies is decided here, against :attr:`at`, so timed measures end by
    themselves.
    """

    at: dt.datetime
    restrictions: tuple[Restriction, ...] = ()
    last_post_in_topic: dt.datetime | None = None
    last_post_in_community: dt.datetime | None = None
    hold_everything: bool = False
    hold_first_posts: int = 0
    published_posts: int = 0


def _when(moment: dt.datetime) -> str:
    # Outside an app (a script, a test calling services) there is no configured zone.
    return format_moment(moment) if has_app_context() else f"{moment:%Y-%m-%d %H:%M} UTC"


def _refusal(reason: object, until: dt.datetime | None) -> Verdict:
    return Verdict(False, str(reason), until=until)


def _latest_end(restrictions: list[Restriction]) -> dt.datetime | None:
    ends = [r.ends_at for r in restrictions]
    return None if None in ends else max(e for e in ends if e is not None)


def _restricted(
    actor: Actor,
    community: Community,
    topic: Topic | None,
    standing: Standing | None,
    *,
    pacing: bool = True,
) -> Verdict | None:
    """The refusal a measure in force imposes on posting here, if any; slow mode only
    when ``pacing`` (a new post, not an edit)."""
    if standing is None:
        return None
    at = standing.at
    active = [r for r in standing.restrictions if r.ends_at is None or r.ends_at > at]
    if any(r.measure == Measure.BAN for r in active):
        return _deny(_l("Your account has been banned from this forum."))
    suspensions = [r for r in active if r.measure == Measure.SUSPENSION]
    if suspensions:
        until = _latest_end(suspensions)
        if until is None:
            return _deny(_l("Your account is suspended."))
        return _refusal(_l("Your account is suspended until %(until)s.", until=_when(until)), until)
    mutes = [r for r in active if r.measure == Measure.MUTE and r.community_id == community.id]
    if mutes:
        until = _latest_end(mutes)
        if until is None:
            return _deny(_l("You are muted in this community."))
        return _refusal(
            _l("You are muted in this community until %(until)s.", until=_when(until)), until
        )
    if is_moderator(actor, community) or not pacing:
        return None
    next_post: tuple[dt.datetime, int] | None = None
    for r in active:
        if r.measure != Measure.SLOW_MODE or not r.interval_minutes:
            continue
        if r.topic_id is not None:
            last = standing.last_post_in_topic if topic and topic.id == r.topic_id else None
        else:
            last = standing.last_post_in_community if r.community_id == community.id else None
        if last is None:
            continue
        allowed = last + dt.timedelta(minutes=r.interval_minutes)
        if allowed > at and (next_post is None or allowed > next_post[0]):
            next_post = (allowed, r.interval_minutes)
    if next_post is not None:
        allowed, minutes = next_post
        reason = _l(
            "Slow mode is on here: one post every %(minutes)d minutes. You can post again at %(time)s.",
            minutes=minutes,
            time=_when(allowed),
        )
        return _refusal(reason, allowed)
    return None


def needs_approval(actor: Actor, community: Community, standing: Standing) -> bool:
    """Whether a new post waits for a moderator (pre-moderation); never a moderator's."""
    if is_moderator(actor, community):
        return False
    return standing.hold_everything or standing.published_posts < standing.hold_first_posts


def can_moderate(actor: Actor, community: Community) -> Verdict:
    """The queue, house rules, measures, pre-moderation and help resources of a community."""
    if is_moderator(actor, community):
        return ALLOW
    return _deny(_l("Only this community's moderators can do this."))


def moderates_anywhere(actor: Actor) -> bool:
    """Whether the actor moderates some community (for a link to their queues)."""
    return actor.is_site_admin or any(
        m.is_active and m.role in MODERATING_ROLES for m in actor.memberships.values()
    )


def can_moderate_site(actor: Actor) -> Verdict:
    """The overview of every community's queue, and appeals against suspensions and bans."""
    if actor.is_site_admin:
        return ALLOW
    return _deny(_l("Only site administrators can do this."))


def can_take_measure(actor: Actor, community: Community | None, measure: Measure) -> Verdict:
    """Community moderators take the measures of their community; suspending or banning an
    account, which reaches every community, is for site administrators."""
    if measure in SITE_WIDE:
        if actor.is_site_admin:
            return ALLOW
        return _deny(_l("Only site administrators can suspend or ban an account."))
    if community is None:
        return _deny(_l("Only this community's moderators can do this."))
    return can_moderate(actor, community)


def can_report(actor: Actor, community: Community) -> Verdict:
    """Whoever may read a community may report what they read there, signed in or not."""
    return can_view_community(actor, community)


def can_view_decision(actor: Actor, decision: Decision) -> Verdict:
    """A statement of reasons is for the member it concerns and for the moderators."""
    if _is_own(actor, decision.member_id) or actor.is_site_admin:
        return ALLOW
    if decision.community is not None and is_moderator(actor, decision.community):
        return ALLOW
    return _deny(_l("Only the member concerned and the moderators can see this decision."))


def can_view_own_moderation(actor: Actor) -> Verdict:
    """ "My decisions" and "my reports": every signed-in member has them."""
    if not actor.is_authenticated:
        return _deny(_l("Sign in to see the decisions and reports that concern you."), "sign_in")
    return ALLOW


APPEAL_MONTHS = 6


def appeal_deadline(decision: Decision) -> dt.datetime:
    """Six calendar months after the decision (DSA Article 20(1)); the 31st of a shorter
    month becomes that month's last day."""
    return clock.months_after(decision.decided_at, APPEAL_MONTHS)


def can_appeal(actor: Actor, decision: Decision) -> Verdict:
    """The member a decision concerns may appeal it once, within six months."""
    if not actor.is_authenticated:
        return _deny(_l("Sign in to appeal a decision."), "sign_in")
    if not _is_own(actor, decision.member_id):
        return _deny(_l("Only the member a decision concerns can appeal it."))
    if decision.appeal is not None:
        return _deny(_l("You appealed this decision already; a decision can be appealed once."))
    if clock.now() > appeal_deadline(decision):
        return _deny(_l("The six months in which this decision could be appealed have passed."))
    return ALLOW


def can_decide_appeal(actor: Actor, appeal: Appeal) -> Verdict:
    """A moderator other than the one who decided, never the appellant."""
    decision = appeal.decision
    if decision.kind in SITE_WIDE or decision.community is None:
        if not actor.is_site_admin:
            return _deny(_l("Only site administrators can decide this appeal."))
    elif not is_moderator(actor, decision.community):
        return _deny(_l("Only this community's moderators can do this."))
    if actor.member_id is not None and actor.member_id == decision.decided_by_id:
        return _deny(
            _l("A moderator other than the one who took the decision must decide the appeal.")
        )
    if _is_own(actor, appeal.appellant_id):
        return _deny(_l("You cannot decide your own appeal."))
    if not appeal.is_open:
        return _deny(_l("This appeal has been decided already."))
    return ALLOW
