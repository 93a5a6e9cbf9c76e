"""The pages of a person's own data pass axe-core's WCAG 2.1 A and AA rules, in Dutch and
in English, as test_accessibility.py checks every other kind of page: "Your data" on the
settings page (asking for a copy, a copy being prepared), the page for deleting an
account (with its refusal of a wrong password, and for someone signed in by the
library's own login), and the page after an account is deleted.

The deleted account is a fresh one, registered by the visit itself, so the demo people
stay for the other visits.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page

from .livesite import LiveSite
from .test_accessibility import FIELD_ERROR, SIGN_IN, Visit, audited_pages, path
from .visitors import submit

pytestmark = pytest.mark.browser

SETTINGS = "/forum/account/settings"
DELETE = "/forum/account/delete"
YOUR_DATA = "#cf-your-data"


def asked_for_a_copy(page: Page, site: LiveSite) -> None:
    """Ask for a copy; in the second language the first one was asked for already, and
    the section says it is being prepared, ready, or when a new one can be asked."""
    page.goto(SETTINGS)
    ask = page.locator(f"{YOUR_DATA} form [type=submit]")
    if ask.count():
        submit(page, f"{YOUR_DATA} form [type=submit]")


def wrong_password(page: Page, site: LiveSite) -> None:
    page.goto(DELETE)
    page.locator("input[name=password]").fill("not the password at all")
    submit(page)


def account_deleted(page: Page, site: LiveSite) -> None:
    """A new account, deleted again at once."""
    password = secrets.token_urlsafe(16)
    page.goto("/forum/account/register")
    page.locator("input[name=display_name]").fill(f"Even {secrets.token_hex(3)}")
    page.locator("input[name=email]").fill(f"{secrets.token_hex(6)}@example.org")
    page.locator("input[name=password]").fill(password)
    submit(page)
    page.goto(DELETE)
    page.locator("input[name=password]").fill(password)
    submit(page)


VISITS: dict[str, Visit] = {
    "settings, your data": Visit("member", path(SETTINGS), f"{YOUR_DATA} form [type=submit]"),
    "settings, a copy asked for": Visit("moderator", asked_for_a_copy, f"{YOUR_DATA} h2"),
    "deleting an account": Visit("member", path(DELETE), "input[name=password]"),
    "deleting an account, wrong password": Visit("member", wrong_password, FIELD_ERROR),
    "deleting an account, signed in by the library": Visit(
        "reader", path(DELETE), "input[name=posts]"
    ),
    "account deleted": Visit("visitor", account_deleted, "#cf-main [role=status]"),
}

visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)
