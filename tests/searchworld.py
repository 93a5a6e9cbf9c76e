"""A forum with something of every kind to find, for the search tests: each document
carries the word "zeldzaam" and a word of its own, so a test sees exactly which came back.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.plugins.search.indexer import Indexer, indexer_of
from civicforum.plugins.search.query import parse
from civicforum.plugins.search.service import Answer, Question, search
from civicforum.policy import Actor

from .helpers import actor_of, add_member

PG_ENV = "CIVICFORUM_TEST_DATABASE_URL"
LIMITS = forum_services.Limits(max_title_length=150, max_post_length=20000)


def backends() -> list[str]:
    """The backend that goes with the database under test: Whoosh on SQLite (the embedded
    default), PostgreSQL's own full-text search on PostgreSQL. The suite runs on both
    databases, so every search test runs on both backends."""
    on_postgres = os.environ.get(PG_ENV, "").startswith("postgresql")
    return ["postgresql"] if on_postgres else ["whoosh"]


def prepare(app: Flask) -> Indexer:
    """An empty index of the app's backend, as a new site has after its first start."""
    with app.app_context():
        indexer = indexer_of(app)
        indexer.backend.create()
    return indexer


@contextmanager
def searching(app: Flask) -> Iterator[Indexer]:
    """A request context, for asking a search as the page does (results link to pages)."""
    indexer = prepare(app)
    with app.test_request_context("/forum/"):
        yield indexer


@dataclass
class SearchWorld:
    public: Community  # Leesclub: open to all
    closed: Community  # Patiënten: members only
    moderator: Member
    editor: Member
    author: Member
    member: Member  # of both communities
    outsider: Member  # signed in, member of neither
    keys: dict[str, str]  # the word of each document -> its key


def post_of(db: Session, topic: Topic) -> Post:
    return db.scalars(select(Post).where(Post.topic_id == topic.id).order_by(Post.id)).first()  # type: ignore[return-value]


def search_world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> SearchWorld:
    public = make_community("leesclub")
    closed = make_community("patienten", members_only=True)
    moderator = make_member("Femke")
    editor = make_member("Joost")
    author = make_member("Ans", real_name="Ans de Vries")
    member = make_member("Bram")
    outsider = make_member("Otto")
    for community in (public, closed):
        add_member(db, community, author)
        add_member(db, community, member)
    add_member(db, public, moderator, Role.MODERATOR)
    add_member(db, public, editor, Role.EDITOR)
    keys: dict[str, str] = {}
    a = actor_of(db, author)

    def topic(
        community: Community, title: str, body: str, token: str, as_: str = PublishAs.PSEUDONYM
    ) -> Topic:
        return forum_services.start_topic(
            db,
            actor_of(db, author),
            community,
            title=title,
            body=body,
            publish_as=as_,
            submission_token=token,
            limits=LIMITS,
        )

    t = topic(public, "Boeken voor december", "Welke boeken lezen we? zeldzaam appel", "t1")
    keys["appel"] = f"post:{post_of(db, t).id}"
    r = forum_services.reply(
        db,
        a,
        t,
        body="Ik stel De Avonden voor. zeldzaam peer",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="r1",
        limits=LIMITS,
    )
    keys["peer"] = f"post:{r.id}"
    anon = forum_services.reply(
        db,
        a,
        t,
        body="Liever iets lichters. zeldzaam kers",
        publish_as=PublishAs.ANONYMOUS,
        submission_token="r2",
        limits=LIMITS,
    )
    keys["kers"] = f"post:{anon.id}"
    hidden = forum_services.reply(
        db,
        a,
        t,
        body="Koop mijn boeken! zeldzaam pruim",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="r3",
        limits=LIMITS,
    )
    keys["pruim"] = f"post:{hidden.id}"
    deleted = forum_services.reply(
        db,
        a,
        t,
        body="Oeps, verkeerde draad. zeldzaam vijg",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="r4",
        limits=LIMITS,
    )
    keys["vijg"] = f"post:{deleted.id}"
    c = topic(closed, "Omgaan met vermoeidheid", "Wat helpt jullie? zeldzaam druif", "t2")
    keys["druif"] = f"post:{post_of(db, c).id}"

    rule = rules.add_rule(
        db,
        actor_of(db, moderator),
        public,
        rules.RuleText("Geen reclame", "No advertising", "Reclame hoort hier niet.", "No ads."),
    )
    measures.take_measure(
        db,
        actor_of(db, moderator),
        Measure.HIDE_POST,
        Target(post=hidden),
        Grounds(rule_id=rule.id, explanation="Reclame."),
    )
    forum_services.delete_post(db, a, deleted)
    # A new member's first topic waits for a moderator.
    set_premoderation(db, actor_of(db, moderator), public, Premoderation(hold_first_posts=1))
    newcomer = make_member("Nina")
    add_member(db, public, newcomer)
    held = forum_services.start_topic(
        db,
        actor_of(db, newcomer),
        public,
        title="Nieuw hier",
        body="Hallo allemaal. zeldzaam mango",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t3",
        limits=LIMITS,
    )
    keys["mango"] = f"post:{post_of(db, held).id}"

    # Reliable information: one checked article, one draft.
    e = actor_of(db, editor)
    second = make_member("Ingrid")
    add_member(db, public, second, Role.EDITOR)
    source = (Source("Bibliotheek", "https://example.org/bron", dt.date(2026, 11, 1)),)
    checked = workflow.create_article(
        db, e, public, Content("Lenen met je pas", "Zo leen je e-boeken. zeldzaam citroen", source)
    )
    workflow.submit(db, e, checked)
    workflow.approve(
        db, actor_of(db, second), checked, dt.datetime.now(dt.UTC) + dt.timedelta(days=300)
    )
    keys["citroen"] = f"info:{checked.id}"
    draft = workflow.create_article(
        db, e, public, Content("Nog niet af", "Concept over boetes. zeldzaam limoen", source)
    )
    keys["limoen"] = f"info:{draft.id}:draft"
    return SearchWorld(public, closed, moderator, editor, author, member, outsider, keys)


def ask(db: Session, indexer: Indexer, actor: Actor, text: str, **options: object) -> Answer:
    question = Question(query=parse(text), **options)  # type: ignore[arg-type]
    return search(db, actor, indexer, question, per_page=20, timezone="Europe/Amsterdam")


def words_found(world: SearchWorld, answer: Answer) -> set[str]:
    by_key = {key: word for word, key in world.keys.items()}
    return {by_key.get(r.found.key, r.found.key) for r in answer.results}
