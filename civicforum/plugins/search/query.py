"""What a searcher typed, read into words, phrases and words to leave out; and the
language analysers that stem them as the index does.

The searcher's text is never handed to a query parser: it is split here into plain
words and quoted phrases, so characters such as ``*``, ``:``, ``(`` or ``AND`` are just
text, and each backend builds its query from the parts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from whoosh.analysis import Analyzer, LanguageAnalyzer

#: Longest search text read; the rest is ignored (the page says so).
MAX_QUERY_LENGTH = 500
#: Most words and phrases one search uses.
MAX_PARTS = 16

_PART = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def analyser(language: str) -> Analyzer:
    """Dutch or English: lower case, stop words dropped, Snowball stems ("boeken" and
    "boek" both become "boek")."""
    return LanguageAnalyzer(language)


def stems(text: str, language: str) -> list[str]:
    return [token.text for token in analyser(language)(text)]


@dataclass(frozen=True)
class ParsedQuery:
    """Words to find (all of them), phrases to find as they stand, and what to leave out."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    without: tuple[str, ...] = ()
    without_phrases: tuple[tuple[str, ...], ...] = ()
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        """Nothing to look for (leaving out alone finds nothing)."""
        return not self.words and not self.phrases

    def terms(self, language: str) -> list[str]:
        """The stems of every word and phrase to find, for highlighting."""
        found: list[str] = []
        for text in (*self.words, *(" ".join(p) for p in self.phrases)):
            found.extend(stems(text, language))
        return found


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


def parse(text: str, phrase: str = "", without: str = "") -> ParsedQuery:
    """Read the search box (words, ``"exact phrases"``, ``-left out``) and the form's
    separate "exact phrase" and "without the words" fields."""
    truncated = len(text) + len(phrase) + len(without) > MAX_QUERY_LENGTH * 3
    clean = [
        unicodedata.normalize("NFC", _CONTROL.sub(" ", part))[:MAX_QUERY_LENGTH]
        for part in (text, phrase, without)
    ]
    truncated = truncated or any(len(p) > MAX_QUERY_LENGTH for p in (text, phrase, without))
    text, phrase, without = clean
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    leave: list[str] = []
    leave_phrases: list[tuple[str, ...]] = []
    # An unbalanced quote is read as if it were closed at the end.
    if text.count('"') % 2:
        text += '"'
    for match in _PART.finditer(text):
        minus_phrase, quoted, minus_word, bare = match.groups()
        if quoted is not None:
            parts = _words(quoted)
            if len(parts) == 1:
                (leave if minus_phrase else words).extend(parts)
            elif parts:
                (leave_phrases if minus_phrase else phrases).append(parts)
        elif bare is not None:
            parts = _words(bare)
            if minus_word and len(parts) == 1:
                leave.extend(parts)
            elif minus_word and parts:
                leave_phrases.append(parts)
            else:
                words.extend(parts)
    extra = _words(phrase)
    if len(extra) == 1:
        words.extend(extra)
    elif extra:
        phrases.append(extra)
    leave.extend(_words(without))
    over = len(words) + len(phrases) > MAX_PARTS
    return ParsedQuery(
        words=tuple(words[:MAX_PARTS]),
        phrases=tuple(phrases[: max(0, MAX_PARTS - len(words))]),
        without=tuple(leave[:MAX_PARTS]),
        without_phrases=tuple(leave_phrases[:MAX_PARTS]),
        truncated=truncated or over,
    )
