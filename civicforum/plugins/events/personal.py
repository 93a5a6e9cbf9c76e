"""A member's part of the events plugin, for their copy of their data and their erasure
(the hooks ``civicforum_personal_data`` and ``civicforum_member_erasing``).

What the plugin keeps about a member: their answers (and places on waiting lists), the
events they organise and where they may organise, and notices waiting for them. Who else
answered is never part of it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import request, url_for
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...extension import state
from ...forum.models import Community
from ...i18n import gettext as _
from ...identity.models import Member
from ...privacy.collect import moment
from ...privacy.personal import PersonalData
from . import ical
from .importer import calendar_event
from .models import (
    Answer,
    EventNotice,
    LocalEvent,
    OrganiserRight,
    Rsvp,
    event_organiser,
)
from .services import _lock, _promote

KEY = "events"
CALENDAR_FILE = "events.ics"


def _event_url(event_id: int) -> str:
    return url_for("civicforum.events.event", event_id=event_id, _external=True)


def personal_data(db: Session, member: Member) -> PersonalData:
    """The member's answers, what they organise, and ``events.ics``: a calendar of the
    events they are going to or may go to (runs inside the export's request context)."""
    answers = db.execute(
        select(Rsvp, LocalEvent)
        .join(LocalEvent, LocalEvent.id == Rsvp.event_id)
        .where(Rsvp.member_id == member.id)
        .order_by(LocalEvent.starts_at, LocalEvent.id)
    ).all()
    organising = db.scalars(
        select(LocalEvent)
        .join(event_organiser, event_organiser.c.event_id == LocalEvent.id)
        .where(event_organiser.c.member_id == member.id)
        .order_by(LocalEvent.starts_at, LocalEvent.id)
    ).all()
    rights = db.execute(
        select(OrganiserRight, Community)
        .join(Community, Community.id == OrganiserRight.community_id)
        .where(OrganiserRight.member_id == member.id)
        .order_by(Community.slug)
    ).all()
    notices = db.scalars(
        select(EventNotice).where(EventNotice.member_id == member.id).order_by(EventNotice.id)
    ).all()
    records: dict[str, Any] = {
        "answers": [
            {
                "event_id": event.id,
                "title": event.title,
                "url": _event_url(event.id),
                "starts_at": moment(event.starts_at),
                "ends_at": moment(event.ends_at),
                "status": event.status,
                "answer": rsvp.answer,
                "waiting_list": rsvp.waiting,
                "waiting_position": rsvp.position,
                "answered_at": moment(rsvp.answered_at),
            }
            for rsvp, event in answers
        ],
        "organising": [
            {"event_id": event.id, "title": event.title, "url": _event_url(event.id)}
            for event in organising
        ],
        "may_organise_in": [
            {"community": community.slug, "since": moment(right.granted_at)}
            for right, community in rights
        ],
        "notices": [
            {
                "event_id": notice.event_id,
                "kind": notice.kind,
                "created_at": moment(notice.created_at),
                "seen_at": moment(notice.seen_at),
            }
            for notice in notices
        ],
    }
    coming = [event for rsvp, event in answers if rsvp.answer in (Answer.GOING, Answer.MAYBE)]
    return PersonalData(KEY, records, {CALENDAR_FILE: _calendar(coming)})


def _calendar(events: list[LocalEvent]) -> bytes:
    settings = state().settings
    zone = settings.timezone
    ids = {event.uid: event.id for event in events}

    def in_zone(item: ical.CalendarEvent) -> ical.CalendarEvent:
        # All-day events are days of the calendar's zone; others are given with times.
        if item.all_day and item.timezone != zone:
            return dataclasses.replace(item, all_day=False)
        return item

    return ical.export_calendar(
        [in_zone(calendar_event(event)) for event in events],
        name=_("My events · %(site)s", site=settings.site_name),
        prodid_site=request.host.split(":")[0],
        url_for_event=lambda item: _event_url(ids[item.uid]),
        timezone=zone,
        postponed_note=_("Postponed: a new date will follow."),
    )


def forget_member(db: Session, member: Member) -> None:
    """Remove the member's answers, giving each place they leave to the first person on
    the waiting list (who is told, as when anyone gives up a place), their organising
    and their notices. In the caller's transaction: nothing is committed here."""
    answers = db.scalars(
        select(Rsvp).where(Rsvp.member_id == member.id).order_by(Rsvp.event_id)
    ).all()
    for rsvp in answers:
        event = _lock(db, rsvp.event)
        had_place = rsvp.has_place
        db.delete(rsvp)
        db.flush()
        if had_place:
            _promote(db, event)
    db.execute(delete(event_organiser).where(event_organiser.c.member_id == member.id))
    db.execute(delete(OrganiserRight).where(OrganiserRight.member_id == member.id))
    db.execute(delete(EventNotice).where(EventNotice.member_id == member.id))
