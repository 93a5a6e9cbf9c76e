"""The lines of a result around the words that were searched for, with those words marked.

Taken from the text as it is now in the database (never from the index) and escaped
before the marks are added, so a snippet shows nothing a page would not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from .query import stems

_WORD = re.compile(r"\w+", re.UNICODE)
BEFORE = 12  # words shown before the first match
LENGTH = 40  # words in a snippet


@lru_cache(maxsize=20_000)
def _stem(word: str, language: str) -> str:
    found = stems(word, language)
    return found[0] if found else ""


def snippet(text: str, terms: set[str], language: str) -> Markup:
    """About forty words of ``text`` from just before the first word whose stem is in
    ``terms``, with every such word in ``<mark>``."""
    words = list(_WORD.finditer(text))
    if not words:
        return Markup("")
    hits = [i for i, m in enumerate(words) if _stem(m.group(0), language) in terms]
    start = max(0, hits[0] - BEFORE) if hits else 0
    end = min(len(words), start + LENGTH)
    begin_at = words[start].start()
    end_at = words[end - 1].end()
    marked = set(hits)
    pieces: list[str] = ["… " if start > 0 else ""]
    cursor = begin_at
    for i in range(start, end):
        match = words[i]
        pieces.append(str(escape(text[cursor : match.start()])))
        word = str(escape(match.group(0)))
        pieces.append(f"<mark>{word}</mark>" if i in marked else word)
        cursor = match.end()
    pieces.append(str(escape(text[cursor:end_at])))
    if end < len(words):
        pieces.append(" …")
    # Every piece was escaped above; only the <mark> tags are markup.
    return Markup("".join(pieces))  # noqa: S704
