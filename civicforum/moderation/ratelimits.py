"""Limits on how often a member posts and reports, stricter for new members.

A calm pace is part of the forum's design, and limits blunt a flood of posts or reports
from one account before a moderator can look. Counters live in the ``limits`` library's
storage (``CIVICFORUM_RATELIMIT_STORAGE_URL``), keyed by member id, or for a signed-out
reporter by an HMAC of the network address (never the address itself). A refusal says
when the person can go on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .. import clock
from ..identity.models import Member
from ..settings import Settings

POSTING = "civicforum-posting"
REPORTING = "civicforum-reporting"


class PaceLimiter:
    """The posting and reporting limits of one forum."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.secret_key.encode()
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.ratelimit_storage_url))
        self._limits = {
            (POSTING, False): parse_many(settings.post_rate_limit),
            (POSTING, True): parse_many(settings.new_member_post_rate_limit),
            (REPORTING, False): parse_many(settings.report_rate_limit),
            (REPORTING, True): parse_many(settings.new_member_report_rate_limit),
        }
        self._new_for = dt.timedelta(days=settings.new_member_days)

    def is_new(self, member: Member) -> bool:
        return clock.now() - member.created_at < self._new_for

    def _key(self, member: Member | None, address: str | None) -> tuple[str, bool]:
        if member is not None:
            return f"member:{member.id}", self.is_new(member)
        digest = hmac.new(self._secret, (address or "").encode(), hashlib.sha256).hexdigest()
        return f"address:{digest[:32]}", True

    def _wait(self, action: str, key: str, new: bool) -> dt.datetime | None:
        """When the next one is allowed; None when it is allowed now."""
        latest = 0.0
        for limit in self._limits[action, new]:
            if not self._limiter.test(limit, action, key):
                reset, _remaining = self._limiter.get_window_stats(limit, action, key)
                latest = max(latest, reset)
        return dt.datetime.fromtimestamp(latest, dt.UTC) if latest else None

    def _hit(self, action: str, key: str, new: bool) -> None:
        items: list[RateLimitItem] = self._limits[action, new]
        for limit in items:
            self._limiter.hit(limit, action, key)

    def posting_wait(self, member: Member) -> dt.datetime | None:
        """When ``member`` may publish again, or None when now."""
        return self._wait(POSTING, *self._key(member, None))

    def posted(self, member: Member) -> None:
        self._hit(POSTING, *self._key(member, None))

    def reporting_wait(self, member: Member | None, address: str | None) -> dt.datetime | None:
        """When this member (or signed-out visitor at ``address``) may report again."""
        return self._wait(REPORTING, *self._key(member, address))

    def reported(self, member: Member | None, address: str | None) -> None:
        self._hit(REPORTING, *self._key(member, address))
