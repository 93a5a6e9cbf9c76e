"""From FlaskBB 2.x: each forum of a FlaskBB database becomes a community here.

A forum is converted into an export file of this forum's own format (so every check of
the import applies to it too) and then imported like any other. What maps to what:

- a **forum** becomes a community: public when FlaskBB's guest group may see it,
  members-only (joining by approval) otherwise; external forums (only a link) are left
  out;
- its **topics and posts** keep their titles, Markdown, dates and edits; a hidden topic
  or post (a moderator's soft delete) stays hidden;
- **users** who wrote in the forum or moderate it become pseudonymous members under their
  username: no e-mail address, no password (FlaskBB's hashes are not this forum's), no
  profile. Moderators of the forum, and FlaskBB's administrators and super moderators,
  become its moderators. A post whose account was deleted has no author here either.

Not carried over, and said so in the summary: pinned topics (this forum ranks nothing),
bans (a ban here is a decision with its statement of reasons, which FlaskBB did not
keep), signatures, avatars and private messages.

FlaskBB is not needed: its tables are read with SQL, as FlaskBB 2.0 created them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..clock import now
from .export import Written, write_file
from .records import Record, when

SLUG_MAX = 64


@dataclass(frozen=True)
class Forum:
    id: int
    title: str
    slug: str
    public: bool


@dataclass
class Converted:
    forum: Forum
    written: Written
    notes: list[str] = field(default_factory=list)


def _moment(value: Any) -> dt.datetime | None:
    """FlaskBB's UTC dates: aware on PostgreSQL, naive text or datetimes on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace(" ", "T"))
    assert isinstance(value, dt.datetime)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _slug(title: str, taken: set[str], forum_id: int) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:SLUG_MAX].strip("-")
    if not slug or slug in taken:
        slug = f"{slug[: SLUG_MAX - 12]}-{forum_id}".strip("-") if slug else f"forum-{forum_id}"
    taken.add(slug)
    return slug


def forums(engine: sa.Engine) -> list[Forum]:
    """The FlaskBB database's forums that hold discussions (not external links)."""
    with engine.connect() as conn:
        guest_sees = set(
            conn.scalars(
                sa.text(
                    "SELECT fg.forum_id FROM forumgroups fg JOIN groups g ON g.id = fg.group_id "
                    "WHERE g.guest"
                )
            )
        )
        rows = conn.execute(sa.text("SELECT id, title, external FROM forums ORDER BY id")).all()
    taken: set[str] = set()
    return [
        Forum(row.id, row.title, _slug(row.title, taken, row.id), row.id in guest_sees)
        for row in rows
        if not row.external
    ]


def convert(
    engine: sa.Engine, forum: Forum, out: Path, *, site_url: str | None = None
) -> Converted:
    """Write ``forum`` as a community export file to ``out``."""
    notes: list[str] = []
    with engine.connect() as conn:
        # Streamed: each kind's records are written as they are read.
        by_kind = itertools.groupby(
            _records(conn, forum, site_url, notes), key=lambda record: str(record["kind"])
        )
        written = write_file(
            out,
            by_kind,
            source={"site": site_url, "community": forum.slug, "engine": "FlaskBB 2"},
            with_accounts=False,
        )
    return Converted(forum, written, notes)


