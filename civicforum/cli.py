"""``flask civicforum ...``: the forum's command line."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import sys
from typing import IO

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from .curation.cli import information_cli
from .demo import DEMO_PASSWORD, load_demo_data
from .digests.cli import digests_cli
from .errors import ServiceError
from .extension import state
from .forum import services as forum_services
from .forum.models import JoinPolicy, Role, Visibility
from .identity.models import IdentityLevel
from .identity.services import find_member, normalise_email, register_local_account
from .moving.cli import export_command, import_command, import_flaskbb_command
from .pluginmanager import PluginLoadError, Plugins
from .privacy.cli import members_cli, purge_command

forum_cli = AppGroup("civicforum", help="Manage the forum: database, administrators, demo data.")
forum_cli.add_command(information_cli)
forum_cli.add_command(digests_cli)
forum_cli.add_command(members_cli)
forum_cli.add_command(purge_command)
forum_cli.add_command(export_command)
forum_cli.add_command(import_command)
forum_cli.add_command(import_flaskbb_command)


def make_cli(plugins: Plugins) -> AppGroup:
    """The ``flask civicforum`` group of one app: the forum's commands and its plugins'."""
    group = AppGroup("civicforum", help=forum_cli.help)
    for command in forum_cli.commands.values():
        group.add_command(command)
    for commands in plugins.manager.hook.civicforum_cli_commands():
        for command in commands:
            if command.name in group.commands:
                raise PluginLoadError(
                    str(command.name), "a plugin command may not replace another command"
                )
            # A copy that runs inside the app, as the forum's own commands do; the
            # plugin's object stays as it was for other apps.
            own = copy.copy(command)
            if own.callback is not None:
                own.callback = with_appcontext(own.callback)
            group.add_command(own)
    return group


@forum_cli.group("db")
def db_cli() -> None:
    """The forum's own tables (cf_...), migrated apart from the host's."""


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _revisions(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) if revisions else "none (no forum tables)"


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Create or update the forum's tables, up to REVISION (default: the newest)."""
    from alembic.util import CommandError

    from . import migrate  # alembic: loaded by these commands only

    engine = state().engine
    before = migrate.current(engine)
    click.echo(f"Database: {_where(engine)}")
    try:
        migrate.upgrade(engine, revision, version_locations=state().plugins.migration_locations())
    except CommandError as error:
        raise click.ClickException(str(error)) from None
    after = migrate.current(engine)
    if after == before:
        click.echo(f"Nothing to do: the forum's tables are at {_revisions(after)}.")
    else:
        click.echo(f"Upgraded the forum's tables from {_revisions(before)} to {_revisions(after)}.")


@db_cli.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_downgrade(revision: str, yes: bool) -> None:
    """Take the forum's tables back to REVISION; "base" removes them with all their data."""
    from alembic.util import CommandError

    from . import migrate  # alembic: loaded by these commands only

    engine = state().engine
    before = migrate.current(engine)
    click.echo(f"Database: {_where(engine)}")
    if not yes:
        click.confirm(f"Downgrading to {revision!r} can delete forum data. Continue?", abort=True)
    try:
        migrate.downgrade(engine, revision, version_locations=state().plugins.migration_locations())
    except CommandError as error:
        raise click.ClickException(str(error)) from None
    after = migrate.current(engine)
    click.echo(f"Downgraded the forum's tables from {_revisions(before)} to {_revisions(after)}.")


@db_cli.command("current")
def db_current() -> None:
    """Show the revision the forum's tables are at, and whether it is the newest."""
    from . import migrate  # alembic: loaded by these commands only

    engine = state().engine
    click.echo(f"Database: {_where(engine)}")
    click.echo(f"Current revision: {_revisions(migrate.current(engine))}")
    if _up_to_date(engine):
        click.echo("Up to date.")
    else:
        click.echo(
            f"Newest revision: {_revisions(migrate.heads(version_locations=state().plugins.migration_locations()))}; run `flask civicforum db upgrade`."
        )


def _up_to_date(engine: Engine) -> bool:
    from alembic.util import CommandError

    from . import migrate  # alembic: loaded by these commands only

    try:
        return migrate.is_up_to_date(
            engine, version_locations=state().plugins.migration_locations()
        )
    except CommandError as error:
        raise click.ClickException(str(error)) from None


