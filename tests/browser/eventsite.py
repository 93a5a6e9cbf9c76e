"""Local events on the live sample site: events the browser tests plan beside the library's
imported agenda, looked up by title."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from civicforum.clock import now
from civicforum.forum import services as forum
from civicforum.identity import services as identity
from civicforum.identity.providers import load_actor
from civicforum.plugins.events import services
from civicforum.plugins.events.models import Answer, AttendanceMode, LocalEvent
from civicforum.plugins.events.services import EventDetails

from .livesite import AGENDA_COMMUNITY, LiveSite
from .visitors import demo_email

ORGANISER = "femke"  # moderator of the reading club, who imported its agenda


def days_ahead(days: int, hour: int = 19, minute: int = 30) -> dt.datetime:
    """A wall-clock time (naive, Amsterdam) some days from now."""
    day = (now() + dt.timedelta(days=days)).date()
    return dt.datetime.combine(day, dt.time(hour, minute))


def find_event(site: LiveSite, title: str) -> int | None:
    with site.db() as db:
        found: int | None = db.scalar(select(LocalEvent.id).where(LocalEvent.title == title))
        return found


def plan_event(site: LiveSite, title: str, **changes: Any) -> int:
    """An event in the reading club planned by its moderator (once: again finds it)."""
    found = find_event(site, title)
    if found is not None:
        return found
    starts = changes.pop("starts_at", days_ahead(30))
    values: dict[str, Any] = {
        "title": title,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "venue_name": "Centrale Bibliotheek",
        "venue_address": "Stationsplein 12, 1234 AB Voorbeeldstad",
    }
    values.update(changes)
    with site.db() as db:
        account = identity.find_account(db, demo_email(ORGANISER))
        assert account is not None
        community = forum.get_community(db, AGENDA_COMMUNITY)
        event = services.create_event(
            db, load_actor(db, account.member), community, EventDetails(**values)
        )
        return event.id


def answer_as(site: LiveSite, person: str, event_id: int, choice: Answer) -> None:
    with site.db() as db:
        account = identity.find_account(db, demo_email(person))
        event = db.get(LocalEvent, event_id)
        assert account is not None and event is not None
        services.rsvp(db, load_actor(db, account.member), event, choice)


def change_status(site: LiveSite, event_id: int, change: str) -> None:
    """Cancel or postpone an event, as its organiser."""
    with site.db() as db:
        account = identity.find_account(db, demo_email(ORGANISER))
        event = db.get(LocalEvent, event_id)
        assert account is not None and event is not None
        actor = load_actor(db, account.member)
        if change == "cancel":
            services.cancel_event(db, actor, event)
        else:
            services.postpone_event(db, actor, event)


def rich_event(site: LiveSite) -> int:
    """An event with everything an event page can show: in the library and online,
    places counted, accessibility, a description, answers."""
    event_id = plan_event(
        site,
        "Poëzieavond: eigen gedichten voorlezen",
        description="Lees een eigen gedicht voor, of kom luisteren. **Koffie** staat klaar.",
        attendance_mode=AttendanceMode.MIXED,
        online_url="https://live.bibliotheek-voorbeeldstad.example/poezie",
        capacity=20,
        show_places_left=True,
        accessibility=["step_free", "hearing_loop", "seating"],
    )
    for person, choice in (("anneke", Answer.GOING), ("bram", Answer.MAYBE)):
        answer_as(site, person, event_id, choice)
    return event_id


def past_event(site: LiveSite) -> int:
    return plan_event(site, "Boekenclub: De Avonden (terugblik)", starts_at=days_ahead(-40))


def cancelled_event(site: LiveSite) -> int:
    found = find_event(site, "Voorleeswedstrijd (afgelast)")
    if found is not None:
        return found
    event_id = plan_event(site, "Voorleeswedstrijd (afgelast)", starts_at=days_ahead(45))
    answer_as(site, "henk", event_id, Answer.GOING)
    change_status(site, event_id, "cancel")
    return event_id
