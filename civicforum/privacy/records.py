"""What a member did and what was decided about them, for ``member.json``: reports they
made, decisions about them with their appeals, messages from the moderators, their work
on trusted information and the log of their digests (see :mod:`.collect` for the rules:
the member's own data only, runs inside the export's request context).
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..curation.models import ItemDispute, ItemRevision, ItemTransition, VerifiedItem
from ..curation.wording import action_name, status_name
from ..digests.models import DigestLog
from ..forum.models import Community
from ..identity.models import Member
from ..moderation.models import Appeal, Decision, ModerationMessage, Report
from ..moderation.wording import measure_name
from .collect import JSON, community_ref, moment, post_url, topic_url

# -- moderation --------------------------------------------------------------------------


def _rule(number: int | None, title: str | None) -> JSON | None:
    return {"number": number, "title": title} if number is not None else None


def reports(db: Session, member: Member, language: str) -> list[JSON]:
    """Reports they made: their own words and the outcome; what they reported only by
    its address, never whom (that is the other person's)."""
    rows = db.scalars(
        select(Report).where(Report.reporter_id == member.id).order_by(Report.id)
    ).all()
    return [
        {
            "id": row.id,
            "made_at": moment(row.created_at),
            "about": row.target,
            "post_id": row.post_id,
            "topic_id": row.topic_id,
            "content_url": post_url(row.post_id) or topic_url(row.topic_id),
            "community": community_ref(row.community),
            "ground": row.ground,
            "rule": _rule(row.rule.number, row.rule.title(language)) if row.rule else None,
            "legal_ground": row.legal_ground,
            "category": row.category,
            "explanation": row.explanation,
            "location": row.location,
            "status": row.status,
            "handled_at": moment(row.handled_at),
            "outcome_measure": row.outcome_measure,
            "outcome_note": row.outcome_note,
        }
        for row in rows
    ]


def _appeal(appeal: Appeal | None) -> JSON | None:
    if appeal is None:
        return None
    # Who decided the appeal is the moderators' to know, not part of the member's copy.
    return {
        "submitted_at": moment(appeal.submitted_at),
        "statement": appeal.statement,
        "outcome": appeal.outcome,
        "reasons": appeal.reasons,
        "decided_at": moment(appeal.decided_at),
    }


def decisions(db: Session, member: Member, language: str) -> list[JSON]:
    """Decisions about them, with the statement of reasons and their appeal; without the
    deciding moderator."""
    appealed = select(Appeal.decision_id).where(Appeal.appellant_id == member.id)
    rows = db.scalars(
        select(Decision)
        .where(or_(Decision.member_id == member.id, Decision.id.in_(appealed)))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    return [
        {
            "id": row.id,
            "puid": row.puid,
            "url": url_for("civicforum.decision", decision_id=row.id, _external=True),
            "decided_at": moment(row.decided_at),
            "community": community_ref(row.community),
            "measure": row.measure,
            "measure_name": measure_name(row.measure),
            "ground": row.ground,
            "rule": _rule(row.rule_number, row.rule_title(language)),
            "legal_ground": row.legal_ground,
            "explanation": row.explanation,
            "facts": row.facts,
            "label": row.label,
            "post_id": row.post_id,
            "topic_id": row.topic_id,
            "content_url": post_url(row.post_id) or topic_url(row.topic_id),
            "ends_at": moment(row.ends_at),
            "interval_minutes": row.interval_minutes,
            "lifted_at": moment(row.lifted_at),
            "lift_reason": row.lift_reason,
            "appeal": _appeal(row.appeal),
        }
        for row in rows
    ]


def messages(db: Session, member: Member) -> list[JSON]:
    rows = db.scalars(
        select(ModerationMessage)
        .where(ModerationMessage.member_id == member.id)
        .order_by(ModerationMessage.id)
    ).all()
    return [
        {
            "kind": row.kind,
            "community": community_ref(db.get(Community, row.community_id))
            if row.community_id
            else None,
            "text": row.body,
            "sent_at": moment(row.created_at),
            "read_at": moment(row.read_at),
        }
        for row in rows
    ]


# -- trusted information -----------------------------------------------------------------


def curation(db: Session, member: Member) -> JSON:
    """What they did as an editor, and the questions they asked editors."""

    def item_url(item_id: int) -> str:
        return url_for("civicforum.item", item_id=item_id, _external=True)

    items = db.scalars(
        select(VerifiedItem).where(VerifiedItem.author_id == member.id).order_by(VerifiedItem.id)
    ).all()
    revisions = db.scalars(
        select(ItemRevision).where(ItemRevision.author_id == member.id).order_by(ItemRevision.id)
    ).all()
    steps = db.scalars(
        select(ItemTransition)
        .where(ItemTransition.actor_id == member.id)
        .order_by(ItemTransition.id)
    ).all()
    questions = db.scalars(
        select(ItemDispute).where(ItemDispute.member_id == member.id).order_by(ItemDispute.id)
    ).all()
    return {
        "items": [
            {
                "id": item.id,
                "kind": item.kind,
                "url": item_url(item.id),
                "community": community_ref(item.community),
                "status": item.status,
                "status_name": status_name(item.status),
                "created_at": moment(item.created_at),
            }
            for item in items
        ],
        "revisions": [
            {
                "item_id": revision.item_id,
                "number": revision.number,
                "title": revision.title,
                "body": revision.body,
                "verdict": revision.verdict,
                "state": revision.state,
                "created_at": moment(revision.created_at),
                "decided_at": moment(revision.decided_at),
                "sources": [
                    {
                        "citation": source.citation,
                        "url": source.url,
                        "consulted_on": source.consulted_on.isoformat(),
                    }
                    for source in revision.sources
                ],
            }
            for revision in revisions
        ],
        "steps": [
            {
                "item_id": step.item_id,
                "action": step.action,
                "action_name": action_name(step.action),
                "from_status": step.from_status,
                "to_status": step.to_status,
                "at": moment(step.at),
                "note": step.note,
            }
            for step in steps
        ],
        "questions": [
            {
                "item_id": question.item_id,
                "url": item_url(question.item_id),
                "question": question.question,
                "citation": question.citation,
                "source_url": question.url,
                "asked_at": moment(question.created_at),
                "answered_at": moment(question.resolved_at),
                "answer": question.resolution,
            }
            for question in questions
        ],
    }


def digests(db: Session, member: Member) -> list[JSON]:
    rows = db.scalars(
        select(DigestLog).where(DigestLog.member_id == member.id).order_by(DigestLog.id)
    ).all()
    return [
        {
            "period": row.period,
            "status": row.status,
            "covers_from": moment(row.covers_from),
            "covers_until": moment(row.covers_until),
            "sent_at": moment(row.sent_at),
        }
        for row in rows
    ]
