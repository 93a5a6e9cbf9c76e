"""Local events: agendas read from and published as iCalendar, with pages and RSVP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Blueprint
from markupsafe import Markup

from ...events import Event
from ...hookspecs import hookimpl
from ...searchable import SearchSource
from .domain import EVENT_TYPES
from .importer import events_group

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

    from ...api.registry import Api
    from ...digests.sections import DigestSection
    from ...embed.sections import EmbedSection
    from ...forum.models import Community
    from ...identity.models import Member
    from ...moving.records import RecordKind
    from ...policy import Actor
    from ...privacy.personal import PersonalData

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


# -- the widget: what is coming up, on an institution's home page ------------------------


@hookimpl
def civicforum_embed_sections(
    community: Community, actor: Actor, limit: int
) -> EmbedSection | None:
    """"Coming up": the community's next events (see :mod:`.embed`)."""
    from .embed import coming_up

    return coming_up(community, actor, limit)


# -- search: events are found on the search page -------------------------------------------


@hookimpl
def civicforum_community_records() -> Sequence[RecordKind]:
    """Organiser rights and events in a community's export file (civicforum.moving)."""
    from .moving import KINDS

    return KINDS


@hookimpl
def civicforum_search_sources() -> Sequence[SearchSource]:
    """Events, by title, description and venue (see :mod:`.search`)."""
    from .search import EventSource

    return [EventSource()]


# -- digests: changes to events the member answered -----------------------------------------


@hookimpl
def civicforum_digest_sections(
    db: Session, member: Member, since: dt.datetime, until: dt.datetime
) -> Sequence[DigestSection]:
    """Events the member answered that were cancelled, postponed, moved online or given a
    new date, and places that came free for them, in the period (see :mod:`.digest`)."""
    from .digest import sections

    return sections(db, member, since, until)


# -- a person's data: their copy of it, and its erasure ------------------------------------


@hookimpl
def civicforum_personal_data(db: Session, member: Member) -> PersonalData:
    """The member's answers, what they organise, and ``events.ics`` of the events they
    are going or may go to (see :mod:`.personal`)."""
    from .personal import personal_data

    return personal_data(db, member)


@hookimpl
def civicforum_member_erasing(db: Session, member: Member) -> None:
    """Remove the member's answers, giving freed places to the waiting list, and their
    organising (see :mod:`.personal`)."""
    from .personal import forget_member

    forget_member(db, member)


@hookimpl
def civicforum_api(api: Api) -> None:
    """A community's coming events, one event, and answering it (see :mod:`.api`)."""
    from .api import register

    register(api)
