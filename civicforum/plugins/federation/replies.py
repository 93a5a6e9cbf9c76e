"""Replies from other servers, read: the ``Note`` a ``Create`` or ``Update`` carries,
checked and with its text as Markdown, ready for the forum's own posting rules.

See :mod:`.incoming` for what an activity must be; this module reads the one kind of
object the forum takes from elsewhere. New topics (``Page``, ``Article``) are refused,
and so are notes that answer nothing or are not public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...forum.models import WARNING_MAX
from .incoming import (
    HTML_ALLOWANCE,
    MOST_POST_LENGTH,
    NOTE_TYPES,
    PUBLIC,
    TOPIC_TYPES,
    Activity,
    NotActivity,
    absolute_uri,
    addresses_in,
    check_shape,
    reference,
    require_type,
    same_origin,
    type_name,
)
from .remotetext import (
    UnreadableHTML,
    attachment_links,
    clean_text,
    link,
    link_address,
    to_markdown,
    to_plain_line,
)


@dataclass(frozen=True)
class IncomingNote:
    """A reply from elsewhere, ready for the forum's own posting rules.

    ``markdown`` is the text as the forum stores it (Lemmy's Markdown source, or the HTML
    turned into Markdown), attachments added as plain links, and still to be rendered and
    sanitised by the forum like any post. ``summary`` is the content warning (Mastodon's
    convention for a Note's ``summary``) as one line of plain text of at most the forum's
    :data:`~civicforum.forum.models.WARNING_MAX` characters, or None; ``sensitive`` may be
    true without one, and then the forum chooses the label.
    """

    id: str
    author: str
    in_reply_to: str
    markdown: str
    summary: str | None
    sensitive: bool
    published: dt.datetime | None
    updated: dt.datetime | None
    audience: str | None
    context: str | None
    url: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    mentions: tuple[str, ...]
    attachments: tuple[str, ...]


def note_of(activity: Activity, *, max_length: int = MOST_POST_LENGTH) -> IncomingNote:
    """The reply a ``Create`` or ``Update`` carries (see :func:`parse_note`). The object
    must be embedded, as Mastodon and Lemmy send it: the forum does not fetch a stranger's
    address to find out what it was sent.

    :raises NotActivity: as :func:`parse_note` does, or when the object is not embedded.
    :raises ValueError: for an activity that is neither a ``Create`` nor an ``Update``.
    """
    require_type(activity, "Create", "Update")
    embedded = activity.embedded_object
    if embedded is None:
        raise NotActivity("object", f"The {activity.type} must carry its object, not only its id.")
    return parse_note(embedded, activity.actor, max_length=max_length)


def parse_note(
    obj: Mapping[str, Any], actor: str, *, max_length: int = MOST_POST_LENGTH
) -> IncomingNote:
    """A reply (a ``Note``) from ``actor``, checked and with its text as Markdown.

    :param actor: the activity's actor; the note must be attributed to it, and its id be
        on the actor's server.
    :param max_length: the site's longest post (``CIVICFORUM_MAX_POST_LENGTH``); without
        it, the longest any site allows, and the posting service applies the site's own.
    :raises NotActivity: for a new topic (``topic``), another kind of object (``kind``), a
        note that answers nothing (``not-reply``) or is not public (``private``), a bad
        id, a foreign author (``attribution``, ``origin``), no text (``empty``), or text
        longer than the forum takes (``length``).
    """
    check_shape(obj)
    kind = type_name(obj.get("type"))
    if kind in TOPIC_TYPES:
        raise NotActivity(
            "topic",
            f"A {kind} would be a new topic; the forum takes only replies (Notes) from "
            "other servers.",
        )
    if kind not in NOTE_TYPES:
        raise NotActivity("kind", f"A {kind or 'typeless object'} is not a reply the forum takes.")
    note_id = absolute_uri(obj.get("id"))
    if note_id is None:
        raise NotActivity("id", "The note's id must be an absolute http(s) address.")
    if not same_origin(note_id, actor):
        raise NotActivity("origin", "The note's id is not on its actor's server.")
    if actor not in _attributed(obj.get("attributedTo")):
        raise NotActivity("attribution", "The note is not attributed to the activity's actor.")
    in_reply_to = reference(obj.get("inReplyTo"))
    if in_reply_to is None:
        raise NotActivity("not-reply", "The note answers nothing; the forum takes only replies.")
    to, cc = addresses_in(obj.get("to")), addresses_in(obj.get("cc"))
    if PUBLIC not in to and PUBLIC not in cc:
        raise NotActivity("private", "The note is not public; the forum shows replies to everyone.")
    try:
        attachments = attachment_links(obj.get("attachment"))
        summary = to_plain_line(obj["summary"], WARNING_MAX) if _is_text(obj, "summary") else ""
        markdown = _text(obj, max_length)
    except UnreadableHTML as error:
        raise NotActivity("content", str(error)) from None
    if attachments:
        markdown = "\n\n".join([markdown, *(link(name, url) for name, url in attachments)])
    markdown = markdown.strip()
    if not markdown:
        raise NotActivity("empty", "The note has no text.")
    if len(markdown) > max_length:
        raise _too_long(max_length)
    return IncomingNote(
        id=note_id,
        author=actor,
        in_reply_to=in_reply_to,
        markdown=markdown,
        summary=summary or None,
        sensitive=obj.get("sensitive") is True or bool(summary),
        published=_moment(obj.get("published")),
        updated=_moment(obj.get("updated")),
        audience=reference(obj.get("audience")),
        context=reference(obj.get("context")),
        url=link_address(obj.get("url")),
        to=to,
        cc=cc,
        mentions=_mentions(obj.get("tag")),
        attachments=tuple(url for _name, url in attachments),
    )


def _too_long(max_length: int) -> NotActivity:
    return NotActivity(
        "length", f"The note is longer than the {max_length} characters the forum takes."
    )


def _is_text(obj: Mapping[str, Any], name: str) -> bool:
    return isinstance(obj.get(name), str)


def _attributed(value: object) -> set[str]:
    entries = value if isinstance(value, list) else [value]
    return {address for address in map(reference, entries) if address is not None}


def _text(obj: Mapping[str, Any], max_length: int) -> str:
    """The note's text as Markdown: Lemmy's Markdown ``source`` when there is one, else
    its HTML ``content`` (or the first of ``contentMap``) made into Markdown."""
    source = obj.get("source")
    if isinstance(source, dict) and source.get("mediaType") == "text/markdown":
        text = source.get("content")
        if isinstance(text, str) and text.strip():
            return _bounded(text, max_length).strip()
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        values = content_map.values() if isinstance(content_map, dict) else ()
        content = next((value for value in values if isinstance(value, str)), "")
    if obj.get("mediaType") == "text/markdown":
        return _bounded(content, max_length).strip()
    if len(content) > HTML_ALLOWANCE * max_length:
        raise _too_long(max_length)
    return to_markdown(content)


def _bounded(markdown: str, max_length: int) -> str:
    text = clean_text(markdown)
    if len(text.strip()) > max_length:
        raise _too_long(max_length)
    return text


def _mentions(value: object) -> tuple[str, ...]:
    entries = value if isinstance(value, list) else [value]
    found = []
    for entry in entries:
        if isinstance(entry, dict) and type_name(entry.get("type")) == "Mention":
            address = absolute_uri(entry.get("href"))
            if address is not None and address not in found:
                found.append(address)
    return tuple(found)


def _moment(value: object) -> dt.datetime | None:
    """An ISO 8601 time as an aware datetime (UTC when it names no zone), or None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
