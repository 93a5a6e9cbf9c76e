"""Seeding a Dutch forum in bulk, with the rows the posting services write."""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import random
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from civicforum import migrate
from civicforum.db import Base, make_engine, make_session_factory
from civicforum.forum import services as forum_services
from civicforum.forum.models import Membership, Post, Topic
from civicforum.identity.models import IdentityLevel, Member, PublishAs

from ..conftest import fresh_database as test_database
from .dutch import FIRST_NAMES, NOUNS, SURNAMES, Lemma, Vocabulary, Writer

LIMITS = forum_services.Limits(max_title_length=150, max_post_length=20000)
#: Rows sent with one INSERT statement (an executemany). SQLAlchemy's multi-row
#: ``insert().values([...])`` compiles 7,000 bind parameters afresh for every 500 posts,
#: which measured ten times slower on SQLite and on PostgreSQL.
ROWS_PER_STATEMENT = 1000
#: Posts a text worker writes and renders at a time.
TEXT_CHUNK = 500
TWO_YEARS = dt.timedelta(days=730)
#: Members of a seeded forum at most: ``plan_members`` runs out of names at 22,743.
MAX_MEMBERS = 15_000


# -- databases -----------------------------------------------------------------------------


def fresh_database(
    kind: str, folder: Path, server: str, *, tables: bool = False
) -> AbstractContextManager[str]:
    """An empty database of ``kind`` and its URL, dropped afterwards, as the tests make;
    with the forum's tables when ``tables`` (see tests/templatedb.py)."""
    return test_database(folder, server if kind == "postgresql" else "", tables=tables)


def postgres_version(server: str) -> str | None:
    engine = sa.create_engine(server)
    try:
        with engine.connect() as conn:
            return str(conn.scalar(sa.text("SHOW server_version")))
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(f"cannot reach PostgreSQL at {server}: {error}") from error
    finally:
        engine.dispose()


# -- the forum's plan ----------------------------------------------------------------------


@dataclass
class MemberPlan:
    id: int
    display_name: str
    real_name: str | None
    level: IdentityLevel
    habit: str  # the name they usually post under
    created_at: dt.datetime


@dataclass
class PostPlan:
    created_at: dt.datetime
    topic: int  # the topic's index in the plan (its text seed)
    position: int  # 0: the opening post
    author: int
    publish_as: str
    deleted_at: dt.datetime | None = None
    id: int = 0


@dataclass
class TopicPlan:
    index: int
    posts: list[PostPlan]
    id: int = 0


def plan_members(count: int, rng: random.Random, start: dt.datetime) -> list[MemberPlan]:
    nouns = [entry.split(":")[0] for entry in NOUNS]
    taken: set[str] = set()
    members = []
    for n in range(1, count + 1):
        first = rng.choice(FIRST_NAMES)
        name = first
        while name.casefold() in taken:
            style = rng.random()
            if style < 0.4:
                name = f"{first}{rng.randint(1, 99)}"
            elif style < 0.7:
                name = f"{first.lower()}_{rng.choice(nouns)}"
            else:
                name = f"{first} {rng.choice(SURNAMES).split()[-1][0]}."
        taken.add(name.casefold())
        real = f"{first} {rng.choice(SURNAMES)}" if rng.random() < 0.3 else None
        level = rng.choices(list(IdentityLevel), weights=(70, 20, 10))[0]
        habit = PublishAs.ANONYMOUS if rng.random() < 0.12 else PublishAs.PSEUDONYM
        if real and rng.random() < 0.3:
            habit = PublishAs.REAL_NAME
        joined = start - dt.timedelta(days=rng.uniform(1, 400))
        members.append(MemberPlan(n, name[:40], real, level, habit, joined))
    return members


def shown_as(member: MemberPlan, rng: random.Random) -> str:
    """Chosen again for every post, as the form offers: mostly the member's habit."""
    if rng.random() < 0.85:
        return member.habit
    offered = [PublishAs.PSEUDONYM, PublishAs.ANONYMOUS]
    if member.real_name:
        offered.append(PublishAs.REAL_NAME)
    if member.level >= IdentityLevel.VERIFIED:
        offered.append(PublishAs.VERIFIED)
    return rng.choice(offered).value


