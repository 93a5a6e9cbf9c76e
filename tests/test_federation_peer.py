"""The forum's federation against a real, independently written ActivityPub server.

The sample site is served for real with *Leesclub* switched on (as its start command
does), its queued work (the deliveries) run by the web process's own worker thread, as
on a small site. The other server is Fedify (:mod:`tests.federationpeer`), with one person, alice. Everything is
checked as the people on either side would notice it: what alice's server finds, what it
receives and believes (Fedify verifies every signature before it records an activity),
and what the forum's topic page shows.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from civicforum.extension import state
from civicforum.forum import services as forum
from civicforum.forum.models import Topic
from civicforum.identity import services as identity
from civicforum.identity.providers import load_actor
from civicforum.plugins.federation import services as federation

from .browser.livesite import LiveSite, serve_sample_site
from .browser.visitors import demo_email
from .federationpeer import (
    FORUM_CONFIG,
    PEER_NAME,
    FederationPeer,
    PeerError,
    PeerStartError,
    running_peer,
    send_raw,
)

COMMUNITY = "leesclub"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"


@pytest.fixture(scope="module")
def site(
    make_database: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveSite]:
    """The sample site, talking to servers over http on loopback, with its deliveries
    run in the background by its own worker thread."""
    folder = tmp_path_factory.mktemp("federation-site")
    config = {**FORUM_CONFIG, "CIVICFORUM_TASK_WORKER": True}
    with (
        make_database(folder) as database_url,
        serve_sample_site(database_url, config) as served,  # Leesclub federated, as start.sh does
    ):
        try:
            yield served
        finally:
            state(served.app).tasks.stop()


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FederationPeer]:
    try:
        with running_peer(tmp_path_factory.mktemp("federation-peer")) as running:
            yield running
    except PeerStartError as error:
        pytest.fail(str(error), pytrace=False)


def host_of(site: LiveSite) -> str:
    return urlsplit(site.url).netloc


def group_id(site: LiveSite) -> str:
    return f"{site.url}/forum/c/{COMMUNITY}/"


def topic_url(site: LiveSite, key: str) -> str:
    """The address of a demo topic's page: the id of its ``Page``."""
    _post, topic = site.demo_post(key, 0)
    return f"{site.url}/forum/t/{topic}/"


def object_id(activity: dict[str, Any]) -> str | None:
    """The id of an activity's object, whether the peer could describe it or only name it."""
    inner = activity.get("object")
    return inner.get("id") if isinstance(inner, dict) else inner


def nested(activity: dict[str, Any], depth: int) -> dict[str, Any]:
    """The object ``depth`` levels into an activity (1: an Announce's Create)."""
    current = activity
    for _ in range(depth):
        inner = current.get("object")
        if not isinstance(inner, dict):
            return {}
        current = inner
    return current


