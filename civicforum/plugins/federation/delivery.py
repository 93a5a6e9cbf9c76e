"""Sending activities to other servers' inboxes: through the task queue, never in a request.

Each activity for each inbox is a row of ``cf_federation_delivery``; the row, not the
queue, holds the delivery's state, so nothing is lost when a process stops:

- A request (or a command) only writes rows and queues one task per row; the POST itself
  happens in the task queue's worker, so a slow or silent server never holds up a page.
- An attempt first *claims* its row (one UPDATE that moves ``next_attempt_at`` forward),
  so the same delivery is never sent twice at once, even when a row was queued again.
- At most ``CIVICFORUM_FEDERATION_DELIVERIES_PER_HOST`` deliveries to one server run at a
  time, counted in the rate-limit storage (memory on one process, Redis across several);
  an attempt that finds its server busy waits a few seconds.
- A server that answers 2xx has it. A network error, a timeout, a 5xx, 408 or 429 is
  tried again after a pause that doubles from one minute; after
  ``CIVICFORUM_FEDERATION_DELIVERY_ATTEMPTS`` attempts, or at once for any other 4xx
  (the server refuses it and will go on refusing), the row becomes a **dead letter**
  (``given_up_at``) that the community's moderators can read.
- ``flask civicforum worker`` looks every five minutes for rows whose time has come and
  queues them, so deliveries survive a queue kept in memory, or a lost task.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask, json
from huey import crontab
from limits.storage import Storage, storage_from_string
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...clock import now
from ...extension import state
from . import services
from . import settings as config
from .fetching import ACTIVITY_JSON, FetchRefused, check_address
from .models import Block, Delivery, FederationActor
from .remote import host_of
from .signatures import sign_request

log = logging.getLogger(__name__)

SEND = "civicforum.federation.deliver"
SCAN = "civicforum.federation.resume"
FIRST_PAUSE = dt.timedelta(minutes=1)
#: How long an attempt holds its row (and its server's slot) at most.
LEASE = dt.timedelta(minutes=2)
#: How long to wait when a server already has as many deliveries as it may.
BUSY_PAUSE = 5
TIMEOUT = 10.0
SLOT_PREFIX = "civicforum-federation-host/"
#: Which statuses are worth trying again; any other 4xx is a refusal.
RETRY_STATUSES = frozenset({408, 425, 429})


def register_tasks(app: Flask) -> None:
    """The delivery task, and the periodic scan that picks up rows whose time has come."""
    queue = state(app).tasks

    @queue.task(SEND)
    def deliver(delivery_id: int) -> None:
        attempt(app, delivery_id)

    @queue.periodic(SCAN, crontab(minute="*/5"), at_start=True)
    def resume() -> None:
        send_due(app)


def enqueue(
    db: Session, community_id: int, activity: dict[str, Any], inboxes: Iterable[str]
) -> list[int]:
    """Write one delivery per distinct inbox and commit; returns their ids, for
    :func:`send_soon` once committed."""
    body = json.dumps(activity, ensure_ascii=False)
    moment = now()
    rows = [
        Delivery(
            community_id=community_id,
            inbox=inbox,
            host=host_of(inbox),
            activity_id=str(activity.get("id", "")),
            activity_type=str(activity.get("type", "")),
            body=body,
            attempts=0,
            created_at=moment,
            next_attempt_at=moment,
        )
        for inbox in dict.fromkeys(inboxes)
    ]
    db.add_all(rows)
    db.commit()
    return [row.id for row in rows]


def send_soon(app: Flask, ids: Sequence[int]) -> None:
    """Queue an attempt for each delivery (the worker sends them, not this process)."""
    tasks = state(app).tasks
    task = tasks.named(SEND)
    for delivery_id in ids:
        tasks.enqueue(task, delivery_id)


def send_due(app: Flask) -> int:
    """Queue every delivery whose next attempt is due; returns how many."""
    with state(app).session_factory() as db:
        due = db.scalars(
            select(Delivery.id).where(
                Delivery.delivered_at.is_(None),
                Delivery.given_up_at.is_(None),
                Delivery.next_attempt_at <= now(),
            )
        ).all()
    send_soon(app, due)
    return len(due)


def _claim(db: Session, delivery_id: int) -> Delivery | None:
    """The delivery, held for this attempt; None when it is done, dead, not yet due, or
    held by another attempt."""
    moment = now()
    claimed = db.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.delivered_at.is_(None),
            Delivery.given_up_at.is_(None),
            Delivery.next_attempt_at <= moment,
        )
        .values(next_attempt_at=moment + LEASE)
    )
    db.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.get(Delivery, delivery_id)


class HostSlots:
    """How many deliveries to each server run now, across processes (see the module)."""

    def __init__(self, storage_url: str, per_host: int) -> None:
        storage = storage_from_string(storage_url)
        assert isinstance(storage, Storage)
        self._storage = storage
        self._per_host = per_host

    def take(self, host: str) -> bool:
        key = SLOT_PREFIX + host
        if self._storage.incr(key, int(LEASE.total_seconds())) <= self._per_host:
            return True
        self._storage.incr(key, int(LEASE.total_seconds()), amount=-1)
        return False

    def give_back(self, host: str) -> None:
        key = SLOT_PREFIX + host
        if self._storage.incr(key, int(LEASE.total_seconds()), amount=-1) < 0:
            self._storage.clear(key)


def attempt(app: Flask, delivery_id: int) -> None:
    """One attempt at a delivery (the task's body; see the module for what follows)."""
    from . import runtime

    slots = runtime.of(app).slots
    with state(app).session_factory() as db:
        delivery = _claim(db, delivery_id)
        if delivery is None:
            return
        if not slots.take(delivery.host):
            delivery.next_attempt_at = now()
            db.commit()
            state(app).tasks.named(SEND).schedule((delivery_id,), delay=BUSY_PAUSE)
            return
        try:
            outcome = _post(app, db, delivery)
        finally:
            slots.give_back(delivery.host)
        _record(app, db, delivery, outcome)


def _post(app: Flask, db: Session, delivery: Delivery) -> int | str:
    """The status a server answered, or why nothing was sent (a short text)."""
    actor = db.get(FederationActor, delivery.community_id)
    if actor is None or services.federated_actor(db, actor.community) is None:
        return "refused: the community is not federated now"
    if _host_blocked(db, delivery):
        return "refused: the server is blocked in the community"
    key_id = _key_id(delivery)
    body = delivery.body.encode()
    try:
        check_address(delivery.inbox, config.fetch_policy(app))
    except FetchRefused as refused:
        return f"refused: {refused}"
    headers = sign_request(
        "POST",
        delivery.inbox,
        key_id=key_id,
        private_key_pem=actor.private_key_pem,
        body=body,
        headers={"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_JSON},
    )
    import requests  # here, not at start: most web processes never deliver (~5 MiB)

    try:
        response = requests.post(
            delivery.inbox, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as error:
        return f"network: {type(error).__name__}"
    with response:
        return response.status_code


def _host_blocked(db: Session, delivery: Delivery) -> bool:
    from .blocks import HOST

    query = select(Block.id).where(
        Block.community_id == delivery.community_id,
        Block.lifted_at.is_(None),
        Block.kind == HOST,
        Block.target == delivery.host,
    )
    return db.scalar(query.limit(1)) is not None


def _key_id(delivery: Delivery) -> str:
    activity = json.loads(delivery.body)
    actor = activity.get("actor")
    return f"{actor}#main-key"


def _record(app: Flask, db: Session, delivery: Delivery, outcome: int | str) -> None:
    delivery.attempts += 1
    if isinstance(outcome, int) and 200 <= outcome < 300:
        delivery.delivered_at = now()
        delivery.next_attempt_at = None
        delivery.last_error = None
        db.commit()
        return
    delivery.last_error = (f"HTTP {outcome}" if isinstance(outcome, int) else outcome)[:500]
    refused = isinstance(outcome, int) and 400 <= outcome < 500 and outcome not in RETRY_STATUSES
    refused = refused or (isinstance(outcome, str) and outcome.startswith("refused"))
    if refused or delivery.attempts >= config.plugin_settings(app)[config.DELIVERY_ATTEMPTS]:
        delivery.given_up_at = now()
        delivery.next_attempt_at = None
        db.commit()
        log.warning(
            "Delivery %s to %s given up: %s", delivery.id, delivery.inbox, delivery.last_error
        )
        return
    pause = FIRST_PAUSE * 2 ** (delivery.attempts - 1)
    delivery.next_attempt_at = now() + pause
    db.commit()
    state(app).tasks.named(SEND).schedule((delivery.id,), delay=int(pause.total_seconds()))


def dead_letters(db: Session, community_id: int, limit: int = 50) -> Sequence[Delivery]:
    """The deliveries of a community that were given up, newest first."""
    query = (
        select(Delivery)
        .where(Delivery.community_id == community_id, Delivery.given_up_at.is_not(None))
        .order_by(Delivery.given_up_at.desc(), Delivery.id.desc())
        .limit(limit)
    )
    return db.scalars(query).all()


def try_again(db: Session, delivery: Delivery) -> None:
    """Make a dead letter a fresh delivery (a moderator asks, once the server is back)."""
    delivery.given_up_at = None
    delivery.attempts = 0
    delivery.next_attempt_at = now()
    db.commit()
