"""``flask civicforum members erase`` and ``flask civicforum purge``: a person's erasure by
a site administrator, and the daily removal of what is past its time."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from ..extension import state
from ..identity.models import Member
from ..identity.services import find_member
from .erasure import erase_member, preview
from .export import exports_folder
from .retention import purge


@click.group("members", cls=AppGroup)
def members_cli() -> None:
    """Members: erasing one (GDPR Article 17)."""


def _find(db: Session, who: str) -> Member | None:
    if who.strip().isdecimal() and len(who.strip()) < 10:
        return db.get(Member, int(who))
    return find_member(db, who)


@members_cli.command("erase")
@click.argument("who")
@click.option(
    "--keep-posts/--delete-posts",
    "keep_posts",
    default=None,
    help="Keep their posts, shown as by a former member, or delete them. "
    "Default: as the site's setting for the page proposes.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(who: str, keep_posts: bool | None, yes: bool) -> None:
    """Erase member WHO (their id, e-mail address or forum name) and their personal data,
    as they could themselves from their settings page."""
    from ..cli import _require_tables

    forum = state()
    _require_tables(forum.engine)
    keep = forum.settings.erasure_keeps_posts if keep_posts is None else keep_posts
    with forum.session_factory() as db:
        member = _find(db, who)
        if member is None:
            raise click.ClickException(
                f"There is no member {who!r} (give an id, an e-mail address or a forum name)."
            )
        seen = preview(db, member)
        click.echo(
            f"Member {member.id} ({member.display_name}): {seen.posts} posts, "
            f"{seen.topics} topics, {seen.reports} reports made, {seen.decisions} decisions "
            "about them."
        )
        what = "kept as by a former member" if keep else "deleted"
        if not yes:
            click.confirm(
                f"Erase this member for good? Their posts will be {what}.", abort=True
            )
        summary = erase_member(db, member, keep_posts=keep, folder=exports_folder(current_app))
    click.echo(f"Erased member {member.id}.")
    click.echo(
        f"  posts deleted: {summary.posts_deleted}; kept as by a former member: "
        f"{summary.posts_kept}"
    )
    click.echo(
        f"  topics deleted: {summary.topics_deleted}; given a neutral title: "
        f"{summary.topics_renamed}"
    )
    click.echo(
        f"  reports they made (kept without their identity): {summary.reports_made}; "
        f"decisions about them (kept without personal data): {summary.decisions}; "
        f"appeals: {summary.appeals}"
    )
    click.echo(f"  copies of their data deleted: {summary.exports}")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove what is past its time: expired copies of members' data, reporters' e-mail
    addresses, old digest log entries, ended personal tokens. Safe to run again at any moment (daily, from cron)."""
    from ..cli import _require_tables

    forum = state()
    _require_tables(forum.engine)
    settings = forum.settings
    with forum.session_factory() as db:
        result = purge(
            db,
            exports_folder(current_app),
            settings,
            progress=lambda step: click.echo(f"Purging {step} ..."),
        )
    click.echo(
        f"Copies of members' data: {result.exports_expired} expired and their files deleted, "
        f"{result.exports_removed} records removed, {result.stray_files} stray files deleted."
    )
    click.echo(f"Reporters' e-mail addresses erased: {result.report_emails}.")
    click.echo(f"Digest log entries removed: {result.digest_log_entries}.")
    click.echo(f"Ended personal tokens removed: {result.ended_tokens}.")
    click.echo(
        "Sign-in counters: kept by the rate-limit storage, each only until its window ends "
        f"(at most {settings.retention_hours_signin_counters} hours); nothing to purge here."
    )
