"""A decision's statement of reasons, for the member it concerns and the moderators; the
member's "my decisions" page with the moderators' private messages; appealing a
decision, and deciding an appeal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ... import clock, policy
from ...errors import NotAllowed, ServiceError
from ...extension import db_session
from ...forum.forms import attach_error
from ...forum.views import current_actor, require
from ...i18n import gettext as _
from .. import appeals, signposting, statements
from ..forms import AppealDecisionForm, AppealForm, LiftForm
from ..models import AppealOutcome, Decision
from ..queries import get_decision
from ..wording import restriction_names


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/decisions/<int:decision_id>", "decision", decision_page)
    bp.add_url_rule("/decisions/<int:decision_id>/appeal", "appeal", appeal, methods=["POST"])
    bp.add_url_rule(
        "/decisions/<int:decision_id>/appeal/decide",
        "decide_appeal",
        decide_appeal,
        methods=["POST"],
    )
    bp.add_url_rule("/my/decisions", "my_decisions", my_decisions)


def _page(
    decision: Decision,
    appeal_form: AppealForm | None = None,
    outcome_form: AppealDecisionForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    actor = current_actor()
    appeal_verdict = policy.can_appeal(actor, decision)
    decide_verdict = (
        policy.can_decide_appeal(actor, decision.appeal) if decision.appeal is not None else None
    )
    own = actor.member_id is not None and actor.member_id == decision.member_id
    moderating = decision.community is not None and policy.is_moderator(actor, decision.community)
    may_lift = (
        statements.restricts(decision.kind)
        and decision.is_in_force(clock.now())
        and bool(policy.can_take_measure(actor, decision.community, decision.kind))
        and not own
    )
    return render_template(
        "civicforum/moderation/decision.html",
        decision=decision,
        community=decision.community,
        own=own,
        moderating=moderating or actor.is_site_admin,
        in_force=statements.restricts(decision.kind) and decision.is_in_force(clock.now()),
        restrictions=restriction_names(decision),
        redress=appeals.redress(decision),
        appeal_verdict=appeal_verdict,
        appeal_form=appeal_form or AppealForm(formdata=None),
        decide_verdict=decide_verdict,
        outcome_form=outcome_form or AppealDecisionForm(formdata=None),
        may_lift=may_lift,
        lift_form=LiftForm(formdata=None),
    ), status


def _viewable(decision_id: int) -> Decision:
    decision = get_decision(db_session(), decision_id)
    require(policy.can_view_decision(current_actor(), decision))
    return decision


def decision_page(decision_id: int) -> tuple[str, int]:
    return _page(_viewable(decision_id))


def appeal(decision_id: int) -> Any:
    db = db_session()
    decision = _viewable(decision_id)
    form = AppealForm()
    if not form.validate_on_submit():
        return _page(decision, appeal_form=form, status=400)
    try:
        appeals.submit_appeal(db, current_actor(), decision, form.statement.data or "")
    except NotAllowed:
        raise
    except ServiceError as error:
        attach_error(form, error)
        return _page(decision, appeal_form=form, status=422)
    flash(
        _("Your appeal is sent. A moderator who did not take the decision will decide it."),
        "civicforum",
    )
    return redirect(url_for("civicforum.decision", decision_id=decision.id))


def decide_appeal(decision_id: int) -> Any:
    db = db_session()
    decision = _viewable(decision_id)
    if decision.appeal is None:
        abort(404)
    form = AppealDecisionForm()
    if not form.validate_on_submit():
        return _page(decision, outcome_form=form, status=400)
    try:
        outcome = AppealOutcome(form.outcome.data or "")
    except ValueError:
        form.outcome.errors = [_("Choose whether the decision is upheld or reversed.")]
        return _page(decision, outcome_form=form, status=422)
    try:
        appeals.decide_appeal(
            db, current_actor(), decision.appeal, outcome, form.reasons.data or ""
        )
    except NotAllowed:
        raise
    except ServiceError as error:
        attach_error(form, error)
        return _page(decision, outcome_form=form, status=422)
    if outcome == AppealOutcome.REVERSED:
        flash(_("The decision is reversed; its measure is lifted."), "civicforum")
    else:
        flash(_("The decision is upheld; the member reads your reasons."), "civicforum")
    return redirect(url_for("civicforum.decision", decision_id=decision.id))


def my_decisions() -> str:
    db = db_session()
    actor = current_actor()
    require(policy.can_view_own_moderation(actor))
    decisions = appeals.decisions_about(db, actor)
    messages = signposting.messages_for(db, actor)
    seen_before = actor.member.moderation_seen_at if actor.member else None
    unread = {m.id for m in messages if m.read_at is None}
    # Seen from now on: the navigation stops pointing here (this page says what is new).
    signposting.mark_seen(db, actor)
    return render_template(
        "civicforum/moderation/my_decisions.html",
        decisions=decisions,
        messages=messages,
        unread=unread,
        seen_before=seen_before,
        now=clock.now(),
    )
