"""The forum's one source of the current time, so tests can move it."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)
