"""A community moves between sites: ``flask civicforum export`` and ``import``.

Each test runs the real commands against real databases of the kind under test; the
round trips compare whole files, record by record.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from jsonschema import Draft202012Validator

from civicforum.demo import load_demo_data
from civicforum.extension import state
from civicforum.moving.reading import schema

from . import movingworld
from .conftest import forum_app, fresh_database

PG_ENV = "CIVICFORUM_TEST_DATABASE_URL"


@contextmanager
def site(folder: Path, server: str | None = None, **config: Any) -> Iterator[Flask]:
    """A forum with its tables on a fresh database of the kind under test (or ``server``)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (
        fresh_database(folder, server, tables=True) as url,
        forum_app(url, folder / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en", **config) as app,
    ):
        yield app


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["civicforum", *args])


def lines_of(path: Path) -> list[dict[str, Any]]:
    opener: Callable[..., Any] = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def records(path: Path) -> list[dict[str, Any]]:
    """Every record after the manifest."""
    return lines_of(path)[1:]


def table_counts(app: Flask) -> dict[str, int]:
    engine = state(app).engine
    names = sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {
            name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0
            for name in names
            if name.startswith("cf_")
        }


def with_demo(app: Flask) -> None:
    with app.app_context(), state(app).session_factory() as db:
        load_demo_data(db, limits=movingworld.LIMITS)


def with_everything(app: Flask) -> None:
    with app.app_context(), state(app).session_factory() as db:
        movingworld.build(db)


# -- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["leesclub", "digitale-hulp", "mantelzorgers"])
def test_the_demo_communities_survive_a_round_trip(tmp_path: Path, slug: str) -> None:
    with site(tmp_path / "a") as old:
        with_demo(old)
        first = tmp_path / "first.jsonl.gz"
        done = run(old, "export", slug, "--out", str(first))
        assert done.exit_code == 0, done.output
    with site(tmp_path / "b") as new:
        done = run(new, "import", str(first))
        assert done.exit_code == 0, done.output
        assert f"Imported community {slug!r}" in done.output
        again = tmp_path / "again.jsonl"
        assert run(new, "export", slug, "--out", str(again)).exit_code == 0
    assert records(again) == records(first)
    one, two = lines_of(first)[0], lines_of(again)[0]
    for key in ("exported_at", "source"):
        one.pop(key), two.pop(key)
    assert one == two


@pytest.mark.parametrize("accounts", [False, True], ids=["pseudonymous", "with-accounts"])
def test_a_community_using_every_feature_survives_a_round_trip(
    tmp_path: Path, accounts: bool
) -> None:
    flags = ["--with-accounts"] if accounts else []
    with site(tmp_path / "a") as old:
        with_everything(old)
        first = tmp_path / "first.jsonl"
        assert run(old, "export", "leesclub", "--out", str(first), *flags).exit_code == 0
    kinds = {record["kind"] for record in records(first)}
    assert kinds == {
        "community",
        "permalinks",
        "house_rule",
        "help_resource",
        "member",
        "topic",
        "post",
        "decision",
        "event_organiser",
        "event",
    }
    posts = [r for r in records(first) if r["kind"] == "post"]
    assert any(len(p["revisions"]) == 2 and p["author_warning"] == "Spoilers" for p in posts)
    assert any(p["deleted_at"] for p in posts) and any(p["hidden_at"] for p in posts)
    events = [r for r in records(first) if r["kind"] == "event"]
    members = [r for r in records(first) if r["kind"] == "member"]
    if accounts:
        assert sum(len(e["answers"]) for e in events) == 3
        assert any(m["account"]["identities"] for m in members)
        assert all(m["account"]["email"] for m in members)
    else:
        assert all("answers" not in e for e in events)
        assert all("account" not in m for m in members)
        text = first.read_text(encoding="utf-8")
        assert "@example" not in text.replace("bibliotheek.example", "")
        assert "argon2" not in text and "sub-4711" not in text
    with site(tmp_path / "b") as new:
        done = run(new, "import", str(first))
        assert done.exit_code == 0, done.output
        again = tmp_path / "again.jsonl"
        assert run(new, "export", "leesclub", "--out", str(again), *flags).exit_code == 0
    assert records(again) == records(first)


