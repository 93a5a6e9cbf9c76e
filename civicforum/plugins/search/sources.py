"""The forum's own content as search documents: topics and replies, and trusted
information. (Local events are the events plugin's source.)"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ... import events, policy
from ...curation.models import ItemRevision, VerifiedItem
from ...forum.display import shown_author
from ...forum.models import Post, Topic
from ...i18n import gettext as _
from ...identity.models import Member, PublishAs
from ...searchable import (
    DocumentState,
    Found,
    SearchDocument,
    community_language,
    id_batches,
    plain_text,
)


def _keyed(prefix: str, keys: Sequence[str]) -> list[int]:
    ids = []
    for key in keys:
        head, _sep, rest = key.partition(":")
        if head == prefix and rest.isdecimal():
            ids.append(int(rest))
    return ids


def folded_name(member: Member | None, publish_as: str) -> str:
    """The name a post is shown under, folded for the author filter; empty when it is
    shown without a name (anonymous, "verified member"), so nobody can search for who
    wrote it."""
    if member is None:
        return ""
    if publish_as == PublishAs.REAL_NAME and member.real_name:
        return member.real_name.casefold()
    if publish_as == PublishAs.PSEUDONYM:
        return member.display_name.casefold()
    return ""


# -- topics and replies ------------------------------------------------------------------


class PostSource:
    """Every post: a topic's first post is the topic (with its title), the rest replies."""

    prefix = "post"
    kinds = ("topic", "reply")

    def touched_by(self, db: Session, event: events.Event) -> Sequence[str] | None:
        if isinstance(
            event,
            events.PostPublished
            | events.PostEdited
            | events.PostDeleted
            | events.PostHeld
            | events.PostHidden
            | events.PostRestored,
        ):
            return [f"post:{event.post_id}"]
        if isinstance(event, events.TopicCreated):
            ids = db.scalars(select(Post.id).where(Post.topic_id == event.topic_id))
            return [f"post:{i}" for i in ids]
        if isinstance(event, events.MemberRenamed):
            ids = db.scalars(select(Post.id).where(Post.author_id == event.member_id))
            return [f"post:{i}" for i in ids]
        return None

    def _load(self, db: Session, ids: Sequence[int]) -> list[Post]:
        if not ids:
            return []
        return list(
            db.scalars(
                select(Post)
                .where(Post.id.in_(ids))
                .options(
                    # Many-to-one, so joined: one statement for a page of results.
                    joinedload(Post.topic).joinedload(Topic.community),
                    joinedload(Post.author),
                )
            )
        )

    def _first_posts(self, db: Session, topic_ids: set[int]) -> set[int]:
        if not topic_ids:
            return set()
        return set(
            db.scalars(
                select(func.min(Post.id))
                .where(Post.topic_id.in_(topic_ids))
                .group_by(Post.topic_id)
            )
        )

    def _documents(self, db: Session, posts: Sequence[Post]) -> dict[str, SearchDocument | None]:
        first = self._first_posts(db, {p.topic_id for p in posts})
        out: dict[str, SearchDocument | None] = {}
        for post in posts:
            key = f"post:{post.id}"
            if post.is_deleted:
                out[key] = None
                continue
            topic = post.topic
            if post.held or topic.held:
                state = DocumentState.HELD
            elif post.is_hidden:
                state = DocumentState.HIDDEN
            else:
                state = DocumentState.PUBLISHED
            out[key] = SearchDocument(
                key=key,
                kind="topic" if post.id in first else "reply",
                community_id=topic.community_id,
                language=community_language(topic.community),
                title=topic.title,
                text=plain_text(post.body_html),
                created_at=post.created_at,
                state=state,
                author_name=folded_name(post.author, post.publish_as),
                owner_id=post.author_id,
            )
        return out

    def documents(self, db: Session, keys: Sequence[str]) -> Mapping[str, SearchDocument | None]:
        found = self._documents(db, self._load(db, _keyed("post", keys)))
        return {key: found.get(key) for key in keys}

    def count(self, db: Session) -> int:
        return db.scalar(select(func.count(Post.id)).where(Post.deleted_at.is_(None))) or 0

    def every_document(self, db: Session, batch: int) -> Iterator[Sequence[SearchDocument]]:
        for ids in id_batches(db, Post.id, batch, Post.deleted_at.is_(None)):
            documents = self._documents(db, self._load(db, ids))
            db.expunge_all()  # a rebuild of a large forum must not keep every row
            yield [d for d in documents.values() if d is not None]

    def found(self, db: Session, actor: policy.Actor, keys: Sequence[str]) -> Mapping[str, Found]:
        posts = self._load(db, _keyed("post", keys))
        first = self._first_posts(db, {p.topic_id for p in posts})
        out: dict[str, Found] = {}
        for post in posts:
            if post.is_deleted or not policy.can_view_post(actor, post):
                continue
            note = ""
            if post.is_hidden:
                note = _("hidden by a moderator")
            elif post.held or post.topic.held:
                note = _("waiting for a moderator's approval")
            out[f"post:{post.id}"] = Found(
                key=f"post:{post.id}",
                kind="topic" if post.id in first else "reply",
                title=post.topic.title,
                url=url_for("civicforum.post", post_id=post.id),
                community=post.topic.community,
                created_at=post.created_at,
                author=shown_author(post, actor).name,
                text=plain_text(post.body_html),
                language=community_language(post.topic.community),
                note=note,
            )
        return out


