"""Who is asking, what an answer looks like, and who may read a community: the ground
the other parts of the policy stand on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, or_, true

from ..forum.models import Community, Membership, Role, Visibility
from ..i18n import lazy_gettext as _l
from ..identity.attributes import attribute_label
from ..identity.models import IdentityLevel, Member

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


def _is_own(actor: Actor, author_id: int | None) -> bool:
    return actor.member_id is not None and author_id == actor.member_id


def level_label(level: IdentityLevel) -> str:
    labels = {
        IdentityLevel.REGISTERED: _l("registered"),
        IdentityLevel.CONFIRMED: _l("confirmed by the institution"),
        IdentityLevel.VERIFIED: _l("verified"),
    }
    return str(labels[level])
