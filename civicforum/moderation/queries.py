"""Reads for moderation's pages: the decision behind a hidden or labelled post, and one
decision by its number.

Visibility is never decided here: callers ask :mod:`civicforum.policy` who may see what
(:func:`~civicforum.policy.can_view_post`, :func:`~civicforum.policy.can_view_decision`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..errors import NotFound
from ..i18n import gettext as _
from .models import Decision, Measure
from .standing import in_force


def decisions_on_posts(db: Session, post_ids: Iterable[int]) -> dict[int, list[Decision]]:
    """The hiding and labelling decisions in force on these posts (one statement for a
    whole page), by post id: a topic page shows the label, and shows the author of a
    hidden post why it was hidden."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    query = (
        select(Decision)
        .where(
            Decision.post_id.in_(ids),
            Decision.measure.in_([Measure.HIDE_POST.value, Measure.CONTENT_WARNING.value]),
            in_force(clock.now()),
        )
        .order_by(Decision.decided_at, Decision.id)
    )
    found: dict[int, list[Decision]] = {}
    for decision in db.scalars(query):
        assert decision.post_id is not None
        found.setdefault(decision.post_id, []).append(decision)
    return found


def get_decision(db: Session, decision_id: int) -> Decision:
    """:raises NotFound: for an unknown number."""
    decision = db.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .options(joinedload(Decision.appeal), joinedload(Decision.community))
    )
    if decision is None:
        raise NotFound(_("There is no such decision."))
    return decision
