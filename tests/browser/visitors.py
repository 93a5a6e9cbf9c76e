"""Visitors in the browser: their browser contexts, signing in through the library's login,
the forum's own or the identity provider, switching the site's language, sending forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page

from civicforum.demo import DEMO_PASSWORD, EMAIL_DOMAIN

VIEWPORT = {"width": 1280, "height": 900}
# Browsers that ask for English: the library's own choice (Dutch, unless its language
# button was pressed) comes before the browser's in the forum.
BROWSER_LOCALE = "en-GB"

# The library's own visitor accounts (sample_site.SITE_USERS).
SITE_PASSWORDS = {"sanne": "lezen-is-leuk", "bibliothecaris": "boeken-en-koffie"}


class Contexts:
    """Opens browser contexts (each with its own cookies) on the site, and closes them."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list[BrowserContext] = []

    def __call__(self, **options: Any) -> BrowserContext:
        options.setdefault("locale", BROWSER_LOCALE)
        options.setdefault("viewport", VIEWPORT)
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(10_000)
        self.opened.append(context)
        return context

    def close(self) -> None:
        for context in self.opened:
            context.close()
        self.opened.clear()


def demo_email(person: str) -> str:
    """The sign-in address of a demo person (``henk``, ``femke``, ...)."""
    return f"{person}@{EMAIL_DOMAIN}"


def sign_in_on_site(page: Page, username: str) -> None:
    """Sign in through the library's own login; the forum learns who it is from the host."""
    page.goto("/inloggen")
    page.locator("#username").fill(username)
    page.locator("#password").fill(SITE_PASSWORDS[username])
    page.locator("form.site-form button[type=submit]").click()
    page.wait_for_url("**/")


def sign_in_on_forum(page: Page, person: str) -> None:
    """Sign in with a demo person's own forum account."""
    page.goto("/forum/account/sign-in")
    page.locator("input[name=email]").fill(demo_email(person))
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("#cf-main form [type=submit]").click()
    page.wait_for_url("**/forum/")


def sign_in_at_provider(page: Page, login: str) -> None:
    """Do a person's part at the test provider, where the forum has just sent the browser:
    sign in as ``login`` (``alice``, ``bob``: see tests/oidcpeer.py), agree to share, and
    wait until the browser is back at the forum. (A browser that has not signed in there
    before is always asked to agree.)"""
    provider = urlsplit(page.url).netloc
    page.locator("#login").fill(login)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Toestaan").click()
    page.wait_for_url(lambda url: urlsplit(url).netloc != provider)


def sign_in_with_provider(page: Page, login: str) -> None:
    """Sign in with "Voorbeeld-ID" from the forum's sign-in page, as ``login``."""
    page.goto("/forum/account/sign-in")
    page.locator(".cf-providers a[href*='/account/oidc/voorbeeldid/sign-in']").click()
    sign_in_at_provider(page, login)


def switch_site_language(page: Page) -> None:
    """Press the library's language button (Dutch <-> English) in the page header."""
    page.locator(".site-tools form[action='/taal'] button").click()
    page.wait_for_load_state()


def submit(page: Page, button: str = "#cf-main form [type=submit]") -> None:
    """Press a form's (first matching) submit button and wait for the page that answers."""
    with page.expect_navigation():
        page.locator(button).first.click()
