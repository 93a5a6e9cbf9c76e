"""Topics, replies, events and members as other servers read them: ``Page``, ``Note``,
``Event`` and ``Person``, on the addresses people read them at.

Only what an anonymous visitor may read in a federated community is answered; a member
appears under the name a post shows, as one of two unlinkable Persons, and a post
without a name is the Group's. Every id is fetched back, and every document expands as
JSON-LD with no term left undefined (with the vendored contexts, nothing fetched).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity.models import IdentityLevel, Member, PublishAs
from civicforum.moderation import measures
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.plugins.events import services as event_services
from civicforum.plugins.events.models import AttendanceMode, LocalEvent
from civicforum.plugins.events.services import EventDetails
from civicforum.plugins.federation import objects, services
from civicforum.plugins.federation.models import Person, RemoteActor, RemoteObject, SiteKey
from civicforum.privacy.erasure import erase_member

from .conftest import LIMITS, make_host_app
from .helpers import (
    ModerationWorld,
    actor_of,
    add_member,
    moderation_world,
    require_patient_membership,
)
from .test_federation_actor import assert_every_term_defined

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
EN = {"Accept-Language": "en"}
SITE = "http://localhost"
GROUP = f"{SITE}/forum/c/leesclub/"
FOLLOWERS = f"{GROUP}followers"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REAL_NAME = "Ans de Vries-Bakker"


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    """A federated community with moderators, an author (who has a real name too), a
    reader, a house rule and a topic by the author under her pseudonym."""
    found = moderation_world(db, make_member, make_community)
    found.author.real_name = REAL_NAME
    db.commit()
    services.enable(db, found.community)
    return found


def fetch(client: FlaskClient, url: str, accept: str = ACTIVITY_JSON) -> TestResponse:
    """GET an address (absolute, or a path) as another server would."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, headers={"Accept": accept, **EN})


def document(client: FlaskClient, url: str, accept: str = ACTIVITY_JSON) -> dict[str, Any]:
    response = fetch(client, url, accept)
    assert response.status_code == 200, response.get_data(as_text=True)
    found: dict[str, Any] = response.get_json(force=True)
    return found


def reply(
    db: Session,
    world: ModerationWorld,
    member: Member,
    body: str,
    publish_as: PublishAs = PublishAs.PSEUDONYM,
    warning: str | None = None,
) -> Post:
    return forum_services.reply(
        db,
        actor_of(db, member),
        world.topic,
        body=body,
        publish_as=publish_as.value,
        submission_token=f"reply-{body}",
        limits=LIMITS,
        warning=warning,
    )


def start_topic(
    db: Session, community: Community, member: Member, title: str, publish_as: PublishAs
) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, member),
        community,
        title=title,
        body=f"Over {title}.",
        publish_as=publish_as.value,
        submission_token=f"topic-{title}",
        limits=LIMITS,
    )


def take(db: Session, world: ModerationWorld, measure: Measure, post: Post, **options: Any) -> None:
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        measure,
        Target(post=post),
        Grounds(rule_id=world.rule.id, explanation="Zie de huisregels."),
        **options,
    )


def topic_url(topic: Topic | int) -> str:
    return f"{SITE}/forum/t/{topic if isinstance(topic, int) else topic.id}/"


def post_url(post: Post) -> str:
    return f"{SITE}/forum/p/{post.id}"


def persons(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Person)) or 0


def never_mentions(text: str, *, member: Member, email: str) -> None:
    """The member's account is nowhere in a document: not their e-mail address, and not
    their number (leaving out the numbers of the topics, posts and events it is about)."""
    assert email not in text
    without_objects = re.sub(r"/forum/(t|p|events)/[0-9]+", "", text)
    # A key's base64 holds digits that mean nothing.
    without_objects = re.sub(
        r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", "", without_objects, flags=re.S
    )
    assert re.search(rf"(?<![0-9a-z]){member.id}(?![0-9a-z])", without_objects) is None


# -- a topic is a Page, a reply a Note ---------------------------------------------------


