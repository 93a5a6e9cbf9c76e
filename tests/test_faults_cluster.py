"""A PostgreSQL server that stops while the forum runs: readers and writers get the calm
503 page (a problem document from the API) in their own language, nothing half-written
is kept, and the same app serves again as soon as the server is back.

The server is a private cluster (see tests/pgcluster.py), stopped for real: cleanly
(``pg_ctl stop -m fast``) while the site is idle, and killed (``-m immediate``) between
a reply's INSERT and its COMMIT. The forum is served over real HTTP by werkzeug's server,
and read and written through its pages as a browser would.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Post, Topic
from civicforum.identity import services as identity
from civicforum.identity.models import PublishAs
from civicforum.identity.providers import load_actor
from civicforum.plugins.search.models import documents

from . import pgcluster
from .conftest import LIMITS, PASSWORD, forum_app
from .helpers import add_member, form_token

# It brings its own PostgreSQL server, whatever database the suite runs on: once is enough.
pytestmark = pytest.mark.database_independent

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl-NL,nl;q=0.9"}
# What must never reach a visitor: a stack trace, or the driver's and the server's words.
LEAKS = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "127.0.0.1:")


@dataclass
class Site:
    """The forum served over HTTP from a private cluster, with a topic in a community."""

    app: Flask
    url: str
    cluster: pgcluster.Cluster
    topic_id: int

    def count_posts(self) -> int:
        with self.app.extensions["civicforum"].session_factory() as db:
            return (
                db.scalar(sa.select(sa.func.count(Post.id)).where(Post.topic_id == self.topic_id))
                or 0
            )

    def topic_state(self) -> tuple[int, object]:
        """What the topic's row says of its replies: how many, and the latest when."""
        with self.app.extensions["civicforum"].session_factory() as db:
            topic = db.get(Topic, self.topic_id)
            assert topic is not None
            return topic.post_count, topic.last_posted_at

    def row_counts(self) -> dict[str, int]:
        """Every table of the forum and its plugins, with its number of rows."""
        with self.app.extensions["civicforum"].engine.connect() as conn:
            return {
                table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgcluster.Cluster]:
    reason = pgcluster.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with pgcluster.private_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def site(cluster: pgcluster.Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = cluster.create_database("forum")
    folder = tmp_path_factory.mktemp("cluster-site")
    # Search in the same database, so that its rows are part of what must not be
    # half-written.
    with forum_app(url, folder, CIVICFORUM_SEARCH_BACKEND="postgresql") as app:
        with app.extensions["civicforum"].session_factory() as db:
            community = forum_services.create_community(
                db, slug="leesclub", name="Leesclub", description="Wat lezen we?", house_rules=""
            )
            ans = identity.register_local_account(
                db, email="ans@example.org", password=PASSWORD, display_name="Ans"
            )
            add_member(db, community, ans)
            topic = forum_services.start_topic(
                db,
                load_actor(db, ans),
                community,
                title="Wie leest er mee?",
                body="Ik lees De Avonden.",
                publish_as=PublishAs.PSEUDONYM,
                submission_token="cluster-topic",
                limits=LIMITS,
            )
            topic_id = topic.id
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(app, f"http://127.0.0.1:{server.server_port}", cluster, topic_id)
        finally:
            server.shutdown()
            thread.join(10)
            server.server_close()


@pytest.fixture(autouse=True)
def server_running(site: Site) -> Iterator[None]:
    """Whatever a test did to the server, the next one starts with it running."""
    yield
    if not site.cluster.running:
        site.cluster.start()


@pytest.fixture
def member(site: Site) -> Iterator[requests.Session]:
    """A browser in which a member of the community (one per test: members post only so
    often) signed in with her password."""
    name = f"lid-{secrets.token_hex(4)}"
    email = f"{name}@example.org"
    with site.app.extensions["civicforum"].session_factory() as db:
        account = identity.register_local_account(
            db, email=email, password=PASSWORD, display_name=name
        )
        add_member(db, forum_services.get_community(db, "leesclub"), account)
    with requests.Session() as browser:
        form = browser.get(f"{site.url}/forum/account/sign-in", headers=EN)
        assert form.status_code == 200
        signed_in = browser.post(
            f"{site.url}/forum/account/sign-in",
            data={"csrf_token": form_token(form.text), "email": email, "password": PASSWORD},
            headers=EN,
            allow_redirects=False,
        )
        assert signed_in.status_code == 302, signed_in.text
        yield browser


def previewed_reply(browser: requests.Session, site: Site, body: str) -> dict[str, str]:
    """Write a reply and preview it, as a person would: the form that publishes it."""
    url = f"{site.url}/forum/t/{site.topic_id}/reply"
    page = browser.get(url, headers=EN)
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": form_token(page.text),
        "submission_token": form_token(page.text, "submission_token"),
        "publish_as": "pseudonym",
        "body": body,
        "preview": "1",
    }
    preview = browser.post(url, data=data, headers=EN)
    assert preview.status_code == 200, preview.text
    del data["preview"]
    return {**data, "previewed": form_token(preview.text, "previewed"), "publish": "1"}


