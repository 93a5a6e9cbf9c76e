"""What a community does with an activity whose signature holds: follows, and replies
from other servers, through the same services as the forum's own pages.

A reply from elsewhere is written by the member that stands for its remote author
(:func:`.remote.member_of`) with :func:`civicforum.forum.services.reply`, so the house
rules, the pace limits, slow mode, pre-moderation, mutes, suspensions and bans all apply
as they do to anyone; its text is the Note's Markdown (its ``source``) or its HTML turned
into Markdown, rendered and sanitised like any post. Reports and the whole moderation
ladder then work on it unchanged.

Every refusal is a :class:`Refused` with the status the inbox answers and a sentence
for the sender; nothing is written before the activity is known to be acceptable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ... import policy
from ...clock import now
from ...errors import ServiceError, TooSoon
from ...extension import state
from ...forum import posting
from ...forum import services as forum_services
from ...forum.models import Community, Post, Topic
from ...identity.models import PublishAs
from ...identity.providers import load_actor
from . import activities, addresses, blocks, delivery, distribution, remote, services
from .fetching import fetch_json
from .incoming import (
    Activity,
    NotActivity,
    parse_announce,
    parse_delete,
    parse_follow,
    parse_undo,
)
from .models import FederationActor, Follower, RemoteActor, RemoteObject
from .replies import IncomingNote, note_of
from .settings import fetch_policy
from .signatures import sign_request


class Refused(Exception):
    """An activity the community does not take; ``status`` is the inbox's answer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


Fetch = Callable[[str], dict[str, Any]]


def signed_fetch(actor: FederationActor) -> Fetch:
    """Fetching as the community's Group: GETs signed with its key, as servers that ask
    for "authorized fetch" require."""
    key_id = addresses.community_id(actor.community.slug) + "#main-key"
    policy_ = fetch_policy()

    def fetch(url: str) -> dict[str, Any]:
        headers = sign_request("GET", url, key_id=key_id, private_key_pem=actor.private_key_pem)
        headers.pop("Host", None)  # requests sends the same host itself
        return fetch_json(url, policy=policy_, headers=headers)

    return fetch


def community_named(uri: str) -> tuple[Community, FederationActor] | None:
    """The federated community whose Group has this id."""
    found = addresses.local_endpoint(uri)
    if found is None or found[0] != "civicforum.community":
        return None
    from ...extension import db_session

    return services.federated_community(db_session(), str(found[1].get("slug", "")))


def handle(db: Session, activity: Activity, inbox_of: Community | None) -> list[int]:
    """Act on ``activity``; returns the deliveries it queued (an Accept, an announce), to send once
    the answer is on its way.

    :param inbox_of: the community whose inbox it came to; None for the shared inbox.
    :raises Refused: saying why it is not taken.
    """
    try:
        return _handle(db, activity, inbox_of)
    except NotActivity as refused:
        raise Refused(refused.status, str(refused)) from None


def _handle(db: Session, activity: Activity, inbox_of: Community | None) -> list[int]:
    kind = activity.type
    if kind == "Follow":
        return follow(db, activity, inbox_of)
    if kind == "Undo":
        undo(db, activity)
    elif kind == "Create":
        return create(db, activity, inbox_of)
    elif kind == "Update":
        update(db, activity)
    elif kind == "Delete":
        remove(db, activity)
    elif kind == "Announce":
        announce(activity)
    # Likes and dislikes (the forum counts none), Accept, Reject and whatever else
    # other servers send are taken and ignored: nothing to do, nothing to refuse.
    return []


def _check_community(
    db: Session, community: Community, inbox_of: Community | None, actor_uri: str
) -> None:
    if inbox_of is not None and inbox_of.id != community.id:
        raise Refused(400, "This activity is for another community than this inbox's.")
    if blocks.is_blocked(db, community.id, actor_uri):
        raise Refused(403, "This community does not take activities from you or your server.")


def follow(db: Session, activity: Activity, inbox_of: Community | None) -> list[int]:
    found = community_named(parse_follow(activity))
    if found is None:
        raise Refused(404, "There is no such federated community to follow.")
    community, actor = found
    _check_community(db, community, inbox_of, activity.actor)
    follower = _remote(db, activity.actor, actor)
    existing = db.scalar(
        select(Follower).where(
            Follower.community_id == community.id, Follower.remote_actor_id == follower.id
        )
    )
    if existing is None:
        db.add(
            Follower(community_id=community.id, remote_actor_id=follower.id, follow_id=activity.id)
        )
    else:
        existing.follow_id = activity.id
    db.commit()
    accept = activities.accept(addresses.community_id(community.slug), activity.raw)
    return delivery.enqueue(db, community.id, accept, [follower.inbox])


def _remote(db: Session, uri: str, actor: FederationActor) -> RemoteActor:
    try:
        return remote.ensure(db, uri, signed_fetch(actor))
    except remote.ActorRefused as refused:
        raise Refused(400, f"Your actor cannot be read: {refused}") from None


