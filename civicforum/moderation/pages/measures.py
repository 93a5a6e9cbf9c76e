"""Taking a measure: first the ladder (which rungs fit what is reported), then the form
of the chosen measure, which always asks for a ground and an explanation; lifting a
measure early; and privately sending a member where to find professional help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ... import policy
from ...errors import Conflict, NotAllowed, ServiceError
from ...extension import db_session, state
from ...forum import queries as forum_queries
from ...forum.forms import attach_error
from ...forum.models import Community, Post, Topic
from ...forum.views import current_actor, require
from ...i18n import gettext as _
from ...identity.models import Member
from .. import mailing, measures, reports, signposting
from .. import queries as moderation_queries
from ..forms import LiftForm, MeasureForm, SignpostForm, measure_value
from ..models import SITE_WIDE, Ground, Measure, Report
from ..wording import measure_name
from .common import (
    community_for_moderators,
    form_cycle,
    ground_choices,
    ground_of,
    number_arg,
    number_form,
)

#: The rungs that fit each kind of thing a measure can be about, mild to strong.
ABOUT_POST = (
    Measure.NOTE,
    Measure.WARNING,
    Measure.CONTENT_WARNING,
    Measure.HIDE_POST,
    Measure.LOCK_TOPIC,
    Measure.SLOW_MODE,
    Measure.MUTE,
    Measure.SUSPENSION,
    Measure.BAN,
)
ABOUT_TOPIC = tuple(m for m in ABOUT_POST if m not in measures.ON_POST)
ABOUT_MEMBER = tuple(m for m in ABOUT_POST if m in measures.ON_MEMBER)
ABOUT_COMMUNITY = (Measure.SLOW_MODE,)


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/c/<slug>/moderation/measure", "take_measure", take_measure, methods=["GET", "POST"]
    )
    bp.add_url_rule("/c/<slug>/moderation/signpost", "signpost", signpost, methods=["GET", "POST"])
    bp.add_url_rule(
        "/decisions/<int:decision_id>/lift", "lift_measure", lift_measure, methods=["POST"]
    )


@dataclass(frozen=True)
class Subject:
    """What the moderator is about to act on."""

    post: Post | None = None
    topic: Topic | None = None
    member: Member | None = None
    report: Report | None = None

    def args(self) -> dict[str, int]:
        """The query string that names this subject again."""
        if self.report is not None:
            return {"report": self.report.id}
        if self.post is not None:
            return {"post": self.post.id}
        if self.topic is not None:
            return {"topic": self.topic.id}
        if self.member is not None:
            return {"member": self.member.id}
        return {}

    def ladder(self) -> tuple[Measure, ...]:
        if self.post is not None:
            rungs = [m for m in ABOUT_POST if not (m == Measure.HIDE_POST and self.post.is_hidden)]
        elif self.topic is not None:
            rungs = list(ABOUT_TOPIC)
        elif self.member is not None:
            rungs = list(ABOUT_MEMBER)
        else:
            rungs = list(ABOUT_COMMUNITY)
        topic = self.topic or (self.post.topic if self.post else None)
        if topic is not None and topic.is_locked:
            rungs = [m for m in rungs if m != Measure.LOCK_TOPIC]
        return tuple(rungs)


def _subject(community: Community) -> Subject:
    db = db_session()
    report_id = number_arg("report") or number_form("report")
    if report_id is not None:
        report = reports.get_report(db, community, report_id)
        if not report.is_open:
            raise Conflict(_("Another moderator has handled this report already."))
        return Subject(report.post, report.topic, report.member, report)
    post_id, topic_id, member_id = number_arg("post"), number_arg("topic"), number_arg("member")
    if post_id is not None:
        post = forum_queries.get_post(db, post_id)
        if post.topic.community_id != community.id:
            abort(404)
        return Subject(post=post, topic=post.topic)
    if topic_id is not None:
        topic = forum_queries.get_topic(db, topic_id)
        if topic.community_id != community.id:
            abort(404)
        return Subject(topic=topic)
    if member_id is not None:
        member = db.get(Member, member_id)
        if member is None:
            abort(404)
        return Subject(member=member)
    return Subject()


def _target(measure: Measure, subject: Subject, form: MeasureForm, community: Community) -> Any:
    """What the chosen measure acts on, from what was reported."""
    topic = subject.topic or (subject.post.topic if subject.post else None)
    if measure == Measure.SLOW_MODE:
        if topic is not None and form.scope.data != "community":
            return measures.Target(topic=topic, community=community)
        return measures.Target(community=community)
    if measure == Measure.LOCK_TOPIC:
        return measures.Target(topic=topic, community=community)
    return measures.Target(
        post=subject.post, topic=topic, member=subject.member, community=community
    )


def _grounds(form: MeasureForm) -> measures.Grounds:
    ground, rule_id = ground_of(form.ground.data)
    if ground is None:
        raise ServiceError(
            _("Cite a house rule, or the legal ground for illegal content."), "ground"
        )
    return measures.Grounds(
        rule_id=rule_id,
        legal_ground=(form.legal_ground.data or "") if ground == Ground.ILLEGAL else None,
        explanation=form.explanation.data or "",
        facts=form.facts.data or "",
        category=form.category.data or None,
    )


def take_measure(slug: str) -> Any:
    db = db_session()
    actor = current_actor()
    community = community_for_moderators(slug)
    subject = _subject(community)
    ladder = [m for m in subject.ladder() if policy.can_take_measure(actor, community, m)]
    chosen = measure_value(request.values.get("measure"))
    if chosen is not None and chosen not in subject.ladder():
        abort(404)
    if chosen is not None:
        # The policy's own refusal (a suspension by a community moderator, say), with why.
        require(policy.can_take_measure(actor, community, chosen))
    form = MeasureForm()
    _rules, form.ground.choices = ground_choices(community)
    status = 200
    if chosen is not None and form.validate_on_submit():
        answered = reports.open_reports_like(db, subject.report) if subject.report else []
        try:
            decision = measures.take_measure(
                db,
                actor,
                chosen,
                _target(chosen, subject, form, community),
                _grounds(form),
                duration=form.length(),
                interval_minutes=form.interval_minutes.data,
                label=form.label.data,
                report=subject.report,
                note_to_reporters=form.note_to_reporters.data or "",
            )
        except NotAllowed:
            raise
        except ServiceError as error:
            # The service names its own fields; the form asks for a rule as "ground".
            field = "ground" if error.field == "rule_id" else error.field
            attach_error(
                form,
                ServiceError(error.message, field),
                own_fields=frozenset({"measure", "report"}),
            )
            status = 409 if isinstance(error, Conflict) else 422
        else:
            mailing.tell_outcomes(db, state().settings, answered)
            flash(
                _(
                    "%(measure)s: the measure is taken and its statement of reasons written.",
                    measure=measure_name(chosen),
                ),
                "civicforum",
            )
            return redirect(url_for("civicforum.decision", decision_id=decision.id))
    elif chosen is not None and form.is_submitted():
        status = 422
    context_posts = (
        moderation_queries.context_before(db, subject.post) if subject.post is not None else []
    )
    return render_template(
        "civicforum/moderation/measure.html",
        community=community,
        subject=subject,
        ladder=ladder,
        chosen=chosen,
        form=form,
        context_posts=context_posts,
        site_wide=SITE_WIDE,
        timed=measures.TIMED,
    ), status


def lift_measure(decision_id: int) -> Any:
    db = db_session()
    decision = moderation_queries.get_decision(db, decision_id)
    if not LiftForm().validate_on_submit():
        abort(400)
    try:
        measures.lift_measure(db, current_actor(), decision)
    except NotAllowed:
        raise
    except ServiceError as error:
        flash(error.message, "civicforum")
    else:
        flash(_("The measure is lifted."), "civicforum")
    return redirect(url_for("civicforum.decision", decision_id=decision_id))


def signpost(slug: str) -> Any:
    """Privately send one member the community's help resources."""
    db = db_session()
    community = community_for_moderators(slug)
    member_id = number_arg("member") or number_form("member")
    member = db.get(Member, member_id) if member_id is not None else None
    if member is None:
        abort(404)
    form = SignpostForm()
    form.member.data = str(member.id)

    def send() -> str:
        signposting.signpost(db, current_actor(), community, member, form.note.data or "")
        return _(
            "%(name)s is sent the help resources; only they can read it.",
            name=member.display_name,
        )

    done, status = form_cycle(form, send, url_for("civicforum.moderation_queue", slug=slug))
    if done is not None:
        return done
    return render_template(
        "civicforum/moderation/signpost.html",
        community=community,
        member=member,
        form=form,
        resources=signposting.help_resources(db, community),
    ), status
