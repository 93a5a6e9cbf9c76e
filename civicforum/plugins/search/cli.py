"""``flask civicforum search ...``: rebuild the index, and see how it stands."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app

from .backends import Health
from .indexer import indexer_of


@click.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole search index from the database, showing progress. Searches keep
    using the old index until the new one is complete; stopped halfway, the old index
    stays and the next run starts over."""
    indexer = indexer_of(current_app)
    total = indexer.total()
    click.echo(f"Search backend: {indexer.backend.name}; {total} rows to index.")
    started = time.monotonic()
    if sys.stdout.isatty():
        with click.progressbar(length=max(total, 1), label="Indexing", show_pos=True) as bar:
            counts = indexer.reindex(lambda written: bar.update(min(written, total) - bar.pos))
            bar.update(max(total, 1) - bar.pos)
    else:
        # A log (cron, a deployment script) gets a line for every tenth part done.
        shown = 0

        def progress(written: int) -> None:
            nonlocal shown
            if written - shown >= max(total // 10, 1):
                click.echo(f"Indexed {written} of {total}.")
                shown = written

        counts = indexer.reindex(progress)
    seconds = time.monotonic() - started
    written = sum(counts.values())
    click.echo(
        f"Indexed {written} documents in {seconds:.1f} s ({written / max(seconds, 1e-6):.0f}/s):"
    )
    for kind in sorted(counts):
        click.echo(f"  {kind}: {counts[kind]}")


@search_group.command("status")
def status_command() -> None:
    """Whether the index can answer, how many documents it holds, and queued work."""
    indexer = indexer_of(current_app)
    health = indexer.health(repair=False)
    click.echo(f"Search backend: {indexer.backend.name}")
    if health == Health.MISSING:
        click.echo("The index is missing or cannot be read: run 'flask civicforum search reindex'.")
    else:
        click.echo(f"Documents in the index: {indexer.backend.count()}")
    click.echo(f"Tasks waiting in the queue: {indexer.tasks.waiting()}")
