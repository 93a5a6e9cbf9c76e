"""The inboxes of a federated community, as another server meets them: signed follows are
accepted, replies from elsewhere become replies in the topic through the forum's own
rules, and whatever is unsigned, tampered, replayed, oversized, not ActivityStreams, about
unknown things, blocked or looping is refused with a 4xx and writes nothing.

The other server is :mod:`tests.fedremote`: real HTTP on loopback, so keys are really
fetched and deliveries really sent (the task queue runs them when the test says).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.errors import ServiceError
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity.models import Member
from civicforum.moderation import measures, premoderation
from civicforum.moderation.models import Measure
from civicforum.plugins.federation import blocks, services
from civicforum.plugins.federation.models import Follower, RemoteActor, RemoteObject
from civicforum.plugins.federation.signatures import sign_request, verify_request

from .conftest import LIMITS, make_host_app
from .fedremote import (
    ACTIVITY_JSON,
    AS,
    LOOPBACK_CONFIG,
    PUBLIC,
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
SHARED = "/forum/inbox"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(LOOPBACK_CONFIG)


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
def ada(remote: Remote) -> RemoteActorKeys:
    return remote.actor("ada", display_name="Ada")


@pytest.fixture
def topic(db: Session, club: Community, make_member: Callable[..., Member]) -> Topic:
    author = make_member("Bea")
    add_member(db, club, author)
    return forum_services.start_topic(
        db,
        actor_of(db, author),
        club,
        title="Which book next?",
        body="Tell me what you read.",
        publish_as="pseudonym",
        submission_token="t1",
        limits=LIMITS,
    )


def follow(remote: Remote, who: RemoteActorKeys, group: str = GROUP) -> dict[str, Any]:
    return {
        "@context": AS,
        "id": remote.new_id("follows"),
        "type": "Follow",
        "actor": who.id,
        "object": group,
    }


def note(remote: Remote, who: RemoteActorKeys, in_reply_to: str, text: str) -> dict[str, Any]:
    return {
        "id": remote.new_id("notes"),
        "type": "Note",
        "attributedTo": who.id,
        "inReplyTo": in_reply_to,
        "content": f"<p>{text}</p>",
        "to": [PUBLIC],
        "cc": [GROUP],
        "audience": GROUP,
    }


def create(remote: Remote, who: RemoteActorKeys, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": AS,
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": who.id,
        "object": obj,
        "to": obj["to"],
        "cc": obj["cc"],
    }


def topic_url(topic: Topic) -> str:
    return f"{HOST}/forum/t/{topic.id}/"


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def run_tasks(app: Flask) -> int:
    with app.app_context():
        return state(app).tasks.run_pending()


# -- following ---------------------------------------------------------------------------


def test_a_signed_follow_is_accepted_with_an_accept_signed_by_the_group(
    app: Flask,
    client: FlaskClient,
    db: Session,
    club: Community,
    remote: Remote,
    ada: RemoteActorKeys,
) -> None:
    activity = follow(remote, ada)
    response = post_signed(client, INBOX, activity, ada)

    assert response.status_code == 202
    assert count(db, Follower) == 1
    # The Accept goes out through the task queue, not during the request.
    assert remote.activities("Accept") == []
    run_tasks(app)
    [accept] = remote.activities("Accept")
    assert_every_term_defined(accept)
    assert accept["actor"] == GROUP
    assert accept["object"]["id"] == activity["id"]
    [received] = [r for r in remote.received if r.activity["type"] == "Accept"]
    assert received.path == "/users/ada/inbox"
    group = client.get(GROUP, headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    verified = verify_request(
        "POST",
        received.path,
        received.headers,
        received.body,
        public_key_pem=lambda key_id: group["publicKey"]["publicKeyPem"],
        seen=lambda digest: False,
    )
    assert verified.key_id == f"{GROUP}#main-key"


def test_the_forum_signs_its_fetches_as_itself_or_as_the_group(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    assert post_signed(client, INBOX, follow(remote, ada), ada).status_code == 202

    site = client.get("/forum/ap/site", headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    group = client.get(GROUP, headers={"Accept": ACTIVITY_JSON}).get_json(force=True)
    assert site["type"] == "Application"
    keys = {
        site["publicKey"]["id"]: site["publicKey"]["publicKeyPem"],
        group["publicKey"]["id"]: group["publicKey"]["publicKeyPem"],
    }
    assert remote.fetched and all(path == "/users/ada" for path in remote.fetched)
    signers = []
    for headers in remote.fetch_headers:
        verified = verify_request(
            "GET",
            "/users/ada",
            headers,
            b"",
            public_key_pem=keys.get,
            seen=lambda digest: False,
        )
        signers.append(verified.key_id)
    # The key is fetched as the forum (no community is known yet), the actor as the Group.
    assert signers[0] == f"{HOST}/forum/ap/site#main-key"
    assert set(signers) <= set(keys)
    # WebFinger finds the forum's own actor by the host's name, as Mastodon's.
    jrd = client.get("/.well-known/webfinger?resource=acct:localhost@localhost").get_json(
        force=True
    )
    assert jrd["links"][0]["href"] == site["id"]


def test_the_shared_inbox_takes_a_follow_for_the_group_it_names(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    assert post_signed(client, SHARED, follow(remote, ada), ada).status_code == 202
    assert count(db, Follower) == 1


def test_undo_of_a_follow_ends_it(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    activity = follow(remote, ada)
    post_signed(client, INBOX, activity, ada)
    undo = {
        "@context": AS,
        "id": remote.new_id(),
        "type": "Undo",
        "actor": ada.id,
        "object": activity,
    }
    assert post_signed(client, INBOX, undo, ada).status_code == 202
    assert count(db, Follower) == 0


def test_following_an_unknown_or_unfederated_community_is_refused(
    client: FlaskClient,
    db: Session,
    club: Community,
    make_community: Callable[..., Community],
    remote: Remote,
    ada: RemoteActorKeys,
) -> None:
    make_community("quiet-club")
    for target in (
        f"{HOST}/forum/c/quiet-club/",
        f"{HOST}/forum/c/nowhere/",
        "https://elsewhere.example/c/x",
    ):
        response = post_signed(client, SHARED, follow(remote, ada, target), ada)
        assert response.status_code == 404, target
    assert count(db, Follower) == 0
    assert count(db, RemoteActor) == 0


# -- signatures --------------------------------------------------------------------------


def test_unsigned_tampered_old_and_replayed_requests_are_refused_with_401(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    activity = follow(remote, ada)
    unsigned = client.post(INBOX, json=activity, content_type=ACTIVITY_JSON)
    tampered = post_signed(client, INBOX, activity, ada, tamper=True)
    old = post_signed(
        client, INBOX, activity, ada, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    )
    for response, words in ((unsigned, "not signed"), (tampered, "Digest"), (old, "Date")):
        assert response.status_code == 401
        assert words in response.get_json(force=True)["detail"]
    assert count(db, Follower) == 0

    body = json.dumps(activity).encode()
    headers = sign_request(
        "POST",
        f"{HOST}{INBOX}",
        key_id=ada.key_id,
        private_key_pem=ada.private_pem,
        body=body,
        headers={"Content-Type": ACTIVITY_JSON},
    )
    first = client.post(INBOX, data=body, headers=headers)
    again = client.post(INBOX, data=body, headers=headers)
    assert first.status_code == 202
    assert again.status_code == 401
    assert "before" in again.get_json(force=True)["detail"]


def test_a_signature_by_another_key_or_for_another_actor_is_refused(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    eve = remote.actor("eve")
    # Signed with Eve's private key, but naming Ada's key.
    forged = RemoteActorKeys(ada.id, eve.private_pem, eve.public_pem)
    assert post_signed(client, INBOX, follow(remote, ada), forged).status_code == 401
    # Eve's real signature on an activity that claims to be Ada's.
    response = post_signed(client, INBOX, follow(remote, ada), eve)
    assert response.status_code == 401
    assert "owner of the key" in response.get_json(force=True)["detail"]
    assert count(db, Follower) == 0


# -- bad input ---------------------------------------------------------------------------


def test_bodies_that_are_not_activitypub_json_are_refused(
    client: FlaskClient, db: Session, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    wrong_type = client.post(INBOX, data="{}", content_type="text/plain")
    assert wrong_type.status_code == 415
    huge = post_signed(client, INBOX, b"{" + b" " * (1024 * 1024) + b"}", ada)
    assert huge.status_code == 413
    not_json = post_signed(client, INBOX, b"not json at all", ada)
    assert not_json.status_code == 400
    not_as2 = post_signed(client, INBOX, {"hello": "world"}, ada)
    assert not_as2.status_code == 400
    for response in (wrong_type, huge, not_json, not_as2):
        assert response.headers["Content-Type"] == "application/problem+json"
    assert count(db, Follower) == 0
    assert count(db, RemoteActor) == 0


def test_an_announce_loop_is_refused(
    client: FlaskClient, club: Community, remote: Remote, ada: RemoteActorKeys
) -> None:
    inner = {"id": remote.new_id(), "type": "Announce", "actor": ada.id, "object": GROUP}
    looping = {
        "@context": AS,
        "id": remote.new_id(),
        "type": "Announce",
        "actor": ada.id,
        "object": inner,
    }
    response = post_signed(client, INBOX, looping, ada)
    assert response.status_code == 422
    assert "Announce of an Announce" in response.get_json(force=True)["detail"]


def test_actors_on_private_addresses_are_not_fetched_by_default(
    database_url: str, tmp_path: Any, remote: Remote, ada: RemoteActorKeys
) -> None:
    from .conftest import forum_app

    with forum_app(database_url, tmp_path / "strict", CIVICFORUM_FEDERATION_ALLOW_HTTP=True) as app:
        session = app.extensions["civicforum"].session_factory()
        community = forum_services.create_community(
            session,
            slug="reading-club",
            name="Reading club",
            description="",
            house_rules="1. Be kind.",
        )
        services.enable(session, community)
        session.close()
        response = post_signed(app.test_client(), INBOX, follow(remote, ada), ada)
    assert response.status_code == 401
    assert remote.fetched == []


# -- replies from elsewhere --------------------------------------------------------------


def test_a_reply_from_elsewhere_appears_in_the_topic_under_its_authors_name(
    client: FlaskClient, db: Session, topic: Topic, remote: Remote, ada: RemoteActorKeys
) -> None:
    reply = note(remote, ada, topic_url(topic), "I loved <em>Max Havelaar</em>.")
    response = post_signed(client, INBOX, create(remote, ada, reply), ada)

    assert response.status_code == 202
    page = client.get(f"/forum/t/{topic.id}/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Max Havelaar" in page
    assert f"Ada@{remote.base.removeprefix('http://')}" in page
    # The same Create again (its server retried): still one reply.
    again = post_signed(client, SHARED, create(remote, ada, reply), ada)
    assert again.status_code == 202
    assert count(db, RemoteObject) == 1
    assert db.scalar(select(Topic.post_count).where(Topic.id == topic.id)) == 2


def test_remote_html_is_sanitised_like_local_posts(
    client: FlaskClient, db: Session, topic: Topic, remote: Remote, ada: RemoteActorKeys
) -> None:
    hostile = note(remote, ada, topic_url(topic), "Hi")
    hostile["content"] = (
        '<p>Hi<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a></p>'
    )
    assert post_signed(client, INBOX, create(remote, ada, hostile), ada).status_code == 202
    db.expire_all()
    html = db.scalars(select(Post.body_html).order_by(Post.id.desc())).first() or ""
    assert "Hi" in html
    for danger in ("<script", "onerror", "javascript:"):
        assert danger not in html


def test_a_reply_to_something_unknown_is_refused_and_nothing_written(
    client: FlaskClient, db: Session, topic: Topic, remote: Remote, ada: RemoteActorKeys
) -> None:
    for target in (f"{HOST}/forum/t/9999/", "https://elsewhere.example/post/1", GROUP):
        response = post_signed(
            client, INBOX, create(remote, ada, note(remote, ada, target, "Hi")), ada
        )
        assert response.status_code == 404, target
    assert count(db, Post) == 1
    assert count(db, Member) == 1  # no member made for the stranger


def test_replies_from_elsewhere_wait_for_approval_in_a_premoderated_community(
    client: FlaskClient,
    db: Session,
    club: Community,
    topic: Topic,
    make_member: Callable[..., Member],
    remote: Remote,
    ada: RemoteActorKeys,
) -> None:
    moderator, rule = moderator_and_rule(db, club, make_member)
    premoderation.set_premoderation(
        db, actor_of(db, moderator), club, premoderation.Premoderation(hold_everything=True)
    )
    reply = note(remote, ada, topic_url(topic), "Held text")
    assert post_signed(client, INBOX, create(remote, ada, reply), ada).status_code == 202
    page = client.get(f"/forum/t/{topic.id}/").get_data(as_text=True)
    assert "Held text" not in page
    db.expire_all()
    assert [p.held for p in db.scalars(select(Post).where(Post.body.contains("Held text")))] == [
        True
    ]


def test_a_muted_remote_author_is_refused_with_the_reason(
    client: FlaskClient,
    db: Session,
    club: Community,
    topic: Topic,
    make_member: Callable[..., Member],
    remote: Remote,
    ada: RemoteActorKeys,
) -> None:
    first = note(remote, ada, topic_url(topic), "First")
    assert post_signed(client, INBOX, create(remote, ada, first), ada).status_code == 202
    moderator, rule = moderator_and_rule(db, club, make_member)
    db.expire_all()
    member = db.scalar(select(RemoteActor)).member  # type: ignore[union-attr]
    measures.take_measure(
        db,
        actor_of(db, moderator),
        Measure.MUTE,
        measures.Target(member=member, community=club),
        measures.Grounds(rule_id=rule.id, explanation="Repeated insults."),
        duration=dt.timedelta(days=1),
    )
    second = note(remote, ada, topic_url(topic), "Second")
    response = post_signed(client, INBOX, create(remote, ada, second), ada)
    assert response.status_code == 403
    assert count(db, Post) == 2


def test_updates_and_deletes_reach_only_the_authors_own_reply(
    client: FlaskClient, db: Session, topic: Topic, remote: Remote, ada: RemoteActorKeys
) -> None:
    reply = note(remote, ada, topic_url(topic), "Frist")
    post_signed(client, INBOX, create(remote, ada, reply), ada)
    eve = remote.actor("eve")
    changed = {**reply, "content": "<p>First</p>"}
    update = {
        "@context": AS,
        "id": remote.new_id(),
        "type": "Update",
        "actor": ada.id,
        "object": changed,
    }
    forged = {
        **update,
        "id": remote.new_id(),
        "actor": eve.id,
        "object": {**changed, "attributedTo": eve.id},
    }
    assert post_signed(client, INBOX, forged, eve).status_code == 403
    assert post_signed(client, INBOX, update, ada).status_code == 202
    db.expire_all()
    post = db.scalar(select(Post).join(RemoteObject, RemoteObject.post_id == Post.id))
    assert post is not None and post.body.strip() == "First"
    delete = {
        "@context": AS,
        "id": remote.new_id(),
        "type": "Delete",
        "actor": ada.id,
        "object": reply["id"],
    }
    assert post_signed(client, INBOX, delete, ada).status_code == 202
    db.expire_all()
    assert db.get(Post, post.id).deleted_at is not None  # type: ignore[union-attr]


def test_a_blocked_server_is_refused_before_its_key_is_fetched(
    client: FlaskClient,
    db: Session,
    club: Community,
    topic: Topic,
    make_member: Callable[..., Member],
    remote: Remote,
    ada: RemoteActorKeys,
) -> None:
    moderator, rule = moderator_and_rule(db, club, make_member)
    blocks.block(
        db,
        actor_of(db, moderator),
        club,
        kind=blocks.HOST,
        target=remote.base,
        rule_id=rule.id,
        reasons="Spam from this server, again and again.",
    )
    response = post_signed(
        client, INBOX, create(remote, ada, note(remote, ada, topic_url(topic), "Spam")), ada
    )
    assert response.status_code == 403
    assert remote.fetched == []
    assert count(db, Post) == 1


@pytest.mark.parametrize("host_protects_first", [True, False])
def test_inboxes_work_on_a_host_that_protects_every_post_against_csrf(
    database_url: str,
    tmp_path: Path,
    remote: Remote,
    ada: RemoteActorKeys,
    host_protects_first: bool,
) -> None:
    app = make_host_app(database_url, tmp_path / "protected", **LOOPBACK_CONFIG)
    if host_protects_first:
        CSRFProtect(app)
        CivicForum(app, url_prefix="/forum")
    else:
        CivicForum(app, url_prefix="/forum")
        CSRFProtect(app)
    Base.metadata.create_all(state(app).engine)
    with state(app).session_factory() as session:
        community = forum_services.create_community(
            session, slug="reading-club", name="Reading club", description="", house_rules=""
        )
        services.enable(session, community)
    client = app.test_client()

    assert post_signed(client, INBOX, follow(remote, ada), ada).status_code == 202
    assert (
        post_signed(
            client,
            SHARED,
            {
                "@context": AS,
                "id": remote.new_id(),
                "type": "Like",
                "actor": ada.id,
                "object": GROUP,
            },
            ada,
        ).status_code
        == 202
    )
    # The federation page's own form is still protected.
    assert client.post("/forum/c/reading-club/federation").status_code == 400
    state(app).engine.dispose()


def test_the_same_server_is_not_blocked_twice(
    db: Session, club: Community, make_member: Callable[..., Member]
) -> None:
    moderator, rule = moderator_and_rule(db, club, make_member)

    def block() -> None:
        blocks.block(
            db,
            actor_of(db, moderator),
            club,
            kind=blocks.HOST,
            target="spam.example",
            rule_id=rule.id,
            reasons="Spam, again and again.",
        )

    block()
    with pytest.raises(ServiceError) as refused:
        block()
    assert refused.value.field == "target"
    assert len(blocks.in_force(db, club.id)) == 1
