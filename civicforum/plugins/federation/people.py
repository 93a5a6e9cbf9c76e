"""Who other servers are told wrote a post: a ``Person`` under the shown name, or the Group.

Privacy by design. A member appears to other servers under the name the post shows and
nothing more: never their account, e-mail address or member number, and never one name
next to the other. A member has one ``Person`` per *kind* of shown name: the pseudonym
(their display name) and, if they publish under it, their real name. The two are
separate actors with unrelated addresses, so another server cannot link the posts a
member signed with their real name to those they wrote under a pseudonym.

Posts without a name have no Person at all. An anonymous post, a post shown only as
"verified member", and a post whose author was erased are attributed to the community's
Group, as a newspaper prints a letter "name known to the editors". A member who lives on
another server (a :class:`~.models.RemoteActor` with their member number) is named by
their own address there.

A Person's address is ``/ap/p/TOKEN``. The token is a keyed hash (HMAC-SHA256 with the
forum's secret key) of the member's number, the moment their account was made and the
kind of name, made on first need and stored, so that it can be looked up. It is made of
two parts: 80 bits from that hash, and 48 bits that only the forum's secret can make from
the first part. The second part lets the forum recognise a token it made even after the
member was erased and their Person's row went with them: such an address answers 410
with a ``Tombstone`` rather than 404, so other servers drop what they kept. The account's
creation moment is hashed in so that a member number used again (SQLite may hand out the
number of an erased member once more) never gives a new member the address of an erased
one. (A token made before the secret key was changed is still found in the table; only
the erased ones among those answer 404 instead of 410.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...extension import state
from ...forum.models import Community
from ...identity.models import Member, PublishAs
from . import addresses
from .documents import CONTEXT
from .models import Person, RemoteActor

#: The kinds of shown name a Person stands for; every other way of publishing has none.
PERSON_KINDS = frozenset({PublishAs.PSEUDONYM.value, PublishAs.REAL_NAME.value})
NAME_BYTES = 10
CHECK_BYTES = 6
#: 16 bytes in base32, without padding.
TOKEN_LENGTH = 26
_BASE32 = frozenset("abcdefghijklmnopqrstuvwxyz234567")


# -- who wrote it ------------------------------------------------------------------------


def author_uri(db: Session, community: Community, member: Member | None, publish_as: str) -> str:
    """The actor id a post's ``attributedTo`` names (see the module's documentation).

    Makes (and flushes) the member's Person the first time it is needed; the caller
    commits, so that the Person's address answers from then on.
    """
    if member is None:
        return addresses.community_id(community.slug)
    remote = db.scalar(select(RemoteActor.uri).where(RemoteActor.member_id == member.id))
    if remote is not None:
        return remote
    kind = person_kind(member, publish_as)
    if kind is None:
        return addresses.community_id(community.slug)
    return person_id(person_for(db, member, kind))


def person_kind(member: Member, publish_as: str) -> str | None:
    """Which Person a post published ``publish_as`` appears under; None: the Group.

    A post meant for the real name of a member who has none (any more) shows the display
    name on the forum's pages, so it is the pseudonym's Person here too.
    """
    if publish_as == PublishAs.REAL_NAME and member.real_name:
        return PublishAs.REAL_NAME.value
    if publish_as in (PublishAs.PSEUDONYM, PublishAs.REAL_NAME):
        return PublishAs.PSEUDONYM.value
    return None


# -- the Person rows ---------------------------------------------------------------------


def person_for(db: Session, member: Member, shown_as: str) -> Person:
    """The member's Person for one kind of shown name, made and flushed if missing.

    Two requests making the same Person at once make one: the row is inserted with "on
    conflict do nothing" and read back. The caller commits.

    :raises ValueError: for a kind of name that has no Person (anonymous, verified).
    """
    if shown_as not in PERSON_KINDS:
        raise ValueError(f"a post shown as {shown_as!r} has no Person")
    query = select(Person).where(Person.member_id == member.id, Person.shown_as == shown_as)
    person = db.scalar(query)
    if person is not None:
        return person
    values = {"token": make_token(member, shown_as), "member_id": member.id, "shown_as": shown_as}
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(postgresql.insert(Person).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        db.execute(sqlite.insert(Person).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the forum runs on SQLite and PostgreSQL
        db.add(Person(**values))
        db.flush()
    return db.scalars(query).one()


def person_by_token(db: Session, token: str) -> Person | None:
    """The Person with that token, whether or not they still have that name."""
    if not looks_like_token(token):
        return None
    return db.scalar(select(Person).where(Person.token == token))


def shown_name(person: Person) -> str | None:
    """The name the Person goes by; None when the member no longer has that kind of name
    (a real name removed from their settings), and the Person is gone."""
    if person.shown_as == PublishAs.REAL_NAME:
        return person.member.real_name or None
    return person.member.display_name


def shown_person(db: Session, token: str) -> Person | None:
    """The Person with that token when it still stands for a name: what may be served."""
    person = person_by_token(db, token)
    return person if person is not None and shown_name(person) is not None else None


# -- tokens ------------------------------------------------------------------------------


def make_token(member: Member, shown_as: str) -> str:
    """The token of the member's Person for one kind of name (see the module's docs)."""
    made = member.created_at.isoformat()
    name = _mac(f"person:{member.id}:{made}:{shown_as}".encode())[:NAME_BYTES]
    return _encode(name + _check(name))


def made_here(token: str) -> bool:
    """Whether the forum made this token (with its current secret key), even if the
    Person it named is gone: how an erased member's address is told from a made-up one."""
    if not looks_like_token(token):
        return False
    try:
        raw = base64.b32decode(token.upper() + "======")
    except binascii.Error:
        return False
    name, check = raw[:NAME_BYTES], raw[NAME_BYTES:]
    return hmac.compare_digest(check, _check(name))


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and set(token) <= _BASE32


