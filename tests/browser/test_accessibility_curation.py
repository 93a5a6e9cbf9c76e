"""The pages of trusted information pass axe-core's WCAG 2.1 A and AA rules, in Dutch
and in English, as test_accessibility.py checks every other kind of page.

On the sample site with the demo's reliable information in Digitale hulp (a checked
article, a checked verdict on a post, an article whose check is out of date, one in
review): the section, each kind of item with its badge or "out of date", the page on
what "checked" means, a topic with a checked post, the question form, and the editors'
dashboard, forms and steps (closed and opened, empty and with their errors).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from civicforum.curation.models import ItemRevision, VerifiedItem

from .livesite import LiveSite
from .test_accessibility import SIGN_IN, Visit, audited_pages, path
from .visitors import sign_in_on_forum, submit

pytestmark = pytest.mark.browser

FIELD_ERROR = ".cf-field-error .cf-error"
Go = Callable[[Page, LiveSite], None]


def item_titled(site: LiveSite, start: str) -> int:
    with site.db() as db:
        found = db.scalar(
            select(VerifiedItem.id)
            .join(ItemRevision, ItemRevision.item_id == VerifiedItem.id)
            .where(ItemRevision.title.startswith(start))
        )
        assert found is not None, f"the demo has no item {start!r}"
        return found


def to_item(start: str, suffix: str = "") -> Go:
    def go(page: Page, site: LiveSite) -> None:
        path(f"/forum/info/{item_titled(site, start)}{suffix}")(page, site)

    return go


def opened(go: Go) -> Go:
    """The page with its folded parts (the editors' steps) opened."""

    def open_all(page: Page, site: LiveSite) -> None:
        go(page, site)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

    return open_all


def sent(go: Go, button: str) -> Go:
    def send(page: Page, site: LiveSite) -> None:
        go(page, site)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        submit(page, button)

    return send


CHECKED = "DigiD aanvragen"
VERDICT = "Het paspoort scannen"
STALE = "E-books lenen"
IN_REVIEW = "Veilig internetbankieren"
SECTION = "/forum/c/digitale-hulp/reliable/"

VISITS: dict[str, Visit] = {
    "reliable information": Visit("visitor", path(SECTION), ".cf-trust"),
    "checked article": Visit("visitor", to_item(CHECKED), ".cf-trust-verified"),
    "checked verdict on a post": Visit("visitor", to_item(VERDICT), ".cf-verdict-box"),
    "out of date": Visit("visitor", to_item(STALE), ".cf-trust-stale"),
    "what checked means": Visit("visitor", path("/forum/verified"), "#cf-main ol"),
    "topic with a checked post": Visit(
        "visitor", path("/forum/t/{p_topic}/", p=("digid", 3)), ".cf-checked"
    ),
    "question form": Visit("member", to_item(CHECKED), "textarea[name=question]"),
    "question, empty": Visit(
        "member", sent(to_item(CHECKED), "form[action$='/question'] [type=submit]"), FIELD_ERROR
    ),
    "editors' dashboard": Visit("editor", path("/forum/editors/"), "#cf-in-review"),
    "in review, its writer": Visit("editor", opened(to_item(IN_REVIEW)), ".cf-step[open]"),
    "in review, second editor": Visit(
        "second_editor", opened(to_item(IN_REVIEW)), "input[name='approve-review_due']"
    ),
    "sending back, without a note": Visit(
        "second_editor",
        sent(to_item(IN_REVIEW), "form[action$='/step/return'] [type=submit]"),
        FIELD_ERROR,
    ),
    "new article": Visit(
        "editor", path("/forum/c/digitale-hulp/reliable/new"), "fieldset.cf-source"
    ),
    "new article, empty": Visit(
        "editor",
        sent(path("/forum/c/digitale-hulp/reliable/new"), "#cf-main form [type=submit]"),
        ".cf-error",
    ),
    "new version": Visit("editor", to_item(CHECKED, "/edit"), ".cf-notice"),
    "check a post": Visit(
        "editor", path("/forum/p/{p}/verify", p=("digid", 1)), "input[name=verdict]"
    ),
}

WHO: dict[str, Callable[[Page], None]] = {
    **SIGN_IN,
    "editor": lambda page: sign_in_on_forum(page, "joost"),
    "second_editor": lambda page: sign_in_on_forum(page, "ingrid"),
}


visitor, test_page_is_accessible = audited_pages(VISITS, WHO)
