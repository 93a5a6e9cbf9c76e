"""Who may see and do what, as a matrix of roles × pages, through the real pages.

Members-only content must be invisible to everyone who is not an active member on every
page and permalink: not only refused, but absent from the HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum import services
from civicforum.forum.models import (
    Community,
    JoinPolicy,
    MembershipStatus,
    Post,
    Role,
    Topic,
    Visibility,
)
from civicforum.identity import services as identity_services
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import appeals, measures, rules
from civicforum.moderation.models import Appeal, Decision, Measure

from .conftest import LIMITS, PASSWORD, forum_app, fresh_database
from .helpers import actor_of, add_member, sign_in

ROLES = ["visitor", "outsider", "pending", "member", "moderator", "editor", "admin", "site_admin"]
SECRET_TITLE = "Vertrouwelijk onderwerp 7431"
SECRET_BODY = "Alleen voor leden bedoeld 9182"


@dataclass
class World:
    people: dict[str, Member | None]
    public: Community
    private: Community
    topics: dict[str, Topic]
    own_post_ids: dict[str, int]


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One forum for the whole matrix: the cases only read, so they can share it."""
    directory = tmp_path_factory.mktemp("matrix")
    with fresh_database(directory) as url, forum_app(url, directory / "instance") as host:
        yield host


@pytest.fixture(scope="module")
def matrix_db(matrix_app: Flask) -> Iterator[Session]:
    session = matrix_app.extensions["civicforum"].session_factory()
    yield session
    session.close()


@pytest.fixture
def client(matrix_app: Flask) -> FlaskClient:
    return matrix_app.test_client()


@pytest.fixture
def db(matrix_db: Session) -> Session:
    return matrix_db


@pytest.fixture(scope="module")
def world(matrix_db: Session) -> World:
    db = matrix_db
    public = services.create_community(db, slug="openbaar", name="Openbaar")
    private = services.create_community(
        db,
        slug="besloten",
        name="Besloten",
        visibility=Visibility.MEMBERS,
        join_policy=JoinPolicy.APPROVAL,
    )
    people: dict[str, Member | None] = {"visitor": None}
    for role in ROLES[1:]:
        member = identity_services.register_local_account(
            db,
            email=f"{role}@example.org",
            password=PASSWORD,
            display_name=role.replace("_", " ").title(),
        )
        member.is_site_admin = role == "site_admin"
        db.commit()
        people[role] = member
    for community in (public, private):
        for role, community_role in [
            ("member", Role.MEMBER),
            ("moderator", Role.MODERATOR),
            ("editor", Role.EDITOR),
            ("admin", Role.ADMIN),
        ]:
            add_member(db, community, people[role], community_role)  # type: ignore[arg-type]
    pending = people["pending"]
    assert pending is not None
    for community in (public, private):
        services.set_role(db, community, pending, Role.MEMBER)
        membership = actor_of(db, pending).membership(community)
        assert membership is not None
        membership.status = MembershipStatus.PENDING.value
        db.merge(membership)
        db.commit()
    starter = actor_of(db, people["member"])
    topics = {}
    for kind, community in (("public", public), ("private", private)):
        topics[kind] = services.start_topic(
            db,
            starter,
            community,
            title=f"{SECRET_TITLE} {kind}",
            body=f"{SECRET_BODY} {kind}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"t-{kind}",
            limits=LIMITS,
        )
    return World(people, public, private, topics, {})


