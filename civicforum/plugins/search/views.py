"""The search pages: everywhere (``/search``) and within one community
(``/c/<slug>/search``). Both work without JavaScript: a GET form, numbered pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ... import policy
from ...extension import db_session, state
from ...forum import services as forum_services
from ...forum.models import Community
from ...forum.views import current_actor, require
from .backends import Order
from .forms import ANY, SearchForm, result_kinds
from .indexer import indexer_of
from .query import parse
from .service import MAX_PAGE, Answer, Question, search
from .settings import PER_PAGE_KEY


def make_blueprint() -> Blueprint:
    bp = Blueprint("search", __name__, template_folder="templates")
    bp.add_url_rule("/search", "everywhere", everywhere)
    bp.add_url_rule("/c/<slug>/search", "community", in_community)
    return bp


def everywhere() -> tuple[str, int]:
    return _page(None)


def in_community(slug: str) -> tuple[str, int]:
    community = forum_services.get_community(db_session(), slug)
    require(policy.can_view_community(current_actor(), community))
    return _page(community)


def _page_asked() -> int | None:
    raw = request.args.get("page", "1")
    if not raw.isdecimal() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        return None
    return int(raw)


def _page(community: Community | None) -> tuple[str, int]:
    db = db_session()
    actor = current_actor()
    indexer = indexer_of(current_app)
    forum = state()
    every_community = list(db.scalars(select(Community).order_by(Community.name)))
    readable = [c for c in every_community if policy.can_view_community(actor, c)]
    kinds = [kind for source in indexer.sources for kind in source.kinds]
    # Control characters (a NUL byte) cannot be part of any text: they are dropped.
    args = MultiDict(
        (k, "".join(ch for ch in v if ch >= " " or ch in "\t\n"))
        for k, v in request.args.items(multi=True)
    )
    form = SearchForm(args, communities=[(c.slug, c.name) for c in readable], kinds=kinds)
    if community is not None:
        form.community.data = community.slug
    asked = "q" in args or "phrase" in args
    answer: Answer | None = None
    status = 200
    page = _page_asked()
    if asked and form.validate():
        if page is None:
            answer = Answer(message=_no_page())
            status = 404
        else:
            chosen = community or next((c for c in readable if c.slug == form.community.data), None)
            question = Question(
                query=parse(form.q.data or "", form.phrase.data or "", form.without.data or ""),
                community=chosen,
                kinds=frozenset([form.kind.data]) if form.kind.data != ANY else None,
                author=form.author.data or "",
                since=form.since.data,
                until=form.until.data,
                order=Order(form.order.data),
                page=page,
            )
            answer = search(
                db,
                actor,
                indexer,
                question,
                per_page=int(forum.settings.extra[PER_PAGE_KEY]),
                timezone=forum.settings.timezone,
                every_community=every_community,
            )
            if answer.page is None and answer.message and page > 1:
                status = 404
    elif asked:
        status = 400
    arguments = {k: v for k, v in args.items() if k != "page" and v}
    if community is not None:
        arguments["slug"] = community.slug
    return (
        render_template(
            "civicforum/search/search.html",
            form=form,
            community=community,
            answer=answer,
            arguments=arguments,
            kind_label=lambda kind: result_kinds().get(kind, kind),
            endpoint="civicforum.search.community" if community else "civicforum.search.everywhere",
        ),
        status,
    )


def _no_page() -> str:
    from ...i18n import gettext as _

    return _("There is no such page of results.")
