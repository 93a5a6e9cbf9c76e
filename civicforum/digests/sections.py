"""What a digest is made of: sections of items, from the forum and from plugins
(:func:`civicforum.hookspecs.civicforum_digest_sections`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: what happened, in plain words, and where to read it.

    :param text: a short sentence or title, plain text (the mail escapes it).
    :param url: an absolute link to the page.
    :param detail: an optional second line (where, when; a short excerpt).
    """

    text: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class DigestSection:
    """A heading and its items, in the member's language. A section without items is
    left out; a digest without sections is not sent."""

    title: str
    items: Sequence[DigestItem]
