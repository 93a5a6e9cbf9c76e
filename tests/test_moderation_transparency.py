"""Transparency: figures per community and period, the public log, and the JSON Lines
export in the Transparency Database's statement schema, all without personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum.models import Post
from civicforum.identity.models import LocalAccount, Member
from civicforum.moderation import appeals, measures, reports, transparency
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import (
    AppealOutcome,
    Decision,
    Ground,
    Measure,
    Report,
    ReportTarget,
)
from civicforum.moderation.reports import Notice

from .helpers import FrozenClock, ModerationWorld, actor_of, moderation_world

EN = {"Accept-Language": "en"}

START = dt.datetime(2030, 4, 1, 8, 0, tzinfo=dt.UTC)
PERIOD = transparency.Period(START, START + dt.timedelta(days=30))


@dataclass
class History:
    world: ModerationWorld
    decisions: list[Decision]


@pytest.fixture
def history(db: Session, make_member, make_community, monkeypatch: pytest.MonkeyPatch) -> History:  # type: ignore[no-untyped-def]
    """A month of moderation in a community whose people have names, addresses and posts."""
    world = moderation_world(db, make_member, make_community)
    world.author.real_name = "Annemarie van Echt"
    db.commit()
    clock = FrozenClock(monkeypatch, START)
    moderator = actor_of(db, world.moderator)

    def notice(**changes: Any) -> Report:
        fields = {
            "target": ReportTarget.POST,
            "target_id": world.post.id,
            "ground": Ground.HOUSE_RULE,
            "rule_id": world.rule.id,
            "explanation": "Ans scheldt Bram uit, zie haar bericht.",
            "location": f"/forum/p/{world.post.id}",
            "good_faith": True,
            "email": "melder.privé@example.org",
        } | changes
        return reports.submit_report(
            db, actor_of(db, None), world.community, Notice(**fields)
        ).report

    first = notice()
    clock.advance(minutes=30)
    hidden = measures.take_measure(
        db,
        moderator,
        Measure.HIDE_POST,
        Target(),
        Grounds(
            rule_id=world.rule.id, explanation="Ans noemde Bram een idioot.", facts="Zie 3 april."
        ),
        report=first,
    )
    second = notice(target=ReportTarget.MEMBER, target_id=world.reader.id)
    clock.advance(minutes=90)
    muted = measures.take_measure(
        db,
        moderator,
        Measure.MUTE,
        Target(),
        Grounds(legal_ground="Art. 285 Sr (bedreiging)", explanation="Bram bedreigde Ans."),
        report=second,
        duration=dt.timedelta(days=2),
    )
    warned = measures.take_measure(
        db,
        moderator,
        Measure.WARNING,
        Target(member=world.author, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Annemarie, let op je toon."),
    )
    suspended = measures.take_measure(
        db,
        actor_of(db, world.admin),
        Measure.SUSPENSION,
        Target(member=world.reader, community=world.community),
        Grounds(rule_id=world.rule.id, explanation="Bram, dit was de laatste keer."),
        duration=dt.timedelta(days=14),
    )
    appeal = appeals.submit_appeal(db, actor_of(db, world.author), hidden, "Ik citeerde, Bram.")
    appeals.decide_appeal(
        db, actor_of(db, world.second_moderator), appeal, AppealOutcome.REVERSED, "Een citaat."
    )
    return History(world, [hidden, muted, warned, suspended])


def personal_data(db: Session) -> set[str]:
    """Every name, e-mail address and text of a person the database holds."""
    found: set[str] = set()
    for member in db.scalars(select(Member)):
        found |= {member.display_name, *([member.real_name] if member.real_name else [])}
    found |= set(db.scalars(select(LocalAccount.email)))
    found |= {post.body for post in db.scalars(select(Post))}
    for report in db.scalars(select(Report)):
        found |= {report.explanation, *([report.reporter_email] if report.reporter_email else [])}
    for decision in db.scalars(select(Decision)):
        found |= {decision.explanation, *([decision.facts] if decision.facts else [])}
    return {item for item in found if item}


def leaks(published: str, db: Session) -> list[str]:
    lowered = published.lower()
    return [item for item in personal_data(db) if item.lower() in lowered]


def test_figures_count_rules_measures_outcomes_and_appeals(db: Session, history: History) -> None:
    figures = transparency.figures(db, history.world.community, PERIOD)
    assert figures.decisions == 4
    assert [(r.number, r.title_en, r.decisions) for r in figures.by_rule] == [(1, "Be kind", 3)]
    assert figures.illegal_content == 1
    assert {k: v for k, v in figures.by_measure.items() if v} == {
        "hide_post": 1,
        "mute": 1,
        "warning": 1,
        "suspension": 1,
    }
    assert (figures.on_notice, figures.own_initiative) == (2, 2)
    assert figures.reports == 2 and figures.reports_by_outcome["acted"] == 2
    # Answered after 30 and after 90 minutes.
    assert figures.median_time_to_decide == dt.timedelta(minutes=60)
    assert (figures.appeals, figures.reversals) == (1, 1)

    later = transparency.Period(PERIOD.end, PERIOD.end + dt.timedelta(days=30))
    assert transparency.figures(db, history.world.community, later).decisions == 0
    with pytest.raises(ValueError, match="ends after it starts"):
        transparency.Period(START, START)


def test_the_public_log_carries_no_personal_data(db: Session, history: History) -> None:
    log = transparency.public_log(db, history.world.community)
    assert [entry.measure for _, entry in log] == [
        Measure.SUSPENSION,
        Measure.WARNING,
        Measure.MUTE,
        Measure.HIDE_POST,
    ]
    assert log[-1][1].appeal_outcome == AppealOutcome.REVERSED
    assert log[0][1].rule_title_nl == "Wees vriendelijk"
    assert not leaks(repr(log), db)
    next_page = transparency.public_log(db, history.world.community, limit=2, before_id=log[1][0])
    assert [entry.measure for _, entry in next_page] == [Measure.MUTE, Measure.HIDE_POST]


# -- the statement schema of the EU Transparency Database ---------------------------------

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "transparency-statement.schema.json").read_text()
)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_problems(item: dict[str, Any]) -> list[str]:
    """Where a statement breaks the Transparency Database's rules for submissions: its
    JSON Schema, and the order of its dates, which a schema cannot express."""
    problems = [
        f"{'/'.join(map(str, e.path)) or '(statement)'}: {e.message}"
        for e in VALIDATOR.iter_errors(item)
    ]
    if (
        item.get("application_date", "") < "2020-01-01"
        or item.get("content_date", "") < "2000-01-01"
    ):
        problems.append("dates too early")
    for key in (k for k in item if k.startswith("end_date")):
        if item[key] < item.get("application_date", ""):
            problems.append(f"{key} before application_date")
    return problems


def test_the_schema_refuses_what_the_database_would() -> None:
    """The schema is strict where the database is: a check that cannot fail checks nothing."""
    good = {
        "puid": "cf-1",
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "House rule 1: Be kind",
        "incompatible_content_explanation": "No name-calling.",
        "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_date": "2026-03-01",
        "application_date": "2026-03-02",
        "territorial_scope": ["NL", "BE"],
        "decision_facts": "A post was hidden.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    }
    assert schema_problems(good) == []
    spoiled = [
        {**good, "decision_visibility": ["DECISION_VISIBILITY_HIDDEN"]},
        {k: v for k, v in good.items() if k != "decision_visibility"},
        {**good, "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"},
        {**good, "content_type": ["CONTENT_TYPE_OTHER"]},
        {**good, "territorial_scope": ["US"]},
        {**good, "application_date": "2 March 2026"},
        {**good, "end_date_visibility_restriction": "2026-03-01"},
        {**good, "reporter_email": "someone@example.org"},
        {**good, "automated_detection": False},
    ]
    for item in spoiled:
        assert schema_problems(item), item


def export(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(
        args=["civicforum", "moderation", "export-decisions", *args]
    )


def test_the_export_matches_the_statement_schema_without_personal_data(
    app: Flask, db: Session, history: History
) -> None:
    result = export(app)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    statements = [json.loads(line) for line in lines]
    # A warning restricts nothing: it is counted in the figures, not exported.
    assert len(statements) == 3
    for item in statements:
        assert schema_problems(item) == [], item
    assert len({item["puid"] for item in statements}) == 3
    hidden, muted, suspended = statements
    assert hidden["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert hidden["source_type"] == "SOURCE_ARTICLE_16"
    assert hidden["incompatible_content_explanation"] == "No name-calling or hurtful language."
    assert muted["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert muted["end_date_service_restriction"] == "2030-04-03"
    assert muted["illegal_content_legal_ground"] == "Art. 285 Sr (bedreiging)"
    assert suspended["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert suspended["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert not leaks(result.stdout, db)
    # Progress is shown beside the data, never in it.
    assert "Exporting decisions" in result.stderr
    assert "Exported 3 statements of reasons." in result.stderr


def test_the_export_can_be_narrowed_and_refuses_bad_dates(
    app: Flask, db: Session, history: History, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "statements.jsonl"
    result = export(
        app, "--community", "leesclub", "--since", "2030-04-01", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3
    result = export(app, "--until", "2030-03-31")
    assert result.exit_code == 0 and result.stdout == ""
    assert "Exported 0 statements" in result.stderr
    result = export(app, "--since", "1 april")
    assert result.exit_code == 2 and "expected a date as YYYY-MM-DD" in result.output
    result = export(app, "--community", "bestaat-niet")
    # The command speaks the forum's default language (Dutch).
    assert result.exit_code == 1 and "Deze gemeenschap bestaat niet." in result.output


# -- the public pages ---------------------------------------------------------------------


def leaks_in_page(published: str, db: Session) -> list[str]:
    """Personal data in a page, matched as whole words (a short name such as "Ans" is
    part of many words)."""
    return [
        item
        for item in personal_data(db)
        if re.search(rf"(?<!\w){re.escape(item)}(?!\w)", published, re.IGNORECASE)
    ]


def test_the_public_log_and_report_carry_no_personal_data(
    client: FlaskClient, db: Session, history: History
) -> None:
    hidden_text = history.world.post.body
    pages = {
        "log": "/forum/c/leesclub/moderation-log",
        "report": "/forum/c/leesclub/transparency?period=2030-Q2",
        "report-year": "/forum/c/leesclub/transparency?period=2030",
        "csv": "/forum/c/leesclub/transparency.csv?period=2030-Q2",
        "json": "/forum/c/leesclub/transparency.json?period=2030-Q2",
    }
    for language in ("en", "nl"):
        for name, url in pages.items():
            response = client.get(url, headers={"Accept-Language": language})
            assert response.status_code == 200, (name, response.status_code)
            published = response.get_data(as_text=True)
            assert hidden_text not in published
            assert leaks_in_page(published, db) == [], (name, language)
    # The personal data is there to be leaked: the check can fail.
    assert leaks_in_page(history.world.author.display_name, db)


def test_the_transparency_report_counts_and_draws_the_period(
    client: FlaskClient, db: Session, history: History
) -> None:
    page = client.get("/forum/c/leesclub/transparency?period=2030-Q2", headers=EN)
    html = page.get_data(as_text=True)
    assert html.count('<svg class="cf-chart"') == 4
    assert (
        'role="img"' in html
        and 'aria-labelledby="cf-chart-measures-title cf-chart-measures-desc"' in html
    )
    # Each chart's description carries its numbers, and a table repeats them.
    assert "Post hidden: 1; Topic locked: 0" in html
    assert "Reversed: 1" in html
    figures = client.get("/forum/c/leesclub/transparency.json?period=2030-Q2").get_json()
    assert figures["decisions"] == 4 and figures["appeals_by_outcome"]["reversed"] == 1
    assert figures["decisions_by_measure"]["hide_post"] == 1
    assert figures["decisions_illegal_content"] == 1
    assert figures["median_seconds_to_decide"] == 60 * 60  # 30 and 90 minutes
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/forum/c/leesclub/transparency.csv?period=2030-Q2").get_data(
                    as_text=True
                )
            )
        )
    )
    by_key = {(row["section"], row["key"]): row for row in rows}
    assert by_key["summary", "decisions"]["count"] == "4"
    assert by_key["measures", "suspension"]["count"] == "1"
    assert by_key["grounds", "illegal"]["count"] == "1"
    # Another period counts nothing; a period that names nothing is not found.
    empty = client.get("/forum/c/leesclub/transparency.json?period=2030-Q1").get_json()
    assert empty["decisions"] == 0 and empty["median_seconds_to_decide"] is None
    for bad in ("2030-Q5", "1999", "2031", "last-year", "2030-13"):
        assert client.get(f"/forum/c/leesclub/transparency?period={bad}").status_code == 404
    assert client.get("/forum/c/bestaat-niet/transparency").status_code == 404


def test_the_log_pages_by_keyset_newest_first(
    client: FlaskClient, db: Session, history: History
) -> None:
    from civicforum.moderation.pages import transparency as pages

    pages_size = pages.LOG_PAGE
    try:
        pages.LOG_PAGE = 3
        first = client.get("/forum/c/leesclub/moderation-log", headers=EN).get_data(as_text=True)
        older = re.search(r'href="(/forum/c/leesclub/moderation-log\?before=\d+)"', first)
        assert older is not None
        second = client.get(older.group(1), headers=EN).get_data(as_text=True)
    finally:
        pages.LOG_PAGE = pages_size
    assert first.count("<tr>") == 1 + 3 and second.count("<tr>") == 1 + 1
    assert "Account suspended" in first and "Post hidden" in second
    assert "Older entries" not in second and "Newest entries" in second
