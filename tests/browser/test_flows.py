"""A visitor's way through the forum in a real browser, with JavaScript switched off.

Sign in with the library's own login, join a community, start a topic (preview, then
publish), reply with a quote, edit the reply and read its history, follow a permalink
into page 2 of a long topic: all with plain links and forms, and without one request to
anywhere but the site itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from .livesite import LiveSite
from .visitors import Contexts, sign_in_on_site, submit

# A browser's view of the flow: what it does with the database is tested on both engines
# without a browser, so the PostgreSQL pass leaves it out (see tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

ROOT = Path(__file__).resolve().parents[2]
# Screenshots for the README are rewritten only on request; every run still takes them
# (into an ignored folder), so the code that makes them keeps working.
UPDATE_SCREENSHOTS = os.environ.get("CIVICFORUM_UPDATE_SCREENSHOTS") == "1"
SCREENSHOTS = (ROOT / "docs" if UPDATE_SCREENSHOTS else Path(__file__).parent) / "screenshots"


@pytest.fixture
def reader(new_context: Contexts) -> tuple[Page, list[str]]:
    """A browser without JavaScript, and the URL of every request its page makes."""
    page = new_context(java_script_enabled=False).new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return page, requested


def assert_stayed_on_the_site(requested: list[str]) -> None:
    assert requested, "no requests were recorded"
    elsewhere = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert not elsewhere, f"requests that left the site: {elsewhere}"


def post_item(post_id: int) -> str:
    return f"li#post-{post_id}"


def test_screenshots_of_community_and_topic(new_context: Contexts, live_site: LiveSite) -> None:
    """The pictures in the README: a community and a topic, as Sanne sees them (in
    Dutch, the library's language, like the demo's posts)."""
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_on_site(page, "sanne")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/forum/c/leesclub/")
    expect(page.locator("h1")).to_have_text("Leesclub")
    # The forum wears the library's colours (sample_site/static/site.css), although its
    # own stylesheet comes later in the page.
    expect(page.locator(".cf")).to_have_css("background-color", "rgb(251, 248, 241)")
    expect(page.locator(".cf-button").first).to_have_css("background-color", "rgb(31, 92, 59)")
    page.screenshot(path=SCREENSHOTS / "community.png")

    _, topic = live_site.demo_post("avonden", 0)
    page.goto(f"/forum/t/{topic}/")
    expect(page.locator("h1")).to_contain_text("De Avonden")
    page.screenshot(path=SCREENSHOTS / "topic.png")


def test_join_start_a_topic_reply_with_a_quote_and_edit(
    reader: tuple[Page, list[str]], live_site: LiveSite
) -> None:
    page, requested = reader

    # The library's own login: the forum takes Sanne from the host, no second sign-in.
    sign_in_on_site(page, "sanne")
    expect(page.locator(".site-tools")).to_contain_text("Sanne")
    page.locator(".site-header nav a[href='/forum/']").click()
    expect(page).to_have_url(re.compile(r"/forum/$"))
    expect(page.locator(".cf-nav")).to_contain_text("Sanne")
    assert page.locator("script").count() == 0, "the forum's pages need no scripts"

    # Open the community and join it.
    page.locator("a[href='/forum/c/leesclub/']").first.click()
    expect(page.locator("h1")).to_have_text("Leesclub")
    expect(page.locator("a[href='/forum/c/leesclub/new']")).to_have_count(0)
    submit(page, "form[action='/forum/c/leesclub/join'] [type=submit]")
    expect(page.locator(".cf-notice")).to_contain_text("Leesclub")

    # Start a topic: the first press shows a preview; only then can it be published.
    page.locator("a[href='/forum/c/leesclub/new']").click()
    expect(page.locator("[name=publish]")).to_have_count(0)
    page.locator("input[name=title]").fill("Wie leest er mee met Hella Haasse?")
    page.locator("textarea[name=body]").fill(
        "Ik begin aan *Oeroeg*. Wie **leest mee**?\n\n- hoofdstuk 1 tot 4 deze week"
    )
    submit(page, "[name=preview]")
    preview = page.locator(".cf-preview .cf-prose")
    expect(preview.locator("em")).to_have_text("Oeroeg")
    expect(preview.locator("strong")).to_have_text("leest mee")
    submit(page, "[name=publish]")
    expect(page).to_have_url(re.compile(r"/forum/t/\d+/$"))
    expect(page.locator("h1")).to_have_text("Wie leest er mee met Hella Haasse?")
    expect(page.locator(".cf-notice")).to_be_visible()
    expect(page.locator(".cf-post").first.locator("em")).to_have_text("Oeroeg")

    # Reply to someone else's post, quoting it.
    opening, topic = live_site.demo_post("zomerboeken", 1)  # Anneke's detective tip
    page.goto(f"/forum/t/{topic}/")
    page.locator(f"{post_item(opening)} a[href$='quote={opening}']").click()
    body = page.locator("textarea[name=body]")
    expect(body).to_have_value(re.compile(r"^>.*detective", re.S))
    body.fill(body.input_value() + "\n\nGoede tip! Welke reeks was dat?")
    submit(page, "[name=preview]")
    expect(page.locator(".cf-preview blockquote")).to_contain_text("detective")
    submit(page, "[name=publish]")
    expect(page).to_have_url(re.compile(rf"/forum/t/{topic}/#post-\d+$"))
    reply_id = int(page.url.rsplit("#post-", 1)[1])
    reply = page.locator(post_item(reply_id))
    expect(reply.locator("blockquote")).to_contain_text("detective")
    expect(reply).to_contain_text("Welke reeks was dat?")
    expect(reply).to_be_in_viewport()

    # Edit the reply, then read its history: the earlier text is kept.
    reply.locator(f"a[href='/forum/p/{reply_id}/edit']").click()
    page.locator("textarea[name=body]").fill("Goede tip! Was het de reeks van Camilla Läckberg?")
    submit(page)
    reply = page.locator(post_item(reply_id))
    expect(reply).to_contain_text("Camilla Läckberg")
    expect(reply).not_to_contain_text("Welke reeks was dat?")
    reply.locator(f"a[href='/forum/p/{reply_id}/history']").click()
    history = page.locator(".cf-history > li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Camilla Läckberg")
    expect(history.nth(1)).to_contain_text("Welke reeks was dat?")
    assert_stayed_on_the_site(requested)


def test_permalink_lands_on_the_page_that_holds_the_post(
    reader: tuple[Page, list[str]], live_site: LiveSite
) -> None:
    page, requested = reader
    post, topic = live_site.demo_post("avonden", 21)  # 25 posts, 20 to a page
    page.goto(f"/forum/p/{post}")
    expect(page).to_have_url(re.compile(rf"/forum/t/{topic}/\?page=2#post-{post}$"))
    target = page.locator(f"#post-{post}")
    expect(target).to_be_visible()
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("Spoiler")
    assert_stayed_on_the_site(requested)


def test_a_long_topic_is_paged_with_numbered_links(
    reader: tuple[Page, list[str]], live_site: LiveSite
) -> None:
    """No infinite scroll: a long topic has pages, and links to each by number."""
    page, requested = reader
    _, topic = live_site.demo_post("avonden", 0)
    page.goto(f"/forum/t/{topic}/")
    pages = page.locator("nav.cf-pages")
    expect(pages.locator("a[aria-current=page]")).to_have_text(re.compile(r"\b1$"))
    expect(pages.locator(f"a[href='/forum/t/{topic}/?page=2']").first).to_be_visible()
    expect(page.locator(".cf-post")).to_have_count(20)

    pages.locator("a", has_text=re.compile(r"\b2$")).click()
    expect(page).to_have_url(re.compile(rf"/forum/t/{topic}/\?page=2$"))
    expect(page.locator(".cf-post")).to_have_count(5)
    expect(page.locator("nav.cf-pages a[aria-current=page]")).to_have_text(re.compile(r"\b2$"))
    expect(page.locator(f"nav.cf-pages a[href='/forum/t/{topic}/']").first).to_be_visible()
    assert_stayed_on_the_site(requested)
