"""The workflow's steps on an item's page: which ones an editor may take now, each its
own small form (with a note, and for an approval the date to check it again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, url_for

from ... import clock, policy
from ...errors import NotAllowed, ServiceError
from ...extension import db_session, state
from ...forum.forms import attach_error
from ...forum.views import current_actor, require
from ...i18n import gettext as _
from .. import workflow
from ..forms import StepForm
from ..models import VerifiedItem
from ..workflow import Action, allowed_actions, get_item

#: The steps editors take on an item's page (revising has its own page; the date
#: passing and members' questions are not editors' steps).
ON_THE_PAGE = (
    Action.SUBMIT,
    Action.APPROVE,
    Action.RETURN,
    Action.RECHECK,
    Action.UPHOLD,
    Action.WITHDRAW,
    Action.REOPEN,
)
NOTE_NEEDED = frozenset({Action.RETURN, Action.UPHOLD, Action.WITHDRAW})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/info/<int:item_id>/step/<action>", "item_step", take_step, methods=["POST"])


@dataclass(frozen=True)
class Step:
    action: Action
    form: Any  # StepForm
    verdict: policy.Verdict

    @property
    def needs_note(self) -> bool:
        return self.action in NOTE_NEEDED

    @property
    def needs_date(self) -> bool:
        return self.action == Action.APPROVE


def default_due() -> dt.date:
    return clock.months_after(clock.now(), state().settings.review_months).date()


def _verdict(actor: policy.Actor, item: VerifiedItem, action: Action) -> policy.Verdict:
    if action == Action.APPROVE:
        return policy.can_approve(actor, item)
    if action == Action.UPHOLD:
        return policy.can_uphold(actor, item)
    return policy.can_edit_information(actor, item.community)


def steps_for(actor: policy.Actor, item: VerifiedItem, failed: Step | None = None) -> list[Step]:
    """The steps the item's status allows, each with whether this editor may take it."""
    allowed = allowed_actions(item.effective_status(clock.now()))
    steps = []
    for action in ON_THE_PAGE:
        if action not in allowed:
            continue
        if failed is not None and failed.action == action:
            steps.append(failed)
            continue
        form = StepForm(prefix=action.value, formdata=None)
        if action == Action.APPROVE:
            form.review_due.data = default_due()
        steps.append(Step(action, form, _verdict(actor, item, action)))
    return steps


def _due_moment(day: dt.date) -> dt.datetime:
    """The start of that day in the forum's time zone."""
    zone = ZoneInfo(state().settings.timezone)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def take_step(item_id: int, action: str) -> Any:
    from .reading import item_page

    db = db_session()
    actor = current_actor()
    item = get_item(db, item_id)
    try:
        step = Action(action)
    except ValueError:
        abort(404)
    if step not in ON_THE_PAGE:
        abort(404)
    require(policy.can_edit_information(actor, item.community))
    form = StepForm(prefix=step.value)
    if not form.validate_on_submit():
        return _again(item_page, item, Step(step, form, _verdict(actor, item, step)), 422)
    note = form.note.data or ""
    try:
        if step == Action.SUBMIT:
            workflow.submit(db, actor, item, note)
        elif step == Action.APPROVE:
            due = form.due()
            if due is None:
                raise ServiceError(_("Give the date to check it again."), "review_due")
            workflow.approve(db, actor, item, _due_moment(due), note)
        elif step == Action.RETURN:
            workflow.return_for_changes(db, actor, item, note)
        elif step == Action.RECHECK:
            workflow.recheck(db, actor, item, note)
        elif step == Action.UPHOLD:
            workflow.uphold(db, actor, item, note)
        elif step == Action.WITHDRAW:
            workflow.withdraw(db, actor, item, note)
        else:
            workflow.reopen(db, actor, item, note)
    except NotAllowed:
        raise
    except ServiceError as error:
        attach_error(form, error)
        db.expire_all()
        failed = Step(step, form, _verdict(actor, item, step))
        return _again(item_page, item, failed, 409 if error.field is None else 422)
    from ..wording import action_name

    flash(_("Done: %(step)s.", step=action_name(step)), "civicforum")
    return redirect(url_for("civicforum.item", item_id=item.id))


def _again(item_page: Any, item: VerifiedItem, failed: Step, status: int) -> Any:
    """The item's page again, the failed step's form showing why."""
    return item_page(item.id, failed_step=failed, status=status)
