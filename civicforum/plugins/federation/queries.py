"""What NodeInfo counts: members, and the posts other servers can see.

Posts are counted only in communities that are federated now (switched on, and open to
anyone, as :func:`.services.federated_actor` decides), and only those anyone may see
there: not waiting for approval, not hidden by a moderator, not deleted. A topic's
opening post counts as a post, every other post as a comment, as NodeInfo's
``localPosts`` and ``localComments`` ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ...forum.models import Community, Post, Topic
from ...identity.models import Member
from . import services
from .models import Delivery, FederationActor, Follower


@dataclass(frozen=True)
class Usage:
    users: int
    posts: int
    comments: int


def usage(db: Session) -> Usage:
    switched_on = db.scalars(
        select(Community).join(FederationActor).where(FederationActor.enabled.is_(True))
    ).all()
    federated = [c.id for c in switched_on if services.may_federate(c)]
    users = db.scalar(select(func.count()).select_from(Member)) or 0
    if not federated:
        return Usage(users=users, posts=0, comments=0)
    openings = select(func.min(Post.id)).group_by(Post.topic_id)
    seen = (
        select(func.count(Post.id), func.count(Post.id).filter(Post.id.in_(openings)))
        .join(Topic, Post.topic_id == Topic.id)
        .where(
            Topic.community_id.in_(federated),
            Topic.held.is_(False),
            Post.held.is_(False),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
    )
    total, posts = db.execute(seen).one()
    return Usage(users=users, posts=posts, comments=total - posts)


@dataclass(frozen=True)
class DeliveryCounts:
    followers: int
    waiting: int
    dead: int
    delivered: int = 0


def delivery_counts(db: Session, community_id: int) -> DeliveryCounts:
    """A community's followers (accounts elsewhere) and its deliveries not yet done."""
    followers = db.scalar(
        select(func.count()).select_from(Follower).where(Follower.community_id == community_id)
    )
    waiting, dead = _deliveries(db, Delivery.community_id == community_id)
    return DeliveryCounts(followers or 0, waiting, dead)


def delivery_totals(db: Session) -> DeliveryCounts:
    waiting, dead = _deliveries(db, true())
    delivered = db.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.delivered_at.is_not(None))
    )
    return DeliveryCounts(0, waiting, dead, delivered or 0)


def _deliveries(db: Session, where: ColumnElement[bool]) -> tuple[int, int]:
    pending = (Delivery.delivered_at.is_(None)) & (Delivery.given_up_at.is_(None))
    row = db.execute(
        select(
            func.count().filter(pending),
            func.count().filter(Delivery.given_up_at.is_not(None)),
        )
        .select_from(Delivery)
        .where(where)
    ).one()
    return int(row[0]), int(row[1])
