"""What an organiser fills in about an event, and the rules it must meet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...errors import ServiceError
from ...i18n import gettext as _
from ...markup import render_markdown
from .models import DEFAULT_TIMEZONE, Accessibility, AttendanceMode, LocalEvent

# The discussion topic carries the event's title, so the forum's minimum holds here too.
TITLE_MIN = 3
TITLE_MAX = 300
VENUE_NAME_MAX = 200
VENUE_ADDRESS_MAX = 500
ONLINE_URL_MAX = 1000


@dataclass(frozen=True)
class EventDetails:
    """What an organiser fills in. Naive times are wall-clock times in ``timezone``."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    description: str = ""
    timezone: str = DEFAULT_TIMEZONE
    venue_name: str = ""
    venue_address: str = ""
    online_url: str | None = None
    attendance_mode: AttendanceMode = AttendanceMode.IN_PERSON
    capacity: int | None = None
    show_places_left: bool = False
    accessibility: Sequence[str] = ()
    # Only when planning: the topic the event is discussed in (a new one when None).
    topic_id: int | None = None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # A name too long for a file name is an OSError of the zone files' lookup.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ServiceError(
            _("“%(zone)s” is not a known time zone.", zone=name), "timezone"
        ) from None


def _aware(moment: dt.datetime, zone: ZoneInfo, field: str) -> dt.datetime:
    """A wall-clock time in ``zone``; one the clocks skip (going forward) is refused."""
    if moment.tzinfo is not None:
        return moment
    aware = moment.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise ServiceError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks skip that hour. Choose another time.",
                time=moment.strftime("%Y-%m-%d %H:%M"),
                zone=zone.key,
            ),
            field,
        )
    return aware


def check_online_url(details: EventDetails) -> str | None:
    url = (details.online_url or "").strip() or None
    if details.attendance_mode == AttendanceMode.IN_PERSON:
        if url is not None:
            raise ServiceError(
                _("An online link is only for events people can join online."), "online_url"
            )
        return None
    if url is None:
        raise ServiceError(_("Give the link where people join online."), "online_url")
    if len(url) > ONLINE_URL_MAX:
        raise ServiceError(
            _("The online link can have at most %(max)d characters.", max=ONLINE_URL_MAX),
            "online_url",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ServiceError(
            _("The online link must be a web address starting with https:// or http://."),
            "online_url",
        )
    return url


def check_details(details: EventDetails) -> tuple[str, dt.datetime, dt.datetime, str | None, str]:
    """The cleaned title, times (UTC), link and accessibility keys; or a ServiceError."""
    title = " ".join(details.title.split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ServiceError(
            _("A title needs %(low)d to %(high)d characters.", low=TITLE_MIN, high=TITLE_MAX),
            "title",
        )
    _check_venue(details)
    zone = _zone(details.timezone)
    starts = _aware(details.starts_at, zone, "starts_at").astimezone(dt.UTC)
    ends = _aware(details.ends_at, zone, "ends_at").astimezone(dt.UTC)
    if ends <= starts:
        raise ServiceError(_("An event must end after it starts."), "ends_at")
    capacity = details.capacity
    if capacity is not None and (isinstance(capacity, bool) or capacity < 1):
        raise ServiceError(
            _("The number of places must be at least 1, or left empty for no limit."),
            "capacity",
        )
    url = check_online_url(details)
    known = {item.value for item in Accessibility}
    keys = list(dict.fromkeys(details.accessibility))
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ServiceError(
            _("Unknown accessibility feature: %(keys)s.", keys=", ".join(unknown)),
            "accessibility",
        )
    return title, starts, ends, url, ",".join(keys)


def _check_venue(details: EventDetails) -> None:
    for value, limit, field in (
        (details.venue_name, VENUE_NAME_MAX, "venue_name"),
        (details.venue_address, VENUE_ADDRESS_MAX, "venue_address"),
    ):
        if len(value.strip()) > limit:
            raise ServiceError(
                _("This can have at most %(max)d characters.", max=limit), field
            )


def apply_details(event: LocalEvent, details: EventDetails) -> None:
    title, starts, ends, url, accessibility = check_details(details)
    event.title = title
    event.description = details.description
    event.description_html = render_markdown(details.description)
    event.starts_at, event.ends_at = starts, ends
    event.timezone = details.timezone
    # An event held only online has no venue (a moved event keeps its old one aside).
    online_only = details.attendance_mode == AttendanceMode.ONLINE
    event.venue_name = "" if online_only else details.venue_name.strip()
    event.venue_address = "" if online_only else details.venue_address.strip()
    event.online_url = url
    event.attendance_mode = details.attendance_mode.value
    event.capacity = details.capacity
    event.show_places_left = details.show_places_left
    event.accessibility = accessibility
