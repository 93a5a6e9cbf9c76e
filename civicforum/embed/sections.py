"""What a widget shows: sections of items, from the forum and from plugins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EmbedItem:
    """One line of a widget: a discussion, an event."""

    title: str
    url: str
    when: dt.datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class EmbedSection:
    """A titled list in a widget ("Latest discussions", "Coming up")."""

    key: str
    title: str
    items: Sequence[EmbedItem]
    more_url: str | None = None
