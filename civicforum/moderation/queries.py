"""Reads for moderation's pages: the decision behind a hidden or labelled post, one
decision by its number, a reported post's context and what waits for moderators.

Visibility is never decided here: callers ask :mod:`civicforum.policy` who may see what
(:func:`~civicforum.policy.can_view_post`, :func:`~civicforum.policy.can_view_decision`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..errors import NotFound
from ..forum.models import Community, Post, Topic
from ..i18n import gettext as _
from .models import SITE_WIDE, Appeal, Decision, Measure, Report, ReportStatus
from .standing import in_force


def decisions_on_posts(db: Session, post_ids: Iterable[int]) -> dict[int, list[Decision]]:
    """The hiding and labelling decisions in force on these posts (one statement for a
    whole page), by post id: a topic page shows the label, and shows the author of a
    hidden post why it was hidden."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    query = (
        select(Decision)
        .where(
            Decision.post_id.in_(ids),
            Decision.measure.in_([Measure.HIDE_POST.value, Measure.CONTENT_WARNING.value]),
            in_force(clock.now()),
        )
        .order_by(Decision.decided_at, Decision.id)
    )
    found: dict[int, list[Decision]] = {}
    for decision in db.scalars(query):
        assert decision.post_id is not None
        found.setdefault(decision.post_id, []).append(decision)
    return found


def get_decision(db: Session, decision_id: int) -> Decision:
    """:raises NotFound: for an unknown number."""
    decision = db.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .options(joinedload(Decision.appeal), joinedload(Decision.community))
    )
    if decision is None:
        raise NotFound(_("There is no such decision."))
    return decision


def context_before(db: Session, post: Post, count: int = 1) -> list[Post]:
    """The published posts just before ``post`` in its topic, oldest first: what a
    moderator reads a reported post in."""
    query = (
        select(Post)
        .where(Post.topic_id == post.topic_id, Post.id < post.id, Post.held.is_(False))
        .options(joinedload(Post.author))
        .order_by(Post.id.desc())
        .limit(count)
    )
    return list(reversed(list(db.scalars(query))))


def opening_post(db: Session, topic: Topic) -> Post | None:
    return db.scalar(
        select(Post)
        .where(Post.topic_id == topic.id)
        .options(joinedload(Post.author))
        .order_by(Post.id)
        .limit(1)
    )


def recent_posts_by(
    db: Session, member_id: int, community: Community, count: int = 3
) -> list[Post]:
    """A member's latest posts in a community, newest first (a report about a member)."""
    query = (
        select(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Post.author_id == member_id,
            Topic.community_id == community.id,
            Post.deleted_at.is_(None),
        )
        .options(joinedload(Post.topic))
        .order_by(Post.id.desc())
        .limit(count)
    )
    return list(db.scalars(query))


@dataclass(frozen=True)
class Waiting:
    """What waits for a community's moderators."""

    reports: int = 0
    held_posts: int = 0
    appeals: int = 0

    @property
    def total(self) -> int:
        return self.reports + self.held_posts + self.appeals


def _per_community(db: Session, query: Select[Any, Any]) -> dict[int, int]:
    return {cid: n for cid, n in db.execute(query).all() if cid is not None}


def waiting(db: Session, community_ids: Iterable[int]) -> dict[int, Waiting]:
    """Open reports, held posts and open appeals per community: three statements."""
    ids = sorted(set(community_ids))
    if not ids:
        return {}
    reports = _per_community(
        db,
        select(Report.community_id, func.count(Report.id))
        .where(Report.community_id.in_(ids), Report.status == ReportStatus.OPEN.value)
        .group_by(Report.community_id),
    )
    held = _per_community(
        db,
        select(Topic.community_id, func.count(Post.id))
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Topic.community_id.in_(ids),
            Post.held.is_(True),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
        .group_by(Topic.community_id),
    )
    appeals = _per_community(
        db,
        select(Decision.community_id, func.count(Appeal.id))
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(
            Decision.community_id.in_(ids),
            Decision.measure.not_in([m.value for m in SITE_WIDE]),
            Appeal.outcome.is_(None),
        )
        .group_by(Decision.community_id),
    )
    return {cid: Waiting(reports.get(cid, 0), held.get(cid, 0), appeals.get(cid, 0)) for cid in ids}


def topic_lock(db: Session, topic: Topic) -> Decision | None:
    """The decision in force that locked a topic, if a moderator locked it."""
    if not topic.is_locked:
        return None
    return db.scalar(
        select(Decision)
        .where(
            Decision.topic_id == topic.id,
            Decision.measure == Measure.LOCK_TOPIC.value,
            in_force(clock.now()),
        )
        .order_by(Decision.id.desc())
        .limit(1)
    )
