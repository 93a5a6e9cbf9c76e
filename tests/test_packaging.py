"""The wheel carries everything a host needs, and the installed copy migrates a database.

Builds the wheel from this checkout, installs it into a fresh virtual environment and
runs ``flask civicforum db upgrade`` there. That environment borrows the dependencies of
the one running the tests (through a ``.pth`` line, which does not run that environment's
own ``.pth`` files), so the editable install of this checkout stays out of it and nothing
is downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "civicforum"

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path | None = None) -> str:
    # The environment of the tests must not leak a path or an app into the child.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "FLASK_APP"}}
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend (hatchling, babel) comes from this environment.
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, ROOT)
    (built,) = out.glob("civicforum-*.whl")
    return built


def source_files(folder: Path) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_contains_templates_static_files_and_typing_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = source_files(PACKAGE / "templates")
    static = source_files(PACKAGE / "static")
    assert any(name.endswith(".html") for name in templates)
    assert static
    assert templates <= names
    assert static <= names
    assert "civicforum/py.typed" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_wheel_contains_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"civicforum/migrations/env.py", "civicforum/migrations/script.py.mako"} <= names
    versions = {path.name for path in (ROOT / "migrations" / "versions").glob("*.py")}
    assert versions
    assert {f"civicforum/migrations/versions/{name}" for name in versions} <= names


def test_wheel_contains_a_compiled_catalogue_for_every_translation(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    catalogues = sorted((PACKAGE / "translations").glob("*/LC_MESSAGES/*.po"))
    for po in catalogues:
        mo = po.with_suffix(".mo").relative_to(ROOT).as_posix()
        assert mo in names, f"{mo} is missing from the wheel"


HOST_APP = """
import sys

from flask import Flask

import civicforum
from civicforum import CivicForum

# The command below must run the installed copy, not this checkout.
assert civicforum.__file__.startswith(sys.prefix), civicforum.__file__

app = Flask("host", instance_path={instance!r})
app.config.update(
    SECRET_KEY="host-secret-" + "x" * 32,
    CIVICFORUM_SECRET_KEY="forum-secret-" + "y" * 32,
    CIVICFORUM_DATABASE_URL={url!r},
)
CivicForum(app)
"""

CHECK = """
import json

import sqlalchemy as sa

import civicforum
from civicforum import migrate
from civicforum.i18n import translations
from civicforum.plugins.events import MIGRATIONS as EVENT_MIGRATIONS
from civicforum.plugins.search import MIGRATIONS as SEARCH_MIGRATIONS
from civicforum.plugins.federation import MIGRATIONS as FEDERATION_MIGRATIONS

engine = sa.create_engine({url!r})
print(json.dumps({{
    "package": civicforum.__file__,
    "migrations": str(migrate.migrations_dir()),
    "tables": sorted(sa.inspect(engine).get_table_names()),
    "current": list(migrate.current(engine)),
    "event_migrations": str(EVENT_MIGRATIONS),
    "search_migrations": str(SEARCH_MIGRATIONS),
    "federation_migrations": str(FEDERATION_MIGRATIONS),
    "up_to_date": migrate.is_up_to_date(
        engine, version_locations=[EVENT_MIGRATIONS, SEARCH_MIGRATIONS, FEDERATION_MIGRATIONS]
    ),
    "translated": translations("nl").gettext({msgid!r}) if {msgid!r} else "",
}}))
engine.dispose()
"""


def test_installed_wheel_migrates_a_database(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
    )
    site_packages = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site_packages / "borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )

    site = tmp_path / "site"
    site.mkdir()
    url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    (site / "hostapp.py").write_text(
        textwrap.dedent(HOST_APP.format(instance=str(tmp_path / "instance"), url=url))
    )
    output = run(python, "-m", "flask", "--app", "hostapp", "civicforum", "db", "upgrade", cwd=site)
    assert "Upgraded the forum's tables" in output

    # -I: no script folder, PYTHONPATH or user site on the path; only the venv's own.
    msgid, msgstr = a_dutch_translation()
    check = CHECK.format(url=url, msgid=msgid)
    found = json.loads(run(python, "-I", "-c", check, cwd=tmp_path))
    assert Path(found["package"]).is_relative_to(site_packages), found["package"]
    assert not Path(found["package"]).is_relative_to(ROOT)
    assert Path(found["migrations"]) == site_packages / "civicforum" / "migrations"
    forum_tables = {name for name in found["tables"] if name.startswith("cf_")}
    assert {"cf_member", "cf_community", "cf_topic", "cf_post"} <= forum_tables
    # The built-in events plugin is found by its entry point, with its own branch.
    assert Path(found["event_migrations"]).is_relative_to(site_packages)
    assert {"cf_event", "cf_event_rsvp"} <= forum_tables
    # And so is the search plugin, with the PostgreSQL backend's table on its branch.
    assert Path(found["search_migrations"]).is_relative_to(site_packages)
    assert "cf_search_document" in forum_tables
    # And the federation plugin, with its table of federated communities.
    assert Path(found["federation_migrations"]).is_relative_to(site_packages)
    assert "cf_federation_actor" in forum_tables
    assert "civicforum_alembic_version" in found["tables"]
    assert found["current"] != [] and found["up_to_date"]
    assert found["translated"] == msgstr  # the installed Dutch catalogue was loaded


def a_dutch_translation() -> tuple[str, str]:
    """One translated message of the Dutch catalogue, or two empty strings when it has none."""
    po = PACKAGE / "translations" / "nl" / "LC_MESSAGES" / "civicforum.po"
    if not po.exists():
        return "", ""
    with po.open("rb") as po_file:
        catalog = read_po(po_file)
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
            return message.id, str(message.string)
    return "", ""
