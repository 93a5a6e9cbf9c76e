"""A digest as mail: both parts, calm wording without numbers, the headers of RFC 8058 and
3834, a one-click unsubscribe that needs no sign-in; and sending it once per period
whatever happens: run twice, two senders at once, a mail server away or refusing, a
crash halfway through. Over real SMTP, with ``flask civicforum digests send``."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.digests import tokens
from civicforum.digests.sending import send_digest
from civicforum.extension import state
from civicforum.identity.models import Member
from civicforum.pace.models import Preferences

from . import digestsite
from .conftest import make_host_app
from .digestworld import (
    MONDAY,
    SITE,
    Clock,
    clock,  # noqa: F401 (a fixture)
    digest_rows,
    follow,
    join,
    mails_to,
    people,  # noqa: F401 (a fixture)
    reply,
    send_due,
    start_topic,
    subscribe,
    unsubscribe_path,
)
from .smtpsink import Inbox, free_port

ROOT = Path(__file__).parent.parent
SECRET = secrets.token_urlsafe(32)


class Sink:
    """The SMTP sink on a fixed port, which a test can take away and bring back."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def sink() -> Iterator[Sink]:
    running = Sink()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def app_config(database_url: str, sink: Sink) -> dict[str, Any]:
    # The same settings (and secret) as tests/digestsite.py, which other processes run.
    return digestsite.config(database_url=database_url, secret=SECRET, smtp_port=sink.port)


@pytest.fixture
def inbox(sink: Sink) -> Inbox:
    return sink.inbox


def waiting_reply(db: Session, people: dict[str, Any], member: Member, text: str) -> None:  # noqa: F811
    """A topic of ``member``'s from before their period, with a reply in it."""
    topic = start_topic(db, member, people["leesclub"], f"Vraag van {member.display_name}", "?")
    reply(db, people["bram"], topic, text)


def ans_with_news(db: Session, people: dict[str, Any], clock: Clock) -> Member:  # noqa: F811
    ans = people["ans"]
    clock.set(MONDAY - dt.timedelta(hours=12))
    waiting_reply(db, people, ans, "Ik weet het antwoord.")
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))
    clock.set(MONDAY)
    return ans


# -- the mail ------------------------------------------------------------------------------


def test_a_digest_has_both_parts_calm_words_and_the_headers_of_an_automatic_mail(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = ans_with_news(db, people, clock)
    send_due(app)
    [mail] = mails_to(inbox, ans)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert "Ik weet het antwoord." in mail.text and "Ik weet het antwoord." in mail.html
    assert message["Subject"] == "What is new at Bibliotheek Voorbeeldstad today"
    assert not re.search(r"\d", message["Subject"]), "no numbers in the subject"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(mail)
    assert f"{SITE}{path}" in mail.text and f'href="{SITE}{path}"' in mail.html
    settings = state(app).settings
    assert message["Message-ID"] == tokens.message_id(settings, ans.id, "d:2030-01-07")
    assert "person" not in message["Message-ID"], "it names no one"
    # Minimal, accessible, nothing loaded from anywhere.
    html = mail.html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    for loaded in ("<img", "src=", "<link", "<script", "url(", "<style"):
        assert loaded not in html, loaded
    assert all(url.startswith(SITE) for url in re.findall(r'href="([^"]+)"', html))


def test_a_long_section_shows_ten_and_says_there_is_more_without_a_number(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans, leesclub = people["ans"], people["leesclub"]
    follow(db, ans, leesclub)
    subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))
    for n in range(13):
        clock.set(MONDAY - dt.timedelta(hours=20 - n))
        start_topic(db, people["bram"], leesclub, f"Boek nummer {chr(65 + n)}", "Lees mee.")
    clock.set(MONDAY)
    send_due(app)
    [mail] = mails_to(inbox, ans)
    shown = re.findall(r"Boek nummer ([A-Z])", mail.text)
    assert shown == list("MLKJIHGFED"), "the ten newest"
    assert "There is more on the forum:" in mail.text and "There is more on the forum." in mail.html
    words = re.sub(r"https?://\S+", "", mail.text)
    assert not re.search(r"\d", words), "no counts, no numbers at all"


