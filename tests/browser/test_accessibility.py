"""Every kind of page, in Dutch and in English, passes axe-core's WCAG 2.1 A and AA rules.

Each page is audited as a visitor would find it: signed out, signed in through the
library's own login, or with a forum account (a member, a moderator); forms are audited
empty, with their errors shown, and (for new posts) at the preview step. The language of
each page is checked too: ``<html lang>`` and the words on it must agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from civicforum.i18n import translations
from sample_site import TEXTS

from .livesite import LiveSite
from .visitors import (
    Contexts,
    demo_email,
    sign_in_on_forum,
    sign_in_on_site,
    submit,
    switch_site_language,
)

pytestmark = pytest.mark.browser

LANGUAGES = ("nl", "en")


# -- the pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """How to reach one kind of page, as whom, and what shows that it is that page."""

    who: str  # "visitor", or a key of SIGN_IN
    go: Callable[[Page, LiveSite], Any]
    shows: str  # a selector of something only this kind of page has
    forum: bool = True  # a forum page (else one of the library's own)


def path(
    template: str, status: int = 200, **posts: tuple[str, int]
) -> Callable[[Page, LiveSite], None]:
    """Visit a path; ``{name}`` is filled with a demo post's id, ``{name_topic}`` with its
    topic's id, for each ``name=(topic key, position)``."""

    def go(page: Page, site: LiveSite) -> None:
        values: dict[str, int] = {}
        for name, (topic, position) in posts.items():
            values[name], values[f"{name}_topic"] = site.demo_post(topic, position)
        response = page.goto(template.format(**values))
        assert response is not None and response.status == status, (
            f"{page.url} answered {response and response.status}, expected {status}"
        )

    return go


def site_sign_in_error(page: Page, site: LiveSite) -> None:
    page.goto("/inloggen")
    page.locator("#username").fill("sanne")
    page.locator("#password").fill("not her password")
    submit(page, "form.site-form [type=submit]")


def forum_sign_in_error(page: Page, site: LiveSite) -> None:
    page.goto("/forum/account/sign-in")
    page.locator("input[name=email]").fill(demo_email("bram"))
    page.locator("input[name=password]").fill("not his password")
    submit(page)


def send_as_is(
    url: str, button: str = "#cf-main form [type=submit]"
) -> Callable[[Page, LiveSite], None]:
    """Send a form as the page fills it in: an empty form shows its errors."""

    def go(page: Page, site: LiveSite) -> None:
        page.goto(url)
        submit(page, button)

    return go


def reset_sent(page: Page, site: LiveSite) -> None:
    page.goto("/forum/account/reset")
    page.locator("input[name=email]").fill(demo_email("bram"))
    submit(page)


def reset_link(page: Page, site: LiveSite) -> None:
    tasks = site.app.extensions["civicforum"].tasks
    tasks.run_pending()  # the mail earlier visits asked for, as the worker sends it
    sent = len(site.inbox.messages)
    reset_sent(page, site)
    tasks.run_pending()
    assert len(site.inbox.messages) == sent + 1, "no password-reset mail arrived"
    page.goto(site.inbox.link())


def reset_error(page: Page, site: LiveSite) -> None:
    reset_link(page, site)
    page.locator("input[name=password]").fill("short")
    submit(page)


def new_topic_preview(page: Page, site: LiveSite) -> None:
    page.goto("/forum/c/leesclub/new")
    page.locator("input[name=title]").fill("Luisterboeken voor in de trein")
    page.locator("textarea[name=body]").fill(
        "Welke **luisterboeken** raden jullie aan?\n\n> Liefst iets van *Hella Haasse*.\n\n"
        "- niet te lang\n- goed voorgelezen"
    )
    submit(page)


def reply_error(page: Page, site: LiveSite) -> None:
    # The reply box under a topic, sent empty.
    _, topic = site.demo_post("avonden", 0)
    send_as_is(f"/forum/t/{topic}/?page=2", ".cf-reply form [type=submit]")(page, site)


def reply_preview(page: Page, site: LiveSite) -> None:
    post, topic = site.demo_post("avonden", 3)
    page.goto(f"/forum/t/{topic}/reply?quote={post}")
    body = page.locator("textarea[name=body]")
    body.fill(body.input_value() + "\n\nDat herken ik: mijn opa las het ook.")
    submit(page)


def edit_error(page: Page, site: LiveSite) -> None:
    post, _ = site.demo_post("digid", 2)  # Henk's own
    page.goto(f"/forum/p/{post}/edit")
    page.locator("textarea[name=body]").fill("")
    submit(page)


def settings_error(page: Page, site: LiveSite) -> None:
    page.goto("/forum/account/settings")
    page.locator("input[name=display_name]").fill("")
    submit(page)


HENKS_POST = ("digid", 2)
LONG_TOPIC = ("avonden", 0)  # 25 posts: two pages
FIELD_ERROR = ".cf-field-error .cf-error"

