"""The forum's schema migrations, run by code: no ``alembic.ini`` is needed.

The forum shares a database with its host, so its Alembic setup keeps to what it owns:
only tables named ``cf_...`` are ever created, compared, altered or dropped, and the
applied revision is recorded in its own table :data:`VERSION_TABLE`, beside (never in)
a host's ``alembic_version``.

The migration scripts ship inside the wheel as ``civicforum/migrations``; in a source
checkout (an editable install) they are the repository's top-level ``migrations/``.
The forum's revisions form the branch labelled ``civicforum``, so revisions from another
location (a plugin's, given as ``version_locations``) can branch off and ``depends_on``
them; ``upgrade`` goes to all heads.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine

from .db import TABLE_PREFIX, Base, UTCDateTime, make_engine

VERSION_TABLE = "civicforum_alembic_version"

#: Key in a table's ``info`` that marks it as a plugin's (value: the plugin's name). Such
#: tables migrate on the plugin's own branch, never with the forum's revisions.
PLUGIN_TABLE_INFO = "civicforum_plugin"

_PACKAGE_DIR = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/``.

    :raises RuntimeError: when neither the installed nor the source-tree copy exists.
    """
    installed = _PACKAGE_DIR / "migrations"
    if (installed / "env.py").is_file():
        return installed
    # Only a source checkout (with its pyproject.toml) may supply the top-level folder: in
    # site-packages, a "migrations" folder beside the package would be someone else's.
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "migrations" / "env.py").is_file():
        return checkout / "migrations"
    raise RuntimeError(
        f"civicforum's migration scripts are missing: looked in {_PACKAGE_DIR / 'migrations'} "
        f"and {_PACKAGE_DIR.parent / 'migrations'}; reinstall the package"
    )


def target_metadata() -> MetaData:
    """The metadata of every forum table, with every area's ``models`` module imported.

    A table whose module was never imported would look, to autogenerate, like a table to
    drop; so each area's ``models.py`` is found and imported here, not listed by hand.
    """
    # The built-in plugins' models too: their tables are only known to be left alone
    # (see owns_table) when they are in the metadata.
    for folder, package in (
        (_PACKAGE_DIR, __package__),
        (_PACKAGE_DIR / "plugins", f"{__package__}.plugins"),
    ):
        for area in pkgutil.iter_modules([str(folder)]):
            name = f"{package}.{area.name}.models"
            if area.ispkg and importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
    return Base.metadata


def plugin_tables() -> frozenset[str]:
    """Names of the tables plugins mark as theirs with :data:`PLUGIN_TABLE_INFO`."""
    return frozenset(
        name for name, table in Base.metadata.tables.items() if PLUGIN_TABLE_INFO in table.info
    )


# -- what Alembic may look at ------------------------------------------------------------


def owns_table(name: str | None) -> bool:
    """Whether a table belongs to the forum (and so may be migrated by it): a plugin's
    ``cf_`` tables are migrated by the plugin's branch instead."""
    return name is not None and name.startswith(TABLE_PREFIX) and name not in plugin_tables()


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Reflect only the forum's tables; a host's tables are never even read."""
    if type_ == "table":
        return owns_table(name)
    return True


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Compare only the forum's tables and what hangs on them (columns, indexes, keys)."""
    if type_ == "table":
        return owns_table(name)
    table = getattr(obj, "table", None)
    if table is not None:
        return owns_table(table.name)
    return True


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Write :class:`~civicforum.db.UTCDateTime` columns as plain ``sa.DateTime``.

    The conversion to UTC happens in Python, not in the database, so a migration script
    needs only the column type it stores; it must keep working when ``civicforum.db``
    changes later.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def context_options(dialect_name: str) -> dict[str, Any]:
    """Options for ``context.configure`` (``env.py``) and for comparing by hand in tests."""
    return {
        "target_metadata": target_metadata(),
        "version_table": VERSION_TABLE,
        "include_name": include_name,
        "include_object": include_object,
        "render_item": render_item,
        "compare_type": True,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        "render_as_batch": dialect_name == "sqlite",
    }


# -- running them ------------------------------------------------------------------------


