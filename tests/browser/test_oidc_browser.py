"""Signing in with "Voorbeeld-ID" in a real browser, against the test provider.

The sample site runs with the provider (tests/oidcpeer.py, through its proxy) and the
patients' group *Lotgenoten*, which only verified members of the Patients' Association
may read and post in. The browser runs JavaScript, as the provider's pages may use it;
the forum's pages carry no scripts at all. Every request stays on this machine: the site
and the provider, both on 127.0.0.1.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from civicforum.identity.models import ExternalIdentity

from ..oidcpeer import OidcPeer
from .livesite import PATIENT_GROUP, PATIENT_TOPIC, LiveSite
from .visitors import Contexts, sign_in_at_provider, sign_in_on_forum, submit

# A browser's view of the flow: what it does with the database is tested on both engines
# without a browser, so the PostgreSQL pass leaves it out (see tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

GROUP = f"/forum/c/{PATIENT_GROUP}/"
ATTRIBUTE = "geverifieerd lid van de Patiëntenvereniging"
SIGN_IN_BUTTON = "Inloggen met Voorbeeld-ID"
LINK_BUTTON = "Voorbeeld-ID koppelen aan mijn account"
# Offered instead of linking to someone whose account has Voorbeeld-ID linked already.
CHECK_AGAIN_BUTTON = "Opnieuw laten zien met Voorbeeld-ID"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def live_site(live_site_with_provider: LiveSite) -> LiveSite:
    """This module's site: the sample site with the identity provider."""
    return live_site_with_provider


@pytest.fixture
def browsing(new_context: Contexts, oidc_peer: OidcPeer) -> tuple[Page, list[str]]:
    """A browser with JavaScript, and the URL of every request it makes (in any tab)."""
    context = new_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    return context.new_page(), requested


def assert_stayed_local(requested: list[str]) -> None:
    assert requested, "no requests were recorded"
    elsewhere = [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not elsewhere, f"requests that left this machine: {elsewhere}"


def on_the_forum(page: Page, site: LiveSite, path: str) -> None:
    """The browser is at ``path`` of the forum, on a page without scripts."""
    expect(page).to_have_url(site.url + path)
    assert page.locator("script").count() == 0, f"{page.url} has scripts"


def at_the_provider(page: Page, peer: OidcPeer) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(peer.url) + "/"))


def signed_in(page: Page) -> None:
    expect(page.locator(".cf-nav a[href$='/account/settings']")).to_be_visible()


def signed_out(page: Page) -> None:
    expect(page.locator(".cf-nav a[href$='/account/settings']")).to_have_count(0)
    expect(page.locator(".cf-nav a[href*='/account/sign-in']")).to_be_visible()


def test_a_patient_signs_in_from_the_group_joins_it_and_posts_as_verified_member(
    browsing: tuple[Page, list[str]], live_site: LiveSite, oidc_peer: OidcPeer
) -> None:
    page, requested = browsing
    title, _ = PATIENT_TOPIC

    # Signed out: what the group asks for, and who can show it; none of its topics.
    page.goto(GROUP)
    on_the_forum(page, live_site, GROUP)
    topics = page.locator(".cf-topics")
    expect(topics).to_contain_text(ATTRIBUTE)
    expect(page.locator("#cf-main")).not_to_contain_text(title)
    page.locator(".cf-requirement").get_by_role("link", name=SIGN_IN_BUTTON).click()

    at_the_provider(page, oidc_peer)
    sign_in_at_provider(page, "alice")

    # Back in the group, signed in: now its topics show.
    on_the_forum(page, live_site, GROUP)
    signed_in(page)
    expect(page.locator(".cf-notice")).to_contain_text("Je bent ingelogd met Voorbeeld-ID.")
    expect(topics.get_by_role("link", name=title)).to_be_visible()
    expect(topics).not_to_contain_text(ATTRIBUTE)

    # Join (the group is open), then start a topic as "verified member".
    submit(page, f"form[action='{GROUP}join'] [type=submit]")
    page.get_by_role("link", name="Begin een onderwerp").click()
    on_the_forum(page, live_site, f"{GROUP}new")
    verified = page.get_by_role("radio", name=re.compile("geverifieerd lid"))
    expect(verified).to_be_visible()
    verified.check()
    page.locator("input[name=title]").fill("Lotgenoten in de regio")
    page.locator("textarea[name=body]").fill("Is er iemand uit Voorbeeldstad-Noord?")
    submit(page, "[name=preview]")
    expect(page.locator(".cf-shown-as")).to_contain_text("geverifieerd lid")
    submit(page, "[name=publish]")
    expect(page).to_have_url(re.compile(r"/forum/t/\d+/$"))
    expect(page.locator("h1")).to_have_text("Lotgenoten in de regio")
    expect(page.locator(".cf-post").first.locator(".cf-author-verified")).to_have_text(
        "geverifieerd lid"
    )
    assert page.locator("script").count() == 0
    assert_stayed_local(requested)


