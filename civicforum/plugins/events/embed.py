"""What the events plugin adds to a community's widget (``/embed/c/SLUG/latest``): the
next events, under "Coming up", with a link to the agenda.

Times are the site's (``CIVICFORUM_TIMEZONE``), as the rest of the widget's: a visitor
of an institution's home page reads them as local times, without zone names.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import url_for

from ... import clock, policy
from ...embed.sections import EmbedItem, EmbedSection
from ...extension import db_session, state
from ...forum.models import Community
from ...i18n import get_locale
from ...i18n import gettext as _
from . import display, queries
from .models import LocalEvent


def coming_up(community: Community, actor: policy.Actor, limit: int) -> EmbedSection | None:
    """At most ``limit`` events that have not ended, soonest first; None when the actor
    may not read the community or nothing is planned."""
    if not policy.can_view_community(actor, community):
        return None
    events = queries.coming_up(db_session(), community, clock.now(), limit)
    if not events:
        return None
    zone = ZoneInfo(state().settings.timezone)
    return EmbedSection(
        key="events",
        title=_("Coming up"),
        items=[
            EmbedItem(
                event.title,
                url_for("civicforum.events.event", event_id=event.id, _external=True),
                event.starts_at,
                detail=" · ".join(
                    part for part in (display.status_label(event), event.venue_name) if part
                ),
                when_text=when_text(event, zone),
            )
            for event in events
        ],
        more_url=url_for("civicforum.events.agenda", slug=community.slug, _external=True),
        more_label=_("All events"),
    )


def when_text(event: LocalEvent, zone: ZoneInfo) -> str:
    """When an event starts, as "Saturday, March 14, 2026, 7:30 PM": in the site's zone
    and the current language; the day alone for an event of whole days (an agenda's
    market), in its own zone."""
    locale = get_locale()
    own_zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(own_zone), event.ends_at.astimezone(own_zone)
    if start.time() == end.time() == dt.time():
        return format_date(start, "full", locale=locale)
    local = event.starts_at.astimezone(zone)
    # CLDR's narrow no-break space before "PM" is missing from many fonts (see i18n).
    hour = format_time(local, "short", tzinfo=zone, locale=locale).replace("\u202f", "\u00a0")
    return f"{format_date(local, 'full', locale=locale)}, {hour}"
