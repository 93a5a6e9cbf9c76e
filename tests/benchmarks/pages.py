"""Page benchmark: the pages people read most, served by gunicorn, measured against a
bare Flask + Jinja page with the same HTML. It prints figures and asserts none.

Run it from the repository root::

    .venv/bin/python -m tests.benchmarks.pages [--database sqlite|postgresql]
        [--sizes 10000,100000,1000000] [--seconds 10] [--setups 1x1,4x1,4x1p,2x2]
        [--redis redis://127.0.0.1:6379/0]

For each size it seeds one Dutch community in bulk (``tests/benchmarks/seeding.py``: the
rows ``start_topic`` and ``reply`` store, one topic holding 1% of the posts so its last
page is far from its first) with 300 events planned through the events services, builds
the search index (Whoosh on SQLite, PostgreSQL full-text search on PostgreSQL; Whoosh is
left out above ``--whoosh-up-to`` posts, where the README says it no longer fits), then:

1. counts the SQL statements each page makes for an anonymous reader (rendering it, and
   a page kept for visitors: ``civicforum.pagecache``);
2. serves the forum with gunicorn in each of ``--setups`` in turn (``WxP``: W sync
   workers in each of P gunicorn masters sharing one port through ``SO_REUSEPORT``, as
   several hosts behind a load balancer) and drives each page with wrk
   (8 connections; a Python client when wrk is missing) for ``--seconds``: the topic
   page (50 posts) first and last, the community's topic list (50 topics) first and last,
   search (rotating 60 queries) and the event agenda; visitors' pages are kept, as by
   default; with one worker the topic page and topic list (first and last) are measured
   again rendered for every request (``CIVICFORUM_PAGE_CACHE_SECONDS = 0``), which is
   where a far page's cost to the database shows;
3. serves the *floor*: a bare Flask app rendering the same HTML from a Jinja template,
   for the topic page and the topic list, and prints each page's req/s as a ratio to it;
4. reads the peak memory (``VmHWM``) of every gunicorn worker and, after the run, what
   each holds alone (its private pages, and its proportional share: ``smaps_rollup``),
   beside the memory of the floor's worker and of a process that imports only Flask,
   SQLAlchemy and the database driver; ``--setups 4x1p`` forks 4 workers from one built
   app, with the settings of ``civicforum.gunicorn_config``.

``--redis redis://127.0.0.1:6379/0`` puts the rate-limit counters and the task queue in
Redis, as a site on several machines does (use it with setups of several masters).
``--profile`` prints where each page's time goes (pyinstrument, in the benchmark's own
process). The targets (1 sync worker, 8 connections) are printed beside the figures; see
the README's "Pages under load".
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import click
import sqlalchemy as sa
from flask import Flask

from .apps import (
    ENV_BACKEND,
    ENV_DATABASE,
    ENV_INDEX,
    ENV_INSTANCE,
    ENV_PAGE_CACHE,
    ENV_PER_PAGE,
    ENV_REDIS,
    forum_app,
)
from .dutch import Vocabulary
from .floor import ENV_FLOOR
from .load import Load, drive, get, own_memory, peak_rss, served, stack_peak_rss
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
from .search import make_queries, reindex
from .seeding import create_schema, fresh_database, postgres_version, seed_forum

PER_PAGE = 50
EVENTS = 300
SLUG = "buurtforum"
MIB = 1024 * 1024

# Measured again with every page rendered (one worker), first before last.
RENDERED = ("topic page, first", "topic page, last", "topic list, first", "topic list, last")

# -- the world -----------------------------------------------------------------------------


@dataclass
class World:
    posts: int
    long_topic: int
    topic_pages: int
    list_pages: int
    topics: int


def plan_events(app: Flask, topic_ids: list[int]) -> None:
    """Events planned through the services by a moderator, half of them past, each
    discussed in a topic of the forum."""
    from civicforum.forum.models import Community, Membership, Role
    from civicforum.identity.providers import load_actor
    from civicforum.plugins.events import services as event_services
    from civicforum.plugins.events.details import EventDetails

    with app.app_context():
        db = app.extensions["civicforum"].session_factory()
        try:
            community = db.scalars(sa.select(Community).where(Community.slug == SLUG)).one()
            membership = db.scalars(
                sa.select(Membership).where(Membership.community_id == community.id).limit(1)
            ).one()
            membership.role = Role.MODERATOR.value
            db.commit()
            actor = load_actor(db, membership.member)
            today = dt.datetime.now(dt.UTC).replace(hour=19, minute=30, second=0, microsecond=0)
            for n in range(EVENTS):
                starts = today + dt.timedelta(days=n - EVENTS // 2, hours=n % 3)
                details = EventDetails(
                    f"Leesavond {n + 1}",
                    starts.replace(tzinfo=None),
                    (starts + dt.timedelta(hours=2)).replace(tzinfo=None),
                    description="We lezen samen en praten na over het boek van de maand.",
                    venue_name="Bibliotheek Centrum",
                    venue_address="Stationsplein 1, Voorbeeldstad",
                    topic_id=topic_ids[n % len(topic_ids)],
                )
                event_services.create_event(db, actor, community, details)
        finally:
            db.close()


def describe(app: Flask, posts: int, long_topic: int) -> World:
    from civicforum.forum.models import Topic

    with app.app_context():
        db = app.extensions["civicforum"].session_factory()
        try:
            topic = db.get(Topic, long_topic)
            assert topic is not None
            topics = db.scalar(sa.select(sa.func.count(Topic.id)).where(Topic.held.is_(False)))
            assert topics is not None
        finally:
            db.close()
    return World(
        posts,
        long_topic,
        -(-topic.post_count // PER_PAGE),
        -(-topics // PER_PAGE),
        topics,
    )


def paths(world: World, queries: list[str]) -> dict[str, list[str]]:
    return {
        "topic page, first": [f"/forum/t/{world.long_topic}/"],
        "topic page, last": [f"/forum/t/{world.long_topic}/?page={world.topic_pages}"],
        "topic list, first": [f"/forum/c/{SLUG}/"],
        "topic list, last": [f"/forum/c/{SLUG}/?page={world.list_pages}"],
        "search": [f"/forum/search?q={quote_plus(q)}" for q in queries],
        "event agenda": [f"/forum/c/{SLUG}/events/"],
    }


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["civicforum"].engine

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def statements_per_page(app: Flask, pages: dict[str, list[str]]) -> dict[str, int]:
    """SQL statements of one anonymous request for each page, after one to warm up (on an
    app that keeps pages: what a kept page costs)."""
    client = app.test_client()
    counts = {}
    for name, urls in pages.items():
        assert client.get(urls[0]).status_code == 200, urls[0]
        with counting(app) as statements:
            response = client.get(urls[0])
        assert response.status_code == 200, (urls[0], response.status_code)
        counts[name] = len(statements)
    return counts


def profile_pages(app: Flask, pages: dict[str, list[str]]) -> None:
    """Where a request's time goes: pyinstrument over 30 requests of each page, in the
    benchmark's own process, printed to standard error."""
    from pyinstrument import Profiler

    client = app.test_client()
    for name, urls in pages.items():
        profiler = Profiler(interval=0.0005)
        with profiler:
            for n in range(30):
                client.get(urls[n % len(urls)])
        say(f"\n-- profile: {name} (30 requests) --")
        say(profiler.output_text(unicode=True, color=False))


