"""Moving benchmark: exporting one community of many posts to a file and importing it into
another forum's database. It prints figures and never asserts them.

Run it from the repository root (modules: `seeding`, `report`)::

    .venv/bin/python -m tests.benchmarks.moving [--posts 1000000] [--database sqlite|postgresql]

``--database sqlite`` (the default) seeds a fresh SQLite file in a temporary folder;
``--database postgresql`` a fresh schema in the PostgreSQL database ``--server`` names
(default ``$CIVICFORUM_TEST_DATABASE_URL``, else
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Further options: ``--gzip`` (the
default: a ``.jsonl.gz`` file, as the command writes by default) or ``--no-gzip``,
``--seed 2026`` and ``--profile`` (each child under cProfile, its top functions printed
to standard error; the figures of such a run are cProfile's, not the code's).

It:

1. seeds one Dutch community (``buurtforum``) with ``--posts`` posts, in bulk, as the
   search benchmark does (``tests/benchmarks/seeding.py``);
2. exports it with ``flask civicforum export buurtforum --out FILE`` in a child process
   of its own, the host app being :func:`cli_app` of this module;
3. imports the file with ``flask civicforum import FILE`` in another child, into a second
   fresh database of the same kind with the forum's tables (as the tests make them);

and prints each step's wall time (the whole child: interpreter start, app, the command),
posts per second and the child's peak resident memory, beside the targets: export
≥ 20,000 posts/s, import ≥ 5,000 posts/s, peak RSS ≤ 150 MiB each way (on PostgreSQL).

Peak RSS is the child's ``VmHWM`` (its address space's high-water mark of resident
memory), which the child reads from ``/proc/self/status`` in an ``atexit`` hook, after
the command and before the interpreter winds down (see :data:`LAUNCHER`). Not
``ru_maxrss``: on Linux a child's ``ru_maxrss`` (from ``getrusage(RUSAGE_CHILDREN)``,
``os.wait4``, or its own ``RUSAGE_SELF``) also counts the memory it had before ``exec``,
the copy of this process it was forked from, which holds the seeded forum's plan. So that
the child's memory is the forum's, this module imports nothing of the seeding (nor
pytest) at the top: the child imports only Flask, civicforum and this module. A command
that starts processes of its own (the import renders HTML in worker processes) has a
second figure: the largest sum of the VmRSS of the child and its descendants, sampled
from /proc every 0.1 s while it runs (shared pages counted in each process).

The temporary folder (both SQLite files, the export) and the PostgreSQL schemas are
removed at the end. Members: one for every 40 posts, at most 15,000 (see
:data:`MAX_MEMBERS`). At 1,000,000 posts on PostgreSQL a run took 7.5 minutes on two
cores, 3.5 of them seeding.
"""

from __future__ import annotations

import io
import os
import pstats
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask

from civicforum import CivicForum

from .report import Figure, Report, cpu_model, database_options, load_average, package_version, say

SLUG = "buurtforum"  # the community seed_forum makes
ENV_DATABASE = "CIVICFORUM_BENCH_MOVING_DATABASE"
ENV_INSTANCE = "CIVICFORUM_BENCH_MOVING_INSTANCE"
MIB = 1024 * 1024
EXPORT_RATE = 20_000
IMPORT_RATE = 5_000
PEAK_RSS_MIB = 150
#: seed_forum's one member for every 40 posts, up to this many: its display names run out
#: at 22,743 (57 first names, each with about 400 variants), and its name loop never
#: ends after that; 15,000 leaves every first name room to spare.
#: How often the memory of a child and the processes it started is sampled.
SAMPLE_SECONDS = 0.1


# -- the app the children run -------------------------------------------------------------


def cli_app() -> Flask:
    """The host app of ``flask civicforum export/import``: ``FLASK_APP`` is
    ``tests.benchmarks.moving:cli_app``, its database in ``$CIVICFORUM_BENCH_MOVING_DATABASE``.
    Configured as tests/conftest.py does, the forum at /forum."""
    app = Flask("benchmark", instance_path=os.environ[ENV_INSTANCE])
    app.config.update(
        SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_DATABASE_URL=os.environ[ENV_DATABASE],
        CIVICFORUM_TASK_QUEUE="memory",
        CIVICFORUM_TASK_WORKER=False,
    )
    CivicForum(app, url_prefix="/forum")
    return app