# The pages of the matrix: name -> (url builder, method). Topic and post ids come from the world.
def urls(world: World, kind: str) -> dict[str, str]:
    community = world.public if kind == "public" else world.private
    topic = world.topics[kind]
    first_post_id = topic.id  # one post per topic in this world: ids line up
    return {
        "community": f"/forum/c/{community.slug}/",
        "topic": f"/forum/t/{topic.id}/",
        "topic_page_2": f"/forum/t/{topic.id}/?page=2",
        "permalink": f"/forum/p/{first_post_id}",
        "history": f"/forum/p/{first_post_id}/history",
        "new_topic": f"/forum/c/{community.slug}/new",
        "reply": f"/forum/t/{topic.id}/reply",
        "quote": f"/forum/t/{topic.id}/reply?quote={first_post_id}",
        "requests": f"/forum/c/{community.slug}/requests",
        "house_rules": f"/forum/c/{community.slug}/rules",
        "report": f"/forum/c/{community.slug}/report?post={first_post_id}",
        "moderation_queue": f"/forum/c/{community.slug}/moderation/",
        "held_posts": f"/forum/c/{community.slug}/moderation/held",
        "open_appeals": f"/forum/c/{community.slug}/moderation/appeals",
        "manage_rules": f"/forum/c/{community.slug}/moderation/rules",
        "manage_help": f"/forum/c/{community.slug}/moderation/help",
        "premoderation": f"/forum/c/{community.slug}/moderation/settings",
        "measure": f"/forum/c/{community.slug}/moderation/measure?post={first_post_id}",
        "moderation_log": f"/forum/c/{community.slug}/moderation-log",
        "transparency": f"/forum/c/{community.slug}/transparency",
        "transparency_csv": f"/forum/c/{community.slug}/transparency.csv",
        "my_decisions": "/forum/my/decisions",
        "my_reports": "/forum/my/reports",
        "moderation_overview": "/forum/moderation/",
        "reliable": f"/forum/c/{community.slug}/reliable/",
        "reliable_json": f"/forum/c/{community.slug}/reliable.json",
        "new_article": f"/forum/c/{community.slug}/reliable/new",
        "verify_post": f"/forum/p/{first_post_id}/verify",
        "editors_dashboard": "/forum/editors/",
    }


READERS = {"member", "moderator", "editor", "admin", "site_admin"}
WRITERS = {"member", "moderator", "editor", "admin", "site_admin"}
MANAGERS = {"moderator", "admin", "site_admin"}


def expected(kind: str, page: str, role: str) -> int:
    reads = kind == "public" or role in READERS
    if page == "community":
        return 200
    if page == "topic_page_2":
        return 404 if reads else 403
    if page in ("topic", "history"):
        return 200 if reads else 403
    if page == "permalink":
        return 302 if reads else 403
    if page in ("new_topic", "reply", "quote"):
        return 200 if role in WRITERS else 403
    if page == "requests":
        return 200 if role in MANAGERS else 403
    # Moderation: the rules, the log and the figures are public, also of a members-only
    # community; reporting is for whoever may read; the queues are for its moderators.
    if page in ("house_rules", "moderation_log", "transparency", "transparency_csv"):
        return 200
    if page == "report":
        return 200 if reads else 403
    if page in MODERATOR_PAGES:
        return 200 if role in MANAGERS else 403
    if page in ("my_decisions", "my_reports"):
        return 403 if role == "visitor" else 200
    if page == "moderation_overview":
        return 200 if role in MANAGERS else 403
    # Trusted information: read like the community, written by its editors.
    if page in ("reliable", "reliable_json"):
        return 200 if reads else 403
    if page in ("new_article", "verify_post", "editors_dashboard"):
        return 200 if role in EDITORS else 403
    raise AssertionError(page)


EDITORS = {"editor", "admin", "site_admin"}


MODERATOR_PAGES = (
    "moderation_queue",
    "held_posts",
    "open_appeals",
    "manage_rules",
    "manage_help",
    "premoderation",
    "measure",
)


CASES = [
    (kind, page, role)
    for kind in ("public", "private")
    for page in [
        "community",
        "topic",
        "topic_page_2",
        "permalink",
        "history",
        "new_topic",
        "reply",
        "quote",
        "requests",
        "house_rules",
        "report",
        *MODERATOR_PAGES,
        "moderation_log",
        "transparency",
        "transparency_csv",
        "my_decisions",
        "my_reports",
        "moderation_overview",
        "reliable",
        "reliable_json",
        "new_article",
        "verify_post",
        "editors_dashboard",
    ]
    for role in ROLES
]


@pytest.mark.parametrize(("kind", "page", "role"), CASES, ids=["-".join(c) for c in CASES])
def test_matrix(client: FlaskClient, world: World, kind: str, page: str, role: str) -> None:
    sign_in(client, world.people[role])
    response = client.get(urls(world, kind)[page], headers={"Accept-Language": "en"})
    assert response.status_code == expected(kind, page, role)
    html = response.get_data(as_text=True)
    if kind == "private" and role not in READERS:
        assert SECRET_TITLE not in html
        assert SECRET_BODY not in html
    if response.status_code in (403, 404):
        assert "<h1>" in html, "refusals render the forum's page, not a bare error"


