# mypy: disable-error-code="empty-body"
# (Hook specifications have no body: plugins supply it.)
"""Every hook a civicforum plugin can implement.

Plugins implement hooks with :data:`civicforum.hookimpl`; docs/plugin_hooks.md documents
each one with its signature, when it fires, what it returns and an example, and a test
keeps that page and this module in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask
    from markupsafe import Markup
    from sqlalchemy.orm import Session

    from .api.registry import Api
    from .digests.sections import DigestSection
    from .embed.sections import EmbedSection
    from .events import Event
    from .forum.models import Community
    from .identity.models import Member
    from .moving.records import RecordKind
    from .policy import Actor
    from .privacy.personal import PersonalData
    from .searchable import SearchSource
    from .settings import Spec

hookspec = pluggy.HookspecMarker("civicforum")
hookimpl = pluggy.HookimplMarker("civicforum")

#: The named places in the forum's pages where plugins may add markup.
TEMPLATE_SLOTS = (
    "forum_navigation",
    "community_header",
    "community_sidebar",
    "topic_header",
    "post_footer",
    "member_profile",
)


@hookspec
def civicforum_settings() -> Sequence[Spec]:
    """Declare the plugin's own ``CIVICFORUM_*`` settings, with types and defaults.

    Called once in ``init_app``, before the settings are read; the keys are checked with
    the forum's own, so an unknown or wrong plugin setting stops start-up too.
    """


@hookspec
def civicforum_event_types() -> Sequence[type[Event]]:
    """Declare the plugin's own domain event types (frozen dataclasses subclassing
    :class:`civicforum.events.Event`), so they may be recorded and delivered."""


@hookspec
def civicforum_event(event: Event, settings: Mapping[str, Any]) -> None:
    """React to a domain event, after the transaction that caused it committed.

    Never called for work that was rolled back. Called inside the app context of the forum
    that recorded the event, also for work done from the CLI or a task. ``settings``
    holds every setting by key.
    """


@hookspec
def civicforum_template_slot(slot: str, context: Mapping[str, Any]) -> str | Markup | None:
    """Markup for a named slot of a page (see :data:`TEMPLATE_SLOTS`).

    Plain strings are escaped; return :class:`markupsafe.Markup` to add HTML on purpose.
    ``context`` holds what the page shows (``community``, ``topic``, ``post``, ``actor``).
    """


@hookspec
def civicforum_routes(blueprint: Blueprint) -> None:
    """Add routes under the forum's URL prefix to ``blueprint`` (the forum's own)."""


@hookspec
def civicforum_cli_commands() -> Sequence[click.Command]:
    """Commands to add to ``flask civicforum``."""


@hookspec
def civicforum_migration_locations() -> Sequence[Path]:
    """Folders of Alembic revisions for the plugin's own tables, on their own branch;
    ``flask civicforum db upgrade`` applies them with the forum's."""


@hookspec
def civicforum_app_ready(app: Flask) -> None:
    """The forum is set up on ``app``: its settings, database and plugins are in place.

    Called once at the end of ``init_app``. A plugin makes its per-app state here (keep
    it in ``app.extensions``) and checks its settings against the forum's; raising
    :class:`civicforum.ConfigError` stops start-up with the key it names.
    """


@hookspec
def civicforum_community_records() -> Sequence[RecordKind]:
    """Record kinds the plugin adds to a community's export file, as
    :class:`civicforum.moving.records.RecordKind` objects: how its rows of one community
    become records, which records they name, and how they are written back on import.
    They follow the forum's own kinds in the file, in the order the plugins load."""


@hookspec
def civicforum_search_sources() -> Sequence[SearchSource]:
    """Content the plugin makes searchable, as :class:`civicforum.searchable.SearchSource`
    objects: how its rows become documents, which domain events change them, and what a
    result shows to whom (asking the policy). The search plugin indexes them all."""


@hookspec
def civicforum_digest_sections(
    db: Session, member: Member, since: dt.datetime, until: dt.datetime
) -> Sequence[DigestSection]:
    """What the plugin has for ``member``'s digest: what changed between ``since`` and
    ``until`` (UTC) that concerns them, as :class:`civicforum.digests.sections.DigestSection`
    objects in the current language (the digest is made in the member's language, inside
    a request context with the site's address, so ``url_for(..., _external=True)`` works).

    Called for each member whose digest is due. Return nothing when nothing happened: a
    digest with no sections is not sent. Never counts of likes or views.
    """


@hookspec
def civicforum_personal_data(db: Session, member: Member) -> PersonalData | None:
    """The plugin's part of ``member``'s personal data export (GDPR Articles 15 and 20),
    as a :class:`civicforum.privacy.personal.PersonalData`: records for ``member.json``
    (under ``plugins.<key>``) and files for the ZIP. Called in the task that makes the
    export, inside a request context with the site's address and the member's language.
    Include only what is about the member: never another person's personal data.
    """


@hookspec
def civicforum_member_erasing(db: Session, member: Member) -> None:
    """``member`` is being erased (GDPR Article 17): remove what the plugin keeps about
    them, in ``db``'s transaction, which commits the erasure afterwards (do not commit).
    Whatever others still need (a waiting list moving up) is done here too.
    """


@hookspec
def civicforum_api(api: Api) -> None:
    """Add operations to the REST API under ``/api/v1/``.

    ``api`` is a :class:`civicforum.api.registry.Api`: its ``operation`` decorator adds
    a route with its marshmallow schemas, and the OpenAPI document describes it at once.
    Read the actor with ``api.actor()`` and decide with :mod:`civicforum.policy`, as the
    pages do.
    """


@hookspec
def civicforum_embed_sections(
    community: Community, actor: Actor, limit: int
) -> EmbedSection | None:
    """A section for a community's widget (``/embed/c/SLUG/latest``), such as the events
    plugin's "coming up": at most ``limit`` items that ``actor`` (an anonymous visitor, or
    the member of a personal feed token) may read, as a
    :class:`civicforum.embed.sections.EmbedSection`; None for nothing to add."""
