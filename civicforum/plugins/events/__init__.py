"""Local events: agendas read from and published as iCalendar, with pages and RSVP."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ...events import Event
from ...hookspecs import hookimpl
from .domain import EVENT_TYPES
from .importer import events_import

# -- data: tables and domain events ------------------------------------------------------

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@hookimpl
def civicforum_migration_locations() -> Sequence[Path]:
    """The ``events`` branch of revisions, creating the plugin's ``cf_event*`` tables."""
    return [MIGRATIONS]


@hookimpl
def civicforum_event_types() -> Sequence[type[Event]]:
    """The plugin's domain events (see :mod:`.domain`)."""
    return EVENT_TYPES


# -- command line: importing agendas -----------------------------------------------------


@hookimpl
def civicforum_cli_commands() -> Sequence[click.Command]:
    """``flask civicforum events-import``: an iCalendar agenda into a community."""
    return [events_import]
