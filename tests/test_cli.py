"""``flask civicforum ...``: the database commands, create-admin, demo-data, and creating
communities and giving people roles in them.

The app here is made without ``create_all``: the schema exists only when ``db upgrade``
made it, as on a real site.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from civicforum import CivicForum, migrate
from civicforum.demo import DEMO_PASSWORD, PEOPLE
from civicforum.extension import state
from civicforum.forum.models import (
    Community,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Post,
    PostRevision,
    Role,
    Topic,
    Visibility,
)
from civicforum.identity.models import LocalAccount, Member, PublishAs
from civicforum.identity.services import authenticate, count_members

from .conftest import make_host_app

PASSWORD = "a long enough passphrase"  # noqa: S105 (a test account)


@pytest.fixture
def cli_app(empty_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    # English, so the assertions below read the services' messages as written.
    app = make_host_app(empty_database_url, tmp_path / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en")
    CivicForum(app)
    yield app
    state(app).engine.dispose()


@pytest.fixture
def runner(cli_app: Flask) -> FlaskCliRunner:
    return cli_app.test_cli_runner()


@pytest.fixture
def db(cli_app: Flask) -> Iterator[Session]:
    session = state(cli_app).session_factory()
    yield session
    session.close()


def forum(runner: FlaskCliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(args=["civicforum", *args], input=input)


def forum_tables(app: Flask) -> set[str]:
    names = sa.inspect(state(app).engine).get_table_names()
    return {name for name in names if name.startswith("cf_")}


@pytest.fixture
def upgraded(runner: FlaskCliRunner) -> None:
    result = forum(runner, "db", "upgrade")
    assert result.exit_code == 0, result.output


# -- db --------------------------------------------------------------------------------------


def test_db_upgrade_current_and_downgrade(cli_app: Flask, runner: FlaskCliRunner) -> None:
    plugin_versions = state(cli_app).plugins.migration_locations()

    result = forum(runner, "db", "current")
    assert result.exit_code == 0
    assert "Current revision: none" in result.output
    assert "run `flask civicforum db upgrade`" in result.output

    result = forum(runner, "db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = state(cli_app).engine
    assert migrate.is_up_to_date(engine, version_locations=plugin_versions)
    # The forum's branch and the built-in events, search and federation plugins' branches
    # each have their head.
    current = migrate.current(engine)
    assert set(current) == set(migrate.heads(version_locations=plugin_versions))
    assert len(current) == 4
    assert all(head in result.output for head in current)
    # The forum's tables, and those of the built-in plugins on their own branches.
    assert forum_tables(cli_app) == {t.name for t in migrate.target_metadata().sorted_tables}

    result = forum(runner, "db", "current")
    assert "Current revision: " in result.output
    assert all(head in result.output for head in current)
    assert "Up to date." in result.output

    result = forum(runner, "db", "upgrade")
    assert result.exit_code == 0
    assert "Nothing to do" in result.output

    result = forum(runner, "db", "downgrade", "base", "--yes")
    assert result.exit_code == 0, result.output
    assert forum_tables(cli_app) == set()
    assert migrate.current(state(cli_app).engine) == ()


def test_db_downgrade_asks_first(cli_app: Flask, runner: FlaskCliRunner, upgraded: None) -> None:
    result = forum(runner, "db", "downgrade", "base", input="n\n")
    assert result.exit_code == 1
    assert "can delete forum data" in result.output
    assert forum_tables(cli_app)

    result = forum(runner, "db", "downgrade", "base", input="y\n")
    assert result.exit_code == 0
    assert forum_tables(cli_app) == set()


def test_db_upgrade_to_an_unknown_revision_fails_clearly(
    cli_app: Flask, runner: FlaskCliRunner
) -> None:
    result = forum(runner, "db", "upgrade", "nosuchrevision")
    assert result.exit_code == 1
    assert "Error:" in result.output and "nosuchrevision" in result.output
    assert forum_tables(cli_app) == set()


def test_db_current_names_a_revision_from_newer_code(
    cli_app: Flask, runner: FlaskCliRunner, upgraded: None
) -> None:
    with state(cli_app).engine.begin() as connection:
        versions = sa.table(migrate.VERSION_TABLE, sa.column("version_num"))
        # One of the heads (the forum's and the events plugin's) moves on to a newer one.
        first = connection.scalars(sa.select(versions.c.version_num).limit(1)).one()
        connection.execute(
            sa.update(versions)
            .where(versions.c.version_num == first)
            .values(version_num="fromthefuture")
        )
    result = forum(runner, "db", "current")
    assert result.exit_code == 1
    assert "fromthefuture" in result.output
    assert "which this version of civicforum does not know" in result.output
    assert "Traceback" not in result.output


# -- create-admin ------------------------------------------------------------------------


def test_create_admin_from_options(runner: FlaskCliRunner, upgraded: None, db: Session) -> None:
    result = forum(
        runner,
        "create-admin",
        "--email",
        " Beheer@Example.org ",
        "--display-name",
        "Beheerder",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "Created site administrator 'Beheerder'" in result.output
    member = authenticate(db, "beheer@example.org", PASSWORD)
    assert member is not None
    assert member.is_site_admin
    assert member.display_name == "Beheerder"


def test_create_admin_asks_with_a_hidden_confirmed_password(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    answers = f"admin@example.org\nBeheerder\n{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = forum(runner, "create-admin", input=answers)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output  # the first confirmation differed: asked again
    assert PASSWORD not in result.output  # hidden input is not echoed
    member = authenticate(db, "admin@example.org", PASSWORD)
    assert member is not None and member.is_site_admin


@pytest.mark.parametrize(
    ("email", "name", "password", "message"),
    [
        ("admin@example.org", "Beheerder", "short", "A password needs at least 10 characters."),
        ("not-an-address", "Beheerder", PASSWORD, "Enter a valid e-mail address."),
        ("admin@example.org", "B", PASSWORD, "A name needs 2 to 40 characters."),
    ],
)
def test_create_admin_refuses_bad_input_and_writes_nothing(
    runner: FlaskCliRunner,
    upgraded: None,
    db: Session,
    email: str,
    name: str,
    password: str,
    message: str,
) -> None:
    result = forum(
        runner, "create-admin", "--email", email, "--display-name", name, "--password", password
    )
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output
    assert count_members(db) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(LocalAccount)) == 0


def test_create_admin_refuses_a_taken_address(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    args = ["create-admin", "--email", "admin@example.org", "--password", PASSWORD]
    assert forum(runner, *args, "--display-name", "First").exit_code == 0
    result = forum(runner, *args, "--display-name", "Second")
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert count_members(db) == 1


def test_create_admin_before_the_tables_exist_says_what_to_do(runner: FlaskCliRunner) -> None:
    result = forum(
        runner,
        "create-admin",
        "--email",
        "admin@example.org",
        "--display-name",
        "Beheerder",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 1
    assert "run `flask civicforum db upgrade` first" in result.output


# -- demo-data ---------------------------------------------------------------------------


def counts(db: Session) -> dict[str, int]:
    return {
        model.__tablename__: db.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Community, Member, Membership, Topic, Post, PostRevision)
    }


def test_demo_data_fills_the_forum_once(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    result = forum(runner, "demo-data")
    assert result.exit_code == 0, result.output
    assert "Community 'Leesclub'" in result.output  # progress lines
    assert DEMO_PASSWORD in result.output
    for person in PEOPLE:
        assert person.email in result.output

    communities = {c.slug: c for c in db.scalars(sa.select(Community))}
    assert set(communities) == {"leesclub", "digitale-hulp", "mantelzorgers"}
    assert communities["leesclub"].visibility == Visibility.PUBLIC
    assert communities["leesclub"].join_policy == JoinPolicy.OPEN
    assert communities["digitale-hulp"].visibility == Visibility.PUBLIC
    assert communities["mantelzorgers"].visibility == Visibility.MEMBERS
    assert communities["mantelzorgers"].join_policy == JoinPolicy.APPROVAL

    roles = {
        (m.member.display_name, m.community.slug): (m.role, m.status)
        for m in db.scalars(sa.select(Membership))
    }
    active = MembershipStatus.ACTIVE.value
    assert roles["Femke (bibliotheek)", "leesclub"] == (Role.MODERATOR.value, active)
    assert roles["Joost (Digitaal Hulpplein)", "digitale-hulp"] == (Role.EDITOR.value, active)
    assert roles["Ria", "mantelzorgers"] == (Role.MEMBER.value, MembershipStatus.PENDING.value)
    assert roles["Lotte", "mantelzorgers"] == (Role.MEMBER.value, active)

    # At 20 posts a page, at least one topic needs a second page.
    longest = db.scalar(sa.select(Topic).order_by(Topic.post_count.desc()).limit(1))
    assert longest is not None and longest.post_count > 20
    written = db.scalar(sa.select(sa.func.count()).where(Post.topic_id == longest.id))
    assert written == longest.post_count
    for community in communities.values():
        assert db.scalar(sa.select(sa.func.count()).where(Topic.community_id == community.id))
    assert db.scalar(sa.select(sa.func.count()).where(Post.publish_as == PublishAs.ANONYMOUS))
    assert db.scalar(sa.select(sa.func.count()).select_from(PostRevision)) == 1

    # The printed password works (checked for two accounts: each check costs a hash).
    for person in (PEOPLE[0], PEOPLE[-1]):
        assert authenticate(db, person.email, DEMO_PASSWORD) is not None

    first = counts(db)
    result = forum(runner, "demo-data")
    assert result.exit_code == 0, result.output
    assert "already there; nothing was added" in result.output
    db.expire_all()
    assert counts(db) == first


def test_demo_data_before_the_tables_exist_says_what_to_do(runner: FlaskCliRunner) -> None:
    result = forum(runner, "demo-data")
    assert result.exit_code == 1
    assert "run `flask civicforum db upgrade` first" in result.output


# -- communities and roles ------------------------------------------------------------------


def test_create_a_community_and_give_it_a_moderator(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    result = forum(
        runner,
        "create-community",
        "patienten",
        "Patiëntenvereniging",
        "--members-only",
        "--approval",
    )
    assert result.exit_code == 0, result.output
    assert "Created 'Patiëntenvereniging' at /forum/c/patienten/" in result.output
    community = db.scalar(sa.select(Community).where(Community.slug == "patienten"))
    assert community is not None and not community.is_public and community.needs_approval
    forum(
        runner,
        "create-admin",
        "--email",
        "mod@example.org",
        "--display-name",
        "Moderator Mo",
        "--password",
        PASSWORD,
    )

    by_address = forum(runner, "set-role", "patienten", "MOD@example.org", "moderator")
    assert by_address.exit_code == 0, by_address.output
    assert "Moderator Mo is now moderator of Patiëntenvereniging." in by_address.output
    by_name = forum(runner, "set-role", "patienten", "moderator mo", "editor")
    assert by_name.exit_code == 0, by_name.output
    db.expire_all()
    roles = list(
        db.scalars(sa.select(Membership.role).where(Membership.community_id == community.id))
    )
    assert roles == [Role.EDITOR.value]


def test_create_community_and_set_role_refuse_bad_input(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    bad_slug = forum(runner, "create-community", "Met Spaties", "Naam")
    assert bad_slug.exit_code == 1
    assert "A short name uses lower-case letters, digits and hyphens." in bad_slug.output
    assert "Traceback" not in bad_slug.output
    assert forum(runner, "create-community", "club", "Club").exit_code == 0
    again = forum(runner, "create-community", "club", "Andere club")
    assert again.exit_code == 1 and "exists already" in again.output
    nobody = forum(runner, "set-role", "club", "niemand@example.org", "moderator")
    assert nobody.exit_code == 1 and "There is no member 'niemand@example.org'" in nobody.output
    nowhere = forum(runner, "set-role", "bestaat-niet", "niemand", "moderator")
    assert nowhere.exit_code == 1 and "There is no such community." in nowhere.output
    wrong_role = forum(runner, "set-role", "club", "niemand", "koning")
    assert wrong_role.exit_code == 2 and "'koning' is not one of" in wrong_role.output
    assert db.scalar(sa.select(sa.func.count(Community.id))) == 1
    assert db.scalar(sa.select(sa.func.count(Membership.id))) == 0


def test_site_editors_are_named_and_removed(
    runner: FlaskCliRunner, upgraded: None, db: Session
) -> None:
    forum(
        runner,
        "create-admin",
        "--email",
        "red@example.org",
        "--display-name",
        "Redacteur",
        "--password",
        PASSWORD,
    )
    made = forum(runner, "information", "site-editor", "red@example.org")
    assert made.exit_code == 0 and "Redacteur is now an editor of every community." in made.output
    member = db.scalar(sa.select(Member).where(Member.display_name == "Redacteur"))
    assert member is not None and member.is_site_editor
    removed = forum(runner, "information", "site-editor", "redacteur", "--remove")
    assert removed.exit_code == 0 and "no longer a site-wide editor" in removed.output
    db.expire_all()
    assert not member.is_site_editor
    nobody = forum(runner, "information", "site-editor", "niemand@example.org")
    assert nobody.exit_code == 1 and "There is no member" in nobody.output
