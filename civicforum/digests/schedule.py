"""When a member's digest is due: periods of their own days and weeks, their quiet hours,
and the pause before a digest the mail server refused is tried again.

Pure functions of a moment and a member's choices, so they can be checked with any clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..pace.models import DigestFrequency, Preferences
from ..pace.quiet import is_quiet, zone
from .models import DigestLog, DigestStatus

#: A claim left by a sender that stopped halfway (a crash) is taken over after this.
STALE_AFTER = dt.timedelta(minutes=10)
#: The pause before a failed digest is tried again: doubling from this, up to the most.
FIRST_PAUSE = dt.timedelta(minutes=5)
MOST_PAUSE = dt.timedelta(hours=6)
#: A digest never reaches further back than this: older news is no longer news (after
#: digests were switched off for a while, say).
LOOKBACK = dt.timedelta(days=31)

FREQUENCIES = (DigestFrequency.DAILY.value, DigestFrequency.WEEKLY.value)
OWED = (DigestStatus.SENDING.value, DigestStatus.FAILED.value)
DONE = (DigestStatus.SENT.value, DigestStatus.EMPTY.value)


@dataclass(frozen=True)
class Period:
    """One digest's period: ``d:2026-12-07`` (a local day) or ``w:2026-W50`` (a local ISO
    week), and the moment (UTC) it became due."""

    key: str
    due_at: dt.datetime


def _at_hour(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(dt.UTC)


def current_period(frequency: str, moment: dt.datetime, tz: ZoneInfo, hour: int) -> Period:
    """The latest period that is due at ``moment``: a daily digest for local day D is due
    from ``hour`` o'clock on D, a weekly one from that hour on Monday."""
    local = moment.astimezone(tz)
    if frequency == DigestFrequency.WEEKLY:
        monday = local.date() - dt.timedelta(days=local.weekday())
        due = _at_hour(monday, hour, tz)
        if moment < due:
            monday -= dt.timedelta(weeks=1)
            due = _at_hour(monday, hour, tz)
        year, week, _day = monday.isocalendar()
        return Period(f"w:{year}-W{week:02d}", due)
    day = local.date()
    due = _at_hour(day, hour, tz)
    if moment < due:
        day -= dt.timedelta(days=1)
        due = _at_hour(day, hour, tz)
    return Period(f"d:{day.isoformat()}", due)


def chosen_at(prefs: Preferences) -> dt.datetime:
    """When the member chose how often the forum writes (their answer, else their last
    change of preferences)."""
    if prefs.digest_asked_at is not None:
        return prefs.digest_asked_at
    return prefs.updated_at


def retry_at(row: DigestLog) -> dt.datetime:
    """When a digest that is still owed may be tried again. ``covers_until`` is when its
    latest attempt began (each attempt makes the digest anew, up to that moment)."""
    if row.status == DigestStatus.SENDING:
        return row.covers_until + STALE_AFTER
    doublings = min(max(row.attempts - 1, 0), 16)
    pause = min(FIRST_PAUSE * (1 << doublings), MOST_PAUSE)
    return row.covers_until + pause


@dataclass(frozen=True)
class Step:
    """What is to be done for one member now: open ``period``, or try ``owed`` again."""

    period: Period
    owed: DigestLog | None = None


def member_zone(prefs: Preferences, site_timezone: str) -> ZoneInfo:
    """The member's zone; the site's when theirs is unset or no longer known."""
    return zone(prefs.timezone, site_timezone)


def next_step(
    prefs: Preferences,
    owed: DigestLog | None,
    logged: Container[str],
    *,
    site_timezone: str,
    hour: int,
    moment: dt.datetime,
) -> Step | None:
    """Whether the member's digest is to be made at ``moment``, and which.

    :param owed: the member's digest that was claimed or refused and not yet sent.
    :param logged: the periods the member already has a digest for (sent, empty, owed).
    :returns: None when nothing is due, during the member's quiet hours, or while an owed
        digest waits for its next try (no new period opens meanwhile, so the one mail that
        goes out covers it all).
    """
    if prefs.digest not in FREQUENCIES:
        return None
    tz = member_zone(prefs, site_timezone)
    if is_quiet(moment, prefs.quiet_start, prefs.quiet_end, tz):
        return None
    period = current_period(prefs.digest, moment, tz, hour)
    if owed is not None:
        return Step(period, owed) if retry_at(owed) <= moment else None
    if period.key in logged or chosen_at(prefs) > period.due_at:
        # Sent or found empty already; or chosen after this period began: the first
        # digest is the next period's.
        return None
    return Step(period)
