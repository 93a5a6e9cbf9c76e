"""Reads for the forum's pages, each a small, fixed number of SQL statements.

Visibility is never decided here: callers pass what :mod:`civicforum.policy` allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import NotFound
from ..i18n import gettext as _
from .models import (
    SLUG_MAX,
    Community,
    Membership,
    MembershipStatus,
    Post,
    PostRevision,
    Topic,
)

T = TypeVar("T")
# Page numbers beyond this are refused before any query: nobody pages that far, and a
# huge OFFSET is a cheap way to make the database work hard.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    count: int  # pages in all, at least 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, with ``None`` where a run of numbers is left out."""
        shown = {1, self.count, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.count)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def check_page_number(page: int) -> None:
    if not 1 <= page <= MAX_PAGE:
        raise NotFound(_("There is no such page."))


def _page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def all_communities(db: Session) -> list[Community]:
    """Every community, by name. Members-only ones are listed too, so people can ask to
    join; their content is what the policy hides."""
    return list(db.scalars(select(Community).order_by(Community.name)))


def pending_requests(db: Session, community: Community) -> list[Membership]:
    query = (
        select(Membership)
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.PENDING.value,
        )
        .options(joinedload(Membership.member))
        .order_by(Membership.joined_at)
    )
    return list(db.scalars(query))


def community_topics(
    db: Session,
    community: Community,
    page: int,
    per_page: int,
    listed: ColumnElement[bool] | None = None,
    total: int | None = None,
) -> Page[Topic]:
    """Topics by latest activity; two statements whatever the number of topics, one when
    the count of topics listed comes with the community (:func:`community_and_topic_count`).

    :param listed: which topics the reader may see listed,
        :func:`civicforum.policy.listed_topics_clause`; without it, topics held for
        approval are left out for everyone.
    """
    check_page_number(page)
    shown = Topic.held.is_(False) if listed is None else listed
    if total is None:
        total = (
            db.scalar(
                select(func.count(Topic.id)).where(Topic.community_id == community.id, shown)
            )
            or 0
        )
    count = _page_count(total, per_page)
    if page > count:
        raise NotFound(_("There is no such page."))
    query = (
        select(Topic)
        .where(Topic.community_id == community.id, shown)
        .options(joinedload(Topic.author))
    )
    skipped = (page - 1) * per_page
    if skipped <= total // 2:
        query = query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
        return Page(list(db.scalars(query.limit(per_page).offset(skipped))), page, count)
    # In the later half, read from the other end: the last page costs what the first
    # does, where an OFFSET would walk past every topic before it.
    shown_here = min(per_page, total - skipped)
    query = query.order_by(Topic.last_posted_at.asc(), Topic.id.asc())
    rows = list(db.scalars(query.limit(shown_here).offset(total - skipped - shown_here)))
    return Page(rows[::-1], page, count)


def community_and_topic_count(
    db: Session, slug: str, listed: ColumnElement[bool]
) -> tuple[Community, int]:
    """A community and how many of its topics ``listed`` lists, with one statement (for
    its page, which needs both).

    :param listed: :func:`civicforum.policy.listed_topics_clause` without a community.
    :raises NotFound: for a slug that names no community.
    """
    if len(slug) > SLUG_MAX or "\x00" in slug:
        raise NotFound(_("There is no such community."))
    topics = (
        select(func.count(Topic.id))
        .where(Topic.community_id == Community.id, listed)
        .correlate(Community)
        .scalar_subquery()
    )
    row = db.execute(select(Community, topics).where(Community.slug == slug)).first()
    if row is None:
        raise NotFound(_("There is no such community."))
    return row[0], row[1] or 0


def get_topic(db: Session, topic_id: int) -> Topic:
    topic = db.scalar(
        select(Topic).where(Topic.id == topic_id).options(joinedload(Topic.community))
    )
    if topic is None:
        raise NotFound(_("There is no such topic."))
    return topic


def topic_posts(
    db: Session,
    topic: Topic,
    page: int,
    per_page: int,
    listed: ColumnElement[bool] | None = None,
    *,
    exact_count: bool = False,
) -> Page[Post]:
    """Posts in the order written; deleted and hidden ones keep their place so permalinks
    hold.

    :param listed: which posts the reader may see listed,
        :func:`civicforum.policy.listed_posts_clause`; without it, posts held for approval
        are left out for everyone. Pages are counted by the published posts.
    :param exact_count: the topic's post count is exactly what ``listed`` lists
        (:func:`civicforum.policy.lists_published_posts_only`): pages in the later half are
        then read from the other end, so the last page of a long topic costs what the first
        does instead of an OFFSET past every post before it.
    """
    check_page_number(page)
    total = topic.post_count
    count = _page_count(total, per_page)
    if page > count:
        raise NotFound(_("There is no such page."))
    query = (
        select(Post)
        .where(Post.topic_id == topic.id, Post.held.is_(False) if listed is None else listed)
        .options(joinedload(Post.author))
    )
    skipped = (page - 1) * per_page
    if not exact_count or skipped <= total // 2:
        query = query.order_by(Post.id).limit(per_page).offset(skipped)
        return Page(list(db.scalars(query)), page, count)
    shown_here = min(per_page, total - skipped)
    query = query.order_by(Post.id.desc()).limit(shown_here).offset(total - skipped - shown_here)
    return Page(list(db.scalars(query))[::-1], page, count)


def get_post(db: Session, post_id: int) -> Post:
    post = db.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(joinedload(Post.topic).joinedload(Topic.community), joinedload(Post.author))
    )
    if post is None:
        raise NotFound(_("There is no such post."))
    return post


def page_of_post(db: Session, post: Post, per_page: int) -> int:
    before = (
        db.scalar(
            select(func.count(Post.id)).where(
                Post.topic_id == post.topic_id, Post.id < post.id, Post.held.is_(False)
            )
        )
        or 0
    )
    return before // per_page + 1


def post_history(db: Session, post: Post) -> list[PostRevision]:
    query = (
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .options(selectinload(PostRevision.replaced_by))
        .order_by(PostRevision.id.desc())
    )
    return list(db.scalars(query))
