"""Organising local events through the pages: planning (with a topic to talk in),
changing, refusals that say why and write nothing, and cancelling, postponing or moving
an event online, with notices for everyone who meant to come."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community, Topic
from civicforum.identity.models import Member
from civicforum.plugins.events import services
from civicforum.plugins.events.models import Answer, EventNotice, EventStatus, LocalEvent

from . import eventpages
from .eventpages import (
    AMSTERDAM,
    EN,
    Neighbourhood,
    answer_directly,
    as_member,
    count,
    event_url,
    field_error,
    follow,
    fresh,
    get,
    in_days,
    json_ld,
    notices,
    page_of,
    plan,
    send_form,
    start_topic,
    text,
    visible,
)
from .helpers import actor_of, add_member, form_token

app = eventpages.app
hood = eventpages.hood

NEW = "/forum/c/buurt/events/new"
TIME = "%Y-%m-%dT%H:%M"


def form_data(**changes: Any) -> dict[str, Any]:
    """The new-event form as an organiser fills it in: an evening ten days from now."""
    starts = in_days(10)
    data: dict[str, Any] = {
        "title": "Repair café",
        "description": "Bring *anything* broken.",
        "starts_at": starts.strftime(TIME),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime(TIME),
        "timezone": AMSTERDAM,
        "attendance_mode": "in_person",
        "venue_name": "Buurthuis De Boog",
        "venue_address": "Boogstraat 1, Voorbeeldstad",
        "online_url": "",
        "accessibility": ["step_free"],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def nothing_written(db: Session) -> None:
    assert count(db, LocalEvent) == 0
    assert count(db, Topic) == 0


def seen_by(client: FlaskClient, member: Member) -> str:
    """The event notices a member finds in the navigation on their next visit."""
    as_member(client, member)
    return notices(page_of(client, "/forum/"))


# -- planning ----------------------------------------------------------------------------


def test_an_organiser_plans_an_event_and_its_topic(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    as_member(client, hood.organiser)
    starts = dt.datetime(2030, 6, 1, 19, 30)
    data = form_data(
        starts_at=starts.strftime(TIME),
        ends_at="2030-06-01T21:00",
        capacity="12",
        show_places_left="y",
        accessibility=["step_free", "hearing_loop"],
    )

    form = page_of(client, NEW)
    assert "A topic to talk about the event is started with it." in visible(form)
    page = follow(client, send_form(client, NEW, data))

    assert "The event is planned, with a topic to talk about it." in visible(page)
    (event,) = db.scalars(select(LocalEvent)).all()
    assert (event.title, event.timezone, event.capacity) == ("Repair café", AMSTERDAM, 12)
    assert event.starts_at == starts.replace(tzinfo=ZoneInfo(AMSTERDAM))
    assert [a.value for a in event.accessibility_features] == ["step_free", "hearing_loop"]
    assert [m.id for m in event.organisers] == [hood.organiser.id]
    topic = db.get(Topic, event.topic_id)
    assert topic is not None and topic.community_id == hood.community.id
    assert topic.title == "Repair café"
    assert f'href="/forum/t/{topic.id}/"' in page
    assert "12 places left" in visible(page)
    assert event_url(event) in text(get(client, f"/forum/t/{topic.id}/"))


def test_an_empty_number_of_places_means_no_limit(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    as_member(client, hood.organiser)

    # A browser sends the empty field as it is.
    page = follow(client, send_form(client, NEW, form_data(capacity="")))

    assert "The event is planned" in visible(page)
    (event,) = db.scalars(select(LocalEvent)).all()
    assert event.capacity is None


def test_an_event_planned_from_a_topic_is_talked_about_there(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    topic_id = start_topic(db, hood.ann, hood.community)
    as_member(client, hood.organiser)
    url = f"{NEW}?topic={topic_id}"

    form = page_of(client, url)
    assert "The event will be talked about in the topic “Shall we fix bicycles together?”" in (
        visible(form)
    )
    assert form_token(form, "topic_id") == str(topic_id)
    follow(client, send_form(client, url, form_data(title="Bicycle repair", topic_id=topic_id)))

    (event,) = db.scalars(select(LocalEvent)).all()
    assert event.topic_id == topic_id
    assert count(db, Topic) == 1  # no second topic
    card = visible(page_of(client, f"/forum/t/{topic_id}/"))
    assert "This topic is about an event" in card and "Bicycle repair" in card


def test_a_topic_of_another_community_cannot_be_used(
    client: FlaskClient,
    db: Session,
    hood: Neighbourhood,
    make_community: Callable[..., Community],
) -> None:
    elsewhere = make_community("elders")
    add_member(db, elsewhere, hood.ann)
    foreign = start_topic(db, hood.ann, elsewhere)
    as_member(client, hood.organiser)

    assert get(client, f"{NEW}?topic={foreign}").status_code == 404
    assert get(client, f"{NEW}?topic=not-a-number").status_code == 404
    token = form_token(page_of(client, NEW))
    sent = client.post(NEW, data={**form_data(topic_id=foreign), "csrf_token": token})
    assert sent.status_code == 404
    assert count(db, LocalEvent) == 0
    assert count(db, Topic) == 1  # only the foreign one


def test_an_organiser_changes_the_details(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        starts_at=dt.datetime(2030, 6, 1, 19, 30),
        ends_at=dt.datetime(2030, 6, 1, 21, 0),
    )
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/edit"

    form = page_of(client, url)
    assert 'value="Repair café"' in form and 'value="2030-06-01T19:30"' in form
    data = form_data(
        title="Repair café XL",
        starts_at="2030-06-08T14:00",
        ends_at="2030-06-08T17:00",
        venue_name="Wijkcentrum Noord",
    )
    page = follow(client, send_form(client, url, data))

    assert "Your changes to the event are saved." in visible(page)
    assert "Repair café XL" in visible(page) and "Wijkcentrum Noord" in visible(page)
    changed = fresh(db, event)
    assert changed.title == "Repair café XL"
    assert changed.starts_at == dt.datetime(2030, 6, 8, 12, 0, tzinfo=dt.UTC)
    assert changed.topic_id == event.topic_id


def test_a_moderator_may_change_an_organisers_event_but_another_organiser_may_not(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)
    services.grant_organiser_rights(db, actor_of(db, hood.moderator), hood.community, hood.bob)
    url = f"/forum/events/{event.id}/edit"

    assert get(as_member(client, hood.moderator), url).status_code == 200
    assert get(as_member(client, hood.bob), url).status_code == 403


# -- refusals: a clear message, status 422, nothing written --------------------------------

REFUSED = {
    "no title": ({"title": ""}, "title", "Give the event a title."),
    "blank title": ({"title": "   "}, "title", ""),
    "title too short": ({"title": "ab"}, "title", "3"),
    "ends before it starts": (
        {"starts_at": "2030-06-01T19:30", "ends_at": "2030-06-01T18:00"},
        "ends_at",
        "An event must end after it starts.",
    ),
    "unknown zone": (
        {"timezone": "Europe/Atlantis"},
        "timezone",
        "“Europe/Atlantis” is not a known time zone.",
    ),
    "not a web link": (
        {"attendance_mode": "online", "online_url": "javascript:alert(1)"},
        "online_url",
        "The online link must be a web address",
    ),
    "in person with a link": (
        {"online_url": "https://meet.example.org/x"},
        "online_url",
        "An online link is only for events people can join online.",
    ),
    "online without a link": (
        {"attendance_mode": "mixed"},
        "online_url",
        "Give the link where people join online.",
    ),
    "no places": ({"capacity": "0"}, "capacity", "Give a number of places from 1 to 100,000."),
    "no date": ({"starts_at": "next friday"}, "starts_at", "Give a date and a time"),
    "venue name too long": ({"venue_name": "V" * 201}, "venue_name", "200"),
    "address too long": ({"venue_address": "A" * 501}, "venue_address", "500"),
    "online link too long": (
        {"attendance_mode": "mixed", "online_url": "https://meet.example.org/" + "x" * 980},
        "online_url",
        "1000",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_planning_refuses_what_breaks_the_rules_and_writes_nothing(
    client: FlaskClient, db: Session, hood: Neighbourhood, case: str
) -> None:
    changes, field, says = REFUSED[case]
    as_member(client, hood.organiser)

    sent = send_form(client, NEW, form_data(**changes))

    assert sent.status_code == 422, f"{sent.status_code}: {visible(text(sent))[:500]}"
    error = field_error(text(sent), field)
    assert says in error, error
    assert error.strip()
    nothing_written(db)


@pytest.mark.parametrize(
    "case", ["title too short", "venue name too long", "address too long", "online link too long"]
)
def test_changing_refuses_what_breaks_the_rules_and_keeps_the_event(
    client: FlaskClient, db: Session, hood: Neighbourhood, case: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    changes, field, says = REFUSED[case]
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/edit"

    sent = send_form(client, url, form_data(**changes))

    assert sent.status_code == 422, f"{sent.status_code}: {visible(text(sent))[:500]}"
    assert says in field_error(text(sent), field)
    kept = fresh(db, event)
    assert (kept.title, kept.venue_name, kept.online_url) == (
        "Repair café",
        "Buurthuis De Boog",
        None,
    )


def test_places_cannot_drop_below_the_people_going(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, capacity=5)
    for member in (hood.ann, hood.bob, hood.cas):
        answer_directly(db, member, event, Answer.GOING)
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/edit"

    sent = send_form(client, url, form_data(capacity="2"))

    assert sent.status_code == 422
    assert "3 people are going already" in field_error(text(sent), "capacity")
    assert fresh(db, event).capacity == 5
    follow(client, send_form(client, url, form_data(capacity="3")))
    assert fresh(db, event).capacity == 3


# -- cancel, postpone, move online -------------------------------------------------------

CHANGES = {
    "cancel": ({}, EventStatus.CANCELLED, "was cancelled.", "The event is cancelled."),
    "postpone": (
        {},
        EventStatus.POSTPONED,
        "is postponed; a new date will follow.",
        "The event is postponed.",
    ),
    "online": (
        {"online_url": "https://meet.example.org/cafe"},
        EventStatus.MOVED_ONLINE,
        "now takes place online only.",
        "The event is now online only.",
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_is_made_and_everyone_who_meant_to_come_is_told_once(
    client: FlaskClient, db: Session, hood: Neighbourhood, change: str
) -> None:
    fields, status, notice, confirmation = CHANGES[change]
    event = plan(db, hood.organiser, hood.community, title="Soup evening")
    answer_directly(db, hood.ann, event, Answer.GOING)
    answer_directly(db, hood.bob, event, Answer.MAYBE)
    answer_directly(db, hood.cas, event, Answer.CANT_GO)
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/change"

    form = page_of(client, url)
    assert "Everyone who answered “going” or “maybe” finds a notice" in visible(form)
    page = follow(client, send_form(client, url, {"change": change, **fields}))

    assert confirmation in visible(page)
    assert fresh(db, event).status == status
    assert notices(page) == ""  # the organiser answered nothing
    for member in (hood.ann, hood.bob):
        told = seen_by(client, member)
        assert "“Soup evening” on" in told and notice in told, told
        assert seen_by(client, member) == ""  # once
    assert seen_by(client, hood.cas) == ""
    if change == "online":
        online = page_of(client, event_url(event))
        assert 'href="https://meet.example.org/cafe"' in online
        assert "Boogstraat" not in visible(online)


@pytest.mark.parametrize(
    ("link", "says"),
    [("", "Give the link where people join online."), ("ftp://example.org/x", "web address")],
)
def test_moving_online_needs_a_web_link(
    client: FlaskClient, db: Session, hood: Neighbourhood, link: str, says: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    answer_directly(db, hood.ann, event, Answer.GOING)
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/change"

    sent = send_form(client, url, {"change": "online", "online_url": link})

    assert sent.status_code == 422
    assert says in field_error(text(sent), "online_url")
    assert fresh(db, event).status == EventStatus.SCHEDULED
    assert count(db, EventNotice) == 0


def test_a_cancelled_event_cannot_be_changed_again(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)
    answer_directly(db, hood.ann, event, Answer.GOING)
    services.cancel_event(db, actor_of(db, hood.organiser), event)
    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/change"
    token = form_token(page_of(client, event_url(event)))

    sent = client.post(url, data={"change": "postpone", "csrf_token": token}, headers=EN)

    assert sent.status_code == 409
    assert "This event was cancelled." in visible(text(sent))
    assert fresh(db, event).status == EventStatus.CANCELLED
    assert count(db, EventNotice) == 1  # the cancellation's, no more


def test_new_dates_for_a_postponed_event_put_it_back_on_and_tell_people(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, title="Soup evening")
    answer_directly(db, hood.ann, event, Answer.GOING)
    answer_directly(db, hood.bob, event, Answer.MAYBE)
    services.postpone_event(db, actor_of(db, hood.organiser), event)
    assert "postponed" in seen_by(client, hood.ann)  # the postponement, seen
    assert "postponed" in seen_by(client, hood.bob)

    as_member(client, hood.organiser)
    url = f"/forum/events/{event.id}/edit"
    new_day = dt.date(2030, 9, 14)
    data = form_data(title="Soup evening", starts_at="2030-09-14T18:00", ends_at="2030-09-14T20:00")
    page = follow(client, send_form(client, url, data))

    assert fresh(db, event).status == EventStatus.SCHEDULED
    assert "Postponed" not in visible(page) and "postponed" not in visible(page)
    assert json_ld(page)["eventStatus"] == "https://schema.org/EventScheduled"
    dates = {format_date(new_day, style, locale="en") for style in ("medium", "long", "full")}
    for member in (hood.ann, hood.bob):
        told = seen_by(client, member)
        assert "Soup evening" in told, f"no notice of the new date for {member.display_name}"
        assert any(date in told for date in dates), told


# -- who may organise --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_people_who_do_not_organise_are_refused_every_organisers_page(
    client: FlaskClient, db: Session, hood: Neighbourhood, who: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    as_member(client, hood.organiser)
    token = form_token(page_of(client, NEW))
    as_member(client, hood.ann if who == "member" else hood.outsider)
    pages = {
        NEW: form_data(title="Not mine"),
        f"/forum/events/{event.id}/edit": form_data(title="Not mine"),
        f"/forum/events/{event.id}/change": {"change": "cancel"},
    }

    for url, data in pages.items():
        assert get(client, url).status_code == 403, url
        sent = client.post(url, data={**data, "csrf_token": token})
        assert sent.status_code == 403, url
    kept = fresh(db, event)
    assert (kept.title, kept.status) == ("Repair café", EventStatus.SCHEDULED)
    assert count(db, LocalEvent) == 1


@pytest.mark.parametrize("page", ["new", "edit", "change"])
def test_a_form_without_its_token_is_refused_visibly_and_writes_nothing(
    client: FlaskClient, db: Session, hood: Neighbourhood, page: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    as_member(client, hood.organiser)
    url, data = {
        "new": (NEW, form_data(title="Sneaky")),
        "edit": (f"/forum/events/{event.id}/edit", form_data(title="Sneaky")),
        "change": (f"/forum/events/{event.id}/change", {"change": "cancel"}),
    }[page]

    sent = send_form(client, url, data, with_token=False)

    assert 400 <= sent.status_code < 500
    assert "The form expired or came from elsewhere" in visible(text(sent))
    assert count(db, LocalEvent) == 1
    kept = fresh(db, event)
    assert (kept.title, kept.status) == ("Repair café", EventStatus.SCHEDULED)
