"""Quiet hours: a window of the member's own night (in their own time zone) when the
forum sends them no mail and suggests rest instead of writing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MINUTES_A_DAY = 24 * 60


def zone(name: str | None, fallback: str) -> ZoneInfo:
    """The member's zone, or the site's when theirs is unset or no longer known."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def is_known_zone(name: str) -> bool:
    return name in known_zones()


_ZONES: frozenset[str] | None = None


#: The regions of the zones a member can pick: places, not abbreviations ("EST"), legacy
#: names ("US/Eastern") or the inverted "Etc/GMT+5".
REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
    "Europe", "Indian", "Pacific",
)  # fmt: skip


def known_zones() -> frozenset[str]:
    """The IANA zones of places this machine knows (and UTC): what a member can pick."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(
            name for name in available_timezones() if name.split("/")[0] in REGIONS
        ) | {"UTC"}
    return _ZONES


def in_window(minute: int, start: int | None, end: int | None) -> bool:
    """Whether ``minute`` after local midnight falls in [start, end); the window may wrap
    midnight (22:00 to 07:00). No window, or an empty one, is never quiet."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def is_quiet(moment: dt.datetime, start: int | None, end: int | None, tz: ZoneInfo) -> bool:
    """Whether ``moment`` (aware) falls in the quiet hours, read in ``tz``."""
    local = moment.astimezone(tz)
    return in_window(local.hour * 60 + local.minute, start, end)


def quiet_ends(
    moment: dt.datetime, start: int | None, end: int | None, tz: ZoneInfo
) -> dt.datetime:
    """When the quiet hours around ``moment`` end (aware, UTC); ``moment`` itself when it
    is not quiet. Walks wall-clock time, so a clock change in the night is respected."""
    if not is_quiet(moment, start, end, tz) or end is None:
        return moment
    local = moment.astimezone(tz)
    day = local.date()
    if local.hour * 60 + local.minute >= end:
        day += dt.timedelta(days=1)
    wall = dt.datetime.combine(day, dt.time(end // 60, end % 60))
    return wall.replace(tzinfo=tz).astimezone(dt.UTC)


def parse_hhmm(text: str) -> int | None:
    """ "22:30" -> 1350; None for anything that is not a time of day."""
    text = text.strip()
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdecimal() and len(p) <= 2 for p in parts):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def format_hhmm(minute: int | None) -> str:
    if minute is None:
        return ""
    return f"{minute // 60:02d}:{minute % 60:02d}"
