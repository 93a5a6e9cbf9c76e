"""The search page: bad input gets a clear answer, never an error; numbered pages; and
searching within a members-only community. (What each searcher finds, on every backend,
is tested in test_search.py; the page is the same whatever the backend.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum import CivicForum, ConfigError
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.identity.models import PublishAs

from .conftest import make_host_app
from .helpers import actor_of, add_member, sign_in
from .searchworld import LIMITS, SearchWorld, prepare, search_world


@pytest.fixture
def small_site(app: Flask, db: Session, make_member, make_community) -> None:  # type: ignore[no-untyped-def]
    """One topic to find: enough for the tests of what the page makes of bad input."""
    prepare(app)
    community = make_community("leesclub")
    author = make_member("Ans")
    add_member(db, community, author)
    forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Boeken voor december",
        body="Welke boeken lezen we? zeldzaam",
        publish_as=PublishAs.PSEUDONYM,
        submission_token="t1",
        limits=LIMITS,
    )


@pytest.fixture
def site(app: Flask, db: Session, make_member, make_community) -> SearchWorld:  # type: ignore[no-untyped-def]
    """The same forum for the page tests: built outside any request, as a site is."""
    prepare(app)
    return search_world(db, make_member, make_community)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 10_000,
        '"',
        'boek "niet af',
        "*",
        "boek:",
        "(boek",
        "AND OR NOT",
        "boek\x00en",
        "-",
        '""',
        "!!& | <-> \\",
    ],
)
def test_bad_queries_get_a_clear_answer_never_an_error(
    client: FlaskClient, small_site: None, query: str
) -> None:
    response = client.get("/forum/search", query_string={"q": query})
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert "Traceback" not in html
    assert 'role="search"' in html


@pytest.mark.parametrize(
    "arguments",
    [
        {"q": "boek", "since": "gisteren"},
        {"q": "boek", "until": "2026-02-31"},
        {"q": "boek", "since": "0001-01-01"},
        {"q": "boek", "since": "2026-05-01", "until": "2026-01-01"},
        {"q": "boek", "community": "bestaat-niet"},
        {"q": "boek", "kind": "alles"},
        {"q": "boek", "order": "random"},
    ],
)
def test_bad_filters_are_refused_in_words(
    client: FlaskClient, small_site: None, arguments: dict[str, str]
) -> None:
    response = client.get("/forum/search", query_string=arguments)
    assert response.status_code == 400
    assert "cf-error-summary" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["1000000000", "0", "-1", "abc", "9999", "²"])
def test_pages_that_do_not_exist(client: FlaskClient, small_site: None, page: str) -> None:
    response = client.get(
        "/forum/search",
        query_string={"q": "zeldzaam", "page": page},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 404
    assert "There is no such page of results." in response.get_data(as_text=True)


def test_the_page_shows_results_with_pages_in_dutch(
    client: FlaskClient, site: SearchWorld, db: Session
) -> None:
    a = actor_of(db, site.author)
    topic = db.get(forum_services.Topic, int(post_of_key(db, site.keys["appel"])))
    assert topic is not None
    for n in range(25):
        forum_services.reply(
            db,
            a,
            topic,
            body=f"Nog een boek, nummer {n}.",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"p{n}",
            limits=LIMITS,
        )
    response = client.get(
        "/forum/search",
        query_string={"q": "boek", "order": "newest"},
        headers={"Accept-Language": "nl"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "resultaten" in html and "<mark>boek</mark>" in html
    second = client.get("/forum/search", query_string={"q": "boek", "page": "2"}).get_data(
        as_text=True
    )
    assert 'aria-current="page"' in second


def test_searching_in_a_members_only_community_needs_membership(
    client: FlaskClient, site: SearchWorld
) -> None:
    assert client.get("/forum/c/patienten/search", query_string={"q": "druif"}).status_code == 403
    sign_in(client, site.member)
    html = client.get("/forum/c/patienten/search", query_string={"q": "druif"}).get_data(
        as_text=True
    )
    assert "Omgaan met vermoeidheid" in html


def post_of_key(db: Session, key: str) -> int:
    post = db.get(forum_services.Post, int(key.split(":")[1]))
    assert post is not None
    return post.topic_id


# -- settings and switching it off -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"CIVICFORUM_SEARCH_BACKEND": "elasticsearch"}, "expected 'whoosh' or 'postgresql'"),
        ({"CIVICFORUM_SEARCH_RESULTS_PER_PAGE": 500}, "from 5 to 50"),
        ({"CIVICFORUM_SEARCH_INDEX_DIR": "  "}, "a folder path"),
    ],
)
def test_a_wrong_search_setting_stops_start_up_naming_the_key(
    database_url: str, tmp_path: Path, settings: dict[str, object], why: str
) -> None:
    app = make_host_app(database_url, tmp_path / "instance", **settings)
    with pytest.raises(ConfigError, match=why) as wrong:
        CivicForum(app)
    assert wrong.value.key == next(iter(settings))


def test_the_postgresql_backend_needs_the_forum_on_postgresql(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("the forum is on PostgreSQL here")
    app = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_SEARCH_BACKEND="postgresql")
    with pytest.raises(ConfigError, match="on PostgreSQL") as wrong:
        CivicForum(app)
    assert wrong.value.key == "CIVICFORUM_SEARCH_BACKEND"


def test_a_host_can_switch_search_off(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_PLUGINS=["events"])
    CivicForum(app)
    Base.metadata.create_all(state(app).engine)
    client = app.test_client()
    assert client.get("/forum/search", query_string={"q": "boek"}).status_code == 404
    assert "/forum/search" not in client.get("/forum/").get_data(as_text=True)
    commands = app.test_cli_runner().invoke(args=["civicforum", "--help"]).output
    assert "search" not in commands.split("Commands:")[1]
