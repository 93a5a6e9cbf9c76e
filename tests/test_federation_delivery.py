"""Sending a federated community's changes to the servers of its followers: announced
through the task queue, signed by the Group, retried with growing pauses, kept as dead
letters when every attempt failed, limited per server, and resumed after a restart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civicforum.clock import now
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic, Visibility
from civicforum.identity.models import Member
from civicforum.moderation import measures
from civicforum.moderation.models import Measure
from civicforum.plugins.federation import blocks, delivery, runtime, services
from civicforum.plugins.federation.delivery import HostSlots
from civicforum.plugins.federation.models import Delivery

from .conftest import LIMITS, forum_app
from .fedremote import (
    AS,
    LOOPBACK_CONFIG,
    Remote,
    RemoteActorKeys,
    moderator_and_rule,
    post_signed,
    remote_server,
)
from .helpers import actor_of, add_member
from .test_federation_actor import assert_every_term_defined

HOST = "http://localhost"
GROUP = f"{HOST}/forum/c/reading-club/"
INBOX = "/forum/c/reading-club/inbox"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**LOOPBACK_CONFIG, "CIVICFORUM_FEDERATION_DELIVERY_ATTEMPTS": 2}


@pytest.fixture
def remote() -> Iterator[Remote]:
    with remote_server() as server:
        yield server


@pytest.fixture
def club(db: Session, make_community: Callable[..., Community]) -> Community:
    community = make_community("reading-club")
    services.enable(db, community)
    return community


@pytest.fixture
def bea(db: Session, club: Community, make_member: Callable[..., Member]) -> Member:
    member = make_member("Bea", real_name="Beatrix Jansen")
    add_member(db, club, member)
    return member


@pytest.fixture
def ada(app: Flask, client: FlaskClient, club: Community, remote: Remote) -> RemoteActorKeys:
    """A follower on the remote server, whose Accept was delivered already."""
    who = remote.actor("ada")
    follow = {
        "@context": AS,
        "id": remote.new_id(),
        "type": "Follow",
        "actor": who.id,
        "object": GROUP,
    }
    assert post_signed(client, INBOX, follow, who).status_code == 202
    run_tasks(app)
    remote.received.clear()
    return who


def run_tasks(app: Flask, *, retries_too: bool = False) -> int:
    with app.app_context():
        return state(app).tasks.run_pending(retries_too=retries_too)


def as_request(app: Flask) -> Any:
    """Changes made as a page makes them: inside a request, so events reach the plugins."""
    return app.test_request_context("/forum/")


def start_topic(
    app: Flask, db: Session, member: Member, club: Community, publish_as: str = "pseudonym"
) -> Topic:
    with as_request(app):
        return forum_services.start_topic(
            db,
            actor_of(db, member),
            club,
            title="Which book next?",
            body="Tell me what you read.",
            publish_as=publish_as,
            submission_token=f"t-{publish_as}",
            limits=LIMITS,
        )


def reply(
    app: Flask, db: Session, member: Member, topic: Topic, text: str, publish_as: str = "pseudonym"
) -> Post:
    with as_request(app):
        return forum_services.reply(
            db,
            actor_of(db, member),
            topic,
            body=text,
            publish_as=publish_as,
            submission_token=f"r-{text}",
            limits=LIMITS,
        )


def deliveries(db: Session) -> list[Delivery]:
    """What the community sent besides the Accept of the follow."""
    db.expire_all()
    query = select(Delivery).where(Delivery.activity_type != "Accept").order_by(Delivery.id)
    return list(db.scalars(query))


# -- what is sent ------------------------------------------------------------------------


def test_a_new_topic_and_a_reply_are_announced_to_followers_after_the_request(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    topic = start_topic(app, db, bea, club)
    reply(app, db, bea, topic, "Max Havelaar, again.")

    # Nothing was sent while the changes were made: only queued.
    assert remote.received == []
    assert [d.activity_type for d in deliveries(db)] == ["Announce", "Announce"]
    run_tasks(app)
    page, note = [a["object"]["object"] for a in remote.activities("Announce")]
    assert {a["actor"] for a in remote.activities("Announce")} == {GROUP}
    assert [a["object"]["type"] for a in remote.activities("Announce")] == ["Create", "Create"]
    assert page["type"] == "Page" and page["name"] == "Which book next?"
    assert note["type"] == "Note" and "Max Havelaar" in note["content"]
    assert note["inReplyTo"] == page["id"]
    # What is sent expands as JSON-LD with every term defined, as what is served does.
    for sent in remote.activities("Announce"):
        assert_every_term_defined(sent)
    # Sent once to the server's shared inbox.
    assert {r.path for r in remote.received} == {"/inbox"}
    assert all(d.delivered_at is not None for d in deliveries(db))


def test_an_anonymous_reply_is_announced_as_the_groups_and_names_no_one(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    topic = start_topic(app, db, bea, club)
    reply(app, db, bea, topic, "Said without a name.", publish_as="anonymous")
    run_tasks(app)
    note = remote.activities("Announce")[-1]["object"]["object"]
    assert note["attributedTo"] == GROUP
    for body in (r.body.decode() for r in remote.received):
        if "Said without a name" in body:
            assert "Bea" not in body and "Beatrix" not in body


def test_edits_hides_and_deletes_follow_the_post_to_other_servers(
    app: Flask,
    db: Session,
    club: Community,
    bea: Member,
    make_member: Callable[..., Member],
    ada: RemoteActorKeys,
    remote: Remote,
) -> None:
    topic = start_topic(app, db, bea, club)
    first = reply(app, db, bea, topic, "Frist reply")
    second = reply(app, db, bea, topic, "Something rude")
    run_tasks(app)
    remote.received.clear()

    with as_request(app):
        forum_services.edit_post(db, actor_of(db, bea), first, body="First reply", limits=LIMITS)
    moderator, rule = moderator_and_rule(db, club, make_member)
    with as_request(app):
        measures.take_measure(
            db,
            actor_of(db, moderator),
            Measure.HIDE_POST,
            measures.Target(post=second),
            measures.Grounds(rule_id=rule.id, explanation="Rude."),
        )
    run_tasks(app)

    inner = [a["object"] for a in remote.activities("Announce")]
    assert [i["type"] for i in inner] == ["Update", "Delete"]
    assert "First reply" in inner[0]["object"]["content"]
    assert inner[1]["object"]["type"] == "Tombstone"
    assert inner[1]["object"]["id"] == inner[1]["object"]["id"]  # a Tombstone with the post's id
    assert "Something rude" not in remote.received[-1].body.decode()


def test_a_community_made_members_only_sends_nothing_more(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    club.visibility = Visibility.MEMBERS.value
    db.commit()
    topic = start_topic(app, db, bea, club)
    reply(app, db, bea, topic, "Members only now")
    run_tasks(app)
    assert deliveries(db) == []
    assert remote.received == []


def test_a_blocked_follower_receives_nothing(
    app: Flask,
    db: Session,
    club: Community,
    bea: Member,
    make_member: Callable[..., Member],
    ada: RemoteActorKeys,
    remote: Remote,
) -> None:
    moderator, rule = moderator_and_rule(db, club, make_member)
    blocks.block(
        db,
        actor_of(db, moderator),
        club,
        kind=blocks.ACTOR,
        target=ada.id,
        rule_id=rule.id,
        reasons="Harassing members in replies.",
    )
    start_topic(app, db, bea, club)
    run_tasks(app)
    assert remote.received == []


# -- when servers fail -------------------------------------------------------------------


def test_a_failing_server_is_tried_again_later_then_kept_as_a_dead_letter(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    remote.inbox_status = 503
    start_topic(app, db, bea, club)
    run_tasks(app)
    [row] = deliveries(db)
    assert row.attempts == 1 and row.last_error == "HTTP 503"
    assert row.given_up_at is None
    assert row.next_attempt_at is not None and row.next_attempt_at > now() + dt.timedelta(
        seconds=50
    )

    # Not due yet: a retry run now sends nothing.
    run_tasks(app, retries_too=True)
    assert deliveries(db)[0].attempts == 1
    db.execute(
        update(Delivery)
        .where(Delivery.id == row.id)
        .values(next_attempt_at=now() - dt.timedelta(seconds=1))
    )
    db.commit()
    # Its time has come: the worker's scan finds it.
    assert delivery.send_due(app) == 1
    run_tasks(app)
    [row] = deliveries(db)
    assert row.attempts == 2
    assert row.given_up_at is not None  # two attempts were allowed
    assert [d.id for d in delivery.dead_letters(db, club.id)] == [row.id]


def test_a_refusing_server_is_not_asked_again(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    remote.inbox_status = 403
    start_topic(app, db, bea, club)
    run_tasks(app)
    [row] = deliveries(db)
    assert row.attempts == 1 and row.given_up_at is not None and row.last_error == "HTTP 403"


def test_a_server_with_its_deliveries_under_way_waits_its_turn(
    app: Flask, db: Session, club: Community, bea: Member, ada: RemoteActorKeys, remote: Remote
) -> None:
    slots = HostSlots("memory://", 1)
    assert slots.take("a.example") and not slots.take("a.example")
    slots.give_back("a.example")
    assert slots.take("a.example")

    host = remote.base.removeprefix("http://")
    busy = runtime.of(app).slots
    assert busy.take(host) and busy.take(host)  # two, as many as a server may have
    start_topic(app, db, bea, club)
    run_tasks(app)
    assert remote.received == []
    [row] = deliveries(db)
    assert row.attempts == 0 and row.delivered_at is None
    busy.give_back(host)
    run_tasks(app, retries_too=True)
    assert len(remote.received) == 1


def test_deliveries_survive_a_restart(
    app: Flask,
    db: Session,
    club: Community,
    bea: Member,
    ada: RemoteActorKeys,
    remote: Remote,
    database_url: str,
    tmp_path: Path,
) -> None:
    start_topic(app, db, bea, club)
    # The process stops before its queue ran: the queue (in memory here) is lost.
    with forum_app(database_url, tmp_path / "restarted", **LOOPBACK_CONFIG) as restarted:
        assert delivery.send_due(restarted) == 1
        run_tasks(restarted)
    assert len(remote.activities("Announce")) == 1
    assert deliveries(db)[0].delivered_at is not None


def test_a_reply_from_elsewhere_is_announced_to_followers_by_its_own_id(
    app: Flask,
    client: FlaskClient,
    db: Session,
    club: Community,
    bea: Member,
    ada: RemoteActorKeys,
    remote: Remote,
) -> None:
    topic = start_topic(app, db, bea, club)
    run_tasks(app)
    remote.received.clear()
    cas = remote.actor("cas")
    note = {
        "id": remote.new_id("notes"),
        "type": "Note",
        "attributedTo": cas.id,
        "inReplyTo": f"{HOST}/forum/t/{topic.id}/",
        "content": "<p>From elsewhere</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [GROUP],
    }
    create = {
        "@context": AS,
        "id": f"{note['id']}/create",
        "type": "Create",
        "actor": cas.id,
        "object": note,
    }
    assert post_signed(client, INBOX, create, cas).status_code == 202
    run_tasks(app)
    [announce] = remote.activities("Announce")
    assert announce["actor"] == GROUP
    assert announce["object"] == note["id"]
