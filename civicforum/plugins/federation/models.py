"""The federation plugin's tables: federated communities and their keys, remote actors
and who follows, posts from elsewhere, members' Persons, deliveries and blocks.

The tables belong to the plugin, not to the forum: they are created by the plugin's own
migration branch (``federation``) and marked ``info={"civicforum_plugin": "federation"}``
so that the forum's migrations leave it alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from ...clock import now
from ...db import Base, UTCDateTime
from ...forum.models import Community
from ...identity.models import Member

PLUGIN = "federation"
PLUGIN_INFO: dict[str, Any] = {"civicforum_plugin": PLUGIN}
#: Addresses longer than this are refused before anything is stored.
URI_MAX = 2000
HOST_MAX = 255
NAME_MAX = 200


class FederationActor(Base):
    """A community as an ActivityPub ``Group``: switched on or off, with its key pair.

    A row exists once a community was switched on. Switching off keeps the row and its
    keys, so that switching on again gives the same actor with the same key that other
    servers may still hold; only erasing the community removes it.
    """

    __tablename__ = "cf_federation_actor"
    __table_args__ = {"info": PLUGIN_INFO}

    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # RSA 2048, PEM: PKCS#8 for the private key, SubjectPublicKeyInfo for the public
    # one, as ActivityPub servers publish it in ``publicKey.publicKeyPem``.
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    community: Mapped[Community] = relationship()


class RemoteActor(Base):
    """An actor on another server that followed a community or wrote in one.

    Someone elsewhere who writes a reply becomes a :class:`~civicforum.identity.models.Member`
    of this forum (``member_id``), so that house rules, pace limits, reports and the whole
    moderation ladder apply to them exactly as to local members; this row says where they
    live. Only what their own server publishes about them is kept: their address, inbox,
    name and public key.
    """

    __tablename__ = "cf_federation_remote_actor"
    __table_args__ = {"info": PLUGIN_INFO}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(URI_MAX), unique=True)
    host: Mapped[str] = mapped_column(String(HOST_MAX), index=True)
    inbox: Mapped[str] = mapped_column(String(URI_MAX))
    shared_inbox: Mapped[str | None] = mapped_column(String(URI_MAX))
    preferred_username: Mapped[str | None] = mapped_column(String(NAME_MAX))
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    url: Mapped[str | None] = mapped_column(String(URI_MAX))
    key_id: Mapped[str | None] = mapped_column(String(URI_MAX))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL"), unique=True
    )
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    member: Mapped[Member | None] = relationship()

    @property
    def delivery_inbox(self) -> str:
        """Where to send: the server's shared inbox when it has one, else the actor's."""
        return self.shared_inbox or self.inbox


class Follower(Base):
    """A remote actor following a community's Group."""

    __tablename__ = "cf_federation_follower"
    __table_args__ = (
        UniqueConstraint("community_id", "remote_actor_id"),
        {"info": PLUGIN_INFO},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), index=True
    )
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("cf_federation_remote_actor.id", ondelete="CASCADE")
    )
    follow_id: Mapped[str] = mapped_column(String(URI_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    remote_actor: Mapped[RemoteActor] = relationship()


class RemoteObject(Base):
    """A post that came from another server: the address of the object there, so that
    its author's later ``Update`` and ``Delete`` reach the same post, and the same
    ``Create`` received twice makes one post."""

    __tablename__ = "cf_federation_remote_object"
    __table_args__ = {"info": PLUGIN_INFO}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(URI_MAX), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("cf_post.id", ondelete="CASCADE"), unique=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("cf_federation_remote_actor.id", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)


class Person(Base):
    """The ``Person`` a member appears as to other servers, one per member *and* shown
    name: posts under a pseudonym and posts under the real name are two unlinkable actors
    (``token`` is a keyed hash, not the member's number). Anonymous posts and posts shown
    only as "verified member" have no Person: the Group is named as their author."""

    __tablename__ = "cf_federation_person"
    __table_args__ = (
        UniqueConstraint("member_id", "shown_as"),
        {"info": PLUGIN_INFO},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cf_member.id", ondelete="CASCADE"))
    shown_as: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    member: Mapped[Member] = relationship()


class Delivery(Base):
    """One activity to send to one inbox: queued, retried with growing pauses, and kept
    as a dead letter for moderators to read when every attempt failed.

    The row is the delivery's state, so it survives a restart; the task queue only says
    when to try next.
    """

    __tablename__ = "cf_federation_delivery"
    __table_args__ = {"info": PLUGIN_INFO}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), index=True
    )
    inbox: Mapped[str] = mapped_column(String(URI_MAX))
    host: Mapped[str] = mapped_column(String(HOST_MAX))
    activity_id: Mapped[str] = mapped_column(String(URI_MAX))
    activity_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Set when every attempt failed: a dead letter.
    given_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class Block(Base):
    """A remote actor, or a whole server, that moderators refused in a community, with the
    house rule and the reasons, shown publicly on the community's federation page."""

    __tablename__ = "cf_federation_block"
    __table_args__ = {"info": PLUGIN_INFO}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("cf_community.id", ondelete="CASCADE"), index=True
    )
    #: ``actor`` (``target`` is the actor's address) or ``host`` (a host name).
    kind: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(URI_MAX))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("cf_house_rule.id", ondelete="SET NULL"))
    reasons: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("cf_member.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SiteKey(Base):
    """The forum's own key pair: the site's ``Application`` actor signs its fetches of
    other servers' documents with it, and every member's ``Person`` publishes it (Lemmy
    and others want a key on every actor). Persons sign nothing (their posts reach other
    servers in the Group's announcements, signed with the Group's key), and one key
    shared by all of them ties none of them to another: it only says they live on this
    forum, as their addresses do already."""

    __tablename__ = "cf_federation_site_key"
    __table_args__ = {"info": PLUGIN_INFO}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
