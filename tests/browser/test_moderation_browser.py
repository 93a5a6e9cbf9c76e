"""Moderation as people go through it in a real browser, with JavaScript switched off.

A visitor reports a post as a self-harm concern and is shown where to find help at once;
a moderator finds it first in the queue, climbs the ladder to "post hidden", cites a
rule and explains; the author sees the decision pointed out, reads the statement of
reasons and appeals; the moderator who decided is refused the appeal, another moderator
reverses it, and the post is back for everyone. Nothing is fetched from elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from .livesite import LiveSite
from .visitors import Contexts, sign_in_on_forum, submit, switch_site_language

# A browser's view of the flow: what it does with the database is tested on both engines
# without a browser, so the PostgreSQL pass leaves it out (see tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

SEVDAS_POST = ("decemberboek", 3)
SEVDAS_TEXT = "Wat een saai voorstel."


def browser_page(contexts: Contexts, requested: list[str]) -> Page:
    """A browser without JavaScript, with the library's site switched to English."""
    page = contexts(java_script_enabled=False).new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/")
    switch_site_language(page)
    return page


def test_report_measure_appeal_and_reversal(new_context: Contexts, live_site: LiveSite) -> None:
    requested: list[str] = []
    post_id, topic_id = live_site.demo_post(*SEVDAS_POST)

    # A visitor reports the post: it worries them.
    visitor = browser_page(new_context, requested)
    visitor.goto(f"/forum/t/{topic_id}/")
    visitor.locator(f"li#post-{post_id} a[href*='/report?post={post_id}']").click()
    visitor.locator("input[name=about][value=post]").check()
    visitor.locator("input[name=ground]").first.check()
    visitor.locator("input[name=category][value=self_harm]").check()
    visitor.locator("textarea[name=explanation]").fill("Dit klinkt alsof het niet goed gaat.")
    visitor.locator("input[name=good_faith]").check()
    submit(visitor)
    help_box = visitor.locator(".cf-help-urgent")
    expect(help_box).to_contain_text("112")
    expect(help_box.locator("a[href='tel:08000113']")).to_be_visible()
    receipt = visitor.url

    # The moderator finds it at the top of the queue and hides the post.
    moderator = browser_page(new_context, requested)
    sign_in_on_forum(moderator, "femke")
    moderator.goto("/forum/c/leesclub/moderation/")
    first_case = moderator.locator(".cf-case").first
    expect(first_case).to_contain_text("Urgent: crisis or self-harm")
    expect(first_case).to_contain_text(SEVDAS_TEXT)
    first_case.locator("a.cf-button").click()
    moderator.locator(".cf-ladder-choice a", has_text="Post hidden").click()
    moderator.locator("input[name=ground]").first.check()
    moderator.locator("textarea[name=explanation]").fill("Neerbuigend over andermans voorstel.")
    moderator.locator("textarea[name=note_to_reporters]").fill("Dank je wel voor je melding.")
    submit(moderator)
    expect(moderator.locator("h1")).to_contain_text("Statement of reasons: Post hidden")
    decision_url = moderator.url

    # The visitor learns the outcome through the receipt link.
    visitor.goto(receipt)
    expect(visitor.locator("#cf-main")).to_contain_text("A measure was taken")
    expect(visitor.locator("#cf-main")).to_contain_text("Dank je wel voor je melding.")
    visitor.goto(f"/forum/t/{topic_id}/")
    expect(visitor.locator(f"li#post-{post_id}")).to_contain_text("A moderator hid this post.")
    expect(visitor.locator(f"li#post-{post_id}")).not_to_contain_text(SEVDAS_TEXT)

    # The author sees it pointed out, reads why, and appeals.
    author = browser_page(new_context, requested)
    sign_in_on_forum(author, "sevda")
    author.locator(".cf-nav a", has_text="A word from the moderators").click()
    author.locator(".cf-record-list a", has_text="Post hidden").click()
    expect(author.locator(".cf-facts")).to_contain_text("Neerbuigend over andermans voorstel.")
    author.locator("textarea[name=statement]").fill("Ik bedoelde het als grapje.")
    submit(author, "form[action$='/appeal'] [type=submit]")
    expect(author.locator(".cf-notice")).to_contain_text("Your appeal is sent.")

    # The moderator who decided may not decide the appeal; another moderator reverses it.
    moderator.goto(decision_url)
    expect(moderator.locator("#cf-main")).to_contain_text(
        "A moderator other than the one who took the decision must decide the appeal."
    )
    expect(moderator.locator("input[name=outcome]")).to_have_count(0)
    second = browser_page(new_context, requested)
    sign_in_on_forum(second, "karim")
    second.goto(decision_url)
    second.locator("input[name=outcome][value=reversed]").check()
    second.locator("textarea[name=reasons]").fill("Scherp, maar niet kwetsend bedoeld.")
    submit(second, "form[action$='/decide'] [type=submit]")
    expect(second.locator(".cf-notice")).to_contain_text("The decision is reversed")

    visitor.goto(f"/forum/t/{topic_id}/")
    expect(visitor.locator(f"li#post-{post_id}")).to_contain_text(SEVDAS_TEXT)
    author.goto(decision_url)
    expect(author.locator("#cf-main")).to_contain_text("Outcome: Reversed")

    elsewhere = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert requested and not elsewhere, elsewhere


def test_screenshot_of_the_transparency_report(new_context: Contexts, live_site: LiveSite) -> None:
    """The picture in the README: the transparency report of Leesclub, in Dutch."""
    from .test_flows import SCREENSHOTS

    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/forum/c/leesclub/transparency")
    expect(page.locator("svg.cf-chart")).to_have_count(4)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # From the top of the page to the end of the chart of grounds.
    grounds = page.locator(".cf-figure").nth(1).bounding_box()
    assert grounds is not None
    bottom = grounds["y"] + grounds["height"] + 16
    clip = {"x": 0, "y": 0, "width": 1280, "height": bottom}
    page.screenshot(path=SCREENSHOTS / "transparency.png", full_page=True, clip=clip)
