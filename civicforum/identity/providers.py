"""The chain that answers "who is this?" for every request.

In order: (1) the host's own login, through the callable the host registered; (2) a
forum session made by one of the forum's sign-in methods (local accounts now, OIDC
providers later), which stores only the member id and a stamp that changes with the
password, so a password change signs out every other session.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import g, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..extension import HostIdentityLoader, db_session
from ..forum.models import Membership
from ..policy import ANONYMOUS, Actor
from ..settings import Settings
from .models import IdentityLevel, Member, MemberAttribute
from .services import link_external_identity

SESSION_KEY = "civicforum.member"
# When this browser last signed in (seconds since the epoch), for steps that want a
# recent sign-in (deleting an account); for the host's login: when the forum first saw
# this sign-in of the host's, with a hash of the host's id for the person.
SIGNED_IN_AT_KEY = "civicforum.signed_in_at"
HOST_SEEN_KEY = "civicforum.host_seen"
HOST_PROVIDER = "host"


class IdentityChain:
    def __init__(self, settings: Settings, host_identity: HostIdentityLoader | None) -> None:
        self.settings = settings
        self.host_identity = host_identity

    # -- who is signed in -------------------------------------------------------------
    def current_actor(self) -> Actor:
        """The actor of this request, resolved once and cached for the request."""
        actor: Actor | None = g.get("_civicforum_actor")
        if actor is None:
            member = self._resolve(db_session())
            actor = load_actor(db_session(), member) if member else ANONYMOUS
            g._civicforum_actor = actor
        return actor

    def nobody_signed_in(self) -> None:
        """Note that this request carries nobody (an empty session, and the host knows no
        one), so that asking who it is costs nothing more."""
        g._civicforum_actor = ANONYMOUS

    def forget_actor(self) -> None:
        """Drop the cached actor after a sign-in, sign-out or membership change."""
        g.pop("_civicforum_actor", None)

    def member_language(self) -> str | None:
        actor = self.current_actor()
        return actor.member.language if actor.member else None

    @property
    def signed_in_by_host(self) -> bool:
        return self._host_identity() is not None

    def _host_identity(self) -> tuple[str, str] | None:
        if self.host_identity is None:
            return None
        found = self.host_identity()
        if found is None:
            return None
        subject, display_name = found
        return str(subject), str(display_name)

    def signed_in_at(self) -> dt.datetime | None:
        """When the person of this request signed in, as far as the forum knows: its own
        sign-ins (a password, an identity provider) record the moment; for the host's
        login, the first request the forum saw of it. None when unknown."""
        self.current_actor()
        stored = session.get(HOST_SEEN_KEY if self.signed_in_by_host else SIGNED_IN_AT_KEY)
        if isinstance(stored, list) and len(stored) == 2:
            stored = stored[1]
        if isinstance(stored, int | float) and not isinstance(stored, bool):
            return dt.datetime.fromtimestamp(stored, dt.UTC)
        return None

    def _resolve(self, db: Session) -> Member | None:
        host = self._host_identity()
        if host is None:
            if HOST_SEEN_KEY in session:  # the host signed them out
                session.pop(HOST_SEEN_KEY)
        else:
            subject, display_name = host
            seen = hashlib.sha256(subject.encode()).hexdigest()[:16]
            stored = session.get(HOST_SEEN_KEY)
            if not (isinstance(stored, list) and stored[:1] == [seen]):
                session[HOST_SEEN_KEY] = [seen, int(clock.now().timestamp())]
            return link_external_identity(
                db,
                provider=HOST_PROVIDER,
                subject=subject,
                display_name=display_name,
                level=IdentityLevel.from_name(self.settings.host_identity_level),
            )
        stored = session.get(SESSION_KEY)
        if not isinstance(stored, list) or len(stored) != 2:
            return None
        member_id, stamp = stored
        member = db.get(Member, member_id)
        if member is None or session_stamp(member) != stamp:
            session.pop(SESSION_KEY, None)
            return None
        return member

    # -- the forum's own sessions -----------------------------------------------------
    def start_session(self, member: Member) -> None:
        session[SESSION_KEY] = [member.id, session_stamp(member)]
        session[SIGNED_IN_AT_KEY] = int(clock.now().timestamp())
        self.forget_actor()

    def end_session(self) -> None:
        session.pop(SESSION_KEY, None)
        session.pop(SIGNED_IN_AT_KEY, None)
        self.forget_actor()


def session_stamp(member: Member) -> str:
    """Changes whenever the member's password does, ending sessions made before.

    Without a password, the moment the member was made: a session of an erased member
    never fits a member made later under the same id (SQLite reuses the highest id).
    """
    account = member.local_account
    if account is None:
        return f"-{member.created_at.isoformat()}"
    return account.password_changed_at.isoformat()


def load_actor(db: Session, member: Member) -> Actor:
    rows = db.scalars(select(Membership).where(Membership.member_id == member.id)).all()
    attributes = frozenset(
        db.scalars(select(MemberAttribute.key).where(MemberAttribute.member_id == member.id))
    )
    return Actor(
        member=member, memberships={m.community_id: m for m in rows}, attributes=attributes
    )
