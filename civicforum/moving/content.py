"""What was written and decided in a community, as records: topics, posts with their
revisions, moderation decisions with their appeals, and trusted information with its
revisions, sources, history and questions.

Posts are read and written in batches with the database's own rows, not ORM objects:
a community may hold a million of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, insert, select, update

from ..curation.models import ItemDispute, ItemRevision, ItemSource, ItemTransition, VerifiedItem
from ..forum.models import Post, PostRevision, Topic
from ..markup import render_markdown
from ..moderation.models import Appeal, Decision
from .records import (
    ExportContext,
    ImportContext,
    Record,
    RecordKind,
    References,
    day,
    moment,
    nested,
    when,
)

#: Rows read per query on export. Measured at a million posts: 1,000 a page gave 20,600
#: posts/s in 138 MiB, 5,000 gave 21,400 posts/s in 151 MiB (over the 150 aimed for).
PAGE = 2500


def _pages(ctx: ExportContext, query: Any, id_column: Any) -> Iterator[list[Any]]:
    """Rows of ``query`` in ascending id, a page at a time (keyset pages: no cursor is
    held open between them)."""
    last = 0
    while True:
        rows = list(ctx.db.execute(query.where(id_column > last).order_by(id_column).limit(PAGE)))
        if not rows:
            return
        yield rows
        last = rows[-1].id


# -- topics ----------------------------------------------------------------------------------

_TOPIC = select(
    Topic.id,
    Topic.title,
    Topic.author_id,
    Topic.publish_as,
    Topic.is_locked,
    Topic.held,
    Topic.created_at,
    Topic.last_posted_at,
)


def _export_topics(ctx: ExportContext) -> Iterator[Record]:
    query = _TOPIC.where(Topic.community_id == ctx.community_id)
    for rows in _pages(ctx, query, Topic.id):
        for row in rows:
            yield {
                "kind": "topic",
                "id": row.id,
                "title": row.title,
                "author": row.author_id,
                "publish_as": row.publish_as,
                "locked": row.is_locked,
                "held": row.held,
                "created_at": when(row.created_at),
                "last_posted_at": when(row.last_posted_at),
            }


def _topic_references(record: Record) -> References:
    yield "member", record.get("author"), "author"


def _write_topics(ctx: ImportContext, records: list[Record]) -> None:
    ctx.db.execute(
        insert(Topic),
        [
            {
                "id": ctx.ids("topic", r["id"]),
                "community_id": ctx.community_id,
                "title": r["title"],
                "author_id": ctx.ids("member", r.get("author")),
                "publish_as": r["publish_as"],
                "is_locked": r["locked"],
                "held": r["held"],
                "created_at": moment(r["created_at"]),
                "last_posted_at": moment(r["last_posted_at"]),
                "post_count": 0,
            }
            for r in records
        ],
    )


def count_posts(ctx: ImportContext) -> None:
    """Each imported topic's post count (kept for pagination), from its posts."""
    counted = select(func.count(Post.id)).where(Post.topic_id == Topic.id).scalar_subquery()
    ctx.db.execute(
        update(Topic).where(Topic.community_id == ctx.community_id).values(post_count=counted)
    )


# -- posts -----------------------------------------------------------------------------------

_POST = select(
    Post.id,
    Post.topic_id,
    Post.author_id,
    Post.body,
    Post.publish_as,
    Post.created_at,
    Post.edited_at,
    Post.deleted_at,
    Post.deleted_by_id,
    Post.held,
    Post.hidden_at,
    Post.content_warning,
    Post.author_warning,
)


def _export_posts(ctx: ExportContext) -> Iterator[Record]:
    topics = select(Topic.id).where(Topic.community_id == ctx.community_id)
    query = _POST.where(Post.topic_id.in_(topics))
    for rows in _pages(ctx, query, Post.id):
        revisions: dict[int, list[Record]] = defaultdict(list)
        found = ctx.db.execute(
            select(
                PostRevision.post_id,
                PostRevision.body,
                PostRevision.written_at,
                PostRevision.replaced_by_id,
                PostRevision.replaced_at,
            )
            .where(PostRevision.post_id.in_([row.id for row in rows]))
            .order_by(PostRevision.post_id, PostRevision.id)
        )
        for revision in found:
            revisions[revision.post_id].append(
                {
                    "body": revision.body,
                    "written_at": when(revision.written_at),
                    "replaced_by": revision.replaced_by_id,
                    "replaced_at": when(revision.replaced_at),
                }
            )
        for row in rows:
            yield {
                "kind": "post",
                "id": row.id,
                "topic": row.topic_id,
                "author": row.author_id,
                "publish_as": row.publish_as,
                "body": row.body,
                "created_at": when(row.created_at),
                "edited_at": when(row.edited_at),
                "deleted_at": when(row.deleted_at),
                "deleted_by": row.deleted_by_id,
                "held": row.held,
                "hidden_at": when(row.hidden_at),
                "content_warning": row.content_warning,
                "author_warning": row.author_warning,
                "revisions": revisions.get(row.id, []),
            }


