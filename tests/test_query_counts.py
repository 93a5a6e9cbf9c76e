"""Pages issue a small, fixed number of SQL statements whatever the amount of content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from civicforum.clock import now
from civicforum.forum import services
from civicforum.forum.models import Role
from civicforum.identity.models import PublishAs
from civicforum.plugins.events import services as event_services
from civicforum.plugins.events.details import EventDetails

from .conftest import LIMITS
from .helpers import actor_of, add_member, sign_in


@pytest.fixture(params=["core", "with-events"])
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The forum alone, and with the built-in events plugin and its sidebar and notices."""
    return {"CIVICFORUM_PLUGINS": []} if request.param == "core" else {}


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Every statement the forum sends through SQLAlchemy (reading the page generation,
    a kept page's one statement, goes on the driver's connection: civicforum.pagecache)."""
    statements: list[str] = []
    engine = app.extensions["civicforum"].engine

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def fill(db: Session, make_member, community, topics: int, replies: int, people: int) -> int:  # type: ignore[no-untyped-def]
    """Topics and replies by several authors (each under a different name choice)."""
    authors = []
    for _ in range(people):
        member = make_member(real_name="Echte Naam")
        add_member(db, community, member)
        authors.append(actor_of(db, member))
    topic_id = 0
    choices = [PublishAs.PSEUDONYM, PublishAs.ANONYMOUS, PublishAs.REAL_NAME]
    for t in range(topics):
        topic = services.start_topic(
            db,
            authors[t % people],
            community,
            title=f"Onderwerp {t}",
            body="Tekst",
            publish_as=choices[t % 3],
            submission_token=f"{community.slug}-t{t}",
            limits=LIMITS,
        )
        topic_id = topic.id
    for r in range(replies):
        services.reply(
            db,
            authors[r % people],
            topic,
            body=f"Reactie {r}",
            publish_as=choices[r % 3],
            submission_token=f"{community.slug}-r{r}",
            limits=LIMITS,
        )
    return topic_id


def plan_events(db: Session, make_member, community, count: int) -> None:  # type: ignore[no-untyped-def]
    organiser = make_member()
    add_member(db, community, organiser, Role.MODERATOR)
    for n in range(count):
        starts = now() + dt.timedelta(days=n + 1)
        details = EventDetails(f"Bijeenkomst {n}", starts, starts + dt.timedelta(hours=2))
        event_services.create_event(db, actor_of(db, organiser), community, details)


def test_topic_and_community_pages_do_not_grow_with_content(
    app: Flask,
    app_config: dict[str, Any],
    client: FlaskClient,
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
) -> None:
    small = make_community("klein")
    large = make_community("groot")
    small_topic = fill(db, make_member, small, topics=2, replies=2, people=2)
    large_topic = fill(db, make_member, large, topics=30, replies=25, people=8)
    with_events = "CIVICFORUM_PLUGINS" not in app_config
    if with_events:
        plan_events(db, make_member, large, 12)
    reader = make_member("Lezer")
    add_member(db, small, reader)
    add_member(db, large, reader)
    sign_in(client, reader)

    counts = {}
    for name, url in [
        ("community-small", "/forum/c/klein/"),
        ("community-large", "/forum/c/groot/"),
        ("topic-small", f"/forum/t/{small_topic}/"),
        ("topic-large", f"/forum/t/{large_topic}/"),
    ]:
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        counts[name] = len(statements)
    assert counts["community-small"] == counts["community-large"], counts
    assert counts["topic-small"] == counts["topic-large"], counts
    # Who is asking (member, their account's stamp, memberships, attributes), then the
    # page itself (its community with the count for the page numbers, or its topic; the
    # rows). Moderation adds whether the moderators have something new for the reader,
    # and beside a community its house rules and help resources (one statement).
    # The events plugin adds what is coming up, whether the reader may organise (or which
    # event a topic is about), and the reader's unseen notices.
    # Their pace adds whether they follow the community or topic (their preferences come
    # with the member). Federation adds, beside a community, whether it was ever
    # switched on (for the link to its federation page).
    assert counts["community-large"] <= (13 if with_events else 9), counts
    assert counts["topic-large"] <= (12 if with_events else 9), counts


@pytest.mark.parametrize("app_config", [{}], ids=["every-built-in-plugin"])
def test_a_visitor_s_pages_take_at_most_five_statements(
    app: Flask,
    app_config: dict[str, Any],
    db: Session,
    make_member,
    make_community,  # type: ignore[no-untyped-def]
) -> None:
    """What most readers get: a visitor who is not signed in, every built-in plugin on.

    Rendering a page takes at most five statements, besides reading the page generation
    (whether a kept page is still good: civicforum.pagecache); a kept page takes only
    that one, which is sent on the driver's connection, unseen here.
    """
    community = make_community("groot")
    topic_id = fill(db, make_member, community, topics=30, replies=25, people=8)
    plan_events(db, make_member, community, 12)
    visitor = app.test_client()
    for url, kept in [
        ("/forum/c/groot/", True),
        ("/forum/c/groot/?page=2", True),
        (f"/forum/t/{topic_id}/", True),
        (f"/forum/t/{topic_id}/?page=2", True),
        ("/forum/c/groot/events/", False),
    ]:
        with counting(app) as rendering:
            assert visitor.get(url).status_code == 200
        assert len(rendering) <= 5, (url, rendering)
        with counting(app) as again:
            assert visitor.get(url).status_code == 200
        assert len(again) == (0 if kept else len(rendering)), (url, again)