def _require_tables(engine: Engine) -> None:
    """Refuse to write before the schema exists or while it lags behind the code."""
    from . import migrate  # alembic: loaded by these commands only

    at = migrate.current(engine)
    # Tables made with create_all() (tests, quick trials) have no revision but do exist.
    if not at and not inspect(engine).has_table("cf_member"):
        raise click.ClickException(
            "The forum's tables do not exist yet; run `flask civicforum db upgrade` first."
        )
    if at and not _up_to_date(engine):
        raise click.ClickException(
            f"The forum's tables are at revision {_revisions(at)}, but this version of "
            f"civicforum needs {_revisions(migrate.heads(version_locations=state().plugins.migration_locations()))}; "
            "run `flask civicforum db upgrade` first."
        )


@forum_cli.command("create-admin")
@click.option("--email", prompt="E-mail address", help="Sign-in address of the new account.")
@click.option("--display-name", prompt="Display name", help="Name shown beside posts.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Omit it to be asked without echo (safer than the shell's history).",
)
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create a local account with site-administrator rights."""
    forum = state()
    _require_tables(forum.engine)
    with forum.session_factory() as db:
        try:
            member = register_local_account(
                db, email=email, password=password, display_name=display_name, site_admin=True
            )
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            f"Created site administrator {member.display_name!r} ({normalise_email(email)})."
        )


@forum_cli.command("demo-data")
def demo_data() -> None:
    """Fill the forum with Dutch demo content of a fictional library (for trying out)."""
    forum = state()
    _require_tables(forum.engine)
    click.echo("Loading the demo of Bibliotheek Voorbeeldstad:")
    with forum.session_factory() as db:
        try:
            result = load_demo_data(db, on_step=lambda line: click.echo(f"  {line}"))
        except ServiceError as error:
            raise click.ClickException(error.message) from None
    if result.added_anything:
        click.echo(
            f"Added {result.communities_added} communities, {result.members_added} members "
            f"and {result.posts_added} posts."
        )
    else:
        click.echo("The demo data was already there; nothing was added.")
    click.echo(f"\nDemo accounts (password for each: {DEMO_PASSWORD}):")
    for person in result.people:
        click.echo(f"  {person.email:<32} {person.display_name:<28} {person.about}")
    click.echo("These passwords are public: never load the demo into a site people use.")


@forum_cli.command("create-community")
@click.argument("slug")
@click.argument("name")
@click.option("--description", default="", help="What the community is for (Markdown).")
@click.option("--members-only", is_flag=True, help="Only members read its conversations.")
@click.option("--approval", is_flag=True, help="A moderator lets each new member in.")
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default=None,
    help="What people write in there (search stems by it). Default: the forum's language.",
)
def create_community_command(
    slug: str, name: str, description: str, members_only: bool, approval: bool, language: str | None
) -> None:
    """Create a community with short name SLUG (in its address) and NAME."""
    forum = state()
    _require_tables(forum.engine)
    with forum.session_factory() as db:
        try:
            community = forum_services.create_community(
                db,
                slug=slug,
                name=name,
                description=description,
                visibility=Visibility.MEMBERS if members_only else Visibility.PUBLIC,
                join_policy=JoinPolicy.APPROVAL if approval else JoinPolicy.OPEN,
                language=language,
            )
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            f"Created {community.name!r} at {forum.settings.url_prefix}/c/{community.slug}/. "
            "Give it house rules and moderators next (flask civicforum set-role)."
        )


@forum_cli.command("set-role")
@click.argument("slug")
@click.argument("who")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role_command(slug: str, who: str, role: str) -> None:
    """Give WHO (an e-mail address or a forum name) a ROLE in community SLUG: member,
    moderator, editor or admin. Moderators and admins moderate the community."""
    forum = state()
    _require_tables(forum.engine)
    with forum.session_factory() as db:
        try:
            community = forum_services.get_community(db, slug)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        member = find_member(db, who)
        if member is None:
            raise click.ClickException(
                f"There is no member {who!r} (give an e-mail address or a forum name)."
            )
        forum_services.set_role(db, community, member, Role(role))
        click.echo(f"{member.display_name} is now {role} of {community.name}.")


@forum_cli.command("community-requirements")
@click.argument("slug")
@click.option(
    "--read-level",
    type=click.Choice(["registered", "confirmed", "verified"]),
    help="Identity level needed to read.",
)
@click.option("--read-attribute", help="Attribute needed to read (from CIVICFORUM_OIDC_PROVIDERS).")
@click.option(
    "--post-level",
    type=click.Choice(["registered", "confirmed", "verified"]),
    default="registered",
    show_default=True,
    help="Identity level needed to post.",
)
@click.option("--post-attribute", help="Attribute needed to post.")
def community_requirements(
    slug: str,
    read_level: str | None,
    read_attribute: str | None,
    post_level: str,
    post_attribute: str | None,
) -> None:
    """Set what community SLUG asks of readers and posters; options left out are cleared."""
    forum = state()
    _require_tables(forum.engine)
    known = {rule.key for provider in forum.settings.oidc_providers for rule in provider.attributes}
    with forum.session_factory() as db:
        try:
            community = forum_services.get_community(db, slug)
            forum_services.set_requirements(
                db,
                community,
                forum_services.Requirements(
                    read_level=IdentityLevel.from_name(read_level) if read_level else None,
                    read_attribute=read_attribute or None,
                    post_level=IdentityLevel.from_name(post_level),
                    post_attribute=post_attribute or None,
                ),
                known,
            )
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            f"{community.name}: read needs level {read_level or 'any'}"
            f"{f' and {read_attribute}' if read_attribute else ''}; "
            f"posting needs level {post_level}{f' and {post_attribute}' if post_attribute else ''}."
        )


@forum_cli.group("moderation")
def moderation_cli() -> None:
    """Moderation records: decisions and their statements of reasons."""


def _day(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError:
        raise click.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option
        ) from None


@moderation_cli.command("export-decisions")
@click.option("--community", "slug", help="Only this community (by short name).")
@click.option("--since", help="First day, YYYY-MM-DD (UTC), included.")
@click.option("--until", help="Last day, YYYY-MM-DD (UTC), included.")
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write; standard output when left out.",
)
def export_decisions(
    slug: str | None, since: str | None, until: str | None, output: IO[str]
) -> None:
    """Write the statements of reasons as JSON Lines, one per restricting decision, in the
    EU Transparency Database's schema and without personal data."""
    from .moderation.transparency import Period, count_statements, export_statements

    forum = state()
    _require_tables(forum.engine)
    start, last = _day(since, "--since"), _day(until, "--until")
    period = None
    if start is not None or last is not None:
        begin = start or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        end = last + dt.timedelta(days=1) if last else dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
        if end <= begin:
            raise click.BadParameter("--until is before --since", param_hint="--until")
        period = Period(begin, end)
    with forum.session_factory() as db:
        community = None
        if slug is not None:
            try:
                community = forum_services.get_community(db, slug)
            except ServiceError as error:
                raise click.ClickException(error.message) from None
        total = count_statements(db, community, period)
        # Progress goes to standard error, so standard output stays pure JSON Lines.
        with click.progressbar(
            export_statements(db, community, period),
            length=total,
            label="Exporting decisions",
            file=sys.stderr,
        ) as statements:
            for item in statements:
                output.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
    click.echo(f"Exported {total} statements of reasons.", err=True)


