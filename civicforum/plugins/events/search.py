"""Local events as search documents: found by their title, description and venue, by
everyone who may read their community (also when cancelled: the page says so)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ... import policy
from ...events import Event
from ...i18n import gettext as _
from ...searchable import Found, SearchDocument, community_language, id_batches, plain_text
from .domain import EventCancelled, EventChanged, EventScheduled
from .models import LocalEvent


def _ids(keys: Sequence[str]) -> list[int]:
    return [int(k[6:]) for k in keys if k.startswith("event:") and k[6:].isdecimal()]


def _text(event: LocalEvent) -> str:
    return " ".join(p for p in (plain_text(event.description_html), event.venue_name) if p)


class EventSource:
    prefix = "event"
    kinds = ("event",)

    def touched_by(self, db: Session, event: Event) -> Sequence[str] | None:
        if isinstance(event, EventScheduled | EventChanged | EventCancelled):
            return [f"event:{event.event_id}"]
        return None

    def _load(self, db: Session, ids: Sequence[int]) -> list[LocalEvent]:
        if not ids:
            return []
        return list(
            db.scalars(
                select(LocalEvent)
                .where(LocalEvent.id.in_(ids))
                .options(selectinload(LocalEvent.community))
            )
        )

    def _document(self, event: LocalEvent) -> SearchDocument:
        return SearchDocument(
            key=f"event:{event.id}",
            kind="event",
            community_id=event.community_id,
            language=community_language(event.community),
            title=event.title,
            text=_text(event),
            created_at=event.starts_at,
        )

    def documents(self, db: Session, keys: Sequence[str]) -> Mapping[str, SearchDocument | None]:
        found = {f"event:{e.id}": self._document(e) for e in self._load(db, _ids(keys))}
        return {key: found.get(key) for key in keys}

    def count(self, db: Session) -> int:
        return db.scalar(select(func.count(LocalEvent.id))) or 0

    def every_document(self, db: Session, batch: int) -> Iterator[Sequence[SearchDocument]]:
        for ids in id_batches(db, LocalEvent.id, batch):
            yield [self._document(e) for e in self._load(db, ids)]

    def found(self, db: Session, actor: policy.Actor, keys: Sequence[str]) -> Mapping[str, Found]:
        out: dict[str, Found] = {}
        for event in self._load(db, _ids(keys)):
            if not policy.can_view_community(actor, event.community):
                continue
            out[f"event:{event.id}"] = Found(
                key=f"event:{event.id}",
                kind="event",
                title=event.title,
                url=url_for("civicforum.events.event", event_id=event.id),
                community=event.community,
                created_at=event.starts_at,
                author="",
                text=_text(event),
                language=community_language(event.community),
                note=_("cancelled") if event.is_cancelled else "",
            )
        return out