def test_a_topic_answers_as_a_page(client: FlaskClient, world: ModerationWorld) -> None:
    response = fetch(client, topic_url(world.topic))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == ACTIVITY_JSON
    assert "Accept" in response.headers["Vary"]
    page = response.get_json(force=True)
    assert page["type"] == "Page"
    assert page["id"] == page["url"] == page["context"] == topic_url(world.topic)
    assert page["name"] == "Wie leest er mee?"
    assert page["content"] == "<p>Ik lees De Avonden.</p>\n"
    assert page["mediaType"] == "text/html"
    assert page["source"] == {"content": "Ik lees De Avonden.", "mediaType": "text/markdown"}
    assert page["audience"] == GROUP
    assert page["to"] == [GROUP, PUBLIC]
    assert page["published"] == world.post.created_at.isoformat()
    assert page["sensitive"] is False
    assert "summary" not in page and "updated" not in page and "inReplyTo" not in page
    author = document(client, page["attributedTo"])
    assert author["type"] == "Person"
    assert author["name"] == "Ans"


def test_a_reply_answers_as_a_note_in_reply_to_the_page(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.reader, "Ik ook, en *Max Havelaar*.")

    response = fetch(client, post_url(post), LD_JSON)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == LD_JSON
    assert "Accept" in response.headers["Vary"]
    note = response.get_json(force=True)
    assert note["type"] == "Note"
    assert note["id"] == note["url"] == post_url(post)
    assert note["inReplyTo"] == note["context"] == topic_url(world.topic)
    assert note["content"] == "<p>Ik ook, en <em>Max Havelaar</em>.</p>\n"
    assert note["source"] == {"content": "Ik ook, en *Max Havelaar*.", "mediaType": "text/markdown"}
    assert note["audience"] == GROUP
    assert note["to"] == [PUBLIC]
    assert note["cc"] == [GROUP, FOLLOWERS]
    assert note["published"] == post.created_at.isoformat()
    assert "name" not in note
    assert document(client, note["attributedTo"])["name"] == "Bram"


def test_an_edited_post_says_when(client: FlaskClient, db: Session, world: ModerationWorld) -> None:
    post = reply(db, world, world.reader, "Eerste versie.")
    forum_services.edit_post(
        db, actor_of(db, world.reader), post, body="Tweede versie.", limits=LIMITS
    )

    note = document(client, post_url(post))

    assert note["content"] == "<p>Tweede versie.</p>\n"
    assert note["source"]["content"] == "Tweede versie."
    assert post.edited_at is not None
    assert note["updated"] == post.edited_at.isoformat()


def test_content_warnings_fold_a_post_away(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.reader, "Over mijn vader.", warning="Over rouw")
    take(db, world, Measure.CONTENT_WARNING, post, label="Ziekte")

    note = document(client, post_url(post))

    assert note["summary"] == "Over rouw; Ziekte"
    assert note["sensitive"] is True
    assert note["content"] == "<p>Over mijn vader.</p>\n"


def test_the_permalink_of_an_opening_post_leads_to_the_page(
    client: FlaskClient, world: ModerationWorld
) -> None:
    response = fetch(client, post_url(world.post))

    assert response.status_code == 302
    assert response.headers["Location"] == topic_url(world.topic)
    assert "Accept" in response.headers["Vary"]


def test_every_id_is_answered_with_the_same_id(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.author, "Met echte naam.", PublishAs.REAL_NAME)
    event = plan_event(db, world)
    page = document(client, topic_url(world.topic))
    note = document(client, post_url(post))
    happening = document(client, f"{SITE}/forum/events/{event.id}/")

    ids = [
        page["id"],
        note["id"],
        happening["id"],
        page["attributedTo"],
        note["attributedTo"],
        note["inReplyTo"],
        happening["context"],
        happening["attributedTo"],
    ]
    for object_id in ids:
        assert document(client, object_id)["id"] == object_id
    assert len({page["attributedTo"], note["attributedTo"], GROUP}) == 3


