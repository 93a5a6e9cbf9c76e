"""The forum's one source of the current time, so tests can move it."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def months_after(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months later; the 31st of a shorter
    month becomes that month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:  # no 31 June: the last day of the month
            day -= 1
