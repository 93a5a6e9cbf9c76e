"""Shared fixtures: a host app with the forum mounted, on SQLite or PostgreSQL.

The database comes from ``CIVICFORUM_TEST_DATABASE_URL``: unset means a fresh SQLite file
per test; a ``postgresql+psycopg://`` URL means a fresh database per test on that server,
dropped afterwards, so tests never see each other's rows. ``database_url`` starts with the
forum's tables (copied from a template, see tests/templatedb.py); ``empty_database_url``
starts empty, for the tests of migrations.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, JoinPolicy, Visibility
from civicforum.identity import services as identity_services
from civicforum.identity.models import IdentityLevel, Member

from .appcache import share_compiled_work
from .templatedb import FreshDatabases, compact_catalogs

PG_ENV = "CIVICFORUM_TEST_DATABASE_URL"


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(PG_ENV):
        return (
            f"civicforum test database: {os.environ[PG_ENV]} (a database per test); tests "
            "marked database_independent run on the SQLite pass only"
        )
    return "civicforum test database: SQLite (a file per test)"


#: How the forum hashes passwords when nothing changes it (tests of it use this one).
PRODUCTION_HASHER = identity_services._hasher


def pytest_configure(config: pytest.Config) -> None:
    # Test apps share compiled templates and URL builders (see tests/appcache.py).
    share_compiled_work()
    # Real argon2, at the lowest cost, in every test and every live site of this process:
    # production parameters take ~50 ms a hash (more on a busy machine), and the suite
    # makes thousands of accounts. The production parameters have a test of their own.
    identity_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_sessionstart(session: pytest.Session) -> None:
    """On PostgreSQL, compact the server's catalogs once, before any test process starts.

    Every test's schema adds and removes catalog rows; where the server runs without
    autovacuum (as on these machines), the dead rows pile up run after run, and every
    CREATE, DROP and catalog look-up slows down with them (0.05 s for one look-up after
    a few hundred runs).
    """
    server = os.environ.get(PG_ENV)
    if server and not hasattr(session.config, "workerinput"):
        compact_catalogs(server)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out what cannot turn out differently there.

    An axe audit checks the HTML a page renders; the same demo data gives the same HTML
    on either engine, and the audits are a third of the browser tests' time. The browser
    flows (but search's, whose backend differs by engine) drive pages whose work with the
    database the request and service tests run on PostgreSQL too; they keep the
    PostgreSQL pass within CI's time.
    """
    if not os.environ.get(PG_ENV):
        return
    left_out = [item for item in items if item.get_closest_marker("database_independent")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("database_independent")]


@pytest.fixture(scope="session")
def make_database() -> Callable[[Path], AbstractContextManager[str]]:
    """:func:`fresh_database`, for fixtures that keep one database longer than a test."""
    return fresh_database


@pytest.fixture(autouse=True)
def dispose_forum_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the connections of every forum a test starts, however it started it.

    Tests build extra host apps freely; without this, their pooled PostgreSQL
    connections would be left for the garbage collector to find.
    """
    from civicforum import extension

    engines: list[sa.Engine] = []
    real_make_engine = extension.make_engine
    real_make_reader = extension.make_quick_reader

    def tracked(url: str) -> sa.Engine:
        engine = real_make_engine(url)
        engines.append(engine)
        return engine

    def tracked_reader(engine: sa.Engine) -> sa.Engine:
        reader = real_make_reader(engine)
        engines.append(reader)
        return reader

    monkeypatch.setattr(extension, "make_engine", tracked)
    monkeypatch.setattr(extension, "make_quick_reader", tracked_reader)
    yield
    for engine in engines:
        engine.dispose()


@contextmanager
def fresh_database(
    directory: Path, server: str | None = None, *, tables: bool = False
) -> Iterator[str]:
    """A database of the kind under test, and its URL; dropped afterwards.

    :param server: a PostgreSQL URL, or "" for SQLite; by default the one under test.
    :param tables: start with the forum's tables instead of empty (see tests/templatedb.py).
    """
    server = os.environ.get(PG_ENV) if server is None else server
    if server:
        with _databases.postgresql_schema(server, tables=tables) as url:
            yield url
        return
    path = directory / "forum.sqlite3"
    if tables:
        shutil.copyfile(_databases.sqlite_template(), path)
    yield f"sqlite:///{path}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the kind under test with the forum's tables, and its URL."""
    with fresh_database(tmp_path, tables=True) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, for migrations, and its URL."""
    with fresh_database(tmp_path) as url:
        yield url


def make_host_app(database_url: str, instance_path: Path, **config: Any) -> Flask:
    app = Flask("host", instance_path=str(instance_path))
    app.config.update(
        TESTING=True,
        SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_DATABASE_URL=database_url,
        # Queued work stays in this process and runs only when a test runs it.
        CIVICFORUM_TASK_QUEUE="memory",
        CIVICFORUM_TASK_WORKER=False,
    )
    app.config.update(config)
    return app


def _load_models() -> None:
    """Mount the forum once, so that every built-in plugin's models are imported."""
    with tempfile.TemporaryDirectory() as folder:
        host = make_host_app("sqlite://", Path(folder))
        CivicForum(host, url_prefix="/forum")
        host.extensions["civicforum"].engine.dispose()


