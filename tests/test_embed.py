"""The widget: a community's latest discussions and what is coming up, as a page for an
iframe, a fragment for server-side includes, JSON, and a macro in a host's templates.

Only what an anonymous visitor may read, the same for everyone; a closed community is
as absent as an unknown one; strict headers; mistakes in a link answered in words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask, render_template_string, request
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from civicforum.embed.theme import DARK, LIGHT, contrast
from civicforum.forum import services as forum
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.i18n import translations
from civicforum.identity import services as identity
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures, premoderation, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation
from civicforum.plugins.events import queries as event_queries
from civicforum.plugins.events import services as events
from civicforum.plugins.events.services import EventDetails

from .conftest import LIMITS, forum_app
from .helpers import (
    FrozenClock,
    actor_of,
    add_member,
    require_patient_membership,
    sign_in,
)

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
WIDGET = "/forum/embed/c/{slug}/latest{suffix}"
SUFFIXES = ("", ".fragment", ".json")
# The forum's clock, held still while a test arranges its club (see ``FrozenClock``).
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CSS = Path(__file__).parent.parent / "civicforum" / "static" / "civicforum" / "embed.css"


def widget_url(slug: str = "leesclub", suffix: str = "", query: str = "") -> str:
    url = WIDGET.format(slug=slug, suffix=suffix)
    return f"{url}?{query}" if query else url


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def html_of(response: TestResponse) -> Any:
    assert response.status_code == 200, text(response)
    return lxml.html.fromstring(text(response))


def css(node: Any, selector: str) -> list[Any]:
    """The elements a simple CSS selector finds (tags, classes, ``[attr=value]``, and
    descendants), through XPath."""
    steps = []
    for token in selector.split():
        found = re.fullmatch(r"([a-z0-9]*)((?:\.[\w-]+)*)(?:\[(\w+)=(\w+)\])?", token)
        assert found, token
        tag, classes, attribute, value = found.groups()
        tests = [
            f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'
            for name in classes.split(".")[1:]
        ]
        if attribute:
            tests.append(f'@{attribute}="{value}"')
        steps.append(f"descendant::{tag or '*'}" + "".join(f"[{t}]" for t in tests))
    return list(node.xpath("/".join(steps)))


def titles_in(response: TestResponse, section: str = "discussions") -> list[str]:
    return titles_in_tree(html_of(response), section)


def titles_in_tree(tree: Any, section: str = "discussions") -> list[str]:
    return [a.text_content() for a in css(tree, f".cf-embed-{section} .cf-embed-title")]


# -- arranging a community -------------------------------------------------------------


class Club:
    """A public reading club with a moderator and a member; topics started at set times."""

    def __init__(
        self,
        db: Session,
        clock: FrozenClock,
        community: Community,
        moderator: Member,
        member: Member,
    ) -> None:
        self.db, self.clock = db, clock
        self.community, self.moderator, self.member = community, moderator, member

    def topic(self, title: str, by: Member | None = None) -> Topic:
        self.clock.advance(hours=1)
        author = by or self.member
        return forum.start_topic(
            self.db,
            actor_of(self.db, author),
            self.community,
            title=title,
            body=f"Opening words of {title}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=title,
            limits=LIMITS,
        )

    def reply(self, topic: Topic, body: str) -> None:
        self.clock.advance(hours=1)
        forum.reply(
            self.db,
            actor_of(self.db, self.member),
            topic,
            body=body,
            publish_as=PublishAs.PSEUDONYM,
            submission_token=body,
            limits=LIMITS,
        )


@pytest.fixture
def club(
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> Club:
    clock = FrozenClock(monkeypatch, START)
    community = make_community("leesclub")
    moderator, member = make_member("Femke"), make_member("Ans")
    add_member(db, community, moderator, Role.MODERATOR)
    add_member(db, community, member)
    return Club(db, clock, community, moderator, member)


# -- what it shows ---------------------------------------------------------------------


def test_the_widget_lists_discussions_by_last_activity_with_links_into_the_forum(
    client: FlaskClient, club: Club
) -> None:
    oldest = club.topic("De Avonden van Reve")
    club.topic("Tips voor zomerboeken")
    club.topic("Volgende bijeenkomst")
    club.reply(oldest, "Wat een boek!")

    page = client.get(widget_url(query="lang=en"), headers=EN)
    tree = html_of(page)
    assert page.mimetype == "text/html"
    assert tree.get("lang") == "en"
    assert css(tree, "h1")[0].text_content() == "Leesclub"
    assert titles_in(page) == [
        "De Avonden van Reve",
        "Volgende bijeenkomst",
        "Tips voor zomerboeken",
    ], "the one with the newest reply first, then by when they started"
    first = css(tree, ".cf-embed-discussions .cf-embed-item")[0]
    link = css(first, "a")[0]
    assert link.get("href") == f"http://localhost/forum/t/{oldest.id}/"
    assert css(first, "time")[0].get("datetime") == "2026-03-02T14:00:00+01:00", (
        "the reply's moment, in the site's time zone"
    )
    assert " ".join(first.text_content().split()) == (
        "De Avonden van Reve Last post Mar 2, 2026, 2:00 PM"
    ), "a title and a moment: no counts of replies, likes or views"
    more = css(tree, ".cf-embed-more a")[0]
    assert more.text_content() == "More in Leesclub"
    assert more.get("href") == "http://localhost/forum/c/leesclub/"
    links = css(tree, "a")
    assert links and all(a.get("target") == "_top" for a in links), "never a popup or a frame"
    assert not tree.xpath("//script | //*[@style] | //form | //img | //iframe")


def test_the_fragment_is_the_pages_widget_without_the_page(client: FlaskClient, club: Club) -> None:
    club.topic("De Avonden van Reve")
    page = text(client.get(widget_url(), headers=EN))
    fragment = text(client.get(widget_url(suffix=".fragment"), headers=EN))
    assert not re.search(r"<(html|head|body|!doctype)", fragment, re.I)
    assert fragment.strip().startswith('<section class="cf-embed" lang="en"')
    # The same markup, one heading level down (the page's <h1> is the host's to give).
    lowered = re.sub(r"<(/?)h2", r"<\1h3", page.split("<main>")[1].split("</main>")[0])
    lowered = re.sub(r"<(/?)h1", r"<\1h2", lowered)
    assert " ".join(fragment.split()) == " ".join(lowered.split())


def test_the_json_holds_the_same_data(client: FlaskClient, club: Club) -> None:
    oldest = club.topic("De Avonden van Reve")
    club.topic("Tips voor zomerboeken")
    response = client.get(widget_url(suffix=".json"), headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["community"] == {
        "slug": "leesclub",
        "name": "Leesclub",
        "url": "http://localhost/forum/c/leesclub/",
    }
    assert data["language"] == "en"
    [section] = data["sections"]
    assert section["key"] == "discussions" and section["title"] == "Latest discussions"
    assert [item["title"] for item in section["items"]] == [
        "Tips voor zomerboeken",
        "De Avonden van Reve",
    ]
    last = section["items"][1]
    assert last["url"] == f"http://localhost/forum/t/{oldest.id}/"
    assert dt.datetime.fromisoformat(last["time"]) == START + dt.timedelta(hours=1)
    assert last["time_text"] == "Mar 2, 2026, 11:00\u00a0AM" and last["detail"] == ""
    assert set(last) == {"title", "url", "time", "time_text", "detail"}


def test_an_empty_community_says_so(client: FlaskClient, club: Club) -> None:
    tree = html_of(client.get(widget_url(), headers=EN))
    assert css(tree, ".cf-embed-empty")[0].text_content() == "No discussions yet."
    data = client.get(widget_url(suffix=".json"), headers=EN).get_json()
    assert data["sections"][0]["items"] == []


def test_titles_are_escaped(client: FlaskClient, club: Club) -> None:
    club.topic("<script>alert(1)</script> & meer")
    body = text(client.get(widget_url(), headers=EN))
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; meer" in body


# -- only what anyone may read -----------------------------------------------------------


def test_closed_and_unknown_communities_give_the_same_404(
    client: FlaskClient,
    db: Session,
    club: Club,
    make_community: Callable[..., Community],
    make_member: Callable[..., Member],
) -> None:
    closed = make_community("mantelzorgers", members_only=True)
    patients = make_community("lotgenoten")
    require_patient_membership(db, patients)
    insider = make_member("Insider")
    add_member(db, closed, insider)
    forum.start_topic(
        db,
        actor_of(db, insider),
        closed,
        title="Respijtzorg",
        body="Wie heeft ervaring?",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="respijt",
        limits=LIMITS,
    )
    sign_in(client, insider)  # a member may read it, but the widget is public
    for suffix in SUFFIXES:
        answers = [
            client.get(widget_url(slug, suffix), headers=EN)
            for slug in ("mantelzorgers", "lotgenoten", "nergens", "%00", "x" * 300)
        ]
        assert [answer.status_code for answer in answers] == [404] * 5
        bodies = {answer.get_data() for answer in answers}
        assert len(bodies) == 1, f"{suffix}: the answers tell closed and unknown apart"
        assert "There is no public community at this address." in text(answers[0])
        assert "Respijtzorg" not in text(answers[0])
        assert {answer.headers.get("Content-Security-Policy") for answer in answers} != {None}
    assert client.get(widget_url("mantelzorgers", ".json"), headers=EN).get_json() == {
        "error": "There is no public community at this address."
    }


def test_held_topics_and_hidden_posts_stay_out(
    client: FlaskClient, db: Session, club: Club
) -> None:
    shown = club.topic("Boek van de maand")
    club.reply(shown, "Een verborgen antwoord vol scheldwoorden")
    reply = db.scalar(select(Post).where(Post.topic_id == shown.id).order_by(Post.id.desc()))
    assert reply is not None
    measures.take_measure(
        db,
        actor_of(db, club.moderator),
        Measure.HIDE_POST,
        Target(post=reply),
        Grounds(rule_id=_house_rule(db, club), explanation="Scheldwoorden horen hier niet."),
    )
    premoderation.set_premoderation(
        db, actor_of(db, club.moderator), club.community, Premoderation(hold_everything=True)
    )
    held = club.topic("Wacht op een moderator")
    assert held.held
    sign_in(client, club.member)  # its author: the forum shows it to them, the widget not
    for suffix in SUFFIXES:
        body = text(client.get(widget_url(suffix=suffix), headers=EN))
        assert "Boek van de maand" in body
        assert "Wacht op een moderator" not in body
        assert "scheldwoorden" not in body and "Opening words" not in body


def _house_rule(db: Session, club: Club) -> int:
    rule = rules.add_rule(
        db,
        actor_of(db, club.moderator),
        club.community,
        rules.RuleText("Wees vriendelijk", "Be kind", "Geen scheldwoorden.", "No name-calling."),
    )
    return rule.id


def test_the_answer_is_the_same_for_everyone_and_sets_no_cookie(
    client: FlaskClient, club: Club
) -> None:
    club.topic("Tips voor zomerboeken")
    anonymous = client.get(widget_url(), headers=EN)
    sign_in(client, club.moderator)
    moderator = client.get(widget_url(), headers=EN)
    assert anonymous.get_data() == moderator.get_data()
    for response in (anonymous, moderator):
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", ""), "caches may share it"


# -- the link's parameters ---------------------------------------------------------------


def test_limit_chooses_how_many_from_1_to_20(client: FlaskClient, club: Club) -> None:
    for n in range(7):
        club.topic(f"Onderwerp {n}")
    assert len(titles_in(client.get(widget_url(), headers=EN))) == 5, "five by default"
    assert titles_in(client.get(widget_url(query="limit=1"), headers=EN)) == ["Onderwerp 6"]
    assert len(titles_in(client.get(widget_url(query="limit=20"), headers=EN))) == 7
    data = client.get(widget_url(suffix=".json", query="limit=2"), headers=EN).get_json()
    assert len(data["sections"][0]["items"]) == 2


@pytest.mark.parametrize("limit", ["0", "21", "-1", "abc", "5.0", "", " 5", "٥", "99999999999"])
def test_a_bad_limit_is_a_400_in_words(client: FlaskClient, club: Club, limit: str) -> None:
    message = "“limit” must be a whole number from 1 to 20, such as limit=5."
    for suffix in SUFFIXES:
        response = client.get(widget_url(suffix=suffix), query_string={"limit": limit}, headers=EN)
        assert response.status_code == 400, (suffix, limit)
        if suffix == ".json":
            assert response.get_json() == {"error": message}
        else:
            assert message in text(response)


def test_the_language_follows_the_link_then_the_browser(client: FlaskClient, club: Club) -> None:
    club.topic("Boek van de maand")
    dutch = html_of(client.get(widget_url(query="lang=nl"), headers=EN))
    assert dutch.get("lang") == "nl"
    assert css(dutch, "time")[0].text_content() == "2 mrt 2026, 11:00"
    assert html_of(client.get(widget_url(), headers=NL)).get("lang") == "nl"
    assert html_of(client.get(widget_url(query="lang=en"), headers=NL)).get("lang") == "en"
    assert client.get(widget_url(suffix=".json", query="lang=nl")).get_json()["language"] == "nl"
    unknown = client.get(widget_url(query="lang=de"), headers=EN)
    assert unknown.status_code == 400 and "“lang” must be one of: nl, en." in text(unknown)


# -- headers -----------------------------------------------------------------------------


def strict_policy(ancestors: str) -> str:
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"form-action 'none'; frame-ancestors {ancestors}"
    )


def test_every_answer_has_strict_headers_whatever_the_host_adds(
    app: Flask, client: FlaskClient, make_community: Callable[..., Community]
) -> None:
    make_community("leesclub")

    @app.after_request
    def site_wide_headers(response: Any) -> Any:
        # What a host's security extension does to every page of its site.
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        response.headers["Cache-Control"] = "no-store"
        return response

    for url in [
        *(widget_url(suffix=s) for s in SUFFIXES),
        widget_url("nergens"),
        widget_url(query="limit=0"),
    ]:
        response = client.get(url, headers=EN)
        assert response.headers["Content-Security-Policy"] == strict_policy("'self'"), url
        assert "X-Frame-Options" not in response.headers, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert "Accept-Language" in response.headers["Vary"]
    forum_page = client.get("/forum/", headers=EN)
    assert forum_page.headers["X-Frame-Options"] == "DENY", "the rest of the site is the host's"


def test_frame_ancestors_follow_the_setting(tmp_path: Path, database_url: str) -> None:
    sites = ["'self'", "https://www.bibliotheek.example", "https://nieuwsbrief.example:8443"]
    with forum_app(database_url, tmp_path, CIVICFORUM_EMBED_ANCESTORS=sites) as app:
        with app.extensions["civicforum"].session_factory() as db:
            forum.create_community(db, slug="leesclub", name="Leesclub")
        response = app.test_client().get(widget_url())
    assert response.headers["Content-Security-Policy"] == strict_policy(" ".join(sites))


@pytest.mark.parametrize(
    ("origins", "asking", "allowed"),
    [
        ((), "https://www.bibliotheek.example", None),
        (
            ["https://www.bibliotheek.example"],
            "https://www.bibliotheek.example",
            "https://www.bibliotheek.example",
        ),
        (["https://www.bibliotheek.example"], "https://elders.example", None),
        (["*"], "https://elders.example", "*"),
    ],
)
def test_the_json_may_be_read_by_the_configured_origins_only(
    tmp_path: Path, database_url: str, origins: Any, asking: str, allowed: str | None
) -> None:
    with forum_app(database_url, tmp_path, CIVICFORUM_API_CORS_ORIGINS=origins) as app:
        with app.extensions["civicforum"].session_factory() as db:
            forum.create_community(db, slug="leesclub", name="Leesclub")
        client = app.test_client()
        response = client.get(widget_url(suffix=".json"), headers={"Origin": asking})
        page = client.get(widget_url(), headers={"Origin": asking})
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == allowed
    assert "Access-Control-Allow-Credentials" not in response.headers
    if origins and origins != ["*"]:
        assert "Origin" in response.headers["Vary"], "cached answers differ by origin"
    assert "Access-Control-Allow-Origin" not in page.headers, "only the JSON is for scripts"


# -- themes ------------------------------------------------------------------------------


def test_a_host_chooses_colours_through_a_stylesheet_of_the_forums_own(
    client: FlaskClient, club: Club
) -> None:
    page = html_of(
        client.get(widget_url(query="accent=%23005EA5&background=%23fbf8f1&font=serif"), headers=EN)
    )
    sheets = [link.get("href") for link in css(page, "link[rel=stylesheet]")]
    assert sheets[0] == "/forum/static/civicforum/embed.css"
    assert sheets[1].startswith("/forum/embed/theme.css?"), "from the site itself: style-src 'self'"
    theme = client.get(sheets[1])
    assert theme.status_code == 200 and theme.mimetype == "text/css"
    sheet = text(theme)
    assert "--cf-embed-accent: #005ea5;" in sheet and "--cf-embed-background: #fbf8f1;" in sheet
    assert "--cf-embed-text: #1b1b1b;" in sheet, "the colours not chosen come with it"
    assert "Georgia" in sheet
    assert theme.headers["X-Content-Type-Options"] == "nosniff"
    plain = html_of(client.get(widget_url(), headers=EN))
    assert len(css(plain, "link[rel=stylesheet]")) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("accent=005ea5", "“accent” must be a colour written as #rrggbb"),
        ("text=%23fff", "“text” must be a colour written as #rrggbb"),
        ("background=red", "“background” must be a colour written as #rrggbb"),
        ("accent=%23005ea5;}body{x", "“accent” must be a colour written as #rrggbb"),
        ("font=Comic%20Sans", "“font” must be one of: system-ui, sans-serif, serif."),
        (
            "accent=%23f39200",
            "The colours “accent” (#f39200) and “background” (#ffffff) have a contrast of 2.4:1",
        ),
        (
            "background=%23000000",
            "The colours “text” (#1b1b1b) and “background” (#000000) have a contrast of 1.2:1",
        ),
    ],
)
def test_unreadable_or_malformed_colours_are_refused_in_words(
    client: FlaskClient, club: Club, query: str, message: str
) -> None:
    for url in (widget_url(query=query), f"/forum/embed/theme.css?{query}"):
        response = client.get(url, headers=EN)
        assert response.status_code == 400, url
        assert message in text(response), text(response)


def test_the_stylesheets_own_colours_are_readable_light_and_dark() -> None:
    css = CSS.read_text()
    light = re.search(r":where\(\.cf-embed\) \{(.*?)\}", css, re.S)
    dark = re.search(r":where\(\.cf-embed-page \.cf-embed\) \{(.*?)\}", css, re.S)
    assert light and dark
    for block, palette in ((light.group(1), LIGHT), (dark.group(1), DARK)):
        colours = dict(re.findall(r"--cf-embed-(accent|text|background): (#[0-9a-f]{6});", block))
        assert colours == {
            "accent": palette.accent,
            "text": palette.text,
            "background": palette.background,
        }
        assert contrast(palette.text, palette.background) >= 4.5
        assert contrast(palette.accent, palette.background) >= 4.5
    assert "prefers-reduced-motion: reduce" in css and "prefers-color-scheme: dark" in css


# -- plugins: the events plugin's "Coming up" ------------------------------------------------


def plan_event(db: Session, club: Club, title: str, days: int, **changes: Any) -> int:
    starts = (START + dt.timedelta(days=days)).replace(tzinfo=None, hour=19, minute=30)
    details = EventDetails(
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue_name="Centrale Bibliotheek",
        venue_address="Stationsplein 1, Voorbeeldstad",
        **changes,
    )
    event = events.create_event(db, actor_of(db, club.moderator), club.community, details)
    return event.id


def test_the_events_plugin_adds_what_is_coming_up(
    client: FlaskClient, db: Session, club: Club
) -> None:
    later = plan_event(db, club, "Poëzieavond", 9)
    sooner = plan_event(db, club, "Leesclub: De Avonden", 2)
    page = client.get(widget_url(query="lang=en"), headers=EN)
    assert titles_in(page, "events") == ["Leesclub: De Avonden", "Poëzieavond"]
    tree = html_of(page)
    first = css(tree, ".cf-embed-events .cf-embed-item")[0]
    assert css(first, "a")[0].get("href") == f"http://localhost/forum/events/{sooner}/"
    assert css(first, "time")[0].get("datetime") == "2026-03-04T19:30:00+01:00"
    assert " ".join(css(first, ".cf-embed-meta")[0].text_content().split()) == (
        "Wednesday, March 4, 2026, 7:30 PM · Centrale Bibliotheek"
    )
    agenda = css(tree, ".cf-embed-events .cf-embed-section-more a")[0]
    assert agenda.get("href") == "http://localhost/forum/c/leesclub/events/"
    assert agenda.get("target") == "_top"

    dutch = NL_TEXT.ugettext
    nl = html_of(client.get(widget_url(query="lang=nl&limit=1"), headers=EN))
    assert css(nl, ".cf-embed-events h2")[0].text_content() == dutch("Coming up")
    assert css(nl, ".cf-embed-events .cf-embed-section-more a")[0].text_content() == dutch(
        "All events"
    )
    meta = css(nl, ".cf-embed-events .cf-embed-meta")[0].text_content()
    assert meta.startswith("woensdag 4 maart 2026, 19:30"), meta
    assert len(css(nl, ".cf-embed-events .cf-embed-item")) == 1, "limit holds here too"

    data = client.get(widget_url(suffix=".json"), headers=EN).get_json()
    section = data["sections"][1]
    assert section["key"] == "events" and section["title"] == "Coming up"
    assert section["more_url"] == "http://localhost/forum/c/leesclub/events/"
    assert [item["url"] for item in section["items"]] == [
        f"http://localhost/forum/events/{sooner}/",
        f"http://localhost/forum/events/{later}/",
    ]


NL_TEXT = translations("nl")


def test_a_cancelled_event_says_so(client: FlaskClient, db: Session, club: Club) -> None:
    event_id = plan_event(db, club, "Schrijfworkshop", 3)
    event = event_queries.get_event(db, event_id)
    events.cancel_event(db, actor_of(db, club.moderator), event)
    data = client.get(widget_url(suffix=".json"), headers=EN).get_json()
    assert data["sections"][1]["items"][0]["detail"] == "Cancelled · Centrale Bibliotheek"


def test_without_the_events_plugin_there_is_no_coming_up(tmp_path: Path, database_url: str) -> None:
    with forum_app(database_url, tmp_path / "on") as app:
        with app.extensions["civicforum"].session_factory() as db:
            community = forum.create_community(db, slug="leesclub", name="Leesclub")
            moderator = _member(db, "femke@example.org")
            add_member(db, community, moderator, Role.MODERATOR)
            starts = dt.datetime.now() + dt.timedelta(days=3)
            events.create_event(
                db,
                actor_of(db, moderator),
                community,
                EventDetails(
                    title="Poëzieavond", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
                ),
            )
        with_events = app.test_client().get(widget_url(suffix=".json"), headers=EN).get_json()
    assert [s["key"] for s in with_events["sections"]] == ["discussions", "events"]
    with forum_app(database_url, tmp_path / "off", CIVICFORUM_PLUGINS=[]) as app:
        without = app.test_client().get(widget_url(suffix=".json"), headers=EN).get_json()
        page = html_of(app.test_client().get(widget_url(), headers=EN))
    assert [s["key"] for s in without["sections"]] == ["discussions"]
    assert with_events["sections"][1]["items"][0]["title"] == "Poëzieavond"
    assert not css(page, ".cf-embed-events") and "Coming up" not in page.text_content()
    assert titles_in_tree(page) == ["Poëzieavond"], "its discussion is still a discussion"


def _member(db: Session, email: str) -> Member:
    return identity.register_local_account(
        db, email=email, password="correct horse battery", display_name="Femke"
    )


# -- in a host's own templates -----------------------------------------------------------


HOST_TEMPLATE = """<!doctype html><title>Bibliotheek</title>
{% from "civicforum/embed/macros.html" import latest_discussions %}
<main>{{ latest_discussions(slug, limit=2, lang=lang) }}</main>"""


def test_a_host_template_shows_the_same_widget_with_a_macro(
    app: Flask, client: FlaskClient, club: Club
) -> None:
    for n in range(3):
        club.topic(f"Onderwerp {n}")

    @app.get("/home/<slug>")
    def home(slug: str) -> str:
        return render_template_string(HOST_TEMPLATE, slug=slug, lang=request.args.get("lang"))

    shown = text(client.get("/home/leesclub", headers=EN))
    fragment = text(client.get(widget_url(suffix=".fragment", query="limit=2"), headers=EN))
    assert fragment.strip() in shown, "the same markup as the fragment the forum serves"
    assert titles_in(client.get("/home/leesclub", headers=EN)) == ["Onderwerp 2", "Onderwerp 1"]
    dutch = text(client.get("/home/leesclub?lang=nl", headers=EN))
    assert 'lang="nl"' in dutch and "mrt 2026" in dutch
    assert "<section" not in text(client.get("/home/nergens", headers=EN)), (
        "an unknown or closed community shows nothing, and the host's page still renders"
    )
