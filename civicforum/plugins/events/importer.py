"""``flask civicforum events import``: an institution's agenda (.ics) into a community.

Events are found again by their iCalendar UID: a new UID is planned with the services'
:func:`~.services.create_event`, a known one is changed when what a visitor sees of it
differs (:func:`.ical.fingerprint`), and left alone otherwise. The whole agenda is one
transaction: an event the services refuse leaves the database as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import ServiceError
from ...extension import state
from ...forum.models import Community
from ...forum.services import Limits
from ...identity.models import Member
from ...identity.providers import load_actor
from ...identity.services import find_member
from ...policy import Actor
from . import ical, services
from .details import VENUE_ADDRESS_MAX, VENUE_NAME_MAX, EventDetails
from .models import AttendanceMode, EventStatus, LocalEvent

FETCH_TIMEOUT = 20  # seconds


class ImportRefused(Exception):
    """One event of the agenda cannot be imported; nothing of the agenda is kept."""

    def __init__(self, uid: str, problem: str) -> None:
        self.uid = uid
        self.problem = problem.rstrip(".")
        super().__init__(f"event {uid}: {self.problem}")


class _OneTransaction(Session):
    """A session in which the services' commits only flush: the import commits once, at
    the end, or rolls everything back. Recorded domain events are delivered after that
    one commit, as for any other work."""

    def commit(self) -> None:
        self.flush()

    def commit_import(self) -> None:
        super().commit()


def _import_session() -> _OneTransaction:
    """A :class:`_OneTransaction` of the forum's session factory (so with its listeners)."""
    factory = state().session_factory
    session_class = type("ImportSession", (_OneTransaction, factory.class_), {})
    return cast(_OneTransaction, session_class(**factory.kw))


