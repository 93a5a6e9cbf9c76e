"""The search page under load: gunicorn on loopback, driven by wrk or a Python client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .apps import ENV_BACKEND, ENV_DATABASE, ENV_INDEX, ENV_INSTANCE
from .report import Figure, Report, ms, percentile, say

if TYPE_CHECKING:
    from .search import Query

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import click

ROOT = Path(__file__).resolve().parents[2]
FLASKBB_REQUESTS_PER_SECOND = 12.0
CONNECTIONS = 8


# -- the search page under load --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(url: str, backend: str, index_dir: Path, instance: Path, log: Path) -> Iterator[int]:
    """gunicorn with one sync worker serving the search benchmark's app; yields its port."""
    env = {
        ENV_DATABASE: url,
        ENV_BACKEND: backend,
        ENV_INDEX: str(index_dir),
        ENV_INSTANCE: str(instance),
    }
    with served("tests.benchmarks.apps:served_forum()", env, "/forum/search", log) as server:
        yield server.port


@dataclass
class Served:
    port: int
    masters: list[subprocess.Popen[bytes]]

    def workers(self) -> list[int]:
        """The process ids of every master's workers."""
        pids = []
        for master in self.masters:
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
                pids += [int(pid) for pid in children.split()]
        return pids


def peak_rss(pid: int) -> int | None:
    """A process's peak resident memory in bytes (``VmHWM``), while it runs."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def own_memory(pid: int) -> tuple[int, int]:
    """What a process holds alone (its private pages: what stopping it would free) and its
    proportional share of what it shares with others (PSS), in bytes; zeros when gone."""
    private = proportional = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("Private_Clean", "Private_Dirty"):
                private += int(value.split()[0]) * 1024
            elif name == "Pss":
                proportional = int(value.split()[0]) * 1024
    return private, proportional


def stack_peak_rss(driver: str) -> int:
    """The peak resident memory in bytes of a Python process that imports Flask,
    SQLAlchemy's ORM and ``driver`` and nothing else: what any worker of this stack holds
    before a line of the forum is loaded."""
    code = (
        f"import flask, sqlalchemy.orm, {driver}\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'): print(int(line.split()[1]) * 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    return int(out.stdout)


def _no_control_socket() -> list[str]:
    """gunicorn 27 opens a control socket at one path in the home folder: several masters
    (or a site's own gunicorn) would take it from each other."""
    from gunicorn import config

    names = {setting.name for setting in config.KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


@contextlib.contextmanager
def served(
    app: str,
    env: dict[str, str],
    probe: str,
    log: Path,
    *,
    workers: int = 1,
    processes: int = 1,
    preload: bool = False,
) -> Iterator[Served]:
    """gunicorn serving ``app`` (``module:factory()``) on 127.0.0.1 with ``workers`` sync
    workers; with ``processes`` > 1, as many gunicorn masters share one port
    (``SO_REUSEPORT``: the kernel spreads the connections, as a load balancer would); with
    ``preload``, each master builds the app once and forks its workers from it, with the
    settings the forum ships (``civicforum.gunicorn_config``)."""
    port = free_port()
    environment = dict(os.environ)
    environment.update(env)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--timeout=120",
        "--log-level=warning",
        *(["--reuse-port"] if processes > 1 else []),
        *(["--config=python:civicforum.gunicorn_config"] if preload else []),
        *_no_control_socket(),
        app,
    ]
    masters: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as out:
        for _ in range(processes):
            masters.append(
                subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=out)
            )
    server = Served(port, masters)
    try:
        deadline = time.monotonic() + 90
        while True:
            if any(m.poll() is not None for m in masters):
                raise click.ClickException(f"gunicorn stopped:\n{log.read_text()}")
            try:
                status, _body = get(port, probe, timeout=5)
                if status == 200 and len(server.workers()) == workers * processes:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise click.ClickException(f"gunicorn did not answer in 90 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        for master in masters:
            master.send_signal(signal.SIGTERM)
        for master in masters:
            try:
                master.wait(timeout=20)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(timeout=10)


@dataclass
class Load:
    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


_WRK_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_WRK_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def drive(port: int, paths: list[str], seconds: int, folder: Path) -> Load:
    """wrk when installed, else the Python client; 8 connections."""
    if shutil.which("wrk"):
        return drive_with_wrk(port, paths, seconds, folder)
    return drive_with_python(port, paths, seconds)


def drive_with_wrk(
    port: int, paths: list[str], seconds: int, folder: Path, connections: int = CONNECTIONS
) -> Load:
    script = folder / "rotate.lua"
    listed = ",\n".join(f'  "{p}"' for p in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "local i = math.random(#paths)\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    done = subprocess.run(
        [
            "wrk",
            "--threads=2",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=30s",
            "--latency",
            f"--script={script}",
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    out = done.stdout
    latency = {
        m.group(1): float(m.group(2)) * _WRK_UNIT[m.group(3)] for m in _WRK_LATENCY.finditer(out)
    }
    count = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if count is None or "50" not in latency:
        raise click.ClickException(f"cannot read wrk's output:\n{out}\n{done.stderr}")
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[count.group(3)]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors:[^\n]*"):
        found = re.search(pattern, out)
        if found:
            errors += sum(int(n) for n in re.findall(r"\d+", found.group(0).split(":", 1)[1]))
    return Load(
        int(count.group(1)),
        float(count.group(2)) * unit,
        latency["50"],
        latency.get("99", float("nan")),
        errors,
    )


def drive_with_python(
    port: int, paths: list[str], seconds: int, connections: int = CONNECTIONS
) -> Load:
    """``connections`` threads, each sending one request at a time for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = iter(range(10**6))

    def client() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            path = paths[next(counter) % len(paths)]
            began = time.perf_counter()
            try:
                status, _body = get(port, path)
            except OSError:
                status = 0
            spent = time.perf_counter() - began
            with lock:
                latencies.append(spent)
                errors += status != 200

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    spent = time.monotonic() - began
    return Load(
        len(latencies),
        spent,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        errors,
    )


def page_throughput(
    report: Report,
    posts: int,
    where: str,
    url: str,
    backend: str,
    index_dir: Path,
    folder: Path,
    queries: list[Query],
    seconds: int,
) -> None:
    paths = [f"/forum/search?q={quote_plus(q.text)}" for q in queries]
    instance = folder / f"instance-{backend}-served"
    with gunicorn(url, backend, index_dir, instance, folder / f"gunicorn-{backend}.log") as port:
        single = []
        for path in paths[:20]:  # warm up, and the time of one request alone
            began = time.perf_counter()
            status, _body = get(port, path)
            single.append(time.perf_counter() - began)
            if status != 200:
                say(f"  warning: {path} answered {status}")
        say(
            f"  search page, one connection: p50 {ms(percentile(single[5:], 0.5))} "
            f"over {len(single) - 5} requests"
        )
        if shutil.which("wrk"):
            load = drive_with_wrk(port, paths, seconds, folder)
        else:
            load = drive_with_python(port, paths, seconds)
    ratio = load.rate / FLASKBB_REQUESTS_PER_SECOND
    report.add(
        Figure(
            f"Search page, gunicorn 1 sync worker, {CONNECTIONS} connections",
            posts,
            where,
            f"{load.rate:,.1f} req/s = {ratio:.1f}× FlaskBB "
            f"(p50 {ms(load.p50)}, p99 {ms(load.p99)}, {load.requests:,} requests"
            f"{f', {load.errors} errors' if load.errors else ''})",
            "≥ 24 req/s (2× FlaskBB's 12)",
            load.rate >= 2 * FLASKBB_REQUESTS_PER_SECOND and load.errors == 0,
        )
    )