VISITS: dict[str, Visit] = {
    # The library's own pages around the forum.
    "site home": Visit("visitor", path("/"), "a.site-button", forum=False),
    "site sign-in": Visit("visitor", path("/inloggen"), "form.site-form", forum=False),
    "site sign-in, wrong password": Visit(
        "visitor", site_sign_in_error, ".site-error", forum=False
    ),
    # Reading.
    "communities": Visit("visitor", path("/forum/"), ".cf-cards"),
    "communities, signed in": Visit("member", path("/forum/"), ".cf-nav [href$='/settings']"),
    "community": Visit("visitor", path("/forum/c/leesclub/"), ".cf-topic-list"),
    "community, may join": Visit("reader", path("/forum/c/leesclub/"), "form[action$='/join']"),
    "community, member": Visit("member", path("/forum/c/leesclub/"), "a[href$='/leave']"),
    "community, page 2": Visit(
        "visitor", path("/forum/c/digitale-hulp/?page=2"), "[aria-current=page][href$='page=2']"
    ),
    "community, members only": Visit("visitor", path("/forum/c/mantelzorgers/"), ".cf-badge"),
    "topic": Visit("visitor", path("/forum/t/{p_topic}/", p=LONG_TOPIC), ".cf-pages"),
    "topic, page 2, member": Visit(
        "member", path("/forum/t/{p_topic}/?page=2", p=LONG_TOPIC), ".cf-reply textarea"
    ),
    "topic, may join": Visit(
        "reader", path("/forum/t/{p_topic}/", p=("zomerboeken", 0)), ".cf-reply a"
    ),
    "permalink to page 2": Visit(
        "visitor", path("/forum/p/{p}", p=("avonden", 22)), ".cf-post:target"
    ),
    "post history": Visit(
        "visitor", path("/forum/p/{p}/history", p=("bijeenkomst", 1)), ".cf-history li + li"
    ),
    # Writing.
    "new topic": Visit("member", path("/forum/c/leesclub/new"), "input[name=title]"),
    "new topic, empty": Visit("member", send_as_is("/forum/c/leesclub/new"), FIELD_ERROR),
    "new topic, preview": Visit("member", new_topic_preview, ".cf-preview"),
    "reply with quote": Visit(
        "member",
        path("/forum/t/{p_topic}/reply?quote={p}", p=("avonden", 3)),
        "form [name=preview]",
    ),
    "reply, empty": Visit("member", reply_error, FIELD_ERROR),
    "reply, preview": Visit("member", reply_preview, ".cf-preview blockquote"),
    "edit": Visit("member", path("/forum/p/{p}/edit", p=HENKS_POST), "textarea[name=body]"),
    "edit, emptied": Visit("member", edit_error, FIELD_ERROR),
    "delete": Visit("member", path("/forum/p/{p}/delete", p=HENKS_POST), ".cf-button-danger"),
    # Membership.
    "leave": Visit("member", path("/forum/c/leesclub/leave"), "#cf-main form button"),
    "requests to join": Visit(
        "moderator", path("/forum/c/mantelzorgers/requests"), ".cf-requests li"
    ),
    # Accounts.
    "sign-in": Visit("visitor", path("/forum/account/sign-in"), "input[name=password]"),
    "sign-in, wrong password": Visit("visitor", forum_sign_in_error, ".cf-error-summary"),
    "register": Visit("visitor", path("/forum/account/register"), "input[name=display_name]"),
    "register, empty": Visit("visitor", send_as_is("/forum/account/register"), FIELD_ERROR),
    "reset": Visit("visitor", path("/forum/account/reset"), "input[name=email]"),
    "reset, sent": Visit("visitor", reset_sent, "#cf-main [role=status]"),
    "reset, new password": Visit("visitor", reset_link, "input[name=password]"),
    "reset, password too short": Visit("visitor", reset_error, FIELD_ERROR),
    "reset, broken link": Visit(
        "visitor", path("/forum/account/reset/not-a-token", 400), "#cf-main a[href$='/reset']"
    ),
    "settings": Visit("member", path("/forum/account/settings"), "select[name=language]"),
    "settings, no name": Visit("member", settings_error, FIELD_ERROR),
    "settings, saved": Visit(
        "member", send_as_is("/forum/account/settings"), ".cf-notice[role=status]"
    ),
    # Errors.
    "not found": Visit("visitor", path("/forum/c/no-such-community/", 404), "#cf-main h1"),
    "not allowed, signed out": Visit(
        "visitor",
        path("/forum/t/{p_topic}/", 403, p=("voorstellen", 0)),
        "#cf-main a[href*='/sign-in']",
    ),
    "not allowed, member": Visit(
        "member", path("/forum/c/mantelzorgers/requests", 403), "#cf-main h1"
    ),
    "on other servers": Visit(
        "visitor", path("/forum/c/leesclub/federation"), "#cf-blocks-heading"
    ),
    "on other servers, moderator": Visit(
        "moderator", path("/forum/c/leesclub/federation"), "#cf-block-form-heading"
    ),
    "on other servers, block refused": Visit(
        "moderator",
        send_as_is("/forum/c/leesclub/federation", "form[action$='/federation'] [type=submit]"),
        FIELD_ERROR,
    ),
}

