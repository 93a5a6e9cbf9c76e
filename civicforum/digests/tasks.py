"""The digests on the forum's task queue: a periodic scan that queues one send task per
member whose digest is due, and that send task.

The scan runs every five minutes in ``flask civicforum worker`` (and once as it starts),
never in the web processes' worker threads. The send tasks it queues run wherever queued
work runs. A send task queued twice, or a scan run twice, sends nothing twice: the claim
in the digest log decides (see :mod:`.sending`). A refused digest is not retried by
huey but found again by a later scan once its pause is over, so a lost task or a
restarted queue loses nothing either.
"""

from __future__ import annotations

from flask import Flask
from huey import crontab

from ..extension import state
from .sending import due_members, send_digest

SCAN = "civicforum.digests.scan"
SEND = "civicforum.digests.send"
#: How often the worker looks for digests that are due.
EVERY = crontab(minute="*/5")


def register_tasks(app: Flask) -> None:
    queue = state(app).tasks

    # Tasks return nothing: huey keeps no result for them.
    @queue.task(SEND)
    def send(member_id: int) -> None:
        send_digest(app, member_id)

    @queue.periodic(SCAN, EVERY, at_start=True)
    def scan() -> None:
        forum = state(app)
        with forum.session_factory() as db:
            due = due_members(db, forum.settings)
        for member_id in due:
            send(member_id)
