"""Openness about moderation, for everyone: a community's public moderation log and its
transparency report per period, with charts and CSV and JSON downloads.

Both carry no personal data (see :mod:`civicforum.moderation.transparency`). They are
public for members-only communities too: what the moderators do is the public's
business, and nothing here tells who or what was concerned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from ... import clock
from ...extension import db_session, state
from ...forum import services as forum_services
from ...forum.models import Community
from ...i18n import get_locale
from ...i18n import gettext as _
from .. import transparency
from ..charts import Bar, bar_chart
from ..models import AppealOutcome, Measure, ReportStatus
from ..periods import ReportingPeriod, parse_period, periods_since
from ..wording import APPEAL_OUTCOME_NAMES, REPORT_STATUS_NAMES, measure_name
from .common import number_arg

LOG_PAGE = 50


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/moderation-log", "moderation_log", moderation_log)
    bp.add_url_rule("/c/<slug>/transparency", "transparency", transparency_report)
    bp.add_url_rule("/c/<slug>/transparency.csv", "transparency_csv", transparency_csv)
    bp.add_url_rule("/c/<slug>/transparency.json", "transparency_json", transparency_json)


def moderation_log(slug: str) -> str:
    db = db_session()
    community = forum_services.get_community(db, slug)
    before = number_arg("before")
    entries = transparency.public_log(db, community, limit=LOG_PAGE + 1, before_id=before)
    older = entries[LOG_PAGE - 1][0] if len(entries) > LOG_PAGE else None
    return render_template(
        "civicforum/moderation/log.html",
        community=community,
        entries=[entry for _id, entry in entries[:LOG_PAGE]],
        older=older,
        paged=before is not None,
    )


def _today() -> dt.date:
    return clock.now().astimezone(ZoneInfo(state().settings.timezone)).date()


def _figures(slug: str) -> tuple[Community, ReportingPeriod, transparency.Figures]:
    db = db_session()
    community = forum_services.get_community(db, slug)
    chosen = parse_period(request.args.get("period"), _today())
    if chosen is None:
        abort(404)
    return (
        community,
        chosen,
        transparency.figures(db, community, chosen.period(state().settings.timezone)),
    )


def _rows(figures: transparency.Figures) -> dict[str, list[tuple[str, str, int]]]:
    """Every count as (key, label in the page's language, number), by section."""
    language = get_locale()
    by_ground = [
        (
            f"rule-{rule.number}",
            _(
                "Rule %(n)d: %(title)s",
                n=rule.number,
                title=rule.title_nl if language == "nl" else rule.title_en,
            ),
            rule.decisions,
        )
        for rule in figures.by_rule
    ]
    by_ground.append(("illegal", _("Illegal content"), figures.illegal_content))
    return {
        "measures": [(m.value, measure_name(m), figures.by_measure[m.value]) for m in Measure],
        "grounds": by_ground,
        "reports": [
            (s.value, str(REPORT_STATUS_NAMES[s]), figures.reports_by_outcome[s.value])
            for s in ReportStatus
        ],
        "appeals": [
            (key, str(APPEAL_OUTCOME_NAMES[key]), figures.appeals_by_outcome[key])
            for key in (AppealOutcome.UPHELD.value, AppealOutcome.REVERSED.value, "open")
        ],
    }


def transparency_report(slug: str) -> str:
    community, chosen, figures = _figures(slug)
    rows = _rows(figures)
    titles = {
        "measures": _("Decisions by measure"),
        "grounds": _("Decisions by ground"),
        "reports": _("Reports by outcome"),
        "appeals": _("Appeals by outcome"),
    }
    charts = [
        (
            key,
            titles[key],
            bar_chart(
                f"cf-chart-{key}", titles[key], [Bar(label, n) for _k, label, n in rows[key]]
            ),
            rows[key],
        )
        for key in ("measures", "grounds", "reports", "appeals")
    ]
    median = figures.median_time_to_decide
    return render_template(
        "civicforum/moderation/transparency.html",
        community=community,
        chosen=chosen,
        periods=periods_since(community.created_at.year, _today()),
        figures=figures,
        charts=charts,
        median=format_timedelta(median, locale=get_locale()) if median is not None else None,
    )


def _download_name(community: Community, chosen: ReportingPeriod, suffix: str) -> str:
    return f"transparency-{community.slug}-{chosen.name}.{suffix}"


def transparency_csv(slug: str) -> Response:
    community, chosen, figures = _figures(slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "label", "count"])
    for section, key, label, value in _summary(figures):
        writer.writerow([section, key, label, value])
    for section, rows in _rows(figures).items():
        for key, label, value in rows:
            writer.writerow([section, key, label, value])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(community, chosen, "csv")}"'
        },
    )


def _summary(figures: transparency.Figures) -> list[tuple[str, str, str, Any]]:
    median = figures.median_time_to_decide
    return [
        ("period", "start", _("Start (inclusive)"), figures.period.start.isoformat()),
        ("period", "end", _("End (not included)"), figures.period.end.isoformat()),
        ("summary", "decisions", _("Decisions"), figures.decisions),
        ("summary", "on_notice", _("After a report"), figures.on_notice),
        (
            "summary",
            "own_initiative",
            _("On the moderators' own initiative"),
            figures.own_initiative,
        ),
        ("summary", "reports", _("Reports received"), figures.reports),
        (
            "summary",
            "median_seconds_to_decide",
            _("Median time from report to answer, in seconds"),
            int(median.total_seconds()) if median is not None else "",
        ),
        ("summary", "appeals", _("Appeals"), figures.appeals),
        ("summary", "reversals", _("Decisions reversed on appeal"), figures.reversals),
    ]


def transparency_json(slug: str) -> Any:
    community, chosen, figures = _figures(slug)
    median = figures.median_time_to_decide
    body = {
        "community": community.slug,
        "period": {
            "name": chosen.name,
            "start": figures.period.start.isoformat(),
            "end": figures.period.end.isoformat(),
        },
        "decisions": figures.decisions,
        "decisions_on_notice": figures.on_notice,
        "decisions_own_initiative": figures.own_initiative,
        "decisions_by_measure": dict(figures.by_measure),
        "decisions_by_rule": [
            {
                "number": r.number,
                "title_nl": r.title_nl,
                "title_en": r.title_en,
                "decisions": r.decisions,
            }
            for r in figures.by_rule
        ],
        "decisions_illegal_content": figures.illegal_content,
        "reports": figures.reports,
        "reports_by_outcome": dict(figures.reports_by_outcome),
        "median_seconds_to_decide": int(median.total_seconds()) if median is not None else None,
        "appeals": figures.appeals,
        "appeals_by_outcome": dict(figures.appeals_by_outcome),
        "reversals": figures.reversals,
        "csv": url_for(
            "civicforum.transparency_csv", slug=community.slug, period=chosen.name, _external=True
        ),
    }
    response = jsonify(body)
    response.headers["Content-Disposition"] = (
        f'inline; filename="{_download_name(community, chosen, "json")}"'
    )
    return response