def _check(name: bytes) -> bytes:
    return _mac(b"person-token:" + name)[:CHECK_BYTES]


def _mac(message: bytes) -> bytes:
    key = state().settings.secret_key.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


# -- documents ---------------------------------------------------------------------------


def person_id(person: Person) -> str:
    """The Person's actor id: ``/ap/p/TOKEN`` under the forum's prefix."""
    return addresses.absolute("civicforum.federation.person", token=person.token)


def person_document(person: Person, public_key_pem: str) -> dict[str, Any]:
    """The Person actor: its token as its user name, the shown name, and where to write.

    Nothing else: no e-mail address, no member number, no other name, no creation date
    (two Persons of one member made at the same moment would betray each other), no
    follower counts. Its ``publicKey`` is the one all Persons share
    (:func:`.siteactor.site_key`). There is no inbox of its own: what is sent to a Person reaches the
    forum's shared inbox. Its outbox is empty: its posts reach other servers through the
    community's Group.

    :raises ValueError: for a Person that no longer has its name (serve a Tombstone).
    """
    name = shown_name(person)
    if name is None:
        raise ValueError("this Person has no name any more")
    actor_id = person_id(person)
    shared_inbox = addresses.absolute("civicforum.federation.shared_inbox")
    return {
        "@context": CONTEXT,
        "id": actor_id,
        "type": "Person",
        "preferredUsername": person.token,
        "name": name,
        "url": actor_id,
        "inbox": shared_inbox,
        "outbox": addresses.absolute("civicforum.federation.person_outbox", token=person.token),
        "endpoints": {"sharedInbox": shared_inbox},
        "publicKey": {
            "id": f"{actor_id}#main-key",
            "owner": actor_id,
            "publicKeyPem": public_key_pem,
        },
    }


def webfinger(resource: str, person: Person) -> dict[str, Any]:
    """The JRD (RFC 7033) for ``acct:TOKEN@host``: the Person's actor id, nothing more."""
    actor_id = person_id(person)
    return {
        "subject": resource,
        "aliases": [actor_id],
        "links": [{"rel": "self", "type": "application/activity+json", "href": actor_id}],
    }
