"""A member's copy of their data (GDPR Articles 15 and 20): asked for on the settings
page, made by a task of the forum's queue, a ZIP file valid against the schema the
package ships, with nothing of anyone else in it; downloadable by that member only, for
seven days; one at a time, also when asked for twice at once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.errors import TooSoon
from civicforum.extension import state
from civicforum.forum.models import Community
from civicforum.i18n import translations
from civicforum.identity.models import Member
from civicforum.privacy import export
from civicforum.privacy.models import DataExport, ExportStatus

from .helpers import FrozenClock, actor_of, form_token, sign_in
from .privacyworld import (
    DIGEST_EMAIL,
    EMAIL,
    OTHER_NAME,
    OTHER_REAL_NAME,
    OTHER_REPLY,
    OTHER_TEXT,
    OTHER_TITLE,
    OWN_TEXTS,
    REAL_NAME,
    SHOWN_NAME,
    SUBJECT,
    PrivacyWorld,
    made_export,
    privacy_world,
    zip_texts,
)

EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"CIVICFORUM_DEFAULT_LANGUAGE": "en"}


@pytest.fixture
def world(db: Session, make_community: Callable[..., Community]) -> PrivacyWorld:
    return privacy_world(db, make_community)


def schema() -> dict[str, Any]:
    """The schema as the installed package ships it."""
    text = resources.files("civicforum.privacy").joinpath("member-export.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def exports_of(db: Session, member_id: int) -> list[DataExport]:
    db.expire_all()
    query = select(DataExport).where(DataExport.member_id == member_id).order_by(DataExport.id)
    return list(db.scalars(query))


# -- what the copy holds ---------------------------------------------------------------


def test_the_copy_holds_the_members_data_and_is_valid_against_the_shipped_schema(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    files = zip_texts(made_export(app, db, world.member))
    document = json.loads(files["member.json"])
    Draft202012Validator.check_schema(schema())
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert sorted(e.message for e in validator.iter_errors(document)) == []

    assert {"README.txt", "member.json", "events.ics"} <= set(files)
    profile = document["profile"]
    assert (profile["shown_name"], profile["real_name"]) == (SHOWN_NAME, REAL_NAME)
    assert document["account"]["email"] == EMAIL
    assert document["preferences"]["digest_email"] == DIGEST_EMAIL
    assert document["preferences"]["digest"] == "weekly"
    assert [s["provider"] for s in document["sign_ins"]] == ["voorbeeldid"]
    assert [a["key"] for a in profile["attributes"]] == ["patient-member"]
    assert document["follows"]["communities"][0]["community"]["slug"] == "polder"
    assert document["follows"]["topics"][0]["topic_id"] == world.others_topic.id
    assert {m["community"]["slug"]: m["role"] for m in document["memberships"]} == {
        "polder": "member",
        "digitale-hulp": "editor",
    }
    # Posts: an overview in member.json, each text as Markdown and HTML, earlier too.
    assert len(document["posts"]) == 4
    assert {t["title"] for t in document["topics"]} == {
        OWN_TEXTS["topic_alone"],
        OWN_TEXTS["topic_shared"],
    }
    edited = next(p for p in document["posts"] if p["earlier_versions"])
    base = f"posts/post-{edited['id']}"
    assert OWN_TEXTS["edited_after"] in files[f"{base}.md"]
    assert files[f"{base}.md"].startswith("---\nid: ")
    assert OWN_TEXTS["edited_before"] in files[f"{base}.version-1.md"]
    assert OWN_TEXTS["edited_before"] in files[f"{base}.version-1.html"]
    assert "<!DOCTYPE html>" in files[f"{base}.html"]
    for topic in document["topics"]:
        assert all(name in files for name in topic["files"])
    # Moderation: their report, the decision about them with its reasons and their appeal.
    assert [r["explanation"] for r in document["reports"]] == [OWN_TEXTS["report"]]
    assert document["reports"][0]["rule"] == {"number": 1, "title": "Wees vriendelijk"}
    (decision,) = document["decisions"]
    assert decision["measure"] == "hide_post"
    assert OWN_TEXTS["topic_shared_body"] in decision["explanation"]
    assert decision["appeal"]["statement"] == OWN_TEXTS["appeal"]
    assert decision["appeal"]["outcome"] == "upheld"
    assert document["messages_from_moderators"][0]["text"].startswith("Dag ")
    # Their editing, their question to the editors, their digests, their events.
    information = document["trusted_information"]
    assert [i["id"] for i in information["items"]] == [world.own_item.id]
    assert information["revisions"][0]["sources"][0]["citation"] == "Rijksoverheid, DigiD"
    assert {s["action"] for s in information["steps"]} >= {"create", "submit", "dispute"}
    assert information["questions"][0]["question"] == OWN_TEXTS["question"]
    assert document["digests"][0]["period"] == "w:2026-W01"
    answers = document["plugins"]["events"]["answers"]
    assert sorted((a["title"], a["answer"], a["waiting_list"]) for a in answers) == [
        ("Leesavond", "maybe", False),
        ("Vogelexcursie", "going", False),
    ]
    calendar = Calendar.from_ical(files["events.ics"])
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == [
        "Leesavond",
        "Vogelexcursie",
    ]
    assert "member.json" in files["README.txt"] and "events.ics" in files["README.txt"]


def test_the_copy_holds_nothing_of_another_person(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    """Gerrit started the topic Kwikstaart replied to, replied himself, and reported
    Kwikstaart; the moderators decided. None of their names or words are in the copy,
    nor the subject id of the linked sign-in."""
    files = zip_texts(made_export(app, db, world.member))
    everything = "\n".join(files.values()).casefold()
    others = [
        OTHER_NAME,
        OTHER_REAL_NAME,
        OTHER_TITLE,
        OTHER_TEXT,
        OTHER_REPLY,
        "gerrit@example.org",
        "Gerrit reageert",
        f"{SHOWN_NAME} schreef iets naars",  # Gerrit's report about Kwikstaart
        "Moderator Femke",
        "Moderator Joost",
        "Redacteur Ingrid",
        "Wachtende Wim",
        SUBJECT,
    ]
    assert [text for text in others if text.casefold() in everything] == []
    assert OWN_TEXTS["reply"].casefold() in everything  # the scan does read the files


def test_the_copy_is_in_the_members_language(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    files = zip_texts(made_export(app, db, world.member))  # asked for in Dutch
    document = json.loads(files["member.json"])
    assert document["language"] == "nl"
    dutch = translations("nl").ugettext("Post hidden")
    assert dutch != "Post hidden"
    assert document["decisions"][0]["measure_name"] == dutch


# -- asking for it and downloading it, as a browser does -------------------------------


def download_status(client: FlaskClient, link: str) -> int:
    """Download a copy as a browser would, closing the file the response streams."""
    with client.get(link, headers=EN) as response:
        response.get_data()
        return response.status_code


def ask(client: FlaskClient) -> Any:
    token = form_token(client.get("/forum/account/delete", headers=EN).get_data(as_text=True))
    return client.post("/forum/account/data", data={"csrf_token": token}, headers=EN)


def test_a_member_asks_on_the_settings_page_and_downloads_their_copy(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    sign_in(client, world.member)
    page = client.get("/forum/account/settings", headers=EN).get_data(as_text=True)
    assert "Your data" in page and "Ask for a copy of my data" in page
    dutch = client.get("/forum/account/settings", headers={"Accept-Language": "nl"})
    assert dutch.status_code == 200 and 'id="cf-your-data"' in dutch.get_data(as_text=True)
    answer = ask(client)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Your copy is being prepared" in page
    assert "Ask for a copy of my data" not in page

    state(app).tasks.run_pending()
    page = client.get("/forum/account/settings", headers=EN).get_data(as_text=True)
    (made,) = exports_of(db, world.member.id)
    link = f"/forum/account/data/{made.token}.zip"
    assert made.status == ExportStatus.READY and link in page
    with client.get(link) as download:
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        assert "no-store" in download.headers["Cache-Control"]
        assert "member.json" in zip_texts(download.get_data())
    # Within the interval a new copy is not offered; asking anyway says until when.
    assert "You can ask for a new copy from" in page
    refused = ask(client)
    assert refused.status_code == 429
    assert "You can ask for a new copy from" in refused.get_data(as_text=True)
    assert len(exports_of(db, world.member.id)) == 1


def test_asking_again_while_it_is_made_makes_no_second_copy(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    sign_in(client, world.member)
    ask(client)
    again = ask(client)
    assert again.status_code == 303
    page = client.get(again.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Your copy is being prepared already" in page
    assert len(exports_of(db, world.member.id)) == 1


def test_asking_twice_at_once_makes_one_copy(
    app: Flask, db: Session, world: PrivacyWorld
) -> None:
    """Two requests of one member in their own transactions at the same moment: the
    member's row is locked while the forum decides, so one copy is made."""
    factory = state(app).session_factory
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []
    failures: list[BaseException] = []

    def request_one() -> None:
        try:
            with app.app_context(), factory() as session:
                member = session.get(Member, world.member.id)
                actor = actor_of(session, member)
                session.commit()
                barrier.wait(timeout=10)
                _made, created = export.request_export(session, actor, "en")
                outcomes.append(created)
        except BaseException as error:  # reported in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=request_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(outcomes) == [False, True]
    assert len(exports_of(db, world.member.id)) == 1


