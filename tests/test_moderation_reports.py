"""Reports (notices): what a reporter must say, the queue moderators work from, and the
outcome the reporter learns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.errors import NotAllowed, NotFound, ServiceError
from civicforum.moderation import measures, reports, signposting
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import (
    Ground,
    Measure,
    Report,
    ReportCategory,
    ReportStatus,
    ReportTarget,
)
from civicforum.moderation.reports import Notice
from civicforum.moderation.statements import statement
from civicforum.policy import Actor

from .helpers import FrozenClock, ModerationWorld, actor_of, moderation_world

START = dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


def notice(world: ModerationWorld, **changes: object) -> Notice:
    fields: dict[str, object] = {
        "target": ReportTarget.POST,
        "target_id": world.post.id,
        "ground": Ground.HOUSE_RULE,
        "rule_id": world.rule.id,
        "explanation": "Dit bericht scheldt iemand uit.",
        "location": f"/forum/p/{world.post.id}",
        "good_faith": True,
    }
    fields.update(changes)
    return Notice(**fields)  # type: ignore[arg-type]


def report(db: Session, world: ModerationWorld, actor: Actor, **changes: object):  # type: ignore[no-untyped-def]
    return reports.submit_report(db, actor, world.community, notice(world, **changes))


def count(db: Session) -> int:
    return db.scalar(select(func.count(Report.id))) or 0


def test_members_and_visitors_report_and_learn_the_outcome(
    db: Session, world: ModerationWorld
) -> None:
    by_member = report(db, world, actor_of(db, world.reader))
    by_visitor = report(
        db,
        world,
        actor_of(db, None),
        ground=Ground.ILLEGAL,
        rule_id=None,
        legal_ground="Art. 261 Sr (smaad)",
        email=" Bezoeker@Example.org ",
    )
    assert by_visitor.report.reporter_email == "bezoeker@example.org"
    assert by_member.receipt != by_visitor.receipt
    received = reports.report_outcome(db, by_visitor.receipt)
    assert (
        received.status == ReportStatus.OPEN
        and received.received_at == by_visitor.report.created_at
    )

    decision = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(),
        Grounds(rule_id=world.rule.id, explanation="Schelden mag hier niet."),
        report=by_member.report,
        note_to_reporters="Dank voor je melding.",
    )
    # The decision answers both reports about the post, and says it followed a notice.
    assert decision.post_id == world.post.id and decision.report_id == by_member.report.id
    assert statement(decision)["source_type"] == "SOURCE_ARTICLE_16"
    for receipt in (by_member.receipt, by_visitor.receipt):
        outcome = reports.report_outcome(db, receipt)
        assert (outcome.status, outcome.measure) == (ReportStatus.ACTED, Measure.HIDE_POST)
        assert outcome.note == "Dank voor je melding."
    [(_, mine)] = reports.my_reports(db, actor_of(db, world.reader))
    assert mine.measure == Measure.HIDE_POST
    with pytest.raises(NotFound):
        reports.report_outcome(db, "geen-bon")


def test_a_report_says_why_where_and_in_good_faith(db: Session, world: ModerationWorld) -> None:
    reader = actor_of(db, world.reader)
    cases = [
        ({"explanation": " "}, "Explain why you report this.", "explanation"),
        ({"location": ""}, "Say where exactly it is", "location"),
        ({"good_faith": False}, "in good faith", "good_faith"),
        ({"rule_id": None}, "Choose the house rule this breaks.", "rule_id"),
        ({"rule_id": 999_999}, "Choose the house rule this breaks.", "rule_id"),
        ({"target_id": 999_999}, "no such post, topic or member to report here", None),
        (
            {"target": ReportTarget.MEMBER, "target_id": world.reader.id},
            "cannot report yourself",
            "target",
        ),
    ]
    for changes, message, field in cases:
        with pytest.raises(ServiceError, match=message) as refused:
            report(db, world, reader, **changes)
        assert refused.value.field == field
    with pytest.raises(ServiceError, match="This is not an e-mail address."):
        report(db, world, actor_of(db, None), email="geen-adres")
    assert count(db) == 0


def test_content_one_may_not_read_cannot_be_reported(
    db: Session, world: ModerationWorld, make_community, make_member
) -> None:  # type: ignore[no-untyped-def]
    private = make_community("besloten", members_only=True)
    with pytest.raises(NotAllowed, match="for members only"):
        reports.submit_report(
            db,
            actor_of(db, make_member()),
            private,
            Notice(ReportTarget.MEMBER, world.author.id, Ground.ILLEGAL, "Waarom", "Waar", True),
        )
    assert count(db) == 0


def test_crisis_reports_come_first_and_show_help_at_once(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    signposting.add_help_resource(
        db,
        actor_of(db, world.moderator),
        world.community,
        signposting.Resource("113 Zelfmoordpreventie", "0800-0113", "https://www.113.nl", "24/7"),
    )
    # An earlier decision about the author, which the queue shows beside the reports.
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.WARNING,
        Target(member=world.author, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Let op je toon."),
    )
    ordinary = report(db, world, actor_of(db, world.reader))
    clock.advance(minutes=5)
    about_member = report(
        db, world, actor_of(db, world.reader), target=ReportTarget.MEMBER, target_id=world.author.id
    )
    clock.advance(minutes=5)
    same_post = report(db, world, actor_of(db, None))
    clock.advance(minutes=5)
    crisis = report(
        db,
        world,
        actor_of(db, None),
        target=ReportTarget.TOPIC,
        target_id=world.topic.id,
        category=ReportCategory.SELF_HARM,
        explanation="Iemand schrijft dat het niet meer gaat.",
    )
    assert [r.name for r in crisis.help_resources] == ["113 Zelfmoordpreventie"]
    assert ordinary.help_resources == []

    with pytest.raises(NotAllowed):
        reports.report_queue(db, actor_of(db, world.reader), world.community)
    queue = reports.report_queue(db, actor_of(db, world.moderator), world.community)
    assert [(g.target, [r.id for r in g.reports]) for g in queue] == [
        (ReportTarget.TOPIC, [crisis.report.id]),
        (ReportTarget.POST, [ordinary.report.id, same_post.report.id]),
        (ReportTarget.MEMBER, [about_member.report.id]),
    ]
    assert queue[0].urgent and not queue[1].urgent
    assert queue[1].post is not None and queue[1].post.body == "Ik lees De Avonden."
    assert [d.measure for d in queue[1].earlier_decisions] == ["warning"]

    decision = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.LOCK_TOPIC,
        Target(),
        Grounds(rule_id=world.rule.id, explanation="Even rust in dit onderwerp."),
        report=crisis.report,
    )
    assert decision.category == "STATEMENT_CATEGORY_SELF_HARM"


def test_a_report_is_answered_once(db: Session, world: ModerationWorld) -> None:
    first = report(db, world, actor_of(db, world.reader))
    reports.dismiss_report(db, actor_of(db, world.moderator), first.report, "Geen overtreding.")
    outcome = reports.report_outcome(db, first.receipt)
    assert (outcome.status, outcome.measure, outcome.note) == (
        ReportStatus.DISMISSED,
        None,
        "Geen overtreding.",
    )
    with pytest.raises(ServiceError, match="Another moderator has handled this report already."):
        measures.take_measure(
            db,
            actor_of(db, world.second_moderator),
            Measure.HIDE_POST,
            Target(),
            Grounds(rule_id=world.rule.id, explanation="Toch verbergen."),
            report=first.report,
        )
    with pytest.raises(ServiceError, match="handled this report already"):
        reports.dismiss_report(db, actor_of(db, world.second_moderator), first.report)
    db.refresh(world.post)
    assert not world.post.is_hidden
