"""What a widget shows: sections of items, from the forum and from plugins
(:func:`civicforum.hookspecs.civicforum_embed_sections`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EmbedItem:
    """One line of a widget: a discussion, an event.

    :param title: plain text (the widget escapes it).
    :param url: an absolute link to the page, on the forum's site.
    :param when: the moment the line is about (last activity, the start of an event),
        time-zone aware; shown in a ``<time>`` element and given as ISO 8601 in the JSON.
    :param detail: an optional plain-text addition (where, a status such as "Cancelled").
    :param when_text: how ``when`` reads on the widget; empty for the forum's own
        wording (date and time in the site's time zone, in the widget's language).
    """

    title: str
    url: str
    when: dt.datetime | None = None
    detail: str = ""
    when_text: str = ""


@dataclass(frozen=True)
class EmbedSection:
    """A titled list in a widget ("Latest discussions", "Coming up"), in the widget's
    language. A plugin returns None rather than a section without items.

    :param key: a short stable name for hosts' own templates and styles (``events``).
    :param more_url: an absolute link to all of it (an agenda), shown as ``more_label``.
    :param when_label: words before each item's time ("Last post"); empty for none.
    """

    key: str
    title: str
    items: Sequence[EmbedItem]
    more_url: str | None = None
    more_label: str = ""
    when_label: str = ""