def test_without_the_attribute_the_group_shows_what_it_asks_and_nothing_more(
    browsing: tuple[Page, list[str]], live_site: LiveSite, oidc_peer: OidcPeer
) -> None:
    page, requested = browsing
    title, body = PATIENT_TOPIC
    page.goto(GROUP)
    page.locator(".cf-requirement").get_by_role("link", name=SIGN_IN_BUTTON).click()
    at_the_provider(page, oidc_peer)
    sign_in_at_provider(page, "bob")

    on_the_forum(page, live_site, GROUP)
    signed_in(page)
    main = page.locator("#cf-main")
    expect(page.locator(".cf-topics")).to_contain_text(ATTRIBUTE)
    expect(
        page.locator(".cf-requirement").get_by_role("button", name=CHECK_AGAIN_BUTTON)
    ).to_be_visible()
    expect(page.locator(".cf-requirement").get_by_role("button", name=LINK_BUTTON)).to_have_count(0)
    expect(main).not_to_contain_text(title)
    expect(page.locator(f"a[href='{GROUP}new']")).to_have_count(0)

    # The topic itself is refused, saying the same.
    topic = live_site.patient_topic()
    response = page.goto(f"/forum/t/{topic}/")
    assert response is not None and response.status == 403
    expect(main).to_contain_text(ATTRIBUTE)
    expect(
        page.locator(".cf-requirement").get_by_role("button", name=CHECK_AGAIN_BUTTON)
    ).to_be_visible()
    expect(main).not_to_contain_text(title)
    expect(main).not_to_contain_text(body)
    assert page.locator("script").count() == 0
    assert_stayed_local(requested)


def test_a_member_links_the_provider_in_settings_and_sees_what_it_vouched_for(
    browsing: tuple[Page, list[str]], live_site: LiveSite, oidc_peer: OidcPeer
) -> None:
    page, requested = browsing
    # Henk has a forum account of his own. Alice's identity at the provider becomes his;
    # another test here may have signed in with it, which made it another member's.
    with live_site.db() as db:
        db.execute(
            delete(ExternalIdentity).where(
                ExternalIdentity.provider == "oidc:voorbeeldid", ExternalIdentity.subject == "alice"
            )
        )
        db.commit()
    sign_in_on_forum(page, "henk")
    page.get_by_role("link", name=re.compile("Mijn instellingen")).click()
    on_the_forum(page, live_site, "/forum/account/settings")
    known = page.locator("section[aria-labelledby=cf-identity-heading]")
    expect(known).to_contain_text("Identiteitsniveau: geregistreerd")
    expect(known).not_to_contain_text(ATTRIBUTE)
    known.get_by_role("button", name=LINK_BUTTON).click()

    at_the_provider(page, oidc_peer)
    sign_in_at_provider(page, "alice")

    on_the_forum(page, live_site, "/forum/account/settings")
    expect(page.locator(".cf-notice")).to_contain_text(
        "Voorbeeld-ID is nu gekoppeld aan je account."
    )
    expect(page.locator(".cf-nav")).to_contain_text("Henk")
    expect(known).to_contain_text("Identiteitsniveau: geverifieerd")
    expect(known.locator("li")).to_have_text([ATTRIBUTE])
    expect(known).to_contain_text("Voorbeeld-ID")
    expect(known.get_by_role("button", name=LINK_BUTTON)).to_have_count(0)
    assert_stayed_local(requested)


def test_signing_out_ends_the_session_at_the_provider_too(
    browsing: tuple[Page, list[str]], live_site: LiveSite, oidc_peer: OidcPeer
) -> None:
    page, requested = browsing
    page.goto("/forum/account/sign-in")
    sign_in_button = page.locator(".cf-providers").get_by_role("link", name=SIGN_IN_BUTTON)
    sign_in_button.click()
    sign_in_at_provider(page, "bob")
    on_the_forum(page, live_site, "/forum/")
    signed_in(page)

    page.locator(".cf-nav").get_by_role("button", name="Uitloggen").click()
    at_the_provider(page, oidc_peer)
    expect(page).to_have_url(re.compile(r"/session/end\b"))
    page.get_by_role("button", name="Ja, uitloggen").click()

    on_the_forum(page, live_site, "/forum/")
    expect(page.locator(".cf-notice")).to_contain_text("Je bent uitgelogd.")
    signed_out(page)

    # The provider forgot bob too: signing in again asks who it is.
    page.goto("/forum/account/sign-in")
    sign_in_button.click()
    at_the_provider(page, oidc_peer)
    expect(page.locator("#login")).to_be_visible()
    assert_stayed_local(requested)
