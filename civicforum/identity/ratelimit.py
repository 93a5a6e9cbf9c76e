"""Sign-in rate limiting without keeping anyone's IP address.

Counters are keyed by an HMAC of the address (and of the account name tried), made with
the forum's secret: the store never holds an address, and the keys expire with the window.
The algorithms and storage back-ends are the ``limits`` library's, the same that
Flask-Limiter is built on; it is used directly because these limits key on the account
under attack, not on a route.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..settings import Settings


class SignInLimiter:
    def __init__(self, settings: Settings) -> None:
        self._secret = settings.secret_key.encode()
        self._limits = parse_many(settings.signin_rate_limit)
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.ratelimit_storage_url))

    def _keys(self, address: str | None, account: str) -> list[str]:
        keys = ["account:" + self._hash(account.strip().lower())]
        if address:
            keys.append("address:" + self._hash(address))
        return keys

    def _hash(self, value: str) -> str:
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    def retry_after(self, address: str | None, account: str) -> int:
        """Seconds until another try is allowed, 0 when one is allowed now."""
        wait = 0
        for key in self._keys(address, account):
            for limit in self._limits:
                if not self._limiter.test(limit, "civicforum-signin", key):
                    reset, _remaining = self._limiter.get_window_stats(
                        limit, "civicforum-signin", key
                    )
                    wait = max(wait, int(reset))
        return max(1, wait - int(time.time())) if wait else 0

    def record_failure(self, address: str | None, account: str) -> None:
        for key in self._keys(address, account):
            for limit in self._limits:
                self._limiter.hit(limit, "civicforum-signin", key)
