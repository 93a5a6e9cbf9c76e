"""Reading local events through their pages: the agenda, an event, calendar files, the
boxes the plugin adds to the forum's pages, in Dutch and in English."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar, Component
from sqlalchemy.orm import Session

from civicforum.forum.models import Role
from civicforum.identity.models import Member
from civicforum.plugins.events import services
from civicforum.plugins.events.models import Answer, AttendanceMode, LocalEvent

from . import eventpages
from .eventpages import (
    AMSTERDAM,
    Neighbourhood,
    answer_directly,
    as_member,
    calendar,
    event_url,
    get,
    in_days,
    json_ld,
    message,
    page_of,
    plan,
    section,
    start_topic,
    text,
    visible,
)
from .helpers import actor_of, add_member

app = eventpages.app
hood = eventpages.hood

AGENDA = "/forum/c/buurt/events/"
PAST = "/forum/c/buurt/events/past"
FEED = "/forum/c/buurt/events.ics"
SCHEMA = "https://schema.org/"


def titles_in(page: str) -> list[str]:
    """The titles of the events an agenda page lists, in order."""
    listed = section(page, "cf-event-list")
    return [visible(title) for title in re.findall(r"<h2>(.*?)</h2>", listed, re.S)]


# -- the agenda --------------------------------------------------------------------------


def test_the_agenda_lists_what_is_coming_soonest_first(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    plan(db, hood.organiser, hood.community, title="Later", starts_at=in_days(20))
    cancelled = plan(db, hood.organiser, hood.community, title="Called off", starts_at=in_days(9))
    services.cancel_event(db, actor_of(db, hood.organiser), cancelled)
    plan(db, hood.organiser, hood.community, title="Soon", starts_at=in_days(2))
    plan(db, hood.organiser, hood.community, title="Long gone", starts_at=in_days(-30))

    page = page_of(client, AGENDA)

    assert titles_in(page) == ["Soon", "Called off", "Later"]
    shown = visible(page)
    assert "Events of Buurt" in shown and "Cancelled" in shown
    assert 'href="/forum/c/buurt/events/past"' in page and f'href="{FEED}"' in page
    assert "/events/new" not in page  # a visitor cannot plan


def test_organisers_find_the_way_to_plan_an_event_on_the_agenda(
    client: FlaskClient, hood: Neighbourhood
) -> None:
    assert 'href="/forum/c/buurt/events/new"' in page_of(as_member(client, hood.organiser), AGENDA)
    assert "/events/new" not in page_of(as_member(client, hood.ann), AGENDA)


def test_the_past_agenda_lists_what_happened_latest_first(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    plan(db, hood.organiser, hood.community, title="Long ago", starts_at=in_days(-60))
    plan(db, hood.organiser, hood.community, title="Last week", starts_at=in_days(-7))
    plan(db, hood.organiser, hood.community, title="Next week", starts_at=in_days(7))

    page = page_of(client, PAST)

    assert titles_in(page) == ["Last week", "Long ago"]
    assert "Past events of Buurt" in visible(page)
    assert f'href="{AGENDA}"' in page


def test_empty_agendas_say_so(client: FlaskClient, hood: Neighbourhood) -> None:
    assert "No events are planned at the moment." in visible(page_of(client, AGENDA))
    assert "No events have taken place yet." in visible(page_of(client, PAST))


def test_the_agenda_shows_twenty_events_a_page(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    for n in range(21):
        plan(
            db,
            hood.organiser,
            hood.community,
            title=f"Evening {n + 1:02}",
            starts_at=in_days(n + 1),
        )

    first = page_of(client, AGENDA)
    second = page_of(client, f"{AGENDA}?page=2")

    assert titles_in(first) == [f"Evening {n:02}" for n in range(1, 21)]
    assert titles_in(second) == ["Evening 21"]
    assert 'rel="next"' in first and 'href="/forum/c/buurt/events/?page=2"' in first
    assert 'rel="prev"' in second
    for wrong in ("?page=3", "?page=0", "?page=two"):
        assert get(client, AGENDA + wrong).status_code == 404, wrong


# -- a members-only community ------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_a_members_only_communitys_events_stay_inside(
    client: FlaskClient,
    db: Session,
    make_community: Any,
    make_member: Any,
    hood: Neighbourhood,
    who: str,
) -> None:
    circle = make_community("kring", members_only=True)
    insider = make_member("Insider")
    add_member(db, circle, insider)
    add_member(db, circle, hood.moderator, Role.MODERATOR)
    event = plan(db, hood.moderator, circle, title="Private supper club")
    urls = [
        "/forum/c/kring/events/",
        "/forum/c/kring/events/past",
        "/forum/c/kring/events.ics",
        event_url(event),
        f"/forum/events/{event.id}/event.ics",
        f"/forum/events/{event.id}/attendees",
    ]

    as_member(client, hood.outsider if who == "outsider" else None)
    for url in urls:
        response = get(client, url)
        assert response.status_code in (403, 404), f"{url}: {response.status_code}"
        assert "Private supper club" not in text(response), url
        assert "BEGIN:VEVENT" not in text(response), url
    assert "Private supper club" not in text(get(client, "/forum/c/kring/"))

    as_member(client, insider)
    for url in urls[:-1]:
        assert get(client, url).status_code == 200, url
    assert "Private supper club" in page_of(client, "/forum/c/kring/events/")


def test_an_event_that_does_not_exist_is_not_found(
    client: FlaskClient, hood: Neighbourhood
) -> None:
    for url in ("/forum/events/999/", "/forum/events/999/event.ics", "/forum/c/nowhere/events/"):
        assert get(client, url).status_code == 404, url


# -- the event page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "when", "where"),
    [
        ("nl", "zaterdag 1 juni 2030, 19:30–21:00", "Buurthuis De Boog, Boogstraat 1"),
        ("en", "Saturday, June 1, 2030", "Buurthuis De Boog, Boogstraat 1"),
    ],
)
def test_the_event_page_says_when_and_where_in_amsterdam_time(
    client: FlaskClient, db: Session, hood: Neighbourhood, language: str, when: str, where: str
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        starts_at=dt.datetime(2030, 6, 1, 19, 30),
        ends_at=dt.datetime(2030, 6, 1, 21, 0),
        description="Bring *anything* broken.",
        accessibility=["step_free", "hearing_loop"],
    )

    page = page_of(client, event_url(event), language)
    shown = visible(page)

    assert f'<html lang="{language}">' in page
    assert when in shown and where in shown
    if language == "en":
        assert "7:30" in shown and "9:00" in shown
        facts = visible(section(page, "cf-event-facts"))
        for label in ("When", "Where", "Accessibility", "Step-free access", "Hearing loop"):
            assert label in facts
    assert "<em>anything</em>" in page
    assert "Organiser Olga" in shown
    assert f'href="/forum/t/{event.topic_id}/"' in page


def test_an_online_event_shows_its_link_and_a_mixed_one_both(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    online = plan(
        db,
        hood.organiser,
        hood.community,
        attendance_mode=AttendanceMode.ONLINE,
        online_url="https://meet.example.org/cafe",
    )
    mixed = plan(
        db,
        hood.organiser,
        hood.community,
        attendance_mode=AttendanceMode.MIXED,
        online_url="https://meet.example.org/both",
    )

    online_page = page_of(client, event_url(online))
    mixed_page = page_of(client, event_url(mixed))

    assert 'href="https://meet.example.org/cafe"' in online_page
    assert "Boogstraat" not in visible(online_page)  # online only: no venue
    assert 'href="https://meet.example.org/both"' in mixed_page
    assert "Buurthuis De Boog, Boogstraat 1" in visible(mixed_page)
    assert "In person and online" in visible(mixed_page)


def test_an_event_in_another_time_zone_names_it(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        starts_at=dt.datetime(2030, 6, 1, 18, 0),
        timezone="America/New_York",
    )

    shown = visible(page_of(client, event_url(event), "nl"))

    assert "zaterdag 1 juni 2030, 18:00–20:00" in shown
    assert "New York" in shown or "Eastern" in shown or "Verenigde Staten" in shown
    assert json_ld(page_of(client, event_url(event)))["startDate"] == "2030-06-01T18:00:00-04:00"


def test_places_left_are_shown_only_when_the_organiser_chose_it(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    quiet = plan(db, hood.organiser, hood.community, title="Quiet count", capacity=2)
    told = plan(db, hood.organiser, hood.community, capacity=2, show_places_left=True)
    answer_directly(db, hood.ann, quiet, Answer.GOING)
    answer_directly(db, hood.ann, told, Answer.GOING)

    quiet_page = page_of(client, event_url(quiet))
    assert "place left" not in visible(quiet_page) and "Places" not in visible(quiet_page)
    assert "remainingAttendeeCapacity" not in json_ld(quiet_page)

    told_page = page_of(client, event_url(told))
    assert "1 place left" in visible(told_page)
    assert json_ld(told_page)["remainingAttendeeCapacity"] == 1
    answer_directly(db, hood.bob, told, Answer.GOING)
    full = visible(page_of(client, event_url(told)))
    assert "Full: answer “going” to join the waiting list" in full
    assert "Places left: 0" not in full


# -- JSON-LD -----------------------------------------------------------------------------


def test_the_event_page_describes_the_event_as_schema_org_json_ld(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        title="Repair café",
        starts_at=dt.datetime(2030, 1, 12, 10, 0),  # winter: an hour ahead of UTC
        ends_at=dt.datetime(2030, 1, 12, 12, 30),
        description="Bring *anything* broken.",
    )

    data = json_ld(page_of(client, event_url(event)))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Repair café"
    assert data["startDate"] == "2030-01-12T10:00:00+01:00"
    assert data["endDate"] == "2030-01-12T12:30:00+01:00"
    for key in ("startDate", "endDate"):
        assert dt.datetime.fromisoformat(data[key]).utcoffset() == dt.timedelta(hours=1)
    assert data["location"] == {
        "@type": "Place",
        "name": "Buurthuis De Boog",
        "address": "Boogstraat 1, Voorbeeldstad",
    }
    assert data["eventAttendanceMode"] == f"{SCHEMA}OfflineEventAttendanceMode"
    assert data["eventStatus"] == f"{SCHEMA}EventScheduled"
    assert data["organizer"]["name"] == "Buurt"
    assert data["organizer"]["url"].endswith("/forum/c/buurt/")
    assert data["url"].endswith(event_url(event))


@pytest.mark.parametrize(
    ("mode", "url", "types", "schema_mode"),
    [
        ("online", "https://meet.example.org/x", ["VirtualLocation"], "Online"),
        ("mixed", "https://meet.example.org/x", ["Place", "VirtualLocation"], "Mixed"),
    ],
)
def test_json_ld_gives_online_events_a_virtual_location(
    client: FlaskClient,
    db: Session,
    hood: Neighbourhood,
    mode: str,
    url: str,
    types: list[str],
    schema_mode: str,
) -> None:
    event = plan(
        db, hood.organiser, hood.community, attendance_mode=AttendanceMode(mode), online_url=url
    )

    data = json_ld(page_of(client, event_url(event)))

    location = data["location"]
    places = location if isinstance(location, list) else [location]
    assert [place["@type"] for place in places] == types
    virtual = places[-1]
    assert virtual["url"] == url
    if "Place" in types:
        assert places[0]["address"] == "Boogstraat 1, Voorbeeldstad"
    assert data["eventAttendanceMode"] == f"{SCHEMA}{schema_mode}EventAttendanceMode"


SCHEMA_STATUS = {
    "cancel": "EventCancelled",
    "postpone": "EventPostponed",
    "online": "EventMovedOnline",
}


def make_change(db: Session, who: Member, event: LocalEvent, change: str) -> None:
    """Cancel, postpone or move an event online, as the organiser's page would."""
    actor = actor_of(db, who)
    if change == "cancel":
        services.cancel_event(db, actor, event)
    elif change == "postpone":
        services.postpone_event(db, actor, event)
    else:
        services.move_online(db, actor, event, "https://meet.example.org/m")


