"""From FlaskBB 2.x: ``flask civicforum import-flaskbb`` on a database laid out as
FlaskBB 2.0.2 makes it (tests/flaskbbdb.py), on the database kind under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from civicforum.extension import state
from civicforum.forum.models import Community, Membership, Post
from civicforum.identity.models import LocalAccount, Member

from .conftest import fresh_database
from .flaskbbdb import make_flaskbb_database
from .test_moving import run, site, table_counts


@pytest.fixture
def flaskbb(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "flaskbb"
    folder.mkdir()
    with fresh_database(folder) as url:
        make_flaskbb_database(url)
        yield url


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Flask]:
    with site(tmp_path / "target", CIVICFORUM_SITE_URL="https://nieuw.example/") as app:
        yield app


def _session(app: Flask) -> Any:
    return state(app).session_factory()


def test_each_flaskbb_forum_becomes_a_community_with_its_discussions(
    flaskbb: str, target: Flask, tmp_path: Path
) -> None:
    redirects = tmp_path / "redirects.txt"
    done = run(
        target,
        "import-flaskbb",
        flaskbb,
        "--site-url",
        "https://buurt.example",
        "--redirects",
        str(redirects),
    )
    assert done.exit_code == 0, done.output
    assert "Forum 1 (Algemeen) is community 'algemeen'" in done.output
    assert "pinned topic" in done.output  # said, not silently dropped
    assert "banned user" in done.output
    with _session(target) as db:
        communities = {c.slug: c for c in db.scalars(sa.select(Community))}
        assert set(communities) == {"algemeen", "verkeer-en-parkeren", "raadsleden"}
        assert communities["algemeen"].is_public
        assert not communities["raadsleden"].is_public  # guests could not see it in FlaskBB
        # Pseudonymous: no addresses or passwords came along.
        assert db.scalar(sa.select(sa.func.count()).select_from(LocalAccount)) == 0
        moderator = db.scalars(sa.select(Member).where(Member.display_name == "marieke")).one()
        roles = {
            m.community_id: m.role
            for m in db.scalars(sa.select(Membership).where(Membership.member_id == moderator.id))
        }
        assert roles[communities["algemeen"].id] == "moderator"
        banned = db.scalars(sa.select(Member).where(Member.display_name == "kees_b")).one()
        hidden = db.scalars(sa.select(Post).where(Post.author_id == banned.id)).all()
        assert [post.is_hidden for post in hidden] == [True]  # hidden by the moderator there
        orphan = db.scalars(sa.select(Post).where(Post.author_id.is_(None))).all()
        assert len(orphan) == 1  # pieter's account was deleted: no author here either
    client = target.test_client()
    headers = {"Accept-Language": "en"}
    page = client.get("/forum/c/verkeer-en-parkeren/", headers=headers)
    assert page.status_code == 200
    assert "Parkeren bij het café op de hoek" in page.get_data(as_text=True)
    closed = client.get("/forum/c/raadsleden/", headers=headers).get_data(as_text=True)
    assert "Stemmingen exporteren" not in closed  # members only, as guests found it
    assert "members" in closed.lower()
    mapping = dict(line.split(" ", 1) for line in redirects.read_text().splitlines())
    topic_page = client.get(mapping["/topic/2"].removeprefix("https://nieuw.example"))
    assert topic_page.status_code == 200
    text = topic_page.get_data(as_text=True)
    assert "minstens één auto op de stoep" in text
    assert "locked" in text.lower()  # no replies, as in FlaskBB
    welcome = client.get(mapping["/topic/1"].removeprefix("https://nieuw.example")).get_data(
        as_text=True
    )
    assert '<a href="https://example.org/huisregels"' in welcome  # Markdown, rendered here
    assert mapping["/forum/1"] == "https://nieuw.example/forum/c/algemeen/"


def test_a_second_run_changes_nothing(flaskbb: str, target: Flask) -> None:
    assert run(target, "import-flaskbb", flaskbb).exit_code == 0
    before = table_counts(target)
    again = run(target, "import-flaskbb", flaskbb)
    assert again.exit_code == 0, again.output
    assert again.output.count("was imported before; nothing changed") == 3
    assert table_counts(target) == before


def test_one_forum_and_an_address_taken_here(flaskbb: str, target: Flask) -> None:
    with _session(target) as db:
        from civicforum.forum import services

        services.create_community(db, slug="algemeen", name="Algemeen hier")
    taken = run(target, "import-flaskbb", flaskbb, "--forum", "1")
    assert taken.exit_code == 1
    assert "the address algemeen is taken here; import it with --prefix" in taken.output
    done = run(target, "import-flaskbb", flaskbb, "--forum", "1", "--prefix", "oud-")
    assert done.exit_code == 0, done.output
    with _session(target) as db:
        slugs = set(db.scalars(sa.select(Community.slug)))
    assert slugs == {"algemeen", "oud-algemeen"}


def test_what_is_not_a_flaskbb_database_is_named(target: Flask, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sa.create_engine(f"sqlite:///{empty}").dispose()
    done = run(target, "import-flaskbb", f"sqlite:///{empty}")
    assert done.exit_code == 1
    assert "Cannot read a FlaskBB database" in done.output
    assert "Traceback" not in done.output
    missing = run(
        target, "import-flaskbb", "sqlite:///" + str(tmp_path / "nothing.db"), "--forum", "9"
    )
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output
