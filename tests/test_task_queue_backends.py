"""The task queue for real: one process queues, another runs, on the embedded default (a
SQLite file) and on Redis; a reporter's mail tried again with growing pauses while the
mail server is away; and ``flask civicforum worker``, which runs queued work and the
periodic scan for digests in a process of its own."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.identity import services as identity_services
from civicforum.moderation import reports
from civicforum.moderation.mailing import ACKNOWLEDGE, RETRY_DELAY
from civicforum.moderation.models import Ground, ReportTarget
from civicforum.moderation.reports import Notice
from civicforum.policy import ANONYMOUS

from . import digestsite
from .digestworld import MONDAY, Clock, reply, start_topic, subscribe
from .helpers import add_member
from .test_digest_mail import Sink

ROOT = Path(__file__).parent.parent
SECRET = "s" * 40
REDIS = "redis://127.0.0.1:6379/7"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def sink() -> Iterator[Sink]:
    running = Sink()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, MONDAY)


def machine(database_url: str, instance: Path, port: int, queue: str, name: str = "host") -> Flask:
    """One process of a site: its own app object, the shared database and queue."""
    app = Flask(name, instance_path=str(instance))
    app.config.update(
        digestsite.config(database_url=database_url, secret=SECRET, smtp_port=port, queue=queue)
    )
    CivicForum(app, url_prefix="/forum")
    return app


@pytest.fixture(params=["sqlite", "redis"])
def two_machines(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, sink: Sink
) -> Iterator[tuple[Flask, Flask]]:
    """Two apps of one site sharing a queue: the embedded SQLite file in one instance
    folder, or Redis under a name of this test's own."""
    if request.param == "sqlite":
        shared = tmp_path / "instance"
        apps = (
            machine(database_url, shared, sink.port, "sqlite"),
            machine(database_url, shared, sink.port, "sqlite"),
        )
    else:
        if not redis_reachable():
            pytest.skip("Redis is not reachable on 127.0.0.1:6379")
        try:
            import redis  # noqa: F401
        except ImportError:
            pytest.fail("Redis is up but its client is missing: pip install 'civicforum[redis]'")
        name = f"host_{uuid.uuid4().hex[:12]}"  # the queue's name: this test's alone
        apps = (
            machine(database_url, tmp_path / "a", sink.port, REDIS, name),
            machine(database_url, tmp_path / "b", sink.port, REDIS, name),
        )
    Base.metadata.create_all(state(apps[0]).engine)
    try:
        yield apps
    finally:
        state(apps[0]).tasks.huey.storage.flush_all()


def arrange(app: Flask) -> tuple[str, int]:
    """Ans, whose digest is due (her address), and a visitor's report with an address to
    write to (its id)."""
    with state(app).session_factory() as db:
        community = forum_services.create_community(db, slug="leesclub", name="Leesclub")
        ans, bram = (
            identity_services.register_local_account(
                db, email=f"{name.lower()}@example.org", password="x" * 12, display_name=name
            )
            for name in ("Ans", "Bram")
        )
        add_member(db, community, ans)
        add_member(db, community, bram)
        topic = start_topic(db, ans, community, "Mijn vraag", "Wie weet het?")
        reply(db, bram, topic, "Ik weet het.")
        subscribe(db, ans, chosen=MONDAY - dt.timedelta(days=2))
        report = reports.submit_report(
            db,
            ANONYMOUS,
            community,
            Notice(
                ReportTarget.TOPIC,
                topic.id,
                Ground.ILLEGAL,
                "Dit is oplichting.",
                "De eerste zin.",
                True,
                legal_ground="Wetboek van Strafrecht, art. 326",
                email="bezoeker@example.org",
            ),
        ).report
        return "ans@example.org", report.id


