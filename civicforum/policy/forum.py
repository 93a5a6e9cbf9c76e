"""The forum's own rules: joining a community, starting topics and replying, and who
sees a held or hidden topic or post."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from ..forum.models import Community, Post, Role, Topic
from ..i18n import lazy_gettext as _l
from .base import (
    ALLOW,
    MODERATING_ROLES,
    Actor,
    Verdict,
    _deny,
    _is_own,
    _lacks,
    can_view_community,
    is_active_member,
    is_moderator,
)
from .moderation import Standing, _restricted


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


def can_follow_community(actor: Actor, community: Community) -> Verdict:
    """Members follow what they may read, for their digest; unfollowing is always open."""
    if not actor.is_authenticated:
        return _deny(_l("Sign in to follow this community."), "sign_in")
    return can_view_community(actor, community)


def can_follow_topic(actor: Actor, topic: Topic) -> Verdict:
    if not actor.is_authenticated:
        return _deny(_l("Sign in to follow this topic."), "sign_in")
    return can_view_topic(actor, topic)


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


def listed_topics_clause(actor: Actor, community: Community | None = None) -> ColumnElement[bool]:
    """Topics a community's list shows the actor: held ones to their starter and moderators.

    Without a community, the same for topics of whichever community they are in (a count
    made in the statement that finds the community)."""
    if community is not None and is_moderator(actor, community):
        return true()
    if community is None and actor.is_site_admin:
        return true()
    shown: list[ColumnElement[bool]] = [Topic.held.is_(False)]
    if actor.member_id is not None:
        shown.append(Topic.author_id == actor.member_id)
    if community is None:
        moderated = [
            community_id
            for community_id, membership in actor.memberships.items()
            if membership.is_active and Role(membership.role) in MODERATING_ROLES
        ]
        if moderated:
            shown.append(Topic.community_id.in_(moderated))
    return or_(*shown) if len(shown) > 1 else shown[0]


def lists_published_posts_only(actor: Actor, community: Community) -> bool:
    """Whether the actor's topic pages list published posts only (no held ones): then a
    topic's post count is exactly the number of posts listed to them."""
    return actor.member_id is None and not is_moderator(actor, community)


def listed_posts_clause(actor: Actor, community: Community) -> ColumnElement[bool]:
    """Posts a topic page lists for the actor: held ones to their author and moderators.
    Hidden posts are listed for everyone and keep their place; :func:`can_view_post` says
    whose page shows their text."""
    if is_moderator(actor, community):
        return true()
    if actor.member_id is None:
        return Post.held.is_(False)
    return or_(Post.held.is_(False), Post.author_id == actor.member_id)
