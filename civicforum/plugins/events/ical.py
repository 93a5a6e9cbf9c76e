"""Local events to and from iCalendar (RFC 5545): the forum's feed and institutions' agendas.

Standard properties carry what any calendar app should show; ``X-CIVICFORUM-*`` ones what
RFC 5545 cannot say (postponed, moved online, how people attend), so a feed read back by
:func:`parse_calendar` gives the events it was written from. Reading an agenda:

- A start time with neither DTEND nor DURATION is skipped, not given an invented length:
  RFC 5545 makes it end when it starts, and "until 11:00" on a page would mislead. So are
  zero-length events. A date (all-day) start without an end lasts one day (RFC 5545).
- All-day events run from midnight to midnight (end exclusive) in the calendar's zone:
  X-WR-TIMEZONE, else ``default_timezone``. Floating times are read in that zone; UTC,
  Windows zone names and zones the file defines are shown in it. IANA TZIDs are kept.
- Recurring events (RRULE, RDATE) and changed occurrences (RECURRENCE-ID) are skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...clock import now

# icalendar (with dateutil, ~4 MiB a process) is imported by what reads or writes a file:
# the pages of a forum that nobody asks a calendar of never load it.
if TYPE_CHECKING:
    from icalendar import Calendar, Component, Event

EventStatus = Literal["scheduled", "cancelled", "postponed", "moved_online"]
AttendanceMode = Literal["in_person", "online", "mixed"]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_POSTPONED_NOTE = "Postponed: a new date will be announced."
_STANDARD_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
_X_STATUS = "X-CIVICFORUM-STATUS"  # SCHEDULED, CANCELLED, POSTPONED or MOVED-ONLINE
_X_ATTENDANCE = "X-CIVICFORUM-ATTENDANCE-MODE"  # IN-PERSON, ONLINE or MIXED
_X_LOCATION = "X-CIVICFORUM-LOCATION"  # the venue of an event that moved online


class CalendarError(Exception):
    """An iCalendar file cannot be read, so nothing of it was taken. The message names the
    component (``"VEVENT #3 (uid=…)"``), then what is wrong."""

    def __init__(self, component: str, problem: str) -> None:
        self.component = component
        self.problem = problem
        super().__init__(f"{component}: {problem}")


@dataclasses.dataclass(frozen=True)
class CalendarEvent:
    """One event as iCalendar sees it: times timezone-aware, ``end`` exclusive, an all-day
    event from midnight to midnight in ``timezone``. ``url`` is the event's own page.

    :raises ValueError: naming the field, when a value is impossible.
    """

    uid: str
    summary: str
    description: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    location: str | None = None
    url: str | None = None
    status: EventStatus = "scheduled"
    attendance_mode: AttendanceMode = "in_person"
    online_url: str | None = None
    last_modified: dt.datetime | None = None
    sequence: int = 0
    all_day: bool = False

    def __post_init__(self) -> None:
        if not self.uid.strip() or not self.summary.strip():
            raise ValueError("uid and summary must not be empty")
        zone = _zone(self.timezone)
        if zone is None:
            raise ValueError(f"timezone: {self.timezone!r} is not an IANA time zone name")
        for name in ("start", "end", "last_modified"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        _check_choice("status", self.status, EventStatus, ValueError)
        _check_choice("attendance_mode", self.attendance_mode, AttendanceMode, ValueError)
        for name in ("url", "online_url"):
            if getattr(self, name) is not None and not _is_web_address(getattr(self, name)):
                raise ValueError(f"{name} must be an http or https address")
        midnights = {t.astimezone(zone).time() for t in (self.start, self.end)} == {dt.time()}
        if self.all_day and not midnights:
            raise ValueError("an all-day event starts and ends at midnight in its timezone")


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A VEVENT an import left out (by UID: one without is an error), and why."""

    uid_or_index: str
    reason: str


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """What :func:`parse_calendar` read: every event it took, every one it left out."""

    events: tuple[CalendarEvent, ...]
    skipped: tuple[Skipped, ...]
    calendar_name: str | None
    timezone: str


