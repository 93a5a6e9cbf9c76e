"""Who calls the API, and how often they may.

A request is anonymous unless it carries a personal API token in the ``Authorization``
header; the API never reads the forum's session cookie or the host's login, so a page
elsewhere cannot make a visitor's browser post in their name (no CSRF), and a token
never travels in an address, where logs and referrers would keep it.

Every answer carries the rate limit's state in the ``RateLimit-Policy`` and ``RateLimit``
fields of draft-ietf-httpapi-ratelimit-headers; counters are kept per token, or per
keyed hash of the network address without one, in the forum's rate-limit storage.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from flask import Response, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..extension import db_session
from ..i18n import gettext as _
from ..i18n import ngettext
from ..identity.providers import load_actor
from ..policy import ANONYMOUS
from ..settings import Settings
from ..tokens.models import TokenKind
from ..tokens.services import TokenRefused, check_token
from .problems import Problem

SCOPE = "civicforum-api"
#: Names a token must not come under in the query string.
TOKEN_PARAMETERS = ("access_token", "token", "api_key", "apikey", "key", "bearer")


def identify() -> None:
    """Settle the actor of an API request before anything reads it."""
    for name in TOKEN_PARAMETERS:
        if name in request.args:
            raise Problem(
                400,
                _(
                    "Send the token in the “Authorization: Bearer …” header, never in the address: addresses are kept in logs."
                ),
                code="token-in-query",
            )
    header = request.headers.get("Authorization")
    g.civicforum_api_token = None
    if header is None:
        g._civicforum_actor = ANONYMOUS
        return
    scheme, _space, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise _unauthorised(_("Send the token as “Authorization: Bearer …”."), "invalid_request")
    db = db_session()
    try:
        token = check_token(db, presented.strip(), TokenKind.API)
    except TokenRefused as refused:
        raise _unauthorised(str(refused), "invalid_token", code=f"token-{refused.reason}") from None
    g.civicforum_api_token = token
    g._civicforum_actor = load_actor(db, token.member)


def _unauthorised(detail: str, error: str, code: str = "token-invalid") -> Problem:
    return Problem(
        401,
        detail,
        code=code,
        headers={"WWW-Authenticate": f'Bearer realm="civicforum", error="{error}"'},
    )


@dataclass(frozen=True)
class Quota:
    """The state of the tightest limit after this request, for the response fields."""

    policy: str
    name: str
    remaining: int
    reset: int


class ApiLimiter:
    """The API's rate limits of one forum."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.secret_key.encode()
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.ratelimit_storage_url))
        self._limits: list[RateLimitItem] = parse_many(settings.api_rate_limit)

    def _key(self) -> str:
        token = g.get("civicforum_api_token")
        if token is not None:
            return f"token:{token.id}"
        address = request.remote_addr or ""
        digest = hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()
        return f"address:{digest[:32]}"

    def policy(self) -> str:
        return ", ".join(
            f'"{_name(limit)}";q={limit.amount};w={limit.get_expiry()}' for limit in self._limits
        )

    def take(self) -> Quota:
        """Count this request; a refusal (429) when a limit is used up."""
        key = self._key()
        now = time.time()
        tightest: Quota | None = None
        refused = False
        for limit in self._limits:
            if not self._limiter.hit(limit, SCOPE, key):
                refused = True
            reset_at, remaining = self._limiter.get_window_stats(limit, SCOPE, key)
            quota = Quota(
                self.policy(),
                _name(limit),
                remaining,
                min(limit.get_expiry(), max(0, math.ceil(reset_at - now))),
            )
            if tightest is None or (quota.remaining, -quota.reset) < (
                tightest.remaining,
                -tightest.reset,
            ):
                tightest = quota
        assert tightest is not None
        g.civicforum_api_quota = tightest
        if refused:
            wait = max(1, tightest.reset)
            raise Problem(
                429,
                ngettext(
                    "Too many requests. Try again in %(num)d second.",
                    "Too many requests. Try again in %(num)d seconds.",
                    wait,
                ),
                code="rate-limited",
                headers={"Retry-After": str(wait)},
            )
        return tightest


def _name(limit: RateLimitItem) -> str:
    return f"{limit.amount}-per-{limit.multiples}-{limit.GRANULARITY.name}"


def add_quota_fields(response: Response) -> Response:
    quota: Quota | None = g.get("civicforum_api_quota")
    if quota is not None:
        response.headers["RateLimit-Policy"] = quota.policy
        response.headers["RateLimit"] = f'"{quota.name}";r={quota.remaining};t={quota.reset}'
    response.headers.setdefault(
        "Cache-Control", "no-store" if g.get("civicforum_api_token") else "no-cache"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
