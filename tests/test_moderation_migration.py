"""The moderation revision, up and down, on a database that already holds posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civicforum import migrate
from civicforum.db import make_engine

BEFORE = "43624a5d00eb"
MODERATION = "1560483a944d"
TABLES = {
    "cf_house_rule",
    "cf_moderation_settings",
    "cf_report",
    "cf_moderation_decision",
    "cf_appeal",
    "cf_help_resource",
    "cf_moderation_message",
}


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def test_existing_posts_stay_published_and_downgrading_keeps_them(engine: Engine) -> None:
    migrate.upgrade(engine, BEFORE)
    moment = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cf_community (id, slug, name, description, description_html, "
                "house_rules, house_rules_html, visibility, join_policy, min_post_level, created_at) "
                "VALUES (1, 'leesclub', 'Leesclub', '', '', '', '', 'public', 'open', 1, :at)"
            ),
            {"at": moment},
        )
        connection.execute(
            sa.text(
                "INSERT INTO cf_topic (id, community_id, title, publish_as, is_locked, created_at, "
                "last_posted_at, post_count) VALUES (1, 1, 'Boeken', 'pseudonym', :f, :at, :at, 1)"
            ),
            {"at": moment, "f": False},
        )
        connection.execute(
            sa.text(
                "INSERT INTO cf_post (id, topic_id, body, body_html, publish_as, created_at) "
                "VALUES (1, 1, 'Hallo', '<p>Hallo</p>', 'pseudonym', :at)"
            ),
            {"at": moment},
        )

    migrate.upgrade(engine, MODERATION)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        post = connection.execute(
            sa.text("SELECT held, hidden_at, content_warning FROM cf_post WHERE id = 1")
        ).one()
        topic_held = connection.execute(sa.text("SELECT held FROM cf_topic WHERE id = 1")).scalar()
    assert (bool(post.held), post.hidden_at, post.content_warning) == (False, None, None)
    assert not topic_held

    migrate.downgrade(engine, BEFORE)
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    assert not {"held", "hidden_at", "content_warning"} & columns(engine, "cf_post")
    assert "held" not in columns(engine, "cf_topic")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT body FROM cf_post")).scalars().all() == ["Hallo"]
