"""``flask civicforum events import``: agendas into a community, by UID, all or nothing."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import civicforum.plugins.events as events_plugin
from civicforum import CivicForum, hookimpl
from civicforum.db import Base
from civicforum.events import Event
from civicforum.extension import state
from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.plugins.events.domain import EventScheduled
from civicforum.plugins.events.models import EventStatus, LocalEvent

from .conftest import make_host_app
from .helpers import add_member

AGENDA = Path(__file__).parent.parent / "sample_site" / "agenda.ics"
AGENDA_EVENTS = 11


class Listener:
    """A plugin that hears which domain events were delivered (after commit only)."""

    def __init__(self) -> None:
        self.heard: list[Event] = []

    @hookimpl
    def civicforum_event(self, event: Event, settings: object) -> None:
        self.heard.append(event)


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def app(database_url: str, tmp_path: Path, listener: Listener) -> Iterator[Flask]:
    host = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en")
    CivicForum(host, url_prefix="/forum", plugins=[events_plugin, listener])
    Base.metadata.create_all(state(host).engine)
    yield host
    state(host).engine.dispose()


@pytest.fixture
def organiser(
    db: Session, make_community: Callable[..., Community], make_member: Callable[..., Member]
) -> Member:
    community = make_community("library")
    member = make_member("Librarian")
    add_member(db, community, member, Role.MODERATOR)
    return member


@pytest.fixture
def run(app: Flask, organiser: Member) -> Callable[..., Result]:
    def invoke(source: str | Path, *, community: str = "library", who: str = "Librarian") -> Result:
        args = ["civicforum", "events", "import", community, str(source), "--organiser", who]
        return app.test_cli_runner().invoke(args=args)

    return invoke


def stored(db: Session) -> dict[str, LocalEvent]:
    db.expire_all()
    return {event.uid: event for event in db.scalars(select(LocalEvent))}


def vevent(uid: str, summary: str, start: str, end: str | None = None, *extra: str) -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T090000Z", f"SUMMARY:{summary}"]
    lines.append(f"DTSTART;TZID=Europe/Amsterdam:{start}")
    if end is not None:
        lines.append(f"DTEND;TZID=Europe/Amsterdam:{end}")
    return "\r\n".join([*lines, *extra, "END:VEVENT"])


def agenda(tmp_path: Path, *events: str, name: str = "agenda.ics") -> Path:
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//NL", *events])
    path = tmp_path / name
    path.write_bytes(f"{text}\r\nEND:VCALENDAR\r\n".encode())
    return path


def test_the_first_import_creates_every_event_and_says_so(
    run: Callable[..., Result], db: Session, organiser: Member, listener: Listener
) -> None:
    result = run(AGENDA)

    assert result.exit_code == 0, result.output
    assert f"{AGENDA_EVENTS} created, 0 updated, 0 unchanged, 0 skipped" in result.stdout
    assert "Importing events" not in result.stdout  # progress goes to stderr
    events = stored(db)
    assert len(events) == AGENDA_EVENTS
    club = events["2027-01-21-boekenclub@bibliotheek-voorbeeldstad.example"]
    assert club.title == "Boekenclub: 'De avond is ongemak' van Marieke Lucas Rijneveld"
    assert (club.venue_name, club.venue_address) == (
        "Centrale Bibliotheek",
        "Stationsplein 12, 1234 AB Voorbeeldstad",
    )
    assert [m.id for m in club.organisers] == [organiser.id]
    cancelled = events["2027-02-17-lezing-klimaat@bibliotheek-voorbeeldstad.example"]
    assert cancelled.status == EventStatus.CANCELLED
    scheduled = [e for e in listener.heard if isinstance(e, EventScheduled)]
    assert len(scheduled) == AGENDA_EVENTS


def test_importing_the_same_agenda_again_changes_nothing(
    run: Callable[..., Result], db: Session
) -> None:
    assert run(AGENDA).exit_code == 0
    before = {uid: event.updated_at for uid, event in stored(db).items()}

    result = run(AGENDA)

    assert result.exit_code == 0, result.output
    assert f"0 created, 0 updated, {AGENDA_EVENTS} unchanged, 0 skipped" in result.stdout
    assert {uid: event.updated_at for uid, event in stored(db).items()} == before


def test_a_changed_summary_updates_that_event_only(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    assert run(AGENDA).exit_code == 0
    changed = tmp_path / "changed.ics"
    text = AGENDA.read_bytes().replace(
        b"SUMMARY:Boekenclub: 'De avond is ongemak' van Marieke Lucas Rijneveld",
        b"SUMMARY:Leesclub",
    )
    changed.write_bytes(text)

    result = run(changed)

    assert result.exit_code == 0, result.output
    assert f"0 created, 1 updated, {AGENDA_EVENTS - 1} unchanged" in result.stdout
    club = stored(db)["2027-01-21-boekenclub@bibliotheek-voorbeeldstad.example"]
    assert club.title == "Leesclub"


def test_skipped_events_are_reported_with_their_reasons(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    path = agenda(
        tmp_path,
        vevent("one@test", "Lezing", "20270110T200000", "20270110T210000"),
        vevent(
            "weekly@test", "Taalcafé", "20270111T140000", "20270111T153000", "RRULE:FREQ=WEEKLY"
        ),
        vevent("open-ended@test", "Inloop", "20270112T100000"),
    )

    result = run(path)

    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 2 skipped" in result.stdout
    assert "skipped weekly@test: is a recurring event" in result.stdout
    assert "skipped open-ended@test: has a start time but no end" in result.stdout
    assert set(stored(db)) == {"one@test"}


def test_a_malformed_agenda_names_the_component_and_writes_nothing(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    no_uid = vevent("x", "Zonder UID", "20270110T200000", "20270110T210000").replace(
        "UID:x\r\n", ""
    )
    path = agenda(
        tmp_path, vevent("one@test", "Lezing", "20270109T200000", "20270109T210000"), no_uid
    )

    result = run(path)

    assert result.exit_code == 1
    assert "VEVENT #2: has no UID" in result.output
    assert stored(db) == {}


def test_an_event_ending_before_it_starts_mid_way_writes_nothing(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    path = agenda(
        tmp_path,
        vevent("good@test", "Lezing", "20270110T200000", "20270110T210000"),
        vevent("bad@test", "Omgekeerd", "20270111T200000", "20270111T190000"),
    )

    result = run(path)

    assert result.exit_code == 1
    assert "VEVENT #2 (uid=bad@test)" in result.output
    assert "before it starts" in result.output
    assert stored(db) == {}


def test_an_event_the_forum_refuses_rolls_back_the_whole_import(
    run: Callable[..., Result], db: Session, tmp_path: Path, listener: Listener
) -> None:
    assert run(AGENDA).exit_code == 0
    before = {uid: (e.title, e.updated_at) for uid, e in stored(db).items()}
    listener.heard.clear()
    changed = AGENDA.read_bytes().replace(
        b"SUMMARY:Boekenclub: 'De avond is ongemak' van Marieke Lucas Rijneveld",
        b"SUMMARY:Leesclub",
    )
    path = tmp_path / "refused.ics"
    path.write_bytes(
        changed.replace(
            b"END:VCALENDAR",
            vevent("new@test", "Nieuw", "20270110T200000", "20270110T210000").encode()
            + b"\r\n"
            + vevent("long@test", "x" * 301, "20270111T200000", "20270111T210000").encode()
            + b"\r\nEND:VCALENDAR",
        )
    )

    result = run(path)

    assert result.exit_code == 1
    assert "event long@test: A title needs 3 to 300 characters. Nothing" in result.output
    assert "Nothing was imported." in result.output
    assert {uid: (e.title, e.updated_at) for uid, e in stored(db).items()} == before
    assert listener.heard == []  # nothing rolled back is announced


def test_an_agenda_is_fetched_from_a_web_address(
    run: Callable[..., Result], db: Session, tmp_path: Path
) -> None:
    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "agenda.ics").write_bytes(AGENDA.read_bytes())
    handler = partial(QuietHandler, directory=str(tmp_path / "feed"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = run(f"{base}/agenda.ics")
        missing = run(f"{base}/missing.ics")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    assert result.exit_code == 0, result.output
    assert f"{AGENDA_EVENTS} created" in result.stdout
    assert len(stored(db)) == AGENDA_EVENTS
    assert missing.exit_code == 1
    assert f"Cannot fetch {base}/missing.ics" in missing.output and "404" in missing.output


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_other_schemes_unknown_communities_and_organisers_are_refused(
    run: Callable[..., Result], db: Session, make_member: Callable[..., Member]
) -> None:
    ftp = run("ftp://example.org/agenda.ics")
    assert ftp.exit_code == 1 and "only files and http:// or https://" in ftp.output

    unknown = run(AGENDA, community="nowhere")
    assert unknown.exit_code == 1 and "There is no community 'nowhere'." in unknown.output

    nobody = run(AGENDA, who="nobody@example.org")
    assert nobody.exit_code == 1 and "There is no member 'nobody@example.org'" in nobody.output

    make_member("Visitor")
    visitor = run(AGENDA, who="visitor")
    assert (
        visitor.exit_code == 1 and "Visitor may not organise events in 'library'" in visitor.output
    )

    missing_file = run("/nonexistent/agenda.ics")
    assert (
        missing_file.exit_code == 1 and "Cannot read /nonexistent/agenda.ics" in missing_file.output
    )
    assert stored(db) == {}


def test_the_organiser_can_be_named_by_e_mail_address(
    app: Flask, db: Session, organiser: Member
) -> None:
    account = organiser.local_account
    assert account is not None
    email = account.email
    args = ["civicforum", "events", "import", "library", str(AGENDA), "--organiser", email.upper()]

    result = app.test_cli_runner().invoke(args=args)

    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count()).select_from(LocalEvent)) == AGENDA_EVENTS
