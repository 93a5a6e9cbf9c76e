"""Every rung of the ladder through the real pages: the moderator chooses a measure, cites
a rule and explains; what it does is then seen where members would see it. Bad input
is refused with a clear message and writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community, Post, Role
from civicforum.identity.models import Member
from civicforum.moderation.models import ModerationSettings

from .helpers import FrozenClock, ModerationWorld, add_member, moderation_world, sign_in
from .moderationpages import (
    EN,
    decisions,
    latest_decision,
    measure_url,
    send,
    take_measure,
    text,
    visible,
)
from .test_posting import preview_then_publish

OPENING = "Ik lees De Avonden."


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def reply_as(client: FlaskClient, world: ModerationWorld, member: Member, body: str) -> Any:
    sign_in(client, member)
    _preview, published = preview_then_publish(
        client, f"/forum/t/{world.topic.id}/reply", body=body
    )
    return published


# What each rung needs besides a ground and an explanation, and who may take it.
LADDER: dict[str, dict[str, Any]] = {
    "note": {},
    "warning": {},
    "content_warning": {"label": "beschrijft geweld"},
    "hide_post": {},
    "lock_topic": {},
    "slow_mode": {"scope": "topic", "interval_minutes": "30"},
    "mute": {"duration": "2", "unit": "hours"},
    "suspension": {"duration": "3", "unit": "days"},
    "ban": {},
}
SITE_WIDE = {"suspension", "ban"}


def seen_effect(client: FlaskClient, world: ModerationWorld, measure: str) -> None:
    """What the measure visibly does, for the reader or the author."""
    topic_url = f"/forum/t/{world.topic.id}/"
    if measure in ("note", "warning"):
        # Restricts nothing: the author can still post.
        assert reply_as(client, world, world.author, "Nog een reactie.").status_code == 302
    elif measure == "content_warning":
        sign_in(client, world.reader)
        page = text(client.get(topic_url, headers=EN))
        assert '<details class="cf-content-warning">' in page
        assert "Content warning: beschrijft geweld" in page
    elif measure == "hide_post":
        sign_in(client, world.reader)
        page = visible(client.get(topic_url, headers=EN))
        assert "A moderator hid this post." in page and OPENING not in page
        assert "House rule 1: Be kind" in page
        sign_in(client, world.author)
        own = visible(client.get(topic_url, headers=EN))
        assert OPENING in own and "Why, and how to appeal" in own
    elif measure == "lock_topic":
        sign_in(client, world.reader)
        assert "Locked: no new replies" in visible(client.get(topic_url, headers=EN))
        assert client.get(f"{topic_url}reply", headers=EN).status_code == 403
    elif measure == "slow_mode":
        assert reply_as(client, world, world.reader, "Eerste reactie.").status_code == 302
        again = reply_as(client, world, world.reader, "Tweede reactie, te snel.")
        assert again.status_code == 422
        assert "Slow mode is on here: one post every 30 minutes" in visible(again)
    else:
        refused = reply_as(client, world, world.author, "Mag ik nog iets zeggen?")
        assert refused.status_code == 422
        expected = {
            "mute": "You are muted in this community until",
            "suspension": "Your account is suspended until",
            "ban": "Your account has been banned from this forum.",
        }[measure]
        assert expected in visible(refused)


@pytest.mark.parametrize("measure", list(LADDER))
def test_every_measure_through_the_pages(
    client: FlaskClient, db: Session, world: ModerationWorld, measure: str
) -> None:
    sign_in(client, world.admin if measure in SITE_WIDE else world.moderator)
    # The ladder offers it beside the post, mildest first.
    ladder = visible(
        client.get(f"/forum/c/leesclub/moderation/measure?post={world.post.id}", headers=EN)
    )
    assert "Choose a measure, mildest first" in ladder
    done = take_measure(
        client,
        "leesclub",
        measure,
        rule_id=world.rule.id,
        explanation="Je noemde een ander lid een sukkel.",
        about={"post": world.post.id},
        **LADDER[measure],
    )
    assert done.status_code == 302, visible(done)[:800]
    decision = latest_decision(db)
    assert decision.measure == measure
    assert done.headers["Location"].endswith(f"/forum/decisions/{decision.id}")

    seen_effect(client, world, measure)

    # The statement of reasons, as the member it concerns reads it (slow mode concerns
    # everyone posting in the topic, and is for the moderators' eyes).
    sign_in(client, world.moderator if measure == "slow_mode" else world.author)
    statement = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    for part in (
        "Statement of reasons",
        "House rule 1: Be kind",
        "Je noemde een ander lid een sukkel.",
        "Facts and circumstances",
        "Automated means",
        "Challenging the decision",
        "out-of-court dispute settlement body",
    ):
        assert part in statement, part
    if measure not in ("note", "warning"):
        assert "European Economic Area" in statement


def test_the_ladder_offers_only_what_fits_and_what_the_moderator_may(
    client: FlaskClient, world: ModerationWorld
) -> None:
    sign_in(client, world.moderator)
    about_post = visible(
        client.get(f"/forum/c/leesclub/moderation/measure?post={world.post.id}", headers=EN)
    )
    assert "Post hidden" in about_post and "Muted in the community" in about_post
    assert "Account suspended" not in about_post  # site administrators only
    about_topic = visible(
        client.get(f"/forum/c/leesclub/moderation/measure?topic={world.topic.id}", headers=EN)
    )
    assert "Topic locked" in about_topic and "Post hidden" not in about_topic
    refused = client.get(measure_url("leesclub", "suspension", post=world.post.id), headers=EN)
    assert refused.status_code == 403
    assert "Only site administrators can suspend or ban an account." in visible(refused)
    sign_in(client, world.reader)
    assert (
        client.get(f"/forum/c/leesclub/moderation/measure?post={world.post.id}").status_code == 403
    )


BAD_INPUT = [
    (
        "hide_post",
        {"rule": None},
        {},
        "Cite a house rule, or the legal ground for illegal content.",
    ),
    ("hide_post", {"explanation": ""}, {}, "Explain why the house rule or the law applies here."),
    (
        "mute",
        {},
        {"duration": "0", "unit": "hours"},
        "A measure must last longer than zero minutes.",
    ),
    (
        "mute",
        {},
        {"duration": "-5", "unit": "days"},
        "A measure must last longer than zero minutes.",
    ),
    ("mute", {}, {}, "Say how long this measure lasts."),
    ("mute", {}, {"duration": "twee", "unit": "days"}, "Give how long as a whole number."),
    ("mute", {}, {"duration": "400", "unit": "days"}, "A measure can last at most a year."),
    (
        "mute",
        {},
        {"duration": "99999999999999999", "unit": "days"},
        "A measure can last at most a year.",
    ),
    ("content_warning", {}, {"label": "  "}, "Write the content warning."),
    ("slow_mode", {}, {"interval_minutes": "0"}, "choose 1 to 1440 minutes between two posts"),
    (
        "hide_post",
        {"rule": None},
        {"ground": "illegal", "legal_ground": ""},
        "Name the law the content breaks.",
    ),
]


@pytest.mark.parametrize(("measure", "how", "fields", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_written(
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    measure: str,
    how: dict[str, Any],
    fields: dict[str, str],
    message: str,
) -> None:
    sign_in(client, world.moderator)
    refused = take_measure(
        client,
        "leesclub",
        measure,
        rule_id=None if "rule" in how else world.rule.id,
        explanation=how.get("explanation", "Te fel."),
        about={"post": world.post.id},
        **fields,
    )
    assert refused.status_code == 422
    assert message in visible(refused)
    assert "cf-error" in text(refused)  # beside the field, or above the form
    assert decisions(db) == 0
    db.expire_all()
    post = db.get(Post, world.post.id)
    assert post is not None and not post.is_hidden and post.content_warning is None


def test_another_communitys_rule_is_not_a_ground(
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    make_community: Callable[..., Community],
) -> None:
    from civicforum.moderation import rules

    from .helpers import actor_of

    elsewhere = make_community("elders")
    add_member(db, elsewhere, world.moderator, Role.MODERATOR)
    foreign = rules.add_rule(
        db, actor_of(db, world.moderator), elsewhere, rules.RuleText("Ander", "Other", "x", "y")
    )
    sign_in(client, world.moderator)
    refused = take_measure(
        client, "leesclub", "hide_post", rule_id=foreign.id, about={"post": world.post.id}
    )
    assert refused.status_code == 422
    assert "Choose one of this community's house rules." in visible(refused)
    assert decisions(db) == 0


def test_a_timed_mute_ends_by_itself(
    client: FlaskClient, db: Session, world: ModerationWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime.now(dt.UTC))
    sign_in(client, world.moderator)
    done = take_measure(
        client,
        "leesclub",
        "mute",
        rule_id=world.rule.id,
        about={"post": world.post.id},
        duration="2",
        unit="hours",
    )
    assert done.status_code == 302
    assert reply_as(client, world, world.author, "Nog steeds boos.").status_code == 422
    clock.advance(hours=1, minutes=59)
    assert reply_as(client, world, world.author, "Nog steeds boos.").status_code == 422
    clock.advance(minutes=2)
    assert reply_as(client, world, world.author, "Sorry, ik was te fel.").status_code == 302
    sign_in(client, world.author)
    mine = visible(client.get("/forum/my/decisions", headers=EN))
    assert "Muted in the community" in mine and "ended" in mine


def test_lifting_a_measure_early_on_its_page(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    sign_in(client, world.moderator)
    take_measure(
        client, "leesclub", "hide_post", rule_id=world.rule.id, about={"post": world.post.id}
    )
    decision = latest_decision(db)
    # The member concerned may not lift it; the moderators may.
    sign_in(client, world.author)
    assert "End it early" not in visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    sign_in(client, world.second_moderator)
    lifted = send(
        client,
        f"/forum/decisions/{decision.id}/lift",
        {},
        form_url=f"/forum/decisions/{decision.id}",
    )
    assert lifted.status_code == 302
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "Lifted" in page
    sign_in(client, world.reader)
    assert OPENING in visible(client.get(f"/forum/t/{world.topic.id}/", headers=EN))


def test_a_report_acted_on_twice_gets_one_decision(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    from civicforum.moderation import reports
    from civicforum.moderation.models import Ground, ReportTarget

    from .helpers import actor_of

    report = reports.submit_report(
        db,
        actor_of(db, world.reader),
        world.community,
        reports.Notice(
            ReportTarget.POST,
            world.post.id,
            Ground.HOUSE_RULE,
            "Kwetsend.",
            "Hier.",
            True,
            rule_id=world.rule.id,
        ),
    ).report
    url = measure_url("leesclub", "warning", report=report.id)
    first, second = world.moderator, world.second_moderator
    sign_in(client, first)
    first_form = text(client.get(url, headers=EN))
    other = client.application.test_client()
    sign_in(other, second)
    second_form = text(other.get(url, headers=EN))
    data = {"ground": f"rule-{world.rule.id}", "explanation": "Kwetsend taalgebruik."}
    from .helpers import form_token

    assert client.post(url, data={"csrf_token": form_token(first_form), **data}).status_code == 302
    late = other.post(url, data={"csrf_token": form_token(second_form), **data}, headers=EN)
    assert late.status_code in (409, 400)
    assert "Another moderator has handled this report already." in visible(late)
    assert decisions(db) == 1


# -- pre-moderation ---------------------------------------------------------------------


def test_pre_moderation_holds_a_new_members_posts_until_approved(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Callable[..., Member]
) -> None:
    sign_in(client, world.moderator)
    for bad, message in (
        ("-1", "Hold between 0 and 50 of a new member's first posts for approval."),
        ("99", "Hold between 0 and 50 of a new member's first posts for approval."),
        ("een", "Give the number of posts as a whole number."),
    ):
        refused = send(client, "/forum/c/leesclub/moderation/settings", {"hold_first_posts": bad})
        assert refused.status_code == 422 and message in visible(refused)
    assert db.get(ModerationSettings, world.community.id) is None
    saved = send(client, "/forum/c/leesclub/moderation/settings", {"hold_first_posts": "1"})
    assert saved.status_code == 302

    newcomer = make_member("Nieuweling")
    add_member(db, world.community, newcomer)
    assert reply_as(client, world, newcomer, "Mijn eerste bericht hier.").status_code == 302
    sign_in(client, world.reader)
    assert "Mijn eerste bericht hier." not in text(client.get(f"/forum/t/{world.topic.id}/"))
    sign_in(client, world.moderator)
    queue = visible(client.get("/forum/c/leesclub/moderation/held", headers=EN))
    assert "Mijn eerste bericht hier." in queue and "Waiting for approval (1)" in queue
    held = db.scalars(select(Post).where(Post.held.is_(True))).one()
    approved = send(
        client,
        f"/forum/c/leesclub/moderation/held/{held.id}/approve",
        {},
        form_url="/forum/c/leesclub/moderation/held",
    )
    assert approved.status_code == 302
    sign_in(client, world.reader)
    assert "Mijn eerste bericht hier." in text(client.get(f"/forum/t/{world.topic.id}/"))
    # The second post is not held: only the first was.
    assert reply_as(client, world, newcomer, "En mijn tweede.").status_code == 302
    sign_in(client, world.reader)
    assert "En mijn tweede." in text(client.get(f"/forum/t/{world.topic.id}/"))


def test_turning_a_held_post_down_is_a_measure_with_reasons(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Callable[..., Member]
) -> None:
    sign_in(client, world.moderator)
    send(
        client,
        "/forum/c/leesclub/moderation/settings",
        {"hold_everything": "y", "hold_first_posts": "0"},
    )
    newcomer = make_member("Nieuweling")
    add_member(db, world.community, newcomer)
    reply_as(client, world, newcomer, "Koop mijn boek!")
    held = db.scalars(select(Post).where(Post.held.is_(True))).one()
    sign_in(client, world.moderator)
    queue = text(client.get("/forum/c/leesclub/moderation/held", headers=EN))
    assert "measure=hide_post" in queue and f"post={held.id}" in queue
    done = take_measure(
        client, "leesclub", "hide_post", rule_id=world.rule.id, about={"post": held.id}
    )
    assert done.status_code == 302
    assert "Nothing is waiting." in visible(
        client.get("/forum/c/leesclub/moderation/held", headers=EN)
    )
    sign_in(client, newcomer)
    mine = visible(client.get("/forum/my/decisions", headers=EN))
    assert "Post hidden" in mine


# -- help resources and signposting -----------------------------------------------------


def test_help_resources_are_listed_and_sent_to_a_member_privately(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Callable[..., Member]
) -> None:
    sign_in(client, world.moderator)
    url = "/forum/c/leesclub/moderation/help"
    for fields, message in (
        ({"name": "", "phone": "0800-0113"}, "Give the name of the help service or organisation."),
        ({"name": "113", "url": "ftp://113.nl"}, "A web address starts with https:// or http://."),
        ({"name": "113"}, "Give a phone number or a web address."),
        ({"name": "113", "phone": "bel ons"}, "A phone number has digits"),
    ):
        refused = send(client, url, fields)
        assert refused.status_code == 422 and message in visible(refused)
    added = send(
        client,
        url,
        {
            "name": "113 Zelfmoordpreventie",
            "phone": "0800-0113",
            "url": "https://www.113.nl",
            "opening_hours": "dag en nacht",
        },
    )
    assert added.status_code == 302
    sign_in(client, None)
    community = text(client.get("/forum/c/leesclub/", headers=EN))
    assert "Need to talk to someone?" in community
    assert 'href="tel:08000113"' in community and "113 Zelfmoordpreventie" in community

    sign_in(client, world.author)
    assert "A word from the moderators" not in visible(client.get("/forum/", headers=EN))
    sign_in(client, world.moderator)
    stranger = make_member("Buitenstaander")
    elsewhere = send(
        client,
        f"/forum/c/leesclub/moderation/signpost?member={stranger.id}",
        {"note": "Hallo.", "member": str(stranger.id)},
    )
    assert elsewhere.status_code == 404
    assert "This person is not a member of this community." in visible(elsewhere)
    sent = send(
        client,
        f"/forum/c/leesclub/moderation/signpost?member={world.author.id}",
        {"note": "We maken ons zorgen om je.", "member": str(world.author.id)},
    )
    assert sent.status_code == 302
    sign_in(client, world.author)
    assert "A word from the moderators" in visible(client.get("/forum/", headers=EN))
    mine = visible(client.get("/forum/my/decisions", headers=EN))
    assert "We maken ons zorgen om je." in mine and "0800-0113" in mine
    # Read once, the navigation stops pointing at it; nobody else sees it.
    assert "A word from the moderators" not in visible(client.get("/forum/", headers=EN))
    sign_in(client, world.reader)
    assert "We maken ons zorgen" not in visible(client.get("/forum/my/decisions", headers=EN))


def test_a_muted_member_cannot_edit_either_but_slow_mode_allows_edits(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    edit_url = f"/forum/p/{world.post.id}/edit"
    sign_in(client, world.moderator)
    take_measure(
        client,
        "leesclub",
        "slow_mode",
        rule_id=world.rule.id,
        about={"topic": world.topic.id},
        scope="topic",
        interval_minutes="60",
    )
    sign_in(client, world.author)
    assert send(client, edit_url, {"body": "Ik lees De Avonden, heel langzaam."}).status_code == 302
    sign_in(client, world.moderator)
    take_measure(
        client,
        "leesclub",
        "mute",
        rule_id=world.rule.id,
        about={"post": world.post.id},
        duration="1",
        unit="days",
    )
    sign_in(client, world.author)
    refused = send(client, edit_url, {"body": "Nu zeg ik het toch."})
    assert refused.status_code == 422
    assert "You are muted in this community until" in visible(refused)
    db.expire_all()
    assert db.get(Post, world.post.id).body == "Ik lees De Avonden, heel langzaam."  # type: ignore[union-attr]
