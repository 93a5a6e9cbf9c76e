"""What federation keeps per app while it runs: remote keys, the replay guard, and the
count of deliveries per server.

Made when the forum starts (``civicforum_app_ready``) from the app's settings. The keys
are kept per process (a cache: any process can fetch them again); the replay guard and
the per-server counts live in the rate-limit storage, so that several processes share
them when that storage is Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from ...extension import state
from . import settings as config
from . import siteactor
from .delivery import HostSlots
from .keys import RemoteKeys
from .replays import ReplayGuard

KEY = "civicforum.federation"


@dataclass
class Runtime:
    keys: RemoteKeys
    replays: ReplayGuard
    slots: HostSlots


def install(app: Flask) -> Runtime:
    settings = state(app).settings
    runtime = Runtime(
        # Keys are fetched while an inbox request waits, signed as the forum itself.
        keys=RemoteKeys(fetch=siteactor.signed_fetch),
        replays=ReplayGuard(settings.ratelimit_storage_url),
        slots=HostSlots(settings.ratelimit_storage_url, settings.extra[config.PER_HOST]),
    )
    app.extensions[KEY] = runtime
    return runtime


def of(app: Any = None) -> Runtime:
    target = app or current_app
    runtime: Runtime = target.extensions[KEY]
    return runtime
