"""Joining and leaving, requests to join, page numbers and permalinks, and bad URLs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum import queries, services
from civicforum.forum.models import Membership, Post, Role, Topic
from civicforum.identity.models import PublishAs
from civicforum.moderation import premoderation
from civicforum.moderation.premoderation import Premoderation

from .conftest import LIMITS
from .helpers import actor_of, add_member, form_token, sign_in

EN = {"Accept-Language": "en"}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def post_form(client: FlaskClient, page_url: str, action: str, **data: str) -> Any:
    page = text(client.get(page_url, headers=EN))
    return client.post(action, headers=EN, data={"csrf_token": form_token(page), **data})


def test_join_an_open_community_then_leave(
    client: FlaskClient, db: Session, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    make_community("leesclub")
    person = make_member("Noor")
    sign_in(client, person)
    page = text(client.get("/forum/c/leesclub/", headers=EN))
    assert "Join this community" in page and "Start a topic" not in page
    joined = post_form(client, "/forum/c/leesclub/", "/forum/c/leesclub/join")
    assert joined.status_code == 302
    page = text(client.get("/forum/c/leesclub/", headers=EN))
    assert "Welcome to Leesclub." in page and "Start a topic" in page
    assert post_form(client, "/forum/c/leesclub/", "/forum/c/leesclub/join").status_code == 403, (
        "joined once"
    )
    left = post_form(client, "/forum/c/leesclub/leave", "/forum/c/leesclub/leave")
    assert left.status_code == 302
    assert "You left Leesclub." in text(client.get("/forum/c/leesclub/", headers=EN))
    assert db.scalar(select(func.count(Membership.id))) == 0


def test_a_request_to_join_waits_for_a_moderator(
    client: FlaskClient, db: Session, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community = make_community("mantelzorg", members_only=True, approval=True)
    moderator = make_member("Femke")
    add_member(db, community, moderator, Role.MODERATOR)
    person = make_member("Ria")
    sign_in(client, person)
    post_form(client, "/forum/c/mantelzorg/", "/forum/c/mantelzorg/join")
    page = text(client.get("/forum/c/mantelzorg/", headers=EN))
    assert "waiting for a moderator" in page
    assert "visible to its members only" in page
    assert client.get("/forum/c/mantelzorg/new").status_code == 403

    sign_in(client, moderator)
    requests_page = text(client.get("/forum/c/mantelzorg/requests", headers=EN))
    assert "Ria" in requests_page
    membership = db.scalar(select(Membership).where(Membership.member_id == person.id))
    assert membership is not None
    answered = post_form(
        client,
        "/forum/c/mantelzorg/requests",
        "/forum/c/mantelzorg/requests",
        membership=str(membership.id),
        answer="accept",
    )
    assert answered.status_code == 302
    assert "Ria is now a member." in text(client.get("/forum/c/mantelzorg/requests", headers=EN))

    sign_in(client, person)
    assert "Start a topic" in text(client.get("/forum/c/mantelzorg/", headers=EN))


def test_a_declined_request_is_removed(
    client: FlaskClient, db: Session, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    community = make_community("mantelzorg", members_only=True, approval=True)
    moderator = make_member("Femke")
    add_member(db, community, moderator, Role.MODERATOR)
    person = make_member("Ria")
    services.join(db, actor_of(db, person), community)
    membership = db.scalar(select(Membership).where(Membership.member_id == person.id))
    sign_in(client, moderator)
    post_form(
        client,
        "/forum/c/mantelzorg/requests",
        "/forum/c/mantelzorg/requests",
        membership=str(membership.id),
        answer="decline",
    )  # type: ignore[union-attr]
    assert (
        db.scalar(select(func.count(Membership.id)).where(Membership.member_id == person.id)) == 0
    )


def test_outsiders_cannot_post_to_a_members_only_community(
    client: FlaskClient, db: Session, make_member, make_community
) -> None:  # type: ignore[no-untyped-def]
    make_community("mantelzorg", members_only=True)
    sign_in(client, make_member("Buiten"))
    page = text(client.get("/forum/", headers=EN))
    response = client.post(
        "/forum/c/mantelzorg/new",
        headers=EN,
        data={
            "csrf_token": form_token(page),
            "title": "Hallo",
            "body": "Ik wil posten",
            "publish": "1",
        },
    )
    assert response.status_code == 403
    assert db.scalar(select(func.count(Topic.id))) == 0


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"CIVICFORUM_POSTS_PER_PAGE": 5, "CIVICFORUM_TOPICS_PER_PAGE": 5}


def test_long_topics_have_numbered_pages_and_permalinks_land_on_the_right_one(
    client: FlaskClient,
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
) -> None:
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    actor = actor_of(db, author)
    topic = services.start_topic(
        db,
        actor,
        community,
        title="Lang gesprek",
        body="Bericht 0",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t",
        limits=LIMITS,
    )
    for n in range(1, 13):
        services.reply(
            db,
            actor,
            topic,
            body=f"Bericht {n}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"r{n}",
            limits=LIMITS,
        )
    posts = db.scalars(select(Post).order_by(Post.id)).all()
    page_1 = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert "Bericht 4" in page_1 and "Bericht 5" not in page_1
    assert f'href="/forum/t/{topic.id}/?page=3"' in page_1 and 'rel="next"' in page_1
    assert "Page 1 of 3" in page_1
    landing = client.get(f"/forum/p/{posts[7].id}")
    assert landing.headers["Location"] == f"/forum/t/{topic.id}/?page=2#post-{posts[7].id}"
    page_2 = text(client.get(f"/forum/t/{topic.id}/?page=2", headers=EN))
    assert f'id="post-{posts[7].id}"' in page_2 and "Bericht 7" in page_2
    assert (
        client.get(f"/forum/p/{posts[0].id}").headers["Location"]
        == f"/forum/t/{topic.id}/#post-{posts[0].id}"
    )


def test_community_topics_are_ordered_by_latest_activity_in_pages(
    client: FlaskClient,
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
) -> None:
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    actor = actor_of(db, author)
    topics = [
        services.start_topic(
            db,
            actor,
            community,
            title=f"Onderwerp nummer {n}",
            body="x",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"t{n}",
            limits=LIMITS,
        )
        for n in range(7)
    ]
    services.reply(
        db,
        actor,
        topics[0],
        body="weer actief",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="r",
        limits=LIMITS,
    )
    page_1 = text(client.get("/forum/c/leesclub/", headers=EN))
    titles = re.findall(r"Onderwerp nummer (\d)", page_1)
    assert titles == ["0", "6", "5", "4", "3"]
    assert re.findall(r"Onderwerp nummer (\d)", text(client.get("/forum/c/leesclub/?page=2"))) == [
        "2",
        "1",
    ]


@pytest.mark.parametrize("topic_count", [10, 11, 15, 16])
def test_every_page_of_a_topic_list_shows_each_topic_once_in_order(
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
    topic_count: int,
) -> None:
    """Pages in the later half are read from the other end: the pages still join up,
    whether the last one is full or not, with topics of the same moment and one held."""
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    actor = actor_of(db, author)
    for n in range(topic_count):
        services.start_topic(
            db,
            actor,
            community,
            title=f"Onderwerp {n}",
            body="x",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"t{n}",
            limits=LIMITS,
        )
    same = db.scalars(select(Topic).where(Topic.community_id == community.id)).all()
    for topic in same[2:6]:  # four topics of the very same moment
        topic.last_posted_at = same[1].last_posted_at
    same[8].held = True
    db.commit()
    expected = [
        t.id
        for t in sorted(
            (t for t in same if not t.held), key=lambda t: (t.last_posted_at, t.id), reverse=True
        )
    ]
    listed = []
    page_count = queries.community_topics(db, community, 1, 5).count
    for number in range(1, page_count + 1):
        page = queries.community_topics(db, community, number, 5)
        assert page.count == page_count
        listed += [t.id for t in page.items]
    assert listed == expected
    assert page_count == -(-len(expected) // 5)


@pytest.mark.parametrize("reply_count", [10, 11, 14, 18])
def test_every_page_of_a_topic_shows_each_post_once_in_order(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
    reply_count: int,
) -> None:
    """A visitor's later pages are read from the other end; a deleted post keeps its
    place, a held one is not listed to them."""
    app.config["CIVICFORUM_POSTS_PER_PAGE"] = 5
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    actor = actor_of(db, author)
    topic = services.start_topic(
        db,
        actor,
        community,
        title="Een lang gesprek",
        body="Bericht 0",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t",
        limits=LIMITS,
    )
    posts = [
        services.reply(
            db,
            actor,
            topic,
            body=f"Bericht {n}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"r{n}",
            limits=LIMITS,
        )
        for n in range(1, reply_count + 1)
    ]
    services.delete_post(db, actor, posts[3])
    moderator = make_member("Mo")
    add_member(db, community, moderator, Role.MODERATOR)
    premoderation.set_premoderation(
        db, actor_of(db, moderator), community, Premoderation(hold_everything=True)
    )
    held = services.reply(
        db,
        actor,
        topic,
        body="Nog even wachten",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="held",
        limits=LIMITS,
    )
    assert held.held
    published = [
        p.id for p in db.scalars(select(Post).where(Post.topic_id == topic.id, ~Post.held))
    ]
    pages = -(-len(published) // 5)

    def listed() -> list[int]:
        ids = []
        for number in range(1, pages + 1):
            html = text(client.get(f"/forum/t/{topic.id}/?page={number}", headers=EN))
            ids += [int(n) for n in re.findall(r'<li class="cf-post" id="post-(\d+)"', html)]
        return ids

    assert listed() == published
    assert client.get(f"/forum/t/{topic.id}/?page={pages + 1}").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "abc", "3", "99999999999999", "1.5", "%00", "²", "%C2%B2"])
def test_absurd_page_numbers_are_not_found(
    client: FlaskClient, db: Session, make_member, make_community, page: str
) -> None:  # type: ignore[no-untyped-def]
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    topic = services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Een",
        body="x",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t",
        limits=LIMITS,
    )
    for url in (f"/forum/c/leesclub/?page={page}", f"/forum/t/{topic.id}/?page={page}"):
        response = client.get(url, headers=EN)
        assert response.status_code == 404, url
        assert "There is no such page." in text(response) or "does not exist" in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/forum/c/geen-gemeenschap/",
        "/forum/t/999999/",
        "/forum/p/999999",
        "/forum/p/999999/history",
        "/forum/t/abc/",
        "/forum/p/999999/edit",
        "/forum/c/%ff%fe/",
        "/forum/t/99999999999999999999999/",
        "/forum/p/2147483648",
        "/forum/t/1/reply?quote=99999999999999999999",
    ],
)
def test_unknown_things_are_not_found_in_the_forum_layout(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers=EN)
    assert response.status_code == 404
    assert 'class="cf"' in text(response)
