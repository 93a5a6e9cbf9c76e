"""Answering local events through their pages: going, maybe, can't go, the waiting list
and its notices, refusals that write nothing, and who may see who answered."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.plugins.events import services
from civicforum.plugins.events.models import Answer, LocalEvent, Rsvp

from . import eventpages
from .eventpages import (
    Neighbourhood,
    answer,
    answer_directly,
    as_member,
    count,
    event_url,
    follow,
    get,
    in_days,
    json_ld,
    notices,
    page_of,
    plan,
    section,
    text,
    visible,
)
from .helpers import actor_of, add_member

app = eventpages.app
hood = eventpages.hood


def answers(db: Session, event: LocalEvent) -> dict[int, tuple[str, bool]]:
    """Each member's answer to the event, and whether they wait for a place."""
    db.expire_all()
    rows = db.scalars(select(Rsvp).where(Rsvp.event_id == event.id))
    return {row.member_id: (row.answer, row.waiting) for row in rows}


def listed(page: str, group: str) -> str:
    """A group of the attendees page, after its name: "(count) names"."""
    match = re.search(
        rf'<section aria-labelledby="cf-answers-{group}">\s*<h2[^>]*>[^(<]*(.*?)</section>',
        page,
        re.S,
    )
    assert match, f"no group {group!r} on the page"
    return visible(match.group(1))


def answer_section(page: str) -> str:
    return visible(section(page, "cf-event-answer"))


# -- answering ---------------------------------------------------------------------------


def test_visitors_are_asked_to_sign_in_to_answer(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)

    page = page_of(client, event_url(event))
    offer = section(page, "cf-event-answer")
    assert f'href="/forum/account/sign-in?next={event_url(event)}"' in offer
    assert "Sign in" in visible(offer)
    assert 'name="answer"' not in page

    sent = client.post(f"/forum/events/{event.id}/answer", data={"answer": "going"})
    assert sent.status_code == 302
    target = urlsplit(sent.headers["Location"])
    assert target.path == "/forum/account/sign-in"
    assert parse_qs(target.query)["next"] == [event_url(event)]
    assert count(db, Rsvp) == 0


@pytest.mark.parametrize(
    ("choice", "told", "shown"),
    [
        ("going", "You are going. See you there!", "You are going."),
        ("maybe", "Your answer is “maybe”. You can change it any time.", "You might come."),
        ("cant_go", "Your answer is “can’t go”. Thank you for letting us know.", "You can’t go."),
    ],
)
def test_a_member_answers_and_sees_the_answer(
    client: FlaskClient, db: Session, hood: Neighbourhood, choice: str, told: str, shown: str
) -> None:
    event = plan(db, hood.organiser, hood.community)
    as_member(client, hood.ann)

    page = follow(client, answer(client, event, choice))

    assert told in visible(page)
    assert shown in answer_section(page)
    assert re.search(rf'<input checked[^>]* name="answer"[^>]* value="{choice}"', page)
    assert answers(db, event) == {hood.ann.id: (choice, False)}
    # On the next visit the message is gone; the answer stays.
    again = page_of(client, event_url(event))
    assert told not in visible(again) and shown in answer_section(again)


def test_a_member_can_change_their_answer(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, capacity=3, show_places_left=True)
    as_member(client, hood.ann)

    follow(client, answer(client, event, "going"))
    assert "2 places left" in visible(page_of(client, event_url(event)))
    page = follow(client, answer(client, event, "cant_go"))

    assert "You can’t go." in answer_section(page)
    assert "3 places left" in visible(page)
    assert answers(db, event) == {hood.ann.id: ("cant_go", False)}


def test_a_full_event_puts_people_on_a_numbered_waiting_list(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, capacity=1, show_places_left=True)
    answer_directly(db, hood.ann, event, Answer.GOING)

    as_member(client, hood.bob)
    bob_page = follow(client, answer(client, event, "going"))
    as_member(client, hood.cas)
    cas_page = follow(client, answer(client, event, "going"))

    assert "you are number 1 on the waiting list" in visible(bob_page)
    assert "you are number 2 on the waiting list" in visible(cas_page)
    assert "You are number 2 on the waiting list." in answer_section(cas_page)
    assert "Full: answer “going” to join the waiting list" in visible(cas_page)
    assert answers(db, event) == {
        hood.ann.id: ("going", False),
        hood.bob.id: ("going", True),
        hood.cas.id: ("going", True),
    }


def test_when_someone_leaves_the_first_waiting_gets_the_place_and_is_told_once(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community, title="Soup evening", capacity=1)
    answer_directly(db, hood.ann, event, Answer.GOING)
    answer_directly(db, hood.bob, event, Answer.GOING)  # waiting: number 1
    answer_directly(db, hood.cas, event, Answer.GOING)  # waiting: number 2

    as_member(client, hood.ann)
    left = follow(client, answer(client, event, "cant_go"))
    assert notices(left) == ""  # nothing for the one who left

    as_member(client, hood.bob)
    first_visit = page_of(client, "/forum/")
    told = notices(first_visit)
    assert "A place came free at “Soup evening”" in told and "it is yours now" in told
    assert f'href="{event_url(event)}"' in section(first_visit, "cf-event-notices")
    second_visit = page_of(client, "/forum/")
    assert notices(second_visit) == ""
    assert "You are going." in answer_section(page_of(client, event_url(event)))

    as_member(client, hood.cas)
    assert notices(page_of(client, "/forum/")) == ""
    assert "You are number 1 on the waiting list." in answer_section(
        page_of(client, event_url(event))
    )