# -- a child process, measured --------------------------------------------------------------


#: Runs ``flask ARGS`` (``python -c LAUNCHER PEAK_FILE PROFILE_FILE ARGS...``) and, at
#: exit, writes the process's VmHWM in KiB to PEAK_FILE; under cProfile when PROFILE_FILE
#: is not "-".
LAUNCHER = """\
import atexit, runpy, sys
peak_file, profile_file, args = sys.argv[1], sys.argv[2], sys.argv[3:]

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(peak_file, "w") as out:
                    out.write(line.split()[1])

atexit.register(peak)
sys.argv = ["flask", *args]
if profile_file == "-":
    runpy.run_module("flask", run_name="__main__", alter_sys=True)
else:
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
    try:
        runpy.run_module("flask", run_name="__main__", alter_sys=True)
    finally:
        profile.disable()
        profile.dump_stats(profile_file)
"""


@dataclass
class Child:
    seconds: float  # wall time of the whole child
    own_seconds: float | None  # the time the command itself says it took
    peak_rss: int  # bytes: VmHWM at exit
    status: int
    output: str  # its standard output (progress and errors went to ours)
    tree: Tree


@dataclass
class Tree:
    """The child and the processes it starts (the import's render workers), sampled."""

    peak_rss: int = 0  # bytes: the largest sum of their VmRSS in one sample
    processes: int = 0  # the most processes in one sample, the child included
    helper_peak: int = 0  # bytes: the largest VmHWM of a process the child started
    samples: int = 0


def _parents() -> dict[int, int]:
    """pid: parent pid of every process (/proc/PID/task/*/children is not always there)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue
        found[int(entry.name)] = int(data[data.rindex(b")") + 2 :].split()[1])
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in bytes; zeros when it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, hwm


def sample(root: int, tree: Tree) -> None:
    parents = _parents()
    family, todo = [root], [root]
    while todo:
        parent = todo.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        family += children
        todo += children
    total = 0
    for pid in family:
        rss, hwm = _memory(pid)
        total += rss
        if pid != root:
            tree.helper_peak = max(tree.helper_peak, hwm)
    tree.peak_rss = max(tree.peak_rss, total)
    tree.processes = max(tree.processes, len(family))
    tree.samples += 1


def run_child(
    args: list[str],
    url: str,
    folder: Path,
    name: str,
    profile: Path | None = None,
    *,
    quiet: bool = False,
) -> Child:
    """``flask civicforum ARGS`` against ``url`` in a child process, timed, with its
    peak RSS (VmHWM) at exit. Its standard error is ours, unless ``quiet``."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "FLASK_APP": "tests.benchmarks.moving:cli_app",
        ENV_DATABASE: url,
        ENV_INSTANCE: str(folder / f"instance-{name}"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    peak_path = folder / f"{name}.peak"
    out_path = folder / f"{name}.out"
    command = [
        sys.executable,
        "-c",
        LAUNCHER,
        str(peak_path),
        str(profile) if profile is not None else "-",
        "civicforum",
        *args,
    ]
    with open(out_path, "wb") as out:
        began = time.perf_counter()
        child = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if quiet else None,
        )
        tree = Tree()
        try:
            while child.poll() is None:
                sample(child.pid, tree)
                time.sleep(SAMPLE_SECONDS)
        except BaseException:
            child.kill()
            child.wait()
            raise
        seconds = time.perf_counter() - began
        status = child.returncode
    output = out_path.read_text(encoding="utf-8", errors="replace")
    peak = int(peak_path.read_text()) * 1024 if peak_path.exists() else 0
    said = re.search(r" in ([0-9.]+) s\b", output)
    return Child(seconds, float(said.group(1)) if said else None, peak, status, output, tree)


def must_succeed(child: Child, what: str) -> None:
    if child.status != 0:
        say(child.output)
        raise click.ClickException(
            f"{what} failed with exit status {child.status} (its traceback is above)"
        )