# Who signs in how: the library's login (the forum learns the person from the host), or
# a demo person's own forum account.
SIGN_IN: dict[str, Callable[[Page], None]] = {
    "reader": lambda page: sign_in_on_site(page, "sanne"),
    "member": lambda page: sign_in_on_forum(page, "henk"),
    "moderator": lambda page: sign_in_on_forum(page, "femke"),
}


# -- checking a page ---------------------------------------------------------------------


LANGUAGE_FACTS = """() => {
    const text = selector => document.querySelector(selector)?.textContent.trim() ?? null;
    return {
        page: document.documentElement.lang,
        header: document.querySelector('header.site-header')?.lang || null,
        toggle: text("header.site-header form[action='/taal'] button"),
        forum: document.querySelector('.cf')?.lang ?? null,
        menu: text('.cf-nav a'),
    };
}"""


def check_language(page: Page, language: str, *, forum: bool, site_language: str) -> None:
    """``<html lang>`` names the language the page shows; the library's header, in the
    site's language, names its own when the two differ."""
    facts = page.evaluate(LANGUAGE_FACTS)
    assert facts["page"] == language, f"<html lang={facts['page']!r}> on a page in {language!r}"
    assert (facts["header"] or facts["page"]) == site_language, "the header's lang is wrong"
    assert facts["toggle"] == TEXTS[site_language]["language"], "the header is in another language"
    if not forum:
        return
    assert facts["forum"] == language, f"the forum says lang={facts['forum']!r}"
    # The forum's menu shows its first entry in the page's language.
    expected: str = translations(language).ugettext("All communities")
    if language != "en":
        assert expected != "All communities", f"the forum's {language!r} catalogue lacks it"
    assert facts["menu"] == expected, f"the forum's menu says {facts['menu']!r}, not {expected!r}"


# -- the tests ---------------------------------------------------------------------------


def pages_by_visitor(
    contexts: Contexts, sign_in: dict[str, Callable[[Page], None]]
) -> Callable[[str, str], Page]:
    """The page of one kind of visitor, in one language: signed in, language chosen,
    made once per module and reused (each visit starts by loading a page)."""
    pages: dict[tuple[str, str], Page] = {}

    def page_of(who: str, language: str) -> Page:
        if (who, language) not in pages:
            page = contexts().new_page()
            if who != "visitor":
                sign_in[who](page)
            if language != "nl":
                page.goto("/")
                switch_site_language(page)
            pages[who, language] = page
        return pages[who, language]

    return page_of


def audit_visit(
    visit: Visit,
    language: str,
    live_site: LiveSite,
    visitor: Callable[[str, str], Page],
    audit: Callable[[Page], None],
) -> None:
    """Make one visit as its visitor, in one language, and audit what it shows."""
    page = visitor(visit.who, language)
    visit.go(page, live_site)
    expect(page.locator(visit.shows).first).to_be_attached()
    audit(page)
    check_language(page, language, forum=visit.forum, site_language=language)


def audited_pages(
    visits: dict[str, Visit], sign_in: dict[str, Callable[[Page], None]]
) -> tuple[Any, Any]:
    """A module's ``visitor`` fixture and its ``test_page_is_accessible``: every visit,
    in every language, audited. A module assigns both to those names::

        visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)
    """

    @pytest.fixture(scope="module")
    def visitor(module_contexts: Contexts) -> Callable[[str, str], Page]:
        return pages_by_visitor(module_contexts, sign_in)

    @pytest.mark.database_independent
    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("name", list(visits))
    def test_page_is_accessible(
        name: str,
        language: str,
        live_site: LiveSite,
        visitor: Callable[[str, str], Page],
        audit: Callable[[Page], None],
    ) -> None:
        audit_visit(visits[name], language, live_site, visitor, audit)

    return visitor, test_page_is_accessible


visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)


def test_member_language_setting_wins_over_the_site(
    live_site: LiveSite,
    page: Page,
    audit: Callable[[Page], None],
) -> None:
    """A member who chose English reads the forum in English on the Dutch site."""
    sign_in_on_forum(page, "lotte")
    page.goto("/forum/account/settings")
    page.locator("select[name=language]").select_option("en")
    submit(page)
    assert re.search(r"/forum/account/settings$", page.url)
    check_language(page, "en", forum=True, site_language="nl")
    audit(page)

    _, topic = live_site.demo_post("voorstellen", 0)
    page.goto(f"/forum/t/{topic}/")
    check_language(page, "en", forum=True, site_language="nl")
    audit(page)
