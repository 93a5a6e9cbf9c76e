"""Shared fixtures: a host app with the forum mounted, on SQLite or PostgreSQL.

The database comes from ``CIVICFORUM_TEST_DATABASE_URL``: unset means a fresh SQLite file
per test; a ``postgresql+psycopg://`` URL means a fresh schema per test in that database,
dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, JoinPolicy, Visibility
from civicforum.identity import services as identity_services
from civicforum.identity.models import IdentityLevel, Member

PG_ENV = "CIVICFORUM_TEST_DATABASE_URL"


def pytest_report_header(config: pytest.Config) -> str:
    return f"civicforum test database: {os.environ.get(PG_ENV) or 'SQLite (a file per test)'}"


@pytest.fixture(scope="session")
def make_database() -> Callable[[Path], AbstractContextManager[str]]:
    """:func:`fresh_database`, for fixtures that keep one database longer than a test."""
    return fresh_database


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, at the lowest cost: production parameters take ~50 ms a hash, and the
    suite makes thousands of accounts. A test of the production parameters is separate."""
    from argon2 import PasswordHasher

    from civicforum.identity import services

    monkeypatch.setattr(
        services, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(autouse=True)
def dispose_forum_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the connections of every forum a test starts, however it started it.

    Tests build extra host apps freely; without this, their pooled PostgreSQL
    connections would be left for the garbage collector to find.
    """
    from civicforum import extension

    engines: list[sa.Engine] = []
    real_make_engine = extension.make_engine

    def tracked(url: str) -> sa.Engine:
        engine = real_make_engine(url)
        engines.append(engine)
        return engine

    monkeypatch.setattr(extension, "make_engine", tracked)
    yield
    for engine in engines:
        engine.dispose()


@contextmanager
def fresh_database(directory: Path, server: str | None = None) -> Iterator[str]:
    """An empty database of the kind under test, and its URL; dropped afterwards.

    :param server: a PostgreSQL URL, or "" for SQLite; by default the one under test.
    """
    server = os.environ.get(PG_ENV) if server is None else server
    if not server:
        yield f"sqlite:///{directory / 'forum.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, and its URL."""
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


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra config for the ``app`` fixture; override in a test module to change it."""
    return {}


@contextmanager
def forum_app(database_url: str, instance_path: Path, **config: Any) -> Iterator[Flask]:
    """A host app with the forum mounted at /forum and its tables created."""
    host = make_host_app(database_url, instance_path, **config)
    CivicForum(host, url_prefix="/forum")
    engine = host.extensions["civicforum"].engine
    Base.metadata.create_all(engine)
    yield host
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    with forum_app(database_url, tmp_path / "instance", **app_config) as host:
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
