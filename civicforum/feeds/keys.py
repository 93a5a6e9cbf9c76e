"""Private addresses: a member's feed key in the URL stands for the member.

A feed reader or calendar app has no session, so the address itself says who reads:
the key's member, with their memberships, identity level and attributes, exactly as the
pages would see them. Every refusal on such an address (an unknown, revoked or stopped
key, a community or topic that does not exist or that the member may not read) is one
and the same 404, so the answer never tells which part was wrong.

The key is a secret in a URL: the answers ask not to be cached by others, indexed, or
passed on as a Referer, and nothing here writes it to a log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, make_response, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, NotFound

from .. import policy
from ..errors import ServiceError
from ..forum.models import SLUG_MAX, Community
from ..forum.services import get_community
from ..i18n import gettext as _
from ..identity.providers import load_actor
from ..tokens.models import TokenKind
from ..tokens.services import TokenRefused, check_token

F = TypeVar("F", bound=Callable[..., Any])

# Set on the view functions of private addresses; see :func:`private_headers`.
_MARK = "civicforum_private_address"


def feed_actor(db: Session, key: str) -> policy.Actor:
    """The member a feed key stands for, as an actor.

    :raises NotFound: for a key that opens nothing (unknown, revoked or stopped).
    """
    try:
        token = check_token(db, key, TokenKind.FEED)
    except TokenRefused:
        raise NotFound() from None
    return load_actor(db, token.member)


def readable_community(db: Session, actor: policy.Actor, slug: str) -> Community:
    """The community, when the actor may read it.

    :raises NotFound: when it does not exist or the actor may not read it.
    """
    # No slug is that long or holds NUL, which PostgreSQL refuses to compare with.
    if len(slug) > SLUG_MAX or "\x00" in slug:
        raise NotFound()
    community = get_community(db, slug)
    if not policy.can_view_community(actor, community):
        raise NotFound()
    return community


def private_address(view: F) -> F:
    """Make a view the answer of a private address: any refusal becomes the same 404."""

    @functools.wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Response:
        try:
            return make_response(view(*args, **kwargs))
        except (HTTPException, ServiceError):
            return unknown_address()

    setattr(answer, _MARK, True)
    return answer  # type: ignore[return-value]


def unknown_address() -> Response:
    """The one answer to every refused private address."""
    message = _(
        "There is no feed at this address. If it was yours, it may have been replaced: "
        "your settings page shows your current private addresses."
    )
    return Response(message, status=404, content_type="text/plain; charset=utf-8")


def private_headers(response: Response) -> Response:
    """Headers for every answer of a private address (an after-request function of the
    forum's blueprint, so they are on answers refused before the view too)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, _MARK, False):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["X-Robots-Tag"] = "noindex"
    return response
