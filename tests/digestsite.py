"""A host app for running the forum's commands in another process, as cron or a service
manager would: ``python -m tests.digestsite civicforum digests send``.

Everything comes from the environment (see :func:`environment`): the database and queue
the test uses, its SMTP sink, and optionally the forum's clock held at a moment
(``DIGEST_SITE_NOW``, ISO 8601), so a digest is due in the other process as in the test.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup

from civicforum import CivicForum

SITE = "https://bibliotheek.example"


def environment(
    *,
    database_url: str,
    instance: Path,
    secret: str,
    smtp_port: int,
    queue: str = "memory",
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """The environment for a process running this site, on top of the test's own."""
    env = {
        **os.environ,
        "DIGEST_SITE_DATABASE_URL": database_url,
        "DIGEST_SITE_INSTANCE": str(instance),
        "DIGEST_SITE_SECRET": secret,
        "DIGEST_SITE_SMTP_PORT": str(smtp_port),
        "DIGEST_SITE_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    if now is not None:
        env["DIGEST_SITE_NOW"] = now.isoformat()
    return env


def config(
    *, database_url: str, secret: str, smtp_port: int, queue: str = "memory"
) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": secret,
        "CIVICFORUM_SECRET_KEY": secret,
        "CIVICFORUM_DATABASE_URL": database_url,
        "CIVICFORUM_TASK_QUEUE": queue,
        "CIVICFORUM_TASK_WORKER": False,
        "CIVICFORUM_MAIL_SERVER": "127.0.0.1",
        "CIVICFORUM_MAIL_PORT": smtp_port,
        "CIVICFORUM_MAIL_SENDER": "forum@bibliotheek.example.org",
        "CIVICFORUM_SITE_URL": SITE,
        "CIVICFORUM_SITE_NAME": "Bibliotheek Voorbeeldstad",
        "CIVICFORUM_DEFAULT_LANGUAGE": "en",
    }


def create_app() -> Flask:
    env = os.environ
    app = Flask("host", instance_path=env["DIGEST_SITE_INSTANCE"])
    app.config.update(
        config(
            database_url=env["DIGEST_SITE_DATABASE_URL"],
            secret=env["DIGEST_SITE_SECRET"],
            smtp_port=int(env["DIGEST_SITE_SMTP_PORT"]),
            queue=env.get("DIGEST_SITE_QUEUE", "memory"),
        )
    )
    CivicForum(app, url_prefix="/forum")
    return app


def hold_clock(moment: dt.datetime) -> None:
    import civicforum.clock

    civicforum.clock.now = lambda: moment  # type: ignore[assignment]


if __name__ == "__main__":
    if os.environ.get("DIGEST_SITE_NOW"):
        hold_clock(dt.datetime.fromisoformat(os.environ["DIGEST_SITE_NOW"]))
    FlaskGroup(create_app=create_app).main(args=sys.argv[1:], prog_name="flask")
