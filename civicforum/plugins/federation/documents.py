"""The JSON documents federation serves: the Group actor, its collections, WebFinger's
JRD, host-meta and NodeInfo.

Every ActivityStreams document names the ActivityStreams and security contexts, and
declares the few terms it uses from elsewhere (Mastodon's ``manuallyApprovesFollowers``
and ``sensitive``, Lemmy's ``moderators`` of FEP-1b12, schema.org's ``address`` of an
event's place), so that it expands as JSON-LD with no term left undefined. The tests
check that with pyld and the copies in ``contexts/`` of the two contexts as published
(``activitystreams.jsonld`` from https://www.w3.org/ns/activitystreams,
``security-v1.jsonld`` from https://w3id.org/security/v1), so nothing is fetched.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from ... import __version__
from ...forum.models import Community
from . import addresses
from .models import FederationActor

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
EXTRA_TERMS: dict[str, Any] = {
    "lemmy": "https://join-lemmy.org/ns#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
    # A post behind a content warning (its ``summary``), as Mastodon and Lemmy mark one.
    "sensitive": "as:sensitive",
    # An event's place: its address in plain text, as Mastodon and Mobilizon spell schema.
    "schema": "http://schema.org#",
    "address": "schema:address",
}
CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTRA_TERMS]
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
SOFTWARE = "civicforum"


def group(community: Community, actor: FederationActor) -> dict[str, Any]:
    """The community as a ``Group`` actor (FEP-1b12, as Lemmy and others serve them).

    ``attributedTo`` and ``moderators`` name the moderators' collection, as FEP-1b12
    suggests; it is empty until moderators are federated as actors of their own.
    """
    actor_id = addresses.community_id(community.slug)
    moderators = addresses.collection(community.slug, "moderators")
    return {
        "@context": CONTEXT,
        "id": actor_id,
        "type": "Group",
        "preferredUsername": community.slug,
        "name": community.name,
        "summary": community.description_html,
        "url": actor_id,
        "inbox": addresses.collection(community.slug, "inbox"),
        "outbox": addresses.collection(community.slug, "outbox"),
        "followers": addresses.collection(community.slug, "followers"),
        "moderators": moderators,
        "attributedTo": moderators,
        "endpoints": {"sharedInbox": addresses.absolute("civicforum.federation.shared_inbox")},
        "publicKey": {
            "id": f"{actor_id}#main-key",
            "owner": actor_id,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": False,
        "published": community.created_at.isoformat(),
    }


def empty_collection(collection_id: str) -> dict[str, Any]:
    """An ordered collection with nothing in it yet. No ``totalItems``: the forum shows
    no follower counts, and an empty list says enough."""
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "orderedItems": [],
    }


def webfinger(resource: str, community: Community) -> dict[str, Any]:
    """The JRD (RFC 7033) for ``acct:slug@host``: the actor, and the page for people."""
    actor_id = addresses.community_id(community.slug)
    return {
        "subject": resource,
        "aliases": [actor_id],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor_id},
        ],
    }


def host_meta() -> str:
    """host-meta (RFC 6415) as XRD: where WebFinger is, for the servers that look here first."""
    template = addresses.absolute("civicforum_federation_site.webfinger") + "?resource={uri}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )


def nodeinfo_links() -> dict[str, Any]:
    """``/.well-known/nodeinfo``: where the NodeInfo 2.1 document is."""
    href = addresses.absolute("civicforum.federation.nodeinfo")
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": href}]}


def nodeinfo(*, users: int, posts: int, comments: int, open_registrations: bool) -> dict[str, Any]:
    """NodeInfo 2.1: the software, the protocol, and the counts NodeInfo asks for."""
    return {
        "version": "2.1",
        "software": {"name": SOFTWARE, "version": __version__},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {"total": users},
            "localPosts": posts,
            "localComments": comments,
        },
        "metadata": {},
    }
