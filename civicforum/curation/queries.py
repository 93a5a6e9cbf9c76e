"""Reads for trusted information's pages: a community's reliable information, the
verdicts on a page of posts, an item's history, the editors' dashboard and the items due
for checking.

Visibility is never decided here: callers ask :mod:`civicforum.policy` who may see what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import clock
from ..forum.models import Community
from ..forum.queries import Page, check_page_number
from .models import (
    SHOWN,
    ItemDispute,
    ItemKind,
    ItemRevision,
    ItemStatus,
    ItemTransition,
    RevisionState,
    VerifiedItem,
)

#: The editors' dashboard lists what is due within this many days.
DUE_SOON_DAYS = 30

# Readers see items whose verified version is on display; a revision in review leaves
# the verified one showing.
_ON_DISPLAY = and_(
    VerifiedItem.published_revision_id.is_not(None),
    VerifiedItem.status.in_([s.value for s in SHOWN] + [ItemStatus.IN_REVIEW.value]),
)


def reliable_information(
    db: Session, community: Community, page: int, per_page: int
) -> Page[VerifiedItem]:
    """A community's verified articles, most recently checked first."""
    check_page_number(page)
    where = and_(
        VerifiedItem.community_id == community.id,
        VerifiedItem.kind == ItemKind.ARTICLE.value,
        _ON_DISPLAY,
    )
    total = db.scalar(select(func.count(VerifiedItem.id)).where(where)) or 0
    count = max(1, -(-total // per_page))
    query = (
        select(VerifiedItem)
        .where(where)
        .options(
            joinedload(VerifiedItem.published).selectinload(ItemRevision.sources),
        )
        .order_by(VerifiedItem.reviewed_at.desc(), VerifiedItem.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(db.scalars(query).unique()), page, count)


def community_items(db: Session, community: Community) -> list[VerifiedItem]:
    """Every verified item of a community, for its machine-readable list."""
    query = (
        select(VerifiedItem)
        .where(VerifiedItem.community_id == community.id, _ON_DISPLAY)
        .options(joinedload(VerifiedItem.published).selectinload(ItemRevision.sources))
        .order_by(VerifiedItem.id)
    )
    return list(db.scalars(query).unique())


def verifications_on_posts(db: Session, post_ids: Iterable[int]) -> dict[int, VerifiedItem]:
    """The verdicts on display for these posts (one statement for a page), by post id."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    query = (
        select(VerifiedItem)
        .where(VerifiedItem.post_id.in_(ids), _ON_DISPLAY)
        .options(joinedload(VerifiedItem.published))
    )
    return {item.post_id: item for item in db.scalars(query) if item.post_id is not None}


def history(db: Session, item: VerifiedItem) -> list[ItemTransition]:
    """Every step of an item's workflow, oldest first."""
    query = (
        select(ItemTransition)
        .where(ItemTransition.item_id == item.id)
        .options(joinedload(ItemTransition.actor))
        .order_by(ItemTransition.id)
    )
    return list(db.scalars(query))


def disputes(db: Session, item: VerifiedItem) -> list[ItemDispute]:
    query = select(ItemDispute).where(ItemDispute.item_id == item.id).order_by(ItemDispute.id)
    return list(db.scalars(query))


def reviewers(db: Session, item: VerifiedItem) -> list[ItemRevision]:
    """The approved revisions, newest first: who wrote and who approved each."""
    query = (
        select(ItemRevision)
        .where(ItemRevision.item_id == item.id, ItemRevision.state == RevisionState.APPROVED.value)
        .options(joinedload(ItemRevision.author), joinedload(ItemRevision.decided_by))
        .order_by(ItemRevision.number.desc())
    )
    return list(db.scalars(query))


@dataclass(frozen=True)
class Dashboard:
    """What waits for editors in the communities they edit."""

    in_review: list[VerifiedItem]
    due_soon: list[VerifiedItem]
    disputed: list[VerifiedItem]
    drafts: list[VerifiedItem]


def dashboard(db: Session, community_ids: Sequence[int] | None) -> Dashboard:
    """:param community_ids: the communities the editor edits; None for all (site-wide
    editors)."""
    now = clock.now()
    base = select(VerifiedItem).options(
        joinedload(VerifiedItem.community),
        selectinload(VerifiedItem.revisions),
    )
    if community_ids is not None:
        base = base.where(VerifiedItem.community_id.in_(sorted(community_ids)))

    def of(*where: ColumnElement[bool]) -> list[VerifiedItem]:
        return list(db.scalars(base.where(*where).order_by(VerifiedItem.id)).unique())

    due = now + dt.timedelta(days=DUE_SOON_DAYS)
    return Dashboard(
        in_review=of(VerifiedItem.status == ItemStatus.IN_REVIEW.value),
        due_soon=sorted(
            of(
                VerifiedItem.status.in_([ItemStatus.VERIFIED.value, ItemStatus.REVIEW_DUE.value]),
                VerifiedItem.review_due_at <= due,
            ),
            key=lambda item: item.review_due_at or now,
        ),
        disputed=of(VerifiedItem.status == ItemStatus.DISPUTED.value),
        drafts=of(VerifiedItem.status == ItemStatus.DRAFT.value),
    )


def due_items(db: Session, within: dt.timedelta = dt.timedelta(0)) -> list[VerifiedItem]:
    """Verified items to be checked again by now + ``within``, soonest first."""
    limit = clock.now() + within
    query = (
        select(VerifiedItem)
        .where(
            or_(
                VerifiedItem.status == ItemStatus.REVIEW_DUE.value,
                and_(
                    VerifiedItem.status == ItemStatus.VERIFIED.value,
                    VerifiedItem.review_due_at <= limit,
                ),
            )
        )
        .options(joinedload(VerifiedItem.community), joinedload(VerifiedItem.published))
        .order_by(VerifiedItem.review_due_at, VerifiedItem.id)
    )
    return list(db.scalars(query).unique())
