"""Reporting: the form (a notice in the sense of DSA Article 16) for a post or topic or the
way its author behaves, open to members and signed-out visitors; the receipt page where
the outcome appears; and a member's own reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ... import policy
from ...errors import NotAllowed, ServiceError, TooSoon
from ...extension import db_session, state
from ...forum import queries as forum_queries
from ...forum import services as forum_services
from ...forum.forms import attach_error
from ...forum.models import Community, Post, Topic
from ...forum.views import current_actor, require
from ...i18n import format_moment
from ...i18n import gettext as _
from .. import mailing, reports, signposting
from ..forms import ReportForm
from ..models import Ground, ReportCategory, ReportTarget
from .common import ground_choices, ground_of, number_arg


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/c/<slug>/report", "report", report, methods=["GET", "POST"])
    bp.add_url_rule("/reports/<receipt>", "report_receipt", report_receipt)
    bp.add_url_rule("/my/reports", "my_reports", my_reports)


def _reported(community: Community) -> tuple[Post | None, Topic | None]:
    """The post or topic named in the query string, if the reporter may see it."""
    db = db_session()
    actor = current_actor()
    post_id, topic_id = number_arg("post"), number_arg("topic")
    if post_id is not None:
        post = forum_queries.get_post(db, post_id)
        if post.topic.community_id != community.id or post.is_deleted:
            abort(404)
        require(policy.can_view_post(actor, post))
        return post, post.topic
    if topic_id is not None:
        topic = forum_queries.get_topic(db, topic_id)
        if topic.community_id != community.id:
            abort(404)
        require(policy.can_view_topic(actor, topic))
        return None, topic
    abort(404)


def _about_choices(post: Post | None) -> list[tuple[str, str]]:
    if post is not None:
        return [
            (ReportTarget.POST.value, _("This post")),
            (ReportTarget.MEMBER.value, _("The way its author behaves (not only this post)")),
        ]
    return [
        (ReportTarget.TOPIC.value, _("This topic: its title or opening post")),
        (ReportTarget.MEMBER.value, _("The way the person who started it behaves")),
    ]


def _notice(form: ReportForm, post: Post | None, topic: Topic) -> reports.Notice:
    about = form.about.data
    ground, rule_id = ground_of(form.ground.data)
    if ground is None:
        raise ServiceError(_("Choose the house rule it breaks, or that it is illegal."), "ground")
    if about == ReportTarget.MEMBER.value:
        author_id = post.author_id if post is not None else topic.author_id
        if author_id is None:
            raise ServiceError(_("This author's account no longer exists."), "about")
        target, target_id = ReportTarget.MEMBER, author_id
    elif post is not None:
        target, target_id = ReportTarget.POST, post.id
    else:
        target, target_id = ReportTarget.TOPIC, topic.id
    try:
        category = ReportCategory(form.category.data or "general")
    except ValueError:
        category = ReportCategory.GENERAL
    return reports.Notice(
        target=target,
        target_id=target_id,
        ground=ground,
        rule_id=rule_id,
        legal_ground=form.legal_ground.data if ground == Ground.ILLEGAL else None,
        explanation=form.explanation.data or "",
        location=form.location.data or "",
        good_faith=bool(form.good_faith.data),
        category=category,
        email=form.email.data if state().settings.mail_enabled else None,
    )


def report(slug: str) -> Any:
    db = db_session()
    forum = state()
    actor = current_actor()
    community = forum_services.get_community(db, slug)
    require(policy.can_report(actor, community))
    post, topic = _reported(community)
    assert topic is not None
    form = ReportForm()
    _rules, form.ground.choices = ground_choices(community)
    form.about.choices = _about_choices(post)
    if request.method == "GET":
        form.about.data = form.about.choices[0][0]
        form.location.data = (
            url_for("civicforum.post", post_id=post.id, _external=True)
            if post is not None
            else url_for("civicforum.topic", topic_id=topic.id, _external=True)
        )
    status = 200
    if form.validate_on_submit():
        wait = forum.pace.reporting_wait(actor.member, request.remote_addr)
        try:
            if wait is not None:
                raise TooSoon(
                    _(
                        "You have sent many reports in a short time. You can send another at %(time)s.",
                        time=format_moment(wait),
                    ),
                    wait,
                )
            done = reports.submit_report(db, actor, community, _notice(form, post, topic))
        except NotAllowed:
            raise
        except ServiceError as error:
            attach_error(form, error)
            status = error.status_code if isinstance(error, TooSoon) else 422
        else:
            forum.pace.reported(actor.member, request.remote_addr)
            mailed = mailing.acknowledge(forum.settings, done.report)
            return redirect(
                url_for(
                    "civicforum.report_receipt",
                    receipt=done.receipt,
                    new=1,
                    mailed=1 if mailed else None,
                )
            )
    elif form.is_submitted():
        status = 422
    return render_template(
        "civicforum/moderation/report.html",
        community=community,
        post=post,
        topic=topic,
        form=form,
        ask_email=not actor.is_authenticated and forum.settings.mail_enabled,
    ), status


def report_receipt(receipt: str) -> str:
    """Whoever holds the link sees that the report arrived and, later, its outcome; a
    report about a crisis or self-harm shows where to find help at once."""
    db = db_session()
    outcome = reports.report_outcome(db, receipt)
    resources = signposting.help_resources(db, outcome.community) if outcome.urgent else []
    return render_template(
        "civicforum/moderation/receipt.html",
        outcome=outcome,
        community=outcome.community,
        resources=resources,
        new=request.args.get("new") == "1",
        mailed=request.args.get("mailed") == "1",
        receipt_url=url_for("civicforum.report_receipt", receipt=receipt, _external=True),
    )


def my_reports() -> str:
    actor = current_actor()
    require(policy.can_view_own_moderation(actor))
    return render_template(
        "civicforum/moderation/my_reports.html", reports=reports.my_reports(db_session(), actor)
    )