@pytest.mark.parametrize("what", ["cancelled", "past"])
def test_answering_a_cancelled_or_past_event_is_refused_and_writes_nothing(
    client: FlaskClient, db: Session, hood: Neighbourhood, what: str
) -> None:
    open_event = plan(db, hood.organiser, hood.community, title="Still on")
    if what == "cancelled":
        event = plan(db, hood.organiser, hood.community)
        services.cancel_event(db, actor_of(db, hood.organiser), event)
        reason = "This event was cancelled."
    else:
        event = plan(db, hood.organiser, hood.community, starts_at=in_days(-2))
        reason = "This event is over."
    as_member(client, hood.ann)

    page = page_of(client, event_url(event))
    assert reason in answer_section(page)
    assert 'name="answer"' not in page  # no form to send

    # A form kept open in another tab, sent anyway.
    sent = answer(client, event, "going", token_from=event_url(open_event))
    assert sent.status_code == 409
    assert reason in answer_section(text(sent))
    assert count(db, Rsvp) == 0


def test_an_answer_without_its_form_token_is_refused_visibly(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)
    as_member(client, hood.ann)

    sent = answer(client, event, "going", with_token=False)

    assert 400 <= sent.status_code < 500
    shown = answer_section(text(sent))
    assert "The form expired or came from elsewhere" in shown and "nothing was saved" in shown
    assert count(db, Rsvp) == 0


def test_an_answer_must_be_one_of_the_choices(
    client: FlaskClient, db: Session, hood: Neighbourhood
) -> None:
    event = plan(db, hood.organiser, hood.community)
    as_member(client, hood.ann)

    for wrong in ("", "perhaps"):
        sent = answer(client, event, wrong)
        assert sent.status_code == 422, wrong
        assert "Not a valid choice" in answer_section(text(sent)) or "Choose an answer." in (
            answer_section(text(sent))
        )
    assert count(db, Rsvp) == 0


# -- who answered ------------------------------------------------------------------------


@pytest.fixture
def guests(db: Session, hood: Neighbourhood, make_member: Callable[..., Member]) -> list[Member]:
    """Members with names that cannot turn up on a page by chance."""
    made = [make_member(name) for name in ("Quintijn Zeldzaam", "Wobbe Vreemdnaam", "Xandra Uniek")]
    for member in made:
        add_member(db, hood.community, member)
    return made


def answered_event(db: Session, hood: Neighbourhood, guests: list[Member]) -> LocalEvent:
    event = plan(db, hood.organiser, hood.community, capacity=1, show_places_left=True)
    for guest, choice in zip(guests, (Answer.GOING, Answer.GOING, Answer.MAYBE), strict=True):
        answer_directly(db, guest, event, choice)
    return event


def test_organisers_and_moderators_see_who_answered(
    client: FlaskClient, db: Session, hood: Neighbourhood, guests: list[Member]
) -> None:
    event = answered_event(db, hood, guests)

    for manager in (hood.organiser, hood.moderator):
        as_member(client, manager)
        event_page = page_of(client, event_url(event))
        assert f'href="/forum/events/{event.id}/attendees"' in event_page
        page = page_of(client, f"/forum/events/{event.id}/attendees")
        shown = visible(page)
        assert "do not share it" in shown
        assert "1 person is going." in shown and "There is 1 place." in shown
        assert listed(page, "going") == "(1) Quintijn Zeldzaam"
        assert listed(page, "waiting") == "(1) Wobbe Vreemdnaam"
        assert listed(page, "maybe") == "(1) Xandra Uniek"
        assert listed(page, "cant_go").startswith("(0)")


@pytest.mark.parametrize("who", ["visitor", "member", "outsider", "guest"])
def test_nobody_else_sees_who_answered(
    client: FlaskClient, db: Session, hood: Neighbourhood, guests: list[Member], who: str
) -> None:
    event = answered_event(db, hood, guests)
    reader = {"visitor": None, "member": hood.cas, "outsider": hood.outsider, "guest": guests[2]}
    as_member(client, reader[who])

    refused = get(client, f"/forum/events/{event.id}/attendees")
    assert refused.status_code in (403, 404)
    page = page_of(client, event_url(event))
    assert "/attendees" not in page
    others = [g.display_name for g in guests if g is not reader[who]]
    for name in others:
        assert name not in text(refused)
        assert name not in page, f"{name} on the event page seen by a {who}"
    data = json_ld(page)
    assert not set(data) & {"attendee", "attendees", "performer", "contributor"}
    for name in (g.display_name for g in guests):
        assert name not in str(data)
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "Buurt",
        "url": data["organizer"]["url"],
    }


def test_the_event_page_keeps_answers_out_of_its_html_for_everyone(
    client: FlaskClient, db: Session, hood: Neighbourhood, guests: list[Member]
) -> None:
    event = answered_event(db, hood, guests)
    as_member(client, hood.organiser)  # even organisers find names only on the list

    page = page_of(client, event_url(event))

    for guest in guests:
        assert guest.display_name not in page
    assert "Quintijn" not in str(json_ld(page))


def test_a_moderator_of_another_community_does_not_see_who_answered(
    client: FlaskClient,
    db: Session,
    hood: Neighbourhood,
    guests: list[Member],
    make_community: Callable[..., Community],
) -> None:
    event = answered_event(db, hood, guests)
    add_member(db, make_community("elders"), hood.outsider, Role.MODERATOR)
    as_member(client, hood.outsider)

    refused = get(client, f"/forum/events/{event.id}/attendees")
    assert refused.status_code == 403
    assert "Quintijn Zeldzaam" not in text(refused)
