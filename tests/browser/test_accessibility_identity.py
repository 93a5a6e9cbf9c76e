"""The pages of signing in with an identity provider pass axe-core's WCAG 2.1 A and AA
rules, in Dutch and in English, as test_accessibility.py checks every other kind of page.

On the sample site with "Sign in with Voorbeeld-ID" and the patients' group *Lotgenoten*:
the sign-in page with the provider's button, the settings of a member the provider
vouched for and of one it did not, the group showing what it asks for (signed out and
signed in without it), a refused topic of the group, the page of a failed sign-in, and
the form for a new topic offering "verified member".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from .livesite import PATIENT_GROUP, LiveSite
from .test_accessibility import Visit, audited_pages, path
from .visitors import (
    sign_in_on_forum,
    sign_in_with_provider,
    submit,
)

pytestmark = pytest.mark.browser

GROUP = f"/forum/c/{PATIENT_GROUP}/"
SIGN_IN_WITH_PROVIDER = ".cf-requirement a[href*='/account/oidc/voorbeeldid/sign-in']"
LINK_PROVIDER = ".cf-requirement form[action$='/account/oidc/voorbeeldid/link'] button"
IDENTITY = "section[aria-labelledby=cf-identity-heading]"


@pytest.fixture(scope="module")
def live_site(live_site_with_provider: LiveSite) -> LiveSite:
    """This module's site: the sample site with the identity provider."""
    return live_site_with_provider


def patient_topic(status: int) -> Callable[[Page, LiveSite], None]:
    def go(page: Page, site: LiveSite) -> None:
        path(f"/forum/t/{site.patient_topic()}/", status)(page, site)

    return go


def new_topic_preview(page: Page, site: LiveSite) -> None:
    page.goto(f"{GROUP}new")
    page.locator("input[name=title]").fill("Lotgenoten in de regio")
    page.locator("textarea[name=body]").fill("Is er iemand uit *Voorbeeldstad-Noord*?")
    page.locator("input[name=publish_as][value=verified]").check()
    submit(page, "[name=preview]")


VISITS: dict[str, Visit] = {
    "sign-in with a provider": Visit(
        "visitor", path("/forum/account/sign-in"), ".cf-providers .cf-button"
    ),
    "settings, vouched for": Visit("patient", path("/forum/account/settings"), f"{IDENTITY} li"),
    "settings, may link": Visit(
        "member", path("/forum/account/settings"), f"{IDENTITY} form button"
    ),
    "community asking for an attribute, signed out": Visit(
        "visitor", path(GROUP), SIGN_IN_WITH_PROVIDER
    ),
    "community asking for an attribute, member without it": Visit(
        "member", path(GROUP), LINK_PROVIDER
    ),
    "topic asking for an attribute, signed out": Visit(
        "visitor", patient_topic(403), SIGN_IN_WITH_PROVIDER
    ),
    "topic asking for an attribute, member without it": Visit(
        "member", patient_topic(403), LINK_PROVIDER
    ),
    "sign-in with a provider failed": Visit(
        "visitor",
        path("/forum/account/oidc/voorbeeldid/callback?state=not-ours&code=nothing", 400),
        "#cf-main a[href$='/account/sign-in']",
    ),
    "new topic, as verified member": Visit(
        "patient", path(f"{GROUP}new"), "input[name=publish_as][value=verified]"
    ),
    "new topic, preview as verified member": Visit(
        "patient", new_topic_preview, ".cf-preview .cf-shown-as"
    ),
}


def sign_in_as_patient(page: Page) -> None:
    """Alice, whom the provider vouches for, signs in with it and joins the group."""
    sign_in_with_provider(page, "alice")
    page.goto(GROUP)
    join = f"form[action='{GROUP}join'] [type=submit]"
    if page.locator(join).count():  # (not when she joined in another language's browser)
        submit(page, join)


SIGN_IN: dict[str, Callable[[Page], None]] = {
    "member": lambda page: sign_in_on_forum(page, "henk"),
    "patient": sign_in_as_patient,
}


visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)
