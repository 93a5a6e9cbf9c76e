"""Interface language: a complete Dutch catalogue, the language each page is in, and dates
shown in the page's language and the forum's time zone."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import CivicForum
from civicforum.db import Base
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.i18n import DOMAIN, TRANSLATIONS_DIR
from civicforum.identity.models import Member

from .conftest import LIMITS, make_host_app
from .helpers import actor_of, add_member, sign_in

ROOT = Path(__file__).resolve().parents[1]
DUTCH_PO = TRANSLATIONS_DIR / "nl" / "LC_MESSAGES" / f"{DOMAIN}.po"
# The extraction documented in docs/translations.md, minus the output file.
EXTRACT = [
    "extract",
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "-k",
    "_html",
    "-k",
    "ngettext:1,2",
    "--project=civicforum",
    "--no-location",
    "--sort-output",
]
UPDATE_HINT = (
    "run the two commands of docs/translations.md (pybabel extract, pybabel update), "
    "translate the new messages in civicforum/translations/nl/LC_MESSAGES/civicforum.po, "
    "then compile"
)
COMPILE_HINT = (
    "recompile: .venv/bin/pybabel compile -d civicforum/translations -D civicforum "
    "(or reinstall: .venv/bin/pip install -e .)"
)


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def msgid(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def sources(message: Message) -> tuple[str, ...]:
    """The English text of a message: one string, or singular and plural."""
    return tuple(message.id) if isinstance(message.id, tuple | list) else (str(message.id),)


def forms(message: Message) -> list[str]:
    """The translation of a message: one string, or one per plural form."""
    if isinstance(message.string, tuple | list):
        return [str(form) for form in message.string]
    return [str(message.string or "")]


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every message the source marks for translation, freshly extracted."""
    pot = tmp_path_factory.mktemp("extract") / "civicforum.pot"
    done = subprocess.run(  # noqa: S603 (a fixed command: this Python's own pybabel)
        [sys.executable, "-m", "babel.messages.frontend", *EXTRACT, "-o", str(pot), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"pybabel extract failed:\n{done.stderr}"
    return read_catalog(pot)


@pytest.fixture(scope="module")
def dutch() -> Catalog:
    return read_catalog(DUTCH_PO)


# -- the catalogue ------------------------------------------------------------------------


def test_the_documented_extraction_is_the_one_tested() -> None:
    docs = (ROOT / "docs" / "translations.md").read_text(encoding="utf-8")
    command = re.search(r"pybabel (extract [^\n]*)", docs.replace("\\\n", " "))
    assert command, "docs/translations.md no longer shows the pybabel extract command"
    documented = shlex.split(command.group(1))
    assert documented == [*EXTRACT, "-o", "civicforum/translations/civicforum.pot", "."]


def test_extraction_finds_the_forums_messages(extracted: Catalog) -> None:
    ids = {msgid(m) for m in extracted if m.id}
    # One of each way of marking: gettext as _, lazy_gettext as _l, i18n.gettext,
    # ngettext in Python; _() with and without variables in templates.
    assert {
        "Write something before you post.",
        "This community is for members only.",
        "Not found",
        "Too many attempts. Try again in %(num)d minute.",
        "Skip to forum content",
        "Leave %(name)s?",
    } <= ids


def test_every_message_has_a_dutch_translation(extracted: Catalog, dutch: Catalog) -> None:
    untranslated = sorted(
        msgid(m)
        for m in extracted
        if m.id and (m.id not in dutch or not all(forms(dutch[m.id])) or dutch[m.id].fuzzy)
    )
    assert not untranslated, (
        f"{len(untranslated)} message(s) without a Dutch translation: {untranslated}; {UPDATE_HINT}"
    )


def test_the_dutch_catalogue_holds_nothing_the_source_no_longer_has(
    extracted: Catalog, dutch: Catalog
) -> None:
    stale = sorted(msgid(m) for m in dutch if m.id and m.id not in extracted)
    stale += sorted(msgid(m) for m in dutch.obsolete.values())
    assert not stale, f"messages the source no longer has: {stale}; {UPDATE_HINT}"


def test_the_dutch_catalogue_is_well_formed(dutch: Catalog) -> None:
    assert dutch.locale is not None and str(dutch.locale) == "nl"
    assert dutch.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not dutch.fuzzy, "the catalogue's header is marked fuzzy: pybabel compile would skip it"
    assert not [msgid(m) for m in dutch if m.id and m.fuzzy]


PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrs%])")


