"""The forum itself as an actor: an ``Application`` that signs the forum's fetches.

Servers in "authorized fetch" mode (Mastodon's secure mode, and others) answer a request
for an actor or its key only when it is signed. When no community is concerned yet,
fetching the key that signed an incoming activity for one, the forum signs as this
actor, as Mastodon signs as its own instance actor. Its key is the forum's one
:class:`.models.SiteKey`, which members' Persons publish too.

The actor lives at ``/ap/site`` under the forum's prefix; its ``preferredUsername`` is
the site's host, as Mastodon names its instance actor, and WebFinger finds it by that.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...extension import db_session
from . import addresses
from . import settings as config
from .documents import CONTEXT
from .fetching import fetch_json
from .models import SiteKey
from .negotiation import ACTIVITY_JSON, choose
from .responses import activity
from .signatures import sign_request


def site_key(db: Session) -> SiteKey:
    """The forum's key pair, made the first time it is needed."""
    key = db.get(SiteKey, 1)
    if key is not None:
        return key
    from .services import new_key_pair

    private_pem, public_pem = new_key_pair()
    try:
        db.add(SiteKey(id=1, private_key_pem=private_pem, public_key_pem=public_pem))
        db.commit()
    except IntegrityError:  # made by another request at the same moment
        db.rollback()
    key = db.get(SiteKey, 1)
    assert key is not None
    return key


def actor_id() -> str:
    return addresses.absolute("civicforum.federation.site_actor")


def username() -> str:
    return addresses.host()


def document(key: SiteKey) -> dict[str, Any]:
    the_id = actor_id()
    shared_inbox = addresses.absolute("civicforum.federation.shared_inbox")
    return {
        "@context": CONTEXT,
        "id": the_id,
        "type": "Application",
        "preferredUsername": username(),
        "name": "civicforum",
        "url": the_id,
        "inbox": shared_inbox,
        "outbox": addresses.absolute("civicforum.federation.site_outbox"),
        "endpoints": {"sharedInbox": shared_inbox},
        "manuallyApprovesFollowers": True,
        "publicKey": {
            "id": f"{the_id}#main-key",
            "owner": the_id,
            "publicKeyPem": key.public_key_pem,
        },
    }


def view() -> Response:
    media_type = choose(request.headers.get("Accept", "")).media_type or ACTIVITY_JSON
    return activity(document(site_key(db_session())), media_type)


def outbox() -> Response:
    return activity(
        {
            "@context": CONTEXT,
            "id": addresses.absolute("civicforum.federation.site_outbox"),
            "type": "OrderedCollection",
            "orderedItems": [],
        }
    )


def signed_fetch(url: str) -> dict[str, Any]:
    """Fetch ``url`` safely (:mod:`.fetching`), signed as the forum; in a request."""
    key = site_key(db_session())
    headers = sign_request(
        "GET", url, key_id=f"{actor_id()}#main-key", private_key_pem=key.private_key_pem
    )
    headers.pop("Host", None)  # the HTTP client sends the same host itself
    return fetch_json(url, policy=config.fetch_policy(), headers=headers)


def webfinger(resource: str) -> dict[str, Any]:
    the_id = actor_id()
    return {
        "subject": resource,
        "aliases": [the_id],
        "links": [{"rel": "self", "type": "application/activity+json", "href": the_id}],
    }