@pytest.mark.skipif(not __import__("os").environ.get(PG_ENV), reason="needs PostgreSQL")
def test_a_community_moves_from_sqlite_to_postgresql(tmp_path: Path) -> None:
    with site(tmp_path / "a", server="") as old:
        assert state(old).engine.dialect.name == "sqlite"
        with_everything(old)
        first = tmp_path / "first.jsonl.gz"
        assert run(old, "export", "leesclub", "--out", str(first), "--with-accounts").exit_code == 0
    with site(tmp_path / "b") as new:
        assert state(new).engine.dialect.name == "postgresql"
        done = run(new, "import", str(first))
        assert done.exit_code == 0, done.output
        again = tmp_path / "again.jsonl"
        assert run(new, "export", "leesclub", "--out", str(again), "--with-accounts").exit_code == 0
    assert records(again) == records(first)


def test_every_line_is_valid_against_the_shipped_schema(tmp_path: Path) -> None:
    with site(tmp_path / "a") as old:
        with_everything(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out), "--with-accounts").exit_code == 0
    Draft202012Validator.check_schema(schema())
    validator = Draft202012Validator(schema())
    for number, line in enumerate(lines_of(out), start=1):
        errors = list(validator.iter_errors(line))
        assert not errors, f"line {number}: {errors[0].message}"
    # ... and the schema does refuse: a post without its topic.
    post = next(line for line in lines_of(out) if line["kind"] == "post")
    del post["topic"]
    assert not validator.is_valid(post)


# -- into a site that has its own life -----------------------------------------------------


def test_an_import_beside_other_communities_keeps_authorship_dates_and_links(
    tmp_path: Path,
) -> None:
    with site(tmp_path / "a") as old:
        with_demo(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out)).exit_code == 0
    exported = records(out)
    with site(tmp_path / "b", CIVICFORUM_SITE_URL="https://nieuw.example/") as new:
        with_demo(new)  # the same names, ids and a community called leesclub exist here
        refused = run(new, "import", str(out))
        assert refused.exit_code != 0
        assert "exists on this site already" in refused.output and "--as" in refused.output
        assert "Traceback" not in refused.output
        redirects = tmp_path / "redirects.txt"
        done = run(new, "import", str(out), "--as", "leesclub-oud", "--redirects", str(redirects))
        assert done.exit_code == 0, done.output
        assert "is taken here" in done.output  # the demo names exist here already
        client = new.test_client()
        page = client.get("/forum/c/leesclub-oud/")
        assert page.status_code == 200
        topic = next(r for r in exported if r["kind"] == "topic")
        assert topic["title"] in page.get_data(as_text=True)
        # Old permalinks point to the new pages, whose ids moved past this site's own.
        mapping = dict(line.split(" ", 1) for line in redirects.read_text().splitlines())
        old_topic = f"/forum/t/{topic['id']}/"
        new_url = mapping[old_topic]
        assert new_url.startswith("https://nieuw.example/forum/t/") and new_url != (
            "https://nieuw.example" + old_topic
        )
        shown = client.get(new_url.removeprefix("https://nieuw.example"))
        assert shown.status_code == 200
        body = shown.get_data(as_text=True)
        post = next(r for r in exported if r["kind"] == "post" and r["topic"] == topic["id"])
        author = next(r for r in exported if r["kind"] == "member" and r["id"] == post["author"])
        assert author["display_name"] in body  # kept, perhaps with a number added
        assert mapping["/forum/c/leesclub/"] == "https://nieuw.example/forum/c/leesclub-oud/"


def test_importing_the_same_file_twice_changes_nothing_and_says_so(tmp_path: Path) -> None:
    with site(tmp_path / "a") as old:
        with_demo(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out)).exit_code == 0
    with site(tmp_path / "b") as new:
        assert run(new, "import", str(out)).exit_code == 0
        before = table_counts(new)
        second = run(new, "import", str(out))
        assert second.exit_code == 0
        assert "was imported before" in second.output and "nothing changed" in second.output
        assert table_counts(new) == before


