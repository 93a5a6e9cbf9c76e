"""The search index as a site keeps it: rebuilt from the command line with progress,
surviving a rebuild killed halfway, rebuilt by itself when missing, and catching up on
writes that failed, without ever failing the post that caused them."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.markup import render_markdown
from civicforum.plugins.search.indexer import Indexer
from civicforum.policy import Actor

from .helpers import actor_of, add_member
from .searchworld import LIMITS, ask, backends, prepare, searching

EN = {"Accept-Language": "en"}


@pytest.fixture(params=backends())
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"CIVICFORUM_SEARCH_BACKEND": request.param}


@pytest.fixture
def community(make_community) -> Community:  # type: ignore[no-untyped-def]
    return make_community("leesclub")  # type: ignore[no-any-return]


@pytest.fixture
def author(db: Session, community: Community, make_member) -> Member:  # type: ignore[no-untyped-def]
    member = make_member("Ans")
    add_member(db, community, member)
    return member


def start_topic(db: Session, author: Member, community: Community, body: str, token: str) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Boeken voor december",
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=token,
        limits=LIMITS,
    )


def add_posts(db: Session, topic: Topic, author: Member, count: int, words: str) -> None:
    """Posts written straight into the database, as an older site's data would be found:
    the index hears nothing of them until it is rebuilt."""
    body = f"Een bericht over {words}."
    html = render_markdown(body)
    db.add_all(
        Post(topic_id=topic.id, author_id=author.id, body=body, body_html=html)
        for _ in range(count)
    )
    db.commit()


# -- flask civicforum search reindex -------------------------------------------------------


def test_reindex_reports_its_progress_and_what_it_indexed(
    app: Flask, db: Session, community: Community, author: Member
) -> None:
    prepare(app)
    topic = start_topic(db, author, community, "Welke boeken lezen we?", "t1")
    add_posts(db, topic, author, 30, "gedichten")
    result = app.test_cli_runner().invoke(args=["civicforum", "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "31 rows to index" in result.output
    assert "Indexed 31 of 31." in result.output  # progress, as lines in a log
    assert "topic: 1" in result.output and "reply: 30" in result.output
    with searching(app) as indexer:
        assert ask(db, indexer, Actor(), "gedicht").total == 30
    status = app.test_cli_runner().invoke(args=["civicforum", "search", "status"])
    assert "Documents in the index: 31" in status.output


SITE = """
    import os
    from flask import Flask
    from civicforum import CivicForum

    app = Flask("searchsite", instance_path=os.environ["SITE_INSTANCE"])
    app.config.update(
        SECRET_KEY=os.environ["SITE_SECRET"],
        CIVICFORUM_SECRET_KEY=os.environ["SITE_SECRET"],
        CIVICFORUM_DATABASE_URL=os.environ["SITE_DATABASE"],
        CIVICFORUM_SEARCH_BACKEND=os.environ["SITE_BACKEND"],
        CIVICFORUM_TASK_QUEUE="memory",
        CIVICFORUM_TASK_WORKER=False,
    )
    CivicForum(app)