def test_members_only_community_shows_how_to_get_in(client: FlaskClient, world: World) -> None:
    sign_in(client, world.people["outsider"])
    html = client.get("/forum/c/besloten/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "visible to its members only" in html
    assert "Ask to join" in html


def test_policy_clause_and_function_agree(db: Session, world: World) -> None:
    """The SQL clause used for cross-community lists says what can_view_community says."""
    from sqlalchemy import select

    from civicforum import policy

    for role in ROLES:
        actor = actor_of(db, world.people[role])
        by_sql = set(
            db.scalars(select(Community.id).where(policy.readable_communities_clause(actor)))
        )
        by_function = {
            c.id for c in (world.public, world.private) if policy.can_view_community(actor, c)
        }
        assert by_sql == by_function, role


# -- moderation: who may moderate, report, see a decision, appeal and decide appeals ------


@dataclass
class Moderated:
    """A warning about the member's public topic (not appealed), and a hidden post with an
    appeal, both decided by the moderator."""

    warning: Decision
    appealed: Appeal
    hidden_post: Post


@pytest.fixture(scope="module")
def moderated(matrix_db: Session, world: World) -> Moderated:
    db = matrix_db
    member, moderator = world.people["member"], world.people["moderator"]
    assert member is not None and moderator is not None
    rule = rules.add_rule(
        db,
        actor_of(db, moderator),
        world.public,
        rules.RuleText("Wees vriendelijk", "Be kind", "Geen gescheld.", "No name-calling."),
    )
    topic = services.start_topic(
        db,
        actor_of(db, member),
        world.public,
        title="Een fel onderwerp",
        body="Fel bericht 5521",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t-moderated",
        limits=LIMITS,
    )
    post = db.scalars(select(Post).where(Post.topic_id == topic.id)).one()
    grounds = measures.Grounds(rule_id=rule.id, explanation="Te fel.")
    warning = measures.take_measure(
        db, actor_of(db, moderator), Measure.WARNING, measures.Target(topic=topic), grounds
    )
    hidden = measures.take_measure(
        db, actor_of(db, moderator), Measure.HIDE_POST, measures.Target(post=post), grounds
    )
    appealed = appeals.submit_appeal(db, actor_of(db, member), hidden, "Onterecht.")
    return Moderated(warning, appealed, post)


@pytest.mark.parametrize("role", ROLES)
def test_moderation_matrix(db: Session, world: World, moderated: Moderated, role: str) -> None:
    from civicforum import policy

    actor = actor_of(db, world.people[role])
    for community in (world.public, world.private):
        assert bool(policy.can_moderate(actor, community)) == (role in MANAGERS)
        assert bool(policy.can_take_measure(actor, community, Measure.HIDE_POST)) == (
            role in MANAGERS
        )
        assert bool(policy.can_take_measure(actor, community, Measure.SUSPENSION)) == (
            role == "site_admin"
        )
        reads = community.is_public or role in READERS
        assert bool(policy.can_report(actor, community)) == reads
    concerned_or_moderating = MANAGERS | {"member"}
    assert bool(policy.can_view_decision(actor, moderated.warning)) == (
        role in concerned_or_moderating
    )
    assert bool(policy.can_appeal(actor, moderated.warning)) == (role == "member")
    # The moderator who decided may not decide the appeal; nor may the appellant.
    assert bool(policy.can_decide_appeal(actor, moderated.appealed)) == (
        role in {"admin", "site_admin"}
    )
    # A hidden post's text: for its author and the moderators only.
    assert bool(policy.can_view_post(actor, moderated.hidden_post)) == (
        role in concerned_or_moderating
    )


def test_a_hidden_post_is_refused_with_the_reason_on_its_permalink(
    client: FlaskClient, world: World, moderated: Moderated
) -> None:
    sign_in(client, world.people["outsider"])
    response = client.get(f"/forum/p/{moderated.hidden_post.id}", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "A moderator hid this post." in response.get_data(as_text=True)
    assert "Fel bericht 5521" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_decision_pages_are_for_the_member_concerned_and_the_moderators(
    client: FlaskClient, world: World, moderated: Moderated, role: str
) -> None:
    sign_in(client, world.people[role])
    for decision in (moderated.warning, moderated.appealed.decision):
        response = client.get(f"/forum/decisions/{decision.id}", headers={"Accept-Language": "en"})
        allowed = role in MANAGERS | {"member"}
        assert response.status_code == (200 if allowed else 403), (role, decision.measure)
        html = response.get_data(as_text=True)
        if not allowed:
            assert "Te fel." not in html and "Fel bericht 5521" not in html
