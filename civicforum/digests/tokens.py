"""The signed parts of a digest: the one-click unsubscribe token and the Message-ID.

The token carries the member's id, signed with the forum's secret under a salt of its
own (so no other signed value of the forum passes for it), and does not expire: a link
in an old digest must still stop the digests, without signing in.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

from ..settings import Settings

SALT = "civicforum.digests.unsubscribe"


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def unsubscribe_token(settings: Settings, member_id: int) -> str:
    return _serializer(settings).dumps(member_id)


def member_of_token(settings: Settings, token: str) -> int | None:
    """The member an unsubscribe token was made for; None for a forged or garbled one."""
    if len(token) > 200:
        return None
    try:
        member_id = _serializer(settings).loads(token)
    except BadSignature:
        return None
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id <= 0:
        return None
    return member_id


def message_id(settings: Settings, member_id: int, period: str) -> str:
    """The same Message-ID for every attempt at one member's digest of one period, so a
    mail sent twice (a crash after the server took it) is recognisably one. It names
    neither the member nor their address."""
    digest = hmac.new(
        settings.secret_key.encode(), f"digest:{member_id}:{period}".encode(), hashlib.sha256
    ).hexdigest()[:24]
    host = urlsplit(settings.site_url or "").hostname or "civicforum.invalid"
    return f"<digest.{period.replace(':', '-')}.{digest}@{host}>"
