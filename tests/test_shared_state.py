"""A site on several processes: two gunicorn masters serve one app on one loopback port
(``SO_REUSEPORT``: the kernel spreads the connections over both, as a load balancer
would), sharing the database and, where the settings say so, Redis.

With the rate-limit counters in Redis, a sixth wrong password is refused whichever process
gets it; with ``memory://`` each process counts on its own and twice as many tries get
through. Work a request queues in either process waits in the shared queue until
``flask civicforum tasks run`` sends it from an app of its own. And what a web process
keeps of the search index stays true when the worker rebuilds the index under it.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Role, Topic
from civicforum.identity import services as identity_services
from civicforum.identity.models import Member, PublishAs

from . import sharedsite
from .benchmarks.load import Served, served
from .conftest import PASSWORD, forum_app
from .helpers import actor_of, form_token, moderation_world
from .searchworld import LIMITS, prepare
from .smtpsink import Inbox, free_port

# A Redis database of this module's own (the task queue's tests use 7, federation's 15).
REDIS = "redis://127.0.0.1:6379/11"
SIGN_IN = "/forum/account/sign-in"
EN = {"Accept-Language": "en"}
LIMIT = 5  # sharedsite's CIVICFORUM_SIGNIN_RATE_LIMIT: "5 per hour"
# Tries enough for both processes to answer, however unevenly the kernel spreads them.
MOST_REQUESTS = 40


@dataclass
class Answer:
    status: int
    process: int
    location: str
    body: str

    @property
    def visible(self) -> str:
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", self.body)).split())


@dataclass
class Browser:
    """A person's browser: it keeps the site's cookies and opens a new connection for every
    request, so either of the site's processes may answer it."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {"Accept-Language": "en", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(cookie).items():
                    self.cookies[name] = morsel.value
            return Answer(
                response.status,
                int(response.headers[sharedsite.PROCESS_HEADER]),
                response.headers.get("Location", ""),
                response.read().decode(),
            )
        finally:
            connection.close()

    def send_form(self, path: str, fields: dict[str, str]) -> Answer:
        """Open the page with the form and send it, as a person does."""
        page = self.request("GET", path)
        assert page.status == 200, page.visible[:300]
        return self.request("POST", path, {"csrf_token": form_token(page.body), **fields})


@dataclass
class Site:
    server: Served
    env: dict[str, str]
    # The report form of a post, and the house rule a report cites.
    report_form: str = ""
    rule_id: int = 0

    @property
    def processes(self) -> set[int]:
        """The two processes serving: one worker of each gunicorn master."""
        return set(self.server.workers())


@contextmanager
def serve(
    database_url: str,
    folder: Path,
    ratelimit_storage: str,
    queue: str = "memory",
    smtp_port: int | None = None,
) -> Iterator[Site]:
    """Two gunicorn masters of one site on one port, one sync worker each."""
    environment = sharedsite.environment(
        database_url=database_url,
        instance=folder / "site",
        secret=secrets.token_urlsafe(32),
        ratelimit_storage=ratelimit_storage,
        queue=queue,
        smtp_port=smtp_port,
    )
    with served(
        "tests.sharedsite:served_app()", environment, SIGN_IN, folder / "gunicorn.log", processes=2
    ) as server:
        site = Site(server, environment)
        assert len(site.processes) == 2
        yield site


def wrong_passwords(site: Site, enough: Callable[[list[Answer]], bool]) -> list[Answer]:
    """Wrong passwords for one account, each on a connection of its own, until ``enough``."""
    browser = Browser(site.server.port)
    token = form_token(browser.request("GET", SIGN_IN).body)
    answers: list[Answer] = []
    while not enough(answers):
        assert len(answers) < MOST_REQUESTS, (
            f"the kernel sent nearly every connection to one process: {answers}"
        )
        answers.append(
            browser.request(
                "POST",
                SIGN_IN,
                {"csrf_token": token, "email": "lotte@example.org", "password": "not hers!"},
            )
        )
    return answers


