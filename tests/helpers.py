"""Small helpers the tests share: signing a test client in, reading form tokens."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.identity.models import Member, MemberAttribute, PublishAs
from civicforum.identity.providers import SESSION_KEY, load_actor, session_stamp
from civicforum.moderation import rules
from civicforum.moderation.models import HouseRule
from civicforum.policy import Actor


def actor_of(db: Session, member: Member | None) -> Actor:
    return load_actor(db, member) if member is not None else Actor()


def add_member(db: Session, community: Community, member: Member, role: Role = Role.MEMBER) -> None:
    forum_services.set_role(db, community, member, role)


def sign_in(client: FlaskClient, member: Member | None) -> None:
    """Give the test client the forum session a successful sign-in would give it."""
    with client.session_transaction() as flask_session:
        if member is None:
            flask_session.pop(SESSION_KEY, None)
        else:
            flask_session[SESSION_KEY] = [member.id, session_stamp(member)]


def form_token(html: str, name: str = "csrf_token") -> str:
    """The value of a hidden input in a page, to submit its form as a browser would."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} field in the page"
    return match.group(1)


PATIENT_ATTRIBUTE = "patient-member"


def require_patient_membership(db: Session, community: Community) -> None:
    """Make a community readable and writable only with the patient-member attribute."""
    forum_services.set_requirements(
        db,
        community,
        forum_services.Requirements(
            read_attribute=PATIENT_ATTRIBUTE, post_attribute=PATIENT_ATTRIBUTE
        ),
        {PATIENT_ATTRIBUTE},
    )


def give_attribute(db: Session, member: Member, key: str = PATIENT_ATTRIBUTE) -> None:
    """What a sign-in through the test provider would have given the member."""
    member.attributes.append(MemberAttribute(key=key, provider="oidc:voorbeeldid"))
    db.commit()


def confidential_topic(
    db: Session, community: Community, author: Member, title: str, body: str
) -> int:
    """A topic in a patients' group, by an author who holds the attribute; its id."""
    give_attribute(db, author)
    add_member(db, community, author)
    topic = forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title=title,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token="confidential",
        limits=forum_services.Limits(max_title_length=150, max_post_length=20000),
    )
    return topic.id


# -- moderation --------------------------------------------------------------------------


class FrozenClock:
    """The forum's clock held still, moved only by the test, so timed measures can be seen
    to end: ``civicforum.clock.now`` and the posting services' own ``now``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: dt.datetime) -> None:
        self.moment = start
        monkeypatch.setattr("civicforum.clock.now", self.now)
        monkeypatch.setattr("civicforum.forum.services.now", self.now)

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@dataclass
class ModerationWorld:
    """A community with two moderators, an author with a topic, a reader, a site admin and
    one house rule."""

    community: Community
    moderator: Member
    second_moderator: Member
    author: Member
    reader: Member
    admin: Member
    rule: HouseRule
    topic: Topic
    post: Post

    def actor(self, db: Session, member: Member | None) -> Actor:
        return actor_of(db, member)


def moderation_world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    community = make_community("leesclub")
    moderator = make_member("Femke")
    second = make_member("Joost")
    author = make_member("Ans")
    reader = make_member("Bram")
    admin = make_member("Beheer", admin=True)
    add_member(db, community, moderator, Role.MODERATOR)
    add_member(db, community, second, Role.MODERATOR)
    add_member(db, community, author)
    add_member(db, community, reader)
    rule = rules.add_rule(
        db,
        actor_of(db, moderator),
        community,
        rules.RuleText(
            "Wees vriendelijk",
            "Be kind",
            "Vals of kwetsend taalgebruik hoort hier niet.",
            "No name-calling or hurtful language.",
        ),
    )
    topic = forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Wie leest er mee?",
        body="Ik lees De Avonden.",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="world-topic",
        limits=forum_services.Limits(max_title_length=150, max_post_length=20000),
    )
    post = db.scalars(select(Post).where(Post.topic_id == topic.id)).one()
    return ModerationWorld(community, moderator, second, author, reader, admin, rule, topic, post)


# -- trusted information -----------------------------------------------------------------


@dataclass
class CurationWorld:
    """A community with two editors, a member who posted, and a reader."""

    community: Community
    editor: Member
    second_editor: Member
    member: Member
    reader: Member
    topic: Topic
    post: Post


def curation_world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> CurationWorld:
    community = make_community("digitale-hulp")
    editor = make_member("Joost")
    second = make_member("Ingrid")
    member = make_member("Henk")
    reader = make_member("Bram")
    add_member(db, community, editor, Role.EDITOR)
    add_member(db, community, second, Role.EDITOR)
    add_member(db, community, member)
    add_member(db, community, reader)
    topic = forum_services.start_topic(
        db,
        actor_of(db, member),
        community,
        title="DigiD-app installeren",
        body="Leg het paspoort plat neer, dan lukt het scannen.",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="curation-topic",
        limits=forum_services.Limits(max_title_length=150, max_post_length=20000),
    )
    post = db.scalars(select(Post).where(Post.topic_id == topic.id)).one()
    return CurationWorld(community, editor, second, member, reader, topic, post)
