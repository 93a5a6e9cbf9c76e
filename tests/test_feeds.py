"""Atom feeds and private feed addresses, as a feed reader and a calendar app use them.

Every feed fetched here is checked against RFC 4287's own schema (tests/schemas/atom.rng)
and the two rules the RFC states beside it, has unique atom:ids and names the address it
was fetched at as ``rel="self"``. Canary texts sit where visitors without an account must
not read them (a members-only community, one that asks an identity level, a post waiting
for approval, a hidden one, a deleted one, text behind a content warning): no public feed
shows them, and a private feed shows each only to the member whose page would.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

import civicforum.plugins.events as events_plugin
from civicforum import CivicForum, clock
from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.identity.models import IdentityLevel, Member, PublishAs
from civicforum.moderation import measures, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.plugins.events import services as event_services
from civicforum.tokens import services as tokens

from .conftest import LIMITS, make_host_app
from .eventpages import details
from .helpers import actor_of, add_member, sign_in

SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "schemas" / "atom.rng")))
NS = {"atom": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EN = {"Accept-Language": "en"}
HOST = "http://localhost"

# Texts that no public feed may show; each is readable on some page by some member.
MEMBERS_ONLY = "Canary-members-only-community"
READ_LEVEL = "Canary-confirmed-readers-only"
HELD = "Canary-waiting-for-approval"
HELD_TOPIC = "Canary-held-topic"
HIDDEN = "Canary-hidden-by-moderator"
DELETED = "Canary-deleted-by-author"
WARNED = "Canary-behind-author-warning"
LABELLED = "Canary-behind-moderator-label"
SECRET_NAME = "Geheime Gerrit"  # posts only anonymously
EVERY_CANARY = (MEMBERS_ONLY, READ_LEVEL, HELD, HELD_TOPIC, HIDDEN, DELETED, WARNED, LABELLED)


# -- the forum ---------------------------------------------------------------------------


def forum(database_url: str, folder: Path, **config: Any) -> Flask:
    """The forum with the events plugin (for private calendars), its tables created."""
    host = make_host_app(database_url, folder, **config)
    CivicForum(host, url_prefix="/forum", plugins=[events_plugin])
    Base.metadata.create_all(state(host).engine)
    return host


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    host = forum(database_url, tmp_path / "instance")
    yield host
    state(host).engine.dispose()


@dataclass
class World:
    """A public community *buurt* where every kind of hidden text sits, a members-only
    *kring*, and *zorg*, public but readable only from the identity level "confirmed"."""

    buurt: Community
    kring: Community
    zorg: Community
    moderator: Member
    author: Member
    gerrit: Member  # posts anonymously
    insider: Member  # member of kring
    confirmed: Member  # member of zorg, with the level it asks
    outsider: Member  # signed up, member of nothing
    topic: Topic  # in buurt
    kring_topic: Topic
    zorg_topic: Topic
    held_topic: Topic
    held_post: Post


def say(db: Session, member: Member, topic: Topic, body: str, **options: Any) -> Post:
    return forum_services.reply(
        db,
        actor_of(db, member),
        topic,
        body=body,
        publish_as=options.pop("publish_as", PublishAs.PSEUDONYM),
        submission_token=f"{member.id}-{body}",
        limits=LIMITS,
        **options,
    )


def start(db: Session, member: Member, community: Community, title: str, body: str) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, member),
        community,
        title=title,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=f"{member.id}-{title}",
        limits=LIMITS,
    )


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> World:
    buurt = make_community("buurt")
    kring = make_community("kring", members_only=True)
    zorg = make_community("zorg")
    forum_services.set_requirements(
        db, zorg, forum_services.Requirements(read_level=IdentityLevel.CONFIRMED), set()
    )
    moderator, author = make_member("Mila Moderator"), make_member("Ans Auteur")
    gerrit, insider = make_member(SECRET_NAME, level=IdentityLevel.VERIFIED), make_member("Ina")
    confirmed = make_member("Connie", level=IdentityLevel.CONFIRMED)
    outsider = make_member("Otto")
    add_member(db, buurt, moderator, Role.MODERATOR)
    for member in (author, gerrit, insider, confirmed):
        add_member(db, buurt, member)
    add_member(db, kring, insider, Role.MODERATOR)
    add_member(db, zorg, confirmed)
    rule = rules.add_rule(
        db,
        actor_of(db, moderator),
        buurt,
        rules.RuleText("Wees vriendelijk", "Be kind", "Niet schelden.", "No name-calling."),
    )

    topic = start(db, author, buurt, "Repair café in the library", "Bring your broken toaster.")
    say(db, gerrit, topic, "I will bring a lamp.", publish_as=PublishAs.ANONYMOUS)
    say(db, author, topic, WARNED, warning="spiders")
    labelled = say(db, author, topic, LABELLED)
    hidden = say(db, author, topic, HIDDEN)
    deleted = say(db, author, topic, DELETED)
    forum_services.delete_post(db, actor_of(db, author), deleted)
    for measure, post, label in [
        (Measure.HIDE_POST, hidden, None),
        (Measure.CONTENT_WARNING, labelled, "medical details"),
    ]:
        measures.take_measure(
            db,
            actor_of(db, moderator),
            measure,
            Target(post=post),
            Grounds(rule_id=rule.id, explanation="Against the house rules."),
            label=label,
        )
    say(db, insider, topic, "Last one to speak in public.")
    set_premoderation(db, actor_of(db, moderator), buurt, Premoderation(hold_everything=True))
    held_post = say(db, author, topic, HELD)
    held_topic = start(db, author, buurt, HELD_TOPIC, f"{HELD_TOPIC} body")
    assert held_post.held and held_topic.held

    kring_topic = start(db, insider, kring, "Board meeting", MEMBERS_ONLY)
    zorg_topic = start(db, confirmed, zorg, "Living with it", READ_LEVEL)
    return World(
        buurt,
        kring,
        zorg,
        moderator,
        author,
        gerrit,
        insider,
        confirmed,
        outsider,
        topic,
        kring_topic,
        zorg_topic,
        held_topic,
        held_post,
    )


def key_of(app: Flask, db: Session, member: Member) -> str:
    """The member's feed key, made as the settings page makes it."""
    key = tokens.feed_secret(db, member, state(app).settings.secret_key, create=True)
    assert key is not None
    return key


