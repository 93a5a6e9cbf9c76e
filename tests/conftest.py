"""Shared fixtures: a host app with the forum mounted, on SQLite or PostgreSQL.

The database comes from ``CIVICFORUM_TEST_DATABASE_URL``: unset means a fresh SQLite file
per test; a ``postgresql+psycopg://`` URL means a fresh schema per test in that database,
dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from civicforum import CivicForum
from civicforum.db import Base

PG_ENV = "CIVICFORUM_TEST_DATABASE_URL"


def pytest_report_header(config: pytest.Config) -> str:
    return f"civicforum test database: {os.environ.get(PG_ENV) or 'SQLite (a file per test)'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, and its URL."""
    server = os.environ.get(PG_ENV)
    if not server:
        yield f"sqlite:///{tmp_path / 'forum.sqlite3'}"
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


def make_host_app(database_url: str, instance_path: Path, **config: Any) -> Flask:
    app = Flask("host", instance_path=str(instance_path))
    app.config.update(
        TESTING=True,
        SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_SECRET_KEY=secrets.token_urlsafe(32),
        CIVICFORUM_DATABASE_URL=database_url,
    )
    app.config.update(config)
    return app


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra config for the ``app`` fixture; override in a test module to change it."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    host = make_host_app(database_url, tmp_path / "instance", **app_config)
    CivicForum(host, url_prefix="/forum")
    engine = host.extensions["civicforum"].engine
    Base.metadata.create_all(engine)
    yield host
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
