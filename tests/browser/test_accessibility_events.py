"""The pages of local events pass axe-core's WCAG 2.1 A and AA rules, in Dutch and in
English, as test_accessibility.py checks every other kind of page.

On the sample site with the library's agenda imported into *Leesclub*, and a few events
of the tests' own (one with everything an event page can show, one past, one cancelled):
the agenda and the past agenda, an event page signed out, as a member and as its
organiser, the forms for planning and changing events (empty and with their errors), the
page for cancelling, postponing or moving online, who answered, the boxes the events add
to the forum's pages, and a notice about a changed event in the navigation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from civicforum.plugins.events.models import Answer, LocalEvent

from .eventsite import (
    answer_as,
    cancelled_event,
    change_status,
    days_ahead,
    past_event,
    plan_event,
    rich_event,
)
from .livesite import LiveSite
from .test_accessibility import (
    SIGN_IN,
    Visit,
    audited_pages,
    path,
)
from .visitors import submit

pytestmark = pytest.mark.browser

AGENDA = "/forum/c/leesclub/events/"
FIELD_ERROR = ".cf-field-error .cf-error"
Go = Callable[[Page, LiveSite], None]


@pytest.fixture(scope="module", autouse=True)
def events(live_site: LiveSite) -> None:
    """The tests' own events, beside the imported agenda."""
    rich_event(live_site)
    past_event(live_site)
    cancelled_event(live_site)


def to_event(which: Callable[[LiveSite], int], suffix: str = "", status: int = 200) -> Go:
    def go(page: Page, site: LiveSite) -> None:
        path(f"/forum/events/{which(site)}/{suffix}", status)(page, site)

    return go


def send_empty(url: Callable[[LiveSite], str]) -> Go:
    """Send a form as the page fills it in, after emptying its title if it has one."""

    def go(page: Page, site: LiveSite) -> None:
        page.goto(url(site))
        title = page.locator("input[name=title]")
        if title.count():
            title.fill("")
        submit(page)

    return go


def answer_going(page: Page, site: LiveSite) -> None:
    page.goto(f"/forum/events/{rich_event(site)}/")
    page.locator(".cf-event-answer input[name=answer][value=going]").check()
    submit(page, ".cf-event-answer form [type=submit]")


NOTICES = itertools.count(1)


def with_a_notice(page: Page, site: LiveSite) -> None:
    """Henk said he would come to an event that is then postponed: the forum tells him on
    his next visit (a new event each time, as a notice is shown once)."""
    event_id = plan_event(site, f"Schrijfcafé {next(NOTICES)}", starts_at=days_ahead(50))
    answer_as(site, "henk", event_id, Answer.GOING)
    change_status(site, event_id, "postpone")
    path("/forum/")(page, site)


def new_event(site: LiveSite) -> str:
    return f"{AGENDA}new"


def edit_event(site: LiveSite) -> str:
    return f"/forum/events/{rich_event(site)}/edit"


def change_event(site: LiveSite) -> str:
    return f"/forum/events/{rich_event(site)}/change"


def event_topic(page: Page, site: LiveSite) -> None:
    with site.db() as db:
        event = db.get(LocalEvent, rich_event(site))
        assert event is not None
        topic_id = event.topic_id
    path(f"/forum/t/{topic_id}/")(page, site)


VISITS: dict[str, Visit] = {
    "agenda": Visit("visitor", path(AGENDA), ".cf-event-list"),
    "agenda, organiser": Visit("moderator", path(AGENDA), "#cf-main a[href$='/events/new']"),
    "past agenda": Visit("visitor", path(f"{AGENDA}past"), ".cf-event-list"),
    "community with what is coming up": Visit(
        "visitor", path("/forum/c/leesclub/"), ".cf-events-box li"
    ),
    "topic about an event": Visit("visitor", event_topic, ".cf-event-card"),
    "event, signed out": Visit(
        "visitor", to_event(rich_event), ".cf-event-answer a[href*='/sign-in']"
    ),
    "event, member": Visit("member", to_event(rich_event), ".cf-event-answer form"),
    "event, member answered": Visit("member", answer_going, ".cf-notice[role=status]"),
    "event, organiser": Visit("moderator", to_event(rich_event), ".cf-event-organise"),
    "event, past": Visit("member", to_event(past_event), ".cf-event-answer"),
    "event, cancelled": Visit("member", to_event(cancelled_event), ".cf-event-status"),
    "notice about a changed event": Visit("member", with_a_notice, ".cf-event-notices"),
    "new event": Visit("moderator", path(f"{AGENDA}new"), "input[name=title]"),
    "new event, with errors": Visit("moderator", send_empty(new_event), FIELD_ERROR),
    "edit event": Visit(
        "moderator", lambda page, site: path(edit_event(site))(page, site), "input[name=title]"
    ),
    "edit event, with errors": Visit("moderator", send_empty(edit_event), FIELD_ERROR),
    "change": Visit(
        "moderator", lambda page, site: path(change_event(site))(page, site), "input[name=change]"
    ),
    "change, with errors": Visit("moderator", send_empty(change_event), FIELD_ERROR),
    "attendees": Visit("moderator", to_event(rich_event, "attendees"), "#cf-answers-going"),
    "attendees, not allowed": Visit(
        "member", to_event(rich_event, "attendees", 403), "#cf-main h1"
    ),
}


visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)
