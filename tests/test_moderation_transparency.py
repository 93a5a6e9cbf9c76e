"""Transparency: figures per community and period, the public log, and the JSON Lines
export in the Transparency Database's statement schema, all without personal data."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
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


# -- the statement schema of the EU Transparency Database, checked field by field --------

VISIBILITY = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
PROVISION = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
CONTENT_TYPES = {
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
}
CATEGORIES = {
    f"STATEMENT_CATEGORY_{name}"
    for name in [
        "ANIMAL_WELFARE",
        "CONSUMER_INFORMATION",
        "CYBER_VIOLENCE",
        "CYBER_VIOLENCE_AGAINST_WOMEN",
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "ILLEGAL_OR_HARMFUL_SPEECH",
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "NOT_SPECIFIED_NOTICE",
        "OTHER_VIOLATION_TC",
        "PROTECTION_OF_MINORS",
        "RISK_FOR_PUBLIC_SECURITY",
        "SCAMS_AND_FRAUD",
        "SELF_HARM",
        "UNSAFE_AND_PROHIBITED_PRODUCTS",
        "VIOLENCE",
    ]
}
EEA = set(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
SOURCES = {
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
}
AUTOMATED_DECISION = {
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
}
REQUIRED = {
    "puid",
    "decision_ground",
    "category",
    "content_type",
    "content_date",
    "application_date",
    "territorial_scope",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
}
OPTIONAL = {
    "decision_visibility",
    "end_date_visibility_restriction",
    "decision_provision",
    "end_date_service_restriction",
    "decision_account",
    "end_date_account_restriction",
    "account_type",
    "content_type_other",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def schema_problems(item: dict[str, Any]) -> list[str]:
    """Where a statement breaks the Transparency Database's rules for submissions."""
    problems = [f"missing {key}" for key in REQUIRED - item.keys()]
    problems += [f"unknown {key}" for key in item.keys() - REQUIRED - OPTIONAL]
    if not any(
        key in item for key in ("decision_visibility", "decision_provision", "decision_account")
    ):
        problems.append("no restriction")
    if not set(item.get("decision_visibility", [])) <= VISIBILITY:
        problems.append("decision_visibility")
    if item.get("decision_provision", next(iter(PROVISION))) not in PROVISION:
        problems.append("decision_provision")
    if item.get("decision_account", next(iter(ACCOUNT))) not in ACCOUNT:
        problems.append("decision_account")
    if item.get("account_type", "ACCOUNT_TYPE_PRIVATE") not in {
        "ACCOUNT_TYPE_BUSINESS",
        "ACCOUNT_TYPE_PRIVATE",
    }:
        problems.append("account_type")
    if item.get("category") not in CATEGORIES:
        problems.append("category")
    types = set(item.get("content_type", []))
    if not types or not types <= CONTENT_TYPES:
        problems.append("content_type")
    if ("CONTENT_TYPE_OTHER" in types) != ("content_type_other" in item):
        problems.append("content_type_other")
    if not item.get("territorial_scope") or not set(item["territorial_scope"]) <= EEA:
        problems.append("territorial_scope")
    for key in ("content_date", "application_date", *(k for k in item if k.startswith("end_date"))):
        if not DAY.match(str(item.get(key, ""))):
            problems.append(f"{key} format")
    if (
        item.get("application_date", "") < "2020-01-01"
        or item.get("content_date", "") < "2000-01-01"
    ):
        problems.append("dates too early")
    for key in (k for k in item if k.startswith("end_date")):
        if item[key] < item.get("application_date", ""):
            problems.append(f"{key} before application_date")
    if item.get("source_type") not in SOURCES:
        problems.append("source_type")
    if item.get("automated_detection") not in {"Yes", "No"}:
        problems.append("automated_detection")
    if item.get("automated_decision") not in AUTOMATED_DECISION:
        problems.append("automated_decision")
    ground = item.get("decision_ground")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        needed = {"illegal_content_legal_ground": 500, "illegal_content_explanation": 2000}
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        needed = {"incompatible_content_ground": 500, "incompatible_content_explanation": 2000}
    else:
        needed = {}
        problems.append("decision_ground")
    for key, limit in {**needed, "decision_facts": 5000, "puid": 500}.items():
        if not isinstance(item.get(key), str) or not 1 <= len(item[key]) <= limit:
            problems.append(f"{key} length")
    return problems


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
