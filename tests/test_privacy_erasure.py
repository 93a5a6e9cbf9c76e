"""Erasing a member (GDPR Article 17): from their settings page after showing it is them,
or by a site administrator from the command line. Afterwards no table holds anything
that identifies them (and, when they chose so, none of their words), threads stay
readable, the moderation record stays without personal data, and a place they held at
an event goes to the first person waiting."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum.models import Community, Post, Topic
from civicforum.i18n import translations
from civicforum.identity.models import ExternalIdentity, IdentityLevel, Member
from civicforum.identity.providers import HOST_SEEN_KEY
from civicforum.identity.services import new_member
from civicforum.moderation.models import REDACTED, Appeal, Decision, Report
from civicforum.plugins.events.models import EventNotice, NoticeKind, Rsvp
from civicforum.privacy import export
from civicforum.privacy.erasure import erase_member

from .conftest import PG_ENV, forum_app, make_host_app
from .helpers import FrozenClock, form_token, sign_in
from .privacyworld import (
    OTHER_REPLY,
    OTHER_TEXT,
    OWN_TEXTS,
    PASSWORD,
    SHOWN_NAME,
    PrivacyWorld,
    made_export,
    privacy_world,
    scan,
    signed_in_freshly,
    tables_with_rows,
)

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
PROVIDERS = {
    "voorbeeldid": {
        "title": "Voorbeeld-ID",
        "discovery_url": "https://login.example.org/.well-known/openid-configuration",
        "client_id": "forum",
        "client_secret": "not-a-real-secret",
    }
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    # On PostgreSQL the search index is a table too, and the scan reads it.
    backend = "postgresql" if os.environ.get(PG_ENV) else "whoosh"
    return {
        "CIVICFORUM_DEFAULT_LANGUAGE": "en",
        "CIVICFORUM_OIDC_PROVIDERS": PROVIDERS,
        "CIVICFORUM_SEARCH_BACKEND": backend,
    }


@pytest.fixture
def world(db: Session, make_community: Callable[..., Community]) -> PrivacyWorld:
    return privacy_world(db, make_community)


def count(db: Session, model: type[Base]) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def erase(app: Flask, db: Session, member: Member, *, keep_posts: bool) -> None:
    with app.app_context():
        erase_member(db, member, keep_posts=keep_posts, folder=export.exports_folder(app))


def exists(db: Session, member_id: int) -> bool:
    return db.scalar(select(Member.id).where(Member.id == member_id)) is not None


def erase_page(client: FlaskClient, headers: dict[str, str] = EN) -> str:
    page = client.get("/forum/account/delete", headers=headers)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def submit_erasure(client: FlaskClient, **fields: str) -> Any:
    token = form_token(erase_page(client))
    return client.post(
        "/forum/account/delete", data={"csrf_token": token, **fields}, headers=EN
    )


def snapshot(app: Flask) -> dict[str, int]:
    """How many rows every table has: what "nothing changed" is checked against."""
    import sqlalchemy as sa

    engine = state(app).engine
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0
            for t in metadata.tables.values()
        }


# -- nothing personal remains --------------------------------------------------------------


@pytest.mark.parametrize("choice", ["delete", "keep"])
def test_after_erasure_no_table_holds_anything_of_the_member(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld, choice: str
) -> None:
    engine = state(app).engine
    made_export(app, db, world.member)
    folder = export.exports_folder(app)
    assert list(folder.glob("*.zip"))
    member_id = world.member.id
    needles = world.identifiers + (list(OWN_TEXTS.values()) if choice == "delete" else [])
    # The scan finds what it looks for, before: in every kind of table the world uses.
    before = {hit.table for hit in scan(engine, member_id, needles)}
    assert {
        "cf_member",
        "cf_local_account",
        "cf_external_identity",
        "cf_member_preferences",
        "cf_post",
        "cf_report",
        "cf_moderation_decision",
        "cf_appeal",
        "cf_item_dispute",
        "cf_event_rsvp",
        "cf_data_export",
        "cf_digest_log",
    } <= before
    if os.environ.get(PG_ENV):
        assert "cf_search_document" in before
    decisions, reports_made = count(db, Decision), count(db, Report)

    signed_in_freshly(client, world.member)
    answer = submit_erasure(client, posts=choice, password=PASSWORD)
    assert answer.status_code == 303
    state(app).tasks.run_pending(retries_too=True)

    assert scan(engine, member_id, needles) == []
    assert not exists(db, member_id)
    assert not list(folder.glob("*.zip"))
    # The moderation record stays, without them.
    assert (count(db, Decision), count(db, Report)) == (decisions, reports_made)
    decision = db.get(Decision, world.decision.id)
    assert decision is not None and decision.member_id is None
    assert (decision.explanation, decision.facts) == (REDACTED, REDACTED)
    assert (decision.measure, decision.rule_number) == ("hide_post", 1)
    appeal = db.scalars(select(Appeal)).one()
    assert (appeal.appellant_id, appeal.statement, appeal.outcome) == (None, REDACTED, "upheld")
    # Others keep what is theirs.
    others = db.scalars(select(Post.body).where(Post.author_id == world.other.id)).all()
    assert OTHER_TEXT in others and OTHER_REPLY in others
    # The signed-out browser is told, once.
    done = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Your account is deleted" in done
    assert client.get("/forum/account/deleted", headers=EN).status_code == 302
    assert "My settings" not in client.get("/forum/", headers=EN).get_data(as_text=True)


def test_kept_posts_read_as_by_a_former_member(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    erase(app, db, world.member, keep_posts=True)
    for headers, words in ((EN, "former member"), (NL, translations("nl").ugettext("former member"))):
        page = client.get(f"/forum/t/{world.others_topic.id}/", headers=headers)
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert OWN_TEXTS["reply"] in text and OTHER_TEXT in text
        assert words in text
    assert words != "former member"
    shared = client.get(f"/forum/t/{world.topic_shared.id}/", headers=EN).get_data(as_text=True)
    assert OWN_TEXTS["topic_shared"] in shared


def test_deleted_posts_keep_threads_readable(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    erase(app, db, world.member, keep_posts=False)
    others = client.get(f"/forum/t/{world.others_topic.id}/", headers=EN)
    text = others.get_data(as_text=True)
    assert others.status_code == 200
    assert OTHER_TEXT in text and OTHER_REPLY in text
    assert OWN_TEXTS["reply"] not in text
    # A topic another member replied to stays, under a neutral title, with the reply.
    shared = client.get(f"/forum/t/{world.topic_shared.id}/", headers=EN).get_data(as_text=True)
    assert "Topic of a former member" in shared and "Gerrit reageert" in shared
    assert OWN_TEXTS["topic_shared"] not in shared
    # One only they wrote in is gone.
    assert client.get(f"/forum/t/{world.topic_alone.id}/", headers=EN).status_code == 404
    assert db.get(Topic, world.topic_alone.id) is None


def test_a_place_they_held_goes_to_the_first_person_waiting(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    waiting = db.scalars(select(Rsvp).where(Rsvp.member_id == world.waiting.id)).one()
    assert waiting.waiting and waiting.position == 1
    erase(app, db, world.member, keep_posts=True)
    db.expire_all()
    waiting = db.scalars(select(Rsvp).where(Rsvp.member_id == world.waiting.id)).one()
    assert (waiting.answer, waiting.waiting, waiting.position) == ("going", False, None)
    notice = db.scalars(select(EventNotice).where(EventNotice.member_id == world.waiting.id)).one()
    assert (notice.event_id, notice.kind) == (world.full_event.id, NoticeKind.PROMOTED)
    assert db.scalars(select(Rsvp.member_id)).all() == [world.waiting.id]


# -- showing it is them -------------------------------------------------------------------


def test_the_page_says_what_happens_in_both_languages_and_proposes_the_sites_choice(
    client: FlaskClient, world: PrivacyWorld
) -> None:
    visitor = client.get("/forum/account/delete", headers=EN)
    assert visitor.status_code == 302 and "/account/sign-in" in visitor.headers["Location"]
    sign_in(client, world.member)
    page = erase_page(client)
    assert "Deleting your account cannot be undone" in page
    assert re.search(r'<input checked[^>]*name="posts"[^>]*value="delete"', page)
    assert 'name="password"' in page and 'name="csrf_token"' in page
    assert client.get("/forum/account/delete", headers=NL).status_code == 200


def test_a_site_may_propose_keeping_the_posts(database_url: str, tmp_path: Path) -> None:
    from civicforum.identity.services import register_local_account

    with forum_app(database_url, tmp_path / "site", CIVICFORUM_ERASURE_KEEPS_POSTS=True) as app:
        with state(app).session_factory() as db:
            member = register_local_account(
                db, email="ans@example.org", password=PASSWORD, display_name="Ans"
            )
        client = app.test_client()
        sign_in(client, member)
        page = client.get("/forum/account/delete", headers=EN).get_data(as_text=True)
        assert re.search(r'<input checked[^>]*name="posts"[^>]*value="keep"', page)


def test_a_wrong_password_changes_nothing(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    sign_in(client, world.member)
    before = snapshot(app)
    refused = submit_erasure(client, posts="delete", password="not my password")
    assert refused.status_code == 422
    assert "That is not your password. Nothing was deleted." in refused.get_data(as_text=True)
    missing = submit_erasure(client, posts="delete")
    assert missing.status_code == 422
    bogus = submit_erasure(client, posts="everything", password=PASSWORD)
    assert bogus.status_code == 422
    assert "Choose what happens to your posts." in bogus.get_data(as_text=True)
    forged = client.post(
        "/forum/account/delete",
        data={"csrf_token": "forged", "posts": "delete", "password": PASSWORD},
        headers=EN,
    )
    assert forged.status_code == 400
    assert snapshot(app) == before
    assert exists(db, world.member.id)


def test_wrong_passwords_are_limited_like_sign_ins(
    app: Flask, client: FlaskClient, world: PrivacyWorld
) -> None:
    sign_in(client, world.member)
    for _ in range(5):
        assert submit_erasure(client, posts="delete", password="guess").status_code == 422
    limited = submit_erasure(client, posts="delete", password=PASSWORD)
    assert limited.status_code == 429


def provider_member(db: Session) -> Member:
    """A member who only ever signed in through an identity provider."""
    member = new_member(db, "Alleen Provider", IdentityLevel.VERIFIED)
    member.identities.append(ExternalIdentity(provider="oidc:voorbeeldid", subject="sub-42"))
    db.commit()
    return member


def test_without_a_password_a_recent_sign_in_is_needed(
    app: Flask, client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    member = provider_member(db)
    sign_in(client, member)  # a session without a known moment of sign-in
    page = erase_page(client)
    assert "first sign in again" in page
    assert "Sign in again with Voorbeeld-ID" in page
    assert "/forum/account/oidc/voorbeeldid/sign-in?next=" in page
    before = snapshot(app)
    assert submit_erasure(client, posts="delete").status_code == 403
    signed_in_freshly(client, member, minutes_ago=11)
    stale = submit_erasure(client, posts="delete")
    assert stale.status_code == 403
    assert "first sign in again" in stale.get_data(as_text=True)
    assert snapshot(app) == before
    other_browser = app.test_client()
    sign_in(other_browser, member)
    signed_in_freshly(client, member, minutes_ago=2)
    clock.advance(minutes=1)
    assert submit_erasure(client, posts="keep").status_code == 303
    assert not exists(db, member.id)
    # Someone new, who may get the same id (SQLite reuses the highest): the erased
    # member's session in another browser does not fit them.
    db.expunge_all()
    newcomer = provider_member(db)
    page = other_browser.get("/forum/account/settings", headers=EN)
    assert page.status_code == 302 and "/account/sign-in" in page.headers["Location"]
    assert newcomer.id > 0


def test_a_member_of_the_hosts_login_needs_a_recent_sign_in_there(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    host = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en")
    signed_in: list[tuple[str, str]] = [("lib-77", "Lezer van de bieb")]
    CivicForum(host, host_identity=lambda: signed_in[0] if signed_in else None)
    Base.metadata.create_all(state(host).engine)
    client = host.test_client()
    assert "Delete your account?" in client.get("/forum/account/delete").get_data(as_text=True)
    with state(host).session_factory() as db:
        first = db.scalars(select(Member.created_at)).one()
    clock.advance(minutes=11)
    page = client.get("/forum/account/delete").get_data(as_text=True)
    assert "first sign in again" in page and "Sign out of Forum and sign in again" in page
    signed_in.clear()  # the host signs them out, and in again
    client.get("/forum/")
    with client.session_transaction() as flask_session:
        assert HOST_SEEN_KEY not in flask_session
    signed_in.append(("lib-77", "Lezer van de bieb"))
    token = form_token(client.get("/forum/account/delete").get_data(as_text=True))
    done = client.post("/forum/account/delete", data={"csrf_token": token, "posts": "delete"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "You are still signed in at Forum" in page
    # Still signed in at the host, the person is someone new to the forum now.
    with state(host).session_factory() as db:
        assert first not in db.scalars(select(Member.created_at)).all()


# -- the moderation record's narrow exception -----------------------------------------------


def test_decisions_allow_only_their_texts_to_be_removed(
    db: Session, world: PrivacyWorld
) -> None:
    decision = db.get(Decision, world.decision.id)
    assert decision is not None
    decision.explanation = "Een andere uitleg"
    with pytest.raises(ValueError, match="immutable; explanation"):
        db.flush()
    db.rollback()
    decision.explanation = REDACTED
    decision.facts = REDACTED
    db.commit()
    decision.facts = "terug"
    with pytest.raises(ValueError, match="immutable; facts"):
        db.flush()
    db.rollback()
    decision.measure = "ban"
    decision.explanation = REDACTED
    with pytest.raises(ValueError, match="immutable; measure"):
        db.flush()
    db.rollback()


# -- the command line ------------------------------------------------------------------------


def test_an_administrator_erases_a_member_from_the_command_line(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    runner = app.test_cli_runner()
    member_id = world.member.id
    unknown = runner.invoke(args=["civicforum", "members", "erase", "nobody@example.org", "--yes"])
    assert unknown.exit_code != 0 and "There is no member" in unknown.output
    asked = runner.invoke(
        args=["civicforum", "members", "erase", "kwikstaart@example.org", "--keep-posts"],
        input="n\n",
    )
    assert asked.exit_code != 0 and "Erase this member for good?" in asked.output
    assert exists(db, member_id)
    done = runner.invoke(
        args=["civicforum", "members", "erase", str(member_id), "--delete-posts", "--yes"]
    )
    assert done.exit_code == 0, done.output
    assert f"Erased member {member_id}." in done.output
    assert "posts deleted: 4" in done.output
    assert "topics deleted: 1; given a neutral title: 1" in done.output
    db.expire_all()
    assert not exists(db, member_id)
    assert scan(state(app).engine, member_id, [SHOWN_NAME, *OWN_TEXTS.values()]) == []
    again = runner.invoke(args=["civicforum", "members", "erase", str(member_id), "--yes"])
    assert again.exit_code != 0 and "There is no member" in again.output
    assert "cf_member" in tables_with_rows(state(app).engine)
