"""The pages of each person's pace pass axe-core's WCAG 2.1 A and AA rules, in Dutch and
in English, as test_accessibility.py checks every other kind of page.

On the sample site with, beside the demo data, a topic in *Leesclub* whose opening post
its author (Anneke) put under a content warning, and three members' choices made
beforehand: Bram has chosen nothing yet (so the one question about mail is asked on every
page he sees), Sevda follows *Leesclub* and a topic and has quiet hours from 22:00 to
07:00, and Anneke sees warned posts opened. The late-hour note is shown with the forum's
clock held at 23:30 for the one request that shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.extension import state
from civicforum.forum import services as forum
from civicforum.forum.models import Post, Topic
from civicforum.identity import services as identity
from civicforum.identity.models import Member
from civicforum.identity.providers import load_actor
from civicforum.pace import services as pace

from ..helpers import FrozenClock
from .livesite import LiveSite, serve_sample_site
from .test_accessibility import FIELD_ERROR, Visit, audited_pages, path
from .visitors import demo_email, sign_in_on_forum, submit

pytestmark = pytest.mark.browser

SETTINGS = "/forum/account/settings"
PACE = "section[aria-labelledby=cf-pace-heading]"
SAVE_PACE = f"{PACE} [name=save_pace]"
FOLLOWED_TOPIC = "zomerboeken"  # a demo topic in Leesclub, which Sevda follows
WARNED_TOKEN = "accessibility-pace:warned"
WARNED_TOPIC = (
    "anneke",
    "Lezen na een afscheid",
    "Na de dood van mijn vader kon ik maanden geen boek openslaan. Wie herkent dat?",
    "verlies en rouw",
)
QUIET = (22 * 60, 7 * 60)  # Sevda's quiet hours, on the site's clock (Europe/Amsterdam)


def demo_member(db: Session, person: str) -> Member:
    account = identity.find_account(db, demo_email(person))
    assert account is not None, f"the demo data has no account {person!r}"
    return account.member


def prepare_paces(app: Flask) -> None:
    """The warned topic, and the choices of Sevda and Anneke (see the module's text)."""
    with app.app_context():
        db = state(app).session_factory()
        try:
            leesclub = forum.get_community(db, "leesclub")
            settings = state(app).settings
            author, title, text, label = WARNED_TOPIC
            forum.start_topic(
                db,
                load_actor(db, demo_member(db, author)),
                leesclub,
                title=title,
                body=text,
                publish_as="pseudonym",
                submission_token=WARNED_TOKEN,
                limits=forum.Limits(settings.max_title_length, settings.max_post_length),
                warning=label,
            )
            sevda = demo_member(db, "sevda")
            start, end = QUIET
            pace.update_pace(
                db,
                sevda,
                digest="weekly",
                timezone=None,
                quiet_start=start,
                quiet_end=end,
                open_warnings=False,
            )
            pace.follow_community(db, sevda, leesclub)
            followed = db.scalar(
                select(Topic)
                .join(Post, Post.topic_id == Topic.id)
                .where(Post.submission_token == f"demo:{FOLLOWED_TOPIC}:0")
            )
            assert followed is not None
            pace.follow_topic(db, sevda, followed)
            pace.update_pace(
                db,
                demo_member(db, "anneke"),
                digest="never",
                timezone=None,
                quiet_start=None,
                quiet_end=None,
                open_warnings=True,
            )
        finally:
            db.close()


@pytest.fixture(scope="module")
def live_site(
    make_database: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveSite]:
    """This module's site: the sample site with the choices made above."""
    folder = tmp_path_factory.mktemp("pace-site")
    with (
        make_database(folder) as database_url,
        serve_sample_site(database_url, prepare=prepare_paces) as site,
    ):
        yield site


# -- visits ------------------------------------------------------------------------------


def warned_post(site: LiveSite) -> tuple[int, int]:
    """``(post id, topic id)`` of the post under its author's warning."""
    with site.db() as db:
        post = db.scalar(select(Post).where(Post.submission_token == WARNED_TOKEN))
        assert post is not None, "this site has no warned post"
        return post.id, post.topic_id


def late_evening() -> dt.datetime:
    """23:30 today on the site's clock: inside Sevda's quiet hours."""
    zone = ZoneInfo("Europe/Amsterdam")
    today = dt.datetime.now(zone).date()
    return dt.datetime.combine(today, dt.time(23, 30), tzinfo=zone).astimezone(dt.UTC)


def late(go: Callable[[Page, LiveSite], None]) -> Callable[[Page, LiveSite], None]:
    """Make a visit with the forum's clock at 23:30, and let the clock go again."""

    def visit(page: Page, site: LiveSite) -> None:
        with pytest.MonkeyPatch.context() as patch:
            FrozenClock(patch, late_evening())
            go(page, site)

    return visit


def on_warned_topic(query: str = "") -> Callable[[Page, LiveSite], None]:
    def go(page: Page, site: LiveSite) -> None:
        _, topic = warned_post(site)
        path(f"/forum/t/{topic}/{query}")(page, site)

    return go


def warned_topic_opened_by_keyboard(page: Page, site: LiveSite) -> None:
    on_warned_topic()(page, site)
    summary = page.locator("details.cf-content-warning summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.cf-content-warning").first).to_have_attribute("open", "")


