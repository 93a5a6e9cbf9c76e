"""Where pages point to feeds: the public feed of what a visitor without an account may
read (for ``<link rel="alternate">`` and a visible link), and a member's private
addresses on the page of a community that is closed to such visitors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, url_for
from werkzeug.routing import BuildError

from .. import policy
from ..extension import db_session, state
from ..forum.models import Community, Topic
from ..tokens.section import CONFIDENTIAL_PAGE
from ..tokens.services import feed_secret

# The settings section where a member makes, renews or stops their feed key.
SETTINGS_ANCHOR = "cf-feed-key"


def community_feed(community: Community) -> str | None:
    """The public feed of a community, when a visitor without an account may read it."""
    if not policy.can_view_community(policy.ANONYMOUS, community):
        return None
    return url_for("civicforum.community_feed_atom", slug=community.slug)


def topic_feed(topic: Topic) -> str | None:
    if not policy.can_view_topic(policy.ANONYMOUS, topic):
        return None
    return url_for("civicforum.topic_feed_atom", topic_id=topic.id)


def information_feed(community: Community) -> str | None:
    if not policy.can_view_community(policy.ANONYMOUS, community):
        return None
    return url_for("civicforum.community_information_feed_atom", slug=community.slug)


@dataclass(frozen=True)
class PrivateFeeds:
    """A member's private addresses for one community, or for a topic and its community.
    Without a feed key all are None and the page links to ``settings_url`` to make one;
    ``calendar`` is None also when the forum has no calendars (the events plugin is off)."""

    settings_url: str
    community: str | None = None
    topic: str | None = None
    calendar: str | None = None


def private_feeds(community: Community, topic: Topic | None = None) -> PrivateFeeds | None:
    """The signed-in member's private addresses, on a page closed to visitors without an
    account that the member may read; None elsewhere (there the public feed serves)."""
    actor = state().identity.current_actor()
    if (
        actor.member is None
        or policy.can_view_community(policy.ANONYMOUS, community)
        or not policy.can_view_community(actor, community)
        # A topic waiting for approval has no feed yet (see civicforum.feeds.views).
        or (topic is not None and (topic.held or not policy.can_view_topic(actor, topic)))
    ):
        return None
    settings_url = url_for("civicforum.settings", _anchor=SETTINGS_ANCHOR)
    key = feed_secret(db_session(), actor.member, state().settings.secret_key)
    if key is None:
        return PrivateFeeds(settings_url)
    # A page with a private address stays out of every cache (see civicforum.tokens).
    g.setdefault(CONFIDENTIAL_PAGE, True)
    return PrivateFeeds(
        settings_url,
        community=url_for(
            "civicforum.private_community_feed", key=key, slug=community.slug, _external=True
        ),
        topic=url_for("civicforum.private_topic_feed", key=key, topic_id=topic.id, _external=True)
        if topic is not None
        else None,
        calendar=_calendar(key, community),
    )


def _calendar(key: str, community: Community) -> str | None:
    try:
        return url_for(
            "civicforum.events.private_calendar", key=key, slug=community.slug, _external=True
        )
    except BuildError:  # the events plugin is not loaded
        return None


def feed_links() -> dict[str, Callable[..., Any]]:
    """The template functions (a context processor of the forum's blueprint)."""
    return {
        "cf_community_feed": community_feed,
        "cf_topic_feed": topic_feed,
        "cf_information_feed": information_feed,
        "cf_private_feeds": private_feeds,
    }
