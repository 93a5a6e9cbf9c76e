"""House rules and reports through the real pages: the numbered rules beside every posting
form, reporting a post as a member or a signed-out visitor (with an e-mail address over
real SMTP), the receipt and its outcome, and the moderators' queue."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community, Post, Visibility
from civicforum.identity.models import Member
from civicforum.moderation import signposting
from civicforum.moderation.models import HouseRule, Report, ReportStatus

from .helpers import ModerationWorld, actor_of, moderation_world, sign_in
from .moderationpages import EN, send, take_measure, text, visible
from .smtpsink import Inbox, mail_config
from .test_posting import preview_then_publish


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "smtp" in request.fixturenames:
        _, port = request.getfixturevalue("smtp")
        return mail_config(port)
    return {}


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def reports_in(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Report.id))) or 0


def report_post(client: FlaskClient, world: ModerationWorld, **fields: str) -> Any:
    data = {
        "about": "post",
        "ground": f"rule-{world.rule.id}",
        "category": "general",
        "explanation": "Dit bericht scheldt iemand uit.",
        "location": "De tweede zin.",
        "good_faith": "y",
        **fields,
    }
    return send(client, f"/forum/c/leesclub/report?post={world.post.id}", data)


# -- house rules -------------------------------------------------------------------------


def test_house_rules_stand_beside_the_posting_form_and_on_their_own_page(
    client: FlaskClient, world: ModerationWorld
) -> None:
    sign_in(client, world.reader)
    compose = visible(client.get(f"/forum/t/{world.topic.id}/reply", headers=EN))
    assert "House rules" in compose and "Be kind" in compose
    assert "No name-calling or hurtful language." in compose
    new_topic = visible(client.get("/forum/c/leesclub/new", headers=EN))
    assert "Be kind" in new_topic
    rules_page = client.get("/forum/c/leesclub/rules", headers=EN)
    assert 'id="rule-1"' in text(rules_page)
    assert "Rule 1: Be kind" in visible(rules_page)
    assert "Public moderation log" in visible(rules_page)
    dutch = visible(client.get("/forum/c/leesclub/rules", headers={"Accept-Language": "nl"}))
    assert "Wees vriendelijk" in dutch


def test_moderators_write_edit_and_renumber_house_rules(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    sign_in(client, world.moderator)
    url = "/forum/c/leesclub/moderation/rules"
    refused = send(
        client,
        url,
        {"title_nl": "", "title_en": "Spoilers", "explanation_nl": "x", "explanation_en": "y"},
    )
    assert refused.status_code == 422 and "Give the rule a short name." in visible(refused)
    assert db.scalar(select(func.count(HouseRule.id))) == 1
    added = send(
        client,
        url,
        {
            "title_nl": "Waarschuw voor spoilers",
            "title_en": "Warn before spoilers",
            "explanation_nl": "Zet 'spoiler' boven je bericht.",
            "explanation_en": "Put 'spoiler' above your post.",
        },
    )
    assert added.status_code == 302
    # A decision cites rule 1 as it reads now.
    take_measure(
        client, "leesclub", "warning", rule_id=world.rule.id, about={"post": world.post.id}
    )
    # Rule 2 moves up: it becomes rule 1.
    spoilers = db.scalars(
        select(HouseRule).where(HouseRule.title_en == "Warn before spoilers")
    ).one()
    moved = send(
        client, f"{url}/order", {"rule": str(spoilers.id), "direction": "up"}, form_url=url
    )
    assert moved.status_code == 302
    page = visible(client.get("/forum/c/leesclub/rules", headers=EN))
    assert page.index("Rule 1: Warn before spoilers") < page.index("Rule 2: Be kind")
    edited = send(
        client,
        f"{url}/{world.rule.id}",
        {
            "title_nl": "Wees aardig",
            "title_en": "Be nice",
            "explanation_nl": "Aardig.",
            "explanation_en": "Nice.",
        },
    )
    assert edited.status_code == 302
    # The member's statement of reasons keeps the rule as it read that day.
    sign_in(client, world.author)
    mine = visible(client.get("/forum/my/decisions", headers=EN))
    assert "House rule 1: Be kind" in mine
    sign_in(client, world.reader)
    assert client.get(url).status_code == 403


# -- reports -----------------------------------------------------------------------------


def test_a_member_reports_a_post_and_follows_it(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    sign_in(client, world.reader)
    topic = text(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    assert f"/forum/c/leesclub/report?post={world.post.id}" in topic
    form = text(client.get(f"/forum/c/leesclub/report?post={world.post.id}", headers=EN))
    assert f"http://localhost/forum/p/{world.post.id}" in form  # where exactly, filled in
    assert "Ik lees De Avonden." in form  # what is reported, shown to the reporter
    assert 'name="email"' not in form  # members learn the outcome on their own page

    done = report_post(client, world)
    assert done.status_code == 302
    receipt = client.get(done.headers["Location"], headers=EN)
    assert "Thank you: your report is received" in visible(receipt)
    assert "Waiting for a moderator" in visible(receipt)
    mine = visible(client.get("/forum/my/reports", headers=EN))
    assert "Waiting for a moderator" in mine and "Leesclub" in mine

    sign_in(client, world.moderator)
    acted = take_measure(
        client,
        "leesclub",
        "hide_post",
        rule_id=world.rule.id,
        about={"report": db.scalars(select(Report)).one().id},
        note_to_reporters="Dank voor je melding.",
    )
    assert acted.status_code == 302
    sign_in(client, world.reader)
    mine = visible(client.get("/forum/my/reports", headers=EN))
    assert "A measure was taken: Post hidden" in mine and "Dank voor je melding." in mine


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"good_faith": ""}, "Confirm that you believe in good faith"),
        ({"explanation": " "}, "Explain why you report this."),
        ({"location": ""}, "Say where exactly it is"),
        ({"ground": ""}, "Choose the house rule it breaks, or that it is illegal."),
        ({"ground": "rule-999999"}, "Choose the house rule this breaks."),
        ({"explanation": "x" * 5001}, "This can be at most 5000 characters; it has 5001."),
    ],
)
def test_an_incomplete_report_is_refused_and_nothing_is_written(
    client: FlaskClient, db: Session, world: ModerationWorld, fields: dict[str, str], message: str
) -> None:
    sign_in(client, world.reader)
    refused = report_post(client, world, **fields)
    assert refused.status_code == 422
    assert message in visible(refused)
    assert reports_in(db) == 0


def test_a_visitor_reports_with_an_address_and_hears_the_outcome_by_mail(
    client: FlaskClient, db: Session, world: ModerationWorld, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    form = text(client.get(f"/forum/c/leesclub/report?post={world.post.id}", headers=EN))
    assert 'name="email"' in form
    refused = report_post(client, world, email="geen-adres")
    assert refused.status_code == 422 and "This is not an e-mail address." in visible(refused)
    done = report_post(client, world, email="Bezoeker@Example.org")
    assert done.status_code == 302
    tasks = client.application.extensions["civicforum"].tasks
    assert inbox.messages == []  # queued: the request did not wait for the mail server
    tasks.run_pending()  # as the worker runs it
    assert len(inbox.messages) == 1
    acknowledgement = inbox.messages[0]
    assert acknowledgement["To"] == "bezoeker@example.org"
    body = acknowledgement.get_payload()
    receipt_url = re.search(r"http://localhost(/forum/reports/[\w-]+)", str(body))
    assert receipt_url is not None

    sign_in(client, world.moderator)
    queue = visible(client.get("/forum/c/leesclub/moderation/", headers=EN))
    assert "by a visitor who wants to hear the outcome" in queue
    assert "bezoeker@example.org" not in queue  # moderators do not see the address
    report = db.scalars(select(Report)).one()
    dismissed = send(
        client,
        f"/forum/c/leesclub/moderation/reports/{report.id}/dismiss",
        {"note": "Dit valt binnen de regels."},
        form_url="/forum/c/leesclub/moderation/",
    )
    assert dismissed.status_code == 302
    tasks.run_pending()
    assert len(inbox.messages) == 2
    outcome = str(inbox.messages[1].get_payload())
    assert "Dit valt binnen de regels." in outcome
    db.expire_all()
    assert db.get(Report, report.id).reporter_email is None  # used once, then erased
    sign_in(client, None)
    page = visible(client.get(receipt_url.group(1), headers=EN))
    assert "Looked at; no measure was needed" in page and "Dit valt binnen de regels." in page


def test_a_crisis_report_shows_help_at_once_and_goes_first_in_the_queue(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    signposting.add_help_resource(
        db,
        actor_of(db, world.moderator),
        world.community,
        signposting.Resource("113 Zelfmoordpreventie", "0800-0113", "https://www.113.nl"),
    )
    sign_in(client, world.second_moderator)
    report_post(client, world)  # an ordinary report, first
    other = client.application.test_client()
    done = send(
        other,
        f"/forum/c/leesclub/report?topic={world.topic.id}",
        {
            "about": "member",
            "ground": f"rule-{world.rule.id}",
            "category": "self_harm",
            "explanation": "Ze schrijft dat ze er niet meer wil zijn.",
            "location": "Het openingsbericht.",
            "good_faith": "y",
        },
    )
    assert done.status_code == 302
    receipt = client.application.test_client().get(done.headers["Location"], headers=EN)
    page = visible(receipt)
    assert "If someone is in immediate danger, call 112." in page
    assert "113 Zelfmoordpreventie" in page and "0800-0113" in page
    assert 'rel="noreferrer noopener"' in text(receipt)  # the receipt link stays private

    sign_in(client, world.moderator)
    queue = visible(client.get("/forum/c/leesclub/moderation/", headers=EN))
    assert queue.index("Urgent: crisis or self-harm") < queue.index("A post in")
    assert "The member Ans" in queue  # a report about the way someone behaves
    assert "Send help resources" in queue


def test_the_queue_shows_the_post_in_context_and_earlier_decisions(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Callable[..., Member]
) -> None:
    sign_in(client, world.author)
    _preview, published = preview_then_publish(
        client, f"/forum/t/{world.topic.id}/reply", body="Jij bent een sukkel."
    )
    assert published.status_code == 302
    sign_in(client, world.moderator)
    take_measure(
        client, "leesclub", "warning", rule_id=world.rule.id, about={"post": world.post.id}
    )
    reply = db.scalars(select(Post).where(Post.body == "Jij bent een sukkel.")).one()
    sign_in(client, world.reader)
    send(
        client,
        f"/forum/c/leesclub/report?post={reply.id}",
        {
            "about": "post",
            "ground": f"rule-{world.rule.id}",
            "category": "general",
            "explanation": "Uitschelden.",
            "location": "Hier.",
            "good_faith": "y",
        },
    )
    sign_in(client, world.moderator)
    queue = visible(client.get("/forum/c/leesclub/moderation/", headers=EN))
    assert queue.index("Ik lees De Avonden.") < queue.index("Jij bent een sukkel.")
    assert "Earlier decisions about this member here" in queue and "Warning" in queue
    assert "Reports (1)" in queue


def test_reports_answer_only_to_who_may_read(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    world.community.visibility = Visibility.MEMBERS.value
    db.commit()
    sign_in(client, None)
    assert client.get(f"/forum/c/leesclub/report?post={world.post.id}").status_code == 403
    missing = client.get("/forum/reports/not-a-receipt", headers=EN)
    assert missing.status_code == 404
    assert "This receipt link belongs to no report." in visible(missing)
    sign_in(client, world.reader)
    assert client.get("/forum/c/leesclub/report").status_code == 404  # nothing named
    assert client.get("/forum/c/leesclub/report?post=abc").status_code == 404


def test_a_second_moderator_dismissing_a_handled_report_is_told(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    sign_in(client, world.reader)
    report_post(client, world)
    report = db.scalars(select(Report)).one()
    url = f"/forum/c/leesclub/moderation/reports/{report.id}/dismiss"
    sign_in(client, world.moderator)
    first = send(client, url, {}, form_url="/forum/c/leesclub/moderation/")
    assert first.status_code == 302
    again = send(client, url, {}, form_url="/forum/c/leesclub/moderation/")
    assert again.status_code == 302
    assert "Another moderator has handled this report already." in visible(
        client.get("/forum/c/leesclub/moderation/", headers=EN)
    )
    db.expire_all()
    assert db.get(Report, report.id).status == ReportStatus.DISMISSED.value