def _post_references(record: Record) -> References:
    yield "topic", record["topic"], "topic"
    yield "member", record.get("author"), "author"
    yield "member", record.get("deleted_by"), "deleted_by"
    for n, revision in enumerate(nested(record, "revisions")):
        yield "member", revision.get("replaced_by"), f"revisions[{n}].replaced_by"


def render_posts(records: list[Record]) -> list[tuple[str, list[str]]]:
    """Each post's HTML and its revisions', from their Markdown: the slowest part of an
    import, so it may run in other processes (see :mod:`.importing`)."""
    return [
        (
            render_markdown(r["body"]),
            [render_markdown(revision["body"]) for revision in nested(r, "revisions")],
        )
        for r in records
    ]


def _write_posts(ctx: ImportContext, records: list[Record]) -> None:
    ids = ctx.ids
    rendered = ctx.scratch.pop("rendered", None) or render_posts(records)
    ctx.db.execute(
        insert(Post),
        [
            {
                "id": ids("post", r["id"]),
                "topic_id": ids("topic", r["topic"]),
                "author_id": ids("member", r.get("author")),
                "body": r["body"],
                "body_html": html,
                "publish_as": r["publish_as"],
                "created_at": moment(r["created_at"]),
                "edited_at": moment(r.get("edited_at")),
                "deleted_at": moment(r.get("deleted_at")),
                "deleted_by_id": ids("member", r.get("deleted_by")),
                "held": r["held"],
                "hidden_at": moment(r.get("hidden_at")),
                "content_warning": r.get("content_warning"),
                "author_warning": r.get("author_warning"),
            }
            for r, (html, _) in zip(records, rendered, strict=True)
        ],
    )
    revisions = [
        {
            "post_id": ids("post", r["id"]),
            "body": revision["body"],
            "body_html": revision_html,
            "written_at": moment(revision["written_at"]),
            "replaced_by_id": ids("member", revision.get("replaced_by")),
            "replaced_at": moment(revision["replaced_at"]),
        }
        for r, (_, revision_htmls) in zip(records, rendered, strict=True)
        for revision, revision_html in zip(nested(r, "revisions"), revision_htmls, strict=True)
    ]
    if revisions:
        ctx.db.execute(insert(PostRevision), revisions)


# -- moderation decisions ---------------------------------------------------------------------

_STATEMENT = (
    "decision_visibility",
    "decision_provision",
    "decision_account",
    "category",
    "content_type",
    "source_type",
    "automated_detection",
    "automated_decision",
    "territorial_scope",
)


def _export_decisions(ctx: ExportContext) -> Iterator[Record]:
    decisions = ctx.db.scalars(
        select(Decision).where(Decision.community_id == ctx.community_id).order_by(Decision.id)
    )
    for d in decisions:
        appeal = d.appeal
        yield {
            "kind": "decision",
            "id": d.id,
            "puid": d.puid,
            "measure": d.measure,
            "member": d.member_id,
            "post": d.post_id,
            "topic": d.topic_id,
            "decided_by": d.decided_by_id,
            "decided_at": when(d.decided_at),
            "ground": d.ground,
            "rule": d.rule_id,
            "rule_as_it_read": None
            if d.rule_number is None
            else {
                "number": d.rule_number,
                "title": {"nl": d.rule_title_nl, "en": d.rule_title_en},
                "explanation": {"nl": d.rule_explanation_nl, "en": d.rule_explanation_en},
            },
            "legal_ground": d.legal_ground,
            "explanation": d.explanation,
            "facts": d.facts,
            "ends_at": when(d.ends_at),
            "interval_minutes": d.interval_minutes,
            "label": d.label,
            "statement": {
                **{key: getattr(d, key) for key in _STATEMENT},
                "content_date": when(d.content_date),
            },
            "lifted": None
            if d.lifted_at is None
            else {"at": when(d.lifted_at), "by": d.lifted_by_id, "reason": d.lift_reason},
            "appeal": None
            if appeal is None
            else {
                "appellant": appeal.appellant_id,
                "statement": appeal.statement,
                "submitted_at": when(appeal.submitted_at),
                "decided_at": when(appeal.decided_at),
                "decided_by": appeal.decided_by_id,
                "outcome": appeal.outcome,
                "reasons": appeal.reasons,
            },
        }


