"""Switching federation on and off for a community, and asking whether it is on.

Only a community that anyone may read can be federated: what other servers copy cannot
be taken back from them, so a members-only community, or one that asks readers for an
identity level or attribute, is never federated. That question is the policy's
(:func:`civicforum.policy.can_view_community` for an anonymous visitor), asked here
when switching on and again on every request, so a community made members-only later
stops answering as an actor at once.

Switching is site administration: the command line (``flask civicforum federation``)
calls these functions; like creating a community, they take no actor.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import policy
from ...errors import NotFound, ServiceError
from ...forum import services as forum_services
from ...forum.models import Community
from ...i18n import gettext as _
from .models import FederationActor

KEY_BITS = 2048


def may_federate(community: Community) -> policy.Verdict:
    """Whether the community's content is open to anyone, as federation needs."""
    return policy.can_view_community(policy.ANONYMOUS, community)


def actor_of(db: Session, community: Community) -> FederationActor | None:
    """The community's federation row, whether switched on or not; None if never on."""
    return db.get(FederationActor, community.id)


def federated_actor(db: Session, community: Community) -> FederationActor | None:
    """The community's actor when it is federated now: switched on and still public."""
    actor = actor_of(db, community)
    if actor is None or not actor.enabled or not may_federate(community):
        return None
    return actor


def federated_community(db: Session, slug: str) -> tuple[Community, FederationActor] | None:
    """The community named ``slug`` and its actor, when it is federated now."""
    try:
        community = forum_services.get_community(db, slug)
    except NotFound:
        return None
    actor = federated_actor(db, community)
    return None if actor is None else (community, actor)


def enable(db: Session, community: Community) -> FederationActor:
    """Switch federation on, making the community's key pair the first time.

    :raises ServiceError: when the community is not open to anyone; nothing is written.
    """
    if not may_federate(community):
        raise ServiceError(
            _(
                "%(slug)s cannot be federated: only communities that anyone may read are; "
                "members-only communities and those with requirements for readers never are.",
                slug=community.slug,
            )
        )
    actor = actor_of(db, community)
    if actor is None:
        private_pem, public_pem = new_key_pair()
        actor = FederationActor(
            community_id=community.id, private_key_pem=private_pem, public_key_pem=public_pem
        )
        db.add(actor)
    actor.enabled = True
    db.commit()
    return actor


def disable(db: Session, community: Community) -> None:
    """Switch federation off; the key pair is kept for switching on again."""
    actor = actor_of(db, community)
    if actor is not None and actor.enabled:
        actor.enabled = False
        db.commit()


def all_actors(db: Session) -> Sequence[FederationActor]:
    """Every community that was ever switched on, by slug."""
    query = select(FederationActor).join(FederationActor.community).order_by(Community.slug)
    return db.scalars(query).all()


def new_key_pair() -> tuple[str, str]:
    """A fresh RSA key pair as PEM text: (private PKCS#8, public SubjectPublicKeyInfo)."""
    return pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS))


def pem_pair(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    """A private key and its public key as PEM text, as ActivityPub servers publish them."""
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem
