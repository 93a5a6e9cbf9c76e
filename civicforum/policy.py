"""The one place that decides who may see and do what.

Views, the CLI, feeds and (later) search and export all ask here; nothing else decides
visibility. Every answer is a :class:`Verdict` that carries the reason in words a visitor
can act on, so a refusal page can say *why* and *what would help*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import has_app_context
from sqlalchemy import ColumnElement, and_, or_, true

from . import clock
from .forum.models import Community, Membership, Post, Role, Topic, Visibility
from .i18n import format_moment
from .i18n import lazy_gettext as _l
from .identity.attributes import attribute_label
from .identity.models import IdentityLevel, Member
from .moderation.models import SITE_WIDE, Appeal, Decision, Measure

STAFF_ROLES = frozenset({Role.MODERATOR, Role.EDITOR, Role.ADMIN})
MODERATING_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


@dataclass(frozen=True)
class Actor:
    """Who is asking: a member with their memberships, or an anonymous visitor."""

    member: Member | None = None
    memberships: Mapping[int, Membership] = field(default_factory=dict)
    # What identity providers vouched for (attribute keys), e.g. "patient-member".
    attributes: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.member is not None

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member else None

    @property
    def is_site_admin(self) -> bool:
        return bool(self.member and self.member.is_site_admin)

    def membership(self, community: Community) -> Membership | None:
        return self.memberships.get(community.id)

    def active_role(self, community: Community) -> Role | None:
        membership = self.membership(community)
        if membership is None or not membership.is_active:
            return None
        return Role(membership.role)


ANONYMOUS = Actor()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    # What the visitor could do about it: "sign_in", "join", "wait_approval", "identity"
    # (show a level or attribute through an identity provider), "" (nothing).
    remedy: str = ""
    needs_level: IdentityLevel | None = None
    needs_attribute: str | None = None
    # When a refusal ends by itself (a mute, a suspension, slow mode), for the page to show.
    until: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Verdict(True)


def _deny(reason: object, remedy: str = "") -> Verdict:
    return Verdict(False, str(reason), remedy)


def _lacks(
    actor: Actor, level: IdentityLevel | None, attribute: str | None, posting: bool
) -> Verdict | None:
    """A refusal when the actor lacks a required identity level or attribute."""
    held = actor.member.level if actor.member else None
    if level is not None and (held is None or held < level):
        reason = (
            _l("Posting here needs the identity level “%(level)s”.", level=level_label(level))
            if posting
            else _l("Reading here needs the identity level “%(level)s”.", level=level_label(level))
        )
        return Verdict(False, str(reason), "identity", needs_level=level)
    if attribute is not None and attribute not in actor.attributes:
        label = attribute_label(attribute)
        reason = (
            _l("Posting here is for people who are shown to be: %(what)s.", what=label)
            if posting
            else _l("Reading here is for people who are shown to be: %(what)s.", what=label)
        )
        return Verdict(False, str(reason), "identity", needs_attribute=attribute)
    return None


def is_active_member(actor: Actor, community: Community) -> bool:
    return actor.active_role(community) is not None


def is_moderator(actor: Actor, community: Community) -> bool:
    return actor.is_site_admin or actor.active_role(community) in MODERATING_ROLES


def can_view_community(actor: Actor, community: Community) -> Verdict:
    """Who may read a community's content.

    Public communities are open to all and members-only ones to active members; on top,
    a community may ask for an identity level or attribute to read, which its moderators
    and admins (who must read to moderate) and site admins are not asked for.
    """
    if actor.is_site_admin:
        return ALLOW
    if community.visibility != Visibility.PUBLIC and not is_active_member(actor, community):
        return _deny(_l("This community is for members only."))
    if is_moderator(actor, community):
        return ALLOW
    lacking = _lacks(actor, community.read_level, community.read_attribute, posting=False)
    return lacking if lacking is not None else ALLOW


def readable_communities_clause(actor: Actor) -> ColumnElement[bool]:
    """The SQL form of :func:`can_view_community`: communities whose content the actor may read.

    Every list of topics or posts that spans communities (search, feeds, export) filters
    with this clause.
    """
    if actor.is_site_admin:
        return true()
    member_of = [cid for cid, membership in actor.memberships.items() if membership.is_active]
    moderates = [
        cid
        for cid, membership in actor.memberships.items()
        if membership.is_active and membership.role in MODERATING_ROLES
    ]
    level = int(actor.member.level) if actor.member else 0
    open_to_actor = or_(
        Community.visibility == Visibility.PUBLIC.value, Community.id.in_(member_of)
    )
    requirements_met = and_(
        or_(Community.min_read_level.is_(None), Community.min_read_level <= level),
        or_(
            Community.read_attribute.is_(None),
            Community.read_attribute.in_(sorted(actor.attributes)),
        ),
    )
    return and_(open_to_actor, or_(Community.id.in_(moderates), requirements_met))


def can_manage_members(actor: Actor, community: Community) -> Verdict:
    """Moderators and admins answer requests to join."""
    if is_moderator(actor, community):
        return ALLOW
    return _deny(_l("Only this community's moderators can do this."))


def can_join(actor: Actor, community: Community) -> Verdict:
    if not actor.is_authenticated:
        return _deny(_l("Sign in to join this community."), "sign_in")
    membership = actor.membership(community)
    if membership is not None:
        if membership.is_active:
            return _deny(_l("You are already a member of this community."))
        return _deny(_l("Your request to join is waiting for a moderator."), "wait_approval")
    return ALLOW


def can_leave(actor: Actor, community: Community) -> Verdict:
    if actor.membership(community) is None:
        return _deny(_l("You are not a member of this community."))
    return ALLOW


def _may_take_part(actor: Actor, community: Community) -> Verdict:
    seen = can_view_community(actor, community)
    if not seen:
        return seen
    if not actor.is_authenticated:
        return _deny(_l("Sign in to take part."), "sign_in")
    if not is_active_member(actor, community) and not actor.is_site_admin:
        membership = actor.membership(community)
        if membership is not None:
            return _deny(_l("Your request to join is waiting for a moderator."), "wait_approval")
        return _deny(_l("Join this community to take part."), "join")
    if is_moderator(actor, community):
        return ALLOW
    lacking = _lacks(actor, community.post_level, community.post_attribute, posting=True)
    return lacking if lacking is not None else ALLOW


def can_start_topic(
    actor: Actor, community: Community, standing: Standing | None = None
) -> Verdict:
    """Members of the community may start topics when their identity level suffices.

    :param standing: the actor's moderation standing here (see
        :func:`civicforum.moderation.standing.standing`); with it, a mute, a suspension,
        a ban or slow mode refuses too, saying until when.
    """
    verdict = _may_take_part(actor, community)
    if not verdict:
        return verdict
    restricted = _restricted(actor, community, None, standing)
    return restricted if restricted is not None else ALLOW


def can_reply(actor: Actor, topic: Topic, standing: Standing | None = None) -> Verdict:
    """As :func:`can_start_topic`, and the topic must not be locked."""
    verdict = _may_take_part(actor, topic.community)
    if not verdict:
        return verdict
    if topic.is_locked and not is_moderator(actor, topic.community):
        return _deny(_l("This topic is locked: no new replies."))
    restricted = _restricted(actor, topic.community, topic, standing)
    return restricted if restricted is not None else ALLOW


def _is_own(actor: Actor, author_id: int | None) -> bool:
    return actor.member_id is not None and author_id == actor.member_id


def can_view_topic(actor: Actor, topic: Topic) -> Verdict:
    """A topic held for approval is seen by its starter and the moderators only."""
    seen = can_view_community(actor, topic.community)
    if not seen:
        return seen
    if (
        topic.held
        and not _is_own(actor, topic.author_id)
        and not is_moderator(actor, topic.community)
    ):
        return _deny(_l("This topic is waiting for a moderator's approval."))
    return ALLOW


def can_view_post(actor: Actor, post: Post) -> Verdict:
    """A held or hidden post's text is for its author and the moderators only; others see
    that a moderator hid it."""
    seen = can_view_topic(actor, post.topic)
    if not seen:
        return seen
    if (post.held or post.is_hidden) and not _is_own(actor, post.author_id):
        if is_moderator(actor, post.topic.community):
            return ALLOW
        if post.is_hidden:
            return _deny(_l("A moderator hid this post."))
        return _deny(_l("This post is waiting for a moderator's approval."))
    return ALLOW


def can_edit_post(actor: Actor, post: Post, standing: Standing | None = None) -> Verdict:
    """Authors edit their own posts while they may still take part; deleted posts stay as they are.

    :param standing: as for :func:`can_reply`: with it, a mute, a suspension or a ban
        refuses edits too (slow mode does not: it paces new posts only).
    """
    if post.is_deleted:
        return _deny(_l("This post was deleted."))
    if actor.member_id is None or post.author_id != actor.member_id:
        return _deny(_l("Only the author can edit this post."))
    verdict = can_reply(actor, post.topic)
    if not verdict:
        return verdict
    restricted = _restricted(actor, post.topic.community, post.topic, standing, pacing=False)
    return restricted if restricted is not None else ALLOW


def can_delete_post(actor: Actor, post: Post) -> Verdict:
    if post.is_deleted:
        return _deny(_l("This post was deleted."))
    if actor.member_id is not None and post.author_id == actor.member_id:
        return can_view_post(actor, post)
    return _deny(_l("Only the author can delete this post."))


def can_see_account_behind(actor: Actor, post: Post) -> bool:
    """Whether the account behind an anonymous post is shown: to its author and to the
    community's moderators, who must be able to act on the account."""
    if actor.member_id is not None and post.author_id == actor.member_id:
        return True
    return is_moderator(actor, post.topic.community)


