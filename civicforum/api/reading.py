"""Reading through the API: communities, topics, posts, house rules, the public
moderation log and reliable information; what the same person would see on the pages,
decided by the same policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from .. import clock, policy
from ..curation import queries as curation_queries
from ..curation.display import trust
from ..curation.models import VerifiedItem
from ..curation.workflow import get_item
from ..errors import NotAllowed
from ..errors import NotFound as Missing
from ..extension import db_session
from ..forum import queries, services
from ..forum.display import shown_author
from ..forum.models import Community, Post, Topic
from ..i18n import get_locale
from ..i18n import gettext as _
from ..moderation import transparency
from ..moderation.rules import community_rules
from . import cursors
from . import schemas as s
from .registry import Api

COMMUNITIES = ("Communities",)
TOPICS = ("Topics and posts",)
OPENNESS = ("House rules and moderation",)
INFORMATION = ("Reliable information",)


def link(endpoint: str, **values: Any) -> str | None:
    """An absolute link, or None when the endpoint is not there (a plugin is off)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except BuildError:
        return None


def require(verdict: policy.Verdict) -> None:
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)


def community_data(community: Community, actor: policy.Actor) -> dict[str, Any]:
    slug = community.slug
    links = {
        "self_": link("civicforum.api.getCommunity", slug=slug),
        "html": link("civicforum.community", slug=slug),
        "topics": link("civicforum.api.listTopics", slug=slug),
        "rules": link("civicforum.api.listRules", slug=slug),
        "information": link("civicforum.api.listInformation", slug=slug),
        "moderation_log": link("civicforum.api.listModerationLog", slug=slug),
        "events": link("civicforum.api.listEvents", slug=slug),
    }
    return {
        "id": community.id,
        "slug": slug,
        "name": community.name,
        "description_html": community.description_html,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "language": community.language,
        "readable": bool(policy.can_view_community(actor, community)),
        "links": {key: value for key, value in links.items() if value is not None},
    }


def topic_data(topic: Topic, actor: policy.Actor) -> dict[str, Any]:
    author = shown_author(topic, actor)
    return {
        "id": topic.id,
        "community": topic.community.slug,
        "title": topic.title,
        "author": {"name": author.name, "kind": author.kind},
        "created_at": topic.created_at,
        "last_activity_at": topic.last_posted_at,
        "locked": topic.is_locked,
        "held": topic.held,
        "links": {
            "self_": link("civicforum.api.getTopic", topic_id=topic.id),
            "html": link("civicforum.topic", topic_id=topic.id),
            "posts": link("civicforum.api.listPosts", topic_id=topic.id),
            "community": link("civicforum.api.getCommunity", slug=topic.community.slug),
        },
    }


def post_data(post: Post, actor: policy.Actor) -> dict[str, Any]:
    """A post as the topic page shows it to ``actor``: a hidden or deleted one keeps its
    place without its text, unless the policy lets this actor read it."""
    if post.is_deleted:
        state, readable = "deleted", False
    else:
        state = "held" if post.held else "hidden" if post.is_hidden else "published"
        readable = bool(policy.can_view_post(actor, post))
    author = shown_author(post, actor)
    return {
        "id": post.id,
        "topic_id": post.topic_id,
        "author": {"name": author.name, "kind": author.kind},
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "state": state,
        "content_warning": (post.content_warning or post.author_warning) if readable else None,
        "body": post.body if readable else None,
        "body_html": post.body_html if readable else None,
        "links": {
            "self_": link("civicforum.api.getPost", post_id=post.id),
            "html": link("civicforum.post", post_id=post.id),
            "topic": link("civicforum.api.getTopic", topic_id=post.topic_id),
        },
    }


def readable_community(slug: str, actor: policy.Actor) -> Community:
    community = services.get_community(db_session(), slug)
    require(policy.can_view_community(actor, community))
    return community


def readable_topic(topic_id: int, actor: policy.Actor) -> Topic:
    topic = queries.get_topic(db_session(), topic_id)
    require(policy.can_view_topic(actor, topic))
    return topic


