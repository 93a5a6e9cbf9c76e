"""Two moderators at once, in real concurrent transactions: one report gets one decision,
one appeal one outcome.

PostgreSQL only: SQLite has one writer at a time, so there is no race to test there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from civicforum.errors import ServiceError
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.identity.models import Member, PublishAs
from civicforum.identity.providers import load_actor
from civicforum.moderation import appeals, measures, reports
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import (
    Appeal,
    AppealOutcome,
    Decision,
    Ground,
    Measure,
    Report,
    ReportStatus,
    ReportTarget,
)

from .conftest import LIMITS, PG_ENV
from .helpers import ModerationWorld, actor_of, moderation_world

pytestmark = pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason="needs PostgreSQL: SQLite has one writer at a time, so there is no race to test",
)


@dataclass
class Race:
    """People who each, in their own thread and connection, act at the same moment."""

    factory: sessionmaker[Session]
    barrier: threading.Barrier
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)

    def run(self, member_id: int, action: Callable[[Session, object], None]) -> None:
        try:
            with self.factory() as session:
                member = session.get(Member, member_id)
                assert member is not None
                actor = load_actor(session, member)
                session.commit()  # each starts the race from a clean transaction
                self.barrier.wait(timeout=10)
                try:
                    action(session, actor)
                except ServiceError as error:
                    self.refused.append(error.message)
                else:
                    self.done.append(member.display_name)
        except BaseException as error:  # reported in the test's own thread
            self.failures.append(error)

    def start(self, *contenders: tuple[int, Callable[[Session, object], None]]) -> None:
        threads = [threading.Thread(target=self.run, args=c) for c in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not self.failures, self.failures


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


def test_two_moderators_acting_on_one_report_make_one_decision(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    factory = state(app).session_factory
    for round_ in range(10):
        post = forum_services.reply(
            db,
            actor_of(db, world.author),
            world.topic,
            body=f"Ronde {round_}",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"ronde-{round_}",
            limits=LIMITS,
        )
        report_id = reports.submit_report(
            db,
            actor_of(db, world.reader),
            world.community,
            reports.Notice(
                ReportTarget.POST,
                post.id,
                Ground.HOUSE_RULE,
                "Scheldwoord.",
                f"/forum/p/{post.id}",
                True,
                rule_id=world.rule.id,
            ),
        ).report.id

        def hide(session: Session, actor: object, report_id: int = report_id) -> None:
            report = session.get(Report, report_id)
            assert report is not None
            measures.take_measure(
                session,
                actor,  # type: ignore[arg-type]
                Measure.HIDE_POST,
                Target(),
                Grounds(rule_id=world.rule.id, explanation="Schelden mag niet."),
                report=report,
            )

        def dismiss(session: Session, actor: object, report_id: int = report_id) -> None:
            report = session.get(Report, report_id)
            assert report is not None
            reports.dismiss_report(session, actor, report, "Valt mee.")  # type: ignore[arg-type]

        race = Race(factory, threading.Barrier(2))
        second = dismiss if round_ % 2 else hide
        race.start((world.moderator.id, hide), (world.second_moderator.id, second))
        assert len(race.done) == 1, race.done
        assert race.refused == ["Another moderator has handled this report already."]
        db.expire_all()
        decided = db.scalar(select(func.count(Decision.id)).where(Decision.report_id == report_id))
        report = db.get(Report, report_id)
        assert report is not None and report.status != ReportStatus.OPEN
        assert decided == (1 if report.status == ReportStatus.ACTED else 0)


def test_two_moderators_deciding_one_appeal_give_one_outcome(
    app: Flask, db: Session, world: ModerationWorld, make_member
) -> None:  # type: ignore[no-untyped-def]
    factory = state(app).session_factory
    third = make_member("Derde moderator", admin=True)
    decision = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=world.post),
        Grounds(rule_id=world.rule.id, explanation="Kwetsend."),
    )
    appeal_id = appeals.submit_appeal(db, actor_of(db, world.author), decision, "Onterecht.").id

    def decide(outcome: AppealOutcome) -> Callable[[Session, object], None]:
        def action(session: Session, actor: object) -> None:
            appeal = session.get(Appeal, appeal_id)
            assert appeal is not None
            appeals.decide_appeal(session, actor, appeal, outcome, "Besloten.")  # type: ignore[arg-type]

        return action

    race = Race(factory, threading.Barrier(2))
    race.start(
        (world.second_moderator.id, decide(AppealOutcome.REVERSED)),
        (third.id, decide(AppealOutcome.UPHELD)),
    )
    assert len(race.done) == 1
    assert race.refused == ["This appeal has been decided already."]
    db.expire_all()
    appeal = db.get(Appeal, appeal_id)
    assert appeal is not None
    lifted = db.get(Decision, decision.id).lifted_at is not None  # type: ignore[union-attr]
    assert lifted == (appeal.outcome == AppealOutcome.REVERSED)


def test_the_same_appeal_sent_twice_at_once_is_one_appeal(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    factory = state(app).session_factory
    decision_id = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.WARNING,
        Target(post=world.post),
        Grounds(rule_id=world.rule.id, explanation="Let op."),
    ).id

    def appeal(session: Session, actor: object) -> None:
        decision = session.get(Decision, decision_id)
        assert decision is not None
        appeals.submit_appeal(session, actor, decision, "Ik deed niets.")  # type: ignore[arg-type]

    race = Race(factory, threading.Barrier(2))
    race.start((world.author.id, appeal), (world.author.id, appeal))
    assert len(race.done) == 1
    assert race.refused == ["You appealed this decision already; a decision can be appealed once."]
    assert db.scalar(select(func.count(Appeal.id))) == 1


def post_at_once(
    browsers: list[tuple[FlaskClient, str]], url: str, data: dict[str, str]
) -> list[int]:
    """Each signed-in test client sends the form with its own CSRF token, in its own
    thread, at the same moment; the status codes, in no particular order."""
    barrier = threading.Barrier(len(browsers))
    answers: list[int] = []
    failures: list[BaseException] = []

    def send(client: FlaskClient, token: str) -> None:
        try:
            barrier.wait(timeout=10)
            answers.append(client.post(url, data={"csrf_token": token, **data}).status_code)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=send, args=browser) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    return answers


def test_two_moderators_sending_the_measure_form_at_once_make_one_decision(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    """The same race through the pages: two browsers send the filled-in form together."""
    from .helpers import form_token, sign_in

    for round_ in range(5):
        report = reports.submit_report(
            db,
            actor_of(db, world.reader),
            world.community,
            reports.Notice(
                ReportTarget.POST,
                world.post.id,
                Ground.HOUSE_RULE,
                f"Kwetsend {round_}.",
                "Hier.",
                True,
                rule_id=world.rule.id,
            ),
        ).report
        url = f"/forum/c/leesclub/moderation/measure?measure=warning&report={report.id}"
        browsers = []
        for moderator in (world.moderator, world.second_moderator):
            client = app.test_client()
            sign_in(client, moderator)
            browsers.append((client, form_token(client.get(url).get_data(as_text=True))))
        answers = post_at_once(
            browsers,
            url,
            {"ground": f"rule-{world.rule.id}", "explanation": "Kwetsend taalgebruik."},
        )
        # One decision; the other moderator is told the report was handled meanwhile.
        assert sorted(answers) == [302, 409], answers
        db.expire_all()
        count = db.scalar(select(func.count(Decision.id)).where(Decision.report_id == report.id))
        assert count == 1
