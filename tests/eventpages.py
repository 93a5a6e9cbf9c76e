"""Shared fixtures and helpers for the pages of the local-events plugin.

A forum with the events plugin and its tables; a public community *Buurt* with a
moderator, an organiser (a member given the right to organise), three members and an
outsider; and helpers that use the pages as a browser would: reading the CSRF token from
the form, posting it back, and reading what the page shows (flash messages, notices in
the navigation, JSON-LD, iCalendar files).
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

import civicforum.plugins.events as events_plugin
from civicforum import CivicForum
from civicforum.clock import now
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum.models import Community, Role
from civicforum.i18n import translations
from civicforum.identity.models import Member
from civicforum.plugins.events import services
from civicforum.plugins.events.models import Answer, LocalEvent, Rsvp
from civicforum.plugins.events.services import EventDetails

from .conftest import make_host_app
from .helpers import actor_of, add_member, form_token, sign_in

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
HEADERS = {"en": EN, "nl": NL}
AMSTERDAM = "Europe/Amsterdam"


# -- the app -----------------------------------------------------------------------------


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The forum with the events plugin, its tables (the plugin's too) created."""
    host = make_host_app(database_url, tmp_path / "instance")
    CivicForum(host, url_prefix="/forum", plugins=[events_plugin])
    Base.metadata.create_all(state(host).engine)
    yield host
    state(host).engine.dispose()


@dataclass
class Neighbourhood:
    """A public community with the people who use its events."""

    community: Community
    moderator: Member
    organiser: Member  # a member given the right to organise, not a moderator
    ann: Member
    bob: Member
    cas: Member
    outsider: Member  # signed in, not a member


@pytest.fixture
def hood(
    db: Session, make_community: Callable[..., Community], make_member: Callable[..., Member]
) -> Neighbourhood:
    community = make_community("buurt")
    moderator = make_member("Moderator Mila")
    organiser = make_member("Organiser Olga")
    ann, bob, cas = make_member("Ann"), make_member("Bob"), make_member("Cas")
    outsider = make_member("Outsider Otto")
    add_member(db, community, moderator, Role.MODERATOR)
    for member in (organiser, ann, bob, cas):
        add_member(db, community, member)
    services.grant_organiser_rights(db, actor_of(db, moderator), community, organiser)
    return Neighbourhood(community, moderator, organiser, ann, bob, cas, outsider)


# -- arranging events (through the services, as another page would have) -----------------


def in_days(days: float, hour: int = 19, minute: int = 30) -> dt.datetime:
    """A wall-clock time (naive) some days from now, at the given hour."""
    day = (now() + dt.timedelta(days=days)).date()
    return dt.datetime.combine(day, dt.time(hour, minute))


def details(**changes: Any) -> EventDetails:
    starts = changes.pop("starts_at", in_days(7))
    values: dict[str, Any] = {
        "title": "Repair café",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "venue_name": "Buurthuis De Boog",
        "venue_address": "Boogstraat 1, Voorbeeldstad",
    }
    values.update(changes)
    return EventDetails(**values)


def plan(db: Session, who: Member, community: Community, **changes: Any) -> LocalEvent:
    """An event planned by ``who``, with a discussion topic of its own."""
    return services.create_event(db, actor_of(db, who), community, details(**changes))


def answer_directly(db: Session, member: Member, event: LocalEvent, choice: Answer) -> Rsvp:
    return services.rsvp(db, actor_of(db, member), event, choice)


def count(db: Session, model: type[Base]) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def fresh(db: Session, event: LocalEvent) -> LocalEvent:
    db.expire_all()
    found = db.get(LocalEvent, event.id)
    assert found is not None
    return found


# -- using the pages ---------------------------------------------------------------------


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def visible(page: str) -> str:
    """The words of a page as a reader sees them: tags dropped, entities decoded, spaces
    collapsed (scripts and styles left out)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def get(client: FlaskClient, url: str, language: str = "en") -> TestResponse:
    return client.get(url, headers=HEADERS[language])


def page_of(client: FlaskClient, url: str, language: str = "en", status: int = 200) -> str:
    response = get(client, url, language)
    assert response.status_code == status, f"{url}: {response.status_code}\n{text(response)}"
    return text(response)


def send_form(
    client: FlaskClient,
    form_url: str,
    data: Mapping[str, Any],
    *,
    action: str | None = None,
    language: str = "en",
    with_token: bool = True,
) -> TestResponse:
    """Open a form's page, then send the form with the page's CSRF token (unless told
    not to), to ``action`` (default: the page itself)."""
    fields = dict(data)
    if with_token:
        fields["csrf_token"] = form_token(page_of(client, form_url, language))
    return client.post(action or form_url, data=fields, headers=HEADERS[language])


def event_url(event: LocalEvent | int) -> str:
    event_id = event if isinstance(event, int) else event.id
    return f"/forum/events/{event_id}/"


def answer(
    client: FlaskClient,
    event: LocalEvent,
    choice: str,
    *,
    language: str = "en",
    with_token: bool = True,
    token_from: str | None = None,
) -> TestResponse:
    """Answer an event through its page's form."""
    fields: dict[str, Any] = {"answer": choice}
    if with_token:
        fields["csrf_token"] = form_token(page_of(client, token_from or event_url(event), language))
    return client.post(f"/forum/events/{event.id}/answer", data=fields, headers=HEADERS[language])


def follow(client: FlaskClient, response: TestResponse, language: str = "en") -> str:
    """The page a redirect leads to (with its flash messages)."""
    assert response.status_code in (302, 303), f"{response.status_code}\n{text(response)}"
    return page_of(client, response.headers["Location"], language)


def as_member(client: FlaskClient, member: Member | None) -> FlaskClient:
    sign_in(client, member)
    return client


def section(page: str, css_class: str) -> str:
    """The HTML of the first element with that class (up to its closing tag)."""
    match = re.search(
        rf'<(\w+)[^>]*class="[^"]*\b{re.escape(css_class)}\b[^"]*"[^>]*>(.*?)</\1>', page, re.S
    )
    assert match, f"no .{css_class} on the page"
    return match.group(2)


def notices(page: str) -> str:
    """The event notices in the forum's navigation, as text ("" when there are none)."""
    match = re.search(r'<div class="cf-notice cf-event-notices"[^>]*>(.*?)</div>', page, re.S)
    return visible(match.group(1)) if match else ""


def field_error(page: str, field: str) -> str:
    """The error shown at a form field, as text."""
    match = re.search(rf'<p class="cf-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error at the field {field!r}"
    return visible(match.group(1))


def json_ld(page: str) -> dict[str, Any]:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1, f"{len(scripts)} JSON-LD scripts on the page"
    data: dict[str, Any] = json.loads(scripts[0])
    return data


def calendar(response: TestResponse) -> Calendar:
    assert response.status_code == 200, text(response)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def message(language: str, english: str, **variables: Any) -> str:
    """A message of the forum's catalogue, as a page in that language shows it; for Dutch,
    the catalogue must have a translation of its own."""
    shown: str = translations(language).ugettext(english)
    if language == "nl":
        assert shown != english, f"the Dutch catalogue has no translation of {english!r}"
    return shown % variables if variables else shown


def start_topic(db: Session, author: Member, community: Community, title: str = "") -> int:
    """A topic without an event; its id."""
    from civicforum.forum import services as forum_services

    from .conftest import LIMITS

    topic = forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title=title or "Shall we fix bicycles together?",
        body="Many bikes in the street need a hand.",
        publish_as="pseudonym",
        submission_token=f"plain-topic-{title}",
        limits=LIMITS,
    )
    return topic.id
