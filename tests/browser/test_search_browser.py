"""Search in a real browser, in Dutch and in English, on the sample site with its index
built: words found by their stem with the words marked in the snippet, numbered pages,
the folded "more ways to search" with its filters, a members-only community that only
its members find, bad input answered on the page itself, and every search page through
axe-core's WCAG 2.1 A and AA rules in both languages.

Beside the demo data the site has a Dutch topic about book swapping in *Leesclub* and an
English-language community, *Book Club*, whose one topic says "read" (never "reading").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from civicforum.extension import state
from civicforum.forum import services as forum
from civicforum.i18n import translations
from civicforum.identity import services as identity
from civicforum.identity.providers import load_actor
from civicforum.plugins.search.indexer import indexer_of

from .livesite import LiveSite, serve_sample_site
from .test_accessibility import SIGN_IN, Visit, audited_pages, path
from .visitors import Contexts, demo_email, sign_in_on_forum, submit, switch_site_language

pytestmark = pytest.mark.browser

SEARCH = "/forum/search"
PER_PAGE = 5
DUTCH = translations("nl")
# (community, title, text): the tests' own topics, beside the demo's.
SWAP = (
    "leesclub",
    "Ruilkast in de hal",
    "Neem boeken mee uit de ruilkast, of zet er een paar neer.",
)
READ = ("book-club", "Winter evenings", "I read two novels by Zadie Smith over the holidays.")


def nl(message: str) -> str:
    shown: str = DUTCH.ugettext(message)
    return shown


def add_search_content(app: Flask) -> None:
    """The tests' own topics, then the whole index, as `flask civicforum search reindex`."""
    with app.app_context():
        db = state(app).session_factory()
        try:
            forum.create_community(
                db,
                slug="book-club",
                name="Book Club",
                description="Books, in English.",
                language="en",
            )
            settings = state(app).settings
            limits = forum.Limits(settings.max_title_length, settings.max_post_length)
            account = identity.find_account(db, demo_email("bram"))
            assert account is not None
            for n, (slug, title, text) in enumerate((SWAP, READ)):
                community = forum.get_community(db, slug)
                if load_actor(db, account.member).membership(community) is None:
                    forum.join(db, load_actor(db, account.member), community)
                forum.start_topic(
                    db,
                    load_actor(db, account.member),
                    community,
                    title=title,
                    body=text,
                    publish_as="pseudonym",
                    submission_token=f"search-browser:{n}",
                    limits=limits,
                )
        finally:
            db.close()
        indexer_of(app).reindex()


@pytest.fixture(scope="module")
def live_site(
    make_database: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveSite]:
    """The sample site with five results a page, its index in a folder of its own and its
    queued work kept in memory (the index is built once, before serving)."""
    folder = tmp_path_factory.mktemp("search-site")
    config = {
        "CIVICFORUM_SEARCH_RESULTS_PER_PAGE": PER_PAGE,
        "CIVICFORUM_SEARCH_INDEX_DIR": str(folder / "index"),
        "CIVICFORUM_TASK_QUEUE": "memory",
        "CIVICFORUM_TASK_WORKER": False,
    }
    # Until the index is built, each post of the demo data fails to reach it, with a
    # warning apiece that would bury a failing test's message.
    log = logging.getLogger("civicforum.plugins.search")
    level = log.level
    log.setLevel(logging.ERROR)
    with (
        make_database(folder) as database_url,
        serve_sample_site(database_url, config, add_search_content) as site,
    ):
        log.setLevel(level)
        yield site


def search_for(page: Page, words: str) -> None:
    page.get_by_label(nl("Search for")).fill(words)
    submit(page, "form[role=search] button[type=submit]")


def results(page: Page) -> int:
    """The number of results the page says it found."""
    shown = page.locator(".cf-search-results [role=status]").inner_text()
    found = re.match(r"(\d+) result", shown)
    assert found, f"no number of results in {shown!r}"
    return int(found.group(1))


def dutch_page(new_context: Contexts) -> Page:
    return new_context(locale="nl-NL").new_page()


