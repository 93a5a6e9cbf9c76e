"""A community's federation page, through the real pages: anyone who may read the
community sees whether and how other servers find it, and every block in force with its
house rule and reasons; its moderators block and lift, and read and retry the deliveries
that were given up. Nobody else can do either, and bad input writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.extension import state
from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.moderation import rules
from civicforum.plugins.federation import blocks, delivery, services
from civicforum.plugins.federation.models import Block, Delivery, Follower, RemoteActor

from .fedremote import LOOPBACK_CONFIG, Remote, remote_server
from .helpers import (
    ModerationWorld,
    add_member,
    form_token,
    moderation_world,
    require_patient_membership,
)
from .helpers import sign_in as give_session
from .moderationpages import EN, text, visible

PAGE = "/forum/c/leesclub/federation"
REASONS = "Stuurde in één nacht honderd reclameberichten naar dit forum."


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Deliveries go to a test server on loopback, over plain http."""
    return dict(LOOPBACK_CONFIG)


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    """The moderation world's community ("leesclub", rule 1 "Be kind"), switched on."""
    made = moderation_world(db, make_member, make_community)
    services.enable(db, made.community)
    return made


@pytest.fixture
def remote() -> Iterator[Remote]:
    with remote_server() as server:
        yield server


def person(app: Flask, member: Member | None) -> FlaskClient:
    """A browser of its own, signed in as ``member`` (or anonymous)."""
    client = app.test_client()
    give_session(client, member)
    return client


def block_directly(
    db: Session, world: ModerationWorld, target: str, kind: str = blocks.HOST
) -> Block:
    """A block made by the service, as an earlier visit to the page would have made it."""
    return blocks.block(
        db,
        world.actor(db, world.moderator),
        world.community,
        kind=kind,
        target=target,
        rule_id=world.rule.id,
        reasons=REASONS,
    )


def follow_from(db: Session, community: Community, host: str, name: str) -> None:
    """Someone on ``host`` follows the community."""
    uri = f"https://{host}/users/{name}"
    actor = RemoteActor(uri=uri, host=host, inbox=f"{uri}/inbox")
    db.add(actor)
    db.flush()
    db.add(Follower(community_id=community.id, remote_actor_id=actor.id, follow_id=f"{uri}#f"))
    db.commit()


def following_hosts(db: Session, community: Community) -> list[str]:
    db.expire_all()
    query = (
        select(RemoteActor.host)
        .join(Follower, Follower.remote_actor_id == RemoteActor.id)
        .where(Follower.community_id == community.id)
        .order_by(RemoteActor.host)
    )
    return list(db.scalars(query))


def blocks_written(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Block)) or 0)


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'<p class="cf-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return " ".join(match.group(1).split())


def block_form(**fields: str) -> dict[str, str]:
    return {
        "kind": blocks.HOST,
        "target": "spam.example",
        "rule_id": "",
        "reasons": REASONS,
        **fields,
    }


def send_block_form(client: FlaskClient, data: dict[str, str]) -> Any:
    """Open the page and send its block form with the page's token, as a browser does."""
    page = client.get(PAGE, headers=EN)
    assert page.status_code == 200
    return client.post(PAGE, data={"csrf_token": form_token(text(page)), **data}, headers=EN)


def press(client: FlaskClient, action: str) -> Any:
    """Press a button of the page: its form's address, with the page's token."""
    page = client.get(PAGE, headers=EN)
    assert page.status_code == 200
    return client.post(action, data={"csrf_token": form_token(text(page))}, headers=EN)


def dead_letter(app: Flask, db: Session, community: Community, remote: Remote) -> Delivery:
    """A delivery the test server refused for good (410), so it was given up."""
    remote.inbox_status = 410
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://localhost/forum/activities/1",
        "type": "Create",
        "actor": "http://localhost/forum/c/leesclub/",
        "object": {"type": "Note", "content": "Hallo"},
    }
    ids = delivery.enqueue(db, community.id, activity, [f"{remote.base}/inbox"])
    delivery.send_soon(app, ids)
    state(app).tasks.run_pending()
    row = db.get(Delivery, ids[0])
    assert row is not None
    db.refresh(row)
    assert row.given_up_at is not None and row.last_error == "HTTP 410"
    return row


# -- what everyone sees ------------------------------------------------------------------


