"""The benchmark's figures: what is printed as it goes, the final table, and the
machine it ran on."""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click


def say(text: str = "") -> None:
    click.echo(text, err=True)


# -- figures -------------------------------------------------------------------------------


@dataclass
class Figure:
    measure: str
    posts: int
    where: str  # the database or backend
    result: str
    target: str = "—"
    met: bool | None = None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        met = "" if figure.met is None else (" (met)" if figure.met else " (MISSED)")
        say(
            f"  {figure.measure} [{figure.posts:,} posts, {figure.where}]: {figure.result}"
            f"{'' if figure.target == '—' else ' — target ' + figure.target}{met}"
        )

    def table(self) -> str:
        lines = [
            "| Measure | Posts | Database / backend | Result | Target | Met |",
            "| --- | ---: | --- | ---: | --- | --- |",
        ]
        for f in self.figures:
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            lines.append(
                f"| {f.measure} | {f.posts:,} | {f.where} | {f.result} | {f.target} | {met} |"
            )
        return "\n".join(lines)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- the machine ---------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def tool_version(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0] if text else None


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " / ".join(f"{n:.1f}" for n in os.getloadavg())
    return "unknown"


def machine(postgres_version: str | None, http_client: str) -> str:
    parts = [
        f"{os.cpu_count()} cores ({cpu_model()})",
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_version:
        parts.append(f"PostgreSQL {postgres_version}")
    parts += [
        f"Whoosh-Reloaded {package_version('whoosh-reloaded')}",
        f"SQLAlchemy {package_version('sqlalchemy')}",
        f"gunicorn {package_version('gunicorn')}",
        f"load from {http_client}",
    ]
    return ", ".join(parts)


DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database_options(command: Any) -> Any:
    """A benchmark's ``--database sqlite|postgresql`` and ``--server URL`` options."""
    command = click.option(
        "--server",
        default=lambda: os.environ.get("CIVICFORUM_TEST_DATABASE_URL") or DEFAULT_SERVER,
        show_default="$CIVICFORUM_TEST_DATABASE_URL or " + DEFAULT_SERVER,
        help="The PostgreSQL database fresh schemas are made in.",
    )(command)
    return click.option(
        "--database",
        type=click.Choice(["sqlite", "postgresql"]),
        default="sqlite",
        show_default=True,
    )(command)
