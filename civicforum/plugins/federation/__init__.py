"""Federation: communities as ActivityPub groups that people on other servers can find.

This is federation's first part: discovery and actor documents, off by default for every
community. A site administrator switches a public community on with
``flask civicforum federation enable SLUG``; from then on other servers find it by
WebFinger as ``SLUG@host`` and read it as a ``Group`` on the community page's own URL.
Members-only communities, and those that ask readers for anything, are never federated.
See docs/federation.md for what is federated, what not, and why.

Built only on public hooks: the plugin's table on its own migration branch, its
command, its routes under the forum's prefix (a nested blueprint, endpoints
``civicforum.federation.*``), and, at start-up, the ``/.well-known/`` addresses at the
site's root (see :mod:`.wellknown`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import click
from flask import Blueprint, Flask

from ...hookspecs import hookimpl
from ...hostcsrf import exempt_from_host_csrf
from . import models as models

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
    """The Group's collections and inboxes, NodeInfo, and the Group itself by content
    negotiation on the community page (with ``Vary: Accept`` on that page)."""
    from .views import answer_as_actor, make_blueprint, vary_on_accept

    federation = make_blueprint()
    blueprint.register_blueprint(federation)
    blueprint.before_request(answer_as_actor)
    blueprint.after_request(vary_on_accept)
    # Other servers POST to the inboxes with a signature, not a session cookie: a
    # host's CSRFProtect must let them through (nothing there reads the session).
    blueprint.record_once(lambda setup: exempt_from_host_csrf(cast(Flask, setup.app), federation))


@hookimpl
def civicforum_app_ready(app: Flask) -> None:
    """The ``/.well-known/`` addresses at the site's root (see :mod:`.wellknown`).

    :raises ConfigError: when the host app already has a route at one of them.
    """
    from .wellknown import install

    install(app)