def test_anyone_reads_how_to_find_the_community_and_every_block_with_its_reasons(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    block_directly(db, world, "spam.example")
    newer = block_directly(db, world, "https://troll.example/users/karel", kind=blocks.ACTOR)
    lifted = block_directly(db, world, "lifted.example")
    blocks.lift(db, world.actor(db, world.moderator), world.community, lifted)
    for name in ("a", "b", "c"):
        follow_from(db, world.community, "mastodon.example", name)

    response = person(app, None).get(PAGE, headers=EN)

    assert response.status_code == 200
    shown = visible(response)
    assert "This community is federated" in shown
    assert "leesclub@localhost" in shown
    assert "http://localhost/forum/c/leesclub/" in shown
    assert "What is shared, and what not" in shown
    # Newest first, each with its rule (linked to the house rules) and its reasons.
    assert shown.index("Account https://troll.example/users/karel") < shown.index(
        "Server spam.example"
    )
    assert shown.count("Rule 1: Be kind") == 2
    assert shown.count(REASONS) == 2
    assert "/forum/c/leesclub/rules#rule-1" in text(response)
    assert "lifted.example" not in shown
    # The public gets no form, no buttons and no dead letters, and nobody a popularity
    # figure.
    assert "Block an account or a server" not in shown
    assert "Lift this block" not in shown
    assert "/lift" not in text(response)
    assert newer.target in shown
    assert "Deliveries that failed" not in shown
    assert not re.search(r"\d+\s+followers", shown)


def test_the_community_page_leads_to_the_federation_page(
    app: Flask, world: ModerationWorld, make_community: Callable[..., Community]
) -> None:
    make_community("schaakclub")
    client = person(app, None)

    switched_on = client.get("/forum/c/leesclub/", headers=EN)
    never_on = client.get("/forum/c/schaakclub/", headers=EN)

    assert 'href="/forum/c/leesclub/federation"' in text(switched_on)
    assert "can follow this community as leesclub@localhost" in visible(switched_on)
    assert "/federation" not in text(never_on)


def test_a_community_never_switched_on_has_no_federation_page(
    app: Flask, db: Session, world: ModerationWorld, make_community: Callable[..., Community]
) -> None:
    make_community("schaakclub")
    moderator = person(app, world.moderator)
    token = form_token(text(moderator.get(PAGE, headers=EN)))

    assert person(app, None).get("/forum/c/schaakclub/federation").status_code == 404
    assert moderator.get("/forum/c/schaakclub/federation").status_code == 404
    posted = moderator.post(
        "/forum/c/schaakclub/federation", data={"csrf_token": token, **block_form()}
    )
    assert posted.status_code == 404
    assert blocks_written(db) == 0


def test_a_community_switched_off_keeps_its_blocks_and_sends_nothing(
    app: Flask, db: Session, world: ModerationWorld, remote: Remote
) -> None:
    block_directly(db, world, "spam.example")
    row = dead_letter(app, db, world.community, remote)
    services.disable(db, world.community)
    moderator = person(app, world.moderator)

    page = moderator.get(PAGE, headers=EN)

    assert page.status_code == 200
    shown = visible(page)
    assert "not federated at the moment" in shown
    assert "leesclub@localhost" not in shown
    assert "Server spam.example" in shown and REASONS in shown
    sent = press(moderator, f"{PAGE}/deliveries/{row.id}/try-again")
    assert sent.status_code == 302
    assert "not federated now" in visible(moderator.get(sent.headers["Location"], headers=EN))
    db.refresh(row)
    assert row.given_up_at is not None


def test_a_community_that_became_members_only_shows_its_page_to_readers_only(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    block_directly(db, world, "spam.example")
    require_patient_membership(db, world.community)

    response = person(app, None).get(PAGE, headers=EN)

    assert response.status_code == 403
    assert REASONS not in visible(response)


# -- who may act -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "anonymous"])
def test_only_moderators_get_the_form_and_anyone_elses_posts_are_refused(
    app: Flask, db: Session, world: ModerationWorld, remote: Remote, who: str
) -> None:
    entry = block_directly(db, world, "spam.example")
    row = dead_letter(app, db, world.community, remote)
    client = person(app, world.reader if who == "member" else None)
    page = client.get(PAGE, headers=EN)
    assert page.status_code == 200
    assert "Block an account or a server" not in visible(page)
    # A signed-in member's page carries a valid token (the sign-out form); a visitor
    # has none to send.
    token = form_token(text(page)) if who == "member" else ""

    answers = [
        client.post(PAGE, data={"csrf_token": token, **block_form(rule_id=str(world.rule.id))}),
        client.post(f"{PAGE}/blocks/{entry.id}/lift", data={"csrf_token": token}),
        client.post(f"{PAGE}/deliveries/{row.id}/try-again", data={"csrf_token": token}),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert blocks_written(db) == 1
    db.refresh(entry)
    db.refresh(row)
    assert entry.lifted_at is None
    assert row.given_up_at is not None


# -- blocking and lifting ------------------------------------------------------------------


def test_a_moderator_blocks_a_server_with_rule_and_reasons_for_all_to_see(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    follow_from(db, world.community, "spam.example", "een")
    follow_from(db, world.community, "spam.example", "twee")
    follow_from(db, world.community, "mastodon.example", "anna")
    moderator = person(app, world.moderator)
    form_page = visible(moderator.get(PAGE, headers=EN))
    assert "Block an account or a server" in form_page
    assert "Rule 1: Be kind" in form_page

    sent = send_block_form(
        moderator,
        block_form(target="https://Spam.Example/users/een", rule_id=str(world.rule.id)),
    )

    assert sent.status_code == 302
    after = visible(moderator.get(sent.headers["Location"], headers=EN))
    assert "spam.example is blocked" in after
    public = visible(person(app, None).get(PAGE, headers=EN))
    assert "Server spam.example" in public
    assert "Rule 1: Be kind" in public and REASONS in public
    assert following_hosts(db, world.community) == ["mastodon.example"]
    assert blocks.is_blocked(db, world.community.id, "https://spam.example/users/drie")


def test_a_moderator_blocks_one_account(app: Flask, db: Session, world: ModerationWorld) -> None:
    follow_from(db, world.community, "mastodon.example", "karel")
    follow_from(db, world.community, "mastodon.example", "anna")
    moderator = person(app, world.moderator)

    sent = send_block_form(
        moderator,
        block_form(
            kind=blocks.ACTOR,
            target="https://mastodon.example/users/karel",
            rule_id=str(world.rule.id),
        ),
    )

    assert sent.status_code == 302
    public = visible(person(app, None).get(PAGE, headers=EN))
    assert "Account https://mastodon.example/users/karel" in public
    db.expire_all()
    followers = db.scalars(
        select(RemoteActor.uri).join(Follower, Follower.remote_actor_id == RemoteActor.id)
    ).all()
    assert followers == ["https://mastodon.example/users/anna"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rule_id": ""}, "rule_id", "Choose the house rule this block rests on."),
        ({"reasons": "  "}, "reasons", "Explain the reasons in 10 to 2000 characters."),
        ({"reasons": "Spam."}, "reasons", "Explain the reasons in 10 to 2000 characters."),
        (
            {"kind": blocks.ACTOR, "target": "karel@spam.example"},
            "target",
            "Give the full address of the account.",
        ),
        ({"target": ""}, "target", "Give the name of the server, like social.example."),
    ],
)
def test_a_block_without_what_it_needs_is_refused_beside_the_field_and_writes_nothing(
    app: Flask,
    db: Session,
    world: ModerationWorld,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    follow_from(db, world.community, "spam.example", "een")
    moderator = person(app, world.moderator)
    data = block_form(**{"rule_id": str(world.rule.id), **fields})

    sent = send_block_form(moderator, data)

    assert sent.status_code == 422
    html = text(sent)
    assert error_beside(html, field) == message
    # What was typed is still there, to correct.
    if data["target"]:
        assert f'value="{data["target"]}"' in html
    if data["reasons"].strip():
        assert data["reasons"] in html
    assert blocks_written(db) == 0
    assert following_hosts(db, world.community) == ["spam.example"]


def test_a_moderator_lifts_a_block(app: Flask, db: Session, world: ModerationWorld) -> None:
    entry = block_directly(db, world, "spam.example")
    moderator = person(app, world.moderator)
    assert "Lift this block" in visible(moderator.get(PAGE, headers=EN))

    sent = press(moderator, f"{PAGE}/blocks/{entry.id}/lift")

    assert sent.status_code == 302
    assert "The block on spam.example is lifted." in visible(
        moderator.get(sent.headers["Location"], headers=EN)
    )
    public = visible(person(app, None).get(PAGE, headers=EN))
    assert "spam.example" not in public
    assert "Nothing is blocked here." in public
    assert not blocks.is_blocked(db, world.community.id, "https://spam.example/users/een")


def test_a_block_of_another_community_cannot_be_lifted_here(
    app: Flask, db: Session, world: ModerationWorld, make_community: Callable[..., Community]
) -> None:
    other = make_community("schaakclub")
    services.enable(db, other)
    add_member(db, other, world.second_moderator, Role.MODERATOR)
    rule = rules.add_rule(
        db,
        world.actor(db, world.second_moderator),
        other,
        rules.RuleText("Geen spam", "No spam", "Geen reclame.", "No advertising."),
    )
    theirs = blocks.block(
        db,
        world.actor(db, world.second_moderator),
        other,
        kind=blocks.HOST,
        target="spam.example",
        rule_id=rule.id,
        reasons=REASONS,
    )
    moderator = person(app, world.moderator)

    sent = press(moderator, f"{PAGE}/blocks/{theirs.id}/lift")

    assert sent.status_code == 404
    db.refresh(theirs)
    assert theirs.lifted_at is None


# -- dead letters ------------------------------------------------------------------------


def test_moderators_read_the_dead_letters_and_try_one_again(
    app: Flask, db: Session, world: ModerationWorld, remote: Remote
) -> None:
    row = dead_letter(app, db, world.community, remote)
    host = row.host
    assert "Deliveries that failed" not in visible(person(app, world.reader).get(PAGE))
    moderator = person(app, world.moderator)

    page = moderator.get(PAGE, headers=EN)

    shown = visible(page)
    assert "Deliveries that failed" in shown
    table = text(page)[text(page).index("<table") : text(page).index("</table>")]
    assert "<caption>Deliveries given up, newest first</caption>" in table
    assert f'<th scope="row" class="cf-break">{host}</th>' in table
    assert "<td>Create</td>" in table and "<td>1</td>" in table and "HTTP 410" in table

    remote.inbox_status = 202
    sent = press(moderator, f"{PAGE}/deliveries/{row.id}/try-again")

    assert sent.status_code == 302
    after = visible(moderator.get(sent.headers["Location"], headers=EN))
    assert f"The delivery to {host} is being tried again." in after
    assert "Every delivery arrived, or is still being tried." in after
    db.refresh(row)
    assert row.given_up_at is None and row.attempts == 0 and row.next_attempt_at is not None
    # It was queued: the worker sends it, and the other server receives it this time.
    assert state(app).tasks.run_pending() >= 1
    db.refresh(row)
    assert row.delivered_at is not None
    assert len(remote.activities("Create")) == 2


def test_a_dead_letter_to_a_server_blocked_since_is_not_sent_again(
    app: Flask, db: Session, world: ModerationWorld, remote: Remote
) -> None:
    row = dead_letter(app, db, world.community, remote)
    block_directly(db, world, row.host)
    moderator = person(app, world.moderator)
    assert "Server blocked" in visible(moderator.get(PAGE, headers=EN))

    sent = press(moderator, f"{PAGE}/deliveries/{row.id}/try-again")

    assert sent.status_code == 302
    after = visible(moderator.get(sent.headers["Location"], headers=EN))
    assert f"{row.host} is blocked in this community, so nothing is sent to it." in after
    db.refresh(row)
    assert row.given_up_at is not None


# -- forged forms --------------------------------------------------------------------------


def test_forms_without_their_token_are_refused_and_change_nothing(
    app: Flask, db: Session, world: ModerationWorld, remote: Remote
) -> None:
    entry = block_directly(db, world, "spam.example")
    row = dead_letter(app, db, world.community, remote)
    moderator = person(app, world.moderator)
    assert moderator.get(PAGE).status_code == 200

    forged_block = moderator.post(
        PAGE, data=block_form(target="other.example", rule_id=str(world.rule.id)), headers=EN
    )
    forged_lift = moderator.post(f"{PAGE}/blocks/{entry.id}/lift", headers=EN)
    forged_retry = moderator.post(f"{PAGE}/deliveries/{row.id}/try-again", headers=EN)

    assert forged_block.status_code == 422
    assert "The form expired or came from elsewhere" in visible(forged_block)
    for forged in (forged_lift, forged_retry):
        assert forged.status_code == 400
        assert "The form expired or came from elsewhere" in visible(forged)
    assert blocks_written(db) == 1
    db.refresh(entry)
    db.refresh(row)
    assert entry.lifted_at is None
    assert row.given_up_at is not None
