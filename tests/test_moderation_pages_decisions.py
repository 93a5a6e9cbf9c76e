"""Statements of reasons and appeals through the real pages: the member reads the decision
and appeals it within six months; a moderator other than the one who decided upholds or
reverses it, and a reversal restores the content at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community
from civicforum.identity.models import Member
from civicforum.moderation.models import Appeal, Decision

from .helpers import FrozenClock, ModerationWorld, moderation_world, sign_in
from .moderationpages import EN, latest_decision, send, take_measure, visible

OPENING = "Ik lees De Avonden."


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def hidden(client: FlaskClient, db: Session, world: ModerationWorld) -> Decision:
    sign_in(client, world.moderator)
    done = take_measure(
        client,
        "leesclub",
        "hide_post",
        rule_id=world.rule.id,
        explanation="Dit bericht kwetst.",
        about={"post": world.post.id},
    )
    assert done.status_code == 302
    return latest_decision(db)


def appeal(client: FlaskClient, decision: Decision, statement: str = "Het was een grap.") -> object:
    url = f"/forum/decisions/{decision.id}"
    return send(client, f"{url}/appeal", {"statement": statement}, form_url=url)


def decide(client: FlaskClient, decision: Decision, outcome: str, reasons: str) -> object:
    url = f"/forum/decisions/{decision.id}"
    return send(
        client, f"{url}/appeal/decide", {"outcome": outcome, "reasons": reasons}, form_url=url
    )


def appeals_in(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Appeal.id))) or 0


def test_an_appeal_decided_by_another_moderator_restores_the_post(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    decision = hidden(client, db, world)
    sign_in(client, world.author)
    assert "A word from the moderators" in visible(client.get("/forum/", headers=EN))
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "You can appeal until" in page and "Dit bericht kwetst." in page
    assert OPENING in page  # the content concerned, for its author
    sent = appeal(client, decision, "Ik bedoelde het niet kwetsend.")
    assert sent.status_code == 302
    assert "Ik bedoelde het niet kwetsend." in visible(
        client.get(f"/forum/decisions/{decision.id}", headers=EN)
    )

    # The moderator who decided may not decide the appeal: told why, and refused.
    sign_in(client, world.moderator)
    own = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "A moderator other than the one who took the decision must decide the appeal." in own
    queue = visible(client.get("/forum/c/leesclub/moderation/appeals", headers=EN))
    assert "Ik bedoelde het niet kwetsend." in queue and "Appeals (1)" in queue
    refused = decide(client, decision, "upheld", "Blijft staan.")
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(Appeal, decision.appeal.id).outcome is None  # type: ignore[union-attr]

    sign_in(client, world.second_moderator)
    reversed_ = decide(client, decision, "reversed", "Bij nader inzien een grap onder vrienden.")
    assert reversed_.status_code == 302
    sign_in(client, world.reader)
    assert OPENING in visible(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    sign_in(client, world.author)
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "Outcome: Reversed" in page and "Bij nader inzien een grap onder vrienden." in page
    assert "reversed on appeal" in page
    log = visible(client.get("/forum/c/leesclub/moderation-log", headers=EN))
    assert "Reversed" in log


def test_an_upheld_decision_stays_with_the_reasons(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    decision = hidden(client, db, world)
    sign_in(client, world.author)
    appeal(client, decision)
    sign_in(client, world.second_moderator)
    for fields, message in (
        ({"outcome": "upheld", "reasons": ""}, "Give the reasons for the outcome"),
        (
            {"outcome": "", "reasons": "Omdat."},
            "Choose whether the decision is upheld or reversed.",
        ),
    ):
        url = f"/forum/decisions/{decision.id}"
        refused = send(client, f"{url}/appeal/decide", fields, form_url=url)
        assert refused.status_code == 422 and message in visible(refused)
    assert decide(client, decision, "upheld", "Uitschelden blijft uitschelden.").status_code == 302
    sign_in(client, world.reader)
    assert OPENING not in visible(client.get(f"/forum/t/{world.topic.id}/", headers=EN))
    sign_in(client, world.author)
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "Outcome: Upheld" in page and "Uitschelden blijft uitschelden." in page


def test_bad_appeals_are_refused_and_nothing_is_written(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    decision = hidden(client, db, world)
    # Someone else's decision: not even to be read.
    sign_in(client, world.reader)
    assert client.get(f"/forum/decisions/{decision.id}").status_code == 403
    refused = client.post(
        f"/forum/decisions/{decision.id}/appeal", data={"statement": "Onterecht!"}
    )
    assert refused.status_code in (400, 403)
    sign_in(client, None)
    assert client.get(f"/forum/decisions/{decision.id}").status_code == 403
    assert appeals_in(db) == 0
    # Without a reason.
    sign_in(client, world.author)
    empty = appeal(client, decision, "   ")
    assert empty.status_code == 422 and "Say why the decision should be changed." in visible(empty)
    assert appeals_in(db) == 0
    # Twice.
    assert appeal(client, decision).status_code == 302
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "Send my appeal" not in page
    url = f"/forum/decisions/{decision.id}"
    from .helpers import form_token
    from .moderationpages import text

    token = form_token(text(client.get(url)))
    again = client.post(
        f"{url}/appeal", data={"csrf_token": token, "statement": "Nog eens."}, headers=EN
    )
    assert again.status_code == 403
    assert "You appealed this decision already" in visible(again)
    assert appeals_in(db) == 1


def test_the_appeal_closes_after_six_months(
    client: FlaskClient, db: Session, world: ModerationWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC))
    decision = hidden(client, db, world)
    clock.advance(days=184)  # past 30 September
    sign_in(client, world.author)
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "The six months in which this decision could be appealed have passed." in page
    url = f"/forum/decisions/{decision.id}"
    from .helpers import form_token
    from .moderationpages import text

    late = client.post(
        f"{url}/appeal",
        data={"csrf_token": form_token(text(client.get(url))), "statement": "Te laat?"},
        headers=EN,
    )
    assert late.status_code == 403
    assert appeals_in(db) == 0
    # The courts and a dispute settlement body remain.
    assert "You can always go to court." in page


def test_appeals_against_a_suspension_are_for_site_administrators(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    sign_in(client, world.admin)
    done = take_measure(
        client,
        "leesclub",
        "suspension",
        rule_id=world.rule.id,
        about={"post": world.post.id},
        duration="7",
        unit="days",
    )
    assert done.status_code == 302
    decision = latest_decision(db)
    sign_in(client, world.author)
    assert appeal(client, decision, "Een week is te lang.").status_code == 302
    sign_in(client, world.moderator)
    page = visible(client.get(f"/forum/decisions/{decision.id}", headers=EN))
    assert "Only site administrators can decide this appeal." in page
    assert "Een week is te lang." not in visible(
        client.get("/forum/c/leesclub/moderation/appeals", headers=EN)
    )
    assert decide(client, decision, "reversed", "Goed.").status_code == 403
    # Another site administrator decides; the one who suspended may not.
    sign_in(client, world.admin)
    overview = visible(client.get("/forum/moderation/", headers=EN))
    assert "Appeals against suspensions and bans" in overview and "Een week is te lang." in overview
    assert decide(client, decision, "reversed", "Goed.").status_code == 403
