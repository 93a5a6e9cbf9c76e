"""Pages kept for visitors: handed out again without rendering, never after a write.

A kept page is seen in the statements a request sends through SQLAlchemy: none (the page
generation is read on the driver's own connection) instead of the page's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.errors import ConfigError
from civicforum.forum import services as forum_services
from civicforum.forum.models import Post, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.moderation import measures
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import Measure
from civicforum.pagecache.pages import PageStore
from civicforum.privacy import export
from civicforum.privacy.erasure import erase_member

from .conftest import LIMITS, forum_app, make_host_app
from .helpers import ModerationWorld, actor_of, moderation_world, sign_in
from .test_posting import preview_then_publish
from .test_query_counts import counting

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


def visit(app: Flask, client: FlaskClient, url: str, **headers: str) -> tuple[str, int]:
    """The page a visitor gets, and how many statements it took."""
    with counting(app) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True), len(statements)


def kept_page(app: Flask, url: str) -> tuple[FlaskClient, str]:
    """A visitor who has read ``url`` twice: rendered the first time, kept the second."""
    visitor = app.test_client()
    page, rendering = visit(app, visitor, url)
    again, kept = visit(app, visitor, url)
    assert again == page and rendering > 0 and kept == 0, (rendering, kept)
    return visitor, page


def kept_with_reply(
    app: Flask, db: Session, world: ModerationWorld, member: Member, body: str
) -> tuple[FlaskClient, str]:
    """A reply by ``member`` on the world's topic, and a visitor who was kept its page
    (with the reply on it); the page's address."""
    reply(db, world.topic, member, body)
    url = f"/forum/t/{world.topic.id}/"
    visitor, page = kept_page(app, url)
    assert body in page
    return visitor, url


def reply(db: Session, topic: Topic, member: Member, body: str) -> None:
    forum_services.reply(
        db,
        actor_of(db, member),
        topic,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=body,
        limits=LIMITS,
    )


PAGES = ["/forum/", "/forum/c/leesclub/", "/forum/t/{topic}/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_gets_the_same_page_again_without_it_being_rendered(
    app: Flask, world: ModerationWorld, path: str
) -> None:
    url = path.format(topic=world.topic.id)
    visitor, other = app.test_client(), app.test_client()
    first, rendering = visit(app, visitor, url)
    again, kept = visit(app, other, url)
    assert again == first
    assert rendering > 0 and kept == 0, (rendering, kept)
    assert other.get_cookie("session") is None, "a kept page must not start a session"


