"""Posting and reporting limits per member, stricter for new members, through the real
pages: the refusal says when one can go on, and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community, Post
from civicforum.identity.models import Member
from civicforum.moderation.models import Report

from .helpers import ModerationWorld, add_member, form_token, moderation_world, sign_in
from .moderationpages import send, visible
from .test_posting import EN, preview_then_publish


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {
        "CIVICFORUM_POST_RATE_LIMIT": "3 per hour",
        "CIVICFORUM_NEW_MEMBER_POST_RATE_LIMIT": "1 per hour",
        "CIVICFORUM_REPORT_RATE_LIMIT": "2 per hour",
        "CIVICFORUM_NEW_MEMBER_REPORT_RATE_LIMIT": "1 per hour",
        "CIVICFORUM_NEW_MEMBER_DAYS": 7,
    }


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def settled(db: Session, member: Member) -> None:
    """A member who joined the forum a month ago."""
    member.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    db.commit()


def reply(client: FlaskClient, world: ModerationWorld, body: str) -> Any:
    return preview_then_publish(client, f"/forum/t/{world.topic.id}/reply", body=body)[1]


def posts(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Post.id))) or 0


def test_a_new_member_posts_less_often_and_is_told_when_again(
    client: FlaskClient, db: Session, world: ModerationWorld, make_member: Callable[..., Member]
) -> None:
    newcomer = make_member("Nieuweling")
    add_member(db, world.community, newcomer)
    sign_in(client, newcomer)
    assert reply(client, world, "Hallo allemaal.").status_code == 302
    before = posts(db)
    refused = reply(client, world, "Nog iets.")
    assert refused.status_code == 429
    page = visible(refused)
    assert "You have published a lot in a short time. You can post again at" in page
    assert "New members post a little less often in their first 7 days." in page
    assert "Nog iets." in page  # the text is kept in the form, not lost
    assert posts(db) == before


def test_members_and_moderators_have_their_own_pace(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    settled(db, world.reader)
    sign_in(client, world.reader)
    for n in range(3):
        assert reply(client, world, f"Bericht {n}.").status_code == 302
    refused = reply(client, world, "Bericht 3.")
    assert refused.status_code == 429
    assert "New members" not in visible(refused)
    # Another member is not held back by the reader's posts; nor are moderators.
    settled(db, world.author)
    sign_in(client, world.author)
    assert reply(client, world, "Ik mag nog.").status_code == 302
    sign_in(client, world.moderator)
    for n in range(5):
        assert reply(client, world, f"Moderator {n}.").status_code == 302


def test_a_form_sent_again_leads_to_its_post_and_is_not_counted_again(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    """A double click, or the browser's "send again", on the publish button."""
    settled(db, world.reader)  # three posts an hour
    sign_in(client, world.reader)
    url = f"/forum/t/{world.topic.id}/reply"
    page = client.get(url, headers=EN).get_data(as_text=True)
    data = {
        "csrf_token": form_token(page),
        "submission_token": form_token(page, "submission_token"),
        "publish_as": "pseudonym",
        "body": "Twee keer geklikt.",
        "preview": "1",
    }
    preview = client.post(url, data=data, headers=EN).get_data(as_text=True)
    del data["preview"]
    data.update(previewed=form_token(preview, "previewed"), publish="1")
    before = posts(db)
    first, again = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert posts(db) == before + 1
    # The one post counted once: two more fit in the hour, the third does not.
    assert reply(client, world, "Nummer twee.").status_code == 302
    assert reply(client, world, "Nummer drie.").status_code == 302
    assert reply(client, world, "Nummer vier.").status_code == 429


def test_reports_are_limited_per_member_and_per_visitor(
    client: FlaskClient, db: Session, world: ModerationWorld
) -> None:
    def report() -> Any:
        return send(
            client,
            f"/forum/c/leesclub/report?post={world.post.id}",
            {
                "about": "post",
                "ground": f"rule-{world.rule.id}",
                "category": "general",
                "explanation": "Kwetsend.",
                "location": "Hier.",
                "good_faith": "y",
            },
        )

    settled(db, world.reader)
    sign_in(client, world.reader)
    assert report().status_code == 302
    assert report().status_code == 302
    refused = report()
    assert refused.status_code == 429
    assert "You have sent many reports in a short time. You can send another at" in visible(refused)
    assert db.scalar(select(func.count(Report.id))) == 2
    # A signed-out visitor counts as new: one report an hour from one address.
    sign_in(client, None)
    assert report().status_code == 302
    assert report().status_code == 429
    assert db.scalar(select(func.count(Report.id))) == 3


def test_a_wrong_limit_stops_start_up_naming_the_key(tmp_path: Any, database_url: str) -> None:
    from civicforum import CivicForum, ConfigError

    from .conftest import make_host_app

    host = make_host_app(database_url, tmp_path, CIVICFORUM_POST_RATE_LIMIT="lots")
    with pytest.raises(ConfigError, match="CIVICFORUM_POST_RATE_LIMIT"):
        CivicForum(host)
