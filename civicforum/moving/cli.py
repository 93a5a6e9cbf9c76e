"""``flask civicforum export`` and ``flask civicforum import``: a whole community to one
file, and back into another forum."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import now
from ..extension import state
from ..forum.models import Community
from .export import export_community, permalinks
from .importing import ImportRefused, import_file
from .records import FormatError, RecordKind, kinds_in_order


def record_kinds() -> list[RecordKind]:
    """The forum's record kinds and those of the plugins that are on."""
    hook = state().plugins.manager.hook
    return kinds_in_order(hook.civicforum_community_records())


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[str, int], None]]:
    """A bar on a terminal; on a log, a line for every tenth part done."""
    if sys.stderr.isatty():
        with click.progressbar(
            length=max(total, 1), label=label, show_pos=True, file=sys.stderr
        ) as bar:
            yield lambda kind, written: bar.update(min(written, total) - bar.pos)
            bar.update(max(total, 1) - bar.pos)
        return
    shown = 0

    def line(kind: str, written: int) -> None:
        nonlocal shown
        if written - shown >= max(total // 10, 1):
            click.echo(f"{label}: {written} of {total} records ({kind})", err=True)
            shown = written

    yield line


@click.command("export")
@click.argument("community")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write; gzip-compressed when it ends in .gz. "
    "Default: COMMUNITY-YYYY-MM-DD.jsonl.gz here.",
)
@click.option(
    "--with-accounts",
    is_flag=True,
    help="Also write e-mail addresses, password hashes, linked identities, real names and "
    "event answers: only for a move between sites of one institution.",
)
@with_appcontext
def export_command(community: str, out: Path | None, with_accounts: bool) -> None:
    """Write community COMMUNITY (its address) to one JSON Lines file that another
    civicforum site can import (see docs/export-format.md)."""
    from ..cli import _require_tables

    forum = state()
    _require_tables(forum.engine)
    out = out or Path(f"{community}-{now().date().isoformat()}.jsonl.gz")
    kinds = record_kinds()
    with forum.session_factory() as db:
        found = db.scalar(select(Community).where(Community.slug == community))
        if found is None:
            raise click.ClickException(f"There is no community with the address {community!r}.")
        links = permalinks(current_app, found.slug, forum.settings.site_url)
        total = _estimate(db, found.id)
        started = time.monotonic()
        with _progress("Exporting", total) as progress:
            written = export_community(
                db,
                found,
                out,
                kinds,
                with_accounts=with_accounts,
                links=links,
                site_url=forum.settings.site_url,
                progress=progress,
            )
    seconds = time.monotonic() - started
    click.echo(
        f"Wrote {out} in {seconds:.1f} s: "
        + ", ".join(f"{n} {kind}" for kind, n in written.counts.items())
    )
    if with_accounts:
        click.echo(
            "This file holds e-mail addresses and password hashes: keep it as safe as the "
            "database itself, and delete it after the move."
        )


def _estimate(db: Session, community_id: int) -> int:
    """About how many records an export writes (the members not counted are few)."""
    from ..curation.models import VerifiedItem
    from ..forum.models import Membership, Post, Topic
    from ..moderation.models import Decision, HelpResource, HouseRule

    def count(model: Any, column: Any, *where: Any) -> int:
        return db.scalar(select(func.count(column)).where(*where)) or 0

    topics = select(Topic.id).where(Topic.community_id == community_id)
    return 2 + sum(
        (
            count(Topic, Topic.id, Topic.community_id == community_id),
            count(Post, Post.id, Post.topic_id.in_(topics)),
            count(Membership, Membership.id, Membership.community_id == community_id),
            count(HouseRule, HouseRule.id, HouseRule.community_id == community_id),
            count(HelpResource, HelpResource.id, HelpResource.community_id == community_id),
            count(Decision, Decision.id, Decision.community_id == community_id),
            count(VerifiedItem, VerifiedItem.id, VerifiedItem.community_id == community_id),
        )
    )


