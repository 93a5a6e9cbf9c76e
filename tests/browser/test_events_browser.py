"""Local events in a real browser, on the sample site with the library's agenda: an
organiser plans an event through the form, a member answers "going" and sees it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from civicforum.i18n import translations

from .eventsite import days_ahead, rich_event
from .livesite import LiveSite
from .visitors import Contexts, sign_in_on_forum, submit

# A browser's view of the flow: what it does with the database is tested on both engines
# without a browser, so the PostgreSQL pass leaves it out (see tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

AGENDA = "/forum/c/leesclub/events/"
DUTCH = translations("nl")  # the sample site's language


def dutch(message: str) -> str:
    shown: str = DUTCH.ugettext(message)
    return shown


def test_an_organiser_plans_an_event_and_a_member_says_they_come(
    live_site: LiveSite, new_context: Contexts
) -> None:
    title = "Gedichtenavond met Voorbeeldstadse dichters"
    starts = days_ahead(60)
    organiser = new_context().new_page()
    sign_in_on_forum(organiser, "femke")

    organiser.goto(AGENDA)
    with organiser.expect_navigation():
        organiser.locator("#cf-main a.cf-button[href$='/events/new']").click()
    organiser.locator("input[name=title]").fill(title)
    organiser.locator("textarea[name=description]").fill(
        "Dichters lezen voor; **iedereen** welkom."
    )
    organiser.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    organiser.locator("input[name=ends_at]").fill(
        starts.replace(hour=21).strftime("%Y-%m-%dT%H:%M")
    )
    organiser.locator("input[name=venue_name]").fill("Centrale Bibliotheek, zaal 2")
    organiser.locator("input[name=capacity]").fill("2")
    organiser.locator("input[name=show_places_left]").check()
    organiser.locator("input[name=accessibility][value=step_free]").check()
    submit(organiser)

    assert re.search(r"/forum/events/\d+/$", organiser.url), organiser.url
    expect(organiser.locator(".cf-notice[role=status]")).to_contain_text(
        dutch("The event is planned, with a topic to talk about it.")
    )
    expect(organiser.locator("#cf-main h1")).to_have_text(title)
    expect(organiser.locator(".cf-event-organise")).to_be_visible()
    event_path = organiser.url.removeprefix(live_site.url)

    member = new_context().new_page()
    sign_in_on_forum(member, "henk")
    member.goto(AGENDA)
    with member.expect_navigation():
        member.get_by_role("link", name=title).click()
    assert member.url.endswith(event_path)
    places = DUTCH.ungettext("%(num)d place left", "%(num)d places left", 2) % {"num": 2}
    expect(member.locator(".cf-event-facts")).to_contain_text(places)
    member.locator(".cf-event-answer input[name=answer][value=going]").check()
    submit(member, ".cf-event-answer form [type=submit]")

    expect(member.locator(".cf-notice[role=status]")).to_contain_text(
        dutch("You are going. See you there!")
    )
    expect(member.locator(".cf-event-answer")).to_contain_text(dutch("You are going."))
    expect(member.locator(".cf-event-answer input[value=going]")).to_be_checked()
    one_left = DUTCH.ungettext("%(num)d place left", "%(num)d places left", 1) % {"num": 1}
    expect(member.locator(".cf-event-facts")).to_contain_text(one_left)

    # The organiser sees who comes; the member's name is nowhere on the public page.
    organiser.goto(f"{event_path}attendees")
    expect(organiser.locator("#cf-main")).to_contain_text("Henk")
    visitor = new_context().new_page()
    visitor.goto(event_path)
    assert "Henk" not in visitor.locator("#cf-main").inner_text()


def test_the_event_page_and_the_agenda_in_the_browser(
    live_site: LiveSite, new_context: Contexts
) -> None:
    event_id = rich_event(live_site)
    page = new_context().new_page()

    page.goto(f"/forum/events/{event_id}/")
    data = json.loads(page.locator("script[type='application/ld+json']").text_content() or "")
    assert data["@type"] == "Event" and data["name"] == "Poëzieavond: eigen gedichten voorlezen"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    facts = page.locator(".cf-event-facts")
    expect(facts).to_contain_text(dutch("Step-free access"))
    link = "a[href='https://live.bibliotheek-voorbeeldstad.example/poezie']"
    expect(facts.locator(link)).to_be_visible()
    expect(page.locator(".cf-event-answer a[href*='/sign-in']")).to_be_visible()
    assert "Anneke" not in page.content() and "Bram" not in page.locator("#cf-main").inner_text()

    # The agenda lists it with the library's imported events, and links back to it.
    page.goto(AGENDA)
    expect(page.locator("#cf-main h1")).to_have_text(
        DUTCH.ugettext("Events of %(name)s") % {"name": "Leesclub"}
    )
    upcoming = page.locator(".cf-event-item").count()
    page.goto(f"{AGENDA}past")
    past = page.locator(".cf-event-item").count()
    assert upcoming + past >= 12  # the agenda's 11 and this one
    page.goto("/forum/c/leesclub/")
    box = page.locator(".cf-events-box")
    expect(box).to_contain_text(dutch("Coming up"))
    with page.expect_navigation():
        box.locator(f"a[href$='{AGENDA}']").click()
    expect(page.get_by_role("link", name="Poëzieavond: eigen gedichten voorlezen")).to_be_visible()


def test_an_event_page_without_javascript_still_takes_an_answer(
    live_site: LiveSite, new_context: Contexts
) -> None:
    event_id = rich_event(live_site)
    page: Page = new_context(java_script_enabled=False).new_page()
    sign_in_on_forum(page, "lotte")

    page.goto(f"/forum/events/{event_id}/")
    page.locator(".cf-event-answer input[name=answer][value=maybe]").check()
    submit(page, ".cf-event-answer form [type=submit]")

    expect(page.locator(".cf-event-answer")).to_contain_text(dutch("You might come."))