# -- trusted information -----------------------------------------------------------------


class InformationSource:
    """Articles and verdicts: the checked version for readers (``info:N``), the version
    being written or reviewed for the editors (``info:N:draft``)."""

    prefix = "info"
    kinds = ("information",)

    def touched_by(self, db: Session, event: events.Event) -> Sequence[str] | None:
        if isinstance(event, events.InformationChanged | events.InformationChecked):
            return [f"info:{event.item_id}", f"info:{event.item_id}:draft"]
        if isinstance(event, events.PostDeleted):
            # A verdict goes with its post (the row cascades).
            item_id = db.scalar(
                select(VerifiedItem.id).where(VerifiedItem.post_id == event.post_id)
            )
            return [f"info:{item_id}", f"info:{item_id}:draft"] if item_id else None
        return None

    def _load(self, db: Session, ids: Sequence[int]) -> list[VerifiedItem]:
        if not ids:
            return []
        return list(
            db.scalars(
                select(VerifiedItem)
                .where(VerifiedItem.id.in_(ids))
                .options(
                    selectinload(VerifiedItem.community),
                    selectinload(VerifiedItem.published),
                    selectinload(VerifiedItem.revisions),
                )
            )
        )

    @staticmethod
    def _ids(keys: Sequence[str]) -> list[int]:
        ids = set()
        for key in keys:
            parts = key.split(":")
            if parts[0] == "info" and len(parts) in (2, 3) and parts[1].isdecimal():
                ids.add(int(parts[1]))
        return sorted(ids)

    @staticmethod
    def _document(
        item: VerifiedItem, revision: ItemRevision, key: str, state: DocumentState
    ) -> SearchDocument:
        return SearchDocument(
            key=key,
            kind="information",
            community_id=item.community_id,
            language=community_language(item.community),
            title=revision.title,
            text=plain_text(revision.body_html),
            created_at=item.reviewed_at or revision.created_at,
            state=state,
            owner_id=None,
        )

    def _documents(self, items: Sequence[VerifiedItem]) -> dict[str, SearchDocument | None]:
        out: dict[str, SearchDocument | None] = {}
        for item in items:
            shown = item.published if policy.is_on_display(item) else None
            out[f"info:{item.id}"] = (
                self._document(item, shown, f"info:{item.id}", DocumentState.PUBLISHED)
                if shown is not None
                else None
            )
            pending = item.pending
            out[f"info:{item.id}:draft"] = (
                self._document(item, pending, f"info:{item.id}:draft", DocumentState.UNPUBLISHED)
                if pending is not None
                else None
            )
        return out

    def documents(self, db: Session, keys: Sequence[str]) -> Mapping[str, SearchDocument | None]:
        found = self._documents(self._load(db, self._ids(keys)))
        return {key: found.get(key) for key in keys}

    def count(self, db: Session) -> int:
        return db.scalar(select(func.count(VerifiedItem.id))) or 0

    def every_document(self, db: Session, batch: int) -> Iterator[Sequence[SearchDocument]]:
        for ids in id_batches(db, VerifiedItem.id, batch):
            documents = self._documents(self._load(db, ids))
            db.expunge_all()
            yield [d for d in documents.values() if d is not None]

    def found(self, db: Session, actor: policy.Actor, keys: Sequence[str]) -> Mapping[str, Found]:
        items = {item.id: item for item in self._load(db, self._ids(keys))}
        out: dict[str, Found] = {}
        for key in keys:
            parts = key.split(":")
            item = items.get(int(parts[1])) if len(parts) > 1 and parts[1].isdecimal() else None
            if item is None:
                continue
            if len(parts) == 3:  # the version being written: editors only
                revision = item.pending
                if revision is None or not policy.can_edit_information(actor, item.community):
                    continue
                note = _("not checked yet: for the editors")
            else:
                revision = item.published
                if (
                    revision is None
                    or not policy.is_on_display(item)
                    or not policy.can_view_item(actor, item)
                ):
                    continue
                note = ""
            out[key] = Found(
                key=key,
                kind="information",
                title=revision.title,
                url=url_for("civicforum.item", item_id=item.id),
                community=item.community,
                created_at=item.reviewed_at or revision.created_at,
                author="",
                text=plain_text(revision.body_html),
                language=community_language(item.community),
                note=note,
            )
        return out