_databases = FreshDatabases(_load_models)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra config for the ``app`` fixture; override in a test module to change it."""
    return {}


@contextmanager
def forum_app(
    database_url: str, instance_path: Path, *, create_tables: bool = True, **config: Any
) -> Iterator[Flask]:
    """A host app with the forum mounted at /forum and its tables created.

    :param create_tables: False for a database that has them already (``database_url``):
        asking PostgreSQL whether each of some ninety tables exists takes longer than
        the rest of making the app.
    """
    host = make_host_app(database_url, instance_path, **config)
    CivicForum(host, url_prefix="/forum")
    engine = host.extensions["civicforum"].engine
    if create_tables:
        Base.metadata.create_all(engine)
    yield host
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    with forum_app(database_url, tmp_path / "instance", create_tables=False, **app_config) as host:
        yield host


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- domain helpers ----------------------------------------------------------------------


PASSWORD = "correct horse battery"
LIMITS = forum_services.Limits(max_title_length=150, max_post_length=20000)


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of the forum's database, for arranging and checking what pages did.

    No app context stays pushed: requests of the test client get their own, as in a server.
    """
    session = app.extensions["civicforum"].session_factory()
    yield session
    session.close()


@pytest.fixture
def make_member(db: Session) -> Callable[..., Member]:
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        *,
        level: IdentityLevel = IdentityLevel.REGISTERED,
        admin: bool = False,
        real_name: str | None = None,
    ) -> Member:
        n = next(counter)
        member = identity_services.register_local_account(
            db,
            email=f"person{n}@example.org",
            password=PASSWORD,
            display_name=name or f"Person {n}",
        )
        member.identity_level = int(level)
        member.is_site_admin = admin
        member.real_name = real_name
        db.commit()
        return member

    return make


@pytest.fixture
def make_community(db: Session) -> Callable[..., Community]:
    def make(
        slug: str,
        *,
        members_only: bool = False,
        approval: bool = False,
        level: IdentityLevel = IdentityLevel.REGISTERED,
        rules: str = "1. Be kind.",
    ) -> Community:
        return forum_services.create_community(
            db,
            slug=slug,
            name=slug.replace("-", " ").title(),
            description=f"About {slug}.",
            house_rules=rules,
            visibility=Visibility.MEMBERS if members_only else Visibility.PUBLIC,
            join_policy=JoinPolicy.APPROVAL if approval else JoinPolicy.OPEN,
            min_post_level=level,
        )

    return make


# A real SMTP sink (``smtp``, see tests/smtpsink.py), and the OpenID Connect provider
# with its tampering proxy: the fixtures ``oidc_peer`` and
# ``oidc_peer_session``, started only by tests that use them (see tests/oidcpeer.py).
pytest_plugins = ["tests.oidcpeer", "tests.smtpsink"]
