"""The events plugin's part of a community's export file: who may organise, and the
events with their organisers (and, in files written with accounts, the answers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import insert, select

from ...markup import render_markdown
from ...moving.records import (
    ExportContext,
    ImportContext,
    Record,
    RecordKind,
    References,
    moment,
    nested,
    when,
)
from .models import LocalEvent, OrganiserRight, Rsvp, event_organiser


def _export_rights(ctx: ExportContext) -> Iterator[Record]:
    rights = ctx.db.scalars(
        select(OrganiserRight)
        .where(OrganiserRight.community_id == ctx.community_id)
        .order_by(OrganiserRight.id)
    )
    for right in rights:
        yield {
            "kind": "event_organiser",
            "id": right.id,
            "member": right.member_id,
            "granted_at": when(right.granted_at),
        }


def _right_references(record: Record) -> References:
    yield "member", record["member"], "member"


def _write_rights(ctx: ImportContext, records: list[Record]) -> None:
    ctx.db.execute(
        insert(OrganiserRight),
        [
            {
                "id": ctx.ids("event_organiser", r["id"]),
                "community_id": ctx.community_id,
                "member_id": ctx.ids("member", r["member"]),
                "granted_at": moment(r["granted_at"]),
            }
            for r in records
        ],
    )


def _export_events(ctx: ExportContext) -> Iterator[Record]:
    events = ctx.db.scalars(
        select(LocalEvent)
        .where(LocalEvent.community_id == ctx.community_id)
        .order_by(LocalEvent.id)
    )
    for event in events:
        record: Record = {
            "kind": "event",
            "id": event.id,
            "topic": event.topic_id,
            "uid": event.uid,
            "title": event.title,
            "description": event.description,
            "starts_at": when(event.starts_at),
            "ends_at": when(event.ends_at),
            "timezone": event.timezone,
            "venue_name": event.venue_name,
            "venue_address": event.venue_address,
            "online_url": event.online_url,
            "attendance_mode": event.attendance_mode,
            "capacity": event.capacity,
            "show_places_left": event.show_places_left,
            "accessibility": [key for key in event.accessibility.split(",") if key],
            "status": event.status,
            "created_at": when(event.created_at),
            "updated_at": when(event.updated_at),
            "organisers": sorted(member.id for member in event.organisers),
        }
        if ctx.with_accounts:
            answers = ctx.db.scalars(
                select(Rsvp).where(Rsvp.event_id == event.id).order_by(Rsvp.id)
            )
            record["answers"] = [
                {
                    "member": answer.member_id,
                    "answer": answer.answer,
                    "waiting": answer.waiting,
                    "position": answer.position,
                    "queued_at": when(answer.queued_at),
                    "answered_at": when(answer.answered_at),
                }
                for answer in answers
            ]
        yield record


def _event_references(record: Record) -> References:
    yield "topic", record.get("topic"), "topic"
    for n, member in enumerate(record.get("organisers") or []):
        yield "member", member, f"organisers[{n}]"
    for n, answer in enumerate(nested(record, "answers")):
        yield "member", answer["member"], f"answers[{n}].member"


def _write_events(ctx: ImportContext, records: list[Record]) -> None:
    ids = ctx.ids
    wanted = [r["uid"] for r in records]
    taken = set(ctx.db.scalars(select(LocalEvent.uid).where(LocalEvent.uid.in_(wanted))))
    rows: list[Record] = []
    organisers: list[Record] = []
    answers: list[Record] = []
    for r in records:
        uid = r["uid"]
        if uid in taken:
            uid = f"{ctx.community_id}-{uid}"[:255]
            ctx.notes.append(f"event {r['id']}: its calendar UID is taken here; now {uid}")
        event_id = ids("event", r["id"])
        rows.append(
            {
                "id": event_id,
                "community_id": ctx.community_id,
                "topic_id": ids("topic", r.get("topic")),
                "uid": uid,
                "title": r["title"],
                "description": r["description"],
                "description_html": render_markdown(r["description"]),
                "starts_at": moment(r["starts_at"]),
                "ends_at": moment(r["ends_at"]),
                "timezone": r["timezone"],
                "venue_name": r.get("venue_name") or "",
                "venue_address": r.get("venue_address") or "",
                "online_url": r.get("online_url"),
                "attendance_mode": r["attendance_mode"],
                "capacity": r.get("capacity"),
                "show_places_left": r.get("show_places_left", False),
                "accessibility": ",".join(r.get("accessibility") or []),
                "status": r["status"],
                "created_at": moment(r["created_at"]),
                "updated_at": moment(r["updated_at"]),
            }
        )
        organisers.extend(
            {"event_id": event_id, "member_id": ids("member", member)}
            for member in r.get("organisers") or []
        )
        answers.extend(
            {
                "event_id": event_id,
                "member_id": ids("member", answer["member"]),
                "answer": answer["answer"],
                "waiting": answer["waiting"],
                "position": answer.get("position"),
                "queued_at": moment(answer.get("queued_at")),
                "answered_at": moment(answer["answered_at"]),
            }
            for answer in nested(r, "answers")
        )
    ctx.db.execute(insert(LocalEvent), rows)
    if organisers:
        ctx.db.execute(insert(event_organiser), organisers)
    if answers and ctx.with_accounts:
        ctx.db.execute(insert(Rsvp), answers)


def _members(ctx: ExportContext) -> Iterable[int]:
    community = ctx.community_id
    events = select(LocalEvent.id).where(LocalEvent.community_id == community)
    yield from ctx.db.scalars(
        select(OrganiserRight.member_id).where(OrganiserRight.community_id == community)
    )
    yield from ctx.db.scalars(
        select(event_organiser.c.member_id).where(event_organiser.c.event_id.in_(events))
    )
    if ctx.with_accounts:
        yield from ctx.db.scalars(select(Rsvp.member_id).where(Rsvp.event_id.in_(events)))


KINDS = [
    RecordKind(
        "event_organiser",
        "cf_event_organiser_right",
        _export_rights,
        _right_references,
        _write_rights,
        needs="events",
        members=_members,
    ),
    RecordKind(
        "event",
        "cf_event",
        _export_events,
        _event_references,
        _write_events,
        needs="events",
        page="event",
    ),
]