def test_the_search_index_is_rebuilt_after_an_import(tmp_path: Path) -> None:
    with site(tmp_path / "a") as old:
        with_demo(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out)).exit_code == 0
    post = next(r for r in records(out) if r["kind"] == "post" and len(r["body"]) > 40)
    word = max(post["body"].split(), key=len).strip(".,!?*\"'()")
    with site(tmp_path / "b") as new:
        assert run(new, "import", str(out)).exit_code == 0
        client = new.test_client()
        before = client.get("/forum/search", query_string={"q": word}).get_data(as_text=True)
        assert "No results" in before or "being rebuilt" in before or "0 results" in before
        state(new).tasks.run_pending()  # the worker's turn: the queued rebuild
        found = client.get("/forum/search", query_string={"q": word})
        assert found.status_code == 200
        page = found.get_data(as_text=True)
        shown = re.search(r'role="status">(\d+) results?', page)
        assert shown and int(shown.group(1)) >= 1, page


def test_events_need_the_events_plugin_on_the_new_site(tmp_path: Path) -> None:
    with site(tmp_path / "a") as old:
        with_everything(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out)).exit_code == 0
    with site(tmp_path / "b", CIVICFORUM_PLUGINS=["search"]) as new:
        before = table_counts(new)
        refused = run(new, "import", str(out))
        assert refused.exit_code != 0
        assert "need the events plugin, which is off on this site" in refused.output
        assert table_counts(new) == before


def test_with_accounts_people_who_have_an_account_here_keep_it(tmp_path: Path) -> None:
    """A move between two sites of one institution: the same people, the same accounts."""
    from civicforum.forum.models import Community, Post, Topic
    from civicforum.identity.models import LocalAccount, Member

    with site(tmp_path / "a") as old:
        with_demo(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out), "--with-accounts").exit_code == 0
    with site(tmp_path / "b") as new:
        with_demo(new)  # the same demo people, with the same addresses
        members_before = table_counts(new)["cf_member"]
        done = run(new, "import", str(out), "--as", "leesclub-2")
        assert done.exit_code == 0, done.output
        assert "(the same account)" in done.output and "is taken here" not in done.output
        assert table_counts(new)["cf_member"] == members_before
        with state(new).session_factory() as db:
            moved = db.scalars(sa.select(Community).where(Community.slug == "leesclub-2")).one()
            authors = set(
                db.scalars(
                    sa.select(Post.author_id)
                    .join(Topic, Topic.id == Post.topic_id)
                    .where(Topic.community_id == moved.id, Post.author_id.is_not(None))
                )
            )
            accounts = set(db.scalars(sa.select(LocalAccount.member_id)))
            assert authors and authors <= accounts  # written by the accounts that were here
            assert db.scalar(sa.select(sa.func.count()).select_from(Member)) == members_before


def test_a_big_import_renders_in_other_processes_to_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above PARALLEL_FROM posts, the HTML is made by other processes while this one
    writes: the same records and the same HTML as one process makes."""
    from civicforum.forum.models import Post
    from civicforum.moving import importing

    with site(tmp_path / "a") as old:
        with_everything(old)
        out = tmp_path / "leesclub.jsonl"
        assert run(old, "export", "leesclub", "--out", str(out)).exit_code == 0
        with state(old).session_factory() as db:
            html = dict(db.execute(sa.select(Post.id, Post.body_html)).all())
    monkeypatch.setattr(importing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(importing, "BATCH", 3)  # several batches in flight
    with site(tmp_path / "b") as new:
        done = run(new, "import", str(out))
        assert done.exit_code == 0, done.output
        again = tmp_path / "again.jsonl"
        assert run(new, "export", "leesclub", "--out", str(again)).exit_code == 0
        with state(new).session_factory() as db:
            imported = dict(db.execute(sa.select(Post.id, Post.body_html)).all())
    assert records(again) == records(out)
    assert imported == {post_id: html[post_id] for post_id in imported}
