"""The chain that answers "who is this?" for every request.

In order: (1) the host's own login, through the callable the host registered; (2) a
forum session made by one of the forum's sign-in methods (local accounts now, OIDC
providers later), which stores only the member id and a stamp that changes with the
password, so a password change signs out every other session.
"""

from __future__ import annotations

from flask import g, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extension import HostIdentityLoader, db_session
from ..forum.models import Membership
from ..policy import ANONYMOUS, Actor
from ..settings import Settings
from .models import IdentityLevel, Member, MemberAttribute
from .services import link_external_identity

SESSION_KEY = "civicforum.member"
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

    def _resolve(self, db: Session) -> Member | None:
        host = self._host_identity()
        if host is not None:
            subject, display_name = host
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
        self.forget_actor()

    def end_session(self) -> None:
        session.pop(SESSION_KEY, None)
        self.forget_actor()


def session_stamp(member: Member) -> str:
    """Changes whenever the member's password does, ending sessions made before."""
    account = member.local_account
    if account is None:
        return "-"
    return account.password_changed_at.isoformat()


def load_actor(db: Session, member: Member) -> Actor:
    rows = db.scalars(select(Membership).where(Membership.member_id == member.id)).all()
    attributes = frozenset(
        db.scalars(select(MemberAttribute.key).where(MemberAttribute.member_id == member.id))
    )
    return Actor(
        member=member, memberships={m.community_id: m for m in rows}, attributes=attributes
    )