def test_one_machine_queues_and_another_runs(
    two_machines: tuple[Flask, Flask], sink: Sink, clock: Clock
) -> None:
    queuing, running = two_machines
    clock.set(MONDAY - dt.timedelta(hours=12))
    ans, report_id = arrange(queuing)
    clock.set(MONDAY)
    tasks = state(queuing).tasks
    tasks.named("civicforum.digests.scan")()
    tasks.named(ACKNOWLEDGE)(report_id, "en")
    assert sink.inbox.messages == []
    assert state(running).tasks.run_pending() >= 3  # the scan, the send it queued, the mail
    assert [m["To"] for m in sink.inbox.messages].count(ans) == 1
    assert [m["To"] for m in sink.inbox.messages].count("bezoeker@example.org") == 1
    assert state(running).tasks.waiting() == 0


def test_a_reporters_mail_is_tried_again_with_growing_pauses(
    two_machines: tuple[Flask, Flask], sink: Sink
) -> None:
    queuing, running = two_machines
    _, report_id = arrange(queuing)
    sink.stop()
    queue = state(running).tasks
    state(queuing).tasks.named(ACKNOWLEDGE)(report_id, "nl")
    pauses = []
    for _ in range(3):
        before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        queue.run_pending(retries_too=True)
        [retry] = queue.huey.scheduled()
        pauses.append(round((retry.eta - before).total_seconds() / RETRY_DELAY))
    assert pauses == [1, 2, 4], "a minute, then doubling"
    assert queue.run_pending() == 0, "not before its time"
    sink.start()
    assert queue.run_pending(retries_too=True) == 1
    [mail] = sink.inbox.messages
    assert mail["To"] == "bezoeker@example.org" and mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_payload(decode=True).decode()
    assert "https://bibliotheek.example/forum/reports/" in body
    assert "We hebben je melding ontvangen" in body  # in the language the visitor used


# -- flask civicforum worker ---------------------------------------------------------------


def wait_for(condition: Callable[[], Any], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not do it in time"
        time.sleep(0.1)


def test_the_worker_runs_queued_work_and_the_scan_for_digests(
    database_url: str, tmp_path: Path, sink: Sink, clock: Clock
) -> None:
    instance = tmp_path / "instance"
    web = machine(database_url, instance, sink.port, "sqlite")  # a web process, no worker
    Base.metadata.create_all(state(web).engine)
    clock.set(MONDAY - dt.timedelta(hours=12))
    ans, report_id = arrange(web)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.digestsite", "civicforum", "worker"],
        cwd=ROOT,
        env=digestsite.environment(
            database_url=database_url,
            instance=instance,
            secret=SECRET,
            smtp_port=sink.port,
            queue="sqlite",
            now=MONDAY,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The scan runs as the worker starts (and every five minutes): Ans's digest goes.
        wait_for(lambda: [m["To"] for m in sink.inbox.messages] == [ans])
        # Work a web process queues is run by the worker.
        with web.app_context():
            state(web).tasks.enqueue(state(web).tasks.named(ACKNOWLEDGE), report_id, "en")
        wait_for(lambda: len(sink.inbox.messages) == 2)
        assert sink.inbox.messages[1]["To"] == "bezoeker@example.org"
    finally:
        worker.send_signal(signal.SIGINT)  # stops after the task at hand
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "The forum's worker runs queued and periodic tasks" in output
    assert [m["To"] for m in sink.inbox.messages].count(ans) == 1


def test_web_processes_run_queued_work_but_never_the_periodic_scan(
    database_url: str, tmp_path: Path, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(
        digestsite.config(database_url=database_url, secret=SECRET, smtp_port=sink.port),
        CIVICFORUM_TASK_WORKER=True,  # a thread in each web process
    )
    CivicForum(app, url_prefix="/forum")
    Base.metadata.create_all(state(app).engine)
    tasks = state(app).tasks
    started: list[dict[str, Any]] = []
    create = tasks.huey.create_consumer
    monkeypatch.setattr(
        tasks.huey,
        "create_consumer",
        lambda **options: started.append(options) or create(**options),
    )
    try:
        app.test_client().get("/forum/")
    finally:
        tasks.stop()
    assert [options["periodic"] for options in started] == [False]
