"""The task queue: work queued before a process served anything runs once it does, in
the web process's own worker thread; a wrong queue setting stops start-up."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from civicforum import CivicForum, ConfigError
from civicforum.db import Base
from civicforum.extension import state

from .conftest import make_host_app


def test_work_queued_before_serving_runs_after_the_first_request(
    database_url: str, tmp_path: Path
) -> None:
    app = make_host_app(
        database_url,
        tmp_path / "instance",
        CIVICFORUM_TASK_QUEUE="sqlite",
        CIVICFORUM_TASK_WORKER=True,
    )
    CivicForum(app)
    Base.metadata.create_all(state(app).engine)
    tasks = state(app).tasks
    done = threading.Event()

    @tasks.task("tests.note")
    def note() -> None:
        done.set()

    # Queued as a command would, in the SQLite file, without starting a worker.
    note()
    assert tasks.waiting() == 1 and not done.is_set()
    try:
        app.test_client().get("/forum/")
        assert done.wait(timeout=10), "the first request did not start the worker"
    finally:
        tasks.stop()
    assert (tmp_path / "instance" / "civicforum-tasks.sqlite3").exists()


@pytest.mark.parametrize("value", ["mysql://db/forum", "", 7, "SQLITE"])
def test_a_wrong_queue_setting_stops_start_up_naming_the_key(
    database_url: str, tmp_path: Path, value: object
) -> None:
    app = make_host_app(database_url, tmp_path / "instance", CIVICFORUM_TASK_QUEUE=value)
    with pytest.raises(ConfigError) as wrong:
        CivicForum(app)
    assert wrong.value.key == "CIVICFORUM_TASK_QUEUE"


def test_on_postgresql_one_machine_queues_and_another_runs(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the queue several machines share")
    queue = database_url.split("?")[0].replace("+psycopg", "")
    ran: list[str] = []
    tasks = []
    for machine in ("a", "b"):
        app = make_host_app(
            database_url,
            tmp_path / machine,
            CIVICFORUM_TASK_QUEUE=queue,
            CIVICFORUM_TASK_WORKER=False,
        )
        CivicForum(app)
        queued = state(app).tasks

        @queued.task(f"tests.greet.{tmp_path.name}")
        def greet(name: str, machine: str = machine) -> None:
            ran.append(f"{name} on {machine}")

        tasks.append((queued, greet))
    (first, greet_from_a), (second, _) = tasks
    try:
        greet_from_a("Ans")
        assert ran == []
        assert second.run_pending() == 1
        assert ran == ["Ans on b"]
    finally:
        first.huey.storage.flush_all()
