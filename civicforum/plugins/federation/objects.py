"""The forum's content as ActivityStreams objects: a topic is a ``Page``, a reply a
``Note``, an event an ``Event``, and what is gone a ``Tombstone``.

They are shaped as Lemmy and the other group-based servers expect (FEP-1b12): the topic's
``Page`` carries the title as ``name`` and is addressed to its community's Group, and
every object names that Group as its ``audience``. Replies on this forum are not nested:
each reply answers the topic, so its ``inReplyTo`` is the topic's ``Page``, and the
topic's ``Page`` is the ``context`` of everything in it (FEP-7888), as is the event's
discussion topic of the event.

Posts are sent as written: ``content`` is the sanitised HTML the forum's pages show
(``mediaType`` ``text/html``), ``source`` the Markdown the author wrote. A content warning
(the author's own label, a moderator's, or both) becomes ``summary`` with
``sensitive: true``, as Mastodon and Lemmy show one: folded away behind its label.

Who wrote a post is :func:`.people.author_uri`'s to say: a ``Person`` under the shown
name, or the Group for anonymous and "verified member" posts.

A post that came from another server keeps the id it has there (its
:class:`~.models.RemoteObject`'s ``uri``): it is the same object, and its author's
``Update`` and ``Delete`` refer to it by that id.

These functions only build documents (a database session and models in, a dictionary
out); whether a post may be published at all is the caller's question (see
:mod:`.objectviews`), and so is the commit after :func:`.people.author_uri` made a Person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import policy
from ...forum.models import Post, Topic
from . import addresses
from .documents import CONTEXT
from .models import RemoteObject
from .people import author_uri

if TYPE_CHECKING:
    # Only for the type: the federation plugin works without the events plugin.
    from ..events.models import LocalEvent

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HTML = "text/html"
MARKDOWN = "text/markdown"


# -- ids ---------------------------------------------------------------------------------


def opening_post_id(db: Session, topic_id: int) -> int | None:
    """The topic's opening post: its first, whether or not it is published."""
    return db.scalar(select(func.min(Post.id)).where(Post.topic_id == topic_id))


def is_opening(db: Session, post: Post) -> bool:
    """Whether the post opens its topic (and so is the topic's ``Page``)."""
    return opening_post_id(db, post.topic_id) == post.id


def remote_uri(db: Session, post_id: int) -> str | None:
    """The id the post has on the server it came from; None for the forum's own posts."""
    return db.scalar(select(RemoteObject.uri).where(RemoteObject.post_id == post_id))


def object_id(db: Session, post: Post) -> str:
    """The post's object id: its address on the server it came from, else the topic
    page's URL for an opening post (the topic's ``Page``) and the permalink for a reply."""
    remote = remote_uri(db, post.id)
    if remote is not None:
        return remote
    if is_opening(db, post):
        return addresses.absolute("civicforum.topic", topic_id=post.topic_id)
    return addresses.absolute("civicforum.post", post_id=post.id)


def topic_object_id(db: Session, topic: Topic) -> str:
    """The id of the topic's ``Page``: its opening post's, which is the topic page's URL
    unless the topic was started on another server."""
    opening = opening_post_id(db, topic.id)
    remote = None if opening is None else remote_uri(db, opening)
    return remote or addresses.absolute("civicforum.topic", topic_id=topic.id)


def page_url(db: Session, post: Post) -> str:
    """Where people read the post on this forum: the topic page for an opening post, the
    permalink for a reply (also for a post that came from another server)."""
    if is_opening(db, post):
        return addresses.absolute("civicforum.topic", topic_id=post.topic_id)
    return addresses.absolute("civicforum.post", post_id=post.id)


# -- posts -------------------------------------------------------------------------------


def content_warning(post: Post) -> str | None:
    """The warning labels a post is shown behind, the author's first, as on its page."""
    labels = [label for label in (post.author_warning, post.content_warning) if label]
    return "; ".join(labels) or None


