"""The activities a community's Group sends: ``Accept`` of a follow, and, as FEP-1b12
asks of a group, every change in its topics wrapped in an ``Announce``: ``Create`` of a
new topic (``Page``) or reply (``Note``), ``Update`` of an edited one, ``Delete`` of one
that was deleted or hidden by a moderator.

Activity ids are the object's own address with a fragment (``…/t/7/#create``), so they
dereference to the object they are about; the forum stores no activity of its own.
"""

from __future__ import annotations

import hashlib
from typing import Any

from . import addresses
from .documents import CONTEXT

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def accept(group_id: str, follow: dict[str, Any]) -> dict[str, Any]:
    """``Accept`` of a ``Follow``, carrying the follow as it came (Mastodon checks it)."""
    return {
        "@context": CONTEXT,
        "id": f"{group_id}#accept-{_digest(str(follow.get('id')))}",
        "type": "Accept",
        "actor": group_id,
        "object": {key: follow[key] for key in ("id", "type", "actor", "object") if key in follow},
        "to": [follow.get("actor")],
    }


def _addressed(slug: str) -> dict[str, Any]:
    return {"to": [PUBLIC], "cc": [addresses.collection(slug, "followers")]}


def wrapped(slug: str, kind: str, obj: dict[str, Any] | str, version: str = "") -> dict[str, Any]:
    """``kind`` (Create, Update, Delete) of ``obj`` by the Group, in an ``Announce``.

    :param version: told apart activities of the same kind on one object (an edit's time).
    """
    group_id = addresses.community_id(slug)
    object_id = obj if isinstance(obj, str) else str(obj["id"])
    fragment = f"{kind.lower()}{'-' + version if version else ''}"
    inner = {
        "id": f"{object_id}#{fragment}",
        "type": kind,
        "actor": group_id,
        "object": obj,
        "audience": group_id,
        **_addressed(slug),
    }
    return {
        "@context": CONTEXT,
        "id": f"{group_id}#announce-{_digest(inner['id'])}",
        "type": "Announce",
        "actor": group_id,
        "object": inner,
        "audience": group_id,
        **_addressed(slug),
    }


def announce_remote(slug: str, object_id: str) -> dict[str, Any]:
    """An ``Announce`` of a reply written on another server (its own id, as FEP-1b12)."""
    group_id = addresses.community_id(slug)
    return {
        "@context": CONTEXT,
        "id": f"{group_id}#announce-{_digest(object_id)}",
        "type": "Announce",
        "actor": group_id,
        "object": object_id,
        "audience": group_id,
        **_addressed(slug),
    }