def export_calendar(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    prodid_site: str,
    url_for_event: Callable[[CalendarEvent], str],
    timezone: str = DEFAULT_TIMEZONE,
    postponed_note: str = DEFAULT_POSTPONED_NOTE,
) -> bytes:
    """An RFC 5545 calendar of ``events``: the feed, or one event to add to a calendar.

    Postponed is TENTATIVE with ``postponed_note`` as the description's first paragraph;
    moved online is CONFIRMED with the online address as LOCATION (and, as for every
    online address, as CONFERENCE: RFC 7986). Times keep whole seconds.

    :param events: the events, in the order they should appear.
    :param name: the calendar's name in calendar apps (X-WR-CALNAME).
    :param prodid_site: who publishes the calendar, e.g. the institution's domain.
    :param url_for_event: the address of an event's public page, given as its URL.
    :param timezone: the calendar's zone (X-WR-TIMEZONE), in which all-day events are.
    :param postponed_note: one paragraph, in the feed's language.
    :raises ValueError: for an unknown ``timezone``, two events with one UID, an all-day
        event in another zone than the calendar, or a note that is not one paragraph.
    """
    if not postponed_note.strip() or "\n\n" in postponed_note:
        raise ValueError("postponed_note must be one non-empty paragraph")
    if _zone(timezone) is None:
        raise ValueError(f"timezone: {timezone!r} is not an IANA time zone name")
    from icalendar import Calendar, Timezone

    cal = Calendar()
    cal.add("PRODID", f"-//{prodid_site}//civicforum//EN")
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("X-WR-CALNAME", name)
    cal.add("X-WR-TIMEZONE", timezone)
    uids: set[str] = set()
    for event in events:
        if event.uid in uids:
            raise ValueError(f"two events have the UID {event.uid!r}")
        if event.all_day and event.timezone != timezone:
            raise ValueError(f"all-day event {event.uid!r} is not in the calendar's {timezone}")
        uids.add(event.uid)
        cal.add_component(_vevent(event, url_for_event(event), postponed_note))
    years = [moment.year for event in cal.events for moment in (event.start, event.end)]
    if years:  # a VTIMEZONE for every TZID used, covering the years of the events
        cal.add_missing_timezones(dt.date(min(years) - 1, 1, 1), dt.date(max(years) + 2, 1, 1))
    else:
        # RFC 5545 wants at least one component: an empty feed describes its own zone.
        year = now().year
        cal.add_component(
            Timezone.from_tzid(
                timezone, first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 2, 1, 1)
            )
        )
    return bytes(cal.to_ical())


