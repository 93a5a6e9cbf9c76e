"""A PostgreSQL server of a test's own, which the test may stop and start at will.

``private_cluster`` makes a cluster with ``initdb`` in a folder of its own under the
system's temporary folder, serves it on a free loopback port (its socket in that folder
too, away from the machine's own server), and stops and removes it afterwards, also when
the test failed. Durability is switched off (``fsync``): the data outlives a stopped
server process, not a machine that loses power, and that is all a test needs.

PostgreSQL refuses to run as root: as root, every command runs as the ``postgres``
account (``runuser``), which then owns the folder; as anyone else, as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

#: Where Debian's packages put the server's programs, one folder per major version.
INSTALLS = Path("/usr/lib/postgresql")
ACCOUNT = "postgres"
#: A cluster's folder is /tmp/cf-pg-<pid of the test process>-<random>.
FOLDER_PREFIX = "cf-pg-"


def find_bin() -> Path | None:
    """The newest installed ``bin`` folder that has ``initdb`` and ``pg_ctl``."""
    if not INSTALLS.is_dir():
        return None
    folders = sorted(
        (path for path in INSTALLS.iterdir() if path.name.isdecimal()),
        key=lambda path: int(path.name),
        reverse=True,
    )
    for folder in folders:
        found = folder / "bin"
        if (found / "initdb").exists() and (found / "pg_ctl").exists():
            return found
    return None


def runner() -> list[str] | None:
    """The prefix that runs a command as the account PostgreSQL may run as: nothing for
    a user who is not root; ``runuser`` to ``postgres`` for root; None when root cannot."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        return None
    try:
        pwd.getpwnam(ACCOUNT)
    except KeyError:
        return None
    return ["runuser", "-u", ACCOUNT, "--"]


def unavailable_reason() -> str | None:
    """Why no private cluster can be made on this machine, or None when one can."""
    if find_bin() is None:
        return f"needs PostgreSQL's initdb and pg_ctl under {INSTALLS}/<version>/bin"
    if runner() is None:
        return (
            f"PostgreSQL refuses to run as root, and root cannot switch to the {ACCOUNT!r} "
            "account here (runuser or the account is missing)"
        )
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One private server: its folder, port and the commands that stop and start it."""

    def __init__(self, folder: Path, bin_folder: Path, prefix: list[str]) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self._bin = bin_folder
        self._prefix = prefix
        self.running = False

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._prefix, str(self._bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}{done.stderr}\n{log}"
            )

    def init(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--auth=trust",
            f"--username={ACCOUNT}",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        """Start the server and wait until it takes connections (after a crash: once it
        has recovered)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.folder} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session and shuts down cleanly;
        ``immediate`` kills the server's processes, as a crash would."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w")
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{ACCOUNT}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new database on this server; its URL."""
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        return self.url(name)


def _sweep_leftovers(bin_folder: Path, prefix: list[str]) -> None:
    """Stop and remove the clusters of test processes that were killed before they could
    (their servers run on without them)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        owner = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        if not owner.isdecimal() or _alive(int(owner)):
            continue
        if (folder / "data" / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(bin_folder / "pg_ctl"), "stop", "-D", str(folder / "data")]
                + ["-m", "immediate", "-w"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A running private cluster; stopped and removed afterwards, whatever happened.

    :raises RuntimeError: when the machine has no PostgreSQL to run (see
        :func:`unavailable_reason`) or the server does not start (with its log).
    """
    reason = unavailable_reason()
    bin_folder, prefix = find_bin(), runner()
    if reason is not None or bin_folder is None or prefix is None:
        raise RuntimeError(reason)
    _sweep_leftovers(bin_folder, prefix)
    # Short and under /tmp: the server's socket path must stay within 107 bytes, and the
    # postgres account must be able to reach it (pytest's own folders are root's alone).
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    try:
        if prefix:
            account = pwd.getpwnam(ACCOUNT)
            os.chown(folder, account.pw_uid, account.pw_gid)
        cluster = Cluster(folder, bin_folder, prefix)
        try:
            cluster.init()
            cluster.start()
            yield cluster
        finally:
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
