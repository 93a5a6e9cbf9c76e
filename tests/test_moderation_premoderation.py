"""Pre-moderation: a new member's first posts, or every post, wait for a moderator."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum import hookimpl, policy
from civicforum.errors import NotAllowed, ServiceError
from civicforum.events import PostHeld, PostPublished, TopicCreated
from civicforum.extension import state
from civicforum.forum import queries
from civicforum.forum import services as forum_services
from civicforum.forum.models import Role
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures, premoderation
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation

from .conftest import LIMITS
from .helpers import ModerationWorld, actor_of, add_member, moderation_world, sign_in
from .test_posting import EN, text


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


@pytest.fixture
def heard(app: Flask) -> list[object]:
    events: list[object] = []

    class Listener:
        @hookimpl
        def civicforum_event(self, event: object, settings: object) -> None:
            events.append(event)

    state(app).plugins.manager.register(Listener())
    return events


def hold(db: Session, world: ModerationWorld, setting: Premoderation) -> None:
    premoderation.set_premoderation(db, actor_of(db, world.moderator), world.community, setting)


def new_topic(db: Session, world: ModerationWorld, member: Member, title: str):  # type: ignore[no-untyped-def]
    return forum_services.start_topic(
        db,
        actor_of(db, member),
        world.community,
        title=title,
        body=f"Tekst van {title}",
        publish_as=PublishAs.PSEUDONYM,
        submission_token=title,
        limits=LIMITS,
    )


def reply(db: Session, world: ModerationWorld, member: Member, token: str):  # type: ignore[no-untyped-def]
    return forum_services.reply(
        db,
        actor_of(db, member),
        world.topic,
        body=f"Antwoord {token}",
        publish_as=PublishAs.PSEUDONYM,
        submission_token=token,
        limits=LIMITS,
    )


def test_a_new_members_first_posts_wait_unseen_until_approved(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member, heard: list[object]
) -> None:  # type: ignore[no-untyped-def]
    hold(db, world, Premoderation(hold_first_posts=2))
    newcomer = make_member("Nieuweling")
    add_member(db, world.community, newcomer)

    topic = new_topic(db, world, newcomer, "Mijn eerste vraag")
    answer = reply(db, world, newcomer, "eerste-antwoord")
    assert topic.held and answer.held
    # Plugins hear only that posts are held (search shows them to the author and the
    # moderators); nothing is published to the others.
    assert {type(event) for event in heard} == {PostHeld}

    # Others see neither the topic nor the reply; the author sees both.
    sign_in(client, world.reader)
    assert "Mijn eerste vraag" not in text(client.get("/forum/c/leesclub/", headers=EN))
    refused = client.get(f"/forum/t/{topic.id}/", headers=EN)
    assert refused.status_code == 403
    assert "This topic is waiting for a moderator" in text(refused)
    assert "Antwoord eerste-antwoord" not in text(client.get(f"/forum/t/{world.topic.id}/"))
    assert client.get(f"/forum/p/{answer.id}").status_code == 403
    newcomer_actor = actor_of(db, newcomer)
    own = queries.community_topics(
        db, world.community, 1, 20, policy.listed_topics_clause(newcomer_actor, world.community)
    )
    assert [t.title for t in own.items] == ["Mijn eerste vraag", "Wie leest er mee?"]

    # The moderators' queue, oldest first; a member may not approve.
    moderator = actor_of(db, world.moderator)
    queue = premoderation.held_posts(db, world.community)
    assert [p.body for p in queue] == ["Tekst van Mijn eerste vraag", "Antwoord eerste-antwoord"]
    with pytest.raises(NotAllowed):
        premoderation.approve(db, actor_of(db, world.reader), queue[0])
    for post in queue:
        premoderation.approve(db, moderator, post)
    with pytest.raises(ServiceError, match="not waiting for approval"):
        premoderation.approve(db, moderator, queue[0])

    assert TopicCreated(topic.id, world.community.id, newcomer.id) in heard
    assert PostPublished(answer.id, world.topic.id, world.community.id, newcomer.id) in heard
    assert "Mijn eerste vraag" in text(client.get("/forum/c/leesclub/", headers=EN))
    assert "Antwoord eerste-antwoord" in text(client.get(f"/forum/t/{world.topic.id}/"))
    db.refresh(world.topic)
    assert world.topic.post_count == 2

    # Two posts approved: the third is published at once.
    assert not reply(db, world, newcomer, "derde").held


def test_a_community_can_hold_everything_except_its_moderators_posts(
    db: Session, world: ModerationWorld
) -> None:
    hold(db, world, Premoderation(hold_everything=True))
    assert reply(db, world, world.author, "lid").held
    assert not reply(db, world, world.moderator, "moderator").held
    hold(db, world, Premoderation())
    assert not reply(db, world, world.author, "weer-vrij").held


def test_turning_a_held_post_down_gives_its_author_the_reasons(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    hold(db, world, Premoderation(hold_everything=True))
    held = reply(db, world, world.author, "te-fel")
    decision = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=held),
        Grounds(rule_id=world.rule.id, explanation="Dit is kwetsend."),
    )
    assert premoderation.held_posts(db, world.community) == []
    assert decision.member_id == world.author.id
    sign_in(client, world.reader)
    assert client.get(f"/forum/p/{held.id}").status_code == 403


def test_settings_are_for_moderators_and_bounded(db: Session, world: ModerationWorld) -> None:
    with pytest.raises(NotAllowed):
        premoderation.set_premoderation(
            db, actor_of(db, world.author), world.community, Premoderation(hold_everything=True)
        )
    with pytest.raises(
        ServiceError, match="Hold between 0 and 50 of a new member's first posts"
    ) as refused:
        hold(db, world, Premoderation(hold_first_posts=-1))
    assert refused.value.field == "hold_first_posts"
    assert premoderation.premoderation(db, world.community) == Premoderation()


def test_a_community_page_counts_the_topics_each_reader_is_listed(
    db: Session, world: ModerationWorld, make_member, make_community  # type: ignore[no-untyped-def]
) -> None:
    """The count made with the community (for its page numbers) agrees with the list:
    held topics count for their starter and the moderators only, and a moderator of
    another community counts them here no more than a reader does."""
    hold(db, world, Premoderation(hold_everything=True))
    new_topic(db, world, world.author, "Nog niet zichtbaar")
    elsewhere = make_community("elders")
    other_moderator = make_member("Elders")
    add_member(db, elsewhere, other_moderator, Role.MODERATOR)
    add_member(db, world.community, other_moderator)
    for member, expected in [
        (None, 1),
        (world.reader, 1),
        (other_moderator, 1),
        (world.author, 2),
        (world.moderator, 2),
        (world.admin, 2),
    ]:
        actor = actor_of(db, member)
        community, total = queries.community_and_topic_count(
            db, "leesclub", policy.listed_topics_clause(actor)
        )
        listed = queries.community_topics(
            db, community, 1, 20, policy.listed_topics_clause(actor, community)
        )
        assert total == len(listed.items) == expected, member
