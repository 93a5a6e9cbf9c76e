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

TITLE_MAX = 300


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
    topic_id: int | None = None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(
            _("“%(zone)s” is not a known time zone.", zone=name), "timezone"
        ) from None


def _aware(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


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
    if not 1 <= len(title) <= TITLE_MAX:
        raise ServiceError(
            _("A title needs %(low)d to %(high)d characters.", low=1, high=TITLE_MAX), "title"
        )
    zone = _zone(details.timezone)
    starts = _aware(details.starts_at, zone).astimezone(dt.UTC)
    ends = _aware(details.ends_at, zone).astimezone(dt.UTC)
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


def apply_details(event: LocalEvent, details: EventDetails) -> None:
    title, starts, ends, url, accessibility = check_details(details)
    event.title = title
    event.description = details.description
    event.description_html = render_markdown(details.description)
    event.starts_at, event.ends_at = starts, ends
    event.timezone = details.timezone
    event.venue_name = details.venue_name.strip()
    event.venue_address = details.venue_address.strip()
    event.online_url = url
    event.attendance_mode = details.attendance_mode.value
    event.capacity = details.capacity
    event.show_places_left = details.show_places_left
    event.accessibility = accessibility
    event.topic_id = details.topic_id
