"""Twenty members replying at once, through the preview and publish pages of a forum that
gunicorn serves with two processes forked from one built app (the settings of
``civicforum.gunicorn_config``): every reply the site acknowledged is stored exactly once,
nothing is stored twice, no answer is a server error, every topic's count and last
activity agree with its posts, and search finds every reply.

``CIVICFORUM_LOAD_SECONDS`` sets how long the members post (6 by default, which keeps the
suite short; the README's figures come from 30-second runs). The replies per second the site held are printed (``-s``) and kept as the
test's ``replies_per_second`` property (``--junitxml``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity import services as identity_services
from civicforum.identity.models import Member, PublishAs
from civicforum.plugins.search.indexer import indexer_of

from .conftest import LIMITS, PASSWORD
from .helpers import FrozenClock, actor_of, add_member
from .loadclients import Browser, Run, gunicorn, load_config, make_app, run_members

SECONDS = float(os.environ.get("CIVICFORUM_LOAD_SECONDS", "6"))
CLIENTS = 20
TOPICS = 4


def arrange(app: Flask) -> tuple[list[tuple[str, int]], list[int]]:
    """A community with ``TOPICS`` topics and ``CLIENTS`` members, and an empty search
    index that follows them; each member's e-mail address with the topic they reply to,
    and the topics' ids."""
    with app.app_context(), app.extensions["civicforum"].session_factory() as db:
        indexer_of(app).backend.create()
        community = forum_services.create_community(
            db, slug="buurt", name="Buurt", house_rules="1. Be kind."
        )
        members = [
            identity_services.register_local_account(
                db, email=f"client{n}@example.org", password=PASSWORD, display_name=f"Client {n}"
            )
            for n in range(CLIENTS)
        ]
        for member in members:
            add_member(db, community, member)
        topics = [
            forum_services.start_topic(
                db,
                actor_of(db, members[0]),
                community,
                title=f"Topic {n}",
                body=f"Opening post of topic {n}.",
                publish_as=PublishAs.PSEUDONYM,
                submission_token=f"topic-{n}",
                limits=LIMITS,
            ).id
            for n in range(TOPICS)
        ]
    clients = [(f"client{n}@example.org", topics[n % TOPICS]) for n in range(CLIENTS)]
    return clients, topics


def report(run: Run, record_property: Callable[[str, object], None]) -> None:
    database = "PostgreSQL" if os.environ.get("CIVICFORUM_TEST_DATABASE_URL") else "SQLite"
    rate = round(run.replies_per_second, 1)
    record_property("replies_per_second", rate)
    print(
        f"\n{CLIENTS} members, {run.seconds:.1f} s on {database}, gunicorn with 2 sync "
        f"workers: {len(run.acknowledged)} replies published, {rate} per second; "
        f"{sum(b.outcomes.double_clicks for b in run.browsers)} of them with a double click; "
        f"{len(run.unacknowledged)} not acknowledged; answers {dict(sorted(run.statuses.items()))}"
    )


def test_every_acknowledged_reply_is_stored_once(
    database_url: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    instance = tmp_path / "instance"
    secret, forum_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    config = load_config(database_url, instance, secret, forum_secret)
    # This process only arranges and checks; the served ones run the queued work.
    app = make_app({**config, "CIVICFORUM_TASK_WORKER": False}, instance)
    clients, topics = arrange(app)

    log = tmp_path / "gunicorn.log"
    # Built once and forked (civicforum.gunicorn_config), as the README advises: each
    # worker must still get connections and a task thread of its own.
    with gunicorn(database_url, instance, secret, forum_secret, log, preload=True) as port:
        browsers = [
            Browser(port, n, email, PASSWORD, topic) for n, (email, topic) in enumerate(clients)
        ]
        try:
            run = run_members(browsers, SECONDS)
        finally:
            for browser in browsers:
                browser.close()
    report(run, record_property)

    assert run.gathered("problems") == [], log.read_text()
    assert [code for code in run.statuses if code >= 500] == []
    assert run.gathered("split_clicks") == []
    assert run.gathered("not_shown") == []
    refused = sum(b.outcomes.refused_for_pace for b in browsers)
    assert refused <= len(run.acknowledged) // 100, "the posting limits held the members back"

    forum = app.extensions["civicforum"]
    with forum.session_factory() as db:
        stored = db.execute(select(Post.body, Post.id).where(Post.topic_id.in_(topics))).all()
        times = Counter(body for body, _id in stored)
        ids = {body: post_id for body, post_id in stored}
        acknowledged = run.acknowledged
        assert {b: n for b, n in times.items() if n > 1} == {}
        missing = [b for b in acknowledged if b not in ids]
        assert missing == []
        assert {b: ids[b] for b in acknowledged} == acknowledged
        openings = {f"Opening post of topic {n}." for n in range(TOPICS)}
        unexpected = set(ids) - set(acknowledged) - set(run.unacknowledged) - openings
        assert unexpected == set()

        for topic in db.scalars(select(Topic).where(Topic.id.in_(topics))):
            count, latest = db.execute(
                select(func.count(Post.id), func.max(Post.created_at)).where(
                    Post.topic_id == topic.id, Post.held.is_(False)
                )
            ).one()
            assert (topic.post_count, topic.last_posted_at) == (count, latest), topic.title
        total = db.scalar(select(func.count(Post.id)))

    # Index writes one process could not make while the other held the index's lock
    # wait in the shared queue; once they have run, search knows every reply.
    with app.app_context():
        indexer = indexer_of(app)
        print(f"index writes tried again afterwards: {indexer.tasks.run_pending(retries_too=True)}")
        assert indexer.backend.count() == total


def test_a_reply_that_commits_last_leaves_the_newest_as_last_activity(
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ans presses publish a moment before Bram, but Bram's reply is stored first: the
    topic's last activity (what the community's list sorts by) stays at Bram's reply."""
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    community = make_community("buurt")
    ans, bram = make_member("Ans"), make_member("Bram")
    add_member(db, community, ans)
    add_member(db, community, bram)
    topic = forum_services.start_topic(
        db,
        actor_of(db, ans),
        community,
        title="Straatfeest",
        body="Wie helpt er mee?",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="topic",
        limits=LIMITS,
    )

    def reply(member: Member, body: str) -> None:
        forum_services.reply(
            db,
            actor_of(db, member),
            topic,
            body=body,
            publish_as=PublishAs.PSEUDONYM,
            submission_token=body,
            limits=LIMITS,
        )

    clock.advance(minutes=2)
    reply(bram, "Ik neem de tafels mee.")
    clock.advance(seconds=-1)
    reply(ans, "Ik bak een taart.")

    db.refresh(topic)
    assert topic.last_posted_at == dt.datetime(2026, 3, 2, 10, 2, tzinfo=dt.UTC)