def test_only_the_member_downloads_their_copy(
    app: Flask, client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    made_export(app, db, world.member)
    (made,) = exports_of(db, world.member.id)
    link = f"/forum/account/data/{made.token}.zip"
    anonymous = client.get(link, headers=EN)
    assert anonymous.status_code == 403
    assert "Sign in to download your copy." in anonymous.get_data(as_text=True)
    for someone in (world.other, world.moderator, world.admin):
        sign_in(client, someone)
        refused = client.get(link, headers=EN)
        assert refused.status_code == 403
        assert "Only the member who asked for this copy" in refused.get_data(as_text=True)
    sign_in(client, world.member)
    assert download_status(client, link) == 200
    assert client.get("/forum/account/data/not-a-copy.zip", headers=EN).status_code == 404
    assert client.get(f"/forum/account/data/{'x' * 80}.zip", headers=EN).status_code == 404


def test_a_visitor_cannot_ask_and_a_form_without_its_token_asks_nothing(
    client: FlaskClient, db: Session, world: PrivacyWorld
) -> None:
    anonymous = client.post("/forum/account/data", data={}, headers=EN)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    sign_in(client, world.member)
    forged = client.post("/forum/account/data", data={"csrf_token": "forged"}, headers=EN)
    assert forged.status_code == 400
    assert "The form expired" in forged.get_data(as_text=True)
    assert exports_of(db, world.member.id) == []


def test_a_copy_expires_after_seven_days(
    app: Flask,
    client: FlaskClient,
    db: Session,
    world: PrivacyWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    made_export(app, db, world.member)
    (made,) = exports_of(db, world.member.id)
    path = export.file_of(export.exports_folder(app), made.token)
    link = f"/forum/account/data/{made.token}.zip"
    sign_in(client, world.member)
    clock.advance(days=6, hours=23)
    assert download_status(client, link) == 200
    clock.advance(hours=1)
    gone = client.get(link, headers=EN)
    assert gone.status_code == 410
    assert "no longer available" in gone.get_data(as_text=True)
    assert not path.exists()
    assert exports_of(db, world.member.id)[0].status == ExportStatus.EXPIRED
    page = client.get("/forum/account/settings", headers=EN).get_data(as_text=True)
    assert link not in page and "Ask for a copy of my data" in page


def test_the_interval_between_copies_holds(
    app: Flask, db: Session, world: PrivacyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    made_export(app, db, world.member)
    clock.advance(hours=23, minutes=59)
    with app.test_request_context(), pytest.raises(TooSoon):
        export.request_export(db, actor_of(db, world.member), "en")
    clock.advance(minutes=1)
    with app.test_request_context():
        _made, created = export.request_export(db, actor_of(db, world.member), "en")
    assert created


def test_a_lost_task_does_not_hold_the_member_back(
    app: Flask, db: Session, world: PrivacyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy queued but never made (a worker stopped) counts as failed after a while."""
    clock = FrozenClock(monkeypatch, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    with app.test_request_context():
        export.request_export(db, actor_of(db, world.member), "en")
        clock.advance(hours=7)
        _made, created = export.request_export(db, actor_of(db, world.member), "en")
    assert created
    statuses = [e.status for e in exports_of(db, world.member.id)]
    assert statuses == [ExportStatus.FAILED, ExportStatus.QUEUED]


def test_a_member_erased_before_the_task_ran_gets_no_file(
    app: Flask, db: Session, world: PrivacyWorld, tmp_path: Path
) -> None:
    from civicforum.privacy.erasure import erase_member

    with app.test_request_context():
        made, _created = export.request_export(db, actor_of(db, world.member), "en")
        export.enqueue(db, made, "http://forum.example/")
    with app.app_context():
        erase_member(db, world.member, keep_posts=True, folder=export.exports_folder(app))
    state(app).tasks.run_pending()
    folder = export.exports_folder(app)
    assert not folder.exists() or list(folder.iterdir()) == []
    assert db.scalar(select(func.count(DataExport.id))) == 0
