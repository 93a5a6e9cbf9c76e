"""The public keys of remote actors, fetched from their actor documents and kept a while.

A signature names its key by ``keyId``, by convention the actor's id with ``#main-key``.
The key is believed only when the document fetched from that address (through
:mod:`.fetching`, so never from the forum's own network) says so consistently:

- the document is the actor (its ``id`` is the address without the fragment) with a
  ``publicKey`` whose ``id`` is the ``keyId`` and whose ``owner`` is the actor; or the
  document is the key itself, whose ``owner`` is then fetched and must list it;
- every id involved is on the same host as the ``keyId``: a server speaks only for its
  own actors.

Keys are kept for :data:`KEPT_FOR`, so a busy sender is not fetched for each activity;
when a signature fails with a kept key, the caller may ask again with ``fresh=True`` (the
actor may have rotated its key).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

from .fetching import PUBLIC_ONLY, FetchRefused, Policy, fetch_json

KEPT_FOR = 3600.0
MOST_KEPT = 10_000


@dataclass(frozen=True)
class RemoteKey:
    key_id: str
    owner: str
    pem: str


class KeyRefused(Exception):
    """A ``keyId`` whose key cannot be believed; the message says why."""


Fetch = Callable[[str], dict[str, Any]]


class RemoteKeys:
    """Remote actors' keys, fetched safely and kept a while (per process)."""

    def __init__(self, policy: Policy = PUBLIC_ONLY, fetch: Fetch | None = None) -> None:
        self._fetch: Fetch = fetch or (lambda url: fetch_json(url, policy=policy))
        self._kept: OrderedDict[str, tuple[float, RemoteKey]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, key_id: str, *, fresh: bool = False) -> RemoteKey:
        """The key with this id.

        :raises KeyRefused: when it cannot be fetched, or its documents disagree.
        """
        now = time.monotonic()
        if not fresh:
            with self._lock:
                found = self._kept.get(key_id)
                if found is not None and now - found[0] < KEPT_FOR:
                    self._kept.move_to_end(key_id)
                    return found[1]
        remote = self._look_up(key_id)
        with self._lock:
            self._kept[key_id] = (now, remote)
            self._kept.move_to_end(key_id)
            while len(self._kept) > MOST_KEPT:
                self._kept.popitem(last=False)
        return remote

    def pem(self, key_id: str) -> str | None:
        """For :func:`.signatures.verify_request`: the PEM, or None when refused."""
        try:
            return self.key(key_id).pem
        except KeyRefused:
            return None

    def _look_up(self, key_id: str) -> RemoteKey:
        address, _fragment = urldefrag(key_id)
        host = urlsplit(key_id).hostname
        try:
            document = self._fetch(address)
        except FetchRefused as refused:
            raise KeyRefused(f"The key {key_id} cannot be fetched: {refused}") from None
        if _id(document) == address and isinstance(document.get("publicKey"), dict | list):
            actor = document
            key = _key_in(actor, key_id)
        else:
            key = document
            if _id(key) != key_id or not isinstance(key.get("owner"), str):
                raise KeyRefused(f"{address} is neither the actor nor the key {key_id}.")
            try:
                actor = self._fetch(key["owner"])
            except FetchRefused as refused:
                raise KeyRefused(f"The owner of {key_id} cannot be fetched: {refused}") from None
            key = _key_in(actor, key_id)
        owner = _id(actor)
        if key.get("owner") != owner:
            raise KeyRefused(f"The key {key_id} is not owned by {owner}.")
        if urlsplit(owner or "").hostname != host:
            raise KeyRefused(f"The key {key_id} and its actor are on different hosts.")
        pem = key.get("publicKeyPem")
        if not isinstance(pem, str) or "PUBLIC KEY" not in pem:
            raise KeyRefused(f"The key {key_id} has no public key in PEM.")
        return RemoteKey(key_id, owner or "", pem)


def _id(document: dict[str, Any]) -> str | None:
    value = document.get("id")
    return value if isinstance(value, str) else None


def _key_in(actor: dict[str, Any], key_id: str) -> dict[str, Any]:
    listed = actor.get("publicKey")
    candidates = listed if isinstance(listed, list) else [listed]
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("id") == key_id:
            return candidate
    raise KeyRefused(f"The actor {_id(actor)} does not list the key {key_id}.")
