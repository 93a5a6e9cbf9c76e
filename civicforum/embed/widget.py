"""What a widget holds: a community's latest discussions and the plugins' sections, as
plain data that the widget's page, its fragment, its JSON and a host's own templates all
show the same way.

A widget is public by nature (it sits on an institution's home page, in a newsletter, in
an app), so it shows only what an anonymous visitor may read, whoever asks: the policy
decides, with :data:`civicforum.policy.ANONYMOUS`. Everything in it is worded in the
widget's language and dated in the site's time zone before a template sees it, so a
host's template needs none of the forum's functions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import i18n, policy
from ..extension import db_session, state
from ..forum import queries
from ..forum.models import SLUG_MAX, Community, Topic
from ..i18n import gettext as _
from .params import DEFAULT_LIMIT, MAX_LIMIT
from .sections import EmbedItem, EmbedSection

log = logging.getLogger(__name__)

#: The section of the forum's own discussions, first in every widget.
DISCUSSIONS = "discussions"


@dataclass(frozen=True)
class ShownItem:
    """An item as the widget shows it: ``time`` is ISO 8601 (empty for none)."""

    title: str
    url: str
    time: str
    time_text: str
    detail: str


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    items: tuple[ShownItem, ...]
    when_label: str
    more_url: str | None
    more_label: str
    # Said when there are no items (the forum's own section only: plugins leave theirs out).
    empty_text: str


@dataclass(frozen=True)
class Widget:
    """A community's widget, in one language."""

    slug: str
    language: str
    community_name: str
    community_url: str
    more_label: str
    sections: tuple[ShownSection, ...]

    def as_json(self) -> dict[str, Any]:
        """The widget as the JSON of ``/embed/c/SLUG/latest.json``."""
        return {
            "community": {
                "slug": self.slug,
                "name": self.community_name,
                "url": self.community_url,
            },
            "language": self.language,
            "sections": [
                {
                    "key": section.key,
                    "title": section.title,
                    "more_url": section.more_url,
                    "items": [
                        {
                            "title": item.title,
                            "url": item.url,
                            "time": item.time or None,
                            "time_text": item.time_text,
                            "detail": item.detail,
                        }
                        for item in section.items
                    ],
                }
                for section in self.sections
            ],
        }


def public_community(db: Session, slug: str) -> Community | None:
    """The community at ``slug`` if an anonymous visitor may read it; None for a
    members-only or read-restricted community as for an unknown address, so a widget's
    answer never tells which communities exist."""
    if len(slug) > SLUG_MAX or "\x00" in slug:
        # No community has such an address; PostgreSQL would refuse to compare the NUL.
        return None
    community = db.scalar(select(Community).where(Community.slug == slug))
    if community is None or not policy.can_view_community(policy.ANONYMOUS, community):
        return None
    return community


def build_widget(db: Session, community: Community, limit: int) -> Widget:
    """The widget of a community an anonymous visitor may read, in the current language.

    :param limit: at most this many items in each section.
    :raises TypeError: when a plugin's ``civicforum_embed_sections`` returns something
        other than an :class:`EmbedSection` or None.
    """
    actor = policy.ANONYMOUS
    topics = queries.community_topics(
        db, community, 1, limit, listed=policy.listed_topics_clause(actor, community)
    ).items
    sections = [_discussions(topics)]
    answers = state().plugins.manager.hook.civicforum_embed_sections(
        community=community, actor=actor, limit=limit
    )
    for answer in reversed(answers):  # pluggy calls the last registered first
        if not isinstance(answer, EmbedSection):
            raise TypeError(
                "civicforum_embed_sections must return a civicforum.embed.sections."
                f"EmbedSection or None, not {answer!r}"
            )
        if answer.items:
            sections.append(_shown(answer, limit))
    return Widget(
        slug=community.slug,
        language=i18n.get_locale(),
        community_name=community.name,
        community_url=url_for("civicforum.community", slug=community.slug, _external=True),
        more_label=_("More in %(community)s", community=community.name),
        sections=tuple(sections),
    )


def _discussions(topics: Sequence[Topic]) -> ShownSection:
    section = EmbedSection(
        key=DISCUSSIONS,
        title=_("Latest discussions"),
        items=[
            EmbedItem(
                topic.title,
                url_for("civicforum.topic", topic_id=topic.id, _external=True),
                topic.last_posted_at,
            )
            for topic in topics
        ],
        when_label=_("Last post"),
    )
    return _shown(section, len(topics), empty_text=_("No discussions yet."))


def _shown(section: EmbedSection, limit: int, empty_text: str = "") -> ShownSection:
    return ShownSection(
        key=section.key,
        title=section.title,
        items=tuple(_shown_item(item) for item in list(section.items)[:limit]),
        when_label=section.when_label,
        more_url=section.more_url,
        more_label=section.more_label,
        empty_text=empty_text,
    )


def _shown_item(item: EmbedItem) -> ShownItem:
    time, time_text = "", item.when_text
    if item.when is not None:
        if item.when.tzinfo is None:
            raise ValueError(f"EmbedItem.when must know its time zone: {item!r}")
        local = item.when.astimezone(ZoneInfo(state().settings.timezone))
        time = local.isoformat(timespec="seconds")
        time_text = time_text or i18n.format_moment(item.when)
    return ShownItem(item.title, item.url, time, time_text, item.detail)


def widget_for_host(
    slug: str, limit: int = DEFAULT_LIMIT, lang: str | None = None
) -> Widget | None:
    """A community's widget for a host's own template (the Jinja global
    ``civicforum_widget``, which ``civicforum/embed/macros.html`` uses).

    The same public content as the widget's page, in the language of the host's page
    (``lang`` to choose one). A community that is unknown or not public gives None, so
    the host's page still renders when a community is closed; the log says why.

    :raises ValueError: for a ``limit`` outside 1 to 20 or a ``lang`` the forum does not
        offer: mistakes in the host's template, to be seen while building it.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"civicforum_widget: limit must be from 1 to {MAX_LIMIT}, not {limit!r}")
    offered = state().settings.languages
    if lang is not None and lang not in offered:
        raise ValueError(f"civicforum_widget: lang must be one of {offered!r}, not {lang!r}")
    db = db_session()
    community = public_community(db, slug)
    if community is None:
        log.warning("civicforum_widget: no public community at %r; nothing shown", slug)
        return None
    if lang is None:
        return build_widget(db, community, limit)
    with i18n.in_language(lang):
        return build_widget(db, community, limit)
