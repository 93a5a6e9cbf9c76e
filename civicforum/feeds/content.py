"""What each feed holds, for one actor: the entries of a community, a topic and reliable
information.

Visibility is the policy's, asked the same way the pages ask it (the lists' clauses,
then each topic, post and item). Feeds go further than pages in one way only: what
waits for approval, what a moderator hid and what was deleted is left out for everyone,
its author and the moderators too, since an entry, once in a feed reader, cannot be
taken back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from .. import clock, policy
from ..curation.display import trust
from ..curation.models import SHOWN, ItemKind, ItemRevision, ItemStatus, VerifiedItem
from ..extension import state
from ..forum.display import shown_author
from ..forum.models import Community, Post, Topic
from ..i18n import format_day, gettext, ngettext
from .atom import Entry

#: How many of the latest topics, posts and items a feed holds.
TOPICS = 30
POSTS = 50
ITEMS = 30

ENTRY_TEMPLATE = "civicforum/feeds/entry.html"


def _templates() -> Any:
    """The macros that write an entry's HTML, in the request's language."""
    template = current_app.jinja_env.get_template(ENTRY_TEMPLATE)
    return template.make_module(
        {
            "_": gettext,
            "ngettext": ngettext,
            "cf_day": format_day,
            "site_name": state().settings.site_name,
        }
    )


def _in_public(post: Post) -> bool:
    """Whether a post is for everyone who may read its topic: not held, hidden or deleted."""
    return not (post.held or post.is_hidden or post.is_deleted)


def _author(item: Post | Topic) -> str:
    # The name strangers see: an anonymous post never names a person, not even in the
    # author's own private feed, which may be read on a shared screen.
    return shown_author(item, policy.ANONYMOUS).name


def community_entries(db: Session, actor: policy.Actor, community: Community) -> list[Entry]:
    """The community's latest topics by last activity, each with its opening post.

    A topic whose opening post is not for everyone (held, hidden, deleted) is left out:
    its title alone would tell more than the topic page does.
    """
    topics = list(
        db.scalars(
            select(Topic)
            .where(
                Topic.community_id == community.id,
                Topic.held.is_(False),
                policy.listed_topics_clause(actor, community),
            )
            .options(joinedload(Topic.author))
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
            .limit(TOPICS)
        )
    )
    openings = _opening_posts(db, [topic.id for topic in topics])
    templates = _templates()
    entries = []
    for topic in topics:
        opening = openings.get(topic.id)
        if (
            opening is None
            or not _in_public(opening)
            or not policy.can_view_topic(actor, topic)
            or not policy.can_view_post(actor, opening)
        ):
            continue
        url = url_for("civicforum.topic", topic_id=topic.id, _external=True)
        entries.append(
            Entry(
                id=url,
                title=topic.title,
                url=url,
                updated=topic.last_posted_at,
                published=topic.created_at,
                author=_author(topic),
                content_html=str(templates.post(opening, url)),
            )
        )
    return entries


def _opening_posts(db: Session, topic_ids: list[int]) -> dict[int, Post]:
    if not topic_ids:
        return {}
    first = select(func.min(Post.id)).where(Post.topic_id.in_(topic_ids)).group_by(Post.topic_id)
    posts = db.scalars(select(Post).where(Post.id.in_(first)).options(joinedload(Post.author)))
    return {post.topic_id: post for post in posts}


def topic_entries(db: Session, actor: policy.Actor, topic: Topic) -> list[Entry]:
    """The topic's latest posts, newest first."""
    posts = db.scalars(
        select(Post)
        .where(
            Post.topic_id == topic.id,
            Post.held.is_(False),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
            policy.listed_posts_clause(actor, topic.community),
        )
        .options(joinedload(Post.author))
        .order_by(Post.id.desc())
        .limit(POSTS)
    )
    opening_id = db.scalar(select(func.min(Post.id)).where(Post.topic_id == topic.id))
    templates = _templates()
    entries = []
    for post in posts:
        if not _in_public(post) or not policy.can_view_post(actor, post):
            continue
        author = _author(post)
        url = url_for("civicforum.post", post_id=post.id, _external=True)
        title = (
            topic.title
            if post.id == opening_id
            else gettext("%(author)s on “%(topic)s”", author=author, topic=topic.title)
        )
        entries.append(
            Entry(
                id=url,
                title=title,
                url=url,
                updated=post.edited_at or post.created_at,
                published=post.created_at,
                author=author,
                content_html=str(templates.post(post, url)),
            )
        )
    return entries


def information_entries(
    db: Session, actor: policy.Actor, community: Community | None = None
) -> list[Entry]:
    """Reliable information (the articles a community's "reliable information" page
    lists), most recently checked first: of one community, or of every community the
    actor may read."""
    query = (
        select(VerifiedItem)
        .join(Community, VerifiedItem.community_id == Community.id)
        .where(
            VerifiedItem.kind == ItemKind.ARTICLE.value,
            VerifiedItem.published_revision_id.is_not(None),
            VerifiedItem.status.in_([s.value for s in SHOWN] + [ItemStatus.IN_REVIEW.value]),
            policy.readable_communities_clause(actor),
        )
        .options(
            contains_eager(VerifiedItem.community),
            joinedload(VerifiedItem.published).selectinload(ItemRevision.sources),
        )
        .order_by(VerifiedItem.reviewed_at.desc(), VerifiedItem.id.desc())
        .limit(ITEMS)
    )
    if community is not None:
        query = query.where(VerifiedItem.community_id == community.id)
    return _information(actor, db.scalars(query).unique())


def _information(actor: policy.Actor, items: Iterable[VerifiedItem]) -> list[Entry]:
    templates = _templates()
    about = url_for("civicforum.about_verified", _external=True)
    site = state().settings.site_name
    now = clock.now()
    entries = []
    for item in items:
        published = item.published
        if (
            published is None
            or not policy.can_view_item(actor, item)
            or not policy.is_on_display(item)
        ):
            continue
        url = url_for("civicforum.item", item_id=item.id, _external=True)
        entries.append(
            Entry(
                id=url,
                title=published.title,
                url=url,
                updated=item.reviewed_at or published.created_at,
                published=item.created_at,
                # The editors speak as the institution: the forum names no person here.
                author=site,
                content_html=str(templates.information(item, trust(item, now), about)),
            )
        )
    return entries


def newest_readable_community(db: Session, actor: policy.Actor) -> dt.datetime | None:
    """When the newest community the actor may read began: the date of an empty feed
    that spans communities."""
    found: dt.datetime | None = db.scalar(
        select(func.max(Community.created_at)).where(policy.readable_communities_clause(actor))
    )
    return found
