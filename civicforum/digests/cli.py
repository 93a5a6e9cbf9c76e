"""``flask civicforum digests send``: the digests that are due, sent here and now; for a
site that runs no ``flask civicforum worker`` and calls this from cron instead."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..extension import state
from .sending import due_members, send_digest

digests_cli = AppGroup(
    "digests", help="Calm e-mail digests: one a day or a week, never during quiet hours."
)


@digests_cli.command("send")
def send_command() -> None:
    """Send the digests that are due now, and try again those the mail server refused
    before. Safe to run as often as you like (every five minutes from cron, say): no
    digest is ever sent twice."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    forum = state(app)
    if not forum.settings.mail_enabled:
        click.echo("This site sends no e-mail (CIVICFORUM_MAIL_SERVER is not set): no digests.")
        return
    with forum.session_factory() as db:
        due = due_members(db, forum.settings, clock.now())
    if not due:
        click.echo("No digests are due now.")
        return
    click.echo(f"Digests due now: {len(due)}.")
    sent = empty = failed = 0
    for member_id in due:
        outcome = send_digest(app, member_id)
        if outcome.status == "sent":
            sent += 1
            click.echo(f"  member {member_id}: sent ({outcome.period}).")
        elif outcome.status == "empty":
            empty += 1
            click.echo(f"  member {member_id}: nothing new since the last one; no mail.")
        elif outcome.status == "failed":
            failed += 1
            later = f"{outcome.retry_at:%Y-%m-%d %H:%M} UTC" if outcome.retry_at else "later"
            click.echo(
                f"  member {member_id}: the mail server did not take it ({outcome.error}); "
                f"tried again from {later}."
            )
        else:
            click.echo(f"  member {member_id}: sent or being sent by another worker already.")
    click.echo(f"Done: {sent} sent, {empty} with nothing new, {failed} to try again later.")