@pytest.mark.parametrize("change", list(SCHEMA_STATUS))
def test_json_ld_and_the_page_show_what_happened_to_the_event(
    client: FlaskClient, db: Session, hood: Neighbourhood, change: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    make_change(db, hood.organiser, event, change)

    page = page_of(client, event_url(event))
    data = json_ld(page)

    assert data["eventStatus"] == f"{SCHEMA}{SCHEMA_STATUS[change]}"
    badge = visible(section(page, "cf-event-status"))
    assert (
        badge
        == {
            "cancel": "Cancelled",
            "postpone": "Postponed: new date to follow",
            "online": "Moved online",
        }[change]
    )
    if change == "online":
        assert data["eventAttendanceMode"] == f"{SCHEMA}OnlineEventAttendanceMode"
        assert {"@type": "VirtualLocation", "url": "https://meet.example.org/m"} in (
            data["location"] if isinstance(data["location"], list) else [data["location"]]
        )


# -- calendar files ----------------------------------------------------------------------


def tzids_used(cal: Calendar) -> set[str]:
    used: set[str] = set()
    for component in cal.walk():
        for value in component.values():
            for item in value if isinstance(value, list) else [value]:
                params = getattr(item, "params", {})
                if "TZID" in params:
                    used.add(str(params["TZID"]))
    return used


def moment(component: Component, name: str) -> dt.datetime:
    value = component.decoded(name)
    assert isinstance(value, dt.datetime), f"{name} is {value!r}"
    return value


def check_calendar(cal: Calendar) -> None:
    """What every calendar file must have: a product id, version 2.0 and a VTIMEZONE for
    every zone a time refers to."""
    assert cal.name == "VCALENDAR"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).strip()
    defined = {str(zone["TZID"]) for zone in cal.walk("VTIMEZONE")}
    assert tzids_used(cal) <= defined, f"TZIDs without a VTIMEZONE: {tzids_used(cal) - defined}"