@forum_cli.group("tasks")
def tasks_cli() -> None:
    """Queued work: index writes tried again, rebuilds."""


@tasks_cli.command("run")
@click.option("--retries-too", is_flag=True, help="Also run retries before their time.")
def tasks_run(retries_too: bool) -> None:
    """Run the queued tasks that are due, here and now, then stop."""
    ran = state().tasks.run_pending(retries_too=retries_too)
    click.echo(f"Ran {ran} task(s); {state().tasks.waiting()} waiting.")


@tasks_cli.command("work")
@click.option("--workers", default=1, type=click.IntRange(1, 16), help="Worker threads.")
def tasks_work(workers: int) -> None:
    """The same as `flask civicforum worker` (kept for sites that run it)."""
    state().tasks.run_worker(workers)


@forum_cli.command("worker")
@click.option("--workers", default=1, type=click.IntRange(1, 16), help="Worker threads.")
def worker(workers: int) -> None:
    """Run the forum's queued and periodic tasks (the digests that are due, mail to
    reporters, index writes tried again) in this process until stopped (Ctrl+C or
    SIGTERM). Run one per site; web processes then need no worker threads of their own
    (CIVICFORUM_TASK_WORKER = False), though they may keep them."""
    click.echo("The forum's worker runs queued and periodic tasks; stop it with Ctrl+C.")
    if not logging.getLogger().handlers:  # what it does, on standard error, for the log
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    state().tasks.run_worker(workers)