def test_a_dutch_visitor_finds_by_the_stem_and_narrows_the_results(new_context: Contexts) -> None:
    page = dutch_page(new_context)
    page.goto("/forum/")
    with page.expect_navigation():
        page.get_by_role("link", name=nl("Search the forum")).click()
    expect(page.locator("#cf-main h1")).to_have_text(nl("Search the forum"))
    search_for(page, "boek")

    status = page.locator(".cf-search-results [role=status]")
    expect(status).to_contain_text(re.compile(r"\d+ resultaten, pagina 1 van \d+"))
    everything = results(page)
    hits = page.locator(".cf-search-hit")
    expect(hits).to_have_count(PER_PAGE)
    marked = page.locator(".cf-search-snippet mark").all_inner_texts()
    assert marked and all(word.lower().startswith("boek") for word in marked), marked
    links = hits.locator("h3 a")
    first_page = [link.get_attribute("href") for link in links.all()]

    pages = page.get_by_role("navigation", name=nl("Pages"))
    with page.expect_navigation():
        pages.get_by_role("link", name=f"{nl('Page')} 2", exact=True).click()
    expect(status).to_contain_text("pagina 2 van")
    expect(pages.locator("[aria-current=page]")).to_have_text(f"{nl('Page')} 2")
    assert page.get_by_label(nl("Search for")).input_value() == "boek"
    expect(hits).to_have_count(PER_PAGE)
    assert not {link.get_attribute("href") for link in links.all()} & set(first_page)

    # Only topics: fewer results, each marked as one.
    more = page.locator("details.cf-search-more")
    expect(more).not_to_have_attribute("open", "")
    more.locator("summary").click()
    expect(page.get_by_label(nl("Kind"))).to_be_visible()
    page.get_by_label(nl("Kind")).select_option(label=nl("Topics"))
    submit(page, "form[role=search] button[type=submit]")
    expect(more).to_have_attribute("open", "")
    assert 0 < results(page) < everything
    for badge in hits.locator(".cf-badge").all_inner_texts():
        assert badge == nl("Topic")
    assert SWAP[1] in hits.locator("h3").all_inner_texts()

    # Only what was written since yesterday: the new topics, not the demo's older ones.
    topics = results(page)
    today = dt.date.today()
    page.get_by_label(nl("From")).fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label(nl("Until")).fill((today + dt.timedelta(days=1)).isoformat())
    submit(page, "form[role=search] button[type=submit]")
    assert 0 < results(page) < topics
    titles = hits.locator("h3").all_inner_texts()
    assert SWAP[1] in titles and not any("De Avonden" in title for title in titles), titles
    swap = hits.filter(has_text=SWAP[1])
    expect(swap.locator(".cf-search-snippet mark")).to_have_text("boeken")
    with page.expect_navigation():
        swap.get_by_role("link", name=SWAP[1]).click()
    expect(page.locator("#cf-main")).to_contain_text(SWAP[2])


def test_an_english_visitor_finds_read_by_typing_reading(new_context: Contexts) -> None:
    page = new_context().new_page()
    page.goto("/")
    switch_site_language(page)
    page.goto("/forum/c/book-club/")
    box = page.locator("form.cf-search-box")
    box.get_by_label("Search in Book Club").fill("reading")
    submit(page, "form.cf-search-box button")

    assert page.url.endswith("/forum/c/book-club/search?q=reading"), page.url
    expect(page.locator("#cf-main h1")).to_have_text("Search in Book Club")
    expect(page.locator(".cf-search-results [role=status]")).to_have_text("1 result")
    hit = page.locator(".cf-search-hit")
    expect(hit.locator("h3")).to_have_text(READ[1])
    expect(hit.locator(".cf-search-snippet mark")).to_have_text("read")
    # Searched everywhere, a singular finds the plural, and the hit names its community.
    page.goto(f"{SEARCH}?q=novel")
    expect(hit.locator("h3")).to_have_text(READ[1])
    expect(hit.locator(".cf-meta")).to_contain_text("Book Club")
    expect(hit.locator(".cf-search-snippet mark")).to_have_text("novels")


