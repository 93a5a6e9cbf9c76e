"""The feeds' routes: public Atom feeds of a community, a topic and reliable information,
read as a visitor without an account reads the pages, and the private feeds a member's
feed key opens (see :mod:`.keys`).

Every feed answers conditional requests (``ETag``, ``Last-Modified``, 304) and, when
``CIVICFORUM_API_CORS_ORIGINS`` names origins, lets their pages read the public feeds.
Private addresses are left out of CORS: a page of another site has no business reading a
member's private feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_cors import cross_origin
from werkzeug.exceptions import NotFound

from .. import policy
from ..errors import NotFound as ForumNotFound
from ..extension import db_session, state
from ..forum import queries as forum_queries
from ..forum.models import Community, Topic
from ..i18n import get_locale
from ..i18n import gettext as _
from ..settings import Settings
from . import atom, content
from .keys import feed_actor, private_address, private_headers, readable_community
from .links import feed_links

# The date of a feed with nothing in it yet and nothing to date it by.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def register(bp: Blueprint, settings: Settings) -> None:
    public = _cors(settings.api_cors_origins)
    bp.add_url_rule("/c/<slug>/feed.atom", "community_feed_atom", public(community_feed))
    bp.add_url_rule("/t/<int:topic_id>/feed.atom", "topic_feed_atom", public(topic_feed))
    bp.add_url_rule("/information/feed.atom", "information_feed_atom", public(information_feed))
    bp.add_url_rule(
        "/c/<slug>/reliable/feed.atom",
        "community_information_feed_atom",
        public(community_information_feed),
    )
    bp.add_url_rule(
        "/feeds/<key>/c/<slug>.atom",
        "private_community_feed",
        private_address(private_community_feed),
    )
    bp.add_url_rule(
        "/feeds/<key>/t/<int:topic_id>.atom",
        "private_topic_feed",
        private_address(private_topic_feed),
    )
    bp.after_request(private_headers)
    bp.context_processor(feed_links)


def _cors(origins: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cross-origin reading for the configured origins; nothing when there are none."""
    if not origins:
        return lambda view: view
    anyone = origins == ("*",)
    return cross_origin(
        origins="*" if anyone else list(origins),
        methods=["GET", "HEAD", "OPTIONS"],
        send_wildcard=anyone,
        # Conditional requests from a page need these read and sent.
        expose_headers=["ETag", "Last-Modified"],
        allow_headers=["If-None-Match", "If-Modified-Since"],
    )


def _answer(feed: atom.Feed, entries: list[atom.Entry]) -> Response:
    """The feed as a response, or 304 when the reader's copy is current."""
    response = Response(atom.render(feed, entries), content_type=f"{atom.ATOM_TYPE}; charset=utf-8")
    response.last_modified = atom.latest_change(feed, entries)
    response.add_etag()
    # The same address answers in the reader's language.
    response.vary.add("Accept-Language")
    # Stored, but asked again each time (a 304 is cheap): a post a moderator hides
    # leaves the feed at once.
    response.cache_control.no_cache = True
    response.make_conditional(request)
    return response


def _feed(
    self_url: str, page_url: str, title: str, subtitle: str, updated: dt.datetime
) -> atom.Feed:
    return atom.Feed(
        self_url=self_url,
        page_url=page_url,
        title=title,
        subtitle=subtitle,
        author=state().settings.site_name,
        language=get_locale(),
        updated=updated,
    )


def _here(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


# -- communities and topics -------------------------------------------------------------


def _community_feed(actor: policy.Actor, community: Community, self_url: str) -> Response:
    site = state().settings.site_name
    feed = _feed(
        self_url,
        _here("civicforum.community", slug=community.slug),
        f"{community.name} · {site}",
        _("The latest topics in %(name)s", name=community.name),
        community.created_at,
    )
    return _answer(feed, content.community_entries(db_session(), actor, community))


def _topic_feed(actor: policy.Actor, topic: Topic, self_url: str) -> Response:
    feed = _feed(
        self_url,
        _here("civicforum.topic", topic_id=topic.id),
        topic.title,
        _(
            "The latest posts in “%(title)s”, %(name)s",
            title=topic.title,
            name=topic.community.name,
        ),
        topic.created_at,
    )
    return _answer(feed, content.topic_entries(db_session(), actor, topic))


def _public_community(slug: str) -> Community:
    """A community a visitor without an account may read; 404 for any other."""
    try:
        return readable_community(db_session(), policy.ANONYMOUS, slug)
    except ForumNotFound:
        raise NotFound() from None


def _viewable_topic(actor: policy.Actor, topic_id: int) -> Topic:
    try:
        topic = forum_queries.get_topic(db_session(), topic_id)
    except ForumNotFound:
        raise NotFound() from None
    # A topic waiting for approval has no feed, not even for its starter and the
    # moderators who see its page: what enters a feed reader cannot be taken back.
    if topic.held or not policy.can_view_topic(actor, topic):
        raise NotFound()
    return topic


def community_feed(slug: str) -> Response:
    community = _public_community(slug)
    return _community_feed(
        policy.ANONYMOUS, community, _here("civicforum.community_feed_atom", slug=slug)
    )


def topic_feed(topic_id: int) -> Response:
    topic = _viewable_topic(policy.ANONYMOUS, topic_id)
    return _topic_feed(
        policy.ANONYMOUS, topic, _here("civicforum.topic_feed_atom", topic_id=topic_id)
    )


def private_community_feed(key: str, slug: str) -> Response:
    db = db_session()
    actor = feed_actor(db, key)
    community = readable_community(db, actor, slug)
    return _community_feed(
        actor, community, _here("civicforum.private_community_feed", key=key, slug=slug)
    )


def private_topic_feed(key: str, topic_id: int) -> Response:
    actor = feed_actor(db_session(), key)
    topic = _viewable_topic(actor, topic_id)
    return _topic_feed(
        actor, topic, _here("civicforum.private_topic_feed", key=key, topic_id=topic_id)
    )


# -- reliable information ---------------------------------------------------------------


def information_feed() -> Response:
    db = db_session()
    site = state().settings.site_name
    actor = policy.ANONYMOUS
    feed = _feed(
        _here("civicforum.information_feed_atom"),
        _here("civicforum.index"),
        " · ".join([_("Reliable information"), site]),
        _(
            "Information the editors checked with sources, approved by a second editor, and check again by a set date."
        ),
        content.newest_readable_community(db, actor) or EPOCH,
    )
    return _answer(feed, content.information_entries(db, actor))


def community_information_feed(slug: str) -> Response:
    community = _public_community(slug)
    feed = _feed(
        _here("civicforum.community_information_feed_atom", slug=slug),
        _here("civicforum.reliable", slug=slug),
        _("Reliable information in %(name)s", name=community.name),
        _(
            "Information the editors checked with sources, approved by a second editor, and check again by a set date."
        ),
        community.created_at,
    )
    return _answer(feed, content.information_entries(db_session(), policy.ANONYMOUS, community))