def _vevent(event: CalendarEvent, page: str, postponed_note: str) -> Event:
    from icalendar import Event

    vevent = Event()
    vevent.add("UID", event.uid)
    # Without METHOD, RFC 5545 makes DTSTAMP the time of the last revision.
    vevent.add("DTSTAMP", _utc_seconds(event.last_modified or now()))
    zone = ZoneInfo(event.timezone)
    for prop, moment in (("DTSTART", event.start), ("DTEND", event.end)):
        local = moment.astimezone(zone).replace(microsecond=0)
        if event.all_day:
            vevent.add(prop, local.date())
        elif local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
            # The second pass through the hour the clocks go back: with a TZID that wall
            # time means the first (RFC 5545 §3.3.5), so it can only be written in UTC.
            vevent.add(prop, local.astimezone(dt.UTC))
        else:
            vevent.add(prop, local)
    vevent.add("SUMMARY", event.summary)
    description = event.description
    if event.status == "postponed":
        description = f"{postponed_note}\n\n{description}" if description else postponed_note
    moved = event.status == "moved_online"
    optional = {
        "DESCRIPTION": description,
        "LOCATION": event.online_url if moved else event.location or event.online_url,
        _X_LOCATION: event.location if moved else None,
        "LAST-MODIFIED": event.last_modified and _utc_seconds(event.last_modified),
    }
    for prop, value in optional.items():
        if value:
            vevent.add(prop, value)
    vevent.add("URL", page)
    if event.online_url:
        vevent.add("CONFERENCE", event.online_url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    vevent.add("STATUS", _STANDARD_STATUS.get(event.status, "CONFIRMED"))
    vevent.add(_X_STATUS, event.status.upper().replace("_", "-"))
    vevent.add(_X_ATTENDANCE, event.attendance_mode.upper().replace("_", "-"))
    vevent.add("SEQUENCE", event.sequence)
    return vevent


def fingerprint(event: CalendarEvent) -> str:
    """A stable hash of what a visitor sees of ``event``, to tell an update from a repeat:
    the same whatever SEQUENCE, LAST-MODIFIED or DTSTAMP say and in whichever zone the
    times are given, another after any change that shows.

    :param event: the event, e.g. as just read by :func:`parse_calendar`.
    """
    shown = dataclasses.asdict(event) | {"v": 1}
    for bookkeeping in ("uid", "sequence", "last_modified"):
        del shown[bookkeeping]
    for moment in ("start", "end"):
        shown[moment] = _utc_seconds(shown[moment]).isoformat()
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()


def parse_calendar(data: bytes, *, default_timezone: str = DEFAULT_TIMEZONE) -> ImportResult:
    """Read an institution's agenda: all of it, or nothing (see the module's notes).

    :param data: the iCalendar file, in UTF-8 as RFC 5545 requires.
    :param default_timezone: the forum's zone, for when the file sets no X-WR-TIMEZONE.
    :raises CalendarError: when the file is no iCalendar file, or a VEVENT has no UID, a
        broken date, an unknown TZID, an end before its start, or another broken property.
    """
    cal = _read_calendar(data)
    calendar_tz = str(cal.get("X-WR-TIMEZONE") or default_timezone)
    if _zone(calendar_tz) is None:
        raise CalendarError("VCALENDAR", f"X-WR-TIMEZONE {calendar_tz!r} is not a known time zone")
    tzids = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    events: list[CalendarEvent] = []
    skipped: list[Skipped] = []
    labels: dict[str, str] = {}
    for index, vevent in enumerate(cal.walk("VEVENT"), start=1):
        uid = _text(vevent, "UID", f"VEVENT #{index}")
        if not uid:
            raise CalendarError(f"VEVENT #{index}", "has no UID")
        label = f"VEVENT #{index} (uid={uid})"
        if vevent.errors:
            prop, problem = vevent.errors[0]
            raise CalendarError(label, f"{prop or 'a line'} cannot be read: {problem}")
        if "RECURRENCE-ID" not in vevent:  # a changed occurrence shares its series' UID
            if uid in labels:
                raise CalendarError(label, f"has the same UID as {labels[uid]}")
            labels[uid] = label
        outcome = _EventReader(vevent, label, calendar_tz, tzids).read(uid)
        if isinstance(outcome, str):
            skipped.append(Skipped(uid, outcome))
        else:
            events.append(outcome)
    name = cal.get("X-WR-CALNAME")
    return ImportResult(tuple(events), tuple(skipped), str(name) if name else None, calendar_tz)


def _read_calendar(data: bytes) -> Calendar:
    if not data.strip():
        raise CalendarError("calendar file", "is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CalendarError("calendar file", f"is not UTF-8 text (byte {error.start})") from None
    if "\x00" in text or not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise CalendarError("calendar file", "is not an iCalendar file (no BEGIN:VCALENDAR)")
    from icalendar import Calendar

    try:  # bytes, never str: icalendar takes a str without line breaks for a file path
        components = Calendar.from_ical(text.encode(), multiple=True)
    except ValueError as error:
        raise CalendarError("calendar file", f"cannot be read as iCalendar: {error}") from None
    if len(components) != 1:
        problem = f"holds {len(components)} VCALENDARs" if components else "has no END:VCALENDAR"
        raise CalendarError("calendar file", f"{problem}; expected one, complete")
    for component in components[0].walk():  # VEVENTs are named by number and UID, later
        if component.errors and component.name != "VEVENT":
            prop, problem = component.errors[0]
            raise CalendarError(
                str(component.name), f"{prop or 'a line'} cannot be read: {problem}"
            )
    return components[0]


class _EventReader:
    """One VEVENT, read into a :class:`CalendarEvent`, a reason to skip it, or an error."""

    def __init__(self, vevent: Component, label: str, calendar_tz: str, tzids: set[str]) -> None:
        self.vevent = vevent
        self.label = label
        self.calendar_tz = calendar_tz
        self.defined_tzids = tzids
        self.event_tz: str | None = None  # the first IANA TZID of DTSTART and DTEND

    def read(self, uid: str) -> CalendarEvent | str:
        vevent = self.vevent
        if "DTEND" in vevent and "DURATION" in vevent:
            raise self._fail("has both DTEND and DURATION; RFC 5545 allows one")
        start_value = self._value("DTSTART")
        all_day = not isinstance(start_value, dt.datetime)
        start = self._moment("DTSTART", start_value)
        end = self._end(start, all_day)
        if end is not None and end < start:
            raise self._fail(f"ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        recurrence = [prop for prop in ("RRULE", "RDATE", "RECURRENCE-ID") if prop in vevent]
        summary = self._text("SUMMARY")
        if recurrence:
            return f"is a recurring event ({', '.join(recurrence)}); recurring agendas cannot be imported yet"
        if not summary or not summary.strip():
            return "has no title (SUMMARY)"
        if end is None:
            return "has a start time but no end (DTEND or DURATION); the forum does not guess how long it lasts"
        if end == start:
            return "has no length (it ends when it starts)"
        status = self._status()
        description = self._text("DESCRIPTION") or ""
        if status == "postponed" and _X_STATUS in vevent:
            description = description.partition("\n\n")[2]  # the note export_calendar added
        location = self._text("LOCATION") or None
        online_url = self._online_url(location)
        if location == online_url or status == "moved_online":
            location = (self._text(_X_LOCATION) or None) if status == "moved_online" else None
        attendance = ("mixed" if location else "online") if online_url else "in_person"
        if mode := self._text(_X_ATTENDANCE):
            attendance = _check_choice(_X_ATTENDANCE, _from_x(mode), AttendanceMode, self._fail)
        url = self._text("URL") or None
        if url is not None and not _is_web_address(url):
            raise self._fail(f"URL {url!r} is not an http or https address")
        modified = self._value("LAST-MODIFIED") if "LAST-MODIFIED" in vevent else None
        sequence = vevent.get("SEQUENCE", 0)
        if not isinstance(sequence, int) or not isinstance(modified, dt.datetime | None):
            raise self._fail("SEQUENCE or LAST-MODIFIED is not one number or date-time")
        timezone = self.calendar_tz if all_day else (self.event_tz or self.calendar_tz)
        return CalendarEvent(
            uid=uid,
            summary=summary,
            description=description,
            start=start.astimezone(ZoneInfo(timezone)),
            end=end.astimezone(ZoneInfo(timezone)),
            timezone=timezone,
            location=location,
            url=url,
            status=status,
            attendance_mode=attendance,  # type: ignore[arg-type]  # one of them: checked
            online_url=online_url,
            last_modified=None if modified is None else _utc_seconds(modified),
            sequence=int(sequence),
            all_day=all_day,
        )

    def _fail(self, problem: str) -> CalendarError:
        return CalendarError(self.label, problem)

    def _text(self, prop: str) -> str | None:
        return _text(self.vevent, prop, self.label)

    def _value(self, prop: str) -> Any:
        value = self.vevent.get(prop)
        if value is None:
            raise self._fail(f"has no {prop}")
        if isinstance(value, list):
            raise self._fail(f"has {len(value)} {prop} properties; expected one")
        return value.dt

    def _moment(self, prop: str, value: dt.date) -> dt.datetime:
        """The moment a DTSTART or DTEND value stands for, timezone-aware."""
        calendar_zone = ZoneInfo(self.calendar_tz)
        if not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time(), calendar_zone)
        tzid, zone = self.vevent[prop].params.get("TZID"), value.tzinfo
        # icalendar remembers zones defined by files it read before: only this one counts.
        if tzid is not None and not (
            isinstance(zone, ZoneInfo) or (zone is not None and tzid in self.defined_tzids)
        ):
            raise self._fail(f"{prop} has an unknown time zone TZID={tzid!r} (no VTIMEZONE)")
        if zone is None:  # floating: the calendar's clock
            return value.replace(tzinfo=calendar_zone)
        if isinstance(zone, ZoneInfo) and zone.key == tzid and tzid != "UTC":
            self.event_tz = self.event_tz or tzid
        return value

    def _end(self, start: dt.datetime, all_day: bool) -> dt.datetime | None:
        if "DTEND" in self.vevent:
            end_value = self._value("DTEND")
            if isinstance(end_value, dt.datetime) == all_day:
                raise self._fail("DTEND and DTSTART must both be dates or both be date-times")
            return self._moment("DTEND", end_value)
        if "DURATION" not in self.vevent:
            return start + dt.timedelta(days=1) if all_day else None
        duration = self._value("DURATION")
        if not isinstance(duration, dt.timedelta):
            raise self._fail("DURATION is not a duration")
        if not all_day:
            return start + duration
        if duration % dt.timedelta(days=1):
            raise self._fail("DURATION of an all-day event must be whole days")
        # Days on the calendar, not hours: a day with a DST change has 23 or 25.
        return dt.datetime.combine(start.date() + duration, dt.time(), start.tzinfo)

    def _status(self) -> EventStatus:
        if own := self._text(_X_STATUS):
            return _check_choice(_X_STATUS, _from_x(own), EventStatus, self._fail)  # type: ignore[return-value]
        standard = (self._text("STATUS") or "CONFIRMED").upper()
        if standard not in ("CONFIRMED", "TENTATIVE", "CANCELLED"):
            raise self._fail(f"STATUS {standard!r} is not one of CONFIRMED, TENTATIVE, CANCELLED")
        # TENTATIVE in an agenda means "not yet certain", not "postponed".
        return "cancelled" if standard == "CANCELLED" else "scheduled"

    def _online_url(self, location: str | None) -> str | None:
        conferences = self.vevent.get("CONFERENCE", [])
        for conference in conferences if isinstance(conferences, list) else [conferences]:
            if _is_web_address(str(conference)):
                return str(conference)
        # Agendas without CONFERENCE often put the meeting link in LOCATION.
        return location if location is not None and _is_web_address(location) else None


def _text(component: Component, prop: str, label: str) -> str | None:
    value = component.get(prop)
    if isinstance(value, list):
        raise CalendarError(label, f"has {len(value)} {prop} properties; expected one")
    return None if value is None else str(value)


def _from_x(value: str) -> str:  # X-CIVICFORUM-STATUS:MOVED-ONLINE -> "moved_online"
    return value.strip().lower().replace("-", "_")


def _check_choice(name: str, value: str, choices: Any, error: Callable[[str], Exception]) -> str:
    if value not in get_args(choices):
        raise error(f"{name}: {value!r} is not one of {', '.join(get_args(choices))}")
    return value


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _utc_seconds(moment: dt.datetime) -> dt.datetime:
    """In UTC, whole seconds: what iCalendar keeps. A naive time is taken as UTC."""
    utc = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return utc.replace(microsecond=0)


def _is_web_address(value: str) -> bool:
    return re.fullmatch(r"https?://[^\s/?#]+\S*", value, flags=re.IGNORECASE) is not None