def level_label(level: IdentityLevel) -> str:
    labels = {
        IdentityLevel.REGISTERED: _l("registered"),
        IdentityLevel.CONFIRMED: _l("confirmed by the institution"),
        IdentityLevel.VERIFIED: _l("verified"),
    }
    return str(labels[level])


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


def listed_topics_clause(actor: Actor, community: Community) -> ColumnElement[bool]:
    """Topics a community's list shows the actor: held ones to their starter and moderators."""
    if is_moderator(actor, community):
        return true()
    if actor.member_id is None:
        return Topic.held.is_(False)
    return or_(Topic.held.is_(False), Topic.author_id == actor.member_id)


def listed_posts_clause(actor: Actor, community: Community) -> ColumnElement[bool]:
    """Posts a topic page lists for the actor: held ones to their author and moderators.
    Hidden posts are listed for everyone and keep their place; :func:`can_view_post` says
    whose page shows their text."""
    if is_moderator(actor, community):
        return true()
    if actor.member_id is None:
        return Post.held.is_(False)
    return or_(Post.held.is_(False), Post.author_id == actor.member_id)


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
    start = decision.decided_at
    months = start.month - 1 + APPEAL_MONTHS
    year, month = start.year + months // 12, months % 12 + 1
    day = start.day
    while True:
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:  # no 31 June: the last day of the month
            day -= 1


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