def print_profile(path: Path, title: str) -> None:
    # By cumulative time the first dozen lines are the CLI's own wrappers: 40 lines.
    for order, lines in (("cumulative", 40), ("tottime", 20)):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(lines)
        say(f"\n--- profile: {title}, by {order} ---")
        say(out.getvalue())


def timing(child: Child, posts: int) -> str:
    text = f"{posts / child.seconds:,.0f} posts/s ({child.seconds:.1f} s"
    if child.own_seconds:
        text += (
            f"; the command says {child.own_seconds:.1f} s, "
            f"{posts / child.own_seconds:,.0f} posts/s"
        )
    return text + ")"


def add_memory(report: Report, step: str, child: Child, posts: int, where: str) -> None:
    report.add(
        Figure(
            f"{step}, peak RSS of the child (VmHWM at exit)",
            posts,
            where,
            mib(child.peak_rss),
            f"≤ {PEAK_RSS_MIB} MiB (PostgreSQL)",
            child.peak_rss <= PEAK_RSS_MIB * MIB,
        )
    )
    tree = child.tree
    helpers = tree.processes - 1
    detail = (
        f"{helpers} more process{'es' if helpers != 1 else ''} at most, each at most "
        f"{mib(tree.helper_peak)}"
        if helpers
        else "no other process"
    )
    report.add(
        Figure(
            f"{step}, peak RSS of the child and the processes it started (summed VmRSS, "
            f"sampled every {SAMPLE_SECONDS:g} s)",
            posts,
            where,
            f"{mib(tree.peak_rss)} ({detail}; {tree.samples:,} samples)",
            f"≤ {PEAK_RSS_MIB} MiB (PostgreSQL)",
            tree.peak_rss <= PEAK_RSS_MIB * MIB,
        )
    )


def mib(size: int) -> str:
    return f"{size / MIB:,.0f} MiB"


def count_posts(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text("SELECT count(*) FROM cf_post")) or 0)
    finally:
        engine.dispose()


# -- the run -----------------------------------------------------------------------------------


def measure_command(
    report: Report,
    step: str,
    args: list[str],
    url: str,
    folder: Path,
    posts: int,
    where: str,
    target: int,
    profile: bool,
) -> Child:
    """Run ``flask civicforum ARGS`` as a child on ``url``; report its speed and memory."""
    say(f"{step.capitalize()}ing ...")
    prof = folder / f"{step}.prof" if profile else None
    child = run_child(args, url, folder, step, prof)
    must_succeed(child, f"flask civicforum {step}")
    say("  " + child.output.strip().replace("\n", "\n  "))
    report.add(
        Figure(
            f"{step.capitalize()} (`flask civicforum {step}`), wall time of the child",
            posts,
            where,
            timing(child, posts),
            f"≥ {target:,} posts/s (PostgreSQL)",
            posts / child.seconds >= target,
        )
    )
    add_memory(report, step.capitalize(), child, posts, where)
    if prof is not None:
        print_profile(prof, f"{step}, {where}, {posts:,} posts")
    return child


