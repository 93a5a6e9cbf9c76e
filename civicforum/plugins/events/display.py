"""How events read on a page: times in the event's zone, labels, and schema.org JSON-LD."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_name

from ...i18n import get_locale
from ...i18n import gettext as _
from .forms import accessibility_choices, attendance_choices
from .models import AttendanceMode, EventNotice, EventStatus, LocalEvent, NoticeKind


def _local(event: LocalEvent) -> tuple[dt.datetime, dt.datetime, ZoneInfo]:
    zone = ZoneInfo(event.timezone)
    return event.starts_at.astimezone(zone), event.ends_at.astimezone(zone), zone


def when(event: LocalEvent, forum_zone: str) -> str:
    """"Saturday 14 March 2026, 19:30–21:00" in the page's language and the event's zone;
    the zone is named when it is not the forum's."""
    start, end, zone = _local(event)
    locale = get_locale()

    def clock(moment: dt.datetime) -> str:
        return format_time(moment, "short", tzinfo=zone, locale=locale).replace("\u202f", "\u00a0")

    day = format_date(start, "full", locale=locale)
    if start.time() == end.time() == dt.time():  # whole days, as agendas give markets
        last = end.date() - dt.timedelta(days=1)
        if last <= start.date():
            text = _("%(day)s, all day", day=day)
        else:
            text = f"{day} – {format_date(last, 'full', locale=locale)}"
    elif start.date() == end.date():
        text = f"{day}, {clock(start)}–{clock(end)}"
    else:
        text = f"{day}, {clock(start)} – {format_date(end, 'full', locale=locale)}, {clock(end)}"
    if event.timezone != forum_zone:
        text += f" ({get_timezone_name(zone, locale=locale)})"
    return text


def short_day(event: LocalEvent) -> str:
    start, _end, _zone = _local(event)
    return format_date(start, "medium", locale=get_locale())


def status_label(event: LocalEvent) -> str:
    return {
        EventStatus.SCHEDULED: "",
        EventStatus.CANCELLED: _("Cancelled"),
        EventStatus.POSTPONED: _("Postponed: new date to follow"),
        EventStatus.MOVED_ONLINE: _("Moved online"),
    }[EventStatus(event.status)]


def attendance_label(event: LocalEvent) -> str:
    return dict(attendance_choices())[event.attendance_mode]


def accessibility_labels(event: LocalEvent) -> list[str]:
    labels = dict(accessibility_choices())
    return [labels[feature.value] for feature in event.accessibility_features]


def notice_text(notice: EventNotice) -> str:
    event = notice.event
    day = short_day(event)
    texts = {
        NoticeKind.CANCELLED: _("“%(title)s” on %(day)s was cancelled.", title=event.title, day=day),
        NoticeKind.POSTPONED: _(
            "“%(title)s” on %(day)s is postponed; a new date will follow.",
            title=event.title,
            day=day,
        ),
        NoticeKind.MOVED_ONLINE: _(
            "“%(title)s” on %(day)s now takes place online only.", title=event.title, day=day
        ),
        NoticeKind.RESCHEDULED: _(
            "“%(title)s” has a new date: %(day)s. Your answer still stands; change it on the event page if that day does not suit you.",
            title=event.title,
            day=day,
        ),
        NoticeKind.PROMOTED: _(
            "A place came free at “%(title)s” on %(day)s: it is yours now.",
            title=event.title,
            day=day,
        ),
    }
    return texts[NoticeKind(notice.kind)]


_SCHEMA_STATUS = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    EventStatus.MOVED_ONLINE: "https://schema.org/EventMovedOnline",
}
_SCHEMA_MODE = {
    AttendanceMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    AttendanceMode.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    AttendanceMode.MIXED: "https://schema.org/MixedEventAttendanceMode",
}


def json_ld(
    event: LocalEvent,
    *,
    page_url: str,
    organiser_name: str,
    organiser_url: str,
    places_left: int | None,
) -> dict[str, Any]:
    """The event as a schema.org ``Event``, for search engines and calendar tools.

    The organiser is the community (an Organization), not the members who organise it:
    their forum names stay on the page, out of data made for machines to collect.
    """
    start, end, _zone = _local(event)
    places: list[dict[str, Any]] = []
    if event.attendance_mode != AttendanceMode.ONLINE and (event.venue_name or event.venue_address):
        place: dict[str, Any] = {"@type": "Place", "name": event.venue_name or event.venue_address}
        if event.venue_address:
            place["address"] = event.venue_address
        places.append(place)
    if event.online_url:
        places.append({"@type": "VirtualLocation", "url": event.online_url})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "eventStatus": _SCHEMA_STATUS[EventStatus(event.status)],
        "eventAttendanceMode": _SCHEMA_MODE[AttendanceMode(event.attendance_mode)],
        "organizer": {"@type": "Organization", "name": organiser_name, "url": organiser_url},
        "url": page_url,
    }
    if event.description:
        data["description"] = event.description
    if places:
        data["location"] = places[0] if len(places) == 1 else places
    if places_left is not None:
        data["remainingAttendeeCapacity"] = places_left
        data["maximumAttendeeCapacity"] = event.capacity
    return data