def _decision_references(record: Record) -> References:
    yield "member", record.get("member"), "member"
    yield "post", record.get("post"), "post"
    yield "topic", record.get("topic"), "topic"
    yield "member", record.get("decided_by"), "decided_by"
    yield "house_rule", record.get("rule"), "rule"
    yield "member", (record.get("lifted") or {}).get("by"), "lifted.by"
    appeal = record.get("appeal") or {}
    yield "member", appeal.get("appellant"), "appeal.appellant"
    yield "member", appeal.get("decided_by"), "appeal.decided_by"


def _write_decisions(ctx: ImportContext, records: list[Record]) -> None:
    ids = ctx.ids
    wanted = [r["puid"] for r in records]
    taken = set(ctx.db.scalars(select(Decision.puid).where(Decision.puid.in_(wanted))))
    rows, appeals = [], []
    for r in records:
        puid = r["puid"]
        if puid in taken:
            puid = f"{puid}-{ctx.community_id}"
            ctx.notes.append(f"decision {r['id']}: its identifier is taken here; now {puid}")
        rule = r.get("rule_as_it_read") or {}
        statement = r["statement"]
        lifted = r.get("lifted") or {}
        decision_id = ids("decision", r["id"])
        rows.append(
            {
                "id": decision_id,
                "puid": puid,
                "measure": r["measure"],
                "community_id": ctx.community_id,
                "member_id": ids("member", r.get("member")),
                "post_id": ids("post", r.get("post")),
                "topic_id": ids("topic", r.get("topic")),
                "decided_by_id": ids("member", r.get("decided_by")),
                "decided_at": moment(r["decided_at"]),
                "ground": r["ground"],
                "rule_id": ids("house_rule", r.get("rule")),
                "rule_number": rule.get("number"),
                "rule_title_nl": (rule.get("title") or {}).get("nl"),
                "rule_title_en": (rule.get("title") or {}).get("en"),
                "rule_explanation_nl": (rule.get("explanation") or {}).get("nl"),
                "rule_explanation_en": (rule.get("explanation") or {}).get("en"),
                "legal_ground": r.get("legal_ground"),
                "explanation": r["explanation"],
                "facts": r["facts"],
                "ends_at": moment(r.get("ends_at")),
                "interval_minutes": r.get("interval_minutes"),
                "label": r.get("label"),
                **{key: statement[key] for key in _STATEMENT},
                "content_date": moment(statement.get("content_date")),
                "lifted_at": moment(lifted.get("at")),
                "lifted_by_id": ids("member", lifted.get("by")),
                "lift_reason": lifted.get("reason"),
            }
        )
        appeal = r.get("appeal")
        if appeal:
            appeals.append(
                {
                    "decision_id": decision_id,
                    "appellant_id": ids("member", appeal.get("appellant")),
                    "statement": appeal["statement"],
                    "submitted_at": moment(appeal["submitted_at"]),
                    "decided_at": moment(appeal.get("decided_at")),
                    "decided_by_id": ids("member", appeal.get("decided_by")),
                    "outcome": appeal.get("outcome"),
                    "reasons": appeal.get("reasons"),
                }
            )
    ctx.db.execute(insert(Decision), rows)
    if appeals:
        ctx.db.execute(insert(Appeal), appeals)


# -- trusted information ------------------------------------------------------------------------


def _export_information(ctx: ExportContext) -> Iterator[Record]:
    items = ctx.db.scalars(
        select(VerifiedItem)
        .where(VerifiedItem.community_id == ctx.community_id)
        .order_by(VerifiedItem.id)
    )
    for item in items:
        numbers = {revision.id: revision.number for revision in item.revisions}
        transitions = ctx.db.scalars(
            select(ItemTransition)
            .where(ItemTransition.item_id == item.id)
            .order_by(ItemTransition.id)
        )
        disputes = ctx.db.scalars(
            select(ItemDispute).where(ItemDispute.item_id == item.id).order_by(ItemDispute.id)
        )
        yield {
            "kind": "information",
            "id": item.id,
            "type": item.kind,
            "post": item.post_id,
            "status": item.status,
            "health": item.health,
            "author": item.author_id,
            "created_at": when(item.created_at),
            "published_revision": numbers.get(item.published_revision_id or 0),
            "reviewed_at": when(item.reviewed_at),
            "review_due_at": when(item.review_due_at),
            "verified_count": item.verified_count,
            "revisions": [
                {
                    "number": revision.number,
                    "title": revision.title,
                    "body": revision.body,
                    "verdict": revision.verdict,
                    "state": revision.state,
                    "author": revision.author_id,
                    "created_at": when(revision.created_at),
                    "decided_at": when(revision.decided_at),
                    "decided_by": revision.decided_by_id,
                    "sources": [
                        {
                            "position": source.position,
                            "citation": source.citation,
                            "url": source.url,
                            "consulted_on": day(source.consulted_on),
                        }
                        for source in revision.sources
                    ],
                }
                for revision in item.revisions
            ],
            "history": [
                {
                    "revision": numbers.get(step.revision_id or 0),
                    "action": step.action,
                    "from": step.from_status,
                    "to": step.to_status,
                    "actor": step.actor_id,
                    "at": when(step.at),
                    "note": step.note,
                }
                for step in transitions
            ],
            "questions": [
                {
                    "member": dispute.member_id,
                    "question": dispute.question,
                    "citation": dispute.citation,
                    "url": dispute.url,
                    "created_at": when(dispute.created_at),
                    "resolved_at": when(dispute.resolved_at),
                    "resolved_by": dispute.resolved_by_id,
                    "resolution": dispute.resolution,
                }
                for dispute in disputes
            ],
        }