def publish(browser: requests.Session, site: Site, form: dict[str, str], **headers: str) -> Any:
    return browser.post(
        f"{site.url}/forum/t/{site.topic_id}/reply",
        data=form,
        headers={**EN, **headers},
        allow_redirects=False,
    )


def topic_page(site: Site, headers: dict[str, str] = EN) -> requests.Response:
    return requests.get(f"{site.url}/forum/t/{site.topic_id}/", headers=headers, timeout=30)


def assert_calm_page(response: requests.Response, language: str, words: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert f'<html lang="{language}">' in response.text
    assert words in response.text
    for leak in LEAKS:
        assert leak not in response.text


def test_a_stopped_server_gives_calm_pages_and_the_same_app_serves_again_once_it_is_back(
    site: Site, member: requests.Session
) -> None:
    body = "Ik lees nu Max Havelaar, tijdens de storing geschreven."
    assert topic_page(site).status_code == 200
    form = previewed_reply(member, site, body)
    before = site.count_posts()

    site.cluster.stop("fast")
    assert_calm_page(topic_page(site, NL), "nl", "Er is niets opgeslagen van wat je stuurde")
    assert_calm_page(topic_page(site, EN), "en", "Nothing you sent was saved")
    assert_calm_page(publish(member, site, form), "en", "Nothing you sent was saved")
    assert_calm_page(publish(member, site, form, **NL), "nl", "Het forum is even niet beschikbaar")
    api = requests.get(f"{site.url}/forum/api/v1/communities", headers=EN, timeout=30)
    assert api.status_code == 503
    assert api.headers["Content-Type"] == "application/problem+json"
    assert api.headers["Retry-After"] == "30"
    problem = api.json()
    assert problem["code"] == "unavailable" and "Nothing you sent was saved" in problem["detail"]
    for leak in LEAKS:
        assert leak not in api.text

    site.cluster.start()
    page = topic_page(site)
    assert page.status_code == 200 and "Wie leest er mee?" in page.text
    assert "Max Havelaar" not in page.text
    assert site.count_posts() == before, "the reply sent during the outage was not kept"
    assert requests.get(f"{site.url}/forum/api/v1/communities", timeout=30).status_code == 200

    # Sent again (the browser's "send again"), it is published once, however often.
    first, second = publish(member, site, form), publish(member, site, form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert topic_page(site).text.count("Max Havelaar") == 1
    assert site.count_posts() == before + 1


def test_the_first_visitor_after_a_restart_no_one_saw_gets_the_page(
    site: Site, member: requests.Session
) -> None:
    """The connections the app kept from before the restart are dead: each is checked
    before it is used, so no visitor meets one."""
    form = previewed_reply(member, site, "Na de nachtelijke herstart.")
    assert topic_page(site).status_code == 200
    site.cluster.stop("fast")
    site.cluster.start()
    assert topic_page(site).status_code == 200
    assert publish(member, site, form).status_code == 302
    assert topic_page(site).text.count("Na de nachtelijke herstart.") == 1


@pytest.fixture
def crash_before_the_reply_commits(site: Site) -> Iterator[None]:
    """Kill the server once a post's row is written, just before the transaction that
    wrote it commits: the reply is in the server's memory, never committed."""
    engine = site.app.extensions["civicforum"].engine
    armed = [True]

    def note_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if re.match(r"\s*INSERT INTO cf_post\b", statement):
            conn.info["wrote a post"] = True

    def crash(conn: Any) -> None:
        if armed[0] and conn.info.pop("wrote a post", False):
            armed[0] = False
            site.cluster.stop("immediate")

    def forget(conn: Any) -> None:
        conn.info.pop("wrote a post", None)

    sa.event.listen(engine, "before_cursor_execute", note_insert)
    sa.event.listen(engine, "commit", crash)
    sa.event.listen(engine, "rollback", forget)
    yield
    sa.event.remove(engine, "before_cursor_execute", note_insert)
    sa.event.remove(engine, "commit", crash)
    sa.event.remove(engine, "rollback", forget)
    assert not armed[0], "no post was written while the crash was armed"


def test_a_server_killed_between_a_replys_insert_and_its_commit_keeps_nothing_of_it(
    site: Site, member: requests.Session, crash_before_the_reply_commits: None
) -> None:
    body = "Het Achterhuis, geschreven op het moment van de crash."
    form = previewed_reply(member, site, body)
    rows, topic = site.row_counts(), site.topic_state()

    assert_calm_page(publish(member, site, form), "en", "Nothing you sent was saved")
    assert not site.cluster.running

    site.cluster.start()
    assert site.row_counts() == rows, "no post, revision or search document was kept"
    assert site.topic_state() == topic, "nor a count or a date of the topic"
    page = topic_page(site)
    assert page.status_code == 200 and "Het Achterhuis" not in page.text

    sent = publish(member, site, form)
    assert sent.status_code == 302
    assert topic_page(site).text.count("Het Achterhuis") == 1
    after = site.row_counts()
    assert after["cf_post"] == rows["cf_post"] + 1
    assert after[documents.name] == rows[documents.name] + 1, "and it can be found"
    assert site.topic_state()[0] == topic[0] + 1
