"""Digests: what goes in (each kind of news, only what the member may read now, nothing
when nothing happened), in the member's language, and when they are sent (their own day
and week, never during their quiet hours, also when those wrap midnight or their stored
zone is no longer known). Over real SMTP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civicforum import CivicForum, ConfigError
from civicforum.digests.schedule import current_period
from civicforum.forum import services as forum_services
from civicforum.forum.models import Role
from civicforum.identity.models import Member
from civicforum.moderation import appeals, measures, reports, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import AppealOutcome, Ground, Measure, ReportTarget
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.moderation.reports import Notice
from civicforum.pace.quiet import zone
from civicforum.plugins.events import services as event_services
from civicforum.plugins.events.models import Answer, EventNotice
from civicforum.plugins.events.services import EventDetails

from .conftest import make_host_app
from .digestworld import (
    MONDAY,
    SITE,
    Clock,
    clock,  # noqa: F401 (a fixture)
    digest_config,
    digest_rows,
    follow,
    join,
    local,
    mails_to,
    people,  # noqa: F401 (a fixture)
    reply,
    send_due,
    start_topic,
    subscribe,
)
from .helpers import actor_of, add_member
from .smtpsink import Inbox


@pytest.fixture
def app_config(request: pytest.FixtureRequest, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return digest_config(smtp[1], **getattr(request, "param", {}))


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


# -- the schedule --------------------------------------------------------------------------


def test_a_day_and_a_week_are_the_members_own() -> None:
    amsterdam, auckland = zone("Europe/Amsterdam", "UTC"), zone("Pacific/Auckland", "UTC")
    monday_early = local("2030-01-07 06:59")
    assert current_period("daily", monday_early, amsterdam, 7).key == "d:2030-01-06"
    assert current_period("daily", monday_early + dt.timedelta(minutes=1), amsterdam, 7).key == (
        "d:2030-01-07"
    )
    # The same moment is already Monday evening in Auckland.
    assert current_period("daily", monday_early, auckland, 7).key == "d:2030-01-07"
    assert current_period("weekly", monday_early, amsterdam, 7).key == "w:2030-W01"
    week = current_period("weekly", local("2030-01-13 23:00"), amsterdam, 7)
    assert week.key == "w:2030-W02" and week.due_at == local("2030-01-07 07:00")


@pytest.mark.parametrize(
    ("config", "key", "expectation"),
    [
        (
            {"CIVICFORUM_MAIL_SERVER": "smtp.example.org", "CIVICFORUM_MAIL_SENDER": "f@x.org"},
            "CIVICFORUM_SITE_URL",
            "required when CIVICFORUM_MAIL_SERVER is set",
        ),
        ({"CIVICFORUM_SITE_URL": "bibliotheek.example"}, "CIVICFORUM_SITE_URL", "public address"),
        ({"CIVICFORUM_SITE_URL": "ftp://bibliotheek.example"}, "CIVICFORUM_SITE_URL", "https://"),
        ({"CIVICFORUM_SITE_URL": "https://x.example/?a=1"}, "CIVICFORUM_SITE_URL", "address"),
        ({"CIVICFORUM_SITE_URL": 7}, "CIVICFORUM_SITE_URL", "address"),
        ({"CIVICFORUM_DIGEST_HOUR": 24}, "CIVICFORUM_DIGEST_HOUR", "from 0 to 23"),
        ({"CIVICFORUM_DIGEST_HOUR": "7"}, "CIVICFORUM_DIGEST_HOUR", "whole number"),
    ],
)
def test_a_wrong_digest_setting_stops_start_up_naming_the_key(
    database_url: str, tmp_path: Path, config: dict[str, Any], key: str, expectation: str
) -> None:
    app = make_host_app(database_url, tmp_path / "instance", **config)
    with pytest.raises(ConfigError) as wrong:
        CivicForum(app)
    assert wrong.value.key == key and expectation in str(wrong.value)


def test_the_site_address_loses_its_trailing_slash(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(
        database_url, tmp_path / "instance", CIVICFORUM_SITE_URL="https://bibliotheek.example/"
    )
    CivicForum(app)
    assert app.extensions["civicforum"].settings.site_url == "https://bibliotheek.example"


# -- what a digest holds -------------------------------------------------------------------


@pytest.fixture
def moderators(db: Session, people: dict[str, Any], make_member: Any) -> dict[str, Any]:  # noqa: F811
    femke, joost = make_member("Femke"), make_member("Joost")
    for moderator in (femke, joost):
        add_member(db, people["leesclub"], moderator, Role.MODERATOR)
    rule = rules.add_rule(
        db,
        actor_of(db, femke),
        people["leesclub"],
        rules.RuleText("Wees vriendelijk", "Be kind", "Niet schelden.", "No name-calling."),
    )
    return {"femke": femke, "joost": joost, "rule": rule}


def test_each_kind_of_news_reaches_the_member_once_in_one_mail(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    moderators: dict[str, Any],
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans, bram, carla = people["ans"], people["bram"], people["carla"]
    leesclub = people["leesclub"]
    femke, joost, rule = moderators["femke"], moderators["joost"], moderators["rule"]
    # Before the period: Ans's own topic, a topic of Carla's she follows, her post that a
    # moderator hid (she appealed), and an event she answered.
    clock.set(MONDAY - dt.timedelta(days=3))
    own = start_topic(db, ans, leesclub, "Mijn leesclubvraag", "Wie leest mee?")
    followed = start_topic(db, carla, leesclub, "Leesclub op zaterdag", "Zaterdag om tien.")
    follow(db, ans, followed)
    follow(db, ans, leesclub)
    hidden = reply(db, ans, own, "Dit is een reclamebericht.")
    decision = measures.take_measure(
        db,
        actor_of(db, femke),
        Measure.HIDE_POST,
        Target(post=hidden),
        Grounds(rule_id=rule.id, explanation="Reclame."),
    )
    appeal = appeals.submit_appeal(db, actor_of(db, ans), decision, "Het was een tip.")
    reported = reply(db, bram, own, "Jij snapt er niks van.")
    report = reports.submit_report(
        db,
        actor_of(db, ans),
        leesclub,
        Notice(
            ReportTarget.POST,
            reported.id,
            Ground.HOUSE_RULE,
            "Scheldt.",
            "De eerste zin.",
            True,
            rule_id=rule.id,
        ),
    ).report
    starts = MONDAY + dt.timedelta(days=10)
    event = event_services.create_event(
        db,
        actor_of(db, femke),
        leesclub,
        EventDetails(
            title="Voorleesmiddag", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
        ),
    )
    event_services.rsvp(db, actor_of(db, ans), event, Answer.GOING)
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))

    # Sunday: what happens in Ans's period.
    clock.set(MONDAY - dt.timedelta(hours=18))
    start_topic(db, bram, leesclub, "Welk boek lezen we in december?", "Ik stel De Avonden voor.")
    reply(db, carla, own, "Ik lees graag mee, **zeker** in de winter.")
    reply(db, bram, followed, "Ik neem koffie mee.")
    reports.dismiss_report(db, actor_of(db, femke), report, "Stevig, maar binnen de regels.")
    appeals.decide_appeal(
        db, actor_of(db, joost), appeal, AppealOutcome.REVERSED, "Een tip is geen reclame."
    )
    event_services.cancel_event(db, actor_of(db, femke), event)
    # Model defaults keep the real clock: the notice is dated as the forum's clock says.
    db.execute(update(EventNotice).values(created_at=clock.now()))
    db.commit()

    clock.set(MONDAY)  # 07:00 in Amsterdam: Monday's daily digest is due
    send_due(app)
    [mail] = mails_to(inbox, ans)
    assert inbox.messages == [mail.message], "only Ans chose digests"
    text = mail.text
    for heading, title, link in [
        ("Replies to you", "Mijn leesclubvraag", "/forum/p/"),
        ("New in topics you follow", "Leesclub op zaterdag", "/forum/p/"),
        ("New topics in communities you follow", "Welk boek lezen we in december?", "/forum/t/"),
        ("Your reports", "Your report in Leesclub was handled.", "/forum/my/reports"),
        (
            "Your appeals",
            "Your appeal was decided: the decision was reversed.",
            "/forum/decisions/",
        ),
        ("Events you answered", "“Voorleesmiddag” on", "/forum/events/"),
    ]:
        assert heading in text and title in text and f"{SITE}{link}" in text, heading
        assert heading in mail.html and title in mail.html
    assert "Leesclub: Ik lees graag mee, zeker in de winter." in text  # plain, no Markdown
    assert "Leesclub: Ik neem koffie mee." in text
    assert "A moderator looked at it and found no measure was needed." in text
    assert "Stevig, maar binnen de regels." in text and "Een tip is geen reclame." in text
    assert "Jij snapt er niks van." not in text  # the reported post is not news to her
    # Shown on her next visit still: the digest does not use the notice up.
    db.expire_all()
    assert [n.seen_at for n in db.scalars(select(EventNotice))] == [None]
    [row] = digest_rows(db, ans)
    assert (row.period, row.status, row.attempts) == ("d:2030-01-07", "sent", 1)
    assert row.covers_from == MONDAY - dt.timedelta(days=2) and row.covers_until == MONDAY


def test_nothing_happened_means_no_mail_and_the_period_logged_empty(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = people["ans"]
    follow(db, ans, people["leesclub"])
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=1))
    send_due(app)
    assert inbox.messages == []
    [row] = digest_rows(db, ans)
    assert (row.period, row.status, row.sent_at) == ("d:2030-01-07", "empty", None)
    # The next day starts where this one ended.
    clock.advance(days=1)
    start_topic(db, people["bram"], people["leesclub"], "Nieuw boek", "Wie leest mee?")
    clock.advance(minutes=5)
    send_due(app)
    [mail] = mails_to(inbox, ans)
    assert "Nieuw boek" in mail.text
    assert [r.covers_from for r in digest_rows(db, ans)] == [
        MONDAY - dt.timedelta(days=1),
        MONDAY,
    ]


def test_what_the_member_may_not_read_now_never_reaches_a_digest(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    moderators: dict[str, Any],
    make_community: Any,
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans, bram, carla = people["ans"], people["bram"], people["carla"]
    leesclub = people["leesclub"]
    femke, rule = moderators["femke"], moderators["rule"]
    patienten = make_community("patienten", members_only=True)
    join(db, patienten, ans, bram)
    clock.set(MONDAY - dt.timedelta(days=3))
    group_topic = start_topic(db, bram, patienten, "Lotgenoten", "Hoe gaat het?")
    followed = start_topic(db, carla, leesclub, "Leesclub op zaterdag", "Zaterdag om tien.")
    for thing in (patienten, group_topic, followed, leesclub):
        follow(db, ans, thing)
    forum_services.leave(db, actor_of(db, ans), patienten)
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))

    clock.set(MONDAY - dt.timedelta(hours=18))
    start_topic(db, bram, patienten, "GEHEIM onderwerp", "Alleen voor leden.")
    reply(db, bram, group_topic, "GEHEIM antwoord")
    hidden = reply(db, bram, followed, "VERBORGEN reclame")
    set_premoderation(db, actor_of(db, femke), leesclub, Premoderation(hold_everything=True))
    held = reply(db, carla, followed, "WACHTEND op een moderator")
    assert held.held
    set_premoderation(db, actor_of(db, femke), leesclub, Premoderation())
    reply(db, ans, followed, "EIGEN bericht van Ans")
    gone = reply(db, bram, followed, "GEWIST bericht")
    forum_services.delete_post(db, actor_of(db, bram), gone)
    measures.take_measure(
        db,
        actor_of(db, femke),
        Measure.HIDE_POST,
        Target(post=hidden),
        Grounds(rule_id=rule.id, explanation="Reclame."),
    )
    clock.set(MONDAY)
    send_due(app)
    assert inbox.messages == [], "nothing she may read now: no mail"
    assert [r.status for r in digest_rows(db, ans)] == ["empty"]

    # One thing she may read: a mail with that, and none of the rest.
    clock.advance(hours=1)
    reply(db, carla, followed, "Koffie staat klaar.")
    clock.set(MONDAY + dt.timedelta(days=1))
    send_due(app)
    [mail] = mails_to(inbox, ans)
    assert "Koffie staat klaar." in mail.text
    for word in ("GEHEIM", "Lotgenoten", "VERBORGEN", "WACHTEND", "EIGEN", "GEWIST", "Patienten"):
        assert word not in mail.both, word


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_digest_is_written_in_the_members_language(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    moderators: dict[str, Any],
    clock: Clock,  # noqa: F811
    inbox: Inbox,
    language: str,
) -> None:
    ans, bram = people["ans"], people["bram"]
    ans.language = language
    db.commit()
    clock.set(MONDAY - dt.timedelta(days=3))
    post = start_topic(db, bram, people["leesclub"], "Een vraag", "Scheldwoorden.")
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))
    report = reports.submit_report(
        db,
        actor_of(db, ans),
        people["leesclub"],
        Notice(
            ReportTarget.TOPIC,
            post.id,
            Ground.HOUSE_RULE,
            "Scheldt.",
            "Daar.",
            True,
            rule_id=moderators["rule"].id,
        ),
    ).report
    clock.set(MONDAY - dt.timedelta(hours=1))
    reports.dismiss_report(db, actor_of(db, moderators["femke"]), report)
    clock.set(MONDAY)
    send_due(app)
    [mail] = mails_to(inbox, ans)
    assert f'<html lang="{language}">' in mail.html
    assert mail.message["Content-Language"] == language
    outcome = {
        "nl": "Een moderator heeft ernaar gekeken en vond geen maatregel nodig.",
        "en": "A moderator looked at it and found no measure was needed.",
    }[language]
    assert outcome in mail.text and outcome in mail.html


# -- when it is sent -----------------------------------------------------------------------


def news_for(db: Session, people: dict[str, Any], clock: Clock, **subscription: Any) -> Member:  # noqa: F811
    """Ans, subscribed, with a reply to her topic waiting."""
    ans = people["ans"]
    moment = clock.now()
    clock.set(MONDAY - dt.timedelta(days=3))
    topic = start_topic(db, ans, people["leesclub"], "Mijn vraag", "Wie weet het?")
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2), **subscription)
    clock.set(MONDAY - dt.timedelta(hours=12))
    reply(db, people["bram"], topic, "Ik weet het!")
    clock.set(moment)
    return ans


def test_quiet_hours_that_wrap_midnight_hold_the_digest_until_they_end(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = news_for(db, people, clock, quiet=(22 * 60, 8 * 60))  # 22:00 to 08:00
    for moment in ("2030-01-07 07:00", "2030-01-07 07:55"):
        clock.set(local(moment))
        send_due(app)
        assert inbox.messages == [] and digest_rows(db) == [], moment
    clock.set(local("2030-01-07 08:00"))
    send_due(app)
    assert len(mails_to(inbox, ans)) == 1


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_DIGEST_HOUR": 23}], indirect=True)
def test_a_digest_due_in_the_evening_waits_past_midnight_for_the_quiet_hours_to_end(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = news_for(db, people, clock, quiet=(22 * 60, 2 * 60))  # 22:00 to 02:00
    for moment in ("2030-01-07 23:00", "2030-01-08 00:30", "2030-01-08 01:59"):
        clock.set(local(moment))
        send_due(app)
        assert inbox.messages == [], moment
    clock.set(local("2030-01-08 02:00"))
    send_due(app)
    assert len(mails_to(inbox, ans)) == 1
    [row] = digest_rows(db, ans)
    assert row.period == "d:2030-01-07", "still Monday's digest, sent in the night after"


def test_a_zone_no_longer_known_falls_back_to_the_sites(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = news_for(db, people, clock, timezone="Mars/Olympus", quiet=(23 * 60, 7 * 60 + 30))
    clock.set(dt.datetime(2030, 1, 7, 6, 15, tzinfo=dt.UTC))  # 07:15 in Amsterdam: quiet
    send_due(app)
    assert inbox.messages == []
    # 06:30 UTC: before 07:00 in UTC, but 07:30 in Amsterdam, where the quiet hours end.
    clock.set(dt.datetime(2030, 1, 7, 6, 30, tzinfo=dt.UTC))
    send_due(app)
    assert len(mails_to(inbox, ans)) == 1
    [row] = digest_rows(db, ans)
    assert row.period == "d:2030-01-07", "Monday in Amsterdam (in UTC it is still Sunday)"


def test_a_weekly_digest_comes_on_monday_once_for_the_whole_week(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = news_for(db, people, clock, frequency="weekly", timezone="Europe/Amsterdam")
    clock.set(MONDAY)
    send_due(app)
    topic = start_topic(db, people["carla"], people["leesclub"], "Van dinsdag", "Hallo.")
    follow(db, ans, topic)
    for days in (1, 3, 6):
        clock.set(MONDAY + dt.timedelta(days=days, hours=5))
        reply(db, people["bram"], topic, f"Dag {days}")
        send_due(app)
    assert len(mails_to(inbox, ans)) == 1
    clock.set(MONDAY + dt.timedelta(days=7))
    send_due(app)
    first, second = mails_to(inbox, ans)
    assert second.message["Subject"] == "What is new at Bibliotheek Voorbeeldstad this week"
    assert "Van dinsdag" in second.text and "Dag 1" in second.text
    assert [r.period for r in digest_rows(db, ans)] == ["w:2030-W02", "w:2030-W03"]


def test_digests_chosen_after_the_hour_start_the_next_day(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = people["ans"]
    topic = start_topic(db, ans, people["leesclub"], "Mijn vraag", "Wie weet het?")
    clock.set(local("2030-01-07 10:00"))
    subscribe(db, ans, chosen=clock.now())
    clock.set(local("2030-01-07 10:30"))
    reply(db, people["bram"], topic, "Ik weet het!")
    send_due(app)
    assert inbox.messages == [], "Monday's digest was due before she chose"
    clock.set(local("2030-01-08 07:00"))
    send_due(app)
    [mail] = mails_to(inbox, ans)
    assert "Ik weet het!" in mail.text
    [row] = digest_rows(db, ans)
    assert row.covers_from == local("2030-01-07 10:00")
