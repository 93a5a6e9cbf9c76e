"""Which answer a request asks for on a page's URL: the HTML page or the ActivityPub object.

ActivityPub serves an object on the same URL as its page, chosen by the ``Accept``
header: ``application/activity+json``, or ``application/ld+json`` with the
ActivityStreams profile. A browser's ``Accept`` (``text/html``, ``*/*``) keeps the page;
the ActivityPub answer is chosen only when a request names it explicitly and prefers it
to HTML, so a wildcard never turns a page into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.http import parse_options_header

ACTIVITY_JSON = "application/activity+json"
LD_JSON = "application/ld+json"
AS_PROFILE = "https://www.w3.org/ns/activitystreams"
LD_JSON_AS = f'{LD_JSON}; profile="{AS_PROFILE}"'
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
WILDCARDS = frozenset({"*/*", "text/*"})
# Longer Accept headers are not worth parsing: no client sends one.
MAX_ACCEPT = 2048


@dataclass(frozen=True)
class Choice:
    """What the request asked for: ``media_type`` to answer with when it wants the
    ActivityPub object (None: the page), and whether HTML would do at all."""

    media_type: str | None
    html_acceptable: bool


def choose(accept: str) -> Choice:
    """The answer for an ``Accept`` header (see the module's docstring)."""
    if not accept or len(accept) > MAX_ACCEPT:
        return Choice(None, True)
    best_ap: tuple[float, str] = (0.0, ACTIVITY_JSON)
    html_q = 0.0
    wildcard_q = 0.0
    for item in accept.split(","):
        media_type, params = parse_options_header(item.strip())
        media_type = media_type.lower()
        q = _quality(params.get("q"))
        if media_type == ACTIVITY_JSON:
            answer = ACTIVITY_JSON
        elif media_type == LD_JSON and AS_PROFILE in params.get("profile", AS_PROFILE).split():
            answer = LD_JSON_AS
        else:
            if media_type in HTML_TYPES:
                html_q = max(html_q, q)
            elif media_type in WILDCARDS:
                wildcard_q = max(wildcard_q, q)
            continue
        if q > best_ap[0]:
            best_ap = (q, answer)
    html_acceptable = html_q > 0 or wildcard_q > 0
    if best_ap[0] > 0 and best_ap[0] > html_q:
        return Choice(best_ap[1], html_acceptable)
    return Choice(None, html_acceptable or best_ap[0] == 0)


def _quality(value: str | None) -> float:
    if value is None:
        return 1.0
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return q if 0.0 <= q <= 1.0 else 0.0
