"""The widget in a real browser: on the library's home page in an iframe, linking into the
forum in the top window, loading nothing from elsewhere, readable (axe, light and dark),
and refused by the browser when a page on another origin frames it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from .eventsite import days_ahead, plan_event
from .livesite import LiveSite
from .visitors import Contexts

# A browser's view of the flow: what it does with the database is tested on both engines
# without a browser, so the PostgreSQL pass leaves it out (see tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

WIDGET = "/forum/embed/c/leesclub/latest"
FRAME = "iframe.site-widget"
SHOWN = 4  # the home page asks for four of each (limit=4)


@pytest.fixture(scope="module", autouse=True)
def coming_event(live_site: LiveSite) -> None:
    """Something surely coming up, whatever today's date does to the imported agenda."""
    plan_event(live_site, "Poëzieavond in de leeszaal", starts_at=days_ahead(5))


def texts(page: Page, selector: str, first: int) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_text_contents()[:first]]


def test_the_home_page_shows_the_widget_and_its_links_open_the_forum(
    live_site: LiveSite, new_context: Contexts
) -> None:
    page = new_context().new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto("/")
    widget = page.frame_locator(FRAME)
    expect(widget.locator("h1")).to_have_text("Leesclub")
    discussions = [
        t.strip()
        for t in widget.locator(".cf-embed-discussions .cf-embed-title").all_text_contents()
    ]
    coming_up = [
        t.strip() for t in widget.locator(".cf-embed-events .cf-embed-title").all_text_contents()
    ]
    frame = page.frame(url=re.compile(re.escape(WIDGET)))
    assert frame is not None and "lang=nl" in frame.url, "in the site's language"
    assert page.locator(FRAME).get_attribute("title"), "the frame says what it holds"
    assert all(url.startswith(f"{live_site.url}/") for url in asked), [
        url for url in asked if not url.startswith(f"{live_site.url}/")
    ]

    page.goto("/forum/c/leesclub/")
    assert discussions == texts(page, ".cf-topic-list .cf-topic-title", SHOWN), (
        "the community's latest discussions, as its own page lists them"
    )
    page.goto("/forum/c/leesclub/events/")
    assert coming_up and coming_up == texts(page, ".cf-event-list .cf-event-item h2", SHOWN)

    page.goto("/")
    first = page.frame_locator(FRAME).locator(".cf-embed-discussions .cf-embed-title").first
    assert first.get_attribute("target") == "_top"
    with page.expect_navigation():
        first.click()
    assert re.search(r"/forum/t/\d+/$", page.url), "the forum opens in the window itself"
    expect(page.locator("h1").first).to_have_text(discussions[0])
    assert len(page.context.pages) == 1, "no new window"


@pytest.mark.database_independent
def test_the_widget_passes_axe_light_dark_and_in_the_sites_colours(
    live_site: LiveSite, new_context: Contexts, audit: Callable[[Page], None]
) -> None:
    # axe is injected as a script, which the widget's own policy (no scripts) refuses.
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"{WIDGET}?lang=en")
    audit(page)
    page.emulate_media(color_scheme="dark")
    page.reload()
    background = page.locator(".cf-embed").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(21, 23, 27)", "the dark colours are in use"
    audit(page)
    page.goto("/")
    themed = page.locator(FRAME).get_attribute("src")
    assert themed is not None
    page.goto(themed)
    background = page.locator(".cf-embed").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(251, 248, 241)", "the library's cream, also when dark is preferred"
    audit(page)


@contextmanager
def page_elsewhere(html: str) -> Iterator[str]:
    """A page on another origin (another port of this machine) that answers ``html``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="elsewhere", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_page_on_another_origin_cannot_frame_the_widget(
    live_site: LiveSite, new_context: Contexts
) -> None:
    html = (
        '<!doctype html><html lang="en"><title>Elsewhere</title>'
        f'<iframe title="widget" src="{live_site.url}{WIDGET}"></iframe></html>'
    )
    page = new_context().new_page()
    refusals: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if "frame-ancestors" in message.text:
            refusals.append(message.text)

    page.on("console", heard)
    with page_elsewhere(html) as elsewhere:
        with page.expect_response(f"{live_site.url}{WIDGET}") as answer:
            page.goto(elsewhere)
        assert answer.value.status == 200, "the forum answered; the browser refused to show it"
        page.wait_for_load_state("load")
        [frame] = [f for f in page.frames if f is not page.main_frame]
        assert frame.locator(".cf-embed").count() == 0
        assert not frame.url.startswith(live_site.url), frame.url
    assert refusals, "the browser said why"
