"""The editors' dashboard: items in review, items due to be checked within 30 days, open
questions and drafts, in the communities one edits."""

from __future__ import annotations

from flask import Blueprint, render_template

from ... import clock, policy
from ...extension import db_session
from ...forum import queries as forum_queries
from ...forum.views import current_actor, require
from .. import queries
from ..display import trust


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/editors/", "editors_dashboard", editors_dashboard)


def editors_dashboard() -> str:
    db = db_session()
    actor = current_actor()
    require(policy.can_view_editors_dashboard(actor))
    everywhere = actor.is_site_admin or bool(actor.member and actor.member.is_site_editor)
    edited = [c for c in forum_queries.all_communities(db) if policy.is_editor(actor, c)]
    board = queries.dashboard(db, None if everywhere else [c.id for c in edited])
    now = clock.now()
    every = [*board.in_review, *board.due_soon, *board.disputed, *board.drafts]
    return render_template(
        "civicforum/curation/dashboard.html",
        board=board,
        communities=edited,
        trust={item.id: trust(item, now) for item in every},
        approvable={item.id: policy.can_approve(actor, item) for item in board.in_review},
        now=now,
        due_soon_days=queries.DUE_SOON_DAYS,
    )
