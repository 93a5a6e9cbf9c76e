"""Sending a federated community's changes to its followers, on the forum's domain events.

After a commit, for a post in a community that is federated now:

- published (also after approval) or shown again → ``Announce(Create(Page|Note))``; a
  reply that came from another server is announced by its own id;
- edited → ``Announce(Update(...))``;
- deleted by its author, or hidden by a moderator → ``Announce(Delete(Tombstone))``, so
  that it disappears on the other servers too.

Only what an anonymous visitor may read is ever sent (the policy decides, as for the
pages); a held post is sent once approved. This runs where the event is delivered (the
request that made the change, or a command) but only writes delivery rows: the sending is
the task queue's (:mod:`.delivery`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import policy
from ...events import Event, PostDeleted, PostEdited, PostHidden, PostPublished, PostRestored
from ...extension import state
from ...forum.models import Post
from . import activities, blocks, delivery, objects, remote, services
from .models import Follower, RemoteActor, RemoteObject

log = logging.getLogger(__name__)

HANDLED = (PostPublished, PostEdited, PostDeleted, PostHidden, PostRestored)


def on_event(app: Flask, event: Event) -> None:
    """The ``civicforum_event`` hook's work: queue what the event means for followers."""
    if not isinstance(event, HANDLED):
        return
    with _addresses(app) as usable:
        if not usable:
            return
        with state(app).session_factory() as db:
            ids = distribute(db, event)
    if ids:
        delivery.send_soon(app, ids)


@contextmanager
def _addresses(app: Flask) -> Iterator[bool]:
    """Absolute addresses need a request, or the site's address (a command, a task)."""
    if has_request_context():
        yield True
        return
    site_url = state(app).settings.site_url
    if site_url is None:
        log.warning("Federation needs CIVICFORUM_SITE_URL to send changes made outside a request.")
        yield False
        return
    with app.test_request_context("/", base_url=site_url):
        yield True


def distribute(
    db: Session, event: PostPublished | PostEdited | PostDeleted | PostHidden | PostRestored
) -> list[int]:
    """Write the deliveries ``event`` calls for; returns their ids."""
    post = db.get(Post, event.post_id)
    if post is None:
        return []
    community = post.topic.community
    if services.federated_actor(db, community) is None:
        return []
    inboxes = follower_inboxes(db, community.id)
    if not inboxes:
        return []
    activity = _activity(db, event, post)
    if activity is None:
        return []
    return delivery.enqueue(db, community.id, activity, inboxes)


def _activity(db: Session, event: Event, post: Post) -> dict[str, Any] | None:
    slug = post.topic.community.slug
    remote_uri = db.scalar(select(RemoteObject.uri).where(RemoteObject.post_id == post.id))
    if isinstance(event, PostDeleted | PostHidden):
        former = "Page" if objects.is_opening(db, post) else "Note"
        tombstone = objects.tombstone(objects.object_id(db, post), former)
        return activities.wrapped(slug, "Delete", tombstone)
    if not _public(post):
        return None
    if isinstance(event, PostPublished | PostRestored):
        if remote_uri is not None:
            return activities.announce_remote(slug, remote_uri)
        if _from_elsewhere(db, post):
            # Published a moment before its address is kept: the inbox announces it
            # itself once it is (see :func:`announce_received`).
            return None
        return activities.wrapped(slug, "Create", objects.post_object(db, post))
    if remote_uri is not None:
        return None  # its author's own server sends the Update of a reply from elsewhere
    version = str(int(post.edited_at.timestamp())) if post.edited_at else ""
    return activities.wrapped(slug, "Update", objects.post_object(db, post), version)


def _from_elsewhere(db: Session, post: Post) -> bool:
    return post.author_id is not None and remote.by_member(db, post.author_id) is not None


def announce_received(db: Session, post: Post) -> list[int]:
    """Announce a reply that just came from another server to the community's followers,
    once its address there is kept; returns the deliveries, to send once answered."""
    return distribute(db, PostPublished(post.id, post.topic_id, post.topic.community_id, 0))


def _public(post: Post) -> bool:
    visible = policy.can_view_post(policy.ANONYMOUS, post)
    return bool(visible) and not post.held and post.hidden_at is None and post.deleted_at is None


def follower_inboxes(db: Session, community_id: int) -> Sequence[str]:
    """Where the community's followers receive, one address per server where they share
    an inbox; blocked actors and servers left out."""
    query = (
        select(RemoteActor)
        .join(Follower, Follower.remote_actor_id == RemoteActor.id)
        .where(Follower.community_id == community_id)
        .order_by(RemoteActor.id)
    )
    return list(
        dict.fromkeys(
            actor.delivery_inbox
            for actor in db.scalars(query)
            if not blocks.is_blocked(db, community_id, actor.uri)
        )
    )
