"""Appeals: once, by the member concerned, within six months, decided by another moderator;
a reversal undoes the measure at once."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import policy
from civicforum.errors import NotAllowed, ServiceError
from civicforum.forum import services as forum_services
from civicforum.identity.models import PublishAs
from civicforum.moderation import appeals, measures
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Appeal, AppealOutcome, Decision, Measure

from .conftest import LIMITS
from .helpers import FrozenClock, ModerationWorld, actor_of, moderation_world, sign_in

START = dt.datetime(2030, 8, 31, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


def hide(db: Session, world: ModerationWorld) -> Decision:
    return measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=world.post),
        Grounds(rule_id=world.rule.id, explanation="Kwetsend."),
    )


def appeals_written(db: Session) -> int:
    return db.scalar(select(func.count(Appeal.id))) or 0


def test_only_the_member_concerned_appeals_and_only_once(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    decision = hide(db, world)
    for who, message in [
        (None, "Sign in to appeal a decision."),
        (world.reader, "Only the member a decision concerns can appeal it."),
        (world.moderator, "Only the member a decision concerns can appeal it."),
    ]:
        with pytest.raises(NotAllowed, match=message):
            appeals.submit_appeal(db, actor_of(db, who), decision, "Dit klopt niet.")
    author = actor_of(db, world.author)
    with pytest.raises(ServiceError, match="Say why the decision should be changed."):
        appeals.submit_appeal(db, author, decision, "   ")
    assert appeals_written(db) == 0

    appeals.submit_appeal(db, author, decision, "Ik citeerde alleen een boek.")
    db.refresh(decision)
    with pytest.raises(NotAllowed, match="a decision can be appealed once"):
        appeals.submit_appeal(db, actor_of(db, world.author), decision, "Nog een keer.")
    assert appeals_written(db) == 1
    assert appeals.redress(decision).appealed


def test_the_appeal_window_is_six_calendar_months(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    decision = hide(db, world)
    # 31 August + six months: the last day of February.
    assert policy.appeal_deadline(decision) == dt.datetime(2031, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert appeals.redress(decision).appeal_until == dt.datetime(2031, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert len(appeals.redress(decision).elsewhere) == 2
    clock.advance(days=181, minutes=1)
    with pytest.raises(NotAllowed, match="six months in which this decision could be appealed"):
        appeals.submit_appeal(db, actor_of(db, world.author), decision, "Te laat.")
    assert appeals.redress(decision).appeal_until is None


def test_the_deciding_moderator_cannot_decide_the_appeal(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    decision = hide(db, world)
    appeal = appeals.submit_appeal(db, actor_of(db, world.author), decision, "Onterecht.")
    with pytest.raises(NotAllowed, match="A moderator other than the one who took the decision"):
        appeals.decide_appeal(
            db, actor_of(db, world.moderator), appeal, AppealOutcome.REVERSED, "Ik had gelijk."
        )
    with pytest.raises(NotAllowed, match="Only this community's moderators"):
        appeals.decide_appeal(db, actor_of(db, world.reader), appeal, AppealOutcome.UPHELD, "Nee.")
    with pytest.raises(ServiceError, match="Give the reasons for the outcome"):
        appeals.decide_appeal(
            db, actor_of(db, world.second_moderator), appeal, AppealOutcome.UPHELD, ""
        )
    db.refresh(appeal)
    assert appeal.is_open

    appeals.decide_appeal(
        db,
        actor_of(db, world.second_moderator),
        appeal,
        AppealOutcome.UPHELD,
        "Het blijft kwetsend, ook als citaat.",
    )
    [mine] = appeals.decisions_about(db, actor_of(db, world.author))
    assert mine.appeal is not None and mine.appeal.outcome == AppealOutcome.UPHELD
    assert mine.appeal.reasons == "Het blijft kwetsend, ook als citaat."
    with pytest.raises(NotAllowed, match="decided already"):
        appeals.decide_appeal(
            db, actor_of(db, world.admin), appeal, AppealOutcome.REVERSED, "Toch."
        )


def test_a_reversal_restores_the_post_at_once(
    client: FlaskClient, db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    decision = hide(db, world)
    appeal = appeals.submit_appeal(db, actor_of(db, world.author), decision, "Het was een citaat.")
    assert appeals.open_appeals(db, actor_of(db, world.second_moderator), world.community) == [
        appeal
    ]
    sign_in(client, world.reader)
    assert client.get(f"/forum/p/{world.post.id}").status_code == 403
    appeals.decide_appeal(
        db,
        actor_of(db, world.second_moderator),
        appeal,
        AppealOutcome.REVERSED,
        "Een citaat uit een boek is geen belediging.",
    )
    assert client.get(f"/forum/p/{world.post.id}").status_code == 302
    db.refresh(decision)
    assert decision.lift_reason == "appeal" and decision.explanation == "Kwetsend."
    assert appeals.open_appeals(db, actor_of(db, world.moderator), world.community) == []


def test_a_reversed_mute_lets_the_member_post_again(
    db: Session, world: ModerationWorld, clock: FrozenClock
) -> None:
    mute = measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.MUTE,
        Target(member=world.author, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Drie keer gewaarschuwd."),
        duration=dt.timedelta(days=7),
    )

    def post() -> object:
        return forum_services.reply(
            db,
            actor_of(db, world.author),
            world.topic,
            body="Mag ik weer?",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="weer",
            limits=LIMITS,
        )

    with pytest.raises(NotAllowed, match="You are muted in this community"):
        post()
    appeal = appeals.submit_appeal(db, actor_of(db, world.author), mute, "Ik was het niet.")
    appeals.decide_appeal(
        db, actor_of(db, world.admin), appeal, AppealOutcome.REVERSED, "Verkeerd lid."
    )
    assert post() is not None


def test_site_wide_measures_are_appealed_to_another_site_admin(
    db: Session, world: ModerationWorld, make_member, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    suspension = measures.take_measure(
        db,
        actor_of(db, world.admin),
        Measure.SUSPENSION,
        Target(member=world.author, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Herhaald."),
        duration=dt.timedelta(days=3),
    )
    appeal = appeals.submit_appeal(db, actor_of(db, world.author), suspension, "Te zwaar.")
    with pytest.raises(NotAllowed, match="Only site administrators can decide this appeal."):
        appeals.decide_appeal(
            db, actor_of(db, world.moderator), appeal, AppealOutcome.REVERSED, "Eens."
        )
    with pytest.raises(NotAllowed, match="A moderator other than the one"):
        appeals.decide_appeal(db, actor_of(db, world.admin), appeal, AppealOutcome.UPHELD, "Nee.")
    other_admin = make_member("Tweede beheerder", admin=True)
    appeals.decide_appeal(db, actor_of(db, other_admin), appeal, AppealOutcome.UPHELD, "Terecht.")
    db.refresh(suspension)
    assert suspension.lifted_at is None
