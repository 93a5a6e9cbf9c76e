"""A member's moderation standing in one place, for the policy to judge posting by.

The forum's posting services load it with :func:`standing` and hand it to
:func:`civicforum.policy.can_reply` / :func:`~civicforum.policy.can_start_topic` and
:func:`civicforum.policy.needs_approval`. No state is kept besides the decisions
themselves: a timed measure is in force while its end lies in the future, so it ends
by itself, without a scheduled job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from .. import clock, policy
from ..forum.models import Community, Post, Topic
from .models import Decision, Measure, ModerationSettings


def in_force(at: dt.datetime) -> ColumnElement[bool]:
    """Decisions whose measure applies at ``at``: not lifted, not yet ended."""
    return and_(
        Decision.lifted_at.is_(None), or_(Decision.ends_at.is_(None), Decision.ends_at > at)
    )


def standing(
    db: Session, actor: policy.Actor, community: Community, topic: Topic | None = None
) -> policy.Standing:
    """What moderation asks of the actor when posting in ``community`` (in ``topic``).

    At most five small queries: the measures in force, the actor's latest post in the
    community and in the topic, the community's pre-moderation and the actor's
    published posts in it.
    """
    at = clock.now()
    member_id = actor.member_id
    if member_id is None:
        return policy.Standing(at=at)
    about_member = Decision.member_id == member_id
    places = [
        and_(about_member, Decision.measure.in_([Measure.SUSPENSION, Measure.BAN])),
        and_(
            about_member,
            Decision.measure == Measure.MUTE,
            Decision.community_id == community.id,
        ),
        and_(
            Decision.measure == Measure.SLOW_MODE,
            Decision.community_id == community.id,
            Decision.topic_id.is_(None),
        ),
    ]
    if topic is not None:
        places.append(and_(Decision.measure == Measure.SLOW_MODE, Decision.topic_id == topic.id))
    decisions = db.execute(
        select(
            Decision.measure,
            Decision.community_id,
            Decision.topic_id,
            Decision.ends_at,
            Decision.interval_minutes,
        ).where(in_force(at), or_(*places))
    ).all()
    restrictions = tuple(
        policy.Restriction(Measure(m), community_id, topic_id, ends_at, interval)
        for m, community_id, topic_id, ends_at, interval in decisions
    )

    own_posts = (
        select(Post.created_at)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == member_id, Topic.community_id == community.id)
        .order_by(Post.created_at.desc())
        .limit(1)
    )
    last_in_community = db.scalar(own_posts)
    last_in_topic = None
    if topic is not None:
        last_in_topic = db.scalar(own_posts.where(Post.topic_id == topic.id))

    settings = db.get(ModerationSettings, community.id)
    published = 0
    if settings is not None and settings.hold_first_posts > 0:
        published = (
            db.scalar(
                select(func.count(Post.id))
                .join(Topic, Topic.id == Post.topic_id)
                .where(
                    Post.author_id == member_id,
                    Topic.community_id == community.id,
                    Post.held.is_(False),
                )
            )
            or 0
        )
    return policy.Standing(
        at=at,
        restrictions=restrictions,
        last_post_in_topic=last_in_topic,
        last_post_in_community=last_in_community,
        hold_everything=bool(settings and settings.hold_everything),
        hold_first_posts=settings.hold_first_posts if settings else 0,
        published_posts=published,
    )