def test_an_events_calendar_file_holds_the_event(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        starts_at=dt.datetime(2030, 6, 1, 19, 30),
        ends_at=dt.datetime(2030, 6, 1, 21, 0),
    )

    response = get(client, f"/forum/events/{event.id}/event.ics")
    cal = calendar(response)

    check_calendar(cal)
    assert "attachment" in response.headers["Content-Disposition"]
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert vevent.DTSTAMP.tzinfo is not None
    start, end = moment(vevent, "DTSTART"), moment(vevent, "DTEND")
    assert start == dt.datetime(2030, 6, 1, 19, 30, tzinfo=ZoneInfo(AMSTERDAM))
    assert end == dt.datetime(2030, 6, 1, 21, 0, tzinfo=ZoneInfo(AMSTERDAM))
    assert str(vevent["DTSTART"].params["TZID"]) == AMSTERDAM
    assert str(vevent["SUMMARY"]) == "Repair café"
    assert "Buurthuis De Boog" in str(vevent["LOCATION"])
    assert str(vevent["URL"]).endswith(event_url(event))
    assert str(vevent["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(
    ("change", "status"),
    [("cancel", "CANCELLED"), ("postpone", "TENTATIVE"), ("online", "CONFIRMED")],
)
def test_calendar_files_carry_the_events_status(
    client: FlaskClient, db: Session, hood: Neighbourhood, change: str, status: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    make_change(db, hood.organiser, event, change)

    for url in (f"/forum/events/{event.id}/event.ics", FEED):
        cal = calendar(get(client, url))
        check_calendar(cal)
        (vevent,) = cal.walk("VEVENT")
        assert str(vevent["STATUS"]) == status, url
        if change == "online":
            assert str(vevent["LOCATION"]) == "https://meet.example.org/m"


def test_the_community_feed_holds_its_events_in_every_zone(
    client: FlaskClient, db: Session, hood: Neighbourhood, make_community: Any
) -> None:
    here = plan(db, hood.organiser, hood.community, title="Here", starts_at=in_days(3))
    there = plan(db, hood.organiser, hood.community, title="There", timezone="America/New_York")
    make_community("elders")
    plan(db, hood.moderator, hood.community, title="Moderated", starts_at=in_days(4))

    cal = calendar(get(client, FEED))

    check_calendar(cal)
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} >= {here.uid, there.uid}
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {"Here", "There", "Moderated"}
    assert {"America/New_York", AMSTERDAM} <= tzids_used(cal)
    for vevent in cal.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL"} <= set(vevent)
    assert calendar(get(client, "/forum/c/elders/events.ics")).walk("VEVENT") == []


def test_the_feed_of_a_community_without_events_is_still_a_calendar(
    client: FlaskClient, hood: Neighbourhood
) -> None:
    response = get(client, FEED)

    cal = calendar(response)  # parses
    assert str(cal["PRODID"]).strip() and str(cal["VERSION"]) == "2.0"
    assert cal.walk("VEVENT") == []
    check_calendar(cal)


# -- what the plugin adds to the forum's pages --------------------------------------------


def test_the_community_page_shows_what_is_coming_up(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    for n in range(4):
        plan(db, hood.organiser, hood.community, title=f"Walk {n + 1}", starts_at=in_days(n + 1))
    plan(db, hood.organiser, hood.community, title="Over already", starts_at=in_days(-3))

    box = visible(section(page_of(client, "/forum/c/buurt/"), "cf-events-box"))

    assert box.startswith("Coming up")
    assert "Walk 1" in box and "Walk 2" in box and "Walk 3" in box
    assert "Walk 4" not in box and "Over already" not in box
    assert "All events" in box and "Plan an event" not in box
    organiser_box = section(
        page_of(as_member(client, hood.organiser), "/forum/c/buurt/"), "cf-events-box"
    )
    assert 'href="/forum/c/buurt/events/new"' in organiser_box


def test_a_topic_about_an_event_shows_its_card(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, starts_at=dt.datetime(2030, 6, 1, 19, 30))

    card = section(page_of(client, f"/forum/t/{event.topic_id}/", "nl"), "cf-event-card")

    assert f'href="{event_url(event)}"' in card
    assert "Repair café" in visible(card)
    assert "zaterdag 1 juni 2030, 19:30–21:30" in visible(card)


def test_organisers_may_plan_an_event_from_a_topic(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    topic = start_topic(db, hood.ann, hood.community)
    with_event = plan(db, hood.organiser, hood.community)
    offer = "Plan an event about this topic"

    as_member(client, hood.organiser)
    page = page_of(client, f"/forum/t/{topic}/")
    assert offer in visible(page)
    assert f'href="/forum/c/buurt/events/new?topic={topic}"' in page
    assert offer not in page_of(client, f"/forum/t/{with_event.topic_id}/")  # it has one
    for reader in (hood.ann, None):
        assert offer not in page_of(as_member(client, reader), f"/forum/t/{topic}/")


# -- both languages ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_event_pages_speak_the_readers_language(
    client: FlaskClient, db: Session, hood: Neighbourhood, language: str
) -> None:
    event = plan(
        db,
        hood.organiser,
        hood.community,
        capacity=9,
        show_places_left=True,
        accessibility=["step_free"],
    )
    as_member(client, hood.ann)

    agenda = page_of(client, AGENDA, language)
    page = page_of(client, event_url(event), language)
    sidebar = visible(section(page_of(client, "/forum/c/buurt/", language), "cf-events-box"))

    assert f'<html lang="{language}">' in agenda and f'<html lang="{language}">' in page
    assert message(language, "Events of %(name)s", name="Buurt") in visible(agenda)
    assert message(language, "Past events") in visible(agenda)
    for words in (
        "Your answer",
        "Will you come?",
        "Going",
        "Maybe",
        "In person",
        "Step-free access",
    ):
        assert message(language, words) in visible(page), words
    assert f'value="{message(language, "Send my answer")}"' in page
    assert message(language, "Add to my calendar (.ics)") in visible(page)
    assert message(language, "Coming up") in sidebar
    if language == "nl":
        for english in ("Your answer", "Will you come?", "Coming up", "Events of"):
            assert english not in visible(page) + sidebar + visible(agenda), english


def test_a_dutch_reader_gets_dutch_words_in_the_calendar_file(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)
    services.postpone_event(db, actor_of(db, hood.organiser), event)

    cal = calendar(get(client, f"/forum/events/{event.id}/event.ics", "nl"))

    (vevent,) = cal.walk("VEVENT")
    note = message("nl", "Postponed: a new date will follow.")
    assert str(vevent["DESCRIPTION"]).startswith(note)