def test_a_members_only_community_is_searched_by_its_members_only(
    new_context: Contexts,
) -> None:
    page = dutch_page(new_context)
    title = "Respijtzorg in Voorbeeldstad: wie heeft ervaring?"
    page.goto(SEARCH)
    search_for(page, "logeerhuis")
    expect(page.locator(".cf-search-results [role=status]")).to_have_text(
        nl("Nothing found that you may read. Try other or fewer words.")
    )
    expect(page.locator(".cf-search-hit")).to_have_count(0)
    assert title not in page.locator("#cf-main").inner_text()

    sign_in_on_forum(page, "henk")  # a member of Mantelzorgers
    page.goto(f"{SEARCH}?q=logeerhuis")
    hits = page.locator(".cf-search-hit")
    expect(hits.first).to_be_visible()
    for hit in hits.all():  # the opening post and a reply
        expect(hit.locator("h3")).to_have_text(title)
        expect(hit.locator(".cf-meta")).to_contain_text("Mantelzorgers")
        expect(hit.locator(".cf-search-snippet mark")).to_have_text("logeerhuis")


def test_bad_input_is_answered_on_the_search_page(new_context: Contexts) -> None:
    page = dutch_page(new_context)
    summary = page.locator(".cf-error-summary[role=alert]")
    # A day that does not exist, as a hand-edited or shared address may carry it.
    page.goto(f"{SEARCH}?q=boek&since=2026-02-31")
    expect(page.locator("#cf-main h1")).to_have_text(nl("Search the forum"))
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(nl("Give a date as YYYY-MM-DD, for example 2026-03-01."))
    expect(page.locator(".cf-search-hit")).to_have_count(0)
    summary.get_by_role("link").first.click()  # leads to the field, unfolded
    expect(page.get_by_label(nl("From"))).to_be_focused()

    page.goto(f"{SEARCH}?q=boek&since=2026-03-02&until=2026-03-01")
    expect(summary).to_contain_text(nl("The end date lies before the start date."))
    # A choice the form does not offer, behind the folded part: it unfolds to show it.
    page.goto(f"{SEARCH}?q=boek&community=geheim")
    expect(summary).to_contain_text(nl("Choose one of the offered options."))
    expect(page.locator("details.cf-search-more")).to_have_attribute("open", "")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label(nl("Community"))).to_be_focused()

    # An unbalanced quote is read as closed at the end: the phrase is still found.
    page.goto(SEARCH)
    search_for(page, '"De Avonden')
    expect(page.locator(".cf-search-hit").first).to_contain_text("De Avonden")
    # A lone quote asks for words, in a sentence on the page.
    search_for(page, '"')
    expect(page.locator(".cf-search-results [role=status]")).to_have_text(
        nl("Type the words you are looking for.")
    )
    expect(summary).to_have_count(0)


# -- accessibility -----------------------------------------------------------------------

VISITS: dict[str, Visit] = {
    "search, empty": Visit("visitor", path(SEARCH), "form[role=search] input[name=q]"),
    "search, results": Visit("visitor", path(f"{SEARCH}?q=boek"), ".cf-search-snippet mark"),
    "search, page 2": Visit(
        "visitor", path(f"{SEARCH}?q=boek&page=2"), ".cf-pages [aria-current=page]"
    ),
    "search, filtered": Visit(
        "visitor", path(f"{SEARCH}?q=boek&kind=topic"), "details[open] select"
    ),
    "search, nothing found": Visit(
        "visitor", path(f"{SEARCH}?q=xylofoon"), ".cf-search-results [role=status]"
    ),
    "search, form error": Visit(
        "visitor", path(f"{SEARCH}?q=boek&since=2026-02-31", 400), ".cf-error-summary"
    ),
    "search, member": Visit("member", path(f"{SEARCH}?q=logeerhuis"), ".cf-search-hit"),
    "community with search box": Visit("visitor", path("/forum/c/leesclub/"), ".cf-search-box"),
    "search in a community": Visit(
        "visitor", path("/forum/c/leesclub/search?q=boek"), ".cf-search-hit"
    ),
    "search in the English community": Visit(
        "visitor", path("/forum/c/book-club/search?q=reading"), ".cf-search-hit mark"
    ),
}

visitor, test_search_page_is_accessible = audited_pages(VISITS, SIGN_IN)
