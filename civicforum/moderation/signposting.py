"""Signposting to professional help: each community lists help resources (a crisis line, a
helpline), and moderators can privately send a member these resources.

A signpost is a private message, not a measure: it restricts nothing and needs no
ground. The message keeps the resources as they were listed when it was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock, policy
from ..errors import NotFound, ServiceError
from ..forum.models import Community, Membership
from ..i18n import gettext as _
from ..identity.models import Member
from .checks import EXPLANATION_MAX, line, require, text, writing
from .models import HelpResource, MessageKind, ModerationMessage

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,38}$")


@dataclass(frozen=True)
class Resource:
    """A help resource as a moderator enters it."""

    name: str
    phone: str = ""
    url: str = ""
    opening_hours: str = ""


def _clean(resource: Resource) -> Resource:
    name = line(
        resource.name,
        "name",
        maximum=120,
        required=_("Give the name of the help service or organisation."),
    )
    phone = line(resource.phone, "phone", maximum=40)
    if phone and not _PHONE.match(phone):
        raise ServiceError(
            _("A phone number has digits, spaces, hyphens and an optional +."), "phone"
        )
    url = line(resource.url, "url", maximum=500)
    if url and not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        raise ServiceError(_("A web address starts with https:// or http://."), "url")
    if not phone and not url:
        raise ServiceError(_("Give a phone number or a web address."), "phone")
    hours = line(resource.opening_hours, "opening_hours", maximum=200)
    return Resource(name, phone, url, hours)


def help_resources(db: Session, community: Community) -> list[HelpResource]:
    """The community's help resources, in their order."""
    query = (
        select(HelpResource)
        .where(HelpResource.community_id == community.id)
        .order_by(HelpResource.position, HelpResource.id)
    )
    return list(db.scalars(query))


def get_help_resource(db: Session, community: Community, resource_id: int) -> HelpResource:
    """:raises NotFound: when it is not one of this community's."""
    found = db.get(HelpResource, resource_id)
    if found is None or found.community_id != community.id:
        raise NotFound(_("This community lists no such help resource."))
    return found


def add_help_resource(
    db: Session, actor: policy.Actor, community: Community, resource: Resource
) -> HelpResource:
    """List a help resource at the end (moderators)."""
    require(policy.can_moderate(actor, community))
    resource = _clean(resource)
    with writing(db):
        last = db.scalar(
            select(func.max(HelpResource.position)).where(HelpResource.community_id == community.id)
        )
        found = HelpResource(
            community_id=community.id,
            position=(last or 0) + 1,
            name=resource.name,
            phone=resource.phone or None,
            url=resource.url or None,
            opening_hours=resource.opening_hours or None,
        )
        db.add(found)
        db.commit()
    return found


def edit_help_resource(
    db: Session, actor: policy.Actor, community: Community, found: HelpResource, resource: Resource
) -> HelpResource:
    require(policy.can_moderate(actor, community))
    if found.community_id != community.id:
        raise NotFound(_("This community lists no such help resource."))
    resource = _clean(resource)
    found.name = resource.name
    found.phone = resource.phone or None
    found.url = resource.url or None
    found.opening_hours = resource.opening_hours or None
    db.commit()
    return found


def remove_help_resource(
    db: Session, actor: policy.Actor, community: Community, found: HelpResource
) -> None:
    """Take a resource off the list; messages already sent keep it."""
    require(policy.can_moderate(actor, community))
    if found.community_id != community.id:
        raise NotFound(_("This community lists no such help resource."))
    db.delete(found)
    db.commit()


def _as_text(resource: HelpResource) -> str:
    parts = [p for p in (resource.phone, resource.url) if p]
    listed = f"{resource.name}: {', '.join(parts)}"
    return f"{listed} ({resource.opening_hours})" if resource.opening_hours else listed


def signpost(
    db: Session, actor: policy.Actor, community: Community, member: Member, note: str = ""
) -> ModerationMessage:
    """Privately send a member the community's help resources, with a word of one's own.

    :raises NotFound: when the member is not (and never asked to be) in the community.
    :raises ServiceError: when the community lists no help resources.
    """
    require(policy.can_moderate(actor, community))
    belongs = db.scalar(
        select(Membership.id).where(
            Membership.community_id == community.id, Membership.member_id == member.id
        )
    )
    if belongs is None:
        raise NotFound(_("This person is not a member of this community."))
    note = text(note, "note", maximum=EXPLANATION_MAX)
    resources = help_resources(db, community)
    if not resources:
        raise ServiceError(_("This community lists no help resources yet."))
    body = "\n".join([*([note, ""] if note else []), *(_as_text(r) for r in resources)])
    message = ModerationMessage(
        member_id=member.id,
        community_id=community.id,
        kind=MessageKind.SIGNPOST.value,
        body=body,
        sent_by_id=actor.member_id,
        created_at=clock.now(),
    )
    with writing(db):
        db.add(message)
        db.commit()
    return message


def messages_for(db: Session, actor: policy.Actor) -> list[ModerationMessage]:
    """The private messages the moderators sent the actor, newest first."""
    if actor.member_id is None:
        return []
    query = (
        select(ModerationMessage)
        .where(ModerationMessage.member_id == actor.member_id)
        .order_by(ModerationMessage.created_at.desc(), ModerationMessage.id.desc())
    )
    return list(db.scalars(query))


def mark_read(db: Session, actor: policy.Actor, message: ModerationMessage) -> None:
    if message.member_id != actor.member_id:
        raise NotFound(_("There is no such message from the moderators."))
    if message.read_at is None:
        message.read_at = clock.now()
        db.commit()


def mark_seen(db: Session, actor: policy.Actor) -> None:
    """The member has looked at their decisions and messages: nothing is new any more."""
    member = actor.member
    if member is None:
        return
    at = clock.now()
    for message in messages_for(db, actor):
        if message.read_at is None:
            message.read_at = at
    # Through this session, whichever session loaded the actor.
    found = db.get(Member, member.id)
    if found is not None:
        found.moderation_seen_at = at
    db.commit()
