"""Local events: agendas read from and published as iCalendar, with pages and RSVP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Blueprint
from markupsafe import Markup

from ...events import Event
from ...hookspecs import hookimpl
from ...searchable import SearchSource
from .domain import EVENT_TYPES
from .importer import events_group

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
    """``flask civicforum events import``: an iCalendar agenda into a community."""
    return [events_group]


# -- pages: the agenda, events, and what they add to the forum's pages --------------------


@hookimpl
def civicforum_routes(blueprint: Blueprint) -> None:
    """The agenda, event pages, organisers' forms and calendar files, as a blueprint
    nested in the forum's (endpoints ``civicforum.events.*``)."""
    from .views import make_blueprint

    blueprint.register_blueprint(make_blueprint())


@hookimpl
def civicforum_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | None:
    """What is coming up beside a community, the event a topic is about, and notices."""
    from . import slots

    return slots.render(slot, context)


# -- search: events are found on the search page -------------------------------------------


@hookimpl
def civicforum_search_sources() -> Sequence[SearchSource]:
    """Events, by title, description and venue (see :mod:`.search`)."""
    from .search import EventSource

    return [EventSource()]