def _announced(file: Path) -> int:
    """How many records the manifest announces (0 when it cannot be read: the import
    then says why)."""
    from .reading import lines, parse

    try:
        for number, data in lines(file):
            counts = parse(number, data).get("counts")
            return sum(counts.values()) if isinstance(counts, dict) else 0
    except (FormatError, AttributeError, TypeError):
        pass
    return 0


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "slug", help="The community's address here, if not the one in the file.")
@click.option(
    "--redirects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write 'old-path new-URL' lines for every old permalink to this file, for the old "
    "site's web server to redirect with.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0, max=16),
    default=None,
    help="Processes that render the posts' HTML beside the importing one, for a file of "
    "more than 5,000 posts. Default: one a core (at most 4). 0: none, which takes the "
    "least memory (under 150 MiB) at about three quarters of the speed.",
)
@with_appcontext
def import_command(file: Path, slug: str | None, redirects: Path | None, jobs: int | None) -> None:
    """Import the community in FILE, made by `flask civicforum export` (or an importer
    from another forum engine), in one transaction: all of it or nothing."""
    from ..cli import _require_tables

    forum = state()
    _require_tables(forum.engine)
    kinds = record_kinds()
    started = time.monotonic()
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def target(address: str) -> dict[str, str]:
        return permalinks(app, address, forum.settings.site_url)

    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(redirects, "w", encoding="utf-8")) if redirects else None
        with forum.session_factory() as db:
            try:
                with _progress("Importing", _announced(file)) as progress:
                    done = import_file(
                        db,
                        file,
                        kinds,
                        slug=slug,
                        redirects=out,
                        target_links=target if redirects is not None else None,
                        progress=progress,
                        jobs=jobs,
                    )
            except FormatError as error:
                raise click.ClickException(f"{file.name}: {error}. Nothing was imported.") from None
            except ImportRefused as error:
                raise click.ClickException(f"{error}. Nothing was imported.") from None
    if done.already:
        click.echo(
            f"{file.name} was imported before ({done.imported_at} UTC, as community "
            f"{done.slug!r}); nothing changed."
        )
        if redirects is not None:
            redirects.unlink(missing_ok=True)
        return
    seconds = time.monotonic() - started
    click.echo(
        f"Imported community {done.slug!r} in {seconds:.1f} s: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(done.counts.items()))
    )
    for note in done.notes[:20]:
        click.echo(f"  note: {note}")
    if len(done.notes) > 20:
        click.echo(f"  ... and {len(done.notes) - 20} more notes")
    click.echo(
        "The search index is rebuilt by the task queue (flask civicforum worker), or now "
        "with: flask civicforum search reindex"
    )
    if redirects is not None:
        click.echo(f"Redirects for the old permalinks: {redirects}")


@click.command("import-flaskbb")
@click.argument("database_url")
@click.option(
    "--forum",
    "forum_ids",
    type=int,
    multiple=True,
    help="The id of a FlaskBB forum to import (repeat for more); default: every forum.",
)
@click.option("--site-url", help="FlaskBB's public address, for the redirects.")
@click.option(
    "--redirects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write 'old-path new-URL' lines for FlaskBB's forum, topic and post pages.",
)
@click.option(
    "--prefix",
    default="",
    help="Put this before each community's address (made from the forum's title), "
    "e.g. 'oud-', when the addresses are taken here.",
)
@click.option(
    "--keep-files",
    type=click.Path(file_okay=False, writable=True, path_type=Path),
    help="Also keep each forum's export file in this folder.",
)
@with_appcontext
def import_flaskbb_command(
    database_url: str,
    forum_ids: tuple[int, ...],
    site_url: str | None,
    redirects: Path | None,
    prefix: str,
    keep_files: Path | None,
) -> None:
    """Import the forums of a FlaskBB 2.x database (an SQLAlchemy URL such as
    sqlite:////srv/flaskbb/flaskbb.sqlite or postgresql+psycopg://...): each forum becomes
    a community, each in its own transaction. See docs/export-format.md."""
    import tempfile

    import sqlalchemy as sa

    from ..cli import _require_tables
    from .flaskbb import convert, forums

    forum = state()
    _require_tables(forum.engine)
    try:
        source = sa.create_engine(database_url)
        found = forums(source)
    except (sa.exc.SQLAlchemyError, ValueError) as error:
        raise click.ClickException(
            f"Cannot read a FlaskBB database at {database_url!r}: {str(error).splitlines()[0]}"
        ) from None
    wanted = [f for f in found if not forum_ids or f.id in forum_ids]
    missing = set(forum_ids) - {f.id for f in found}
    if missing:
        raise click.ClickException(
            f"FlaskBB has no forum {', '.join(map(str, sorted(missing)))} holding discussions."
        )
    kinds = record_kinds()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    failed = 0
    with contextlib.ExitStack() as stack:
        folder = keep_files or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        out = stack.enter_context(open(redirects, "w", encoding="utf-8")) if redirects else None
        for each in wanted:
            path = folder / f"{each.slug}.jsonl.gz"
            converted = convert(source, each, path, site_url=site_url)
            with forum.session_factory() as db:
                try:
                    done = import_file(
                        db,
                        path,
                        kinds,
                        slug=f"{prefix}{each.slug}",
                        redirects=out,
                        target_links=(
                            (lambda a: permalinks(app, a, forum.settings.site_url))
                            if out is not None
                            else None
                        ),
                    )
                except FormatError as error:
                    failed += 1
                    click.echo(f"Forum {each.id} ({each.title}): {error}. Not imported.", err=True)
                    continue
                except ImportRefused:
                    failed += 1
                    click.echo(
                        f"Forum {each.id} ({each.title}): the address {prefix}{each.slug!s} is "
                        "taken here; import it with --prefix (e.g. --prefix oud-). Not imported.",
                        err=True,
                    )
                    continue
            if done.already:
                click.echo(f"Forum {each.id} ({each.title}) was imported before; nothing changed.")
                continue
            click.echo(
                f"Forum {each.id} ({each.title}) is community {done.slug!r}: "
                + ", ".join(f"{n} {kind}" for kind, n in sorted(done.counts.items()))
            )
            for note in converted.notes + done.notes:
                click.echo(f"  note: {note}")
    source.dispose()
    if failed:
        raise click.ClickException(f"{failed} forum(s) were not imported (see above).")