def test_every_document_expands_with_no_undefined_term(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.reader, "Let op.", warning="Spoilers")
    forum_services.edit_post(db, actor_of(db, world.reader), post, body="Let op!", limits=LIMITS)
    hidden = reply(db, world, world.reader, "Weg ermee.")
    take(db, world, Measure.HIDE_POST, hidden)
    event = plan_event(db, world, online_url="https://meet.example/leesclub")
    page = document(client, topic_url(world.topic))
    person = document(client, page["attributedTo"])
    gone = fetch(client, post_url(hidden)).get_json(force=True)

    for found in (
        page,
        document(client, post_url(post)),
        document(client, f"{SITE}/forum/events/{event.id}/"),
        person,
        document(client, person["outbox"]),
        gone,
    ):
        assert_every_term_defined(found)


# -- who wrote it ------------------------------------------------------------------------


def test_posts_without_a_name_are_the_groups_and_make_no_person(
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    make_member: Callable[..., Member],
) -> None:
    verified = make_member("Carla", level=IdentityLevel.VERIFIED, real_name="Carla Jansen")
    add_member(db, world.community, verified)
    topic = start_topic(db, world.community, verified, "Een vraag in stilte", PublishAs.ANONYMOUS)
    answer = reply(db, world, verified, "Geverifieerd antwoord.", PublishAs.VERIFIED)
    assert verified.local_account is not None
    email = verified.local_account.email

    page = fetch(client, topic_url(topic))
    note = fetch(client, post_url(answer))

    assert page.get_json(force=True)["attributedTo"] == GROUP
    assert note.get_json(force=True)["attributedTo"] == GROUP
    for response in (page, note):
        text = response.get_data(as_text=True)
        assert "Carla" not in text
        never_mentions(text, member=verified, email=email)
    assert persons(db) == 0


