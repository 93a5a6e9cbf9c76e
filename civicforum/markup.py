"""Markdown in, sanitised HTML out, rendered once when a text is written.

CommonMark is parsed by markdown-it-py; whatever HTML results, raw HTML in the source
included, then passes nh3's allow-list. Images from elsewhere are never loaded by the
reader's browser: they become a plain link the reader may choose to follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "del",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "span": {"class"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def _render_image_as_link(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    escaped_alt = nh3.clean_text(alt)
    escaped_src = nh3.clean_text(src)
    return f'<a href="{escaped_src}"><span class="cf-remote-image">[{escaped_alt}]</span></a>'


def _make_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    parser.enable("strikethrough")
    parser.add_render_rule("image", _render_image_as_link)
    return parser


_PARSER = _make_parser()


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to put on a page as it is.

    :param source: Markdown as the member wrote it.
    :returns: sanitised HTML; links carry ``rel="nofollow ugc noopener"``; scripts, event
        handlers, styles and ``javascript:``/``data:``/``vbscript:`` URLs are gone.
    """
    html = _PARSER.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def quote_markdown(source: str, author: str) -> str:
    """The Markdown a reply starts with when it quotes a post."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in source.strip().splitlines())
    return f"> **{author}:**\n{quoted}\n\n"