"""


def test_a_reindex_killed_halfway_leaves_the_old_index_and_the_next_run_completes(
    app: Flask,
    db: Session,
    community: Community,
    author: Member,
    database_url: str,
    tmp_path: Path,
) -> None:
    indexer = prepare(app)
    topic = start_topic(db, author, community, "Welke boeken lezen we?", "t1")
    add_posts(db, topic, author, 2000, "gedichten")
    with app.app_context():
        indexer.reindex()
    add_posts(db, topic, author, 2000, "romans")  # not in the index yet

    site = tmp_path / "site"
    site.mkdir()
    (site / "searchsite.py").write_text(textwrap.dedent(SITE))
    environment = {
        **os.environ,
        "PYTHONPATH": str(site),
        "SITE_INSTANCE": app.instance_path,
        "SITE_SECRET": secrets.token_urlsafe(32),
        "SITE_DATABASE": database_url,
        "SITE_BACKEND": indexer.backend.name,
    }
    command = [sys.executable, "-m", "flask", "--app", "searchsite", "civicforum", "search"]
    rebuild = subprocess.Popen(
        [*command, "reindex"], env=environment, stdout=subprocess.PIPE, text=True
    )
    assert rebuild.stdout is not None
    try:
        for line in rebuild.stdout:
            if line.startswith("Indexed ") and " of " in line:
                break  # halfway: the first part is written, the rest to come
        os.kill(rebuild.pid, signal.SIGKILL)
    finally:
        rebuild.wait(timeout=30)
        rebuild.stdout.close()
    assert rebuild.returncode == -signal.SIGKILL, "the rebuild ended before it was killed"

    with searching(app):
        # The old index answers as before, without the posts it never had.
        assert indexer.backend.count() == 2001
        assert ask(db, indexer, Actor(), "gedicht").results != []
        assert ask(db, indexer, Actor(), "roman").total == 0
    again = subprocess.run(
        [*command, "reindex"], env=environment, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "reply: 4000" in again.stdout
    assert indexer.backend.count() == 4001
    with searching(app):
        romans = ask(db, indexer, Actor(), "roman")
        # Counting stops at a thousand: the page says "more than 1000 results".
        assert (romans.total, romans.more) == (1000, True)


# -- a missing or broken index -------------------------------------------------------------


def lose_the_index(app: Flask, indexer: Indexer) -> None:
    if indexer.backend.name == "whoosh":
        folder = indexer.backend.folder  # type: ignore[attr-defined]
        shutil.rmtree(folder)
    else:
        with state(app).engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE cf_search_document"))


def damage_the_index(app: Flask, indexer: Indexer) -> None:
    if indexer.backend.name == "whoosh":
        # The table of contents names segments whose files are lost.
        folder: Path = indexer.backend.folder  # type: ignore[attr-defined]
        for segment in folder.glob("*.seg"):
            segment.unlink()
    else:
        lose_the_index(app, indexer)


@pytest.mark.parametrize("harm", [lose_the_index, damage_the_index])
def test_a_missing_or_broken_index_is_rebuilt_while_the_page_says_so(
    app: Flask,
    client: FlaskClient,
    db: Session,
    community: Community,
    author: Member,
    harm: Any,
) -> None:
    indexer = prepare(app)
    start_topic(db, author, community, "Welke boeken lezen we? Gedichten graag.", "t1")
    found = client.get("/forum/search", query_string={"q": "gedicht"}, headers=EN)
    assert "1 result" in found.get_data(as_text=True)

    harm(app, indexer)
    page = client.get("/forum/search", query_string={"q": "gedicht"}, headers=EN)
    assert page.status_code == 200
    assert "The search index is being rebuilt" in page.get_data(as_text=True)
    # The forum goes on meanwhile: a new post is saved, whatever the index.
    start_topic(db, author, community, "Nog meer gedichten.", "t2")

    state(app).tasks.run_pending()  # the queued rebuild, as the worker runs it
    again = client.get("/forum/search", query_string={"q": "gedicht"}, headers=EN)
    html = again.get_data(as_text=True)
    assert "being rebuilt" not in html
    assert "2 results" in html


# -- a failed index write ------------------------------------------------------------------


@pytest.fixture
def whoosh_only(app: Flask) -> None:
    if state(app).settings.extra["CIVICFORUM_SEARCH_BACKEND"] != "whoosh":
        pytest.skip("holds the Whoosh index's writer lock")


@pytest.mark.usefixtures("whoosh_only")
def test_a_failed_index_write_never_fails_the_post_and_is_tried_again(
    app: Flask,
    db: Session,
    community: Community,
    author: Member,
    caplog: pytest.LogCaptureFixture,
) -> None:
    indexer = prepare(app)
    # Another process is writing the index (a rebuild) and keeps its lock.
    with app.app_context():
        held = indexer.backend._open().writer()  # type: ignore[attr-defined]
    try:
        with caplog.at_level(logging.WARNING, logger="civicforum.plugins.search.indexer"):
            topic = start_topic(db, author, community, "Wie leest er gedichten?", "t1")
        assert db.get(Topic, topic.id) is not None  # the post is saved
        assert "search index write failed" in caplog.text
        assert "queued to be tried again" in caplog.text
        assert state(app).tasks.waiting() >= 1  # one a domain event: topic, first post
        with searching(app):
            assert ask(db, indexer, Actor(), "gedicht").total == 0
    finally:
        held.cancel()
    assert state(app).tasks.run_pending(retries_too=True) >= 1
    assert state(app).tasks.waiting() == 0
    with searching(app):
        assert ask(db, indexer, Actor(), "gedicht").total == 1


def test_renaming_a_member_with_many_posts_reindexes_them_from_the_queue(
    app: Flask, db: Session, community: Community, author: Member
) -> None:
    from civicforum.identity import services as identity_services

    indexer = prepare(app)
    topic = start_topic(db, author, community, "Welke boeken lezen we?", "t1")
    add_posts(db, topic, author, 250, "gedichten")
    with app.app_context():
        indexer.reindex()
    identity_services.update_member_settings(
        db,
        author,
        display_name="Anske",
        real_name="",
        publish_as=PublishAs.PSEUDONYM,
        language=None,
        languages=("nl", "en"),
    )
    # The rename is saved at once; its 251 posts follow from the queue.
    assert state(app).tasks.waiting() == 1
    state(app).tasks.run_pending()
    with searching(app):
        assert ask(db, indexer, Actor(), "gedicht", author="anske").total == 250
        assert ask(db, indexer, Actor(), "gedicht", author="ans").total == 0
