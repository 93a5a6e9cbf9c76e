"""A mail server that is down delays the forum's mail and loses none of it.

A signed-out visitor reports a post and leaves an address while the mail server is down:
the page answers without talking to the mail server at all (the mail waits in the task
queue), the failed try is kept for a retry, also over a restart of the site, and once
the server is back the acknowledgement arrives exactly once. The outcome, later, waits
the same way, and the address is erased only once the outcome has been sent.

The queue is the embedded default (a SQLite file in the instance folder), as on a site
that runs on one machine; the retries run when the test says, as the worker would run
them when their time comes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community
from civicforum.identity.models import Member
from civicforum.moderation.mailing import ACKNOWLEDGE, OUTCOME
from civicforum.moderation.models import Report

from .conftest import forum_app
from .helpers import ModerationWorld, form_token, moderation_world, sign_in
from .moderationpages import EN, send, visible
from .smtpsink import free_port, mail_config
from .test_digest_mail import Sink

NL = {"Accept-Language": "nl"}
VISITOR = "bezoeker@example.org"


class SilentServer:
    """A port where a mail server should be: it takes connections into its queue and
    never answers them, so anyone who tried to send would still be waiting. Closed, the
    port refuses every connection: a mail server that is down."""

    def __init__(self) -> None:
        self.port = free_port()
        self._socket = socket.create_server(("127.0.0.1", self.port), backlog=8)
        self._socket.setblocking(False)

    def was_called(self) -> bool:
        try:
            called, _ = self._socket.accept()
        except BlockingIOError:
            return False
        called.close()
        return True

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def mail_server() -> Iterator[SilentServer]:
    silent = SilentServer()
    yield silent
    silent.close()


@pytest.fixture
def app_config(mail_server: SilentServer) -> dict[str, Any]:
    return {**mail_config(mail_server.port), "CIVICFORUM_TASK_QUEUE": "sqlite"}


@pytest.fixture
def sink(mail_server: SilentServer) -> Iterator[Sink]:
    """The mail server once it is back, on the port the forum was told of."""
    back = Sink()
    back.port = mail_server.port
    yield back
    back.stop()


@pytest.fixture
def world(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> ModerationWorld:
    return moderation_world(db, make_member, make_community)


def report_as_visitor(client: FlaskClient, world: ModerationWorld) -> Any:
    url = f"/forum/c/leesclub/report?post={world.post.id}"
    page = client.get(url, headers=NL)
    assert page.status_code == 200
    data = {
        "csrf_token": form_token(page.get_data(as_text=True)),
        "about": "post",
        "ground": f"rule-{world.rule.id}",
        "category": "general",
        "explanation": "Dit bericht scheldt iemand uit.",
        "location": "De tweede zin.",
        "good_faith": "y",
        "email": VISITOR,
    }
    return client.post(url, data=data, headers=NL)


def retries(app: Flask) -> list[str]:
    """The tasks waiting in the queue for a later try, by name."""
    return [task.name for task in app.extensions["civicforum"].tasks.huey.scheduled()]


def reporter_address(db: Session, report_id: int) -> str | None:
    db.expire_all()
    report = db.get(Report, report_id)
    assert report is not None
    return report.reporter_email


def body(message: Any) -> str:
    return str(message.get_payload(decode=True).decode())


def test_mail_waits_out_a_mail_server_that_is_down_and_arrives_once(
    app: Flask,
    client: FlaskClient,
    db: Session,
    world: ModerationWorld,
    mail_server: SilentServer,
    sink: Sink,
    database_url: str,
    tmp_path: Path,
    app_config: dict[str, Any],
) -> None:
    tasks = app.extensions["civicforum"].tasks
    tasks.run_pending()  # what a new site queues for itself (its search index)
    reported = report_as_visitor(client, world)
    assert reported.status_code == 302
    assert not mail_server.was_called(), "the page did not wait for the mail server"
    receipt = client.get(reported.headers["Location"], headers=NL)
    assert receipt.status_code == 200

    mail_server.close()
    tasks.run_pending()  # the worker's try: the server refuses the connection
    assert retries(app) == [ACKNOWLEDGE], "the failed mail waits for its retry"
    assert tasks.run_pending() == 0, "and not before its time"

    # The site restarts meanwhile; the retry is in the queue's file, not in a process.
    with forum_app(
        database_url,
        tmp_path / "instance",
        create_tables=False,
        **app_config,
    ) as restarted:
        assert retries(restarted) == [ACKNOWLEDGE]
        sink.start()
        queue = restarted.extensions["civicforum"].tasks
        assert queue.run_pending(retries_too=True) == 1
        assert queue.waiting() == 0
    [acknowledgement] = sink.inbox.messages
    assert acknowledgement["To"] == VISITOR
    # In the language the visitor reported in, with the link to follow the report.
    assert "We hebben je melding ontvangen" in body(acknowledgement)
    assert "http://localhost/forum/reports/" in body(acknowledgement)

    # The outcome, decided while the mail server is down again.
    sink.stop()
    sign_in(client, world.moderator)
    report = db.scalars(select(Report)).one()
    dismissed = send(
        client,
        f"/forum/c/leesclub/moderation/reports/{report.id}/dismiss",
        {"note": "Dit valt binnen de regels."},
        form_url="/forum/c/leesclub/moderation/",
    )
    assert dismissed.status_code == 302
    tasks.run_pending()
    assert retries(app) == [OUTCOME]
    assert reporter_address(db, report.id) == VISITOR, "kept for the retry"
    # Meanwhile the receipt shows the outcome to whoever holds the link.
    sign_in(client, None)
    assert "Dit valt binnen de regels." in visible(
        client.get(reported.headers["Location"], headers=EN)
    )

    sink.start()
    assert tasks.run_pending(retries_too=True) == 1
    assert tasks.waiting() == 0
    assert len(sink.inbox.messages) == 2
    assert "Dit valt binnen de regels." in body(sink.inbox.messages[1])
    assert reporter_address(db, report.id) is None, "erased once the outcome is sent"
