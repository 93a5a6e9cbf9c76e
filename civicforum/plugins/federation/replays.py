"""Remembering the signatures of requests already received, to refuse a replay.

A signed activity caught on the way could be sent again within the date window the
signature allows. Each verified signature's digest is counted in the forum's rate-limit
storage (``CIVICFORUM_RATELIMIT_STORAGE_URL``: memory on one process, Redis across
several) for a little longer than that window; a second count is a replay. Nothing but
a hash of the signature is kept, and only for that long.
"""

from __future__ import annotations

from limits.storage import Storage, storage_from_string

from .signatures import DATE_WINDOW

PREFIX = "civicforum-federation-signature/"
#: Both ways of the date window, and a minute more.
REMEMBERED_FOR = int(2 * DATE_WINDOW.total_seconds()) + 60


class ReplayGuard:
    """``seen(digest)`` for :func:`.signatures.verify_request`."""

    def __init__(self, storage_url: str) -> None:
        storage = storage_from_string(storage_url)
        assert isinstance(storage, Storage)  # a synchronous storage: no async: URLs here
        self._storage = storage

    def seen(self, digest: str) -> bool:
        """Whether this signature came before; counts it either way."""
        return self._storage.incr(PREFIX + digest, REMEMBERED_FOR) > 1