# -- unsubscribing -------------------------------------------------------------------------


def digest_choice(db: Session, member: Member) -> str:
    db.expire_all()
    prefs = db.get(Preferences, member.id)
    assert prefs is not None
    return prefs.digest


def test_the_link_stops_digests_in_one_click_without_signing_in(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = ans_with_news(db, people, clock)
    send_due(app)
    [mail] = mails_to(inbox, ans)
    path = unsubscribe_path(mail)
    client = app.test_client()
    # A link scanner or a preview follows the link: that changes nothing.
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stop the digests?" in html
    assert re.search(rf'<form method="post" action="{re.escape(path)}">', html)
    assert '<button type="submit" class="cf-button">Stop the digests</button>' in html
    assert digest_choice(db, ans) == "daily"
    # The mail program's one-click POST (RFC 8058), with no cookie and no CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You will get no more digests" in done.get_data(as_text=True)
    assert 'href="/forum/account/settings#cf-pace-heading"' in done.get_data(as_text=True)
    assert digest_choice(db, ans) == "never"
    # Nothing more comes, whatever happens.
    reply(db, people["bram"], _topic_of(db, ans), "Nog iets.")
    clock.advance(days=1)
    send_due(app)
    assert len(mails_to(inbox, ans)) == 1
    # Again is fine: the same page.
    again = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and digest_choice(db, ans) == "never"


def _topic_of(db: Session, member: Member) -> Any:
    from sqlalchemy import select

    from civicforum.forum.models import Topic

    return db.scalars(select(Topic).where(Topic.author_id == member.id)).first()


@pytest.mark.parametrize(
    "garble",
    [
        lambda token: token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        lambda token: token.split(".")[0],
        lambda token: "MTIzNDU.bm90LWEtc2lnbmF0dXJl",
        lambda token: tokens.URLSafeSerializer("another secret " * 3, salt=tokens.SALT).dumps(1),
        lambda token: tokens.URLSafeSerializer(SECRET, salt="civicforum.other").dumps(1),
        lambda token: "x" * 400,
    ],
)
def test_a_forged_or_garbled_link_is_refused_and_changes_nothing(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    garble: Any,
) -> None:
    ans = people["ans"]
    subscribe(db, ans, chosen=MONDAY)
    token = tokens.unsubscribe_token(state(app).settings, ans.id)
    client = app.test_client()
    for method in (client.get, client.post):
        refused = method(
            f"/forum/unsubscribe/{garble(token)}", data={"List-Unsubscribe": "One-Click"}
        )
        assert refused.status_code == 400
        assert "This link is not valid" in refused.get_data(as_text=True)
    assert digest_choice(db, ans) == "daily"


@pytest.mark.parametrize("host_protects_first", [True, False])
def test_one_click_works_on_a_host_that_protects_every_post_against_csrf(
    database_url: str, tmp_path: Path, host_protects_first: bool, sink: Sink
) -> None:
    app = make_host_app(
        database_url,
        tmp_path / "instance",
        **digestsite.config(database_url=database_url, secret=SECRET, smtp_port=sink.port),
    )
    if host_protects_first:
        CSRFProtect(app)
        CivicForum(app, url_prefix="/forum")
    else:
        CivicForum(app, url_prefix="/forum")
        CSRFProtect(app)
    Base.metadata.create_all(state(app).engine)
    with state(app).session_factory() as db:
        from civicforum.identity import services as identity_services

        member = identity_services.register_local_account(
            db, email="ans@example.org", password="correct horse battery", display_name="Ans"
        )
        subscribe(db, member, chosen=MONDAY)
        path = f"/forum/unsubscribe/{tokens.unsubscribe_token(state(app).settings, member.id)}"
        client = app.test_client()
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        assert digest_choice(db, member) == "never"
        # Every other form of the host's and the forum's is still protected.
        assert client.post("/forum/account/sign-out").status_code == 400


# -- never twice ---------------------------------------------------------------------------


def test_running_twice_sends_once(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = ans_with_news(db, people, clock)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["civicforum", "digests", "send"])
    assert first.exit_code == 0, first.output
    assert f"member {ans.id}: sent (d:2030-01-07)." in first.output
    assert "Done: 1 sent, 0 with nothing new, 0 to try again later." in first.output
    send_due(app)  # and the worker's scan as well
    clock.advance(minutes=5)
    second = runner.invoke(args=["civicforum", "digests", "send"])
    assert second.exit_code == 0 and "No digests are due now." in second.output
    assert len(mails_to(inbox, ans)) == 1
    assert [r.status for r in digest_rows(db, ans)] == ["sent"]


def test_a_second_sender_while_the_first_waits_for_the_server_sends_nothing(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = ans_with_news(db, people, clock)
    meanwhile: list[str] = []

    def second_sender() -> None:
        inbox.while_waiting = None
        meanwhile.append(send_digest(app, ans.id).status)

    inbox.while_waiting = second_sender
    assert send_digest(app, ans.id).status == "sent"
    assert meanwhile == ["nothing"], "the claim was there before the mail server was asked"
    assert len(mails_to(inbox, ans)) == 1


def test_senders_racing_for_the_same_digest_send_it_once(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    inbox: Inbox,
) -> None:
    ans = ans_with_news(db, people, clock)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def race() -> None:
        start.wait()
        outcomes.append(send_digest(app, ans.id).status)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["nothing", "nothing", "nothing", "sent"]
    assert len(mails_to(inbox, ans)) == 1


# -- a mail server that is away ------------------------------------------------------------


def test_a_mail_server_that_is_away_delays_the_digest_and_loses_nothing(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    sink: Sink,
) -> None:
    ans = ans_with_news(db, people, clock)
    sink.stop()
    send_due(app)  # 07:00: the server does not answer
    [row] = digest_rows(db, ans)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert row.last_error and "refused" in row.last_error.lower()
    clock.advance(minutes=4)
    send_due(app)
    assert digest_rows(db, ans)[0].attempts == 1, "waits five minutes before the next try"
    # Meanwhile something new happens; the digest that goes out will hold it too.
    waiting_reply(db, people, ans, "Nog een antwoord, tijdens de storing.")
    clock.advance(minutes=1)
    sink.start()
    sink.inbox.refuse = "451 4.3.0 Try again later"
    send_due(app)  # 07:05: the server is back but refuses for now
    [row] = digest_rows(db, ans)
    assert (row.status, row.attempts) == ("failed", 2) and "451" in (row.last_error or "")
    clock.advance(minutes=9)
    send_due(app)
    assert digest_rows(db, ans)[0].attempts == 2, "the pause doubled: ten minutes now"
    sink.inbox.refuse = None
    clock.advance(minutes=1)
    send_due(app)  # 07:15
    [row] = digest_rows(db, ans)
    assert (row.status, row.attempts, row.period) == ("sent", 3, "d:2030-01-07")
    assert row.sent_at == MONDAY + dt.timedelta(minutes=15)
    assert row.covers_until == row.sent_at  # the last attempt made it anew, up to then
    [mail] = mails_to(sink.inbox, ans)
    assert "Ik weet het antwoord." in mail.text
    assert "Nog een antwoord, tijdens de storing." in mail.text
    assert mail.message["Message-ID"] == row.message_id
    # The next day starts where the mail that went ended: nothing twice, nothing lost.
    clock.set(MONDAY + dt.timedelta(days=1))
    send_due(app)
    assert len(mails_to(sink.inbox, ans)) == 1
    assert digest_rows(db, ans)[-1].covers_from == MONDAY + dt.timedelta(minutes=15)


def test_a_digest_refused_until_the_next_day_goes_once_as_that_days(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    sink: Sink,
) -> None:
    ans = ans_with_news(db, people, clock)
    sink.inbox.refuse = "451 4.3.0 Try again later"
    for _ in range(12):  # a whole day of tries, the pauses growing to six hours
        send_due(app)
        clock.advance(hours=2)
    [row] = digest_rows(db, ans)
    assert row.status == "failed" and 5 <= row.attempts <= 8
    sink.inbox.refuse = None
    clock.set(MONDAY + dt.timedelta(days=1, hours=6))
    send_due(app)
    [mail] = mails_to(sink.inbox, ans)
    [row] = digest_rows(db, ans)
    assert (row.status, row.period) == ("sent", "d:2030-01-08"), "one mail, Tuesday's"
    assert mail.message["Message-ID"] == tokens.message_id(
        state(app).settings, ans.id, "d:2030-01-08"
    )


# -- a crash halfway -----------------------------------------------------------------------


def run_site(app: Flask, sink: Sink, moment: dt.datetime, *command: str) -> subprocess.Popen[str]:
    env = digestsite.environment(
        database_url=state(app).settings.database_url or "",
        instance=Path(app.instance_path),
        secret=SECRET,
        smtp_port=sink.port,
        now=moment,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.digestsite", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_crash_halfway_sends_each_member_exactly_one_digest_after_a_rerun(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    make_member: Any,
    clock: Clock,  # noqa: F811
    sink: Sink,
) -> None:
    members = [people["ans"], people["carla"], make_member("Dirk"), make_member("Eva")]
    join(db, people["leesclub"], *members[2:])
    clock.set(MONDAY - dt.timedelta(hours=12))
    for member in members:
        waiting_reply(db, people, member, f"Antwoord voor {member.display_name}")
        subscribe(db, member, chosen=MONDAY - dt.timedelta(days=2))
    # The sink kills the command at the second mail's DATA, before it answers.
    crashed = run_site(app, sink, MONDAY, "civicforum", "digests", "send")
    sink.inbox.kill = (2, crashed.pid)
    output, _ = crashed.communicate(timeout=60)
    assert crashed.returncode == -9, output
    assert len(sink.inbox.messages) == 1
    statuses = [r.status for r in digest_rows(db)]
    assert statuses == ["sent", "sending"], "the third and fourth were not reached"

    # Rerun at once: the claim of the mail in flight is still fresh, so it waits; the
    # others go.
    sink.inbox.kill = None
    soon = run_site(app, sink, MONDAY + dt.timedelta(minutes=1), "civicforum", "digests", "send")
    output, _ = soon.communicate(timeout=60)
    assert soon.returncode == 0, output
    assert [r.status for r in digest_rows(db)] == ["sent", "sending", "sent", "sent"]
    # Ten minutes later the abandoned claim is taken over and sent.
    later = run_site(app, sink, MONDAY + dt.timedelta(minutes=11), "civicforum", "digests", "send")
    output, _ = later.communicate(timeout=60)
    assert later.returncode == 0, output
    assert "sent (d:2030-01-07)" in output
    for member in members:
        [mail] = mails_to(sink.inbox, member)
        assert f"Antwoord voor {member.display_name}" in mail.text
    rows = digest_rows(db)
    assert [r.status for r in rows] == ["sent"] * 4
    assert [r.attempts for r in rows] == [1, 2, 1, 1]


def test_digests_send_says_plainly_what_it_did(
    app: Flask,
    db: Session,
    people: dict[str, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
    sink: Sink,
) -> None:
    ans = ans_with_news(db, people, clock)
    carla = people["carla"]
    subscribe(db, carla, chosen=MONDAY - dt.timedelta(days=2))
    sink.stop()
    result = app.test_cli_runner().invoke(args=["civicforum", "digests", "send"])
    assert result.exit_code == 0, result.output
    assert "Digests due now: 2." in result.output
    assert f"member {ans.id}: the mail server did not take it" in result.output
    assert "tried again from 2030-01-07 06:05 UTC" in result.output
    assert f"member {carla.id}: nothing new since the last one; no mail." in result.output
    assert "Done: 0 sent, 1 with nothing new, 1 to try again later." in result.output
    nothing = make_host_app(
        state(app).settings.database_url or "", Path(app.instance_path) / "other"
    )
    CivicForum(nothing)
    quiet = nothing.test_cli_runner().invoke(args=["civicforum", "digests", "send"])
    assert quiet.exit_code == 0 and "This site sends no e-mail" in quiet.output