def floor_pages(app: Flask, pages: dict[str, list[str]], folder: Path) -> None:
    """The HTML of the topic page and the topic list, for the floor app."""
    client = app.test_client()
    folder.mkdir(exist_ok=True)
    for name in ("topic page, first", "topic list, first"):
        html = client.get(pages[name][0]).get_data(as_text=True)
        (folder / f"{name.split(',')[0].replace(' ', '-')}.html").write_text(html)


# -- measuring -----------------------------------------------------------------------------


@dataclass
class Measured:
    load: Load
    single: float  # p50 of requests sent one at a time


def measure(port: int, urls: list[str], seconds: int, folder: Path) -> Measured:
    alone = []
    for n in range(25):  # warm up, then the time of one request alone
        began = time.perf_counter()
        status, _body = get(port, urls[n % len(urls)])
        alone.append(time.perf_counter() - began)
        if status != 200:
            say(f"  warning: {urls[n % len(urls)]} answered {status}")
    return Measured(drive(port, urls, seconds, folder), percentile(alone[5:], 0.5))


def measure_size(
    report: Report,
    *,
    posts: int,
    database: str,
    server: str,
    folder: Path,
    seed: int,
    seconds: int,
    setups: list[tuple[int, int, bool]],
    redis: str | None,
    whoosh_up_to: int,
    profile: bool,
) -> None:
    folder.mkdir(parents=True)
    say(f"\n== A forum of {posts:,} posts on {database} ==")
    label = "SQLite" if database == "sqlite" else "PostgreSQL"
    backend = "postgresql" if database == "postgresql" else "whoosh"
    with fresh_database(database, folder, server) as url:
        create_schema(url)
        seeded = seed_forum(url, posts, seed, long_topic=max(PER_PAGE * 2, posts // 100))
        say(f"  seeded in {seeded.seconds:.0f} s: {seeded.topics:,} topics")
        index_dir = folder / "index"
        instance = folder / "instance"
        # Every page rendered: for the statements a page takes, the profiles and the floor.
        app = forum_app(
            url, backend, index_dir, instance, redis=redis, page_cache_seconds=0, per_page=PER_PAGE
        )
        try:
            plan_events(app, list(range(2, min(seeded.topics, EVENTS + 2))))
            searching = backend != "whoosh" or posts <= whoosh_up_to
            if searching:
                reindex(app, Report(), posts, label, False)
            world = describe(app, posts, seeded.long_topic_id)
            queries = [q.text for q in make_queries(Vocabulary.build(seed), seed, 60)]
            pages = paths(world, queries)
            if not searching:
                del pages["search"]
                report.notes.append(
                    f"Search is not measured on Whoosh at {posts:,} posts (above "
                    f"--whoosh-up-to {whoosh_up_to:,}: the index would take long to build)."
                )
            counts = statements_per_page(app, pages)
            keeping = forum_app(url, backend, index_dir, instance, redis=redis, per_page=PER_PAGE)
            try:
                kept = statements_per_page(keeping, {"topic page": pages["topic page, first"]})
            finally:
                keeping.extensions["civicforum"].engine.dispose()
            if profile:
                profile_pages(app, pages)
            floor_pages(app, pages, folder / "floor")
        finally:
            app.extensions["civicforum"].engine.dispose()
        say(
            f"  long topic {world.long_topic}: {world.topic_pages} pages; "
            f"{world.topics:,} topics: {world.list_pages} pages"
        )
        where = label
        env = {ENV_FLOOR: str(folder / "floor")}
        with served(
            "tests.benchmarks.floor:floor_app()", env, "/ready", folder / "floor.log"
        ) as floor:
            floors = {
                kind: measure(floor.port, [f"/{kind.replace(' ', '-')}"], seconds, folder)
                for kind in ("topic page", "topic list")
            }
            floor_rss = max(peak_rss(pid) or 0 for pid in floor.workers())
        for kind, m in floors.items():
            report.add(
                Figure(
                    f"Floor: bare Flask + Jinja, {kind}'s HTML",
                    posts,
                    f"{where}, 1 worker",
                    f"{m.load.rate:,.0f} req/s (p50 {ms(m.load.p50)}, p99 {ms(m.load.p99)})",
                )
            )
        driver = "psycopg" if database == "postgresql" else "sqlite3"
        stack_rss = stack_peak_rss(driver)
        env = {
            ENV_DATABASE: url,
            ENV_BACKEND: backend,
            ENV_INDEX: str(index_dir),
            ENV_INSTANCE: str(instance),
            ENV_REDIS: redis or "",
            ENV_PER_PAGE: str(PER_PAGE),
        }
        single: dict[str, float] = {}
        for workers, processes, preload in setups:
            shared = processes > 1 and redis is None
            if shared:
                say("  warning: several processes without --redis keep rate limits apart")
            setup = (
                f"{workers} worker{'s' if workers > 1 else ''}"
                + (f" × {processes} processes" if processes > 1 else "")
                + (" (--preload)" if preload else "")
            )
            here = f"{where}, {setup}"
            alone = workers * processes == 1 and not preload
            firsts: dict[str, Measured] = {}
            with served(
                "tests.benchmarks.apps:served_forum()",
                env,
                "/forum/",
                folder / "forum.log",
                workers=workers,
                processes=processes,
                preload=preload,
            ) as forum:
                for name, urls in pages.items():
                    m = measure(forum.port, urls, seconds, folder)
                    kind = name.split(",")[0]
                    figure = f"{m.load.rate:,.1f} req/s"
                    target, met = "—", None
                    if alone:
                        single[name] = m.load.rate
                        if kind in floors:
                            ratio = m.load.rate / floors[kind].load.rate
                            figure += f" = {ratio:.2f}× floor"
                            target, met = "≥ 0.5× floor", ratio >= 0.5
                    elif name in single:
                        figure += f" = {m.load.rate / single[name]:.1f}× 1 worker"
                    figure += (
                        f" (p50 {ms(m.load.p50)}, p99 {ms(m.load.p99)}; alone {ms(m.single)}"
                        f"{f'; {m.load.errors} errors' if m.load.errors else ''})"
                    )
                    report.add(Figure(name.capitalize(), posts, here, figure, target, met))
                rss = [peak_rss(pid) or 0 for pid in forum.workers()]
                own = [own_memory(pid) for pid in forum.workers()]
            if alone:
                # The same pages rendered for every request: what the kept pages save.
                with served(
                    "tests.benchmarks.apps:served_forum()",
                    {**env, ENV_PAGE_CACHE: "0"},
                    "/forum/",
                    folder / "forum-rendered.log",
                ) as forum:
                    for name in RENDERED:
                        m = measure(forum.port, pages[name], seconds, folder)
                        kind = name.split(",")[0]
                        ratio = m.load.rate / floors[kind].load.rate
                        report.add(
                            Figure(
                                f"{name.capitalize()}, rendered every time (no kept pages)",
                                posts,
                                here,
                                f"{m.load.rate:,.1f} req/s = {ratio:.2f}× floor (p50 "
                                f"{ms(m.load.p50)}, p99 {ms(m.load.p99)}; alone {ms(m.single)})",
                            )
                        )
                        if name.endswith("first"):
                            firsts[kind] = m
                            continue
                        # What reading a far page costs the database: rendered pages.
                        first = firsts[kind]
                        slower = m.load.p50 / first.load.p50
                        report.add(
                            Figure(
                                f"{kind.capitalize()}, rendered: last page's p50 ÷ first's",
                                posts,
                                here,
                                f"{slower:.2f}× (alone: {m.single / first.single:.2f}×)",
                                "≤ 1.5× (PostgreSQL)" if database == "postgresql" else "—",
                                slower <= 1.5 if database == "postgresql" else None,
                            )
                        )
            report.add(
                Figure(
                    "Peak memory per worker (VmHWM)",
                    posts,
                    here,
                    ", ".join(f"{n / MIB:.0f} MiB" for n in rss)
                    + f" (floor app {floor_rss / MIB:.0f} MiB; Flask + SQLAlchemy ORM + "
                    f"{driver} imported, nothing else: {stack_rss / MIB:.0f} MiB)",
                    "≤ 60 MiB",
                    max(rss) <= 60 * MIB,
                )
            )
            # What one more worker costs: its private pages. Forked from one built app
            # (preloaded), the workers share the rest; see the README's "Memory".
            report.add(
                Figure(
                    "Memory each worker holds alone after the run (private; proportional share)",
                    posts,
                    here,
                    ", ".join(f"{p / MIB:.0f} MiB ({s / MIB:.0f} MiB)" for p, s in own),
                    "≤ 60 MiB, preloaded" if preload else "—",
                    max(p for p, _ in own) <= 60 * MIB if preload else None,
                )
            )
        statements = ", ".join(f"{name} {n}" for name, n in counts.items())
        statements += (
            f"; a kept page {kept['topic page'] + 1} (the page generation, read on the "
            "driver's connection, which rendering a page reads too)"
        )
        report.add(
            Figure(
                "SQL statements per page (anonymous), rendered",
                posts,
                label,
                statements,
                "≤ 5",
                max(counts.values()) <= 5,
            )
        )


def parse_setups(text: str) -> list[tuple[int, int, bool]]:
    """``1x1,4x1,2x2,4x1p``: workers × gunicorn masters sharing the port, in turn; a ``p``
    forks the workers from one built app (``--preload``)."""
    setups = []
    for part in text.split(","):
        part = part.strip()
        preload = part.endswith("p")
        workers, _, processes = part.removesuffix("p").partition("x")
        try:
            setups.append((int(workers), int(processes or 1), preload))
        except ValueError:
            raise click.BadParameter(f"{part!r} is not WORKERSxPROCESSES[p]") from None
    return setups


@click.command()
@database_options
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Posts in each forum, comma-separated.",
)
@click.option("--seconds", default=10, show_default=True, help="Length of each load run.")
@click.option(
    "--setups",
    default="1x1",
    show_default=True,
    help="gunicorn sync workers × masters sharing one port, comma-separated (1x1,4x1,2x2); "
    "a trailing p forks the workers from one built app (4x1p: --preload).",
)
@click.option("--redis", default=None, help="Rate limits and task queue in this Redis.")
@click.option("--whoosh-up-to", default=100_000, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--profile", is_flag=True, help="pyinstrument profiles of each page, to stderr.")
def main(
    database: str,
    server: str,
    sizes: str,
    seconds: int,
    setups: str,
    redis: str | None,
    whoosh_up_to: int,
    seed: int,
    profile: bool,
) -> None:
    """Measure the pages people read most against a bare Flask + Jinja floor."""
    began = time.monotonic()
    load_before = load_average()
    version = postgres_version(server) if database == "postgresql" else None
    report = Report()
    counts = [int(n.replace("_", "")) for n in sizes.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="civicforum-pages-") as tmp:
        for posts in counts:
            measure_size(
                report,
                posts=posts,
                database=database,
                server=server,
                folder=Path(tmp) / f"forum-{posts}",
                seed=seed,
                seconds=seconds,
                setups=parse_setups(setups),
                redis=redis,
                whoosh_up_to=whoosh_up_to,
                profile=profile,
            )
    client = tool_version(["wrk", "--version"]) if shutil.which("wrk") else None
    client = (client.split(" [")[0] if client else None) or "a Python thread-pool client"
    click.echo(f"\n### Page benchmark ({database}, {sizes} posts)\n")
    click.echo(report.table())
    click.echo(f"\nMachine: {machine(version, client)}.")
    click.echo(
        f"Load average (1/5/15 min) before the run {load_before}, after it {load_average()}."
    )
    click.echo(
        f"Each load run: {seconds} s, 8 connections, as an anonymous reader; {PER_PAGE} posts "
        f"or topics to a page."
    )
    for note in report.notes:
        click.echo(f"- {note}")
    click.echo(f"\nWhole run: {(time.monotonic() - began) / 60:.1f} minutes.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
