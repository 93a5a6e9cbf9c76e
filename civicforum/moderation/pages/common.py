"""What the moderation pages share: finding a community for its moderators, numbers from
the query string, and the choice of ground on a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request
from werkzeug.wrappers import Response

from ... import policy
from ...errors import NotAllowed, NotFound, ServiceError
from ...extension import db_session
from ...forum import services as forum_services
from ...forum.forms import attach_error
from ...forum.models import Community
from ...forum.views import current_actor, require
from ...i18n import get_locale
from .. import rules
from ..forms import ILLEGAL, chosen_rule, rule_choices
from ..models import Ground, HouseRule


def community_for_moderators(slug: str) -> Community:
    """The community of ``slug``, when the current actor moderates it.

    :raises NotAllowed: for anyone else (the page says who may).
    """
    community = forum_services.get_community(db_session(), slug)
    require(policy.can_moderate(current_actor(), community))
    return community


def number_arg(name: str) -> int | None:
    """A whole number from the query string; None when absent, 404 when nonsense."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdecimal() or len(raw) > 9:
        abort(404)
    return int(raw)


def number_form(name: str) -> int | None:
    """A whole number from a posted form; None when absent or nonsense."""
    raw = request.form.get(name, "")
    return int(raw) if raw.isdecimal() and len(raw) <= 9 else None


def ground_choices(community: Community) -> tuple[list[HouseRule], list[tuple[str, str]]]:
    catalogue = rules.community_rules(db_session(), community)
    return catalogue, rule_choices(catalogue, get_locale())


def ground_of(choice: str | None) -> tuple[Ground | None, int | None]:
    """What a ground choice names: (HOUSE_RULE, rule id), (ILLEGAL, None) or nothing."""
    rule_id = chosen_rule(choice)
    if rule_id is not None:
        return Ground.HOUSE_RULE, rule_id
    if choice == ILLEGAL:
        return Ground.ILLEGAL, None
    return None, None


def form_cycle(form: Any, write: Callable[[], str], to: str) -> tuple[Response | None, int]:
    """Send a submitted, valid form through ``write``, which writes and returns what to
    tell the person; then go to ``to``.

    :returns: (the redirect, 302) when it was written; (None, 422) with the refusal shown
        beside its field when a rule refused, or the form was sent incomplete; (None, 200)
        when the page is only being shown. Refusals by the policy, or for something that
        does not exist, still answer with their own page.
    """
    if not form.validate_on_submit():
        return None, 422 if form.is_submitted() else 200
    try:
        done = write()
    except (NotAllowed, NotFound):
        raise
    except ServiceError as error:
        db_session().rollback()
        attach_error(form, error)
        return None, 422
    flash(done, "civicforum")
    return redirect(to), 302