def edit_warned_post(page: Page, site: LiveSite) -> None:
    post, _ = warned_post(site)
    path(f"/forum/p/{post}/edit")(page, site)


def quiet_hours_without_an_end(page: Page, site: LiveSite) -> None:
    page.goto(SETTINGS)
    page.locator(f"{PACE} input[name=quiet_start]").fill("22:00")
    page.locator(f"{PACE} input[name=quiet_end]").fill("")
    submit(page, SAVE_PACE)


def quiet_hours_of_no_length(page: Page, site: LiveSite) -> None:
    page.goto(SETTINGS)
    page.locator(f"{PACE} input[name=quiet_start]").fill("07:00")
    page.locator(f"{PACE} input[name=quiet_end]").fill("07:00")
    submit(page, SAVE_PACE)


def pace_saved(page: Page, site: LiveSite) -> None:
    page.goto(SETTINGS)
    submit(page, SAVE_PACE)


def new_topic_with_a_warning(label: str) -> Callable[[Page, LiveSite], None]:
    def go(page: Page, site: LiveSite) -> None:
        page.goto("/forum/c/leesclub/new")
        page.locator("input[name=title]").fill("Boeken over ziek zijn")
        page.locator("textarea[name=body]").fill(
            "Ik zoek romans over *ziek zijn* die niet somber eindigen."
        )
        page.locator("input[name=warning]").fill(label)
        submit(page, "[name=preview]")

    return go


def followed_topic(page: Page, site: LiveSite) -> None:
    _, topic = site.demo_post(FOLLOWED_TOPIC, 0)
    path(f"/forum/t/{topic}/")(page, site)


def followed_topic_late(query: str) -> Callable[[Page, LiveSite], None]:
    def go(page: Page, site: LiveSite) -> None:
        _, topic = site.demo_post(FOLLOWED_TOPIC, 0)
        path(f"/forum/t/{topic}/{query}")(page, site)

    return late(go)


WARNED = "details.cf-content-warning"
LATE_NOTE = ".cf-late-note[role=note]"

VISITS: dict[str, Visit] = {
    # The one question about mail, on the first page Bram sees and on others.
    "the question about mail": Visit("asked", path("/forum/"), "section.cf-question button"),
    "the question about mail, on a topic": Visit(
        "asked", path("/forum/t/{p_topic}/", p=(FOLLOWED_TOPIC, 0)), "section.cf-question"
    ),
    # The settings page.
    "settings with the pace section": Visit(
        "asked", path(SETTINGS), f"{PACE} input[name=quiet_start]"
    ),
    "settings, quiet hours with only a start": Visit(
        "asked", quiet_hours_without_an_end, f"{PACE} {FIELD_ERROR}"
    ),
    "settings, quiet hours that end as they start": Visit(
        "asked", quiet_hours_of_no_length, f"{PACE} {FIELD_ERROR}"
    ),
    "settings, following": Visit("follower", path(SETTINGS), ".cf-follow-list button"),
    "settings, choices saved": Visit("follower", pace_saved, ".cf-notice[role=status]"),
    # Following from a community's or a topic's page.
    "community, follow": Visit(
        "asked", path("/forum/c/leesclub/"), "form.cf-follow[action$='/follow'] button"
    ),
    "community, unfollow": Visit(
        "follower", path("/forum/c/leesclub/"), "form.cf-follow[action$='/unfollow'] button"
    ),
    "topic, unfollow": Visit(
        "follower", followed_topic, "form.cf-follow[action$='/unfollow'] button"
    ),
    # Quiet hours.
    "topic, late at night": Visit("follower", followed_topic_late(""), LATE_NOTE),
    "new topic, late at night": Visit(
        "follower", late(path("/forum/c/leesclub/new")), f"#cf-main {LATE_NOTE}"
    ),
    # Last: passing the note counts for the rest of the night, in this browser.
    "topic, late at night, writing anyway": Visit(
        "follower", followed_topic_late("?write=anyway"), ".cf-reply textarea"
    ),
    # Content warnings by authors.
    "new topic, with the warning field": Visit(
        "asked", path("/forum/c/leesclub/new"), "input[name=warning]"
    ),
    "new topic, preview under a warning": Visit(
        "asked", new_topic_with_a_warning("ziekte"), f".cf-preview {WARNED}[open]"
    ),
    "new topic, warning too long": Visit("asked", new_topic_with_a_warning("w" * 101), FIELD_ERROR),
    "topic with a warned post, folded": Visit("asked", on_warned_topic(), f"{WARNED}:not([open])"),
    "topic with a warned post, opened by keyboard": Visit(
        "asked", warned_topic_opened_by_keyboard, f"{WARNED}[open]"
    ),
    "topic with a warned post, opened by choice": Visit(
        "opener", on_warned_topic(), f"{WARNED}[open]"
    ),
    "edit of a warned post, by its author": Visit(
        "opener", edit_warned_post, "input[name=warning]"
    ),
}

SIGN_IN: dict[str, Callable[[Page], None]] = {
    "asked": lambda page: sign_in_on_forum(page, "bram"),
    "follower": lambda page: sign_in_on_forum(page, "sevda"),
    "opener": lambda page: sign_in_on_forum(page, "anneke"),
}


visitor, test_page_is_accessible = audited_pages(VISITS, SIGN_IN)