def post_object(db: Session, post: Post) -> dict[str, Any]:
    """A ``Page`` for a topic's opening post, a ``Note`` for any other post.

    May make the author's Person (see :func:`.people.author_uri`); the caller commits.
    """
    topic = post.topic
    community = topic.community
    group = addresses.community_id(community.slug)
    opening = is_opening(db, post)
    own_id = object_id(db, post)
    page = own_id if opening else topic_object_id(db, topic)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": own_id,
        "type": "Page" if opening else "Note",
        "attributedTo": author_uri(db, community, post.author, post.publish_as),
    }
    if opening:
        document["name"] = topic.title
        # As Lemmy addresses a post: to the Group and the public.
        document["to"] = [group, PUBLIC]
    else:
        document["inReplyTo"] = page
        document["to"] = [PUBLIC]
        document["cc"] = [group, addresses.collection(community.slug, "followers")]
    document.update(
        {
            "content": post.body_html,
            "mediaType": HTML,
            "source": {"content": post.body, "mediaType": MARKDOWN},
            "audience": group,
            "context": page,
            "url": page_url(db, post),
            "published": post.created_at.isoformat(),
        }
    )
    if post.edited_at is not None:
        document["updated"] = post.edited_at.isoformat()
    warning = content_warning(post)
    document["sensitive"] = warning is not None
    if warning is not None:
        document["summary"] = warning
    return document


def tombstone(object_id: str, former_type: str) -> dict[str, Any]:
    """What stands where an object was: hidden by a moderator, deleted, or erased.

    No date and no reason: the forum's own pages say why a post is gone, to those who
    may know; other servers only need to drop their copy.
    """
    return {"@context": CONTEXT, "id": object_id, "type": "Tombstone", "formerType": former_type}


# -- events ------------------------------------------------------------------------------


def event_id(event: LocalEvent) -> str:
    """The ``Event``'s id: the event page's URL."""
    return addresses.absolute("civicforum.events.event", event_id=event.id)


def event_object(db: Session, event: LocalEvent) -> dict[str, Any]:
    """An event of the events plugin as an ``Event``, by the community's Group.

    Its organisers are not named: the community organises it, as on the event's
    schema.org data for search engines. ``location`` is a ``Place`` with the venue's name
    and address (``address`` as schema.org's, in plain text, as the event page shows it),
    and the link to join online as a ``Place`` with only a ``url``. The discussion topic
    is its ``context`` when anyone may read that topic.
    """
    community = event.community
    group = addresses.community_id(community.slug)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": event_id(event),
        "type": "Event",
        "name": event.title,
        "attributedTo": group,
        "audience": group,
        "to": [group, PUBLIC],
        "startTime": event.starts_at.isoformat(),
        "endTime": event.ends_at.isoformat(),
        "url": event_id(event),
        "published": event.created_at.isoformat(),
        "updated": event.updated_at.isoformat(),
    }
    if event.description:
        document["content"] = event.description_html
        document["mediaType"] = HTML
        document["source"] = {"content": event.description, "mediaType": MARKDOWN}
    places = _places(event)
    if places:
        document["location"] = places[0] if len(places) == 1 else places
    topic = event.topic
    if topic is not None and policy.can_view_topic(policy.ANONYMOUS, topic):
        document["context"] = topic_object_id(db, topic)
    return document


def _places(event: LocalEvent) -> list[dict[str, Any]]:
    """Where the event happens, as the plugin's own pages and schema.org data say it."""
    from ..events.models import AttendanceMode

    places: list[dict[str, Any]] = []
    if event.attendance_mode != AttendanceMode.ONLINE and (event.venue_name or event.venue_address):
        place: dict[str, Any] = {"type": "Place", "name": event.venue_name or event.venue_address}
        if event.venue_address:
            place["address"] = event.venue_address
        places.append(place)
    if event.online_url:
        places.append({"type": "Place", "url": event.online_url})
    return places