def measure(
    report: Report,
    *,
    posts: int,
    database: str,
    server: str,
    folder: Path,
    compress: bool,
    seed: int,
    profile: bool,
    jobs: int | None = None,
) -> None:
    from .seeding import MAX_MEMBERS, create_schema, fresh_database, seed_forum

    where = "SQLite" if database == "sqlite" else "PostgreSQL"
    file = folder / f"{SLUG}.jsonl{'.gz' if compress else ''}"
    (folder / "old").mkdir()
    (folder / "new").mkdir()
    say(f"\n== Moving a community of {posts:,} posts on {database} ==")
    with (
        fresh_database(database, folder / "old", server) as old,
        fresh_database(database, folder / "new", server, tables=True) as new,
    ):
        create_schema(old)
        seeded = seed_forum(old, posts, seed, member_count=min(max(20, posts // 40), MAX_MEMBERS))
        report.add(
            Figure(
                "Seeding (write, render, insert in bulk)",
                posts,
                where,
                f"{seeded.posts / seeded.seconds:,.0f} posts/s ({seeded.seconds:.1f} s; "
                f"{seeded.topics:,} topics, {seeded.members:,} members)",
            )
        )

        # The app alone: what a child holds before it reads a record.
        idle = run_child(
            ["export", "no-such-community", "--out", str(folder / "none")],
            old,
            folder,
            "idle",
            quiet=True,
        )
        report.add(
            Figure(
                "Peak RSS of the CLI child, app loaded, nothing exported",
                posts,
                where,
                f"{mib(idle.peak_rss)} ({idle.seconds:.1f} s)",
            )
        )

        measure_command(
            report,
            "export",
            ["export", SLUG, "--out", str(file)],
            old,
            folder,
            posts,
            where,
            EXPORT_RATE,
            profile,
        )
        size = file.stat().st_size
        report.add(
            Figure(
                f"File size ({'gzip' if compress else 'uncompressed'})",
                posts,
                where,
                f"{size / MIB:,.1f} MiB ({size / posts:,.0f} bytes a post)",
            )
        )
        jobs_given = [] if jobs is None else ["--jobs", str(jobs)]
        measure_command(
            report,
            "import",
            ["import", str(file), *jobs_given],
            new,
            folder,
            posts,
            where,
            IMPORT_RATE,
            profile,
        )
        arrived = count_posts(new)
        report.notes.append(
            f"Posts in the new database after the import: {arrived:,} of {posts:,}."
        )


@click.command()
@click.option("--posts", default=1_000_000, show_default=True, help="Posts in the community.")
@database_options
@click.option(
    "--gzip/--no-gzip",
    "compress",
    default=True,
    show_default=True,
    help="Export to FILE.jsonl.gz (as the command does by default) or to FILE.jsonl.",
)
@click.option("--seed", default=2026, show_default=True)
@click.option(
    "--jobs",
    type=int,
    default=None,
    help="Pass --jobs N to the import (processes rendering HTML; 0: none, least memory).",
)
@click.option(
    "--profile",
    is_flag=True,
    help="Run each child under cProfile and print its top functions to standard error.",
)
def main(
    posts: int,
    database: str,
    server: str,
    compress: bool,
    seed: int,
    jobs: int | None,
    profile: bool,
) -> None:
    """Measure exporting and importing one community of POSTS posts."""
    from .seeding import postgres_version

    began = time.monotonic()
    load_before = load_average()
    version = postgres_version(server) if database == "postgresql" else None
    report = Report()
    with tempfile.TemporaryDirectory(prefix="civicforum-bench-moving-") as tmp:
        measure(
            report,
            posts=posts,
            database=database,
            server=server,
            folder=Path(tmp),
            compress=compress,
            seed=seed,
            profile=profile,
            jobs=jobs,
        )
    click.echo(f"\n### Moving benchmark ({database}, {posts:,} posts)\n")
    click.echo(report.table())
    parts = [f"{os.cpu_count()} cores ({cpu_model()})", f"Python {sys.version.split()[0]}"]
    if version:
        parts.append(f"PostgreSQL {version}")
    else:
        import sqlite3

        parts.append(f"SQLite {sqlite3.sqlite_version}")
    parts.append(f"SQLAlchemy {package_version('sqlalchemy')}")
    click.echo(f"\nMachine: {', '.join(parts)}.")
    click.echo(
        "Peak RSS: VmHWM of each child from /proc/self/status, read by the child in an "
        "atexit hook after the command (the child alone; not ru_maxrss, which on Linux also "
        "counts the parent's memory the child was forked with before exec); and the largest "
        f"summed VmRSS of the child and its descendants, sampled every {SAMPLE_SECONDS:g} s."
    )
    click.echo(
        f"Load average (1/5/15 min) before the run {load_before}, after it {load_average()}: "
        "anything above the benchmark's own share means other work shared the cores."
    )
    if profile:
        click.echo("Run under cProfile: the times and memory are cProfile's, not the code's.")
    for note in report.notes:
        click.echo(f"- {note}")
    click.echo(f"\nWhole run: {(time.monotonic() - began) / 60:.1f} minutes.")


if __name__ == "__main__":
    main()
