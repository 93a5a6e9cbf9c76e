"""A full disk under a SQLite forum: a long reply that does not fit gets the calm 503 page
in the writer's language, nothing of it is kept (no post without its text, no count, no
search entry), reading goes on meanwhile, and once there is room the same reply is
published once.

SQLite's ``max_page_count`` makes the database file full exactly as a full disk does
(``SQLITE_FULL``, "database or disk is full"): here it is set on every connection the
forum's engine hands out, a few pages above what the file holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Topic
from civicforum.identity import services as identity
from civicforum.identity.models import PublishAs
from civicforum.identity.providers import load_actor

from .conftest import LIMITS, PASSWORD, forum_app, fresh_database
from .helpers import add_member, form_token, sign_in

# It is always SQLite's file, whatever database the suite runs on.
pytestmark = pytest.mark.database_independent

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
#: SQLite's own ceiling, for a disk with room again.
ROOMY = 1_073_741_823
#: A word no other post has, to look the reply up by.
MARKER = "Zeldzaamwoord"
#: One result on the search page.
HIT = 'class="cf-search-hit"'


class Disk:
    """How many pages the forum's database file may grow to, as a disk that fills up."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.limit = ROOMY
        sa.event.listen(engine.pool, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {int(self.limit)}")
        cursor.close()

    def fill(self, spare_pages: int) -> None:
        """Leave room for ``spare_pages`` more pages, free pages in the file included."""
        with self.engine.connect() as conn:
            used = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
        assert free <= spare_pages, "the file has more free pages inside than the room left"
        self.limit = used + spare_pages - free

    def free(self) -> None:
        self.limit = ROOMY


@pytest.fixture
def forum(tmp_path: Path) -> Iterator[Flask]:
    with (
        fresh_database(tmp_path, "", tables=True) as url,
        forum_app(url, tmp_path / "instance", create_tables=False) as app,
    ):
        yield app


@pytest.fixture
def disk(forum: Flask) -> Disk:
    return Disk(forum.extensions["civicforum"].engine)


def arrange(app: Flask) -> tuple[FlaskClient, int]:
    """A community with a topic, and a signed-in member's browser; the topic's id."""
    with app.extensions["civicforum"].session_factory() as db:
        community = forum_services.create_community(
            db, slug="leesclub", name="Leesclub", description="", house_rules=""
        )
        ans = identity.register_local_account(
            db, email="ans@example.org", password=PASSWORD, display_name="Ans"
        )
        add_member(db, community, ans)
        topic = forum_services.start_topic(
            db,
            load_actor(db, ans),
            community,
            title="Wat lezen we deze zomer?",
            body="Iets dikkers dan anders, stel ik voor.",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="disk-topic",
            limits=LIMITS,
        )
        client = app.test_client()
        sign_in(client, ans)
    # The search index is built by the queue, as on a new site.
    app.extensions["civicforum"].tasks.run_pending()
    return client, topic.id


def row_counts(app: Flask) -> dict[str, int]:
    with app.extensions["civicforum"].engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def topic_row(app: Flask, topic_id: int) -> tuple[int, object]:
    with app.extensions["civicforum"].session_factory() as db:
        topic = db.get(Topic, topic_id)
        assert topic is not None
        return topic.post_count, topic.last_posted_at


def search(client: FlaskClient, words: str) -> str:
    found = client.get("/forum/search", query_string={"q": words}, headers=EN)
    assert found.status_code == 200
    return found.get_data(as_text=True)


def long_reply() -> str:
    """Some 11,000 characters, as a member might write about a long book."""
    paragraph = (
        "Ik heb de hele zomer aan Het Bittere Kruid gelezen en wil er iets over kwijt. "
        f"{MARKER} staat in elke alinea, zodat we het terug kunnen vinden. "
    )
    return "\n\n".join(f"{n}. {paragraph * 3}" for n in range(1, 25))


def test_a_full_disk_refuses_a_long_reply_calmly_and_keeps_none_of_it(
    forum: Flask, disk: Disk
) -> None:
    client, topic_id = arrange(forum)
    url = f"/forum/t/{topic_id}/reply"
    page = client.get(url, headers=EN)
    data = {
        "csrf_token": form_token(page.get_data(as_text=True)),
        "submission_token": form_token(page.get_data(as_text=True), "submission_token"),
        "publish_as": "pseudonym",
        "body": long_reply(),
        "preview": "1",
    }
    preview = client.post(url, data=data, headers=EN)
    assert preview.status_code == 200
    del data["preview"]
    data.update(previewed=form_token(preview.get_data(as_text=True), "previewed"), publish="1")
    rows, topic = row_counts(forum), topic_row(forum, topic_id)

    disk.fill(spare_pages=2)
    for headers, words in ((EN, "Nothing you sent was saved"), (NL, "Er is niets opgeslagen")):
        refused = client.post(url, data=data, headers=headers)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 503, text[:2000]
        assert refused.headers["Retry-After"] == "30"
        assert words in text
        for leak in ("Traceback", "sqlite3", "disk is full", "OperationalError"):
            assert leak not in text

    assert row_counts(forum) == rows, "no post, revision or search entry was kept"
    assert topic_row(forum, topic_id) == topic, "nor a count or a date of the topic"
    # Reading needs no room: the topic and the search answer as before.
    shown = client.get(f"/forum/t/{topic_id}/", headers=EN)
    assert shown.status_code == 200 and MARKER not in shown.get_data(as_text=True)
    assert "Wat lezen we deze zomer?" in search(client, "zomer")
    assert HIT not in search(client, MARKER)

    disk.free()
    sent = client.post(url, data=data, headers=EN)
    assert sent.status_code == 302
    again = client.post(url, data=data, headers=EN)
    assert again.headers["Location"] == sent.headers["Location"]
    assert row_counts(forum)["cf_post"] == rows["cf_post"] + 1
    found = search(client, MARKER)
    assert found.count(HIT) == 1 and f'href="{sent.headers["Location"]}"' in found
