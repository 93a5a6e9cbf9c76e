"""Answers in the media types federation speaks, and its refusals as problem documents.

Other servers read these, not people: a refusal is a short problem document (RFC 9457)
rather than the forum's HTML error page.
"""

from __future__ import annotations

from typing import Any

from flask import Response, json

from ...i18n import gettext as _
from .negotiation import ACTIVITY_JSON

PROBLEM = "application/problem+json"


def activity(document: dict[str, Any], media_type: str = ACTIVITY_JSON) -> Response:
    """An ActivityStreams document; it depends on ``Accept``, so caches must know that."""
    response = json_answer(document, media_type)
    response.vary.add("Accept")
    return response


def json_answer(document: dict[str, Any], media_type: str, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False)
    response = Response(body, status=status)
    # Set whole: Response(mimetype=...) would add a charset to a type with a profile.
    response.headers["Content-Type"] = media_type
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def problem(status: int, detail: str) -> Response:
    titles = {
        400: _("Bad request"),
        401: _("Unauthorized"),
        403: _("Forbidden"),
        404: _("Not found"),
        406: _("Not acceptable"),
        410: _("Gone"),
        413: _("Content too large"),
        415: _("Unsupported media type"),
        422: _("Unprocessable content"),
        429: _("Too many requests"),
    }
    document = {"type": "about:blank", "title": titles.get(status, ""), "status": status}
    document["detail"] = detail
    return json_answer(document, PROBLEM, status)
