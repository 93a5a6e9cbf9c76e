"""An Atom document (RFC 4287) from a feed's description and its entries, made with
feedgen so the XML is built, never pieced together from strings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import __version__

ATOM_TYPE = "application/atom+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# Characters XML 1.0 cannot hold. The services strip control characters from what members
# write, but names and imported text reach feeds too, and lxml refuses them outright.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass(frozen=True)
class Entry:
    """One atom:entry. ``content_html`` is HTML the forum sanitised (a post's stored
    ``body_html``, or a note the feed's template wrote), sent escaped as type "html"."""

    id: str
    title: str
    url: str
    updated: dt.datetime
    author: str
    content_html: str
    published: dt.datetime | None = None


@dataclass(frozen=True)
class Feed:
    """What a feed says about itself.

    :param self_url: the absolute address the feed was fetched at (``rel="self"``); it is
        the feed's atom:id too, so a feed at another address is another feed.
    :param page_url: the HTML page the feed follows (``rel="alternate"``), also the base
        against which relative links in the entries' HTML resolve.
    :param author: who speaks for the feed as a whole: the institution.
    :param updated: when the feed last changed, for a feed without entries.
    """

    self_url: str
    page_url: str
    title: str
    subtitle: str
    author: str
    language: str
    updated: dt.datetime


def latest_change(feed: Feed, entries: Sequence[Entry]) -> dt.datetime:
    """The feed's atom:updated and the response's Last-Modified: its newest entry."""
    return max([feed.updated, *(entry.updated for entry in entries)])


def render(feed: Feed, entries: Sequence[Entry]) -> bytes:
    """The Atom document, entries in the order given (newest first)."""
    # feedgen and lxml (~7 MiB a process) are loaded by the first feed asked for. Neither
    # ships type information.
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
    from lxml import etree  # type: ignore[import-untyped]

    generator = FeedGenerator()
    generator.id(_xml_text(feed.self_url))
    generator.title(_xml_text(feed.title))
    generator.subtitle(_xml_text(feed.subtitle))
    generator.author({"name": _xml_text(feed.author)})
    generator.link(href=feed.self_url, rel="self", type=ATOM_TYPE)
    generator.link(href=feed.page_url, rel="alternate", type="text/html")
    generator.language(feed.language)
    generator.updated(latest_change(feed, entries))
    generator.generator("civicforum", version=__version__)
    for entry in entries:
        item = generator.add_entry(order="append")
        item.id(_xml_text(entry.id))
        item.title(_xml_text(entry.title))
        item.link(href=entry.url, rel="alternate", type="text/html")
        item.updated(entry.updated)
        if entry.published is not None:
            item.published(entry.published)
        item.author({"name": _xml_text(entry.author)})
        item.content(_xml_text(entry.content_html), type="html")
    document = etree.fromstring(generator.atom_str())
    # Posts may link relative to their page; feed readers resolve against xml:base.
    document.set(XML_BASE, feed.page_url)
    # feedgen 1.0 writes an entry's link without its rel and type (RFC 4287 reads a
    # link without rel as "alternate"); say both, as the feed's own links do.
    for link in document.iterfind(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}link"):
        link.set("rel", "alternate")
        link.set("type", "text/html")
    body: bytes = etree.tostring(document, encoding="UTF-8", xml_declaration=True)
    return body
