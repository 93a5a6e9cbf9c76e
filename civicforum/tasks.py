"""The forum's task queue: work that must not hold up a request, or that is tried again
when it failed (an index write, later digests and deliveries to other servers).

It is `huey <https://huey.readthedocs.io>`_, kept per app: by default its queue is a
SQLite file in the app's instance folder and a worker thread in each process runs the
tasks, so one machine needs nothing else. A site on several machines points
``CIVICFORUM_TASK_QUEUE`` at Redis or PostgreSQL and may run the workers apart with
``flask civicforum tasks work``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy.engine import make_url

from .errors import ConfigError
from .settings import TASK_QUEUE_KEY

log = logging.getLogger(__name__)


def make_huey(app: Flask, setting: str) -> Huey:
    """The queue ``setting`` names: ``"sqlite"`` (a file in the instance folder),
    ``"memory"`` (this process only: for tests), ``redis://...`` or ``postgresql://...``.

    :raises ConfigError: for anything else, naming ``CIVICFORUM_TASK_QUEUE``.
    """
    name = f"civicforum-{app.name}"
    if setting == "sqlite":
        folder = Path(app.instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(folder / "civicforum-tasks.sqlite3"), utc=True)
    if setting == "memory":
        return MemoryHuey(name, utc=True)
    if setting.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=setting, utc=True)
    if setting.startswith(("postgresql://", "postgres://")):
        # psycopg's own form of the URL, without SQLAlchemy's "+driver".
        dsn = make_url(setting).set(drivername="postgresql").render_as_string(False)
        return PostgresHuey(name, utc=True, dsn=dsn)
    raise ConfigError(
        TASK_QUEUE_KEY,
        f"expected 'sqlite', 'memory', a redis:// or a postgresql:// URL, got {setting!r}",
    )


class TaskQueue:
    """One app's queue, its tasks and (unless switched off) its worker thread."""

    def __init__(self, app: Flask, setting: str, *, worker: bool) -> None:
        self.huey = make_huey(app, setting)
        self._app = app
        self._worker = worker
        self._started = False
        self._lock = threading.Lock()
        self._consumer: Any = None
        if worker:
            # Work queued before this process served anything (by a command, or before a
            # restart) is picked up on its first request: threads are started late, so
            # that a server that forks its workers gives each one its own.
            app.before_request(self.start_worker)

    def task(
        self, name: str, *, retries: int = 0, retry_delay: int = 0
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a task of this app's queue; it runs inside the app's context."""

        def register(function: Callable[..., Any]) -> TaskWrapper:
            app = self._app

            def in_app(*args: Any, **kwargs: Any) -> Any:
                with app.app_context():
                    return function(*args, **kwargs)

            in_app.__name__ = function.__name__
            wrapper: TaskWrapper = self.huey.task(
                retries=retries, retry_delay=retry_delay, name=name
            )(in_app)
            return wrapper

        return register

    def enqueue(self, task: TaskWrapper, *args: Any) -> None:
        """Queue ``task``; the worker thread of this process is started on first use."""
        task(*args)
        self.start_worker()

    def start_worker(self) -> None:
        if not self._worker or self._started:
            return
        with self._lock:
            if self._started:
                return
            consumer = self.huey.create_consumer(
                workers=1, worker_type="thread", periodic=False, check_worker_health=False
            )
            # Huey's own scheduler (due retries) and worker, as daemon threads; the
            # consumer's signal handling is left to the host's server.
            consumer.scheduler.start()
            for _, thread in consumer.worker_threads:
                thread.start()
            self._consumer = consumer
            self._started = True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop this process's worker threads, letting a running task finish."""
        consumer = self._consumer
        if consumer is None:
            return
        consumer.stop_flag.set()
        for thread in [consumer.scheduler, *(t for _, t in consumer.worker_threads)]:
            thread.join(timeout)
        self._consumer = None
        self._started = False

    def run_pending(self, *, retries_too: bool = False) -> int:
        """Run every task that is due now, here and at once (the CLI, tests); returns how
        many ran.

        :param retries_too: also run the retries waiting for their time.
        """
        ran = 0
        moment = dt.datetime(9999, 1, 1) if retries_too else None
        for task in self.huey.read_schedule(moment):
            self.huey.enqueue(task)
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            ran += 1
        return ran

    def waiting(self) -> int:
        """Tasks queued or scheduled for a retry."""
        return int(self.huey.pending_count()) + int(self.huey.scheduled_count())
