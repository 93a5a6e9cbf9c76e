"""The moderators' queues: open reports grouped by what they concern (crisis and
self-harm first, then the longest waiting), posts held for approval, open appeals, and
the community's pre-moderation setting; with an overview of every queue one moderates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ... import policy
from ...errors import ServiceError
from ...extension import db_session, state
from ...forum import queries as forum_queries
from ...forum.forms import ConfirmForm
from ...forum.models import Post
from ...forum.views import current_actor, page_number, require
from ...i18n import gettext as _
from .. import appeals, mailing, premoderation, queries, reports
from ..forms import DismissForm, PremoderationForm
from ..models import ReportTarget
from .common import community_for_moderators, form_cycle

GROUPS_PER_PAGE = 20


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/moderation/", "moderation_overview", overview)
    bp.add_url_rule("/c/<slug>/moderation/", "moderation_queue", report_queue)
    bp.add_url_rule(
        "/c/<slug>/moderation/reports/<int:report_id>/dismiss",
        "dismiss_report",
        dismiss_report,
        methods=["POST"],
    )
    bp.add_url_rule("/c/<slug>/moderation/held", "held_posts", held_posts)
    bp.add_url_rule(
        "/c/<slug>/moderation/held/<int:post_id>/approve",
        "approve_post",
        approve_post,
        methods=["POST"],
    )
    bp.add_url_rule("/c/<slug>/moderation/appeals", "community_appeals", community_appeals)
    bp.add_url_rule(
        "/c/<slug>/moderation/settings",
        "premoderation_settings",
        premoderation_settings,
        methods=["GET", "POST"],
    )


def overview() -> str:
    """Every community the actor moderates, with what waits there; for site
    administrators also the appeals against suspensions and bans."""
    db = db_session()
    actor = current_actor()
    moderated = [c for c in forum_queries.all_communities(db) if policy.is_moderator(actor, c)]
    if not moderated and not actor.is_site_admin:
        require(policy.can_moderate_site(actor))
    site_appeals = appeals.site_wide_appeals(db, actor) if actor.is_site_admin else []
    return render_template(
        "civicforum/moderation/overview.html",
        communities=moderated,
        waiting=queries.waiting(db, [c.id for c in moderated]),
        site_appeals=site_appeals,
        decidable={a.id: policy.can_decide_appeal(actor, a) for a in site_appeals},
    )


@dataclass(frozen=True)
class Shown:
    """A report group with what the moderator reads it in."""

    group: reports.ReportGroup
    before: list[Post]  # the posts just before a reported post
    opening: Post | None  # a reported topic's opening post
    recent: list[Post]  # a reported member's latest posts here


def report_queue(slug: str) -> str:
    db = db_session()
    actor = current_actor()
    community = community_for_moderators(slug)
    groups = reports.report_queue(db, actor, community)
    number = page_number()
    pages = max(1, -(-len(groups) // GROUPS_PER_PAGE))
    if number > pages:
        abort(404)
    on_page = groups[(number - 1) * GROUPS_PER_PAGE : number * GROUPS_PER_PAGE]
    shown = []
    for group in on_page:
        before: list[Post] = []
        opening = None
        recent: list[Post] = []
        if group.target == ReportTarget.POST and group.post is not None:
            before = queries.context_before(db, group.post)
        elif group.target == ReportTarget.TOPIC and group.topic is not None:
            opening = queries.opening_post(db, group.topic)
        elif group.member is not None:
            recent = queries.recent_posts_by(db, group.member.id, community)
        shown.append(Shown(group, before, opening, recent))
    return render_template(
        "civicforum/moderation/queue.html",
        community=community,
        shown=shown,
        page=forum_queries.Page(shown, number, pages),
        dismiss_form=DismissForm(),
        waiting=queries.waiting(db, [community.id])[community.id],
    )


def dismiss_report(slug: str, report_id: int) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    report = reports.get_report(db, community, report_id)
    form = DismissForm()
    if not form.validate_on_submit():
        abort(400)
    answered = reports.open_reports_like(db, report)
    try:
        reports.dismiss_report(db, current_actor(), report, form.note.data or "")
    except ServiceError as error:
        flash(error.message, "civicforum")
    else:
        mailing.tell_outcomes(db, state().settings, answered)
        flash(_("The report is closed without a measure; the reporters learn this."), "civicforum")
    return redirect(url_for("civicforum.moderation_queue", slug=slug))


def held_posts(slug: str) -> str:
    db = db_session()
    community = community_for_moderators(slug)
    return render_template(
        "civicforum/moderation/held.html",
        community=community,
        posts=premoderation.held_posts(db, community),
        form=ConfirmForm(),
        waiting=queries.waiting(db, [community.id])[community.id],
    )


def approve_post(slug: str, post_id: int) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    post = forum_queries.get_post(db, post_id)
    if post.topic.community_id != community.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        premoderation.approve(db, current_actor(), post)
    except ServiceError as error:
        flash(error.message, "civicforum")
    else:
        flash(_("The post is published."), "civicforum")
    return redirect(url_for("civicforum.held_posts", slug=slug))


def community_appeals(slug: str) -> str:
    db = db_session()
    actor = current_actor()
    community = community_for_moderators(slug)
    waiting = appeals.open_appeals(db, actor, community)
    return render_template(
        "civicforum/moderation/appeals.html",
        community=community,
        appeals=waiting,
        decidable={a.id: policy.can_decide_appeal(actor, a) for a in waiting},
        waiting=queries.waiting(db, [community.id])[community.id],
    )


def premoderation_settings(slug: str) -> Any:
    db = db_session()
    community = community_for_moderators(slug)
    current = premoderation.premoderation(db, community)
    form = PremoderationForm(obj=current if request.method == "GET" else None)

    def save() -> str:
        setting = premoderation.Premoderation(
            form.hold_first_posts.data or 0, bool(form.hold_everything.data)
        )
        premoderation.set_premoderation(db, current_actor(), community, setting)
        return _("Pre-moderation is saved.")

    here = url_for("civicforum.premoderation_settings", slug=slug)
    done, status = form_cycle(form, save, here)
    return done or (
        render_template("civicforum/moderation/settings.html", community=community, form=form),
        status,
    )
