"""One search, as the search page asks it: narrowed by the policy, answered by the
backend, and every hit on the page checked again with the policy before it is shown."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import policy
from ...forum.models import Community
from ...forum.queries import Page
from ...i18n import gettext as _
from ...searchable import Found, community_language
from .backends import IndexUnavailable, Order, Search
from .indexer import Indexer
from .query import ParsedQuery
from .snippets import snippet

#: The furthest page of results one can ask for.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Question:
    """What the searcher asked, already read from the form."""

    query: ParsedQuery
    community: Community | None = None  # within one community, or everywhere
    kinds: frozenset[str] | None = None
    author: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    order: Order = Order.BEST
    page: int = 1


@dataclass(frozen=True)
class Result:
    found: Found
    snippet: Markup


@dataclass
class Answer:
    results: list[Result] = field(default_factory=list)
    total: int = 0
    more: bool = False  # more than ``total`` results: counting stopped there
    page: Page[Result] | None = None
    # Why there are no results to show, in one sentence ("" when there are, or none match).
    message: str = ""
    rebuilding: bool = False
    communities: list[Community] = field(default_factory=list)  # the ones searched


def _start_of(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def search(
    db: Session,
    actor: policy.Actor,
    indexer: Indexer,
    question: Question,
    *,
    per_page: int,
    timezone: str,
    every_community: list[Community] | None = None,
) -> Answer:
    """:param every_community: every community there is, when the caller has them already
    (the search page lists them in its form)."""
    if question.community is not None:
        communities = [question.community]
    elif every_community is not None:
        communities = every_community
    else:
        communities = list(db.scalars(select(Community).order_by(Community.name)))
    scope = policy.search_scope(actor, communities)
    answer = Answer(communities=[c for c in communities if c.id in scope.readable])
    if question.query.is_empty:
        answer.message = _("Type the words you are looking for.")
        return answer
    if not 1 <= question.page <= MAX_PAGE:
        answer.message = _("There is no such page of results.")
        return answer
    zone = ZoneInfo(timezone)
    languages = frozenset(community_language(c) for c in answer.communities)
    asked = Search(
        query=question.query,
        scope=scope,
        languages=languages,
        kinds=question.kinds,
        author_name=" ".join(question.author.split()).casefold(),
        since=_start_of(question.since, zone) if question.since else None,
        until=_start_of(question.until + dt.timedelta(days=1), zone) if question.until else None,
        order=question.order,
        offset=(question.page - 1) * per_page,
        limit=per_page,
    )
    try:
        hits = indexer.backend.search(asked)
    except IndexUnavailable:
        indexer.health()
        return _rebuilding(answer)
    shown = _check_again(db, actor, indexer, hits.keys)
    # A hit the index still had but the policy refuses now (the index is a moment
    # behind) is neither shown nor counted.
    total = max(0, hits.total - (len(hits.keys) - len(shown)))
    # With more hits than were counted, the page after the last counted one is offered.
    count = max(1, math.ceil(total / per_page) + (1 if hits.more else 0))
    if question.page > count and question.page > 1:
        answer.message = _("There is no such page of results.")
        return answer
    if total == 0 and languages and not any(question.query.terms(lang) for lang in languages):
        answer.message = _("Those words are too common to search for; try more telling ones.")
        return answer
    answer.results = [
        Result(
            found, snippet(found.text, set(question.query.terms(found.language)), found.language)
        )
        for found in shown
    ]
    answer.total = total
    answer.more = hits.more
    answer.page = Page(answer.results, question.page, count)
    return answer


def _rebuilding(answer: Answer) -> Answer:
    answer.rebuilding = True
    answer.message = _("The search index is being rebuilt; please try again in a few minutes.")
    return answer


def _check_again(
    db: Session, actor: policy.Actor, indexer: Indexer, keys: list[str]
) -> list[Found]:
    found: dict[str, Found] = {}
    for source in indexer.sources:
        mine = [k for k in keys if k.split(":", 1)[0] == source.prefix]
        if mine:
            found.update(source.found(db, actor, mine))
    stale = [k for k in keys if k not in found]
    if stale:
        indexer.refresh(stale)
    return [found[k] for k in keys if k in found]