def sha256_digest(body: bytes) -> str:
    """A ``Digest`` header's value for ``body`` (RFC 3230), worked out here."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def normalised_pem(pem: str) -> str:
    return "".join(pem.split())


def post_on_page(page: str, text: str) -> str | None:
    """The HTML of the one post on a topic page that contains ``text``, if any."""
    posts = [item for item in re.split(r'<li class="cf-post"', page)[1:] if text in item]
    assert len(posts) <= 1, f"{text!r} is in {len(posts)} posts on the page"
    return posts[0] if posts else None


def topic_page(url: str) -> str:
    status, _headers, body = send_raw("GET", url, headers={"Accept": "text/html"})
    assert status == 200, f"GET {url} answered {status}"
    return body.decode()


def wait_for_post(url: str, text: str, timeout: float = 15.0) -> str:
    """The post containing ``text`` on the topic page at ``url``, once it is there."""
    deadline = time.monotonic() + timeout
    while True:
        post = post_on_page(topic_page(url), text)
        if post is not None:
            return post
        assert time.monotonic() < deadline, f"{text!r} did not appear on {url} within {timeout} s"
        time.sleep(0.2)


# -- 1. finding the community ------------------------------------------------------------


def test_the_other_server_finds_the_community_by_its_name(
    site: LiveSite, peer: FederationPeer
) -> None:
    group = peer.look_up(f"{COMMUNITY}@{host_of(site)}")

    actor = group_id(site)
    assert group["type"] == "Group"
    assert group["id"] == actor
    assert group["name"] == "Leesclub"
    assert group["preferredUsername"] == COMMUNITY
    assert "boek van de maand" in group["summary"]
    assert group["inbox"] == f"{actor}inbox"
    assert group["sharedInbox"] == f"{site.url}/forum/inbox"
    with site.db() as db:
        community = forum.get_community(db, COMMUNITY)
        actor_row = federation.actor_of(db, community)
        assert actor_row is not None
        public_pem = actor_row.public_key_pem
    assert group["publicKey"]["id"] == f"{actor}#main-key"
    assert group["publicKey"]["owner"] == actor
    assert normalised_pem(group["publicKey"]["pem"]) == normalised_pem(public_pem)


def test_communities_that_are_not_federated_are_not_found(
    site: LiveSite, peer: FederationPeer
) -> None:
    # Public but not switched on; members-only (never federated).
    for slug in ("digitale-hulp", "mantelzorgers"):
        with pytest.raises(PeerError, match="found nothing"):
            peer.look_up(f"{slug}@{host_of(site)}")


# -- 2. following ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def followed(site: LiveSite, peer: FederationPeer) -> dict[str, Any]:
    """alice's ``Follow`` of the community, delivered (the forum answered 2xx)."""
    return peer.follow(f"{COMMUNITY}@{host_of(site)}")


def wait_for_accept(peer: FederationPeer, follow: dict[str, Any]) -> dict[str, Any]:
    return peer.wait_for(
        "an Accept of alice's Follow",
        lambda activity: activity["type"] == "Accept" and object_id(activity) == follow["id"],
    )


def test_a_follow_is_accepted_with_the_groups_signature(
    site: LiveSite, peer: FederationPeer, followed: dict[str, Any]
) -> None:
    actor = group_id(site)
    assert followed["object"] == actor

    accept = wait_for_accept(peer, followed)

    assert accept["actor"] == actor
    # Fedify checked the HTTP signature against the key the Group's document lists.
    assert accept["signature"] == {"keyId": f"{actor}#main-key", "owner": actor}
    assert accept["recipient"] == "alice"
    follow = accept["object"]
    assert follow["type"] == "Follow"
    assert follow["actor"] == peer.actor_id
    assert object_id(follow) == actor


# -- 3. what members write reaches the follower ------------------------------------------


def post_as(site: LiveSite, person: str, write: Callable[..., Any]) -> None:
    """Run ``write(db, actor, limits)`` as a demo person, through the forum's services."""
    with site.app.app_context(), site.db() as db:
        account = identity.find_account(db, demo_email(person))
        assert account is not None, f"the demo has no {person!r}"
        settings = state(site.app).settings
        limits = forum.Limits(settings.max_title_length, settings.max_post_length)
        write(db, load_actor(db, account.member), limits)