def test_pseudonym_and_real_name_are_two_persons_that_cannot_be_linked(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    assert world.author.local_account is not None
    email = world.author.local_account.email
    by_real_name = reply(db, world, world.author, "Onder eigen naam.", PublishAs.REAL_NAME)

    pseudonym_id = document(client, topic_url(world.topic))["attributedTo"]
    real_name_id = document(client, post_url(by_real_name))["attributedTo"]

    assert pseudonym_id != real_name_id
    pseudonym = fetch(client, pseudonym_id).get_data(as_text=True)
    real_name = fetch(client, real_name_id).get_data(as_text=True)
    assert json.loads(pseudonym)["name"] == "Ans"
    assert json.loads(real_name)["name"] == REAL_NAME
    assert REAL_NAME not in pseudonym and "de Vries" not in pseudonym
    assert '"Ans"' not in real_name
    for text in (pseudonym, real_name):
        never_mentions(text, member=world.author, email=email)
    tokens = [json.loads(text)["preferredUsername"] for text in (pseudonym, real_name)]
    assert all(re.fullmatch(r"[a-z2-7]{26}", token) for token in tokens)
    # Asked again, the same Persons: one per member and kind of name.
    assert document(client, topic_url(world.topic))["attributedTo"] == pseudonym_id
    assert persons(db) == 2


def test_a_person_says_only_its_name(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    person_id = document(client, topic_url(world.topic))["attributedTo"]

    person = document(client, person_id)

    assert set(person) == {
        "@context",
        "id",
        "type",
        "preferredUsername",
        "name",
        "url",
        "inbox",
        "outbox",
        "endpoints",
        "publicKey",
    }
    assert person["id"] == person["url"] == person_id
    assert person_id.startswith(f"{SITE}/forum/ap/p/")
    assert person["preferredUsername"] == person_id.rsplit("/", 1)[1]
    assert person["inbox"] == f"{SITE}/forum/inbox"
    assert person["endpoints"] == {"sharedInbox": f"{SITE}/forum/inbox"}
    # A key, as Lemmy wants of every actor: the one every Person of the forum shares,
    # so it ties this Person to no other.
    assert person["publicKey"]["id"] == f"{person_id}#main-key"
    assert person["publicKey"]["owner"] == person_id
    shared = db.get(SiteKey, 1)
    assert shared is not None
    assert person["publicKey"]["publicKeyPem"] == shared.public_key_pem
    outbox = document(client, person["outbox"])
    assert outbox["type"] == "OrderedCollection" and outbox["orderedItems"] == []
    # A browser gets the same document: a member has no page of their own.
    assert document(client, person_id, BROWSER)["id"] == person_id


def test_webfinger_finds_a_person_by_its_token(client: FlaskClient, world: ModerationWorld) -> None:
    person_id = document(client, topic_url(world.topic))["attributedTo"]
    token = person_id.rsplit("/", 1)[1]

    response = client.get(
        "/.well-known/webfinger", query_string={"resource": f"acct:{token}@localhost"}
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jrd+json"
    jrd = response.get_json(force=True)
    assert jrd["subject"] == f"acct:{token}@localhost"
    (link,) = [link for link in jrd["links"] if link["rel"] == "self"]
    assert link == {"rel": "self", "type": "application/activity+json", "href": person_id}
    assert document(client, link["href"])["preferredUsername"] == token
    elsewhere = client.get(
        "/.well-known/webfinger", query_string={"resource": f"acct:{token}@elsewhere.example"}
    )
    assert elsewhere.status_code == 404


def test_a_person_whose_name_or_member_is_gone_is_a_tombstone(
    client: FlaskClient, db: Session, world: ModerationWorld, tmp_path: Path
) -> None:
    real_name_post = reply(db, world, world.author, "Met naam.", PublishAs.REAL_NAME)
    pseudonym_id = document(client, topic_url(world.topic))["attributedTo"]
    real_name_id = document(client, post_url(real_name_post))["attributedTo"]
    real_token = real_name_id.rsplit("/", 1)[1]

    world.author.real_name = None
    db.commit()
    dropped = fetch(client, real_name_id)
    assert dropped.status_code == 410
    assert dropped.get_json(force=True) == {
        "@context": dropped.get_json(force=True)["@context"],
        "id": real_name_id,
        "type": "Tombstone",
        "formerType": "Person",
    }
    webfinger = {"resource": f"acct:{real_token}@localhost"}
    assert client.get("/.well-known/webfinger", query_string=webfinger).status_code == 404
    assert document(client, pseudonym_id)["name"] == "Ans"

    with client.application.app_context():
        erase_member(db, world.author, keep_posts=True, folder=tmp_path)

    erased = fetch(client, pseudonym_id)
    assert erased.status_code == 410
    assert erased.get_json(force=True)["type"] == "Tombstone"
    assert erased.get_json(force=True)["id"] == pseudonym_id
    # Posts kept by an erased member are by a former member: the Group's.
    assert document(client, topic_url(world.topic))["attributedTo"] == GROUP


def test_a_new_member_never_gets_the_address_of_an_erased_one(
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    make_member: Callable[..., Member],
    tmp_path: Path,
) -> None:
    # The newest member: SQLite may hand her number out again once she is erased.
    leaving = make_member("Zoë")
    add_member(db, world.community, leaving)
    old_id = document(client, post_url(reply(db, world, leaving, "Tot ziens.")))["attributedTo"]
    with client.application.app_context():
        erase_member(db, leaving, keep_posts=False, folder=tmp_path)

    arriving = make_member("Zoë")
    add_member(db, world.community, arriving)
    new_id = document(client, post_url(reply(db, world, arriving, "Hallo.")))["attributedTo"]

    assert new_id != old_id
    assert document(client, new_id)["name"] == "Zoë"
    assert fetch(client, old_id).status_code == 410


@pytest.mark.parametrize(
    "token",
    ["aaaaaaaaaaaaaaaaaaaaaaaaaa", "not-a-token", "a" * 400, "AAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_a_made_up_person_is_not_found(
    client: FlaskClient, world: ModerationWorld, token: str
) -> None:
    response = fetch(client, f"/forum/ap/p/{token}")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert fetch(client, f"/forum/ap/p/{token}/outbox").status_code == 404


def test_a_post_from_another_server_keeps_its_id_there(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    member = Member(display_name="ans@elders.example", display_name_key="ans@elders.example")
    db.add(member)
    db.flush()
    actor = RemoteActor(
        uri="https://elders.example/users/ans",
        host="elders.example",
        inbox="https://elders.example/users/ans/inbox",
        member_id=member.id,
    )
    db.add(actor)
    db.commit()
    add_member(db, world.community, member)
    post = reply(db, world, member, "Groeten van elders.")
    db.add(
        RemoteObject(
            uri="https://elders.example/notes/7", post_id=post.id, remote_actor_id=actor.id
        )
    )
    db.commit()

    response = fetch(client, post_url(post))

    assert response.status_code == 302
    assert response.headers["Location"] == "https://elders.example/notes/7"
    with client.application.test_request_context():
        note = objects.post_object(db, post)
    assert note["id"] == "https://elders.example/notes/7"
    assert note["attributedTo"] == "https://elders.example/users/ans"
    assert note["url"] == post_url(post)
    assert persons(db) == 0
    page = fetch(client, post_url(post), BROWSER)
    assert page.status_code == 302
    assert page.headers["Location"].startswith(f"/forum/t/{world.topic.id}/")


# -- what is not for everyone ------------------------------------------------------------


def test_what_waits_for_approval_is_not_found(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    set_premoderation(
        db, actor_of(db, world.moderator), world.community, Premoderation(hold_everything=True)
    )
    held_topic = start_topic(
        db, world.community, world.reader, "Nog niet goedgekeurd", PublishAs.PSEUDONYM
    )
    held_reply = reply(db, world, world.reader, "Wacht nog.")
    assert held_topic.held and held_reply.held

    for url in (topic_url(held_topic), post_url(held_reply)):
        response = fetch(client, url)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "approval" in response.get_json(force=True)["detail"]
        assert "Wacht nog" not in response.get_data(as_text=True)
    assert persons(db) == 0


def test_hidden_and_deleted_posts_are_tombstones(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    hidden = reply(db, world, world.reader, "Verborgen tekst.")
    deleted = reply(db, world, world.reader, "Weggehaalde tekst.")
    take(db, world, Measure.HIDE_POST, hidden)
    forum_services.delete_post(db, actor_of(db, world.reader), deleted)
    take(db, world, Measure.HIDE_POST, world.post)

    for url, former in (
        (post_url(hidden), "Note"),
        (post_url(deleted), "Note"),
        (topic_url(world.topic), "Page"),
    ):
        response = fetch(client, url)
        assert response.status_code == 410
        assert response.headers["Content-Type"] == ACTIVITY_JSON
        assert "Accept" in response.headers["Vary"]
        tombstone = response.get_json(force=True)
        assert {k: v for k, v in tombstone.items() if k != "@context"} == {
            "id": url,
            "type": "Tombstone",
            "formerType": former,
        }


def test_a_community_closed_to_anonymous_readers_has_no_objects(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.reader, "Alleen voor patiënten.")
    event = plan_event(db, world)
    require_patient_membership(db, world.community)

    for url in (topic_url(world.topic), post_url(post), f"{SITE}/forum/events/{event.id}/"):
        response = fetch(client, url)
        assert response.status_code == 406
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "Alleen voor" not in response.get_data(as_text=True)


def test_a_community_that_is_not_federated_keeps_its_pages(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    services.disable(db, world.community)

    assert fetch(client, topic_url(world.topic)).status_code == 406
    page = fetch(client, topic_url(world.topic), f"{ACTIVITY_JSON}, text/html;q=0.5")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "Ik lees De Avonden." in page.get_data(as_text=True)
    assert persons(db) == 0


def test_browsers_keep_getting_the_pages(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    post = reply(db, world, world.reader, "Gewoon lezen.")
    event = plan_event(db, world)

    topic_page = fetch(client, topic_url(world.topic), BROWSER)
    assert topic_page.status_code == 200
    assert topic_page.mimetype == "text/html"
    assert "Gewoon lezen." in topic_page.get_data(as_text=True)
    assert "Accept" in topic_page.headers["Vary"]
    permalink = fetch(client, post_url(post), "*/*")
    assert permalink.status_code == 302
    assert permalink.headers["Location"].endswith(f"/forum/t/{world.topic.id}/#post-{post.id}")
    event_page = fetch(client, f"{SITE}/forum/events/{event.id}/", BROWSER)
    assert event_page.status_code == 200
    assert event_page.mimetype == "text/html"
    assert "Accept" in event_page.headers["Vary"]
    assert persons(db) == 0


def test_unknown_objects_are_not_found(client: FlaskClient, world: ModerationWorld) -> None:
    for url in ("/forum/t/9999/", "/forum/p/9999", "/forum/events/9999/"):
        response = fetch(client, url)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"


# -- events ------------------------------------------------------------------------------


def plan_event(db: Session, world: ModerationWorld, **changes: Any) -> LocalEvent:
    starts = dt.datetime(2031, 5, 1, 19, 30)
    values: dict[str, Any] = {
        "title": "Leesavond in de bibliotheek",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "description": "We lezen **samen** voor.",
        "venue_name": "Bibliotheek Centrum",
        "venue_address": "Stationsplein 1, Voorbeeldstad",
    }
    if "online_url" in changes:
        values["attendance_mode"] = AttendanceMode.MIXED
    values.update(changes)
    return event_services.create_event(
        db, actor_of(db, world.moderator), world.community, EventDetails(**values)
    )


def test_an_event_answers_as_an_event_of_the_group(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    event = plan_event(db, world)
    url = f"{SITE}/forum/events/{event.id}/"

    response = fetch(client, url)

    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    found = response.get_json(force=True)
    assert found["type"] == "Event"
    assert found["id"] == found["url"] == url
    assert found["name"] == "Leesavond in de bibliotheek"
    assert found["content"] == "<p>We lezen <strong>samen</strong> voor.</p>\n"
    assert found["source"] == {"content": "We lezen **samen** voor.", "mediaType": "text/markdown"}
    # 19:30 in Amsterdam, summer time.
    assert found["startTime"] == "2031-05-01T17:30:00+00:00"
    assert found["endTime"] == "2031-05-01T19:30:00+00:00"
    assert found["location"] == {
        "type": "Place",
        "name": "Bibliotheek Centrum",
        "address": "Stationsplein 1, Voorbeeldstad",
    }
    assert found["attributedTo"] == found["audience"] == GROUP
    assert event.topic_id is not None
    assert found["context"] == topic_url(event.topic_id)
    # The organisers are not named: the community organises it.
    assert "Femke" not in response.get_data(as_text=True)


def test_an_event_online_has_its_link_as_a_place(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    event = plan_event(db, world, online_url="https://meet.example/leesclub")

    found = document(client, f"{SITE}/forum/events/{event.id}/")

    assert found["location"] == [
        {
            "type": "Place",
            "name": "Bibliotheek Centrum",
            "address": "Stationsplein 1, Voorbeeldstad",
        },
        {"type": "Place", "url": "https://meet.example/leesclub"},
    ]


def test_federation_works_without_the_events_plugin(database_url: str, tmp_path: Path) -> None:
    host = make_host_app(database_url, tmp_path / "site", CIVICFORUM_PLUGINS=["federation"])
    CivicForum(host, url_prefix="/forum")
    Base.metadata.create_all(state(host).engine)
    db = state(host).session_factory()
    try:
        community = forum_services.create_community(
            db, slug="leesclub", name="Leesclub", description="", house_rules="1. Wees aardig."
        )
        services.enable(db, community)
        author = Member(display_name="Ans", display_name_key="ans")
        db.add(author)
        db.commit()
        add_member(db, community, author)
        topic = start_topic(db, community, author, "Zonder agenda", PublishAs.PSEUDONYM)
        client = host.test_client()

        assert document(client, topic_url(topic))["name"] == "Zonder agenda"
        assert fetch(client, "/forum/events/1/").status_code == 404
    finally:
        db.close()
