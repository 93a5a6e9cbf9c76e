"""The forum's Alembic migrations: complete, faithful to the models, and only ever on cf_ tables.

Every test runs on the database under test (SQLite, or PostgreSQL when
``CIVICFORUM_TEST_DATABASE_URL`` is set), starting from an empty one.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

import civicforum
from civicforum import migrate
from civicforum.db import Base, make_engine

FORUM_TABLES = {
    table.name
    for table in migrate.target_metadata().sorted_tables
    if migrate.owns_table(table.name)
}
HOST_VERSION_TABLE = "alembic_version"


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def differences(engine: Engine, metadata: sa.MetaData | None = None) -> list[object]:
    """What Alembic's autogenerate would change, seen exactly as the forum's env.py sees it."""
    with engine.connect() as connection:
        options = migrate.context_options(connection.dialect.name)
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, metadata or options["target_metadata"]))


def rows(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        query = sa.select(sa.text("*")).select_from(sa.table(table))
        return [tuple(row) for row in connection.execute(query)]


def test_the_model_tables_all_have_the_cf_prefix() -> None:
    assert FORUM_TABLES
    assert all(name.startswith("cf_") for name in FORUM_TABLES)


def test_target_metadata_finds_every_model_on_its_own() -> None:
    """A fresh interpreter that imports nothing but civicforum.migrate sees every table."""
    for module in pkgutil.walk_packages(civicforum.__path__, "civicforum."):
        importlib.import_module(module.name)
    every_table = sorted(Base.metadata.tables)
    script = "from civicforum import migrate; print(sorted(migrate.target_metadata().tables))"
    found = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == repr(every_table)


def test_upgrade_from_empty_creates_every_forum_table(
    empty_database_url: str, engine: Engine
) -> None:
    assert table_names(engine) == set()
    migrate.upgrade(empty_database_url)  # by URL, as a deployment script would
    assert table_names(engine) == FORUM_TABLES | {migrate.VERSION_TABLE}
    assert migrate.current(engine) == migrate.heads()
    assert migrate.is_up_to_date(engine)
    assert rows(engine, migrate.VERSION_TABLE) == [(head,) for head in migrate.heads()]


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()
    assert len(rows(engine, migrate.VERSION_TABLE)) == len(migrate.heads())


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert differences(engine) == []


def test_comparison_would_notice_a_drift(engine: Engine) -> None:
    """The empty comparison above means something: a changed type or a stray cf_ table shows."""
    migrate.upgrade(engine)
    changed = sa.MetaData(naming_convention=migrate.target_metadata().naming_convention)
    for table in migrate.target_metadata().sorted_tables:
        table.to_metadata(changed)
    changed.tables["cf_member"].c.display_name.type = sa.String(80)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE cf_stray (id INTEGER PRIMARY KEY)"))
        connection.execute(sa.text("CREATE TABLE host_stray (id INTEGER PRIMARY KEY)"))

    found = differences(engine, changed)

    removed = [
        diff[1].name for diff in found if isinstance(diff, tuple) and diff[0] == "remove_table"
    ]
    assert removed == ["cf_stray"]  # the host's table is none of the forum's business
    modified = [change for diff in found if isinstance(diff, list) for change in diff]
    assert [(op[0], op[2], op[3]) for op in modified] == [
        ("modify_type", "cf_member", "display_name")
    ]
    assert len(found) == 2


def test_revision_scripts_write_timestamps_as_plain_datetime() -> None:
    """Scripts must not import civicforum.db, which may change after they are written."""
    scripts = [path.read_text() for path in (migrate.migrations_dir() / "versions").glob("*.py")]
    assert scripts
    for text in scripts:
        assert "UTCDateTime" not in text
        assert "import civicforum" not in text and "from civicforum" not in text
    assert any("sa.DateTime(timezone=True)" in text for text in scripts)


def test_new_revisions_render_timestamps_as_plain_datetime(engine: Engine) -> None:
    """What autogenerate writes for the models, from an empty database."""
    with engine.connect() as connection:
        options = migrate.context_options(connection.dialect.name)
        context = MigrationContext.configure(connection, opts=options)
        operations = produce_migrations(context, options["target_metadata"])
    code = render_python_code(operations.upgrade_ops, render_item=migrate.render_item)
    assert "op.create_table('cf_member'" in code
    assert "UTCDateTime" not in code
    assert "sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)" in code


def test_downgrade_to_base_removes_every_forum_table(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert table_names(engine) & FORUM_TABLES == set()
    assert rows(engine, migrate.VERSION_TABLE) == []
    assert migrate.current(engine) == ()


def test_env_py_also_runs_from_a_url_option(empty_database_url: str, engine: Engine) -> None:
    config = migrate.make_config()
    config.set_main_option("sqlalchemy.url", empty_database_url.replace("%", "%%"))
    command.upgrade(config, "heads")
    assert table_names(engine) == FORUM_TABLES | {migrate.VERSION_TABLE}
    command.downgrade(config, "base")
    assert table_names(engine) & FORUM_TABLES == set()


def test_env_py_writes_sql_offline(empty_database_url: str, engine: Engine) -> None:
    """``--sql`` mode: the statements for a DBA to review, and nothing run."""
    config = migrate.make_config()
    config.set_main_option("sqlalchemy.url", empty_database_url.replace("%", "%%"))
    config.output_buffer = io.StringIO()
    command.upgrade(config, "heads", sql=True)
    sql = config.output_buffer.getvalue()
    assert "CREATE TABLE cf_member" in sql
    assert f"CREATE TABLE {migrate.VERSION_TABLE}" in sql
    assert table_names(engine) == set()


def test_sqlite_foreign_keys_are_enforced_again_after_migrating(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


PLUGIN_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "plugin0001"
down_revision = None
branch_labels = ("someplugin",)
depends_on = {forum_base!r}


def upgrade():
    op.create_table("cf_someplugin_note", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("cf_someplugin_note")
"""