def test_a_reply_shows_at_once_to_the_next_visitor(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    url = f"/forum/t/{world.topic.id}/"
    visitor, _ = kept_page(app, url)
    reply(db, world.topic, world.reader, "Ik lees mee, met plezier.")
    page, statements = visit(app, visitor, url)
    assert "Ik lees mee, met plezier." in page
    assert statements > 0, "the page was rendered again"
    assert visit(app, visitor, url)[1] == 0, "and then kept again"


def test_a_member_replying_through_the_pages_is_seen_by_visitors_at_once(
    app: Flask, client: FlaskClient, world: ModerationWorld
) -> None:
    url = f"/forum/t/{world.topic.id}/"
    visitor, _ = kept_page(app, url)
    sign_in(client, world.reader)
    _, published = preview_then_publish(
        client, f"/forum/t/{world.topic.id}/reply", body="Vanuit de browser geschreven."
    )
    assert published is not None and published.status_code == 302  # type: ignore[attr-defined]
    assert "Vanuit de browser geschreven." in visit(app, visitor, url)[0]


def test_a_post_hidden_by_a_moderator_is_gone_for_the_next_visitor(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    visitor, url = kept_with_reply(app, db, world, world.author, "Iets wat hier niet hoort.")
    post = db.scalars(select(Post).where(Post.body == "Iets wat hier niet hoort.")).one()
    measures.take_measure(
        db,
        actor_of(db, world.moderator),
        Measure.HIDE_POST,
        Target(post=post),
        Grounds(rule_id=world.rule.id, explanation="Dit is kwetsend voor andere leden."),
    )
    assert "Iets wat hier niet hoort." not in visit(app, visitor, url)[0]


def test_an_erased_members_words_are_gone_for_the_next_visitor(
    app: Flask, db: Session, world: ModerationWorld
) -> None:
    """Kept pages hold public pages with names and words; erasing a member is a write."""
    visitor, url = kept_with_reply(app, db, world, world.reader, "Bram leest liever Hella Haasse.")
    with app.app_context():
        erase_member(db, world.reader, keep_posts=False, folder=export.exports_folder(app))
    page, statements = visit(app, visitor, url)
    assert statements > 0 and "Hella Haasse" not in page
    assert "Ik lees De Avonden." in page


def test_a_write_by_another_process_makes_this_ones_pages_stale(
    app: Flask, database_url: str, tmp_path: Path, world: ModerationWorld
) -> None:
    """Two processes on one database (here two apps, each with its own kept pages)."""
    url = f"/forum/t/{world.topic.id}/"
    visitor, _ = kept_page(app, url)
    with forum_app(database_url, tmp_path / "other", create_tables=False) as other:
        session = other.extensions["civicforum"].session_factory()
        try:
            topic, reader = session.merge(world.topic), session.merge(world.reader)
            reply(session, topic, reader, "Geschreven op de andere machine.")
        finally:
            session.close()
    assert "Geschreven op de andere machine." in visit(app, visitor, url)[0]


def test_reading_alone_keeps_the_pages(
    app: Flask, client: FlaskClient, world: ModerationWorld
) -> None:
    url = f"/forum/t/{world.topic.id}/"
    visitor, _ = kept_page(app, url)
    sign_in(client, world.reader)
    for page in [url, "/forum/c/leesclub/", "/forum/", "/forum/search?q=avonden"]:
        assert client.get(page).status_code == 200
    assert visit(app, visitor, url)[1] == 0


def test_signed_in_members_get_their_own_page_and_it_is_not_kept(
    app: Flask, client: FlaskClient, world: ModerationWorld
) -> None:
    url = f"/forum/t/{world.topic.id}/"
    visitor = app.test_client()
    visitors_page, _ = visit(app, visitor, url)
    sign_in(client, world.reader)
    members_page, statements = visit(app, client, url)
    assert members_page != visitors_page
    assert 'name="body"' in members_page and 'name="body"' not in visitors_page
    assert statements > 0
    assert 'name="body"' not in visit(app, app.test_client(), url)[0]


def test_each_language_has_its_own_kept_page(app: Flask, world: ModerationWorld) -> None:
    url = "/forum/c/leesclub/"
    dutch, _ = visit(app, app.test_client(), url)
    english, _ = visit(app, app.test_client(), url, **EN)
    assert 'lang="nl"' in dutch and 'lang="en"' in english
    assert visit(app, app.test_client(), url, **EN) == (english, 0)
    assert visit(app, app.test_client(), url) == (dutch, 0)


def test_a_page_with_a_form_token_is_never_kept(database_url: str, tmp_path: Path) -> None:
    """A host whose layout has a form (a language button) asks for a token every page:
    the session then holds it, and such a page is the visitor's own."""
    host = make_host_app(database_url, tmp_path)
    template = tmp_path / "templates" / "layout.html"
    template.parent.mkdir()
    template.write_text(
        "<html><head><title>{% block title %}{% endblock %}</title>{% block head %}"
        "{% endblock %}</head><body><form method=post><input name=csrf_token value='{{ csrf_token() }}'>"
        "</form>{% block content %}{% endblock %}</body></html>"
    )
    host.template_folder = str(template.parent)
    host.config["CIVICFORUM_BASE_TEMPLATE"] = "layout.html"
    CivicForum(host, url_prefix="/forum")
    try:
        first = host.test_client()
        first.get("/forum/")
        assert first.get_cookie("session") is not None
        _, statements = visit(host, host.test_client(), "/forum/")
        assert statements > 0, "a page holding a form token was handed to another visitor"
    finally:
        host.extensions["civicforum"].engine.dispose()


def test_a_page_the_host_marks_private_is_never_kept(
    database_url: str, tmp_path: Path, world: ModerationWorld
) -> None:
    from flask import Response

    host = make_host_app(database_url, tmp_path)
    CivicForum(host, url_prefix="/forum")

    @host.after_request
    def personal(response: Response) -> Response:
        response.cache_control.private = True
        return response

    try:
        url = f"/forum/t/{world.topic.id}/"
        visit(host, host.test_client(), url)
        assert visit(host, host.test_client(), url)[1] > 0
    finally:
        host.extensions["civicforum"].engine.dispose()


def test_the_hosts_signed_in_person_is_never_handed_a_kept_page(
    database_url: str, tmp_path: Path, world: ModerationWorld
) -> None:
    """A host that knows its people by something other than the session (a header from
    its single sign-on proxy, say)."""
    from flask import request

    def from_proxy() -> tuple[str, str] | None:
        name = request.headers.get("X-Remote-User")
        return (name, name.title()) if name else None

    host = make_host_app(database_url, tmp_path)
    CivicForum(host, url_prefix="/forum", host_identity=from_proxy)
    try:
        url = f"/forum/t/{world.topic.id}/"
        visit(host, host.test_client(), url)
        assert visit(host, host.test_client(), url)[1] == 0
        page, statements = visit(host, host.test_client(), url, **{"X-Remote-User": "sanne"})
        assert statements > 0 and "Sanne" in page
    finally:
        host.extensions["civicforum"].engine.dispose()


def test_kept_pages_grow_old(
    app: Flask, world: ModerationWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civicforum.pagecache import pages

    seconds = app.extensions["civicforum"].settings.page_cache_seconds
    moment = [1000.0]
    monkeypatch.setattr(pages.time, "monotonic", lambda: moment[0])
    url = f"/forum/t/{world.topic.id}/"
    visit(app, app.test_client(), url)
    moment[0] += seconds - 1
    assert visit(app, app.test_client(), url)[1] == 0
    moment[0] += 2
    assert visit(app, app.test_client(), url)[1] > 0


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_PAGE_CACHE_SECONDS": 0}])
def test_no_pages_are_kept_when_switched_off(
    app: Flask, app_config: dict[str, Any], world: ModerationWorld
) -> None:
    url = f"/forum/t/{world.topic.id}/"
    _, first = visit(app, app.test_client(), url)
    assert visit(app, app.test_client(), url)[1] == first


def test_the_pages_of_a_process_stay_within_their_memory() -> None:
    store = PageStore(seconds=60, megabytes=1)
    page = b"x" * 200_000
    store.get(7, ("page", 0))
    for n in range(8):
        store.put(7, ("page", n), page, ())
        store.get(7, ("page", 0))  # read again and again: kept
    assert store.size <= 1024 * 1024
    assert store.get(7, ("page", 0)) is not None
    assert store.get(7, ("page", 1)) is None, "the least recently read went first"
    assert store.get(7, ("page", 7)) is not None
    # A new generation: the store lets go of every page of the old one at once.
    assert store.get(8, ("page", 7)) is None
    assert store.size == 0
    store.put(7, ("page", 7), page, ())  # rendered before the write: not kept
    assert store.get(8, ("page", 7)) is None


@pytest.mark.parametrize(
    ("key", "value"),
    [("CIVICFORUM_PAGE_CACHE_SECONDS", -1), ("CIVICFORUM_PAGE_CACHE_MB", "lots")],
)
def test_a_wrong_setting_fails_at_start_up_naming_it(
    tmp_path: Path, key: str, value: object
) -> None:
    host = make_host_app("sqlite://", tmp_path, **{key: value})
    with pytest.raises(ConfigError, match=key):
        CivicForum(host, url_prefix="/forum")
