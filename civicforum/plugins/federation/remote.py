"""Actors on other servers: fetched safely, kept in ``cf_federation_remote_actor``, and,
once they write in a community, given a member of their own.

A remote actor who replies becomes a :class:`~civicforum.identity.models.Member` so that
everything the forum does for people applies to them unchanged: house rules, pace limits,
reports, pre-moderation and every measure of the moderation ladder (a ban of that member
is a ban of that actor). The member has no account and cannot sign in; its name is the
actor's own with its server (``Ada@lemmy.example``), so readers see where someone comes
from, and it starts at the lowest identity level: the forum knows nothing more of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clock import now
from ...identity import services as identity
from ...identity.models import IdentityLevel, Member
from .fetching import FetchRefused
from .models import HOST_MAX, NAME_MAX, URI_MAX, RemoteActor

#: An actor's document is fetched again when what is kept is older than this.
FRESH_FOR = dt.timedelta(days=1)
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})

Fetch = Callable[[str], dict[str, Any]]


class ActorRefused(Exception):
    """An actor whose document cannot be fetched or does not describe an actor."""


def host_of(uri: str) -> str:
    """The host (with its port, if any) of an address, lower case."""
    return urlsplit(uri).netloc.lower()


def find(db: Session, uri: str) -> RemoteActor | None:
    return db.scalar(select(RemoteActor).where(RemoteActor.uri == uri))


def by_member(db: Session, member_id: int) -> RemoteActor | None:
    return db.scalar(select(RemoteActor).where(RemoteActor.member_id == member_id))


def ensure(db: Session, uri: str, fetch: Fetch, *, refresh: bool = False) -> RemoteActor:
    """The remote actor at ``uri``, fetched when unknown or stale (and ``refresh``).

    Flushes, does not commit: the caller's work and the actor are kept together.

    :raises ActorRefused: when it cannot be fetched or is not an actor.
    """
    known = find(db, uri)
    if known is not None and not refresh and now() - known.fetched_at < FRESH_FOR:
        return known
    try:
        document = fetch(uri)
    except FetchRefused as refused:
        if known is not None:
            return known  # its server is away for now: what we know still stands
        raise ActorRefused(str(refused)) from None
    fields = read_actor(uri, document)
    actor = known or RemoteActor(uri=uri)
    for name, value in fields.items():
        setattr(actor, name, value)
    actor.fetched_at = now()
    if known is None:
        db.add(actor)
    db.flush()
    return actor


def read_actor(uri: str, document: dict[str, Any]) -> dict[str, Any]:
    """The fields the forum keeps of an actor's document.

    :raises ActorRefused: when it is not an actor, or its addresses are unusable.
    """
    kind = document.get("type")
    if document.get("id") != uri or kind not in ACTOR_TYPES:
        raise ActorRefused(f"{uri} is not an actor.")
    inbox = _address(document.get("inbox"))
    if inbox is None or host_of(inbox) != host_of(uri):
        raise ActorRefused(f"{uri} has no inbox on its own server.")
    endpoints = document.get("endpoints")
    shared = _address(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    if shared is not None and host_of(shared) != host_of(uri):
        shared = None
    key = document.get("publicKey")
    key = key[0] if isinstance(key, list) and key else key
    key_id = _address(key.get("id")) if isinstance(key, dict) else None
    pem = key.get("publicKeyPem") if isinstance(key, dict) else None
    return {
        "host": host_of(uri)[:HOST_MAX],
        "inbox": inbox,
        "shared_inbox": shared,
        "preferred_username": _text(document.get("preferredUsername")),
        "name": _text(document.get("name")),
        "url": _address(document.get("url")),
        "key_id": key_id,
        "public_key_pem": pem if isinstance(pem, str) and len(pem) < 10_000 else None,
    }


def _address(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("href") or value.get("id")
    if not isinstance(value, str) or len(value) > URI_MAX:
        return None
    return value if urlsplit(value).scheme in ("https", "http") else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # No control characters, no bidi overrides: a name is shown in pages.
    cleaned = "".join(
        c
        for c in value
        if c.isprintable() and c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )
    return " ".join(cleaned.split())[:NAME_MAX] or None


def shown_name(actor: RemoteActor) -> str:
    """How readers see the actor: their name or username, and their server."""
    name = actor.name or actor.preferred_username or "?"
    return f"{name}@{actor.host}"


def member_of(db: Session, actor: RemoteActor) -> Member:
    """The actor's member, made the first time they write. Flushes, does not commit."""
    if actor.member is not None:
        return actor.member
    member = identity.new_member_named_like(db, shown_name(actor), IdentityLevel.REGISTERED)
    db.flush()
    actor.member_id = member.id
    actor.member = member
    db.flush()
    return member