# -- reading feeds as a feed reader does -------------------------------------------------


def fetch(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def atom(client: FlaskClient, url: str, **headers: str) -> etree._Element:
    """A feed that must be there, checked against RFC 4287 and the address it came from."""
    response = fetch(client, url, **headers)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = etree.fromstring(response.get_data())
    assert SCHEMA.validate(root), f"{url}: {SCHEMA.error_log}"
    # The rules RFC 4287 states beside its schema (Schematron annotations there).
    entries = root.findall("atom:entry", NS)
    assert root.find("atom:author", NS) is not None or all(
        e.find("atom:author", NS) is not None for e in entries
    )
    for entry in entries:
        assert entry.find("atom:content", NS) is not None or entry.xpath(
            "atom:link[@rel='alternate' or not(@rel)]", namespaces=NS
        )
    ids = [root.findtext("atom:id", namespaces=NS)] + [
        e.findtext("atom:id", namespaces=NS) for e in entries
    ]
    assert len(ids) == len(set(ids)), f"{url}: atom:ids repeat: {ids}"
    assert link(root, "self") == HOST + url
    assert link(root, "alternate").startswith(HOST + "/forum/")
    return root


def link(element: etree._Element, rel: str) -> str:
    found = element.xpath(f"atom:link[@rel='{rel}']/@href", namespaces=NS)
    assert len(found) == 1, f"{len(found)} links rel={rel}"
    return str(found[0])


def words(root: etree._Element) -> str:
    """Everything a feed reader could show of a feed: its text, with the entries' HTML
    as written (escaped HTML is text to the parser)."""
    return " ".join(root.itertext())


def titles(root: etree._Element) -> list[str]:
    return [str(e.findtext("atom:title", namespaces=NS)) for e in root.findall("atom:entry", NS)]


def public_feeds(w: World) -> list[str]:
    return [
        "/forum/c/buurt/feed.atom",
        f"/forum/t/{w.topic.id}/feed.atom",
        "/forum/information/feed.atom",
        "/forum/c/buurt/reliable/feed.atom",
    ]


# -- what the feeds say ------------------------------------------------------------------


def test_a_community_feed_lists_its_topics_with_their_opening_posts(
    client: FlaskClient, db: Session, world: World
) -> None:
    later = start(db, world.moderator, world.buurt, "Second topic", "Newer than the first.")
    root = atom(client, "/forum/c/buurt/feed.atom")
    assert root.get(XML_LANG) == "en"
    assert link(root, "alternate") == f"{HOST}/forum/c/buurt/"
    # Newest activity first; the held topic is not there.
    assert titles(root) == ["Second topic", "Repair café in the library"]
    entry = root.findall("atom:entry", NS)[1]
    assert entry.findtext("atom:id", namespaces=NS) == f"{HOST}/forum/t/{world.topic.id}/"
    assert link(entry, "alternate") == f"{HOST}/forum/t/{world.topic.id}/"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Ans Auteur"
    assert entry.find("atom:content", NS).get("type") == "html"
    assert "<p>Bring your broken toaster.</p>" in entry.findtext("atom:content", namespaces=NS)
    # updated: the topic's last activity, the reply of the moderator's newer topic aside.
    db.refresh(world.topic)
    updated = dt.datetime.fromisoformat(entry.findtext("atom:updated", namespaces=NS) or "")
    assert abs(updated - world.topic.last_posted_at) < dt.timedelta(seconds=1)
    assert later.id != world.topic.id


def test_a_topic_feed_lists_the_posts_everyone_may_read_newest_first(
    client: FlaskClient, world: World
) -> None:
    root = atom(client, f"/forum/t/{world.topic.id}/feed.atom")
    assert link(root, "alternate") == f"{HOST}/forum/t/{world.topic.id}/"
    shown = words(root)
    assert "Last one to speak in public." in shown
    assert "I will bring a lamp." in shown
    entries = root.findall("atom:entry", NS)
    assert entries[0].findtext("atom:author/atom:name", namespaces=NS) == "Ina"
    # The opening post is the oldest, titled as the topic.
    assert titles(root)[-1] == "Repair café in the library"
    for entry in entries:
        assert re.fullmatch(rf"{HOST}/forum/p/\d+", entry.findtext("atom:id", namespaces=NS) or "")


def test_text_behind_a_content_warning_stays_behind_its_label(
    client: FlaskClient, world: World
) -> None:
    shown = words(atom(client, f"/forum/t/{world.topic.id}/feed.atom"))
    assert "Content warning: spiders" in shown
    assert "Content warning: medical details" in shown
    assert WARNED not in shown and LABELLED not in shown
    assert "Read the post on the forum" in shown


def test_anonymous_posts_name_nobody(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    key = key_of(app, db, world.gerrit)
    for url in [
        f"/forum/t/{world.topic.id}/feed.atom",
        f"/forum/feeds/{key}/t/{world.topic.id}.atom",
    ]:
        shown = words(atom(client, url))
        assert "anonymous member" in shown
        assert SECRET_NAME not in shown


def test_no_public_feed_shows_what_a_visitor_may_not_read(
    client: FlaskClient, db: Session, world: World
) -> None:
    # Reliable information in every community, the closed ones too; an editor of the
    # community that asks readers for a confirmed identity must have one.
    editor = world.moderator
    editor.identity_level = int(IdentityLevel.CONFIRMED)
    db.commit()
    for community in (world.buurt, world.kring, world.zorg):
        add_member(db, community, editor, Role.EDITOR)
        second = world.insider if community is world.kring else world.confirmed
        add_member(db, community, second, Role.EDITOR)
        verified_article(db, editor, second, community, f"Checked in {community.slug}")
    for url in public_feeds(world):
        shown = words(atom(client, url))
        for canary in EVERY_CANARY:
            assert canary not in shown, f"{canary} in {url}"
        assert "Checked in kring" not in shown and "Checked in zorg" not in shown
    assert "Checked in buurt" in words(atom(client, "/forum/information/feed.atom"))
    for url in [
        "/forum/c/kring/feed.atom",
        "/forum/c/zorg/feed.atom",
        "/forum/c/kring/reliable/feed.atom",
        "/forum/c/zorg/reliable/feed.atom",
        f"/forum/t/{world.kring_topic.id}/feed.atom",
        f"/forum/t/{world.zorg_topic.id}/feed.atom",
        f"/forum/t/{world.held_topic.id}/feed.atom",
        "/forum/c/nowhere/feed.atom",
        "/forum/c/no%00where/feed.atom",
        f"/forum/c/{'x' * 5000}/reliable/feed.atom",
        "/forum/t/2147483647/feed.atom",
        "/forum/t/99999999999/feed.atom",
    ]:
        assert fetch(client, url).status_code == 404, url


# -- reliable information ----------------------------------------------------------------


SOURCE = Source("Gemeente, Repair cafés", "https://gemeente.example/repair", dt.date(2024, 1, 1))


def verified_article(
    db: Session, editor: Member, second: Member, community: Community, title: str
) -> int:
    """An article written, approved by a second editor and so on display; its id."""
    source = SOURCE
    item = workflow.create_article(
        db, actor_of(db, editor), community, Content(title, f"{title}: the text.", (source,))
    )
    workflow.submit(db, actor_of(db, editor), item)
    workflow.approve(db, actor_of(db, second), item, clock.now() + dt.timedelta(days=90))
    return item.id


def test_reliable_information_is_what_its_page_lists(
    client: FlaskClient, db: Session, world: World
) -> None:
    add_member(db, world.buurt, world.author, Role.EDITOR)
    add_member(db, world.buurt, world.insider, Role.EDITOR)
    shown_id = verified_article(db, world.author, world.insider, world.buurt, "Opening hours")
    withdrawn_id = verified_article(db, world.author, world.insider, world.buurt, "Old rules")
    withdrawn = workflow.get_item(db, withdrawn_id)
    workflow.withdraw(db, actor_of(db, world.author), withdrawn, "No longer true.")
    workflow.create_article(
        db,
        actor_of(db, world.author),
        world.buurt,
        Content("A draft nobody checked", "Not yet.", (SOURCE,)),
    )
    for url in ["/forum/c/buurt/reliable/feed.atom", "/forum/information/feed.atom"]:
        root = atom(client, url)
        assert titles(root) == ["Opening hours"], url
        entry = root.find("atom:entry", NS)
        assert entry.findtext("atom:id", namespaces=NS) == f"{HOST}/forum/info/{shown_id}"
        text = entry.findtext("atom:content", namespaces=NS) or ""
        assert "Opening hours: the text." in text and "Checked by the editors" in text
    root = atom(client, "/forum/c/buurt/reliable/feed.atom")
    assert link(root, "alternate") == f"{HOST}/forum/c/buurt/reliable/"


# -- private addresses -------------------------------------------------------------------


def test_a_members_private_feeds_show_their_own_view(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    insider, confirmed = key_of(app, db, world.insider), key_of(app, db, world.confirmed)
    shown = words(atom(client, f"/forum/feeds/{insider}/c/kring.atom"))
    assert MEMBERS_ONLY in shown and "Board meeting" in shown
    shown = words(atom(client, f"/forum/feeds/{insider}/t/{world.kring_topic.id}.atom"))
    assert MEMBERS_ONLY in shown
    assert READ_LEVEL in words(atom(client, f"/forum/feeds/{confirmed}/c/zorg.atom"))
    assert READ_LEVEL in words(
        atom(client, f"/forum/feeds/{confirmed}/t/{world.zorg_topic.id}.atom")
    )
    # A public community through a private address: the same as its public feed.
    assert titles(atom(client, f"/forum/feeds/{insider}/c/buurt.atom")) == titles(
        atom(client, "/forum/c/buurt/feed.atom")
    )


def test_held_hidden_and_deleted_posts_stay_out_of_every_feed(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    """Their author and the moderators see them on the page, marked; a feed reader
    cannot mark them, so not even they get them in a feed."""
    for member in (world.author, world.moderator):
        key = key_of(app, db, member)
        for url in [
            f"/forum/feeds/{key}/c/buurt.atom",
            f"/forum/feeds/{key}/t/{world.topic.id}.atom",
        ]:
            shown = words(atom(client, url))
            for canary in (HELD, HELD_TOPIC, HIDDEN, DELETED, WARNED, LABELLED):
                assert canary not in shown, f"{canary} in {url} of {member.display_name}"
        # The held topic's page is theirs to see; its feed is nobody's yet.
        assert fetch(client, f"/forum/feeds/{key}/t/{world.held_topic.id}.atom").status_code == 404


def test_another_members_key_opens_only_that_members_view(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    outsider = key_of(app, db, world.outsider)
    unknown = fetch(client, "/forum/feeds/cff_not-a-key/c/kring.atom")
    assert unknown.status_code == 404
    for url in [
        f"/forum/feeds/{outsider}/c/kring.atom",
        f"/forum/feeds/{outsider}/c/zorg.atom",
        f"/forum/feeds/{outsider}/t/{world.kring_topic.id}.atom",
        f"/forum/feeds/{outsider}/t/{world.zorg_topic.id}.atom",
        f"/forum/feeds/{outsider}/c/kring/events.ics",
        f"/forum/feeds/{outsider}/c/nowhere.atom",
        f"/forum/feeds/{outsider}/c/no%00where.atom",
        "/forum/feeds/cff_%00/c/kring.atom",
        f"/forum/feeds/{'x' * 5000}/c/kring.atom",
        f"/forum/feeds/{outsider}/t/99999.atom",
    ]:
        refused = fetch(client, url)
        assert refused.status_code == 404, url
        # Word for word the answer to a key that does not exist: nothing says which part
        # of the address was wrong.
        assert refused.get_data() == unknown.get_data(), url
        for canary in EVERY_CANARY:
            assert canary.encode() not in refused.get_data()


def test_a_replaced_or_stopped_key_opens_nothing(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    old = key_of(app, db, world.insider)
    assert fetch(client, f"/forum/feeds/{old}/c/kring.atom").status_code == 200
    new = tokens.renew_feed_key(db, world.insider, state(app).settings.secret_key)
    assert fetch(client, f"/forum/feeds/{old}/c/kring.atom").status_code == 404
    assert fetch(client, f"/forum/feeds/{old}/c/kring/events.ics").status_code == 404
    assert MEMBERS_ONLY in words(atom(client, f"/forum/feeds/{new}/c/kring.atom"))
    tokens.stop_feed_key(db, world.insider)
    assert fetch(client, f"/forum/feeds/{new}/c/kring.atom").status_code == 404
    assert fetch(client, f"/forum/feeds/{new}/t/{world.kring_topic.id}.atom").status_code == 404


def test_leaving_a_community_closes_its_private_feed(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    key = key_of(app, db, world.confirmed)
    forum_services.leave(db, actor_of(db, world.confirmed), world.zorg)
    assert fetch(client, f"/forum/feeds/{key}/c/zorg.atom").status_code == 200  # public
    assert READ_LEVEL in words(atom(client, f"/forum/feeds/{key}/c/zorg.atom"))
    world.confirmed.identity_level = int(IdentityLevel.REGISTERED)
    db.commit()
    assert fetch(client, f"/forum/feeds/{key}/c/zorg.atom").status_code == 404


def test_private_addresses_keep_their_key_to_themselves(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    key = key_of(app, db, world.insider)
    event_services.grant_organiser_rights(
        db, actor_of(db, world.insider), world.kring, world.insider
    )
    for url in [
        f"/forum/feeds/{key}/c/kring.atom",
        f"/forum/feeds/{key}/t/{world.kring_topic.id}.atom",
        f"/forum/feeds/{key}/c/kring/events.ics",
        "/forum/feeds/cff_unknown/c/kring.atom",
        "/forum/feeds/cff_unknown/c/kring/events.ics",
        f"/forum/feeds/{key}/t/99999999999.atom",
    ]:
        response = fetch(client, url)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert "private" in response.headers["Cache-Control"], url
        assert response.headers["X-Robots-Tag"] == "noindex", url
        assert "Access-Control-Allow-Origin" not in response.headers


def test_a_calendar_app_subscribes_to_a_members_only_agenda(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    insider = actor_of(db, world.insider)
    event_services.create_event(db, insider, world.kring, details(title="Members' dinner"))
    assert fetch(client, "/forum/c/kring/events.ics").status_code == 403
    key = key_of(app, db, world.insider)
    response = fetch(client, f"/forum/feeds/{key}/c/kring/events.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Members' dinner"]


# -- HTTP --------------------------------------------------------------------------------


def test_a_feed_reader_asks_again_cheaply(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    key = key_of(app, db, world.insider)
    for url in [*public_feeds(world), f"/forum/feeds/{key}/c/kring.atom"]:
        first = fetch(client, url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        again = fetch(client, url, **{"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", url
        assert fetch(client, url, **{"If-Modified-Since": modified}).status_code == 304, url
        assert fetch(client, url, **{"If-None-Match": '"other"'}).status_code == 200, url
    first = fetch(client, f"/forum/t/{world.topic.id}/feed.atom")
    set_premoderation(
        db, actor_of(db, world.moderator), world.buurt, Premoderation(hold_everything=False)
    )
    say(db, world.author, world.topic, "Something new.")
    url = f"/forum/t/{world.topic.id}/feed.atom"
    changed = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "Something new." in words(atom(client, url))


def test_a_feed_speaks_the_readers_language(client: FlaskClient, world: World) -> None:
    dutch = fetch(client, "/forum/c/buurt/feed.atom", **{"Accept-Language": "nl"})
    english = fetch(client, "/forum/c/buurt/feed.atom", **{"Accept-Language": "en"})
    assert etree.fromstring(dutch.get_data()).get(XML_LANG) == "nl"
    assert etree.fromstring(english.get_data()).get(XML_LANG) == "en"
    assert "Accept-Language" in english.headers["Vary"]
    assert dutch.headers["ETag"] != english.headers["ETag"]


def cors_forum(database_url: str, folder: Path, origins: list[str]) -> Flask:
    host = forum(database_url, folder, CIVICFORUM_API_CORS_ORIGINS=origins)
    with state(host).session_factory() as db:
        if db.scalar(select(Community).where(Community.slug == "buurt")) is None:
            forum_services.create_community(db, slug="buurt", name="Buurt")
    return host


@pytest.mark.parametrize(
    ("origins", "asking", "allowed"),
    [
        ([], "https://www.bibliotheek.example", None),
        (["https://www.bibliotheek.example"], "https://www.bibliotheek.example", "same"),
        (["https://www.bibliotheek.example"], "https://elsewhere.example", None),
        (["*"], "https://elsewhere.example", "*"),
    ],
)
def test_pages_of_configured_origins_may_read_the_public_feeds(
    database_url: str, tmp_path: Path, origins: list[str], asking: str, allowed: str | None
) -> None:
    host = cors_forum(database_url, tmp_path / "cors", origins)
    try:
        client = host.test_client()
        for url in ["/forum/c/buurt/feed.atom", "/forum/information/feed.atom"]:
            response = client.get(url, headers={"Origin": asking})
            assert response.status_code == 200
            header = response.headers.get("Access-Control-Allow-Origin")
            assert header == (asking if allowed == "same" else allowed), url
        refused = client.get("/forum/feeds/cff_unknown/c/buurt.atom", headers={"Origin": asking})
        assert "Access-Control-Allow-Origin" not in refused.headers
    finally:
        state(host).engine.dispose()


# -- on the pages ------------------------------------------------------------------------


def discovered(page: str) -> list[str]:
    """The feeds a page announces in its <head> for feed readers to find."""
    head = page.split("</head>", 1)[0]
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', head
    )


def test_pages_announce_and_link_their_feeds(client: FlaskClient, world: World) -> None:
    page = fetch(client, "/forum/c/buurt/").get_data(as_text=True)
    assert discovered(page) == ["/forum/c/buurt/feed.atom"]
    assert re.search(
        r'<a class="cf-feed-link" href="/forum/c/buurt/feed.atom" type="application/atom\+xml">'
        r'Follow in a feed reader<span class="cf-visually-hidden"> \(Topics in Buurt\)</span></a>',
        page,
    )
    page = fetch(client, f"/forum/t/{world.topic.id}/").get_data(as_text=True)
    assert discovered(page) == [f"/forum/t/{world.topic.id}/feed.atom"]
    assert f'href="/forum/t/{world.topic.id}/feed.atom" type="application/atom+xml"' in page
    page = fetch(client, "/forum/c/buurt/reliable/").get_data(as_text=True)
    assert discovered(page) == ["/forum/c/buurt/reliable/feed.atom", "/forum/information/feed.atom"]
    assert 'href="/forum/c/buurt/reliable/feed.atom" type="application/atom+xml"' in page
    for url in discovered(page):
        atom(client, url)


def test_closed_communities_offer_members_their_private_addresses(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    page = fetch(client, "/forum/c/kring/").get_data(as_text=True)
    assert discovered(page) == [] and "cf-feed-link" not in page
    assert "/feeds/" not in page and "private address" not in page

    sign_in(client, world.insider)
    page = fetch(client, "/forum/c/kring/").get_data(as_text=True)
    assert discovered(page) == [] and "/feeds/" not in page
    assert 'href="/forum/account/settings#cf-feed-key"' in page

    key = key_of(app, db, world.insider)
    response = fetch(client, "/forum/c/kring/")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    feed = f"{HOST}/forum/feeds/{key}/c/kring.atom"
    calendar = f"{HOST}/forum/feeds/{key}/c/kring/events.ics"
    assert f'value="{feed}"' in page and f'value="{calendar}"' in page
    assert MEMBERS_ONLY in words(atom(client, feed.removeprefix(HOST)))
    page = fetch(client, f"/forum/t/{world.kring_topic.id}/").get_data(as_text=True)
    assert f'value="{HOST}/forum/feeds/{key}/t/{world.kring_topic.id}.atom"' in page

    # A member of another community sees no addresses here, and no key of anyone's.
    sign_in(client, world.outsider)
    key_of(app, db, world.outsider)
    page = fetch(client, "/forum/c/kring/").get_data(as_text=True)
    assert "/feeds/" not in page
    # Public pages have their public feed, so no private address.
    sign_in(client, world.insider)
    assert "/feeds/" not in fetch(client, "/forum/c/buurt/").get_data(as_text=True)
