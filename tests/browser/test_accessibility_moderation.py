"""The pages of moderation pass axe-core's WCAG 2.1 A and AA rules, in Dutch and in
English, as test_accessibility.py checks every other kind of page.

On the sample site with the demo's moderation history (a content warning after a
report, a hidden advertisement with an appeal waiting, a report still open): the house
rules, the report form (empty, with its errors, and the receipt of a crisis report with
help shown at once), the public log and the transparency report with its charts and
tables, a member's decisions and reports, a statement of reasons with the appeal form,
and every page of the moderators' queues and forms.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from civicforum.identity.models import Member
from civicforum.moderation.models import Decision, HelpResource, HouseRule, Measure

from .livesite import LiveSite
from .test_accessibility import LANGUAGES, SIGN_IN, Visit, audited_pages, path
from .visitors import sign_in_on_forum, submit

pytestmark = pytest.mark.browser

FIELD_ERROR = ".cf-field-error .cf-error"
ADD_BUTTON = "form.cf-add-form [type=submit]"
DECEMBER = "decemberboek"  # the demo topic the moderators had work with
Go = Callable[[Page, LiveSite], None]


def decision_of(site: LiveSite, measure: Measure) -> int:
    with site.db() as db:
        found = db.scalar(select(Decision.id).where(Decision.measure == measure.value))
        assert found is not None, f"the demo has no {measure.value} decision"
        return found


def to_decision(measure: Measure, suffix: str = "") -> Go:
    def go(page: Page, site: LiveSite) -> None:
        path(f"/forum/decisions/{decision_of(site, measure)}{suffix}")(page, site)

    return go


def moderation(suffix: str) -> Go:
    return path(f"/forum/c/leesclub/moderation/{suffix}")


def with_first(model: type, url: str) -> Go:
    """A page about the first house rule or help resource of Leesclub."""

    def go(page: Page, site: LiveSite) -> None:
        with site.db() as db:
            found = db.scalar(select(model.id).order_by(model.id))  # type: ignore[attr-defined]
        path(url.format(id=found))(page, site)

    return go


def send_as_is(go: Go, button: str = "#cf-main form [type=submit]") -> Go:
    """Open a page and send its (first) form as it is: empty, it shows its errors."""

    def send(page: Page, site: LiveSite) -> None:
        go(page, site)
        submit(page, button)

    return send


def crisis_report(page: Page, site: LiveSite) -> None:
    post, _ = site.demo_post(DECEMBER, 3)
    page.goto(f"/forum/c/leesclub/report?post={post}")
    page.locator("input[name=about][value=member]").check()
    page.locator("input[name=ground]").first.check()
    page.locator("input[name=category][value=self_harm]").check()
    page.locator("textarea[name=explanation]").fill("Ze schrijft dat ze niet meer wil leven.")
    page.locator("input[name=good_faith]").check()
    submit(page)


def signpost(page: Page, site: LiveSite) -> None:
    with site.db() as db:
        sevda = db.scalar(select(Member.id).where(Member.display_name == "Sevda"))
    moderation(f"signpost?member={sevda}")(page, site)


def with_tables_open(go: Go) -> Go:
    def open_all(page: Page, site: LiveSite) -> None:
        go(page, site)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

    return open_all


def own_post(position: int) -> tuple[str, int]:
    return (DECEMBER, position)


REPORT_FORM = "/forum/c/leesclub/report?post={p}"
TRANSPARENCY = "/forum/c/leesclub/transparency"

VISITS: dict[str, Visit] = {
    # For everyone.
    "house rules": Visit("visitor", path("/forum/c/leesclub/rules"), ".cf-rule-list"),
    "topic with a label and a hidden post": Visit(
        "visitor", path("/forum/t/{p_topic}/", p=own_post(0)), ".cf-content-warning"
    ),
    "report form": Visit("visitor", path(REPORT_FORM, p=own_post(3)), "input[name=good_faith]"),
    "report form, with errors": Visit(
        "visitor", send_as_is(path(REPORT_FORM, p=own_post(3))), FIELD_ERROR
    ),
    "report receipt, crisis": Visit("visitor", crisis_report, ".cf-help-urgent a[href^='tel:']"),
    "moderation log": Visit("visitor", path("/forum/c/leesclub/moderation-log"), ".cf-table"),
    "transparency report": Visit("visitor", path(TRANSPARENCY), "svg.cf-chart"),
    "transparency report, tables open": Visit(
        "visitor", with_tables_open(path(TRANSPARENCY)), "details[open] .cf-table"
    ),
    # The members concerned.
    "my decisions": Visit("author", path("/forum/my/decisions"), ".cf-record-list"),
    "statement of reasons, appealed": Visit(
        "author", to_decision(Measure.HIDE_POST), ".cf-rule-explanation"
    ),
    "statement of reasons, appeal form": Visit(
        "member", to_decision(Measure.CONTENT_WARNING), "textarea[name=statement]"
    ),
    "appeal, empty": Visit(
        "member",
        send_as_is(to_decision(Measure.CONTENT_WARNING), "form[action$='/appeal'] [type=submit]"),
        FIELD_ERROR,
    ),
    "my reports": Visit("reporter", path("/forum/my/reports"), ".cf-record-list"),
    # The moderators.
    "moderation overview": Visit("moderator", path("/forum/moderation/"), ".cf-table"),
    "report queue": Visit("moderator", moderation(""), ".cf-case"),
    "held posts": Visit("moderator", moderation("held"), ".cf-tabs [aria-current=page]"),
    "open appeals": Visit("moderator", moderation("appeals"), ".cf-record-list"),
    "statement of reasons, its moderator": Visit(
        "moderator", to_decision(Measure.HIDE_POST), "#cf-redress-heading"
    ),
    "statement of reasons, deciding the appeal": Visit(
        "second_moderator", to_decision(Measure.HIDE_POST), "input[name=outcome]"
    ),
    "deciding the appeal, empty": Visit(
        "second_moderator",
        send_as_is(to_decision(Measure.HIDE_POST), "form[action$='/decide'] [type=submit]"),
        FIELD_ERROR,
    ),
    "ladder": Visit(
        "moderator",
        path("/forum/c/leesclub/moderation/measure?post={p}", p=own_post(3)),
        ".cf-ladder-choice",
    ),
    "measure form": Visit(
        "moderator",
        path("/forum/c/leesclub/moderation/measure?post={p}&measure=mute", p=own_post(3)),
        "input[name=duration]",
    ),
    "measure form, with errors": Visit(
        "moderator",
        send_as_is(
            path("/forum/c/leesclub/moderation/measure?post={p}&measure=mute", p=own_post(3))
        ),
        FIELD_ERROR,
    ),
    "house rules, moderators": Visit("moderator", moderation("rules"), "input[name=title_nl]"),
    "house rules, with errors": Visit(
        "moderator", send_as_is(moderation("rules"), ADD_BUTTON), FIELD_ERROR
    ),
    "change a rule": Visit(
        "moderator",
        with_first(HouseRule, "/forum/c/leesclub/moderation/rules/{id}"),
        "input[name=title_en]",
    ),
    "help resources": Visit("moderator", moderation("help"), "input[name=opening_hours]"),
    "help resources, with errors": Visit(
        "moderator", send_as_is(moderation("help"), ADD_BUTTON), FIELD_ERROR
    ),
    "change a help resource": Visit(
        "moderator",
        with_first(HelpResource, "/forum/c/leesclub/moderation/help/{id}"),
        "input[name=url]",
    ),
    "pre-moderation": Visit("moderator", moderation("settings"), "input[name=hold_first_posts]"),
    "signpost": Visit("moderator", signpost, "textarea[name=note]"),
}

WHO: dict[str, Callable[[Page], None]] = {
    **SIGN_IN,
    "author": lambda page: sign_in_on_forum(page, "lotte"),
    "reporter": lambda page: sign_in_on_forum(page, "anneke"),
    "second_moderator": lambda page: sign_in_on_forum(page, "karim"),
}


visitor, test_page_is_accessible = audited_pages(VISITS, WHO)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_transparency_charts_render_and_are_named(
    language: str, live_site: LiveSite, visitor: Callable[[str, str], Page]
) -> None:
    """Drawn by the browser, not only present: each chart has a size, its bars, and a
    name a screen reader announces, in the page's language."""
    page = visitor("visitor", language)
    page.goto(TRANSPARENCY)
    charts = page.locator("svg.cf-chart")
    expect(charts).to_have_count(4)
    for index in range(4):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 40, box
        assert chart.locator("rect.cf-chart-bar").count() >= 1
        name = chart.get_attribute("aria-labelledby")
        assert name is not None
        title_id = name.split()[0]
        title = page.locator(f"[id='{title_id}']").text_content()
        heading = page.locator(".cf-figure figcaption h2").nth(index).text_content()
        assert title == heading and title
    # One hidden post in the demo: its bar is drawn, with its number beside it.
    measures = page.locator("#cf-chart-measures")
    description = page.locator("#cf-chart-measures-desc").text_content() or ""
    hidden = "Post hidden: 1" if language == "en" else "Bericht verborgen: 1"
    assert hidden in description
    assert measures.locator("text.cf-chart-text", has_text="1").count() >= 2
