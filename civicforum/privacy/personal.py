"""What a plugin adds to a member's data export
(:func:`civicforum.hookspecs.civicforum_personal_data`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PersonalData:
    """A plugin's part of a member's export.

    :param key: the plugin's key in ``member.json`` (e.g. ``"events"``).
    :param records: JSON-ready data about the member only: never another person's name,
        address or text.
    :param files: further files for the ZIP, by path inside it (e.g. ``"events.ics"``).
    """

    key: str
    records: Any
    files: Mapping[str, bytes] = field(default_factory=dict)
