"""The periods a transparency report covers: a year, a half-year or a quarter, named in
a URL as ``2026``, ``2026-H1`` or ``2026-Q3`` and counted in the forum's time zone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..i18n import gettext as _
from .transparency import Period

_NAME = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]))?$")


@dataclass(frozen=True)
class ReportingPeriod:
    """A named period; ``part`` is "" for a whole year, "H1"/"H2" or "Q1".."Q4"."""

    year: int
    part: str = ""

    @property
    def name(self) -> str:
        return f"{self.year}-{self.part}" if self.part else str(self.year)

    def months(self) -> tuple[int, int]:
        """First month, and the month after the last (13 for December)."""
        if not self.part:
            return 1, 13
        number = int(self.part[1])
        size = 6 if self.part[0] == "H" else 3
        return 1 + size * (number - 1), 1 + size * number

    def period(self, zone: str) -> Period:
        tz = ZoneInfo(zone)
        first, after = self.months()
        start = dt.datetime(self.year, first, 1, tzinfo=tz)
        end = (
            dt.datetime(self.year + 1, 1, 1, tzinfo=tz)
            if after == 13
            else dt.datetime(self.year, after, 1, tzinfo=tz)
        )
        return Period(start.astimezone(dt.UTC), end.astimezone(dt.UTC))

    def label(self) -> str:
        if not self.part:
            return str(self.year)
        if self.part[0] == "H":
            return _("%(year)d, half-year %(n)s", year=self.year, n=self.part[1])
        return _("%(year)d, quarter %(n)s", year=self.year, n=self.part[1])


def parse_period(name: str | None, today: dt.date) -> ReportingPeriod | None:
    """The period a URL names (default: this year); None when it names nothing sensible,
    or a year before 2000 or after this one."""
    if not name:
        return ReportingPeriod(today.year)
    match = _NAME.match(name)
    if match is None:
        return None
    year = int(match.group(1))
    if not 2000 <= year <= today.year:
        return None
    return ReportingPeriod(year, match.group(2) or "")


def periods_since(first_year: int, today: dt.date) -> list[ReportingPeriod]:
    """Every year, half-year and quarter from ``first_year`` that has begun, newest first."""
    found: list[ReportingPeriod] = []
    for year in range(today.year, max(first_year, 2000) - 1, -1):
        found.append(ReportingPeriod(year))
        for part in ("H2", "H1", "Q4", "Q3", "Q2", "Q1"):
            candidate = ReportingPeriod(year, part)
            if (year, candidate.months()[0]) <= (today.year, today.month):
                found.append(candidate)
    return found
