"""The forum's task queue: work that must not hold up a request, or that is tried again
when it failed (an index write, a report's outcome mail, a password-reset mail, digests).

It is `huey <https://huey.readthedocs.io>`_, kept per app: by default its queue is a
SQLite file in the app's instance folder and a worker thread in each web process runs the
queued tasks, so one machine needs nothing else. A site on several machines points
``CIVICFORUM_TASK_QUEUE`` at Redis or PostgreSQL.

*Periodic* tasks (the scan for digests that are due) run only in ``flask civicforum
worker``, never in the web processes' threads: a server with eight processes would
otherwise scan eight times over. A site without that worker runs ``flask civicforum
digests send`` from cron instead.
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
from huey.storage import BaseSqlStorage
from sqlalchemy.engine import make_url

from .errors import ConfigError
from .forking import renew_after_fork
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


# Queue storages a forked child inherited: kept, never used, never closed (see _after_fork).
_parents_storage: list[Any] = []


class TaskQueue:
    """One app's queue, its tasks and (unless switched off) its worker thread."""

    def __init__(self, app: Flask, setting: str, *, worker: bool) -> None:
        self.huey = make_huey(app, setting)
        self._app = app
        self._worker = worker
        self._started = False
        self._lock = threading.Lock()
        self._consumer: Any = None
        self._named: dict[str, TaskWrapper] = {}
        # Periodic tasks a dedicated worker also queues the moment it starts.
        self._at_start: list[TaskWrapper] = []
        if worker:
            # Work queued before this process served anything (by a command, or before a
            # restart) is picked up on its first request: threads are started late, so
            # that a server that forks its workers gives each one its own.
            app.before_request(self.start_worker)
        renew_after_fork(self, TaskQueue._after_fork)

    def _after_fork(self) -> None:
        # A forked child has none of its parent's threads: its worker starts on its own
        # first request. A queue in SQLite or PostgreSQL gets a storage of its own, which
        # connects on first use (its tables exist: the parent made them); the parent's
        # stays referenced, so the child never closes its connection under the parent.
        self._lock = threading.Lock()
        self._started = False
        self._consumer = None
        if isinstance(self.huey.storage, BaseSqlStorage):
            _parents_storage.append(self.huey.storage)
            self.huey.storage = self.huey.get_storage(
                **{**self.huey.storage_kwargs, "create_tables": False}
            )

    def task(
        self, name: str, *, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 0
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a task of this app's queue; it runs inside the app's context.

        :param retries: how often a task that raised is tried again.
        :param retry_delay: seconds before the first retry.
        :param retry_backoff: each next pause is the previous one times this (2: doubling).
        """

        def register(function: Callable[..., Any]) -> TaskWrapper:
            wrapper: TaskWrapper = self.huey.task(
                retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff, name=name
            )(self._in_app(function))
            self._named[name] = wrapper
            return wrapper

        return register

    def periodic(
        self, name: str, when: Callable[[dt.datetime], bool], *, at_start: bool = False
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register a periodic task: run by ``flask civicforum worker`` whenever ``when``
        (a huey ``crontab``) says so, and also as it starts with ``at_start``."""

        def register(function: Callable[..., Any]) -> TaskWrapper:
            wrapper: TaskWrapper = self.huey.periodic_task(when, name=name)(self._in_app(function))
            self._named[name] = wrapper
            if at_start:
                self._at_start.append(wrapper)
            return wrapper

        return register

    def _in_app(self, function: Callable[..., Any]) -> Callable[..., Any]:
        app = self._app

        def in_app(*args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return function(*args, **kwargs)

        in_app.__name__ = function.__name__
        return in_app

    def named(self, name: str) -> TaskWrapper:
        """The task registered under ``name``.

        :raises KeyError: when no area registered it.
        """
        return self._named[name]

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

    def run_worker(self, workers: int = 1) -> None:
        """Run queued *and* periodic tasks in this process until it is stopped (Ctrl+C, or
        SIGTERM): ``flask civicforum worker``. The periodic tasks that ask for it are
        queued once at the start, so a worker that was down catches up at once."""
        # This process is the worker: queuing here must not start a second one in a thread.
        self._worker = False
        for wrapper in self._at_start:
            self.huey.enqueue(wrapper.s())
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()

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
            # A retry keeps its time (eta): huey would only schedule it again unless told
            # that this is the moment to run it.
            self.huey.execute(task, moment)
            ran += 1
        return ran

    def waiting(self) -> int:
        """Tasks queued or scheduled for a retry."""
        return int(self.huey.pending_count()) + int(self.huey.scheduled_count())


def register_forum_tasks(app: Flask) -> None:
    """Register the tasks of the forum's own areas on ``app``'s queue: digests, the mail
    to reporters, password-reset mail, members' copies of their data and confirmations of
    their addresses (plugins register theirs in ``civicforum_app_ready``)."""
    from .digests.tasks import register_tasks as register_digest_tasks
    from .identity.reset import register_tasks as register_reset_tasks
    from .moderation.mailing import register_tasks as register_mail_tasks
    from .pace.address import register_tasks as register_pace_tasks
    from .privacy.tasks import register_tasks as register_privacy_tasks

    register_digest_tasks(app)
    register_mail_tasks(app)
    register_reset_tasks(app)
    register_privacy_tasks(app)
    register_pace_tasks(app)
