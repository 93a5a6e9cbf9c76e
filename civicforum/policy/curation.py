"""Trusted information's rules: who edits a community's reliable information, who
approves it (a second editor, never its author), who sees an item, and who may question
it."""

from __future__ import annotations

from .. import clock
from ..curation.models import SHOWN, ItemStatus, RevisionState, VerifiedItem
from ..forum.models import Community, Post, Role
from ..i18n import lazy_gettext as _l
from .base import ALLOW, Actor, Verdict, _deny, can_view_community
from .forum import can_view_post

EDITING_ROLES = frozenset({Role.EDITOR, Role.ADMIN})


def is_editor(actor: Actor, community: Community) -> bool:
    """The community's editors and admins, site-wide editors and site administrators."""
    if actor.member is None:
        return False
    if actor.is_site_admin or actor.member.is_site_editor:
        return True
    return actor.active_role(community) in EDITING_ROLES


def edits_anywhere(actor: Actor) -> bool:
    """Whether the actor edits some community (for a link to the editors' dashboard)."""
    if actor.member is None:
        return False
    return (
        actor.is_site_admin
        or actor.member.is_site_editor
        or any(m.is_active and m.role in EDITING_ROLES for m in actor.memberships.values())
    )


def can_view_editors_dashboard(actor: Actor) -> Verdict:
    if edits_anywhere(actor):
        return ALLOW
    if not actor.is_authenticated:
        return _deny(_l("Sign in as an editor to see the editors' dashboard."), "sign_in")
    return _deny(_l("The editors' dashboard is for editors."))


def can_edit_information(actor: Actor, community: Community) -> Verdict:
    """Write, revise, submit, re-check, return, withdraw and reopen a community's items.

    Editors must also be able to read the community (its identity level or attribute to
    read asks it of them as of any reader): they could not see what they wrote otherwise.
    """
    if is_editor(actor, community):
        return can_view_community(actor, community)
    if not actor.is_authenticated:
        return _deny(_l("Sign in as an editor to do this."), "sign_in")
    return _deny(_l("Only this community's editors can do this."))


def can_approve(actor: Actor, item: VerifiedItem) -> Verdict:
    """Four eyes: a revision in review is approved by an editor who did not write it."""
    allowed = can_edit_information(actor, item.community)
    if not allowed:
        return allowed
    pending = item.pending
    if pending is None or pending.state != RevisionState.IN_REVIEW:
        return _deny(_l("There is nothing waiting for approval."))
    if actor.member_id is not None and pending.author_id == actor.member_id:
        return _deny(
            _l("A second editor must approve this: not the one who wrote this version.")
        )
    return ALLOW


def can_uphold(actor: Actor, item: VerifiedItem) -> Verdict:
    """Answering a question about an item and keeping it verified is for an editor other
    than the author of the verified version."""
    allowed = can_edit_information(actor, item.community)
    if not allowed:
        return allowed
    published = item.published
    if published is not None and published.author_id == actor.member_id:
        return _deny(_l("A second editor must answer this: not the one who wrote it."))
    return ALLOW


def can_view_item(actor: Actor, item: VerifiedItem) -> Verdict:
    """Editors see every item of their community; others see what was once verified
    (while verified, due for review or disputed, and the notice of a withdrawal)."""
    seen = can_view_community(actor, item.community)
    if not seen:
        return seen
    if is_editor(actor, item.community):
        return ALLOW
    if item.published_revision_id is None:
        return _deny(_l("This information has not been verified yet."))
    return ALLOW


def is_on_display(item: VerifiedItem) -> bool:
    """Whether readers see the item's verified text (not when withdrawn or never verified)."""
    return item.published_revision_id is not None and (
        item.effective_status(clock.now()) in SHOWN
        or (item.status == ItemStatus.IN_REVIEW and item.verified_count > 0)
    )


def can_dispute(actor: Actor, item: VerifiedItem) -> Verdict:
    """Any signed-in reader may question verified information, with a source."""
    seen = can_view_item(actor, item)
    if not seen:
        return seen
    if not actor.is_authenticated:
        return _deny(_l("Sign in to raise a question about this information."), "sign_in")
    if item.effective_status(clock.now()) not in (ItemStatus.VERIFIED, ItemStatus.REVIEW_DUE):
        return _deny(_l("Only verified information can be questioned."))
    return ALLOW


def can_verify_post(actor: Actor, post: Post) -> Verdict:
    """Editors give a verdict on a post readers can see: not on a hidden, held or
    deleted one."""
    allowed = can_edit_information(actor, post.topic.community)
    if not allowed:
        return allowed
    if post.is_deleted:
        return _deny(_l("This post was deleted."))
    if post.is_hidden or post.held:
        return _deny(_l("A hidden post, or one waiting for approval, cannot be verified."))
    return can_view_post(actor, post)
