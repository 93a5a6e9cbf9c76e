"""``flask civicforum federation ...``: switch a community's federation on or off, see
which communities are federated and how their deliveries stand, and send what is due.

Switching is site administration, done by whoever runs the server's commands.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy.orm import Session

from ...errors import ServiceError
from ...extension import state
from ...forum import services as forum_services
from ...forum.models import Community
from . import delivery, queries, services


def site_url_set() -> bool:
    return state().settings.site_url is not None


@click.group("federation")
def federation_group() -> None:
    """Communities as ActivityPub groups that other servers can find and follow."""


def _community(db: Session, slug: str) -> Community:
    try:
        return forum_services.get_community(db, slug)
    except ServiceError:
        raise click.ClickException(f"There is no community {slug!r}.") from None


@federation_group.command("enable")
@click.argument("slug")
def enable_command(slug: str) -> None:
    """Federate the community SLUG: other servers can find it as SLUG@host and read it."""
    with state().session_factory() as db:
        community = _community(db, slug)
        try:
            services.enable(db, community)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Federation is on for {slug}.")


@federation_group.command("disable")
@click.argument("slug")
def disable_command(slug: str) -> None:
    """Stop federating the community SLUG (its key pair is kept for switching on again)."""
    with state().session_factory() as db:
        community = _community(db, slug)
        services.disable(db, community)
        click.echo(f"Federation is off for {slug}.")


@federation_group.command("status")
def status_command() -> None:
    """Every community that was ever federated, and whether it is now."""
    with state().session_factory() as db:
        actors = services.all_actors(db)
        if not actors:
            click.echo("No community is federated.")
            return
        for actor in actors:
            community = actor.community
            if not actor.enabled:
                shown = "off"
            elif not services.may_federate(community):
                shown = "on, but not federated: not every visitor may read it any more"
            else:
                shown = "on"
            counts = queries.delivery_counts(db, community.id)
            click.echo(
                f"{community.slug}: {shown} (followers elsewhere: {counts.followers}; "
                f"deliveries waiting: {counts.waiting}, given up: {counts.dead})"
            )
        if not site_url_set():
            click.echo(
                "CIVICFORUM_SITE_URL is not set: changes made by commands are not sent, "
                "and addresses follow each request's host."
            )


@federation_group.command("deliver")
def deliver_command() -> None:
    """Send every delivery whose time has come, here and now (as the worker does every
    five minutes), showing progress."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queued = delivery.send_due(app)
    tasks = state().tasks
    with click.progressbar(length=queued, label="Delivering") as bar:
        while (ran := tasks.run_pending()) > 0:
            bar.update(ran)
    with state().session_factory() as db:
        totals = queries.delivery_totals(db)
    click.echo(
        f"Delivered: {totals.delivered}; waiting for a retry: {totals.waiting}; given up: {totals.dead}."
    )
