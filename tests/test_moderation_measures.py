"""The ladder of measures: each one written down with its reasons, and really enforced."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import hookimpl
from civicforum.errors import NotAllowed, NotFound, ServiceError
from civicforum.events import PostHidden, PostRestored
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Post, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures, rules
from civicforum.moderation import queries as mod_queries
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Decision, Measure
from civicforum.moderation.statements import statement

from .conftest import LIMITS
from .helpers import (
    FrozenClock,
    ModerationWorld,
    actor_of,
    add_member,
    moderation_world,
    sign_in,
)
from .test_posting import EN, preview_then_publish, text

START = dt.datetime(2030, 3, 2, 10, 0, tzinfo=dt.UTC)
WHY = "Je noemde een ander lid een idioot."


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


@pytest.fixture
def heard(app: Flask) -> list[object]:
    """The domain events plugins are told of, after commit."""
    events: list[object] = []

    class Listener:
        @hookimpl
        def civicforum_event(self, event: object, settings: object) -> None:
            events.append(event)

    state(app).plugins.manager.register(Listener())
    return events


def act(
    db: Session,
    world: ModerationWorld,
    measure: Measure,
    target: Target,
    by: Member | None = None,
    **options: object,
) -> Decision:
    return measures.take_measure(
        db,
        actor_of(db, by or world.moderator),
        measure,
        target,
        Grounds(rule_id=world.rule.id, explanation=WHY),
        **options,  # type: ignore[arg-type]
    )


def reply(db: Session, world: ModerationWorld, member: Member, token: str) -> Post:
    return forum_services.reply(
        db,
        actor_of(db, member),
        world.topic,
        body=f"Reactie {token}",
        publish_as=PublishAs.PSEUDONYM,
        submission_token=token,
        limits=LIMITS,
    )


def decisions(db: Session) -> int:
    return db.scalar(select(func.count(Decision.id))) or 0


def test_hiding_a_post_keeps_it_for_its_author_with_the_reason(
    client: FlaskClient, db: Session, world: ModerationWorld, heard: list[object]
) -> None:
    decision = act(db, world, Measure.HIDE_POST, Target(post=world.post))

    assert decision.member_id == world.author.id and decision.decided_by_id == world.moderator.id
    assert (decision.rule_number, decision.rule_title_nl) == (1, "Wees vriendelijk")
    assert decision.explanation == WHY and decision.puid.startswith("cf-")
    assert PostHidden(world.post.id, world.topic.id, world.community.id) in heard

    sign_in(client, world.reader)
    refused = client.get(f"/forum/p/{world.post.id}", headers=EN)
    assert refused.status_code == 403
    assert "A moderator hid this post." in text(refused)
    assert "Ik lees De Avonden." not in text(refused)
    # In its topic the post keeps its place, without its text; it cannot be quoted either.
    topic_page = text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    assert "A moderator hid this post." in topic_page
    assert "Ik lees De Avonden." not in topic_page
    quoting = client.get(f"/forum/t/{world.topic.id}/reply?quote={world.post.id}", headers=EN)
    assert quoting.status_code == 403 and "Ik lees De Avonden." not in text(quoting)
    sign_in(client, world.author)
    assert client.get(f"/forum/p/{world.post.id}").status_code == 302
    own = text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    assert "Ik lees De Avonden." in own and "Hidden by a moderator" in own
    sign_in(client, world.second_moderator)
    assert client.get(f"/forum/p/{world.post.id}").status_code == 302
    assert "Ik lees De Avonden." in text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))

    sor = statement(decision)
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert sor["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert sor["incompatible_content_ground"] == "House rule 1: Be kind"
    assert sor["source_type"] == "SOURCE_VOLUNTARY"

    with pytest.raises(ServiceError, match="This post is hidden already."):
        act(db, world, Measure.HIDE_POST, Target(post=world.post), by=world.second_moderator)


def test_a_content_warning_labels_the_post_and_a_locked_topic_takes_no_replies(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    act(db, world, Measure.CONTENT_WARNING, Target(post=world.post), label="Over rouw")
    db.refresh(world.post)
    assert world.post.content_warning == "Over rouw"

    act(db, world, Measure.LOCK_TOPIC, Target(topic=world.topic))
    with pytest.raises(NotAllowed, match="This topic is locked: no new replies."):
        reply(db, world, world.reader, "na-slot")
    sign_in(client, world.reader)
    assert "Locked: no new replies" in text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))


def test_every_measure_needs_a_ground_and_an_explanation(
    db: Session, world: ModerationWorld, make_community
) -> None:  # type: ignore[no-untyped-def]
    moderator = actor_of(db, world.moderator)
    hide, post = Measure.HIDE_POST, Target(post=world.post)
    elsewhere = make_community("elders")
    foreign_rule = rules.add_rule(
        db,
        actor_of(db, world.admin),
        elsewhere,
        rules.RuleText("Anders", "Other", "Iets.", "Something."),
    )
    cases = [
        (Grounds(explanation=WHY), "Cite a house rule, or the legal ground"),
        (Grounds(rule_id=world.rule.id, legal_ground="Art. 261 Sr", explanation=WHY), "Cite a"),
        (Grounds(rule_id=world.rule.id, explanation="  "), "Explain why the house rule"),
        (Grounds(rule_id=foreign_rule.id, explanation=WHY), "one of this community's house rules"),
        (Grounds(legal_ground=" ", explanation=WHY), "Name the law the content breaks."),
    ]
    for grounds, message in cases:
        with pytest.raises(ServiceError, match=message):
            measures.take_measure(db, moderator, hide, post, grounds)
    assert decisions(db) == 0
    db.refresh(world.post)
    assert not world.post.is_hidden

    illegal = measures.take_measure(
        db,
        moderator,
        hide,
        post,
        Grounds(legal_ground="Art. 261 Wetboek van Strafrecht", explanation=WHY),
    )
    assert statement(illegal)["illegal_content_legal_ground"] == "Art. 261 Wetboek van Strafrecht"


def test_a_mute_must_last_a_while(db: Session, world: ModerationWorld) -> None:
    author = Target(member=world.author, community=world.community)
    for duration, message in [
        (None, "Say how long this measure lasts."),
        (dt.timedelta(0), "A measure must last longer than zero minutes."),
        (dt.timedelta(minutes=-5), "A measure must last longer than zero minutes."),
        (dt.timedelta(days=400), "A measure can last at most a year."),
    ]:
        with pytest.raises(ServiceError, match=message) as refused:
            act(db, world, Measure.MUTE, author, duration=duration)
        assert refused.value.field == "duration"
    assert decisions(db) == 0


def test_a_timed_mute_ends_by_itself(
    client: FlaskClient, db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    decision = act(
        db,
        world,
        Measure.MUTE,
        Target(member=world.reader, community=world.community),
        duration=dt.timedelta(hours=2),
    )
    assert decision.ends_at == START + dt.timedelta(hours=2)
    with pytest.raises(NotAllowed, match="muted in this community until 2030-03-02 12:00 UTC"):
        reply(db, world, world.reader, "gedempt")
    with pytest.raises(NotAllowed) as refused:
        forum_services.start_topic(
            db,
            actor_of(db, world.reader),
            world.community,
            title="Nieuw onderwerp",
            body="Tekst",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="gedempt-onderwerp",
            limits=LIMITS,
        )
    assert refused.value.verdict.until == START + dt.timedelta(hours=2)  # type: ignore[attr-defined]

    # Through the real pages, in the forum's time zone (Amsterdam, UTC+1 in March).
    sign_in(client, world.reader)
    _, published = preview_then_publish(client, f"/forum/t/{world.topic.id}/reply", body="Hallo")
    assert published.status_code == 422
    assert "You are muted in this community until" in text(published)
    assert "1:00" in text(published)

    clock.advance(hours=2, minutes=1)
    assert reply(db, world, world.reader, "weer-welkom").body == "Reactie weer-welkom"


def test_slow_mode_says_when_one_can_post_again(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    with pytest.raises(ServiceError, match="choose 1 to 1440 minutes between two posts"):
        act(db, world, Measure.SLOW_MODE, Target(topic=world.topic), interval_minutes=0)
    act(db, world, Measure.SLOW_MODE, Target(topic=world.topic), interval_minutes=10)
    reply(db, world, world.reader, "eerste")
    clock.advance(minutes=4)
    with pytest.raises(NotAllowed, match="You can post again at 2030-03-02 10:10 UTC."):
        reply(db, world, world.reader, "tweede")
    reply(db, world, world.moderator, "moderator-mag-wel")  # moderators are not slowed down
    reply(db, world, world.author, "ander-lid-mag-wel")  # one post per member
    clock.advance(minutes=6)
    reply(db, world, world.reader, "tweede")

    # Slow mode on a whole community, for a while: it ends by itself.
    act(
        db,
        world,
        Measure.SLOW_MODE,
        Target(community=world.community),
        interval_minutes=60,
        duration=dt.timedelta(hours=3),
    )
    new_topic = {
        "title": "Nog een onderwerp",
        "body": "Tekst",
        "publish_as": PublishAs.PSEUDONYM,
        "limits": LIMITS,
    }
    with pytest.raises(NotAllowed, match="one post every 60 minutes"):
        forum_services.start_topic(
            db, actor_of(db, world.reader), world.community, submission_token="t1", **new_topic
        )
    clock.advance(hours=3)
    topic = forum_services.start_topic(
        db, actor_of(db, world.reader), world.community, submission_token="t1", **new_topic
    )
    assert isinstance(topic, Topic) and not topic.held


def test_suspensions_and_bans_reach_every_community_and_are_for_site_admins(
    db: Session, world: ModerationWorld, make_community, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_community("elders")
    add_member(db, elsewhere, world.reader)
    target = Target(member=world.reader, community=world.community)
    with pytest.raises(NotAllowed, match="Only site administrators can suspend or ban"):
        act(db, world, Measure.SUSPENSION, target, duration=dt.timedelta(days=1))
    act(db, world, Measure.SUSPENSION, target, by=world.admin, duration=dt.timedelta(days=1))
    with pytest.raises(NotAllowed, match="Your account is suspended until 2030-03-03 10:00 UTC."):
        forum_services.start_topic(
            db,
            actor_of(db, world.reader),
            elsewhere,
            title="Elders dan",
            body="Tekst",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="elders",
            limits=LIMITS,
        )
    clock.advance(days=1)
    reply(db, world, world.reader, "terug")

    ban = act(db, world, Measure.BAN, target, by=world.admin)
    assert ban.ends_at is None
    assert statement(ban)["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    clock.advance(days=3650)
    with pytest.raises(NotAllowed, match="Your account has been banned from this forum."):
        reply(db, world, world.reader, "verbannen")


def test_a_moderator_does_not_decide_about_themselves(db: Session, world: ModerationWorld) -> None:
    with pytest.raises(ServiceError, match="Another moderator must decide about you."):
        act(
            db,
            world,
            Measure.WARNING,
            Target(member=world.moderator, community=world.community),
        )
    with pytest.raises(NotAllowed, match="Only this community's moderators"):
        act(db, world, Measure.WARNING, Target(post=world.post), by=world.reader)
    assert decisions(db) == 0


def test_a_decision_record_cannot_be_changed_or_removed(
    db: Session, world: ModerationWorld
) -> None:
    decision = act(db, world, Measure.WARNING, Target(post=world.post))
    # A warning is a decision too, but restricts nothing: no Transparency Database statement.
    with pytest.raises(ValueError, match="restricts nothing"):
        statement(decision)
    decision.explanation = "Toch iets anders."
    with pytest.raises(ValueError, match="immutable; explanation cannot change"):
        db.commit()
    db.rollback()
    db.delete(decision)
    with pytest.raises(ValueError, match="cannot be deleted"):
        db.commit()
    db.rollback()
    assert db.get(Decision, decision.id).explanation == WHY  # type: ignore[union-attr]


def test_lifting_a_measure_early_restores_what_it_changed(
    client: FlaskClient, db: Session, world: ModerationWorld, heard: list[object]
) -> None:
    hidden = act(db, world, Measure.HIDE_POST, Target(post=world.post))
    locked = act(db, world, Measure.LOCK_TOPIC, Target(topic=world.topic))
    warning = act(db, world, Measure.WARNING, Target(post=world.post))
    with pytest.raises(NotAllowed):
        measures.lift_measure(db, actor_of(db, world.reader), hidden)
    with pytest.raises(
        ServiceError, match="A note or a warning cannot be lifted: it restricts nothing."
    ):
        measures.lift_measure(db, actor_of(db, world.moderator), warning)

    measures.lift_measure(db, actor_of(db, world.second_moderator), hidden)
    measures.lift_measure(db, actor_of(db, world.moderator), locked)
    assert PostRestored(world.post.id, world.topic.id, world.community.id) in heard
    sign_in(client, world.reader)
    assert client.get(f"/forum/p/{world.post.id}").status_code == 302
    assert reply(db, world, world.reader, "weer-open").body == "Reactie weer-open"
    with pytest.raises(ServiceError, match="no longer in force"):
        measures.lift_measure(db, actor_of(db, world.moderator), hidden)
    assert [d.measure for d in measures.decisions_in_force(db, world.author)] == []


def test_a_topic_page_can_show_why_posts_are_hidden_or_labelled(
    db: Session, world: ModerationWorld
) -> None:
    other = reply(db, world, world.reader, "gelabeld")
    hidden = act(db, world, Measure.HIDE_POST, Target(post=world.post))
    labelled = act(db, world, Measure.CONTENT_WARNING, Target(post=other), label="Over rouw")
    found = mod_queries.decisions_on_posts(db, [world.post.id, other.id])
    assert found == {world.post.id: [hidden], other.id: [labelled]}
    assert found[world.post.id][0].explanation == WHY
    measures.lift_measure(db, actor_of(db, world.second_moderator), labelled)
    assert other.id not in mod_queries.decisions_on_posts(db, [world.post.id, other.id])
    assert mod_queries.get_decision(db, hidden.id).rule_title("nl") == "Wees vriendelijk"
    with pytest.raises(NotFound):
        mod_queries.get_decision(db, 999_999)
