"""Reads for the event pages. Visibility is decided by the caller, with the policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ...errors import NotFound
from ...forum.models import Community
from ...forum.queries import Page, check_page_number
from ...i18n import gettext as _
from .models import Answer, LocalEvent, Rsvp

EVENTS_PER_PAGE = 20
# The community's feed: what is coming, and what happened in the last months (calendar
# apps keep events they saw; a short past lets them see late changes).
FEED_PAST = dt.timedelta(days=90)


def get_event(db: Session, event_id: int) -> LocalEvent:
    event = db.scalar(
        select(LocalEvent)
        .where(LocalEvent.id == event_id)
        .options(selectinload(LocalEvent.organisers))
    )
    if event is None:
        raise NotFound(_("This event does not exist (any more)."))
    return event


def agenda(
    db: Session, community: Community, moment: dt.datetime, *, past: bool, page: int
) -> Page[LocalEvent]:
    """Upcoming events (not yet ended), soonest first; or past ones, latest first."""
    check_page_number(page)
    where = [LocalEvent.community_id == community.id]
    order: list[Any]
    if past:
        where.append(LocalEvent.ends_at <= moment)
        order = [LocalEvent.starts_at.desc(), LocalEvent.id.desc()]
    else:
        where.append(LocalEvent.ends_at > moment)
        order = [LocalEvent.starts_at, LocalEvent.id]
    total = db.scalar(select(func.count(LocalEvent.id)).where(*where)) or 0
    count = max(1, -(-total // EVENTS_PER_PAGE))
    if page > count:
        raise NotFound(_("There is no such page."))
    items = db.scalars(
        select(LocalEvent)
        .where(*where)
        .order_by(*order)
        .offset((page - 1) * EVENTS_PER_PAGE)
        .limit(EVENTS_PER_PAGE)
    )
    return Page(list(items), page, count)


def coming_up(db: Session, community: Community, moment: dt.datetime, limit: int = 3) -> list[LocalEvent]:
    query = (
        select(LocalEvent)
        .where(LocalEvent.community_id == community.id, LocalEvent.ends_at > moment)
        .order_by(LocalEvent.starts_at, LocalEvent.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def feed(db: Session, community: Community, moment: dt.datetime) -> Sequence[LocalEvent]:
    query = (
        select(LocalEvent)
        .where(LocalEvent.community_id == community.id, LocalEvent.ends_at > moment - FEED_PAST)
        .order_by(LocalEvent.starts_at, LocalEvent.id)
    )
    return list(db.scalars(query))


def my_answer(db: Session, event: LocalEvent, member_id: int | None) -> Rsvp | None:
    if member_id is None:
        return None
    return db.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == member_id))


def answers(db: Session, event: LocalEvent) -> dict[str, list[Rsvp]]:
    """Everyone who answered, by answer; "waiting" for those on the waiting list, in order."""
    rows = db.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id)
        .options(selectinload(Rsvp.member))
        .order_by(Rsvp.position, Rsvp.answered_at, Rsvp.id)
    )
    grouped: dict[str, list[Rsvp]] = {"going": [], "waiting": [], "maybe": [], "cant_go": []}
    for row in rows:
        if row.answer == Answer.GOING and row.waiting:
            grouped["waiting"].append(row)
        else:
            grouped[row.answer].append(row)
    for key in ("going", "maybe", "cant_go"):
        grouped[key].sort(key=lambda row: row.member.display_name.casefold())
    return grouped
