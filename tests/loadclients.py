"""Members posting replies to a forum served by gunicorn, as their browsers would.

``served_app()`` is what each gunicorn worker serves (``tests.loadclients:served_app()``),
built from environment variables so that every worker of one server shares the database,
the instance folder (task queue and search index) and the secrets that sign sessions.
:class:`Browser` signs a member in and then, until a deadline, goes through the posting cycle of the
pages: the reply form under the topic, the preview, publish, and the page publishing
leads to. Every outcome is kept, so a test can compare what the site acknowledged with
what the database holds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from argon2 import PasswordHasher
from flask import Flask

from civicforum import CivicForum
from civicforum.identity import services

from .benchmarks.load import free_port, get
from .helpers import form_token

ROOT = Path(__file__).resolve().parent.parent
ENV_DATABASE = "CIVICFORUM_LOAD_DATABASE_URL"
ENV_INSTANCE = "CIVICFORUM_LOAD_INSTANCE"
ENV_SECRET = "CIVICFORUM_LOAD_SECRET"
ENV_FORUM_SECRET = "CIVICFORUM_LOAD_FORUM_SECRET"

#: Seconds a client waits for one answer; a sync worker is killed after 30.
ANSWER_TIMEOUT = 60.0
#: A client's second post, and every tenth after it, is published with a double click.
DOUBLE_CLICK_EVERY = 10
DOUBLE_CLICK_FIRST = 2
_POST_LOCATION = re.compile(r"/forum/p/(\d+)$")


def load_config(url: str, instance: Path, secret: str, forum_secret: str) -> dict[str, Any]:
    """The settings of a site that lets members post as fast as they can.

    The posting limits are raised far beyond what a community would set, because what is
    measured is whether anything is lost, not the pace feature. The task queue and the
    search index are the embedded defaults, files in the instance folder that every web
    process of the machine shares; each process runs queued work in a thread.
    """
    return {
        "SECRET_KEY": secret,
        "CIVICFORUM_SECRET_KEY": forum_secret,
        "CIVICFORUM_DATABASE_URL": url,
        "CIVICFORUM_TASK_QUEUE": "sqlite",
        "CIVICFORUM_TASK_WORKER": True,
        "CIVICFORUM_POST_RATE_LIMIT": "10000 per hour",
        "CIVICFORUM_NEW_MEMBER_POST_RATE_LIMIT": "10000 per hour",
        "CIVICFORUM_SEARCH_INDEX_DIR": str(instance / "search-index"),
    }


def make_app(config: Mapping[str, Any], instance: Path) -> Flask:
    app = Flask("loadsite", instance_path=str(instance))
    app.config.update(config)
    CivicForum(app, url_prefix="/forum")
    return app


def served_app() -> Flask:
    """The app a gunicorn worker serves: ``tests.loadclients:served_app()``.

    Passwords are checked with real argon2 at the lowest cost, as in the tests'
    processes (``pytest_configure`` in tests/conftest.py): with the production
    parameters, signing twenty members in would take longer than a short run.
    """
    services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    instance = Path(os.environ[ENV_INSTANCE])
    config = load_config(
        os.environ[ENV_DATABASE], instance, os.environ[ENV_SECRET], os.environ[ENV_FORUM_SECRET]
    )
    return make_app(config, instance)


@contextlib.contextmanager
def gunicorn(
    url: str,
    instance: Path,
    secret: str,
    forum_secret: str,
    log: Path,
    *,
    workers: int = 2,
    preload: bool = False,
) -> Iterator[int]:
    """gunicorn with ``workers`` sync workers serving :func:`served_app` on 127.0.0.1;
    yields its port once the forum answers, and stops it afterwards. With ``preload`` the
    app is built once and the workers are forked from it, with the settings the forum
    ships (``civicforum.gunicorn_config``)."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            ENV_DATABASE: url,
            ENV_INSTANCE: str(instance),
            ENV_SECRET: secret,
            ENV_FORUM_SECRET: forum_secret,
        }
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        *(["--config=python:civicforum.gunicorn_config"] if preload else []),
        "tests.loadclients:served_app()",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{log.read_text()}")
            with contextlib.suppress(OSError):
                if get(port, "/forum/", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def reply_body(client: int, number: int) -> str:
    """The text of a client's post: whole, it tells every post of a run apart."""
    return f"Reply from client {client}, post {number}."


@dataclass
class Outcomes:
    """What one client's posting got from the site."""

    #: body -> the id of the post the publish led to
    acknowledged: dict[str, int] = field(default_factory=dict)
    #: bodies whose publish was answered otherwise (or not at all)
    unacknowledged: list[str] = field(default_factory=list)
    #: every answer's status code
    statuses: Counter[int] = field(default_factory=Counter)
    #: what went wrong, one line each: answers no browser flow expects, failed connections
    problems: list[str] = field(default_factory=list)
    #: acknowledged posts whose text was missing from the page publishing led to
    not_shown: list[str] = field(default_factory=list)
    #: double clicks whose two answers led to different places
    split_clicks: list[str] = field(default_factory=list)
    refused_for_pace: int = 0
    double_clicks: int = 0


class Browser:
    """One member's browser: a cookie jar and one request at a time (two on a double click).

    :param number: the client's number, in its posts' text.
    :param topic_id: the topic it replies to.
    """

    def __init__(self, port: int, number: int, email: str, password: str, topic_id: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.number = number
        self.email = email
        self.password = password
        self.topic_id = topic_id
        self.browser = requests.Session()
        self.outcomes = Outcomes()

    def close(self) -> None:
        self.browser.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        try:
            answer = self.browser.request(
                method, self.base + path, timeout=ANSWER_TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            self.outcomes.problems.append(f"{method} {path}: {type(error).__name__}: {error}")
            return None
        for step in [*answer.history, answer]:
            self.outcomes.statuses[step.status_code] += 1
        return answer

    def _expect(self, answer: requests.Response | None, status: int, what: str) -> str | None:
        if answer is None:
            return None
        if answer.status_code != status:
            self.outcomes.problems.append(f"{what}: {answer.status_code}, expected {status}")
            return None
        return answer.text

    def sign_in(self) -> bool:
        """Through the forum's own sign-in page, as a person with a local account does;
        whether it worked."""
        page = self._expect(self._send("GET", "/forum/account/sign-in"), 200, "sign-in form")
        if page is None:
            return False
        answer = self._send(
            "POST",
            "/forum/account/sign-in",
            data={
                "csrf_token": form_token(page),
                "email": self.email,
                "password": self.password,
                "next": "",
            },
            allow_redirects=False,
        )
        return self._expect(answer, 302, "sign-in") is not None

    def topic_page(self) -> str | None:
        answer = self._send("GET", f"/forum/t/{self.topic_id}/")
        return self._expect(answer, 200, "topic page")

    def post_until(self, deadline: float) -> None:
        """Post replies one after another until ``deadline`` (``time.monotonic()``); the
        post under way then is finished."""
        try:
            page = self.topic_page()
            number = 0
            while time.monotonic() < deadline:
                number += 1
                page = self.post_one(page, number) or self.topic_page()
        except Exception as error:  # a page without its form: the run reports it
            self.outcomes.problems.append(f"client {self.number}: {error!r}")

    def post_one(self, page: str | None, number: int) -> str | None:
        """Preview and publish one reply from the reply form on ``page``; the page the
        browser then shows, or None when it shows none worth going on from."""
        if page is None:
            return None
        body = reply_body(self.number, number)
        reply = f"/forum/t/{self.topic_id}/reply"
        answer = self._send(
            "POST", reply, data={"csrf_token": form_token(page), "body": body, "preview": "1"}
        )
        preview = self._expect(answer, 200, "preview")
        if preview is None:
            return None
        form = {
            "csrf_token": form_token(preview),
            "submission_token": form_token(preview, "submission_token"),
            "previewed": form_token(preview, "previewed"),
            "body": body,
            "warning": "",
            "publish_as": "pseudonym",
            "publish": "Publish",
        }
        if number % DOUBLE_CLICK_EVERY == DOUBLE_CLICK_FIRST:
            answer = self._double_click(reply, form, body)
        else:
            answer = self._send("POST", reply, data=form, allow_redirects=False)
        return self._published(answer, body)

    def _double_click(
        self, reply: str, form: dict[str, str], body: str
    ) -> requests.Response | None:
        """Publish pressed twice: two requests at once, with the same form and cookies;
        the browser shows the answer to the second."""
        self.outcomes.double_clicks += 1
        first: list[requests.Response | None] = []
        jar = self.browser.cookies.copy()

        def press() -> None:
            try:
                first.append(
                    requests.post(
                        self.base + reply,
                        data=form,
                        cookies=jar,
                        allow_redirects=False,
                        timeout=ANSWER_TIMEOUT,
                    )
                )
            except requests.RequestException as error:
                self.outcomes.problems.append(f"first click: {type(error).__name__}: {error}")
                first.append(None)

        other = threading.Thread(target=press)
        other.start()
        second = self._send("POST", reply, data=form, allow_redirects=False)
        other.join()
        earlier = first[0]
        if earlier is not None:
            self.outcomes.statuses[earlier.status_code] += 1
            if second is not None and earlier.headers.get("Location") != second.headers.get(
                "Location"
            ):
                self.outcomes.split_clicks.append(
                    f"{body!r}: {earlier.status_code} {earlier.headers.get('Location')} and "
                    f"{second.status_code} {second.headers.get('Location')}"
                )
        return second

    def _published(self, answer: requests.Response | None, body: str) -> str | None:
        if answer is None:
            self.outcomes.unacknowledged.append(body)
            return None
        found = _POST_LOCATION.search(answer.headers.get("Location", ""))
        if answer.status_code != 302 or found is None:
            self.outcomes.unacknowledged.append(body)
            if answer.status_code == 429:
                self.outcomes.refused_for_pace += 1
            else:
                self.outcomes.problems.append(f"publish: {answer.status_code}")
            return None
        self.outcomes.acknowledged[body] = int(found.group(1))
        shown = self._expect(self._send("GET", found.group(0)), 200, "published reply")
        if shown is not None and body not in shown:
            self.outcomes.not_shown.append(body)
        return shown


@dataclass
class Run:
    browsers: list[Browser]
    seconds: float

    @property
    def acknowledged(self) -> dict[str, int]:
        return {body: i for b in self.browsers for body, i in b.outcomes.acknowledged.items()}

    @property
    def unacknowledged(self) -> list[str]:
        return [body for b in self.browsers for body in b.outcomes.unacknowledged]

    @property
    def statuses(self) -> Counter[int]:
        return sum((b.outcomes.statuses for b in self.browsers), Counter())

    def gathered(self, name: str) -> list[str]:
        return [line for b in self.browsers for line in getattr(b.outcomes, name)]

    @property
    def replies_per_second(self) -> float:
        return len(self.acknowledged) / self.seconds


def run_members(browsers: list[Browser], seconds: float) -> Run:
    """Sign every member in, then let them all post for ``seconds``, each in a thread of
    its own; returns once the last has finished its last post.

    :raises RuntimeError: when a member could not sign in.
    """
    signed_in: list[bool] = []
    signing_in = [
        threading.Thread(target=lambda b=b: signed_in.append(b.sign_in())) for b in browsers
    ]
    for thread in signing_in:
        thread.start()
    for thread in signing_in:
        thread.join()
    if not all(signed_in):
        raise RuntimeError(f"signing in failed: {[b.outcomes.problems for b in browsers]}")
    began = time.monotonic()
    deadline = began + seconds
    posting = [threading.Thread(target=b.post_until, args=(deadline,)) for b in browsers]
    for thread in posting:
        thread.start()
    for thread in posting:
        thread.join()
    return Run(browsers, time.monotonic() - began)
