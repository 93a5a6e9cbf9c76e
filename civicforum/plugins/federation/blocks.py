"""Blocking a remote actor or a whole server in a community, with a statement of reasons.

A block is a moderation decision like any other: a moderator of the community takes it,
names the house rule it rests on and writes the reasons, and the community's federation
page shows every block in force with those reasons, so anyone can see what the
community refuses and why. A blocked actor's (or server's) activities are refused with
403 before anything is fetched, it stops following the community, and nothing the
community publishes is delivered to it any longer.

To stop one remote person from writing, moderators can also use the whole ladder on the
member that stands for them (a warning, a mute, a ban), as for anyone; a block is for
refusing them (or their server) altogether.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from ... import policy
from ...clock import now
from ...errors import NotAllowed, ServiceError
from ...forum.models import Community
from ...i18n import gettext as _
from ...moderation.models import HouseRule
from .models import URI_MAX, Block, Follower, RemoteActor
from .remote import host_of

ACTOR = "actor"
HOST = "host"
REASONS_MIN = 10
REASONS_MAX = 2000


def in_force(db: Session, community_id: int) -> Sequence[Block]:
    """The community's blocks that were not lifted, newest first."""
    query = (
        select(Block)
        .where(Block.community_id == community_id, Block.lifted_at.is_(None))
        .order_by(Block.created_at.desc(), Block.id.desc())
    )
    return db.scalars(query).all()


def is_blocked(db: Session, community_id: int, actor_uri: str) -> bool:
    """Whether the actor, or its server, is blocked in the community."""
    query = select(Block.id).where(
        Block.community_id == community_id,
        Block.lifted_at.is_(None),
        or_(
            (Block.kind == ACTOR) & (Block.target == actor_uri),
            (Block.kind == HOST) & (Block.target == host_of(actor_uri)),
        ),
    )
    return db.scalar(query.limit(1)) is not None


def clean_target(kind: str, target: str) -> str:
    """An actor's address, or a host name (``lemmy.example``, also taken from an address).

    :raises ServiceError: naming the field, for anything else.
    """
    target = target.strip()
    if kind == ACTOR:
        parts = urlsplit(target)
        if parts.scheme not in ("https", "http") or not parts.netloc or len(target) > URI_MAX:
            raise ServiceError(_("Give the full address of the account."), "target")
        return target
    if kind == HOST:
        host = host_of(target) if "://" in target else target.lower()
        valid = host and len(host) <= 255 and all(c.isalnum() or c in ".-:[]" for c in host)
        if not valid:
            raise ServiceError(_("Give the name of the server, like social.example."), "target")
        return host
    raise ServiceError(_("Choose an account or a server."), "kind")


def block(
    db: Session,
    actor: policy.Actor,
    community: Community,
    *,
    kind: str,
    target: str,
    rule_id: int | None,
    reasons: str,
) -> Block:
    """Block an actor or a server in the community, and end its follows.

    :raises NotAllowed: for anyone but the community's moderators.
    :raises ServiceError: for a missing target, rule or reasons; nothing is written.
    """
    verdict = policy.can_moderate(actor, community)
    if not verdict:
        raise NotAllowed(verdict.reason)
    target = clean_target(kind, target)
    already = db.scalar(
        select(Block).where(
            Block.community_id == community.id,
            Block.lifted_at.is_(None),
            Block.kind == kind,
            Block.target == target,
        )
    )
    if already is not None:
        raise ServiceError(
            _("This is blocked already; lift that block first to change it."), "target"
        )
    rule = db.get(HouseRule, rule_id) if rule_id is not None else None
    if rule is None or rule.community_id != community.id:
        raise ServiceError(_("Choose the house rule this block rests on."), "rule_id")
    reasons = reasons.strip()
    if not REASONS_MIN <= len(reasons) <= REASONS_MAX:
        raise ServiceError(
            _(
                "Explain the reasons in %(low)d to %(high)d characters.",
                low=REASONS_MIN,
                high=REASONS_MAX,
            ),
            "reasons",
        )
    entry = Block(
        community_id=community.id,
        kind=kind,
        target=target,
        rule_id=rule.id,
        reasons=reasons,
        decided_by_id=actor.member_id,
    )
    db.add(entry)
    followers = select(RemoteActor.id).where(
        RemoteActor.uri == target if kind == ACTOR else RemoteActor.host == target
    )
    db.execute(
        delete(Follower).where(
            Follower.community_id == community.id, Follower.remote_actor_id.in_(followers)
        )
    )
    db.commit()
    return entry


def lift(db: Session, actor: policy.Actor, community: Community, entry: Block) -> None:
    """End a block: what the actor or server sends is taken again (follows are not
    restored: they follow again if they wish).

    :raises NotAllowed: for anyone but the community's moderators, or a block of another
        community.
    """
    verdict = policy.can_moderate(actor, community)
    if not verdict or entry.community_id != community.id:
        raise NotAllowed(verdict.reason if not verdict else "")
    if entry.lifted_at is None:
        entry.lifted_at = now()
        db.commit()