def make_config(
    connection: Connection | None = None, *, version_locations: Sequence[Path | str] = ()
) -> Config:
    """The Alembic configuration, built in code.

    :param connection: the connection ``env.py`` migrates with; without one, ``env.py``
        needs a ``sqlalchemy.url`` main option.
    :param version_locations: further folders of revisions (a plugin's), besides the
        forum's own ``versions/``.
    """
    folder = migrations_dir()
    config = Config()
    # ConfigParser interpolates "%", so a path containing one must be escaped.
    config.set_main_option("script_location", _escape(str(folder)))
    config.set_main_option("path_separator", "os")
    locations = [folder / "versions", *(Path(p) for p in version_locations)]
    config.set_main_option("version_locations", _escape(os.pathsep.join(map(str, locations))))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _escape(value: str) -> str:
    return value.replace("%", "%%")


def _engine(bind: Engine | str) -> tuple[Engine, bool]:
    if isinstance(bind, Engine):
        return bind, False
    return make_engine(bind), True


@contextmanager
def migration_connection(bind: Engine | str) -> Iterator[Connection]:
    """A connection in one transaction; SQLite's foreign keys paused for batch copies.

    Batch mode rebuilds a SQLite table by copying it and dropping the original. With
    foreign keys enforced, that drop would cascade into every referencing table, so
    enforcement is off for the run (SQLite ignores the pragma inside a transaction, hence
    before ``begin``).
    """
    engine, owned = _engine(bind)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    yield connection
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    finally:
        if owned:
            engine.dispose()


def _run(
    bind: Engine | str,
    action: Callable[[Config], None],
    version_locations: Sequence[Path | str],
) -> None:
    with migration_connection(bind) as connection:
        action(make_config(connection, version_locations=version_locations))


def upgrade(
    bind: Engine | str, revision: str = "heads", *, version_locations: Sequence[Path | str] = ()
) -> None:
    """Bring the forum's tables up to ``revision`` (default: the newest).

    :param bind: the forum's engine, or a database URL.
    :raises alembic.util.CommandError: for an unknown revision.
    """
    _run(bind, lambda config: command.upgrade(config, revision), version_locations)


def downgrade(
    bind: Engine | str, revision: str, *, version_locations: Sequence[Path | str] = ()
) -> None:
    """Take the forum's tables back to ``revision``; ``"base"`` removes them all.

    :raises alembic.util.CommandError: for an unknown revision.
    """
    _run(bind, lambda config: command.downgrade(config, revision), version_locations)


def current(bind: Engine | str) -> tuple[str, ...]:
    """The revisions the database is at; empty when the forum's tables were never made."""
    engine, owned = _engine(bind)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            return tuple(context.get_current_heads())
    finally:
        if owned:
            engine.dispose()


def heads(*, version_locations: Sequence[Path | str] = ()) -> tuple[str, ...]:
    """The newest revisions the installed code knows."""
    script = ScriptDirectory.from_config(make_config(version_locations=version_locations))
    return tuple(script.get_heads())


def is_up_to_date(bind: Engine | str, *, version_locations: Sequence[Path | str] = ()) -> bool:
    """Whether every newest revision is applied.

    Not simply ``current() == heads()``: a revision another one ``depends_on`` is applied
    without being recorded as a head of its own.

    :raises alembic.util.CommandError: when the database is at a revision this code does
        not know (a newer version of civicforum migrated it).
    """
    at = current(bind)
    if not at:
        return False
    script = ScriptDirectory.from_config(make_config(version_locations=version_locations))
    try:
        applied = {rev.revision for rev in script.iterate_revisions(at, "base")}
    except RevisionError as error:
        raise CommandError(
            f"the database is at revision {', '.join(at)}, which this version of civicforum "
            f"does not know ({error}); was it migrated by a newer version, or by a plugin that is now switched off?"
        ) from error
    return set(script.get_heads()) <= applied


def revision(bind: Engine | str, message: str) -> None:
    """Write a new revision script by comparing the models with an up-to-date database.

    For the forum's developers: run it against a database at the newest revision, then
    read and edit the script it writes to ``migrations/versions/``.
    """

    def write(config: Config) -> None:
        command.revision(config, message=message, autogenerate=True)

    _run(bind, write, ())
