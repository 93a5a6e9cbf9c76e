"""Pre-moderation: a community can hold a new member's first posts, or every post, until a
moderator approves them.

Held posts (and topics whose opening post is held) are seen by their author and the
community's moderators only; they are counted, listed and announced to plugins from the
moment they are approved. To turn a held post down, a moderator hides it with a measure
(:func:`civicforum.moderation.measures.take_measure`), which gives its author the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import policy
from ..errors import ServiceError
from ..events import PostPublished, TopicCreated, record
from ..forum.models import Community, Post, Topic
from ..forum.services import last_activity_at_least
from ..i18n import gettext as _
from .checks import lock, require, writing
from .models import ModerationSettings

#: The most first posts a community may hold for a new member.
MAX_HELD_FIRST_POSTS = 50


@dataclass(frozen=True)
class Premoderation:
    """A community's setting: hold the first ``hold_first_posts`` posts of each member
    (0: none), or everything."""

    hold_first_posts: int = 0
    hold_everything: bool = False


def premoderation(db: Session, community: Community) -> Premoderation:
    settings = db.get(ModerationSettings, community.id)
    if settings is None:
        return Premoderation()
    return Premoderation(settings.hold_first_posts, settings.hold_everything)


def set_premoderation(
    db: Session, actor: policy.Actor, community: Community, setting: Premoderation
) -> Premoderation:
    """Change a community's pre-moderation (moderators).

    :raises ServiceError: for a negative number of posts, or more than
        :data:`MAX_HELD_FIRST_POSTS`.
    """
    require(policy.can_moderate(actor, community))
    if not 0 <= setting.hold_first_posts <= MAX_HELD_FIRST_POSTS:
        raise ServiceError(
            _(
                "Hold between 0 and %(max)d of a new member's first posts for approval.",
                max=MAX_HELD_FIRST_POSTS,
            ),
            "hold_first_posts",
        )
    with writing(db):
        settings = db.get(ModerationSettings, community.id)
        if settings is None:
            settings = ModerationSettings(community_id=community.id)
            db.add(settings)
        settings.hold_first_posts = setting.hold_first_posts
        settings.hold_everything = setting.hold_everything
        db.commit()
    return setting


def held_posts(db: Session, community: Community) -> list[Post]:
    """The pre-moderation queue: held posts not yet turned down or deleted, oldest first."""
    query = (
        select(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Topic.community_id == community.id,
            Post.held.is_(True),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
        .options(joinedload(Post.topic), joinedload(Post.author))
        .order_by(Post.created_at, Post.id)
    )
    return list(db.scalars(query))


def _opens_topic(db: Session, post: Post) -> bool:
    first = db.scalar(select(Post.id).where(Post.topic_id == post.topic_id).order_by(Post.id))
    return first == post.id


def publish_held(db: Session, post: Post) -> None:
    """Make a held post (and the topic it opens) visible, counted and announced; for the
    services of this package, inside their transaction."""
    if not post.held:
        return
    topic = post.topic
    post.held = False
    community_id = topic.community_id
    author_id = post.author_id or 0
    if topic.held and _opens_topic(db, post):
        # The opening post was counted with its topic from the start.
        topic.held = False
        record(db, TopicCreated(topic.id, community_id, author_id))
    else:
        topic.post_count = Topic.post_count + 1
    topic.last_posted_at = last_activity_at_least(post.created_at)
    db.flush()
    record(db, PostPublished(post.id, topic.id, community_id, author_id))


def approve(db: Session, actor: policy.Actor, post: Post) -> Post:
    """Publish a held post (moderators).

    :raises ServiceError: when the post is not waiting (approved, turned down or deleted).
    """
    require(policy.can_moderate(actor, post.topic.community))
    with writing(db):
        post = lock(db, post)
        if not post.held or post.is_hidden or post.is_deleted:
            raise ServiceError(_("This post is not waiting for approval."))
        publish_held(db, post)
        db.commit()
    db.refresh(post.topic)
    return post