def _information_references(record: Record) -> References:
    yield "post", record.get("post"), "post"
    yield "member", record.get("author"), "author"
    for n, revision in enumerate(nested(record, "revisions")):
        yield "member", revision.get("author"), f"revisions[{n}].author"
        yield "member", revision.get("decided_by"), f"revisions[{n}].decided_by"
    for n, step in enumerate(nested(record, "history")):
        yield "member", step.get("actor"), f"history[{n}].actor"
    for n, question in enumerate(nested(record, "questions")):
        yield "member", question.get("member"), f"questions[{n}].member"
        yield "member", question.get("resolved_by"), f"questions[{n}].resolved_by"


def _write_information(ctx: ImportContext, records: list[Record]) -> None:
    import datetime as dt

    ids = ctx.ids
    for r in records:
        item = VerifiedItem(
            id=ids("information", r["id"]),
            community_id=ctx.community_id,
            kind=r["type"],
            post_id=ids("post", r.get("post")),
            status=r["status"],
            health=r["health"],
            author_id=ids("member", r.get("author")),
            created_at=moment(r["created_at"]),
            reviewed_at=moment(r.get("reviewed_at")),
            review_due_at=moment(r.get("review_due_at")),
            verified_count=r["verified_count"],
        )
        by_number: dict[int, ItemRevision] = {}
        for revision in nested(r, "revisions"):
            made = ItemRevision(
                number=revision["number"],
                title=revision["title"],
                body=revision["body"],
                body_html=render_markdown(revision["body"]),
                verdict=revision.get("verdict"),
                state=revision["state"],
                author_id=ids("member", revision.get("author")),
                created_at=moment(revision["created_at"]),
                decided_at=moment(revision.get("decided_at")),
                decided_by_id=ids("member", revision.get("decided_by")),
                sources=[
                    ItemSource(
                        position=source["position"],
                        citation=source["citation"],
                        url=source["url"],
                        consulted_on=dt.date.fromisoformat(source["consulted_on"]),
                    )
                    for source in revision.get("sources") or []
                ],
            )
            item.revisions.append(made)
            by_number[revision["number"]] = made
        ctx.db.add(item)
        ctx.db.flush()
        published = r.get("published_revision")
        if published is not None:
            item.published_revision_id = by_number[published].id
        for step in nested(r, "history"):
            number = step.get("revision")
            ctx.db.add(
                ItemTransition(
                    item_id=item.id,
                    revision_id=by_number[number].id if number in by_number else None,
                    action=step["action"],
                    from_status=step.get("from"),
                    to_status=step["to"],
                    actor_id=ids("member", step.get("actor")),
                    at=moment(step["at"]),
                    note=step.get("note") or "",
                )
            )
        for question in nested(r, "questions"):
            ctx.db.add(
                ItemDispute(
                    item_id=item.id,
                    member_id=ids("member", question.get("member")),
                    question=question["question"],
                    citation=question["citation"],
                    url=question["url"],
                    created_at=moment(question["created_at"]),
                    resolved_at=moment(question.get("resolved_at")),
                    resolved_by_id=ids("member", question.get("resolved_by")),
                    resolution=question.get("resolution"),
                )
            )
    ctx.db.flush()


KINDS = [
    RecordKind("topic", "cf_topic", _export_topics, _topic_references, _write_topics, page="topic"),
    RecordKind(
        "post",
        "cf_post",
        _export_posts,
        _post_references,
        _write_posts,
        page="post",
        render=render_posts,
    ),
    RecordKind(
        "decision",
        "cf_moderation_decision",
        _export_decisions,
        _decision_references,
        _write_decisions,
    ),
    RecordKind(
        "information",
        "cf_verified_item",
        _export_information,
        _information_references,
        _write_information,
        page="information",
    ),
]
