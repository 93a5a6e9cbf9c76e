"""Text from other servers, made into the forum's own Markdown.

Mastodon and most servers send a post's text as HTML; the forum stores Markdown and
renders it once, through :func:`civicforum.markup.render_markdown`, whose nh3 allow-list
then applies to a remote reply exactly as to a local one. So remote HTML is never shown
as it came: :func:`to_markdown` turns it into Markdown first (with markdownify), keeping
what a reader needs and dropping what a page must not carry:

- links stay Markdown links, but only to ``http``, ``https`` and ``mailto`` addresses;
  a ``javascript:``, ``data:`` or relative link keeps its text and loses its address;
- images, videos, sounds and frames become plain links (with the image's alt text), never
  ``![]()``: the forum never makes a reader's browser load something from elsewhere;
- mentions and hashtags (Mastodon's ``<a class="mention">``) are ordinary links;
- scripts, styles, templates, SVG and MathML are dropped with their content;
- text is escaped, so a literal ``<script>`` or ``# not a heading`` in a post stays text;
- NUL and the other control characters are removed, and so are the Unicode bidirectional
  overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can make a link or a name
  read differently from what it is; ordinary right-to-left text needs none of them.

HTML nested deeper than :data:`MAX_NESTING` is refused (:class:`UnreadableHTML`): no real
post needs it, and the converter walks the tree recursively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, BACKSLASH, MarkdownConverter

#: Deepest nesting of elements looked at; Mastodon's deepest is about four.
MAX_NESTING = 64
#: Attachments shown of one post; Mastodon allows four.
MAX_ATTACHMENTS = 20

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")
_WHITESPACE = re.compile(r"\s+")
# What cannot stand in a Markdown link destination without breaking it.
_UNSAFE_IN_DESTINATION = re.compile(r"[\s()<>\\\"'`]")
# What must be escaped in text put into Markdown by hand (link text, alt text).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&!#|~])")
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
MEDIA_SCHEMES = frozenset({"http", "https"})
#: Elements dropped with everything in them.
DROPPED = frozenset(
    {"script", "style", "template", "svg", "math", "object", "embed", "noscript", "head"}
    | {"title", "textarea", "select", "canvas", "frameset", "frame"}
)


class UnreadableHTML(ValueError):
    """HTML that is not turned into Markdown (nested too deeply)."""


def clean_text(text: str) -> str:
    """Text without NUL, other control characters or bidirectional overrides; newlines
    as ``\\n``. For Markdown that arrives as Markdown (Lemmy's ``source``)."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def safe_url(value: object, schemes: Iterable[str] = LINK_SCHEMES) -> str | None:
    """``value`` as an address fit for a Markdown link, or None.

    Only absolute addresses with one of ``schemes`` pass: a relative one would point into
    the forum's own site, and any other scheme may run code (``javascript:``) or carry a
    document of its own (``data:``). Characters that would end a link early are
    percent-encoded.
    """
    if not isinstance(value, str):
        return None
    url = clean_text(value).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes:
        return None
    if parts.scheme.lower() != "mailto" and not parts.hostname:
        return None
    return _UNSAFE_IN_DESTINATION.sub(lambda match: f"%{ord(match[0]):02X}", url)


def escape(text: str) -> str:
    """Plain text as Markdown that shows it as it is."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def link(text: str, url: str) -> str:
    """A Markdown link; an autolink when the text is the address itself."""
    if not text.strip() or text.strip() == url:
        return f"<{url}>"
    return f"[{escape(text)}]({url})"


class _Converter(MarkdownConverter):
    """markdownify with the forum's rules for links, media and dropped elements."""

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        href = safe_url(el.get("href"))
        stripped = text.strip()
        if href is None or not stripped:
            return text
        leading = " " if text[:1].isspace() else ""
        trailing = " " if text[-1:].isspace() else ""
        # The text is already Markdown (escaped by the converter); an address typed out
        # as the link's text (Mastodon's shortened links) becomes an autolink.
        if stripped.replace("\\", "") == href.replace("\\", ""):
            return f"{leading}<{href}>{trailing}"
        return f"{leading}[{stripped}]({href}){trailing}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = _attribute(el, "alt") or _attribute(el, "title")
        src = safe_url(el.get("src"), MEDIA_SCHEMES)
        if src is None or "a" in parent_tags or "_inline" in parent_tags:
            return escape(alt)
        return link(alt, src)

    def convert_video(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._media_link(el, text, parent_tags)

    def convert_audio(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._media_link(el, text, parent_tags)

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        src = safe_url(el.get("src"), MEDIA_SCHEMES)
        if src is None or "a" in parent_tags:
            return ""
        return link(_attribute(el, "title"), src)

    def _media_link(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        candidates = [el.get("src")]
        candidates += [source.get("src") for source in el.find_all("source")]
        src = next((url for url in map(_media_url, candidates) if url), None)
        if src is None or "a" in parent_tags:
            return text
        return link(_attribute(el, "title") or text, src)


def _media_url(value: object) -> str | None:
    return safe_url(value, MEDIA_SCHEMES)


def _attribute(el: Tag, name: str) -> str:
    value = el.get(name)
    return value if isinstance(value, str) else ""


_CONVERTER = _Converter(
    heading_style=ATX,
    bullets="-",
    newline_style=BACKSLASH,
    escape_misc=True,
    autolinks=False,
)


def _parse(html: str) -> BeautifulSoup:
    # Wrapped, so a text that happens to look like an address or a file name, or that
    # starts like XML, is read as HTML without BeautifulSoup's warnings about it.
    soup = BeautifulSoup(f"<div>{clean_text(html)}</div>", "html.parser")
    for dropped in soup.find_all(sorted(DROPPED)):
        dropped.decompose()
    depths = {id(soup): 0}
    for node in soup.descendants:
        if isinstance(node, Tag):
            depth = depths[id(node.parent)] + 1
            if depth > MAX_NESTING:
                raise UnreadableHTML(f"The HTML is nested more than {MAX_NESTING} deep.")
            depths[id(node)] = depth
    return soup


def to_markdown(html: str) -> str:
    """Markdown for HTML from another server (see the module's documentation).

    The result is meant to be stored as a post's body and rendered by the forum's own
    :func:`~civicforum.markup.render_markdown`, which sanitises it like any member's text.

    :raises UnreadableHTML: when the HTML is nested more than :data:`MAX_NESTING` deep.
    """
    markdown = _CONVERTER.convert_soup(_parse(html))
    markdown = clean_text(markdown)
    markdown = "\n".join(line.rstrip(" ") for line in markdown.split("\n"))
    return _BLANK_LINES.sub("\n\n", markdown).strip()


def to_plain_line(html: str, limit: int) -> str:
    """One line of plain text from text or HTML (a content warning), at most ``limit``
    characters: longer ones end in an ellipsis rather than being refused."""
    text = _parse(html).get_text(" ")
    text = _WHITESPACE.sub(" ", clean_text(text)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def link_address(value: object) -> str | None:
    """The first http(s) address in an object's ``url`` or ``href``: a string, a ``Link``
    object, or a list of either (PeerTube lists one per format)."""
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        address = safe_url(entry.get("href") if isinstance(entry, dict) else entry, MEDIA_SCHEMES)
        if address is not None:
            return address
    return None


def attachment_links(value: object) -> list[tuple[str, str]]:
    """An object's attachments as (name, address) pairs, to be shown as plain links, never
    loaded: an image's name is its description (alt text), and may be empty.

    :raises UnreadableHTML: when a name is HTML nested beyond reason.
    """
    entries = value if isinstance(value, list) else [value]
    found: list[tuple[str, str]] = []
    for entry in entries[:MAX_ATTACHMENTS]:
        if not isinstance(entry, dict):
            continue
        address = link_address(entry.get("url")) or link_address(entry.get("href"))
        if address is not None:
            name = entry.get("name")
            found.append((to_plain_line(name, 500) if isinstance(name, str) else "", address))
    return found
