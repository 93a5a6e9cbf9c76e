"""The privacy area's work on the forum's task queue: making a member's copy of their data.

Registered for each app in ``init_app`` (:func:`civicforum.tasks.register_forum_tasks`),
so every process of the site knows it: web workers, and ``flask civicforum worker``.
"""

from __future__ import annotations

from flask import Flask
from huey.api import TaskWrapper

from ..extension import state

EXPORT_TASK = "civicforum.privacy.export"


def register_tasks(app: Flask) -> None:
    queue = state(app).tasks

    # Returns nothing: huey keeps no result for it.
    @queue.task(EXPORT_TASK)
    def make_export(export_id: int, base_url: str) -> None:
        """Make one export, inside a request context with the site's address (of the
        request that asked for it), so the copy's links point at the site."""
        from .export import build_export, exports_folder

        with app.test_request_context(base_url=base_url), state(app).session_factory() as db:
            build_export(db, export_id, exports_folder(app))


def export_task() -> TaskWrapper:
    return state().tasks.named(EXPORT_TASK)