def plan_forum(
    posts: int,
    members: list[MemberPlan],
    rng: random.Random,
    end: dt.datetime,
    long_topic: int = 0,
) -> tuple[list[TopicPlan], list[PostPlan]]:
    """Topics of about 20 posts (1 to 80) over two years; ids in order of time, as a
    forum that grew by ``start_topic`` and ``reply`` would have them. With ``long_topic``,
    the first topic planned has that many posts, spread over the two years (a standing
    conversation: the one whose last page is far from its first)."""
    start = end - TWO_YEARS
    activity = [1.0 / (i + 3) ** 0.9 for i in range(len(members))]
    topics: list[TopicPlan] = []
    left = posts
    while left > 0:
        size = min(left, max(1, min(80, round(rng.gammavariate(2.0, 10.0)))))
        gap = 21600.0  # a reply every few hours, fewer as the talk dies down
        opened = start + TWO_YEARS * rng.random()
        if long_topic and not topics:
            size = min(left, long_topic)
            gap = TWO_YEARS.total_seconds() / (size + 1)
            opened = start
        left -= size
        moments = [opened]
        for _ in range(size - 1):
            moments.append(moments[-1] + dt.timedelta(seconds=rng.expovariate(1 / gap)))
        if moments[-1] > end:
            shift = moments[-1] - end + dt.timedelta(seconds=rng.uniform(60, 3600))
            moments = [m - shift for m in moments]
        starter, *repliers = rng.choices(members, weights=activity, k=size)
        index = len(topics)
        plans = []
        for position, (moment, author) in enumerate(
            zip(moments, [starter, *repliers], strict=True)
        ):
            plan = PostPlan(moment, index, position, author.id, shown_as(author, rng))
            if position > 0 and rng.random() < 0.003:  # deleted by its author
                plan.deleted_at = min(end, moment + dt.timedelta(hours=rng.uniform(0.1, 48)))
            plans.append(plan)
        topics.append(TopicPlan(index, plans))
    for number, topic in enumerate(sorted(topics, key=lambda t: t.posts[0].created_at), 1):
        topic.id = number
    every = sorted(
        (p for t in topics for p in t.posts),
        key=lambda p: (p.created_at, p.topic, p.position),
    )
    for number, plan in enumerate(every, 1):
        plan.id = number
    return topics, every


# -- writing the text (in worker processes) ----------------------------------------------

_WRITER: Writer | None = None
_SEED = 0


def _start_writer(seed: int) -> None:
    global _WRITER, _SEED
    _WRITER = Writer(Vocabulary.build(seed))
    _SEED = seed


@functools.lru_cache(maxsize=4096)
def _theme(topic: int) -> list[Lemma]:
    assert _WRITER is not None
    return _WRITER.theme(random.Random(f"{_SEED}:{topic}:theme"))  # noqa: S311


def topic_title(topic: int) -> str:
    assert _WRITER is not None
    rng = random.Random(f"{_SEED}:{topic}:title")  # noqa: S311
    return forum_services.clean_title(_WRITER.title(rng, _theme(topic)), LIMITS)