def _records(
    conn: sa.Connection, forum: Forum, site_url: str | None, notes: list[str]
) -> Iterator[Record]:
    row = conn.execute(
        sa.text("SELECT title, description FROM forums WHERE id = :f"), {"f": forum.id}
    ).one()
    first = conn.scalar(
        sa.text("SELECT MIN(date_created) FROM topics WHERE forum_id = :f"), {"f": forum.id}
    )
    yield {
        "kind": "community",
        "id": forum.id,
        "slug": forum.slug,
        "name": row.title[:120],
        "description": row.description or "",
        "house_rules": "",
        "visibility": "public" if forum.public else "members",
        "join_policy": "open" if forum.public else "approval",
        "post_level": "registered",
        "read_level": None,
        "read_attribute": None,
        "post_attribute": None,
        "language": None,
        "created_at": when(_moment(first) or now()),
        "moderation": {"hold_first_posts": 0, "hold_everything": False},
    }
    yield {
        "kind": "permalinks",
        "base": (site_url or "").rstrip("/"),
        "community": f"/forum/{forum.id}",
        "topic": "/topic/{id}",
        "post": "/post/{id}",
    }
    yield from _members(conn, forum, notes)
    hidden_topics: dict[int, dt.datetime] = {}
    pinned = 0
    topics = conn.execute(
        sa.text(
            "SELECT id, title, user_id, date_created, last_updated, locked, important, "
            "hidden, hidden_at FROM topics WHERE forum_id = :f ORDER BY id"
        ),
        {"f": forum.id},
    )
    for topic in topics:
        created = _moment(topic.date_created)
        if topic.hidden:
            hidden_topics[topic.id] = _moment(topic.hidden_at) or created  # type: ignore[assignment]
        pinned += bool(topic.important)
        yield {
            "kind": "topic",
            "id": topic.id,
            "title": topic.title[:300],
            "author": topic.user_id,
            "publish_as": "pseudonym",
            "locked": bool(topic.locked),
            "held": False,
            "created_at": when(created),
            "last_posted_at": when(_moment(topic.last_updated) or created),
        }
    if pinned:
        notes.append(f"{pinned} pinned topic(s) are ordered by their last post here")
    posts = conn.execute(
        sa.text(
            "SELECT p.id, p.topic_id, p.user_id, p.content, p.date_created, p.date_modified, "
            "p.hidden, p.hidden_at FROM posts p JOIN topics t ON t.id = p.topic_id "
            "WHERE t.forum_id = :f ORDER BY p.id"
        ),
        {"f": forum.id},
    )
    for post in posts:
        created = _moment(post.date_created)
        hidden = _moment(post.hidden_at) or created if post.hidden else None
        yield {
            "kind": "post",
            "id": post.id,
            "topic": post.topic_id,
            "author": post.user_id,
            "publish_as": "pseudonym",
            "body": post.content,
            "created_at": when(created),
            "edited_at": when(_moment(post.date_modified)),
            "deleted_at": None,
            "deleted_by": None,
            "held": False,
            "hidden_at": when(hidden or hidden_topics.get(post.topic_id)),
            "content_warning": None,
            "author_warning": None,
            "revisions": [],
        }


def _members(conn: sa.Connection, forum: Forum, notes: list[str]) -> Iterator[Record]:
    writers = set(
        conn.scalars(
            sa.text(
                "SELECT user_id FROM topics WHERE forum_id = :f AND user_id IS NOT NULL "
                "UNION SELECT p.user_id FROM posts p JOIN topics t ON t.id = p.topic_id "
                "WHERE t.forum_id = :f AND p.user_id IS NOT NULL"
            ),
            {"f": forum.id},
        )
    )
    listed = set(
        conn.scalars(sa.text("SELECT user_id FROM moderators WHERE forum_id = :f"), {"f": forum.id})
    )
    everywhere = set(
        conn.scalars(
            sa.text(
                "SELECT u.id FROM users u JOIN groups g ON g.id = u.primary_group_id "
                "WHERE g.admin OR g.super_mod UNION SELECT gu.user_id FROM groups_users gu "
                "JOIN groups g ON g.id = gu.group_id WHERE g.admin OR g.super_mod"
            )
        )
    )
    banned = set(
        conn.scalars(
            sa.text(
                "SELECT u.id FROM users u JOIN groups g ON g.id = u.primary_group_id WHERE g.banned"
            )
        )
    )
    moderators = listed | everywhere
    wanted = sorted(writers | moderators)
    names: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        users = conn.execute(
            sa.text(
                "SELECT id, username, date_joined, language FROM users WHERE id IN :ids ORDER BY id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk},
        )
        for user in users:
            name = _display_name(user.username, names, user.id)
            yield {
                "kind": "member",
                "id": user.id,
                "display_name": name,
                "identity_level": "registered",
                "publish_as": "pseudonym",
                "language": user.language if user.language in ("nl", "en") else None,
                "created_at": when(_moment(user.date_joined)),
                "membership": {
                    "role": "moderator" if user.id in moderators else "member",
                    "status": "active",
                    "joined_at": when(_moment(user.date_joined)),
                },
            }
    gone = banned & writers
    if gone:
        notes.append(
            f"{len(gone)} banned user(s) arrive as members: a ban here is a decision with "
            "its statement of reasons, which FlaskBB did not keep"
        )


def _display_name(username: str, taken: set[str], user_id: int) -> str:
    """FlaskBB allows 200 characters and names equal but for case; here 40, unique."""
    name = " ".join(username.split())[:40] or f"user {user_id}"
    if name.casefold() in taken:
        suffix = f" ({user_id})"
        name = name[: 40 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name
