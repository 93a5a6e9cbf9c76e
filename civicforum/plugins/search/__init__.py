"""Search: one page to find earlier discussions, reliable information and events, never
showing a word of what the searcher may not read.

Built only on public hooks. The forum and its plugins declare what is searchable with
``civicforum_search_sources``; this plugin indexes it as their domain events arrive,
in Whoosh (the embedded default) or in PostgreSQL (``CIVICFORUM_SEARCH_BACKEND``).
Leave ``search`` out of ``CIVICFORUM_PLUGINS`` and the page, its link and its command
are gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask, current_app, has_app_context, url_for
from markupsafe import Markup
from sqlalchemy.engine import make_url

from ...errors import ConfigError
from ...events import Event
from ...hookspecs import hookimpl
from ...i18n import gettext as _
from ...searchable import SearchSource
from ...settings import Spec
from .backends import Backend
from .settings import BACKEND_KEY, FOLDER_KEY, SPECS

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STATE_KEY = "civicforum.search"


@hookimpl
def civicforum_settings() -> Sequence[Spec]:
    return SPECS


@hookimpl
def civicforum_migration_locations() -> Sequence[Path]:
    """The ``search`` branch: the PostgreSQL backend's table (nothing on SQLite)."""
    return [MIGRATIONS]


@hookimpl
def civicforum_search_sources() -> Sequence[SearchSource]:
    """The forum's own content: topics and replies, and trusted information."""
    from .sources import InformationSource, PostSource

    return [PostSource(), InformationSource()]


def _make_backend(app: Flask) -> Backend:
    from ...extension import state

    forum = state(app)
    name = forum.settings.extra[BACKEND_KEY]
    if name == "postgresql":
        if forum.engine.dialect.name != "postgresql":
            raise ConfigError(
                BACKEND_KEY,
                "'postgresql' needs the forum's own database on PostgreSQL; "
                f"it is on {make_url(str(forum.engine.url)).get_backend_name()}",
            )
        from .backends.postgresql import PostgresBackend

        return PostgresBackend(forum.engine)
    from .backends.whoosh_index import WhooshBackend

    folder = forum.settings.extra[FOLDER_KEY] or str(Path(app.instance_path) / "search-index")
    return WhooshBackend(Path(folder))


@hookimpl
def civicforum_app_ready(app: Flask) -> None:
    """The app's search: its backend, every plugin's sources and the queued tasks."""
    from ...extension import state
    from .indexer import Indexer

    forum = state(app)
    sources = [s for found in forum.plugins.manager.hook.civicforum_search_sources() for s in found]
    app.extensions[STATE_KEY] = Indexer(
        backend=_make_backend(app),
        sources=sources,
        tasks=forum.tasks,
        session_factory=forum.session_factory,
    )


@hookimpl
def civicforum_event(event: Event, settings: Mapping[str, Any]) -> None:
    """Index what the event changed, once it is committed."""
    if not has_app_context() or STATE_KEY not in current_app.extensions:
        return  # work done outside the app (none of the forum's own paths)
    current_app.extensions[STATE_KEY].on_event(event)


@hookimpl
def civicforum_routes(blueprint: Blueprint) -> None:
    """The search pages (endpoints ``civicforum.search.*``)."""
    from .views import make_blueprint

    blueprint.register_blueprint(make_blueprint())


@hookimpl
def civicforum_cli_commands() -> Sequence[click.Command]:
    """``flask civicforum search reindex`` and ``search status``."""
    from .cli import search_group

    return [search_group]


@hookimpl
def civicforum_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | None:
    """A search link in the forum's navigation, and a search box beside a community."""
    if slot == "forum_navigation":
        return Markup('<p class="cf-search-link"><a href="{}">{}</a></p>').format(
            url_for("civicforum.search.everywhere"), _("Search the forum")
        )
    if slot == "community_sidebar" and context.get("community") is not None:
        community = context["community"]
        label = _("Search in %(name)s", name=community.name)
        return Markup(
            '<form method="get" action="{}" role="search" class="cf-search-box">'
            '<label for="cf-search-box-q">{}</label> '
            '<input type="search" name="q" id="cf-search-box-q" class="cf-input"> '
            '<button type="submit" class="cf-button">{}</button></form>'
        ).format(url_for("civicforum.search.community", slug=community.slug), label, _("Search"))
    return None