def post_texts(items: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """Markdown and HTML of each (topic, position), as the services store them."""
    from civicforum.markup import render_markdown

    assert _WRITER is not None
    out = []
    for topic, position in items:
        rng = random.Random(f"{_SEED}:{topic}:{position}")  # noqa: S311
        body = forum_services.clean_body(
            _WRITER.post(rng, _theme(topic), reply=position > 0), LIMITS
        )
        out.append((body, render_markdown(body)))
    return out


# -- seeding -------------------------------------------------------------------------------


@dataclass
class Seeded:
    posts: int
    topics: int
    members: int
    seconds: float
    insert_seconds: float
    long_topic_id: int = 0


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> float:
    began = time.perf_counter()
    for at in range(0, len(rows), ROWS_PER_STATEMENT):
        conn.execute(table.insert(), rows[at : at + ROWS_PER_STATEMENT])
    return time.perf_counter() - began


def create_schema(url: str) -> None:
    """Every table of the forum and its plugins, as ``tests/conftest.py`` makes them."""
    engine = make_engine(url)
    try:
        migrate.target_metadata()  # every area's models, the plugins' included
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def seed_forum(
    url: str, posts: int, seed: int, *, member_count: int | None = None, long_topic: int = 0
) -> Seeded:
    """One Dutch community with ``posts`` posts, as ``start_topic`` and ``reply`` store them.

    :param member_count: how many members write them; by default one for every 40 posts,
        at most :data:`MAX_MEMBERS` (the names ``plan_members`` makes number 22,743).
    :param long_topic: posts in one long topic (see :func:`plan_forum`); its id is
        ``Seeded.long_topic_id``.
    """
    began = time.perf_counter()
    rng = random.Random(f"forum-{seed}-{posts}")  # noqa: S311
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _start_writer(seed)
    members = plan_members(
        member_count or min(max(20, posts // 40), MAX_MEMBERS), rng, end - TWO_YEARS
    )
    topics, every = plan_forum(posts, members, rng, end, long_topic)

    context = multiprocessing.get_context("fork")
    workers = context.Pool(max(1, min(2, os.cpu_count() or 1)), _start_writer, (seed,))
    engine = make_engine(url)
    insert_seconds = 0.0
    try:
        with make_session_factory(engine)() as db:
            community = forum_services.create_community(
                db,
                slug="buurtforum",
                name="Buurtforum Voorbeeldstad",
                description="Praat mee over de bibliotheek, de buurt, zorg en digitale hulp.",
                house_rules="1. Wees vriendelijk.\n2. Geen reclame.\n3. Deel geen gegevens van anderen.",
                language="nl",
            )
            community_id = community.id
        chunks = [
            [(p.topic, p.position) for p in every[at : at + TEXT_CHUNK]]
            for at in range(0, len(every), TEXT_CHUNK)
        ]
        texts = workers.imap(post_texts, chunks)
        with (
            engine.begin() as conn,
            click.progressbar(length=posts, label="Seeding", file=sys.stderr) as bar,
        ):
            insert_seconds += _insert(conn, Member.__table__, [_member_row(m) for m in members])
            insert_seconds += _insert(
                conn,
                Membership.__table__,
                [_membership_row(community_id, m) for m in members],
            )
            insert_seconds += _insert(
                conn,
                Topic.__table__,
                [_topic_row(community_id, t) for t in sorted(topics, key=lambda t: t.id)],
            )
            topic_ids = {t.index: t.id for t in topics}
            done = 0
            for chunk in texts:
                plans = every[done : done + len(chunk)]
                rows = [
                    _post_row(plan, topic_ids[plan.topic], body, html)
                    for plan, (body, html) in zip(plans, chunk, strict=True)
                ]
                insert_seconds += _insert(conn, Post.__table__, rows)
                done += len(chunk)
                bar.update(len(chunk))
            if conn.dialect.name == "postgresql":
                # Ids were given explicitly: sequences continue after them, as after a restore.
                for table in ("cf_member", "cf_membership", "cf_topic", "cf_post"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
                # Statistics for what was loaded, as after a restore; the search index's
                # own table is left to the backend (and to autovacuum).
                for table in (
                    "cf_community",
                    "cf_member",
                    "cf_membership",
                    "cf_topic",
                    "cf_post",
                ):
                    conn.execute(sa.text(f"ANALYZE {table}"))
    finally:
        workers.close()
        workers.join()
        engine.dispose()
    return Seeded(
        posts,
        len(topics),
        len(members),
        time.perf_counter() - began,
        insert_seconds,
        topics[0].id if long_topic else 0,
    )


def _member_row(m: MemberPlan) -> dict[str, Any]:
    return {
        "id": m.id,
        "display_name": m.display_name,
        "display_name_key": m.display_name.casefold(),
        "real_name": m.real_name,
        "identity_level": int(m.level),
        "language": None,
        "publish_as": PublishAs.PSEUDONYM.value,
        "is_site_admin": False,
        "is_site_editor": False,
        "created_at": m.created_at,
        "moderation_seen_at": None,
    }


def _membership_row(community_id: int, m: MemberPlan) -> dict[str, Any]:
    return {
        "id": m.id,
        "community_id": community_id,
        "member_id": m.id,
        "role": "member",
        "status": "active",
        "joined_at": m.created_at,
    }


def _topic_row(community_id: int, topic: TopicPlan) -> dict[str, Any]:
    first = topic.posts[0]
    return {
        "id": topic.id,
        "community_id": community_id,
        "author_id": first.author,
        "title": topic_title(topic.index),
        "publish_as": first.publish_as,
        "is_locked": False,
        "held": False,
        "created_at": first.created_at,
        # Every reply counted and moved the last activity when it was published; a later
        # deletion changes neither.
        "last_posted_at": topic.posts[-1].created_at,
        "post_count": len(topic.posts),
    }


def _post_row(plan: PostPlan, topic_id: int, body: str, html: str) -> dict[str, Any]:
    return {
        "id": plan.id,
        "topic_id": topic_id,
        "author_id": plan.author,
        "body": body,
        "body_html": html,
        "publish_as": plan.publish_as,
        # The compose form's one-time token (secrets.token_urlsafe in the views).
        "submission_token": f"bench-{plan.id:08d}-{plan.topic:06d}-{plan.position:03d}",
        "created_at": plan.created_at,
        "edited_at": None,
        "deleted_at": plan.deleted_at,
        "deleted_by_id": plan.author if plan.deleted_at else None,
        "held": False,
        "hidden_at": None,
        "content_warning": None,
    }