def _placeholders(text: str) -> set[tuple[str, str]]:
    return {(name, kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%"}


def test_translations_keep_every_placeholder(dutch: Catalog) -> None:
    wrong = []
    for message in dutch:
        if not message.id:
            continue
        english = sources(message)
        expected = set().union(*(_placeholders(text) for text in english))
        if any(name == "" for name, _ in expected):
            wrong.append(f"{english[0]!r}: name every placeholder, as %(name)s")
            continue
        sample: dict[str, object] = {name: 1 if kind == "d" else "x" for name, kind in expected}
        for form in forms(message):
            if _placeholders(form) != expected:
                wrong.append(f"{english[0]!r} -> {form!r}")
            elif expected or message.pluralizable:
                try:
                    form % sample
                except (ValueError, TypeError, KeyError) as error:
                    wrong.append(f"{english[0]!r} -> {form!r}: {error}")
    assert not wrong, "placeholders differ between message and translation:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_is_up_to_date(dutch: Catalog) -> None:
    mo = DUTCH_PO.with_suffix(".mo")
    assert mo.exists(), f"{mo.name} is missing; {COMPILE_HINT}"
    assert mo.stat().st_mtime >= DUTCH_PO.stat().st_mtime, (
        f"{mo.name} is older than {DUTCH_PO.name}, so pages show old translations; {COMPILE_HINT}"
    )
    compiled = Translations.load(str(TRANSLATIONS_DIR), ["nl"], domain=DOMAIN)
    differ = []
    for m in dutch:
        if not m.id:
            continue
        if m.pluralizable:
            singular, plural = sources(m)
            shown = [compiled.ngettext(singular, plural, n) for n in (1, 2)]
        else:
            shown = [compiled.gettext(msgid(m))]
        if shown != forms(m):
            differ.append(msgid(m))
    assert not differ, f"{mo.name} does not match {DUTCH_PO.name} for {differ}; {COMPILE_HINT}"


# -- the language of a page ---------------------------------------------------------------


def page_language(client: FlaskClient, url: str = "/forum/", **headers: str) -> str:
    """``nl`` or ``en``, judged by what a reader sees, after checking the page says the same."""
    page = html(client.get(url, headers=headers))
    declared = re.search(r'<html lang="(\w+)">', page)
    assert declared, "the page declares no language"
    shown = "nl" if "Gemeenschappen" in page else "en" if "Communities" in page else "?"
    assert shown == declared.group(1), f'<html lang="{declared.group(1)}"> on a page in {shown}'
    return shown


def test_a_dutch_browser_gets_dutch_pages(
    client: FlaskClient, make_community: Callable[..., Community]
) -> None:
    make_community("buurt", members_only=True)
    page = html(client.get("/forum/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}))
    assert '<html lang="nl">' in page
    assert "<title>Gemeenschappen · Forum</title>" in page
    assert "Alleen voor leden" in page and "Inloggen" in page
    refused = html(client.get("/forum/c/nope/", headers={"Accept-Language": "nl"}))
    assert "Niet gevonden" in refused and "Deze gemeenschap bestaat niet." in refused


def test_an_english_browser_gets_english_pages(client: FlaskClient) -> None:
    page = html(client.get("/forum/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in page
    assert "<title>Communities · Forum</title>" in page and "Sign in" in page


def test_without_a_browser_language_the_default_language_applies(client: FlaskClient) -> None:
    assert page_language(client) == "nl"


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_DEFAULT_LANGUAGE": "en"}])
def test_the_default_language_is_a_setting(client: FlaskClient) -> None:
    assert page_language(client) == "en"
    assert page_language(client, **{"Accept-Language": "nl"}) == "nl"


@pytest.mark.parametrize(
    ("accept", "shown"),
    [("de", "nl"), ("de-DE, fr;q=0.8", "nl"), ("de, en;q=0.5", "en"), ("*", "nl"), ("", "nl")],
)
def test_a_browser_language_the_forum_lacks_falls_back(
    client: FlaskClient, accept: str, shown: str
) -> None:
    assert page_language(client, **{"Accept-Language": accept}) == shown


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_LANGUAGES": ["nl"]}])
def test_only_offered_languages_are_shown(
    client: FlaskClient, make_member: Callable[..., Member], db: Session
) -> None:
    assert page_language(client, **{"Accept-Language": "en"}) == "nl"
    member = make_member()
    member.language = "en"
    db.commit()
    sign_in(client, member)
    assert page_language(client, **{"Accept-Language": "en"}) == "nl"


def test_a_members_own_language_wins_over_the_browser(
    client: FlaskClient, make_member: Callable[..., Member], db: Session
) -> None:
    member = make_member()
    member.language = "en"
    db.commit()
    sign_in(client, member)
    assert page_language(client, **{"Accept-Language": "nl"}) == "en"


def test_choosing_a_language_in_the_settings_changes_the_pages_at_once(
    client: FlaskClient, make_member: Callable[..., Member], db: Session
) -> None:
    from .helpers import form_token

    member = make_member("Sanne")
    sign_in(client, member)
    dutch = {"Accept-Language": "nl"}
    form = html(client.get("/forum/account/settings", headers=dutch))
    assert "Taal van het forum" in form
    saved = client.post(
        "/forum/account/settings",
        headers=dutch,
        follow_redirects=True,
        data={
            "csrf_token": form_token(form),
            "display_name": "Sanne",
            "real_name": "",
            "publish_as": "pseudonym",
            "language": "en",
        },
    )
    assert "Your settings are saved." in html(saved)
    assert '<html lang="en">' in html(saved)
    db.refresh(member)
    assert member.language == "en"


class HostLanguage:
    """The host site's own language switch; a test sets what it says."""

    def __init__(self) -> None:
        self.says: str | None = None

    def __call__(self) -> str | None:
        return self.says


class TestTheHostsChoice:
    @pytest.fixture
    def host_language(self) -> HostLanguage:
        return HostLanguage()

    @pytest.fixture
    def app(
        self, database_url: str, tmp_path: Path, host_language: HostLanguage
    ) -> Iterator[Flask]:
        host = make_host_app(database_url, tmp_path / "instance")
        CivicForum(host, url_prefix="/forum", locale_selector=host_language)
        engine = host.extensions["civicforum"].engine
        Base.metadata.create_all(engine)
        yield host
        engine.dispose()

    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_wins_over_the_browser(
        self, client: FlaskClient, host_language: HostLanguage, language: str
    ) -> None:
        host_language.says = language
        browser = "en" if language == "nl" else "nl"
        assert page_language(client, **{"Accept-Language": browser}) == language

    def test_when_the_host_says_nothing_the_browser_decides(
        self, client: FlaskClient, host_language: HostLanguage
    ) -> None:
        host_language.says = None
        assert page_language(client, **{"Accept-Language": "en"}) == "en"

    def test_a_language_the_forum_lacks_is_passed_over(
        self, client: FlaskClient, host_language: HostLanguage
    ) -> None:
        host_language.says = "fr"
        assert page_language(client, **{"Accept-Language": "en"}) == "en"
        assert page_language(client) == "nl"

    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_loses_to_the_members_own_choice(
        self,
        client: FlaskClient,
        host_language: HostLanguage,
        make_member: Callable[..., Member],
        db: Session,
        language: str,
    ) -> None:
        host_language.says = "en" if language == "nl" else "nl"
        member = make_member()
        member.language = language
        db.commit()
        sign_in(client, member)
        assert page_language(client, **{"Accept-Language": host_language.says}) == language

    def test_applies_to_a_member_without_a_language_of_their_own(
        self, client: FlaskClient, host_language: HostLanguage, make_member: Callable[..., Member]
    ) -> None:
        host_language.says = "en"
        sign_in(client, make_member())
        assert page_language(client, **{"Accept-Language": "nl"}) == "en"


# -- dates --------------------------------------------------------------------------------


def topic_written_at(
    db: Session,
    moment: dt.datetime,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> Topic:
    community = make_community("wijkraad")
    author = make_member("Henk")
    add_member(db, community, author)
    topic = forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title="Bankjes op het plein",
        body="Zullen we er meer vragen?",
        publish_as="pseudonym",
        submission_token="form-1",  # noqa: S106
        limits=LIMITS,
    )
    topic.created_at = topic.last_posted_at = moment
    for post in db.scalars(select(Post).where(Post.topic_id == topic.id)):
        post.created_at = moment
    db.commit()
    return topic


@pytest.mark.parametrize(
    ("moment", "accept", "shown"),
    [
        (dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC), "nl", "3 mrt 2026, 12:00"),
        (dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC), "en", "Mar 3, 2026, 12:00"),
        # Summer time: two hours ahead of UTC.
        (dt.datetime(2026, 7, 3, 11, 0, tzinfo=dt.UTC), "nl", "3 jul 2026, 13:00"),
        # Late in the evening in UTC is the next day in Amsterdam.
        (dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC), "nl", "1 nov 2026, 00:30"),
    ],
)
def test_dates_are_shown_in_the_pages_language_and_the_forums_time_zone(
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
    moment: dt.datetime,
    accept: str,
    shown: str,
) -> None:
    topic = topic_written_at(db, moment, make_member, make_community)
    for url in (f"/forum/t/{topic.id}/", "/forum/c/wijkraad/"):
        page = html(client.get(url, headers={"Accept-Language": accept}))
        assert shown in page, url
        # The machine-readable moment stays exact, whatever the reader's clock says.
        assert f'datetime="{moment.isoformat()}"' in page, url


@pytest.mark.parametrize("app_config", [{"CIVICFORUM_TIMEZONE": "America/Curacao"}])
def test_the_time_zone_is_a_setting(
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> None:
    moment = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)
    topic = topic_written_at(db, moment, make_member, make_community)
    page = html(client.get(f"/forum/t/{topic.id}/", headers={"Accept-Language": "nl"}))
    assert "3 mrt 2026, 07:00" in page