def undo(db: Session, activity: Activity) -> None:
    undone = parse_undo(activity)
    if undone.type not in (None, "Follow"):
        return  # an undone like, say: the forum kept none
    sender = remote.find(db, activity.actor)
    if sender is None:
        return
    query = delete(Follower).where(Follower.remote_actor_id == sender.id)
    followed = undone.activity.object_id if undone.activity is not None else None
    found = community_named(followed) if followed else None
    if found is not None:
        query = query.where(Follower.community_id == found[0].id)
    else:
        query = query.where(Follower.follow_id == undone.id)
    db.execute(query)
    db.commit()


def _topic_of(db: Session, uri: str) -> Topic | None:
    found = addresses.local_endpoint(uri)
    if found is not None:
        endpoint, values = found
        if endpoint == "civicforum.topic":
            return db.get(Topic, values["topic_id"])
        if endpoint == "civicforum.post":
            post = db.get(Post, values["post_id"])
            return post.topic if post is not None else None
        return None
    known = db.scalar(select(RemoteObject).where(RemoteObject.uri == uri))
    if known is None:
        return None
    post = db.get(Post, known.post_id)
    return post.topic if post is not None else None


def create(db: Session, activity: Activity, inbox_of: Community | None) -> list[int]:
    """A reply from elsewhere; returns the deliveries announcing it to followers."""
    note = _note(activity)
    topic = _topic_of(db, note.in_reply_to) if note.in_reply_to else None
    federated = services.federated_actor(db, topic.community) if topic is not None else None
    if topic is None or federated is None or not policy.can_view_topic(policy.ANONYMOUS, topic):
        raise Refused(404, "This is not a reply to a topic of a federated community.")
    community = topic.community
    _check_community(db, community, inbox_of, activity.actor)
    if db.scalar(select(RemoteObject.id).where(RemoteObject.uri == note.id)) is not None:
        return []  # the same reply, received again
    sender = _remote(db, activity.actor, federated)
    member = remote.member_of(db, sender)
    db.commit()
    actor = load_actor(db, member)
    if actor.membership(community) is None:
        try:
            forum_services.join(db, actor, community)
        except ServiceError as refused:
            raise Refused(403, refused.message) from None
        actor = load_actor(db, member)
    try:
        posting.check_pace(community, actor)
        post = forum_services.reply(
            db,
            actor,
            topic,
            body=note.markdown,
            publish_as=PublishAs.PSEUDONYM.value,
            submission_token=hashlib.sha256(note.id.encode()).hexdigest()[:40],
            limits=posting.limits(),
            warning=note.summary,
        )
    except TooSoon as too_soon:
        raise Refused(429, too_soon.message, retry_after=_seconds_until(too_soon.until)) from None
    except ServiceError as refused:
        raise Refused(403, refused.message) from None
    posting.count_post(community, actor)
    db.add(RemoteObject(uri=note.id, post_id=post.id, remote_actor_id=sender.id))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return []
    if post.held:
        return []  # announced once a moderator approves it
    return distribution.announce_received(db, post)


def _seconds_until(until: object) -> int | None:
    if not isinstance(until, dt.datetime):
        return None
    return max(1, int((until - now()).total_seconds()) + 1)


def _note(activity: Activity) -> IncomingNote:
    try:
        return note_of(activity, max_length=state().settings.max_post_length)
    except NotActivity as refused:
        raise Refused(refused.status, str(refused)) from None


def _own_post(db: Session, activity: Activity, uri: str) -> tuple[Post, policy.Actor] | None:
    known = db.scalar(select(RemoteObject).where(RemoteObject.uri == uri))
    if known is None:
        return None
    sender = db.get(RemoteActor, known.remote_actor_id)
    post = db.get(Post, known.post_id)
    if sender is None or post is None or sender.uri != activity.actor or sender.member is None:
        raise Refused(403, "Only its author can change this reply.")
    return post, load_actor(db, sender.member)


def update(db: Session, activity: Activity) -> None:
    embedded = activity.embedded_object
    if embedded is not None and embedded.get("type") in remote.ACTOR_TYPES:
        sender = remote.find(db, activity.actor)
        if sender is not None and embedded.get("id") == activity.actor:
            sender.fetched_at = sender.fetched_at.replace(year=2000)  # fetch again when next needed
            db.commit()
        return
    note = _note(activity)
    found = _own_post(db, activity, note.id)
    if found is None:
        raise Refused(404, "There is no such reply here to update.")
    post, actor = found
    try:
        forum_services.edit_post(
            db, actor, post, body=note.markdown, limits=posting.limits(), warning=note.summary
        )
    except ServiceError as refused:
        raise Refused(403, refused.message) from None


def remove(db: Session, activity: Activity) -> None:
    uri = parse_delete(activity)
    if uri == activity.actor:
        # The actor's account is gone: it follows nothing any more.
        sender = remote.find(db, uri)
        if sender is not None:
            db.execute(delete(Follower).where(Follower.remote_actor_id == sender.id))
            db.commit()
        return
    found = _own_post(db, activity, uri)
    if found is None:
        return  # never here, or deleted already: nothing to do
    post, actor = found
    if post.deleted_at is None:
        try:
            forum_services.delete_post(db, actor, post)
        except ServiceError as refused:
            raise Refused(403, refused.message) from None


def announce(activity: Activity) -> None:
    """The forum follows no one, so an announce is not for it; one that comes from one of
    its own Groups, or announces an announce, is a loop and refused."""
    parse_announce(activity, is_local=lambda uri: community_named(uri) is not None)
