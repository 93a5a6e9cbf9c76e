"""``flask civicforum information ...``: the daily check of verified information, and
site-wide editors."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask.cli import AppGroup

from .. import clock
from ..extension import state
from ..identity.services import find_member
from . import queries, workflow

information_cli = AppGroup(
    "information", help="Trusted information: verified items and their editors."
)


@information_cli.command("due")
@click.option(
    "--within",
    type=click.IntRange(0, 3650),
    default=0,
    show_default=True,
    help="Also list what is due within this many days.",
)
@click.option(
    "--mark",
    is_flag=True,
    help="Record that information whose date has passed is due for review (for a daily job).",
)
def due_command(within: int, mark: bool) -> None:
    """List verified information to be checked again: by now, or within DAYS."""
    forum = state()
    now = clock.now()
    with forum.session_factory() as db:
        items = queries.due_items(db, dt.timedelta(days=within))
        marked = 0
        with click.progressbar(items, label="Checking dates", file=sys.stderr) as listed:
            for item in listed:
                if mark and workflow.mark_due(db, item):
                    marked += 1
        for item in items:
            title = item.published.title if item.published else f"#{item.id}"
            due = item.review_due_at.date().isoformat() if item.review_due_at else "-"
            late = "due" if item.review_due_at and item.review_due_at <= now else "soon"
            click.echo(f"{due}  {late:<4}  {item.community.slug:<20}  {title}")
    click.echo(
        f"{len(items)} item(s) to check"
        + (f" within {within} days" if within else "")
        + (f"; {marked} marked as due for review." if mark else "."),
        err=True,
    )


@information_cli.command("site-editor")
@click.argument("who")
@click.option("--remove", is_flag=True, help="Take the site-wide editing rights away.")
def site_editor_command(who: str, remove: bool) -> None:
    """Make WHO (an e-mail address or a forum name) an editor of every community."""
    forum = state()
    with forum.session_factory() as db:
        member = find_member(db, who)
        if member is None:
            raise click.ClickException(
                f"There is no member {who!r} (give an e-mail address or a forum name)."
            )
        member.is_site_editor = not remove
        db.commit()
        if remove:
            click.echo(f"{member.display_name} is no longer a site-wide editor.")
        else:
            click.echo(f"{member.display_name} is now an editor of every community.")
