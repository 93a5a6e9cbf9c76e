"""Settings: read only from CIVICFORUM_* keys, checked at start-up, documented exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from civicforum import CivicForum, ConfigError
from civicforum.settings import SPECS

GOOD = {"SECRET_KEY": "s" * 40, "CIVICFORUM_SECRET_KEY": "f" * 40}


def make(tmp_path: Path, **config: object) -> Flask:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(GOOD)
    app.config.update(config)
    return app


def start(app: Flask) -> None:
    CivicForum(app)


def test_defaults_give_a_working_forum_with_a_sqlite_file_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    app = make(tmp_path)
    start(app)
    settings = app.extensions["civicforum"].settings
    assert settings.url_prefix == "/forum"
    assert settings.posts_per_page == 20
    assert str(app.extensions["civicforum"].engine.url).endswith("instance/civicforum.sqlite3")


@pytest.mark.parametrize(
    ("config", "key", "expectation"),
    [
        ({"CIVICFORUM_SECRET_KEY": None}, "CIVICFORUM_SECRET_KEY", "secret"),
        ({"CIVICFORUM_SECRET_KEY": "short"}, "CIVICFORUM_SECRET_KEY", "at least 32"),
        ({"CIVICFORUM_POSTS_PER_PAGE": "20"}, "CIVICFORUM_POSTS_PER_PAGE", "whole number"),
        ({"CIVICFORUM_POSTS_PER_PAGE": 1000}, "CIVICFORUM_POSTS_PER_PAGE", "from 5 to 100"),
        ({"CIVICFORUM_LOCAL_ACCOUNTS": "yes"}, "CIVICFORUM_LOCAL_ACCOUNTS", "True or False"),
        ({"CIVICFORUM_LANGUAGES": ["nl", "de"]}, "CIVICFORUM_LANGUAGES", "'de'"),
        ({"CIVICFORUM_DEFAULT_LANGUAGE": "fr"}, "CIVICFORUM_DEFAULT_LANGUAGE", "nl, en"),
        ({"CIVICFORUM_TIMEZONE": "Mars/Olympus"}, "CIVICFORUM_TIMEZONE", "IANA time zone"),
        (
            {"CIVICFORUM_SIGNIN_RATE_LIMIT": "lots"},
            "CIVICFORUM_SIGNIN_RATE_LIMIT",
            "per 15 minutes",
        ),
        ({"CIVICFORUM_URL_PREFIX": "forum/"}, "CIVICFORUM_URL_PREFIX", "leading"),
        ({"CIVICFORUM_MAIL_SERVER": "smtp.example.org"}, "CIVICFORUM_MAIL_SENDER", "required"),
        ({"CIVICFORUM_POST_PER_PAGE": 10}, "CIVICFORUM_POST_PER_PAGE", "not a civicforum setting"),
    ],
)
def test_a_wrong_setting_stops_start_up_naming_the_key(
    tmp_path: Path, config: dict[str, object], key: str, expectation: str
) -> None:
    app = make(tmp_path)
    for name, value in config.items():
        if value is None:
            app.config.pop(name)
        else:
            app.config[name] = value
    with pytest.raises(ConfigError) as error:
        start(app)
    assert error.value.key == key
    assert str(error.value).startswith(key)
    assert expectation in str(error.value)
    assert "civicforum" not in app.extensions


def test_the_host_needs_a_flask_secret_key(tmp_path: Path) -> None:
    app = make(tmp_path, SECRET_KEY=None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        start(app)


def test_secrets_do_not_show_in_the_settings_repr(tmp_path: Path) -> None:
    app = make(
        tmp_path,
        CIVICFORUM_MAIL_SERVER="m.example.org",
        CIVICFORUM_MAIL_SENDER="f@example.org",
        CIVICFORUM_SITE_URL="https://bibliotheek.example",
        CIVICFORUM_MAIL_PASSWORD="hunter2-mail-password",
    )
    start(app)
    shown = repr(app.extensions["civicforum"].settings)
    assert "f" * 40 not in shown
    assert "hunter2" not in shown


def test_the_settings_object_is_frozen(tmp_path: Path) -> None:
    app = make(tmp_path)
    start(app)
    settings = app.extensions["civicforum"].settings
    with pytest.raises(AttributeError):
        settings.posts_per_page = 5


def test_readme_documents_exactly_the_settings_the_code_reads() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Settings reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(CIVICFORUM_[A-Z_]+)` \|", section, re.MULTILINE))
    assert documented == {spec.key for spec in SPECS}


def test_no_module_reads_a_civicforum_key_outside_the_settings_module() -> None:
    package = Path(__file__).parent.parent / "civicforum"
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "settings.py"
        and re.search(r"[\"']CIVICFORUM_[A-Z_]+[\"']", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("storage", "warned"),
    [("memory://", True), ("redis://127.0.0.1:6379/12", False)],
)
def test_a_shared_task_queue_with_rate_limits_in_memory_is_warned_about_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, storage: str, warned: bool
) -> None:
    """A shared queue means several processes: limits each process counts alone would let
    through as many times the limit."""
    app = make(
        tmp_path,
        CIVICFORUM_TASK_QUEUE="redis://127.0.0.1:6379/12",
        CIVICFORUM_TASK_WORKER=False,
        CIVICFORUM_RATELIMIT_STORAGE_URL=storage,
    )
    with caplog.at_level("WARNING", logger="civicforum.extension"):
        start(app)
    said = [r.getMessage() for r in caplog.records if r.name == "civicforum.extension"]
    assert any("CIVICFORUM_RATELIMIT_STORAGE_URL" in m for m in said) is warned, said
