"""Requests a host's ``CSRFProtect`` must let through: ones that carry no session cookie
and so cannot be forged from another site (a mail program's one-click unsubscribe, the
REST API's token-bearing calls).

A host may set up Flask-WTF's ``CSRFProtect`` before or after the forum, so the
exemption is made at once when it is there, and otherwise on each request until it is.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask


def exempt_from_host_csrf(app: Flask, target: str | Blueprint) -> None:
    """Exempt a view (``"module.function"``) or a blueprint from the host's CSRFProtect."""
    done = {"exempted": False}

    def exempt() -> None:
        if done["exempted"]:
            return
        protect = app.extensions.get("csrf")
        if protect is not None:
            protect.exempt(target)
            done["exempted"] = True

    exempt()
    if not done["exempted"]:
        _before_every_request(app, exempt)


def _before_every_request(app: Flask, function: Any) -> None:
    # Registered on the app (not the blueprint), ahead of what a later CSRFProtect adds.
    app.before_request_funcs.setdefault(None, []).insert(0, function)