def test_a_new_topic_and_a_reply_reach_the_follower_announced_by_the_group(
    site: LiveSite, peer: FederationPeer, followed: dict[str, Any]
) -> None:
    wait_for_accept(peer, followed)
    actor = group_id(site)
    token = secrets.token_hex(4)
    title = f"Wie leest er mee met Hella Haasse? ({token})"
    reply_text = f"Luisterboeken van Haasse zijn er ook, via de app ({token})."

    def start(db: Any, member: Any, limits: forum.Limits) -> None:
        community = forum.get_community(db, COMMUNITY)
        forum.start_topic(
            db,
            member,
            community,
            title=title,
            body="Het woud der verwachting, iemand?",
            publish_as="pseudonym",
            submission_token=f"federation-peer:topic:{token}",
            limits=limits,
        )

    def reply(db: Any, member: Any, limits: forum.Limits) -> None:
        _post, topic_id = site.demo_post("zomerboeken", 0)
        topic = db.scalars(select(Topic).where(Topic.id == topic_id)).one()
        forum.reply(
            db,
            member,
            topic,
            body=reply_text,
            publish_as="pseudonym",
            submission_token=f"federation-peer:reply:{token}",
            limits=limits,
        )

    post_as(site, "anneke", start)
    post_as(site, "bram", reply)

    def announced(kind: str, text: str) -> Callable[[dict[str, Any]], bool]:
        def matches(activity: dict[str, Any]) -> bool:
            inner = nested(activity, 2)
            return (
                activity["type"] == "Announce"
                and nested(activity, 1).get("type") == "Create"
                and inner.get("type") == kind
                and text in ((inner.get("name") or "") + (inner.get("content") or ""))
            )

        return matches

    page = peer.wait_for("an Announce of the new topic as a Page", announced("Page", token))
    note = peer.wait_for("an Announce of the reply as a Note", announced("Note", reply_text))

    zomerboeken = topic_url(site, "zomerboeken")
    for activity in (page, note):
        assert activity["actor"] == actor
        assert activity["signature"] == {"keyId": f"{actor}#main-key", "owner": actor}
        assert PUBLIC in activity["to"] + activity["cc"]
    assert nested(page, 2)["name"] == title
    assert re.fullmatch(rf"{re.escape(site.url)}/forum/t/\d+/", nested(page, 2)["id"])
    assert nested(note, 2)["inReplyTo"] == zomerboeken
    assert nested(note, 2)["audience"] == actor


# -- 4. a reply from the other server ----------------------------------------------------


def test_a_reply_from_the_other_server_appears_under_its_authors_name(
    site: LiveSite, peer: FederationPeer
) -> None:
    token = secrets.token_hex(4)
    text = f"Ik kom ook, en ik neem appeltaart mee ({token})."
    url = topic_url(site, "bijeenkomst")

    peer.reply(url, group_id(site), f"<p>{text}</p>")

    post = wait_for_post(url, text)
    assert PEER_NAME in post
    assert "&lt;p&gt;" not in post  # its HTML was read as HTML, not shown as text


# -- 5. what is not signed, or not as it was signed --------------------------------------


def test_unsigned_and_tampered_deliveries_are_refused(site: LiveSite, peer: FederationPeer) -> None:
    token = secrets.token_hex(4)
    genuine = f"Tot donderdag! ({token})"
    forged = f"Gratis boeken bij mijn webwinkel ({token})"
    url = topic_url(site, "bijeenkomst")
    inbox = f"{group_id(site)}inbox"
    prepared = peer.prepare_reply(url, group_id(site), f"<p>{genuine}</p>", inbox)
    signed_body: str = prepared["body"]
    headers: dict[str, str] = prepared["headers"]
    assert genuine in signed_body and "signature" in headers
    spoiled_body = signed_body.replace(genuine, forged).encode()
    unsigned = {k: v for k, v in headers.items() if k.lower() not in ("signature", "digest")}

    attempts = {
        "unsigned, to the community's inbox": (inbox, unsigned, spoiled_body),
        "unsigned, to the shared inbox": (f"{site.url}/forum/inbox", unsigned, spoiled_body),
        "signed, with the text changed afterwards": (inbox, headers, spoiled_body),
        "signed, with the text and its digest changed afterwards": (
            inbox,
            {**headers, "digest": sha256_digest(spoiled_body)},
            spoiled_body,
        ),
    }
    answers = {}
    for name, (target, sent_headers, body) in attempts.items():
        status, _headers, answer = send_raw("POST", target, body=body, headers=sent_headers)
        answers[name] = (status, answer.decode(errors="replace")[:300])
    assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(
        attempts, 401
    ), answers

    # The same request as alice's server signed it is taken, once.
    status, _headers, answer = send_raw("POST", inbox, body=signed_body.encode(), headers=headers)
    assert status == 202, answer
    post_on_topic = wait_for_post(url, genuine)
    assert PEER_NAME in post_on_topic
    status, _headers, answer = send_raw("POST", inbox, body=signed_body.encode(), headers=headers)
    assert status == 401, f"a replayed delivery was answered {status}: {answer!r}"

    page = topic_page(url)
    assert forged not in page
    assert page.count(genuine) == 1