# -- a site keeping its counters and its queue in Redis --------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """Redis on loopback; this module's database is emptied before and after."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    try:
        import redis
    except ImportError:
        pytest.fail("Redis is up but its client is missing: pip install 'civicforum[redis]'")
    client = redis.Redis.from_url(REDIS)
    client.flushdb()
    try:
        yield REDIS
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback for the whole module, and its port."""
    taken = Inbox()
    port = free_port()
    controller = Controller(taken, hostname="127.0.0.1", port=port)
    controller.start()
    yield taken, port
    controller.stop()


def arrange_reported_post(database_url: str, folder: Path) -> tuple[str, int]:
    """Leesclub with its house rules and a post in it: the post's report form, and the
    rule a visitor cites."""
    with (
        pytest.MonkeyPatch.context() as patch,
        forum_app(database_url, folder, create_tables=False) as app,
        app.extensions["civicforum"].session_factory() as db,
    ):
        patch.setattr(
            identity_services,
            "_hasher",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
        )

        def make_member(name: str, *, admin: bool = False) -> Member:
            member = identity_services.register_local_account(
                db, email=f"{name.lower()}@example.org", password=PASSWORD, display_name=name
            )
            member.is_site_admin = admin
            db.commit()
            return member

        def make_community(slug: str) -> Community:
            return forum_services.create_community(
                db, slug=slug, name="Leesclub", house_rules="1. Be kind."
            )

        world = moderation_world(db, make_member, make_community)
        return f"/forum/c/leesclub/report?post={world.post.id}", world.rule.id


@pytest.fixture(scope="module")
def redis_site(
    make_database: Callable[..., AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
    inbox: tuple[Inbox, int],
) -> Iterator[Site]:
    """The site with its rate-limit counters and its task queue in Redis, and mail."""
    if not os.environ.get("CIVICFORUM_TEST_DATABASE_URL"):
        # What a site on several machines runs: PostgreSQL with Redis beside it.
        pytest.skip("needs PostgreSQL: several processes sharing it and Redis")
    folder = tmp_path_factory.mktemp("redis-site")
    with make_database(folder, tables=True) as database_url:
        report_form, rule_id = arrange_reported_post(database_url, folder / "arranging")
        with serve(database_url, folder, redis_url, queue=redis_url, smtp_port=inbox[1]) as site:
            site.report_form, site.rule_id = report_form, rule_id
            yield site


def test_with_counters_in_redis_the_sixth_wrong_password_is_refused_by_either_process(
    redis_site: Site,
) -> None:
    processes = redis_site.processes

    def both_refused(answers: list[Answer]) -> bool:
        return {a.process for a in answers[LIMIT:]} == processes

    answers = wrong_passwords(redis_site, both_refused)
    assert [a.status for a in answers[:LIMIT]] == [422] * LIMIT
    assert all("do not match" in a.visible for a in answers[:LIMIT])
    refused = answers[LIMIT:]
    assert [a.status for a in refused] == [429] * len(refused)
    assert all("Too many attempts. Try again in" in a.visible for a in refused)
    # Both refused, and at least one had counted fewer than five failures itself (the
    # kernel may hand all five first connections to one of them: then the other has
    # counted none).
    counted = {p: sum(a.process == p for a in answers[:LIMIT]) for p in processes}
    assert min(counted.values()) < LIMIT, counted


def test_work_queued_by_either_process_is_sent_by_the_task_runner(
    redis_site: Site, inbox: tuple[Inbox, int]
) -> None:
    taken, _port = inbox
    receipts: dict[str, str] = {}  # the address each visitor gave: their receipt
    queued_by: set[int] = set()
    while queued_by != redis_site.processes:
        assert len(receipts) < MOST_REQUESTS // 2, "one process took every report"
        address = f"bezoeker{len(receipts) + 1}@example.org"
        done = Browser(redis_site.server.port).send_form(
            redis_site.report_form,
            {
                "about": "post",
                "ground": f"rule-{redis_site.rule_id}",
                "category": "general",
                "explanation": "Dit bericht scheldt iemand uit.",
                "location": "De tweede zin.",
                "good_faith": "y",
                "email": address,
            },
        )
        assert done.status == 302, done.visible[:300]
        receipts[address] = done.location.split("?")[0]
        queued_by.add(done.process)
    # The web processes only queued: no visitor waited for the mail server.
    assert taken.messages == []
    # What cron runs on another machine: an app of its own, sharing only the database and Redis.
    elsewhere = sharedsite.make_app(redis_site.env)
    ran = elsewhere.test_cli_runner().invoke(args=["civicforum", "tasks", "run"])
    assert ran.exit_code == 0, ran.output
    assert f"Ran {len(receipts)} task(s); 0 waiting." in ran.output
    mailed = {m["To"]: m.get_payload(decode=True).decode() for m in taken.messages}
    assert sorted(mailed) == sorted(receipts), "one acknowledgement to each visitor"
    for address, receipt in receipts.items():
        assert f"{sharedsite.SITE}{receipt}" in mailed[address]


# -- a site keeping its counters in each process ----------------------------------------------


# What memory:// does cannot depend on the database: the SQLite pass shows it.
@pytest.mark.database_independent
def test_with_counters_in_each_process_twice_as_many_wrong_passwords_get_through(
    database_url: str, tmp_path: Path
) -> None:
    with serve(database_url, tmp_path, "memory://") as site:
        processes = site.processes

        def each_refused(answers: list[Answer]) -> bool:
            return all(sum(a.process == p for a in answers) > LIMIT for p in processes)

        answers = wrong_passwords(site, each_refused)
    for process in processes:
        own = [a.status for a in answers if a.process == process]
        assert own == [422] * LIMIT + [429] * (len(own) - LIMIT), "each counts only its own"
    assert sum(a.status == 422 for a in answers) == 2 * LIMIT, "the limit of 5 let 10 through"


# -- a search index rebuilt by another process ------------------------------------------------


@pytest.mark.database_independent  # the Whoosh index's own files, on either database
def test_a_web_process_finds_what_the_index_another_process_rebuilt_holds(
    database_url: str, tmp_path: Path
) -> None:
    """A web process keeps which documents each scope lets through; when the index is lost
    and the worker rebuilds it, those numbers mean other documents."""
    shared = tmp_path / "instance"  # one machine: the index folder and the queue's file
    config = {"CIVICFORUM_TASK_QUEUE": "sqlite", "CIVICFORUM_SEARCH_BACKEND": "whoosh"}
    with (
        forum_app(database_url, shared, create_tables=False, **config) as web,
        forum_app(database_url, shared, create_tables=False, **config) as worker,
        web.extensions["civicforum"].session_factory() as db,
    ):
        indexer = prepare(web)
        visitor = web.test_client()

        def results(word: str) -> str:
            page = visitor.get("/forum/search", query_string={"q": word}, headers=EN)
            found = re.search(r"(\d+) results?\b", page.get_data(as_text=True))
            assert found, page.get_data(as_text=True)[:500]
            return found.group(0)

        community = forum_services.create_community(db, slug="leesclub", name="Leesclub")
        author = identity_services.register_local_account(
            db, email="ans@example.org", password=PASSWORD, display_name="Ans"
        )
        forum_services.set_role(db, community, author, Role.MEMBER)
        started = topic(db, author, community, "Welke gedichten lezen we?")
        assert results("gedicht") == "1 result"

        # The index is lost; the next post asks for a rebuild, which the worker runs.
        shutil.rmtree(indexer.backend.folder)  # type: ignore[attr-defined]
        answer(db, author, started, "Ik lees gedichten van Vasalis.")
        assert worker.extensions["civicforum"].tasks.run_pending() == 1
        assert results("gedicht") == "2 results"
        # Each write makes a new generation of the index: the rebuilt one reaches the
        # number the web process knew the old one by, and still finds every post.
        for count in range(3, 7):
            answer(db, author, started, f"Gedicht nummer {count}.")
            assert results("gedicht") == f"{count} results"


def topic(db: Session, author: Member, community: Community, body: str) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Boeken voor december",
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=secrets.token_hex(8),
        limits=LIMITS,
    )


def answer(db: Session, author: Member, started: Topic, body: str) -> None:
    forum_services.reply(
        db,
        actor_of(db, author),
        started,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=secrets.token_hex(8),
        limits=LIMITS,
    )
