"""What an editor writes: a title (or the claim checked), a text, a verdict for a post,
and the sources relied on; checked the same way for a first version and every revision."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..errors import ServiceError
from ..i18n import gettext as _
from ..moderation.checks import line, text
from .models import CITATION_MAX, TITLE_MAX, URL_MAX, ItemKind, Verdict

BODY_MAX = 20000
MAX_SOURCES = 20
_WEB_ADDRESS = re.compile(r"^https?://[^\s/?#]+\.[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    citation: str
    url: str
    consulted_on: dt.date | None


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    sources: tuple[Source, ...] = field(default_factory=tuple)
    verdict: Verdict | None = None


def clean_url(value: str, field_name: str) -> str:
    """:raises ServiceError: unless it is an http(s) web address."""
    url = line(
        value, field_name, maximum=URL_MAX, required=_("Give the web address of the source.")
    )
    if not _WEB_ADDRESS.match(url):
        raise ServiceError(_("A source's web address starts with https:// or http://."), field_name)
    return url


def clean_citation(value: str, field_name: str) -> str:
    return line(
        value,
        field_name,
        maximum=CITATION_MAX,
        required=_("Cite the source: who published what, for example “Thuisarts.nl, Dementie”."),
    )


def clean_content(content: Content, kind: ItemKind, today: dt.date) -> Content:
    """The content as it will be stored.

    :raises ServiceError: without a title, a text or a source, for a source that is not a
        web page (http or https) or was consulted in the future, and for a missing or
        needless verdict; the field is named.
    """
    what = (
        _("Summarise the claim that is checked.")
        if kind == ItemKind.VERIFICATION
        else _("Give the information a title.")
    )
    title = line(content.title, "title", maximum=TITLE_MAX, required=what)
    if len(title) < 3:
        raise ServiceError(_("A title needs at least 3 characters."), "title")
    body = text(
        content.body,
        "body",
        maximum=BODY_MAX,
        required=_("Write the information, or the editors' note on the post."),
    )
    if not content.sources:
        raise ServiceError(_("Give at least one source."), "sources")
    if len(content.sources) > MAX_SOURCES:
        raise ServiceError(_("Give at most %(max)d sources.", max=MAX_SOURCES), "sources")
    sources = []
    for number, source in enumerate(content.sources, start=1):
        where = f"source-{number}"
        citation = clean_citation(source.citation, f"{where}-citation")
        url = clean_url(source.url, f"{where}-url")
        if source.consulted_on is None:
            raise ServiceError(
                _("Say on which day the source was consulted."), f"{where}-consulted"
            )
        if source.consulted_on > today:
            raise ServiceError(
                _("A source cannot have been consulted in the future."), f"{where}-consulted"
            )
        sources.append(Source(citation, url, source.consulted_on))
    if kind == ItemKind.VERIFICATION and content.verdict is None:
        raise ServiceError(_("Give the verdict: accurate, needs context or inaccurate."), "verdict")
    if kind == ItemKind.ARTICLE and content.verdict is not None:
        raise ServiceError(_("Only a verification of a post has a verdict."), "verdict")
    return Content(title, body, tuple(sources), content.verdict)