def test_another_version_location_adds_its_own_branch(engine: Engine, tmp_path: Path) -> None:
    (forum_head,) = ScriptDirectory.from_config(migrate.make_config()).get_heads()
    versions = tmp_path / "plugin_versions"
    versions.mkdir()
    (versions / "plugin0001_note.py").write_text(
        textwrap.dedent(PLUGIN_REVISION.format(forum_base=forum_head))
    )
    extra = [versions]

    migrate.upgrade(engine)
    assert not migrate.is_up_to_date(engine, version_locations=extra)
    migrate.upgrade(engine, version_locations=extra)
    # The forum's revision is applied as the plugin's dependency, not recorded as a head.
    assert migrate.current(engine) == ("plugin0001",)
    assert migrate.is_up_to_date(engine, version_locations=extra)
    assert table_names(engine) == FORUM_TABLES | {"cf_someplugin_note", migrate.VERSION_TABLE}

    migrate.downgrade(engine, "someplugin@base", version_locations=extra)
    assert migrate.current(engine) == migrate.heads()
    assert migrate.is_up_to_date(engine)
    assert table_names(engine) == FORUM_TABLES | {migrate.VERSION_TABLE}


# -- a host app with its own tables and its own Alembic history ---------------------------

HOST_ENV = """
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
"""

HOST_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "host0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
    )
    # Starts with "cf" but not "cf_": still the host's.
    op.create_table("cfg_setting", sa.Column("key", sa.String(50), primary_key=True))


def downgrade():
    op.drop_table("cfg_setting")
    op.drop_table("account")
"""

HOST_TABLES = {"account", "cfg_setting"}


@pytest.fixture
def host_scripts(tmp_path: Path) -> Path:
    folder = tmp_path / "host_migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(textwrap.dedent(HOST_ENV))
    (folder / "versions" / "host0001_accounts.py").write_text(textwrap.dedent(HOST_REVISION))
    return folder


@dataclass
class Schema:
    """One owner of tables in the shared database: the host or the forum."""

    name: str
    tables: set[str]
    version_table: str
    upgrade: Callable[[], None]
    downgrade: Callable[[], None]
    seed: Callable[[], None]


def host_schema(engine: Engine, scripts: Path) -> Schema:
    def run(action: Callable[[Config], None]) -> None:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(scripts))
            config.attributes["connection"] = connection
            action(config)

    def seed() -> None:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO account (id, email) VALUES (1, 'host@example.org')")
            )

    return Schema(
        "host",
        HOST_TABLES,
        HOST_VERSION_TABLE,
        upgrade=lambda: run(lambda config: command.upgrade(config, "head")),
        downgrade=lambda: run(lambda config: command.downgrade(config, "base")),
        seed=seed,
    )


def forum_schema(engine: Engine) -> Schema:
    def seed() -> None:
        community = migrate.target_metadata().tables["cf_community"]
        moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        with engine.begin() as connection:
            connection.execute(
                sa.insert(community).values(
                    id=1, slug="leesclub", name="Leesclub", created_at=moment
                )
            )

    return Schema(
        "forum",
        FORUM_TABLES,
        migrate.VERSION_TABLE,
        upgrade=lambda: migrate.upgrade(engine),
        downgrade=lambda: migrate.downgrade(engine, "base"),
        seed=seed,
    )


def snapshot(engine: Engine, schema: Schema) -> dict[str, list[tuple[object, ...]]]:
    """Every row of a schema's tables and of its version table."""
    return {
        table: sorted(rows(engine, table), key=repr)
        for table in sorted(schema.tables | {schema.version_table})
    }


@pytest.mark.parametrize("first", ["host", "forum"])
def test_host_and_forum_migrate_independently(
    engine: Engine, host_scripts: Path, first: str
) -> None:
    host, forum = host_schema(engine, host_scripts), forum_schema(engine)
    one, other = (host, forum) if first == "host" else (forum, host)

    one.upgrade()
    one.seed()
    other.upgrade()
    other.seed()
    assert table_names(engine) == HOST_TABLES | FORUM_TABLES | {
        HOST_VERSION_TABLE,
        migrate.VERSION_TABLE,
    }
    # The forum's own comparison does not propose to drop the host's tables.
    assert differences(engine) == []
    one_rows, other_rows = snapshot(engine, one), snapshot(engine, other)
    assert rows(engine, one.version_table) and rows(engine, other.version_table)

    # Taking the later one down and up again leaves the first exactly as it was...
    other.downgrade()
    assert table_names(engine) & other.tables == set()
    assert rows(engine, other.version_table) == []
    assert snapshot(engine, one) == one_rows
    other.upgrade()
    other.seed()
    assert snapshot(engine, one) == one_rows
    assert snapshot(engine, other) == other_rows

    # ... and the same the other way round.
    one.downgrade()
    assert table_names(engine) & one.tables == set()
    assert rows(engine, one.version_table) == []
    assert snapshot(engine, other) == other_rows
    one.upgrade()
    assert snapshot(engine, other) == other_rows
