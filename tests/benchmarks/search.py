"""Search benchmark: seeding a Dutch forum, rebuilding the index, query latency and the
search page's throughput. It prints figures and never asserts them.

Run it from the repository root (modules: `seeding`, `load`, `report`, `dutch`)::

    .venv/bin/python -m tests.benchmarks.search [--posts 100000] [--database sqlite|postgresql]

``--database sqlite`` (the default) seeds a fresh SQLite file in a temporary folder and
measures the Whoosh backend; ``--database postgresql`` seeds a fresh schema in the
PostgreSQL database ``--server`` names (default ``$CIVICFORUM_TEST_DATABASE_URL``, else
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and measures both backends, Whoosh
and PostgreSQL. Further options: ``--queries 240`` (per measurement), ``--seconds 15``
(per throughput run), ``--small 10000`` (the smaller forum whose page throughput is
measured too), ``--seed 2026`` and ``--profile`` (cProfile of the reindex, the queries
and the search page, printed to standard error).

For the small forum and then for the full one it:

1. seeds a community (Dutch, ``language="nl"``) with topics of about 20 posts over two
   years, made-up Dutch text from a fixed seed (see ``tests/benchmarks/dutch.py``), in
   bulk (SQLAlchemy Core, one INSERT for a thousand rows) but with the rows
   ``forum_services.start_topic`` and ``reply`` write: cleaned Markdown and its HTML from
   ``render_markdown``, authors and their choice of name, submission tokens, a topic's
   last activity and post count;
2. rebuilds the index through ``indexer_of(app).reindex`` for each backend;
3. asks a few hundred one- and two-word queries, common and rare words, through the
   search service as an anonymous reader, and of the backend alone: p50 and p99;
4. serves the app with gunicorn (one sync worker on 127.0.0.1) and drives
   ``GET /forum/search?q=...`` with 8 connections (wrk when installed, else a Python
   client), rotating the queries;

then prints a Markdown table of every figure beside its target, and the machine. All
traffic goes to 127.0.0.1; the temporary folder, the PostgreSQL schema and gunicorn are
removed or stopped at the end. At 100,000 posts a run took 8 to 9 minutes on SQLite and
11 on PostgreSQL (both backends) on two cores. Needs gunicorn (the ``test`` extra); wrk comes from ``apt-get install wrk``.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import click
import sqlalchemy as sa
from flask import Flask

from civicforum import policy
from civicforum.forum.models import Community

from .apps import forum_app
from .dutch import Vocabulary
from .load import page_throughput
from .report import (
    Figure,
    Report,
    database_options,
    load_average,
    machine,
    ms,
    percentile,
    say,
    tool_version,
)
from .seeding import create_schema, fresh_database, postgres_version, seed_forum

# -- the app -------------------------------------------------------------------------------


def dispose(app: Flask) -> None:
    app.extensions["civicforum"].engine.dispose()


def backend_label(name: str) -> str:
    return {"whoosh": "Whoosh", "postgresql": "PostgreSQL FTS"}.get(name, name)


# -- profiling -----------------------------------------------------------------------------


@contextlib.contextmanager
def profiled(enabled: bool, title: str) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.strip_dirs().sort_stats(order).print_stats(30)
            say(f"\n--- profile: {title}, by {order} ---")
            say(out.getvalue())


# -- reindexing ----------------------------------------------------------------------------


def reindex(app: Flask, report: Report, posts: int, where: str, profile: bool) -> None:
    from civicforum.plugins.search.indexer import indexer_of

    with app.app_context():
        indexer = indexer_of(app)
        create = getattr(indexer.backend, "create", None)
        if create is not None:
            create()
        total = indexer.total()
        with click.progressbar(length=max(total, 1), label="Indexing", file=sys.stderr) as bar:
            done = 0

            def progress(written: int) -> None:
                nonlocal done
                bar.update(written - done)
                done = written

            began = time.perf_counter()
            with profiled(profile, f"reindex, {where}, {posts:,} posts"):
                counts = indexer.reindex(progress)
            seconds = time.perf_counter() - began
    written = sum(counts.values())
    rate = written / seconds
    report.add(
        Figure(
            "Full reindex (`indexer.reindex`)",
            posts,
            where,
            f"{rate:,.0f} docs/s ({written:,} in {seconds:.1f} s)",
            "≥ 2,000 posts/s",
            rate >= 2000,
        )
    )


# -- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    words: int
    bucket: str  # how common its rarest word is: "common", "middle", "rare"


def make_queries(vocabulary: Vocabulary, seed: int, count: int) -> list[Query]:
    """One- and two-word queries from the vocabulary: common words (the 100 most
    frequent), middling ones (up to rank 800) and rare ones, in equal parts."""
    rng = random.Random(f"queries-{seed}")  # noqa: S311
    buckets = {
        "common": vocabulary.lemmas[:100],
        "middle": vocabulary.lemmas[100:800],
        "rare": vocabulary.lemmas[800:],
    }

    def word(bucket: str) -> str:
        forms = [f for f in rng.choice(buckets[bucket]).forms if f.isalpha()]
        return rng.choice(forms) if forms else word(bucket)

    pairs = [
        ("common", "common"),
        ("common", "middle"),
        ("middle", "rare"),
        ("common", "rare"),
    ]
    queries = []
    for n in range(count):
        if n % 2 == 0:
            bucket = ("common", "middle", "rare")[(n // 2) % 3]
            queries.append(Query(word(bucket), 1, bucket))
        else:
            first, second = pairs[(n // 2) % len(pairs)]
            queries.append(Query(f"{word(first)} {word(second)}", 2, second))
    return queries


@dataclass
class Timed:
    seconds: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)


def _search_extra() -> dict[str, Any]:
    """The ``Search`` fields that exist in this version of the plugin."""
    from civicforum.plugins.search.backends import Search

    names = {f.name for f in fields(Search)}
    return {"languages": frozenset({"nl"})} if "languages" in names else {}


def time_queries(
    app: Flask, queries: list[Query], profile: bool, where: str
) -> tuple[Timed, Timed]:
    """Each query through the search service (a fresh session, as a request has) and
    then of the backend alone, as an anonymous reader."""
    from civicforum.plugins.search.backends import Search
    from civicforum.plugins.search.indexer import indexer_of
    from civicforum.plugins.search.query import parse
    from civicforum.plugins.search.service import Question, search

    forum = app.extensions["civicforum"]
    indexer = indexer_of(app)
    anonymous = policy.Actor()
    per_page = int(forum.settings.extra.get("CIVICFORUM_SEARCH_RESULTS_PER_PAGE", 20))
    service, backend = Timed(), Timed()
    with app.test_request_context("/forum/search"):

        def ask(text: str) -> Any:
            with forum.session_factory() as db:
                return search(
                    db,
                    anonymous,
                    indexer,
                    Question(query=parse(text)),
                    per_page=per_page,
                    timezone=forum.settings.timezone,
                )

        for query in queries[:10]:  # open the index, warm the caches
            ask(query.text)
        rebuilding = 0
        with profiled(profile, f"queries through the service, {where}"):
            for query in queries:
                began = time.perf_counter()
                answer = ask(query.text)
                service.seconds.append(time.perf_counter() - began)
                service.totals.append(answer.total)
                service.queries.append(query)
                rebuilding += bool(answer.rebuilding)
        if rebuilding:
            say(f"  warning: {rebuilding} answers said the index is being rebuilt")

        with forum.session_factory() as db:
            communities = list(db.scalars(sa.select(Community)))
            scope = policy.search_scope(anonymous, communities)
        extra = _search_extra()
        with profiled(profile, f"queries of the backend alone, {where}"):
            for query in queries:
                asked = Search(query=parse(query.text), scope=scope, limit=per_page, **extra)
                began = time.perf_counter()
                hits = indexer.backend.search(asked)
                backend.seconds.append(time.perf_counter() - began)
                backend.totals.append(hits.total)
                backend.queries.append(query)
    return service, backend


def report_queries(report: Report, posts: int, where: str, service: Timed, backend: Timed) -> None:
    for label, timed in (("search service", service), ("backend alone", backend)):
        p50 = percentile(timed.seconds, 0.5)
        p99 = percentile(timed.seconds, 0.99)
        report.add(Figure(f"Query p50, {label}", posts, where, ms(p50), "≤ 20 ms", p50 <= 0.020))
        report.add(Figure(f"Query p99, {label}", posts, where, ms(p99), "≤ 100 ms", p99 <= 0.100))
    # How the queries hit: the share of posts a typical query finds, per kind of query.
    parts = []
    for words in (1, 2):
        for bucket in ("common", "middle", "rare"):
            chosen = [
                (s, t)
                for s, t, q in zip(service.seconds, service.totals, service.queries, strict=True)
                if q.words == words and q.bucket == bucket
            ]
            if not chosen:
                continue
            hits = statistics.median(t for _s, t in chosen)
            slow = percentile([s for s, _t in chosen], 0.99)
            parts.append(
                f"{words}-word {bucket}: median {hits:,.0f} hits "
                f"({hits / posts:.2%}), p99 {slow * 1000:.0f} ms"
            )
    say("  queries: " + "; ".join(parts))
    report.notes.append(
        f"{where}, {posts:,} posts, service latency by query kind: " + "; ".join(parts)
    )


def profile_page(app: Flask, queries: list[Query], where: str) -> None:
    """The search page in this process (Flask's test client), profiled."""
    client = app.test_client()
    for query in queries[:5]:
        client.get(f"/forum/search?q={quote_plus(query.text)}")
    with profiled(True, f"search page (test client), {where}"):
        for query in queries[:100]:
            client.get(f"/forum/search?q={quote_plus(query.text)}")


# -- one forum ------------------------------------------------------------------------------


def measure_forum(
    report: Report,
    *,
    posts: int,
    database: str,
    server: str,
    backends: list[str],
    folder: Path,
    seed: int,
    queries: list[Query],
    seconds: int,
    profile: bool,
) -> None:
    folder.mkdir(parents=True)
    say(f"\n== A forum of {posts:,} posts on {database} ==")
    with fresh_database(database, folder, server) as url:
        create_schema(url)
        seeded = seed_forum(url, posts, seed)
        db_label = "SQLite" if database == "sqlite" else "PostgreSQL"
        rate = seeded.posts / seeded.seconds
        report.add(
            Figure(
                "Seeding (write, render, insert in bulk)",
                posts,
                db_label,
                f"{rate:,.0f} posts/s ({seeded.seconds:.1f} s; {seeded.topics:,} topics, "
                f"{seeded.members:,} members; inserts alone "
                f"{seeded.posts / seeded.insert_seconds:,.0f} posts/s)",
            )
        )
        for backend in backends:
            where = f"{db_label} + {backend_label(backend)}"
            index_dir = folder / f"index-{backend}"
            app = forum_app(url, backend, index_dir, folder / f"instance-{backend}")
            try:
                reindex(app, report, posts, where, profile)
                service, alone = time_queries(app, queries, profile, where)
                report_queries(report, posts, where, service, alone)
                if profile:
                    profile_page(app, queries, where)
            finally:
                dispose(app)
            page_throughput(report, posts, where, url, backend, index_dir, folder, queries, seconds)


@click.command()
@click.option("--posts", default=100_000, show_default=True, help="Posts in the full forum.")
@database_options
@click.option("--small", default=10_000, show_default=True, help="Posts in the small forum.")
@click.option("--queries", "query_count", default=240, show_default=True)
@click.option("--seconds", default=15, show_default=True, help="Length of each load run.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--profile", is_flag=True, help="Print cProfile summaries to standard error.")
def main(
    posts: int,
    database: str,
    server: str,
    small: int,
    query_count: int,
    seconds: int,
    seed: int,
    profile: bool,
) -> None:
    """Measure seeding, reindexing, query latency and search-page throughput."""
    began = time.monotonic()
    load_before = load_average()
    version = postgres_version(server) if database == "postgresql" else None
    backends = ["whoosh"]
    if database == "postgresql":
        from importlib.util import find_spec

        if find_spec("civicforum.plugins.search.backends.postgresql") is not None:
            backends.append("postgresql")
        else:
            say("The PostgreSQL search backend is not there yet: measuring Whoosh only.")
    queries = make_queries(Vocabulary.build(seed), seed, query_count)
    report = Report()
    sizes = [small, posts] if small < posts else [posts]
    with tempfile.TemporaryDirectory(prefix="civicforum-bench-") as tmp:
        for size in sizes:
            measure_forum(
                report,
                posts=size,
                database=database,
                server=server,
                backends=backends,
                folder=Path(tmp) / f"forum-{size}",
                seed=seed,
                queries=queries,
                seconds=seconds,
                profile=profile,
            )
    client = tool_version(["wrk", "--version"]) if shutil.which("wrk") else None
    client = (client.split(" [")[0] if client else None) or "a Python thread-pool client"
    click.echo(f"\n### Search benchmark ({database}, {posts:,} posts)\n")
    click.echo(report.table())
    click.echo(f"\nMachine: {machine(version, client)}.")
    click.echo(
        f"Load average (1/5/15 min) before the run {load_before}, after it {load_average()}: "
        "anything above the benchmark's own share means other work shared the cores."
    )
    click.echo(
        f"Queries: {len(queries)} (half one-word, half two-word; common, middling and rare "
        "words), as an anonymous reader, 20 results a page."
    )
    for note in report.notes:
        click.echo(f"- {note}")
    click.echo(f"\nWhole run: {(time.monotonic() - began) / 60:.1f} minutes.")


if __name__ == "__main__":
    main()
