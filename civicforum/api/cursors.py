"""Opaque cursors for keyset pages: where the last page ended, never an offset.

A cursor is URL-safe base64 of a small JSON list that starts with the kind of list it
belongs to, so a cursor of one list handed to another is refused like a made-up one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from ..i18n import gettext as _
from .problems import Problem


def encode(kind: str, *values: Any) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, kind: str, shape: tuple[type, ...]) -> list[Any] | None:
    """The values of a cursor of ``kind`` with values of the types in ``shape``; None for
    no cursor (the first page).

    :raises Problem: 400 for anything else.
    """
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _bad() from None
    if not isinstance(values, list) or len(values) != len(shape) + 1 or values[0] != kind:
        raise _bad()
    checked: list[Any] = []
    for value, wanted in zip(values[1:], shape, strict=True):
        if wanted is int:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
                raise _bad()
            checked.append(value)
        elif wanted is dt.datetime:
            try:
                moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise _bad()
            checked.append(moment)
        else:  # pragma: no cover - a programming error, not input
            raise TypeError(wanted)
    return checked


def _bad() -> Problem:
    return Problem(
        400,
        _("This cursor is not one the forum gave out for this list. Start again without it."),
        code="invalid-cursor",
        errors={"cursor": [_("Not a valid cursor.")]},
    )
