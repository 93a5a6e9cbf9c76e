"""One site served by several processes: the app each gunicorn worker builds
(``tests.sharedsite:served_app()``), and the same app for a command run elsewhere.

Everything a process needs comes from the environment (see :func:`environment`), so every
process of the site has the same secrets, database, rate-limit store and task queue, as
the processes of one site behind a load balancer have. Each answer names the process that
made it (``X-Process``), so a test can see that both processes served.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask, Response

from civicforum import CivicForum
from civicforum.identity import services as identity_services

PROCESS_HEADER = "X-Process"
SITE = "http://127.0.0.1"

ENV_DATABASE = "SHARED_SITE_DATABASE_URL"
ENV_INSTANCE = "SHARED_SITE_INSTANCE"
ENV_SECRET = "SHARED_SITE_SECRET"
ENV_RATELIMIT_STORAGE = "SHARED_SITE_RATELIMIT_STORAGE_URL"
ENV_QUEUE = "SHARED_SITE_QUEUE"
ENV_SMTP_PORT = "SHARED_SITE_SMTP_PORT"


def environment(
    *,
    database_url: str,
    instance: Path,
    secret: str,
    ratelimit_storage: str,
    queue: str,
    smtp_port: int | None = None,
) -> dict[str, str]:
    """The environment for a process of this site (added to the test's own)."""
    env = {
        ENV_DATABASE: database_url,
        ENV_INSTANCE: str(instance),
        ENV_SECRET: secret,
        ENV_RATELIMIT_STORAGE: ratelimit_storage,
        ENV_QUEUE: queue,
        "PYTHONUNBUFFERED": "1",
        # gunicorn's control socket is one path in the home folder by default: two masters
        # (and any other gunicorn on the machine) would take it from each other.
        "GUNICORN_CMD_ARGS": "--no-control-socket",
    }
    if smtp_port is not None:
        env[ENV_SMTP_PORT] = str(smtp_port)
    return env


def config(env: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "SECRET_KEY": env[ENV_SECRET],
        "CIVICFORUM_SECRET_KEY": env[ENV_SECRET],
        "CIVICFORUM_DATABASE_URL": env[ENV_DATABASE],
        "CIVICFORUM_RATELIMIT_STORAGE_URL": env[ENV_RATELIMIT_STORAGE],
        "CIVICFORUM_TASK_QUEUE": env[ENV_QUEUE],
        # The web processes only queue; whatever runs the queue is another process.
        "CIVICFORUM_TASK_WORKER": False,
        "CIVICFORUM_SIGNIN_RATE_LIMIT": "5 per hour",
        # Room for a visitor's several reports from one address (the default is 3).
        "CIVICFORUM_NEW_MEMBER_REPORT_RATE_LIMIT": "20 per hour",
        "CIVICFORUM_DEFAULT_LANGUAGE": "en",
    }
    if env.get(ENV_SMTP_PORT):
        settings.update(
            CIVICFORUM_MAIL_SERVER="127.0.0.1",
            CIVICFORUM_MAIL_PORT=int(env[ENV_SMTP_PORT]),
            CIVICFORUM_MAIL_SENDER="forum@bibliotheek.example.org",
            CIVICFORUM_SITE_URL=SITE,
        )
    return settings


def make_app(env: Mapping[str, str]) -> Flask:
    """One process's app, built from :func:`environment`'s variables."""
    app = Flask("sharedsite", instance_path=env[ENV_INSTANCE])
    app.config.update(config(env))
    CivicForum(app, url_prefix="/forum")

    @app.after_request
    def name_the_process(response: Response) -> Response:
        response.headers[PROCESS_HEADER] = str(os.getpid())
        return response

    return app


def served_app() -> Flask:
    """The app every gunicorn worker builds: ``tests.sharedsite:served_app()``."""
    # Real argon2 at its lowest cost, as in the tests' own process (see tests/conftest.py).
    identity_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return make_app(os.environ)
