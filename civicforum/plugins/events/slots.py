"""What the events plugin adds to the forum's own pages, through template slots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, after_this_request, render_template, request
from markupsafe import Markup

from ... import policy
from ...clock import now
from ...extension import db_session, state
from . import display, queries, services


def render(slot: str, context: Mapping[str, Any]) -> Markup | None:
    actor: policy.Actor = context["actor"]
    if slot == "community_sidebar":
        return _coming_up(actor, context["community"])
    if slot == "topic_header":
        return _topic_event(actor, context["topic"])
    if slot == "forum_navigation" and actor.member is not None:
        return _notices(actor)
    return None


def _coming_up(actor: policy.Actor, community: Any) -> Markup | None:
    if not policy.can_view_community(actor, community):
        return None
    db = db_session()
    return _rendered(
        "civicforum/events/slot_sidebar.html",
        community=community,
        events=queries.coming_up(db, community, now()),
        can_organise=services.has_organiser_rights(db, actor, community),
        day=display.short_day,
        status_label=display.status_label,
    )


def _topic_event(actor: policy.Actor, topic: Any) -> Markup | None:
    db = db_session()
    event = services.discussed_in(db, topic)
    can_organise = event is None and services.has_organiser_rights(db, actor, topic.community)
    if event is None and not can_organise:
        return None
    return _rendered(
        "civicforum/events/slot_topic.html",
        topic=topic,
        event=event,
        when=display.when(event, state().settings.timezone) if event else "",
        status_label=display.status_label,
        can_organise=can_organise,
    )


def _notices(actor: policy.Actor) -> Markup | None:
    """Changes to events the member answered, shown once: on this visit."""
    assert actor.member is not None
    db = db_session()
    notices = services.unseen_notices(db, actor.member)
    if not notices:
        return None
    html = _rendered(
        "civicforum/events/slot_notices.html", notices=notices, text=display.notice_text
    )

    @after_this_request
    def seen(response: Response) -> Response:
        # Used up only by a page the member actually got to see.
        if request.method == "GET" and response.status_code == 200:
            services.mark_seen(db, notices)
        return response

    return html


def _rendered(template: str, **context: Any) -> Markup:
    """A plugin template's output, escaped by Jinja as it was rendered."""
    return Markup(render_template(template, **context))  # noqa: S704 (autoescaped)
