"""Federation: communities as ActivityPub groups that people on other servers can find.

Off by default for every community. A site administrator switches a public community on
with ``flask civicforum federation enable SLUG``; from then on other servers find it by
WebFinger as ``SLUG@host``, read it as a ``Group`` on the community page's own URL, follow
it, receive its new topics and replies, and reply to them, through the same rules and
moderation as local members. Members-only communities, and those that ask readers for
anything, are never federated. See docs/federation.md for what is federated, what not,
and why.

Built only on public hooks: the plugin's tables on their own migration branch, its
settings and commands, its routes under the forum's prefix (a nested blueprint,
endpoints ``civicforum.federation.*``), the domain events (what to send), the task
queue (sending), and, at start-up, the ``/.well-known/`` addresses at the site's root
(see :mod:`.wellknown`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import click
from flask import Blueprint, Flask, current_app, has_app_context
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup

from ...events import Event
from ...hookspecs import hookimpl
from ...hostcsrf import exempt_from_host_csrf
from ...settings import Spec
from . import models as models

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INBOX_VIEWS = (f"{__name__}.views.inbox", f"{__name__}.views.shared_inbox")


@hookimpl
def civicforum_settings() -> Sequence[Spec]:
    """Whether plain http and private addresses may be used; delivery's attempts and
    per-server limit (see :mod:`.config`)."""
    from .settings import SPECS

    return SPECS


@hookimpl
def civicforum_migration_locations() -> Sequence[Path]:
    """The ``federation`` branch, creating the plugin's ``cf_federation_actor`` table."""
    return [MIGRATIONS]


@hookimpl
def civicforum_cli_commands() -> Sequence[click.Command]:
    """``flask civicforum federation enable|disable|status``."""
    from .cli import federation_group

    return [federation_group]


@hookimpl
def civicforum_routes(blueprint: Blueprint) -> None:
    """The Group's collections and inboxes, NodeInfo, members' Persons, and by content
    negotiation the Group on the community page and the objects on the topic, post and
    event pages (with ``Vary: Accept`` on those pages)."""
    from . import objectviews, pages
    from .views import answer_as_actor, make_blueprint, vary_on_accept

    federation = make_blueprint()
    objectviews.register(federation)
    pages.register(federation)
    blueprint.register_blueprint(federation)
    blueprint.before_request(answer_as_actor)
    blueprint.before_request(objectviews.answer_as_object)
    blueprint.after_request(vary_on_accept)
    blueprint.after_request(objectviews.vary_on_object_pages)
    # Other servers POST to the inboxes with a signature, not a session cookie: a
    # host's CSRFProtect must let them through (the inboxes never read the session).
    # The federation page's forms carry their own token like every other form.
    blueprint.record_once(_exempt_inboxes)


def _exempt_inboxes(setup: BlueprintSetupState) -> None:
    for view in INBOX_VIEWS:
        exempt_from_host_csrf(cast(Flask, setup.app), view)


@hookimpl
def civicforum_event(event: Event, settings: Mapping[str, Any]) -> None:
    """Queue what a change in a federated community means for its followers (see
    :mod:`.distribution`)."""
    from .runtime import KEY

    if not has_app_context() or KEY not in current_app.extensions:
        return
    from .distribution import on_event

    on_event(current_app._get_current_object(), event)  # type: ignore[attr-defined]


@hookimpl
def civicforum_app_ready(app: Flask) -> None:
    """The ``/.well-known/`` addresses at the site's root (see :mod:`.wellknown`).

    :raises ConfigError: when the host app already has a route at one of them.
    """
    from . import delivery, runtime
    from .wellknown import install

    install(app)
    runtime.install(app)
    delivery.register_tasks(app)


@hookimpl
def civicforum_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | None:
    """Beside a community that was ever switched on: how people elsewhere follow it, and
    the way to its federation page, with the blocks and their reasons (see :mod:`.pages`)."""
    if slot != "community_sidebar":
        return None
    from .pages import sidebar

    return sidebar(context["actor"], context["community"])
