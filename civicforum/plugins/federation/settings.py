"""The federation plugin's settings, and the fetching policy they make.

By default the forum talks only to servers on the public internet over https: that is
what keeps an address in someone else's activity from reaching the forum's own network
(see :mod:`.fetching`). A test peer on loopback, or a federation between servers inside
one organisation, needs more, and says so with these settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from ... import settingchecks as check
from ...extension import state
from ...settings import Spec
from .fetching import Policy

ALLOW_HTTP = "CIVICFORUM_FEDERATION_ALLOW_HTTP"
ALLOW_PRIVATE = "CIVICFORUM_FEDERATION_ALLOW_PRIVATE_ADDRESSES"
DELIVERY_ATTEMPTS = "CIVICFORUM_FEDERATION_DELIVERY_ATTEMPTS"
PER_HOST = "CIVICFORUM_FEDERATION_DELIVERIES_PER_HOST"

SPECS: tuple[Spec, ...] = (
    Spec(
        ALLOW_HTTP,
        False,
        check.flag,
        "Federation: also talk to servers over plain http (never on a real site; for a "
        "test peer or a closed network).",
    ),
    Spec(
        ALLOW_PRIVATE,
        False,
        check.flag,
        "Federation: also talk to servers on loopback and private networks (a test peer, "
        "or servers inside one organisation). Off, such addresses are refused.",
    ),
    Spec(
        DELIVERY_ATTEMPTS,
        8,
        check.whole(1, 20),
        "Federation: how often an activity is sent to an inbox before it becomes a dead "
        "letter; the pauses double from one minute (8 attempts: about two hours).",
    ),
    Spec(
        PER_HOST,
        2,
        check.whole(1, 16),
        "Federation: at most this many deliveries to one server at a time, across all "
        "the forum's processes.",
    ),
)


def plugin_settings(app: Any = None) -> Mapping[str, Any]:
    return state(app or current_app).settings.extra


def fetch_policy(app: Any = None) -> Policy:
    """What the site allows beyond public https servers."""
    values = plugin_settings(app)
    return Policy(allow_http=values[ALLOW_HTTP], allow_private=values[ALLOW_PRIVATE])
