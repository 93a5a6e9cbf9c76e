"""The federation plugin's one table: which communities are federated, and their keys.

The table belongs to the plugin, not to the forum: it is created by the plugin's own
migration branch (``federation``) and marked ``info={"civicforum_plugin": "federation"}``
so that the forum's migrations leave it alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from ...clock import now
from ...db import Base, UTCDateTime
from ...forum.models import Community

PLUGIN = "federation"
PLUGIN_INFO: dict[str, Any] = {"civicforum_plugin": PLUGIN}


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