def information_data(item: VerifiedItem, now: dt.datetime) -> dict[str, Any]:
    published = item.published
    assert published is not None  # only items on display are listed
    return {
        "id": item.id,
        "community": item.community.slug,
        "kind": item.kind,
        "title": published.title,
        "verdict": published.verdict,
        "body_html": published.body_html,
        "status": item.effective_status(now).value,
        "trusted": trust(item, now).badge,
        "health": item.health,
        "last_reviewed": item.reviewed_at,
        "review_due": item.review_due_at,
        "sources": [
            {"citation": src.citation, "url": src.url, "consulted_on": src.consulted_on}
            for src in published.sources
        ],
        "links": {
            "self_": link("civicforum.api.getInformation", item_id=item.id),
            "html": link("civicforum.item", item_id=item.id),
        },
    }


def register(api: Api) -> None:  # noqa: C901 - one declaration per operation
    @api.operation(
        "/communities",
        operation_id="listCommunities",
        summary="Every community, with whether the caller may read it",
        description="Names and descriptions of members-only communities are public (people ask to join them); their content is not.",
        tags=COMMUNITIES,
        response=s.CommunityList,
    )
    def list_communities() -> dict[str, Any]:
        actor = api.actor()
        return {"items": [community_data(c, actor) for c in queries.all_communities(db_session())]}

    @api.operation(
        "/communities/<slug>",
        operation_id="getCommunity",
        summary="One community",
        tags=COMMUNITIES,
        response=s.Community,
        errors=(404,),
    )
    def get_community(slug: str) -> dict[str, Any]:
        return community_data(services.get_community(db_session(), slug), api.actor())

    @api.operation(
        "/communities/<slug>/topics",
        operation_id="listTopics",
        summary="A community's topics, by latest activity",
        description="Keyset pages: pass `next_cursor` as `cursor` for the next one.",
        tags=TOPICS,
        query=s.Cursor,
        response=s.TopicPage,
        errors=(400, 403, 404),
    )
    def list_topics(slug: str, query: dict[str, Any]) -> dict[str, Any]:
        actor = api.actor()
        community = readable_community(slug, actor)
        after = cursors.decode(query.get("cursor"), "topics", (dt.datetime, int))
        limit = query["limit"]
        statement = (
            select(Topic)
            .where(
                Topic.community_id == community.id, policy.listed_topics_clause(actor, community)
            )
            .options(joinedload(Topic.author))
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
            .limit(limit + 1)
        )
        if after is not None:
            moment, topic_id = after
            statement = statement.where(
                or_(
                    Topic.last_posted_at < moment,
                    and_(Topic.last_posted_at == moment, Topic.id < topic_id),
                )
            )
        topics = list(db_session().scalars(statement))
        more = len(topics) > limit
        topics = topics[:limit]
        last = topics[-1] if topics else None
        return {
            "items": [topic_data(t, actor) for t in topics],
            "next_cursor": cursors.encode("topics", last.last_posted_at.isoformat(), last.id)
            if more and last
            else None,
        }

    @api.operation(
        "/topics/<int:topic_id>",
        operation_id="getTopic",
        summary="One topic",
        tags=TOPICS,
        response=s.Topic,
        errors=(403, 404),
    )
    def get_topic(topic_id: int) -> dict[str, Any]:
        actor = api.actor()
        return topic_data(readable_topic(topic_id, actor), actor)

    @api.operation(
        "/topics/<int:topic_id>/posts",
        operation_id="listPosts",
        summary="A topic's posts, in the order written",
        description="Hidden and deleted posts keep their place without their text, as on the page.",
        tags=TOPICS,
        query=s.Cursor,
        response=s.PostPage,
        errors=(400, 403, 404),
    )
    def list_posts(topic_id: int, query: dict[str, Any]) -> dict[str, Any]:
        actor = api.actor()
        topic = readable_topic(topic_id, actor)
        after = cursors.decode(query.get("cursor"), "posts", (int,))
        limit = query["limit"]
        statement = (
            select(Post)
            .where(Post.topic_id == topic.id, policy.listed_posts_clause(actor, topic.community))
            .options(joinedload(Post.author))
            .order_by(Post.id)
            .limit(limit + 1)
        )
        if after is not None:
            statement = statement.where(Post.id > after[0])
        posts = list(db_session().scalars(statement))
        more = len(posts) > limit
        posts = posts[:limit]
        return {
            "items": [post_data(p, actor) for p in posts],
            "next_cursor": cursors.encode("posts", posts[-1].id) if more and posts else None,
        }

    @api.operation(
        "/posts/<int:post_id>",
        operation_id="getPost",
        summary="One post",
        tags=TOPICS,
        response=s.Post,
        errors=(403, 404),
    )
    def get_post(post_id: int) -> dict[str, Any]:
        actor = api.actor()
        post = queries.get_post(db_session(), post_id)
        require(policy.can_view_topic(actor, post.topic))
        listed = post_listed(post, actor)
        if not listed:
            raise NotAllowed(listed.reason, listed.remedy, listed)
        return post_data(post, actor)

    @api.operation(
        "/communities/<slug>/rules",
        operation_id="listRules",
        summary="A community's house rules, in the language of the request",
        description="Public, also for members-only communities: anyone may know the rules before joining.",
        tags=OPENNESS,
        response=s.RuleList,
        errors=(404,),
    )
    def list_rules(slug: str) -> dict[str, Any]:
        db = db_session()
        community = services.get_community(db, slug)
        language = get_locale()
        return {
            "items": [
                {
                    "number": rule.number,
                    "title": rule.title(language),
                    "explanation": rule.explanation(language),
                }
                for rule in community_rules(db, community)
            ]
        }

    @api.operation(
        "/communities/<slug>/moderation-log",
        operation_id="listModerationLog",
        summary="The public moderation log of a community, newest first",
        description="What the moderators decided and on which ground, without who or what it concerned; public for members-only communities too.",
        tags=OPENNESS,
        query=s.Cursor,
        response=s.LogPage,
        errors=(400, 404),
    )
    def list_moderation_log(slug: str, query: dict[str, Any]) -> dict[str, Any]:
        db = db_session()
        community = services.get_community(db, slug)
        before = cursors.decode(query.get("cursor"), "log", (int,))
        limit = query["limit"]
        entries = transparency.public_log(
            db, community, limit=limit + 1, before_id=before[0] if before else None
        )
        language = get_locale()
        shown = entries[:limit]
        return {
            "items": [
                {
                    "id": entry_id,
                    "decided_at": entry.decided_at,
                    "measure": entry.measure.value,
                    "ground": entry.ground.value,
                    "rule_number": entry.rule_number,
                    "rule_title": entry.rule_title_nl if language == "nl" else entry.rule_title_en,
                    "on_notice": entry.on_notice,
                    "ends_at": entry.ends_at,
                    "lifted_at": entry.lifted_at,
                    "appeal_outcome": entry.appeal_outcome.value if entry.appeal_outcome else None,
                }
                for entry_id, entry in shown
            ],
            "next_cursor": cursors.encode("log", shown[-1][0])
            if len(entries) > limit and shown
            else None,
        }

    @api.operation(
        "/communities/<slug>/information",
        operation_id="listInformation",
        summary="A community's reliable information: verified articles and checked posts",
        tags=INFORMATION,
        response=s.InformationList,
        errors=(403, 404),
    )
    def list_information(slug: str) -> dict[str, Any]:
        actor = api.actor()
        community = readable_community(slug, actor)
        now = clock.now()
        items = curation_queries.community_items(db_session(), community)
        return {
            "items": [
                information_data(item, now)
                for item in items
                if policy.can_view_item(actor, item) and policy.is_on_display(item)
            ]
        }

    @api.operation(
        "/information/<int:item_id>",
        operation_id="getInformation",
        summary="One piece of reliable information, with its sources",
        tags=INFORMATION,
        response=s.Information,
        errors=(403, 404),
    )
    def get_information(item_id: int) -> dict[str, Any]:
        actor = api.actor()
        item = get_item(db_session(), item_id)
        require(policy.can_view_item(actor, item))
        if not policy.is_on_display(item):
            raise Missing(_("This information is not published (any more)."))
        return information_data(item, clock.now())


def post_listed(post: Post, actor: policy.Actor) -> policy.Verdict:
    """Whether the topic page would list this post for ``actor`` (held posts only for
    their author and the moderators)."""
    if post.held and not policy.can_view_post(actor, post):
        return policy.can_view_post(actor, post)
    return policy.ALLOW
