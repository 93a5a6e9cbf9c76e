"""When the forum cannot use its database: a calm 503 page in the visitor's language,
with ``Retry-After``, nothing half-written, and the site back by itself once the database
is.

A read-only SQLite file stands for a full disk or a file the server may not write; a
PostgreSQL database that stops taking connections (its connections ended) stands for a
stopped server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Membership
from civicforum.identity import services as identity
from civicforum.identity.models import Member

from .conftest import PASSWORD, PG_ENV, forum_app
from .helpers import form_token, sign_in

SQLITE_URI = "sqlite:///file:{path}?mode=ro&uri=true"
DUTCH = "Accept-Language"


def make_forum(url: str, folder: Path) -> None:
    """A forum with its tables, one public community and one member, at ``url``."""
    with forum_app(url, folder) as app, app.extensions["civicforum"].session_factory() as db:
        forum_services.create_community(
            db, slug="leesclub", name="Leesclub", description="", house_rules=""
        )
        identity.register_local_account(
            db, email="ans@example.org", password=PASSWORD, display_name="Ans"
        )


def memberships(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Membership)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.database_independent  # it is always SQLite's read-only file
def test_a_read_only_database_refuses_a_write_with_a_calm_page_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "forum.sqlite3"
    make_forum(f"sqlite:///{path}", tmp_path / "setup")
    with forum_app(
        SQLITE_URI.format(path=path), tmp_path / "read-only", create_tables=False
    ) as app:
        with app.extensions["civicforum"].session_factory() as db:
            ans = db.scalars(sa.select(Member)).one()
            client = app.test_client()
            sign_in(client, ans)
        # Reading still works.
        page = client.get("/forum/c/leesclub/", headers={DUTCH: "en"})
        assert page.status_code == 200
        token = form_token(page.get_data(as_text=True))

        for language, words in (("en", "Nothing you sent was saved"), ("nl", "Er is niets")):
            response = client.post(
                "/forum/c/leesclub/join", data={"csrf_token": token}, headers={DUTCH: language}
            )
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "30"
            text = response.get_data(as_text=True)
            assert words in text
            assert f'lang="{language}"' in text
            assert "Traceback" not in text and "sqlite3" not in text
    assert memberships(f"sqlite:///{path}") == 0


@pytest.fixture
def own_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, that it may close to connections."""
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip("needs PostgreSQL: a server that stops taking connections")
    name = f"cf_outage_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def outage(server: str, name: str, *, down: bool) -> None:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {not down}')
            if down:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
    finally:
        admin.dispose()


def test_a_stopped_database_gives_a_503_and_the_site_comes_back_by_itself(
    own_database: str, tmp_path: Path
) -> None:
    server = os.environ[PG_ENV]
    name = make_url(own_database).database or ""
    with forum_app(own_database, tmp_path / "site") as app:
        Base.metadata.create_all(app.extensions["civicforum"].engine)
        client = app.test_client()
        assert client.get("/forum/").status_code == 200

        outage(server, name, down=True)
        down = client.get("/forum/", headers={DUTCH: "nl"})
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "30"
        assert "Er is niets" in down.get_data(as_text=True)
        api = client.get("/forum/api/v1/communities", headers={DUTCH: "en"})
        assert api.status_code == 503
        assert api.headers["Content-Type"] == "application/problem+json"
        assert api.get_json(force=True)["code"] == "unavailable"
        assert api.headers["Retry-After"] == "30"

        outage(server, name, down=False)
        assert client.get("/forum/").status_code == 200
        app.extensions["civicforum"].engine.dispose()