def read_source(source: str) -> bytes:
    """The agenda at ``source``: a file path, or an http(s) address.

    :raises click.ClickException: when it cannot be read or fetched, or for another scheme.
    """
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        import requests  # only here: a web process that fetches no agenda never loads it

        try:
            response = requests.get(source, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
        except requests.RequestException as error:
            raise click.ClickException(f"Cannot fetch {source}: {error}") from None
        return response.content
    if scheme and len(scheme) > 1:  # one letter: a Windows drive, so a path
        raise click.ClickException(
            f"Cannot read {source}: only files and http:// or https:// addresses can be imported."
        )
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise click.ClickException(f"Cannot read {source}: {error.strerror or error}") from None


def _split_location(location: str | None) -> tuple[str, str]:
    """A LOCATION as venue name and address: "Library, Street 1, Town" -> name "Library"."""
    name, _, address = (location or "").partition(",")
    return " ".join(name.split()), " ".join(address.split())


def _join_location(name: str, address: str) -> str | None:
    return ", ".join(part for part in (name, address) if part) or None


def _midnights(start: dt.datetime, end: dt.datetime, timezone: str) -> bool:
    zone = ZoneInfo(timezone)
    return {t.astimezone(zone).time() for t in (start, end)} == {dt.time()}


def as_stored(event: ical.CalendarEvent) -> ical.CalendarEvent:
    """``event`` as the forum keeps it: cleaned as the services clean it, without what it
    has no place for (the agenda's own page), all-day when it runs midnight to midnight."""
    return dataclasses.replace(
        event,
        summary=" ".join(event.summary.split()),
        location=_join_location(*_split_location(event.location)),
        url=None,
        all_day=_midnights(event.start, event.end, event.timezone),
    )


def calendar_event(event: LocalEvent) -> ical.CalendarEvent:
    """A stored event as iCalendar sees it, to compare with an agenda's version."""
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    values: dict[str, Any] = {
        "status": event.status,
        "attendance_mode": event.attendance_mode,
    }
    return ical.CalendarEvent(
        uid=event.uid,
        summary=event.title,
        description=event.description,
        start=start,
        end=end,
        timezone=event.timezone,
        # Held only online: no venue, unless it moved online from one (kept aside).
        location=None
        if event.attendance_mode == AttendanceMode.ONLINE
        and event.status != EventStatus.MOVED_ONLINE
        else _join_location(event.venue_name, event.venue_address),
        online_url=event.online_url,
        all_day=_midnights(start, end, event.timezone),
        **values,
    )


def _details(event: ical.CalendarEvent, topic_id: int | None = None) -> EventDetails:
    name, address = _split_location(event.location)
    if len(name) > VENUE_NAME_MAX or len(address) > VENUE_ADDRESS_MAX:
        raise ImportRefused(
            event.uid,
            f"LOCATION is too long (at most {VENUE_NAME_MAX} characters before the first comma, {VENUE_ADDRESS_MAX} after it)",
        )
    return EventDetails(
        title=event.summary,
        starts_at=event.start,
        ends_at=event.end,
        description=event.description,
        timezone=event.timezone,
        venue_name=name,
        venue_address=address,
        online_url=event.online_url,
        attendance_mode=AttendanceMode(event.attendance_mode),
        topic_id=topic_id,
    )


def _set_status(db: Session, actor: Actor, stored: LocalEvent, wanted: ical.CalendarEvent) -> None:
    if stored.status == wanted.status:
        return
    if wanted.status == "cancelled":
        services.cancel_event(db, actor, stored)
    elif wanted.status == "postponed":
        services.postpone_event(db, actor, stored)
    elif wanted.status == "moved_online":
        if wanted.online_url is None:
            raise ImportRefused(wanted.uid, "moved online, but gives no online address")
        services.move_online(db, actor, stored, wanted.online_url)
    else:
        raise ImportRefused(
            wanted.uid,
            f"is scheduled again after it was {stored.status.replace('_', ' ')}; change it in the forum",
        )


def import_events(
    db: Session,
    actor: Actor,
    community: Community,
    events: Iterable[ical.CalendarEvent],
    limits: Limits = services.DEFAULT_LIMITS,
) -> Counter[str]:
    """Create, update or leave each of ``events``; the counts by outcome.
    ``db`` is not committed: the caller commits or rolls back the whole import.

    :raises ImportRefused: naming the event the services refused, and why.
    """
    counts: Counter[str] = Counter(created=0, updated=0, unchanged=0)
    for parsed in events:
        wanted = as_stored(parsed)
        stored = db.scalar(select(LocalEvent).where(LocalEvent.uid == wanted.uid))
        try:
            if stored is None:
                stored = services.create_event(
                    db, actor, community, _details(wanted), uid=wanted.uid, limits=limits
                )
                _set_status(db, actor, stored, wanted)
                counts["created"] += 1
            elif stored.community_id != community.id:
                raise ImportRefused(wanted.uid, "belongs to another community")
            elif ical.fingerprint(calendar_event(stored)) == ical.fingerprint(wanted):
                counts["unchanged"] += 1
            else:
                stored = services.update_event(db, actor, stored, _details(wanted, stored.topic_id))
                _set_status(db, actor, stored, wanted)
                counts["updated"] += 1
        except ServiceError as error:
            raise ImportRefused(wanted.uid, error.message) from None
    return counts


def _find_organiser(db: Session, who: str) -> Member:
    found = find_member(db, who)
    if found is None:
        raise click.ClickException(
            f"There is no member {who!r} (give an e-mail address or a name)."
        )
    return found


@click.group("events")
def events_group() -> None:
    """Local events: import an institution's agenda."""


@events_group.command("import")
@click.argument("community")
@click.argument("source")
@click.option(
    "--organiser",
    required=True,
    metavar="EMAIL_OR_NAME",
    help="The member who organises the imported events; they must be allowed to organise in COMMUNITY.",
)
def events_import(community: str, source: str, organiser: str) -> None:
    """Import the events of an iCalendar agenda (file or http(s) address) into COMMUNITY.

    Run again to take changes over: events are matched by UID. All or nothing.
    """
    forum = state()
    data = read_source(source)
    try:
        result = ical.parse_calendar(data, default_timezone=forum.settings.timezone)
    except ical.CalendarError as error:
        raise click.ClickException(
            f"Cannot import {source}: {error.component}: {error.problem}. Nothing was imported."
        ) from None
    db = _import_session()
    try:
        place = db.scalar(select(Community).where(Community.slug == community))
        if place is None:
            raise click.ClickException(f"There is no community {community!r}.")
        member = _find_organiser(db, organiser)
        actor = load_actor(db, member)
        if not services.has_organiser_rights(db, actor, place):
            raise click.ClickException(
                f"{member.display_name} may not organise events in {community!r}."
            )
        with click.progressbar(result.events, label="Importing events", file=sys.stderr) as events:
            limits = Limits(forum.settings.max_title_length, forum.settings.max_post_length)
            counts = import_events(db, actor, place, events, limits)
        db.commit_import()
    except ImportRefused as error:
        db.rollback()
        raise click.ClickException(f"Cannot import {error}. Nothing was imported.") from None
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()
    counts["skipped"] = len(result.skipped)
    click.echo(
        f"Imported {source} into {community}: {counts['created']} created, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['skipped']} skipped."
    )
    for skipped in result.skipped:
        click.echo(f"  skipped {skipped.uid_or_index}: {skipped.reason}")
