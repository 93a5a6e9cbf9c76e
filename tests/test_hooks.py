"""Every plugin hook, exercised through a real app; and the rules that keep the hook
documentation and these tests complete."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import CivicForum, ConfigError, hookimpl, hookspecs, migrate, policy  # noqa: F401
from civicforum.db import Base
from civicforum.embed.sections import EmbedItem, EmbedSection
from civicforum.events import Event, MemberJoined, PostPublished, TopicCreated, record
from civicforum.extension import state
from civicforum.forum import services
from civicforum.forum.models import Community, Visibility
from civicforum.identity.models import PublishAs
from civicforum.pluginmanager import PluginLoadError
from civicforum.plugins.search.indexer import indexer_of
from civicforum.searchable import Found, SearchDocument, community_language
from civicforum.settingchecks import text as _text
from civicforum.settings import Spec

from .conftest import LIMITS, make_host_app
from .helpers import actor_of, add_member, sign_in

ROOT = Path(__file__).parent.parent
EN = {"Accept-Language": "en"}
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("civicforum_") and callable(value)
)


def forum_with(
    tmp_path: Path, database_url: str, *plugins: object, create: bool = True, **config: Any
) -> Flask:
    app = make_host_app(
        database_url, tmp_path / "instance", CIVICFORUM_DEFAULT_LANGUAGE="en", **config
    )
    CivicForum(app, plugins=plugins)
    if create:
        Base.metadata.create_all(state(app).engine)
    return app


# -- the rules --------------------------------------------------------------------------


def test_every_hook_is_documented_with_its_signature() -> None:
    page = (ROOT / "docs" / "plugin_hooks.md").read_text()
    headings = re.findall(r"^## `(civicforum_\w+)\((.*?)\)", page, re.MULTILINE)
    assert sorted(name for name, _ in headings) == HOOKS
    for name, parameters in headings:
        spec = inspect.signature(getattr(hookspecs, name))
        assert parameter_names(parameters) == list(spec.parameters), name


def parameter_names(parameters: str) -> list[str]:
    """Names from "a: Mapping[str, Any], b: int", splitting only outside brackets."""
    names, depth, current = [], 0, ""
    for char in parameters + ",":
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            if current.strip():
                names.append(current.split(":")[0].strip())
            current = ""
        else:
            current += char
    return names


def test_every_hook_has_a_test_of_its_own() -> None:
    tests = {name for name in globals() if name.startswith("test_hook_")}
    assert {f"test_hook_{hook}" for hook in HOOKS} <= tests


# -- each hook --------------------------------------------------------------------------


class SettingsPlugin:
    @hookimpl
    def civicforum_settings(self) -> list[Spec]:
        return [Spec("CIVICFORUM_OPENING_HOURS", "ma–vr 10–20 uur", _text(), "Opening hours.")]


def test_hook_civicforum_settings(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path / "a", database_url, SettingsPlugin())
    assert state(app).settings.extra["CIVICFORUM_OPENING_HOURS"] == "ma–vr 10–20 uur"
    configured = forum_with(
        tmp_path / "b", database_url, SettingsPlugin(), CIVICFORUM_OPENING_HOURS="za 10–17 uur"
    )
    assert state(configured).settings.extra["CIVICFORUM_OPENING_HOURS"] == "za 10–17 uur"
    with pytest.raises(ConfigError) as wrong:
        forum_with(tmp_path / "c", database_url, SettingsPlugin(), CIVICFORUM_OPENING_HOURS=7)
    assert wrong.value.key == "CIVICFORUM_OPENING_HOURS"
    with pytest.raises(ConfigError) as unknown:
        forum_with(tmp_path / "d", database_url, CIVICFORUM_OPENING_HOURS="x")
    assert unknown.value.key == "CIVICFORUM_OPENING_HOURS", "without the plugin the key is unknown"


@dataclass(frozen=True)
class ReadingDone(Event):
    community_id: int


class Listener:
    def __init__(self, fail: bool = False) -> None:
        self.heard: list[Event] = []
        self.settings: dict[str, Any] = {}
        self.fail = fail

    @hookimpl
    def civicforum_event_types(self) -> list[type[Event]]:
        return [ReadingDone]

    @hookimpl
    def civicforum_event(self, event: Event, settings: Any) -> None:
        if self.fail:
            raise RuntimeError("this plugin is broken")
        self.heard.append(event)
        self.settings = dict(settings)


def test_hook_civicforum_event_types(tmp_path: Path, database_url: str) -> None:
    listener = Listener()
    app = forum_with(tmp_path, database_url, listener)
    with state(app).session_factory() as db:
        community = services.create_community(db, slug="leesclub", name="Leesclub")
        record(db, ReadingDone(community.id))
        db.commit()

        @dataclass(frozen=True)
        class Undeclared(Event):
            pass

        with pytest.raises(TypeError, match="not a declared event type"):
            record(db, Undeclared())
    assert listener.heard == [ReadingDone(community.id)]


def test_hook_civicforum_event(tmp_path: Path, database_url: str) -> None:
    listener, broken = Listener(), Listener(fail=True)
    app = forum_with(tmp_path, database_url, broken, listener)
    with state(app).session_factory() as db:
        community = services.create_community(db, slug="leesclub", name="Leesclub")
        member = services_member(db)
        services.join(db, actor_of(db, member), community)
        topic = services.start_topic(
            db,
            actor_of(db, member),
            community,
            title="Hallo allemaal",
            body="Tekst",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="t",
            limits=LIMITS,
        )
        post_id = db.scalar(
            select(sa.func.max(sa.literal_column("id"))).select_from(sa.table("cf_post"))
        )
        community_id, member_id, topic_id = community.id, member.id, topic.id
        # Rolled back: nobody hears of it.
        record(db, ReadingDone(community.id))
        db.rollback()
    assert listener.heard == [
        MemberJoined(community_id, member_id, pending=False),
        TopicCreated(topic_id, community_id, member_id),
        PostPublished(post_id, topic_id, community_id, member_id),
    ]
    assert listener.settings["CIVICFORUM_POSTS_PER_PAGE"] == 20


def services_member(db: Session) -> Any:
    from civicforum.identity.services import register_local_account

    return register_local_account(
        db, email="m@example.org", password="a long password", display_name="Lid"
    )


class SlotPlugin:
    @hookimpl
    def civicforum_template_slot(self, slot: str, context: Any) -> str | Markup | None:
        if slot == "community_sidebar":
            return Markup('<aside class="hours"><h2>Openingstijden</h2><p>{}</p></aside>').format(
                context["community"].name
            )
        if slot == "topic_header":
            return "<script>alert('plain text is escaped')</script>"
        return None


class MisspelledSlotPlugin:
    @hookimpl
    def civicforum_routes(self, blueprint: Blueprint) -> None:
        def page() -> str:
            from flask import render_template_string

            return render_template_string('{{ cf_slot("comunity_sidebar") }}')

        blueprint.add_url_rule("/misspelled", "misspelled", page)


def test_hook_civicforum_template_slot(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path, database_url, SlotPlugin(), MisspelledSlotPlugin())
    with state(app).session_factory() as db:
        community = services.create_community(db, slug="leesclub", name="Leesclub")
        member = services_member(db)
        add_member(db, community, member)
        topic = services.start_topic(
            db,
            actor_of(db, member),
            community,
            title="Een onderwerp",
            body="x",
            publish_as=PublishAs.PSEUDONYM,
            submission_token="t",
            limits=LIMITS,
        )
    client = app.test_client()
    community_page = client.get("/forum/c/leesclub/", headers=EN).get_data(as_text=True)
    assert '<aside class="hours"><h2>Openingstijden</h2><p>Leesclub</p></aside>' in community_page
    topic_page = client.get(f"/forum/t/{topic.id}/", headers=EN).get_data(as_text=True)
    assert "&lt;script&gt;alert(" in topic_page and "<script>alert(" not in topic_page
    app.testing = True
    with pytest.raises(ValueError, match="unknown template slot 'comunity_sidebar'"):
        client.get("/forum/misspelled")


class RoutePlugin:
    @hookimpl
    def civicforum_routes(self, blueprint: Blueprint) -> None:
        def agenda(slug: str) -> str:
            return f"Agenda of {slug}"

        blueprint.add_url_rule("/c/<slug>/agenda", "agenda", agenda)


def test_hook_civicforum_routes(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path, database_url, RoutePlugin())
    response = app.test_client().get("/forum/c/leesclub/agenda")
    assert response.status_code == 200 and response.get_data(as_text=True) == "Agenda of leesclub"
    with app.test_request_context():
        from flask import url_for

        assert url_for("civicforum.agenda", slug="x") == "/forum/c/x/agenda"


@click.command("hello")
def hello() -> None:
    """Say hello."""
    click.echo(f"Hello from {state().settings.site_name}")


class CommandPlugin:
    @hookimpl
    def civicforum_cli_commands(self) -> list[click.Command]:
        return [hello]


class ClashingCommandPlugin:
    @hookimpl
    def civicforum_cli_commands(self) -> list[click.Command]:
        return [click.Command("demo-data", callback=lambda: None)]


def test_hook_civicforum_cli_commands(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path / "a", database_url, CommandPlugin())
    result = app.test_cli_runner().invoke(args=["civicforum", "hello"])
    assert result.exit_code == 0 and "Hello from Forum" in result.output
    plain = forum_with(tmp_path / "b", database_url)
    assert plain.test_cli_runner().invoke(args=["civicforum", "hello"]).exit_code != 0, (
        "per app, not global"
    )
    with pytest.raises(PluginLoadError, match="may not replace"):
        forum_with(tmp_path / "c", database_url, ClashingCommandPlugin())


class ReadyPlugin:
    @hookimpl
    def civicforum_app_ready(self, app: Flask) -> None:
        app.extensions["reading_list"] = {"site": state(app).settings.site_name}


class RefusingPlugin:
    @hookimpl
    def civicforum_app_ready(self, app: Flask) -> None:
        raise ConfigError("CIVICFORUM_READING_LIST", "the list needs a community")


def test_hook_civicforum_app_ready(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path / "a", database_url, ReadyPlugin())
    assert app.extensions["reading_list"] == {"site": "Forum"}
    assert "reading_list" not in forum_with(tmp_path / "b", database_url).extensions
    with pytest.raises(ConfigError) as refused:
        forum_with(tmp_path / "c", database_url, RefusingPlugin())
    assert refused.value.key == "CIVICFORUM_READING_LIST"


@dataclass(frozen=True)
class NoteWritten(Event):
    community_id: int


class NoteSource:
    """One note per community, saying what it reads, found by everyone who may read the
    community."""

    prefix = "note"
    kinds = ("note",)

    def touched_by(self, db: Session, event: Event) -> list[str] | None:
        return [f"note:{event.community_id}"] if isinstance(event, NoteWritten) else None

    def _document(self, community: Community) -> SearchDocument:
        return SearchDocument(
            key=f"note:{community.id}",
            kind="note",
            community_id=community.id,
            language=community_language(community),
            title=f"Leeslijst van {community.name}",
            text="We lezen Max Havelaar.",
            created_at=community.created_at,
        )

    def documents(self, db: Session, keys: Sequence[str]) -> dict[str, SearchDocument | None]:
        found = {}
        for key in keys:
            community = db.get(Community, int(key.split(":")[1]))
            found[key] = self._document(community) if community else None
        return found

    def count(self, db: Session) -> int:
        return len(db.scalars(select(Community)).all())

    def every_document(self, db: Session, batch: int) -> Iterator[list[SearchDocument]]:
        yield [self._document(c) for c in db.scalars(select(Community))]

    def found(self, db: Session, actor: policy.Actor, keys: Sequence[str]) -> dict[str, Found]:
        out = {}
        for key in keys:
            community = db.get(Community, int(key.split(":")[1]))
            if community is not None and policy.can_view_community(actor, community):
                document = self._document(community)
                out[key] = Found(
                    key=key,
                    kind="note",
                    title=document.title,
                    url=f"/forum/c/{community.slug}/",
                    community=community,
                    created_at=document.created_at,
                    author="",
                    text=document.text,
                    language=document.language,
                )
        return out


class NotesPlugin:
    @hookimpl
    def civicforum_event_types(self) -> list[type[Event]]:
        return [NoteWritten]

    @hookimpl
    def civicforum_search_sources(self) -> list[NoteSource]:
        return [NoteSource()]


def test_hook_civicforum_search_sources(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path, database_url, NotesPlugin())
    with app.app_context():
        indexer_of(app).backend.create()
    with state(app).session_factory() as db:
        for slug, visibility in (
            ("leesclub", Visibility.PUBLIC),
            ("patienten", Visibility.MEMBERS),
        ):
            community = services.create_community(
                db, slug=slug, name=slug.title(), visibility=visibility
            )
            record(db, NoteWritten(community.id))
            db.commit()
    page = app.test_client().get("/forum/search", query_string={"q": "havelaar"}, headers=EN)
    html = page.get_data(as_text=True)
    assert "Leeslijst van Leesclub" in html
    assert "Patienten" not in html  # members only: the policy keeps it out
    assert '<option value="note">note</option>' in html  # offered as a kind to filter on


class OverdueLoansPlugin:
    """Adds the member's overdue loans to their digest, with a link made outside a request."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, Any, Any]] = []

    @hookimpl
    def civicforum_digest_sections(self, db: Session, member: Any, since: Any, until: Any) -> Any:
        from flask import url_for

        from civicforum.digests.sections import DigestItem, DigestSection
        from civicforum.i18n import get_locale

        self.asked.append((member.id, since, until))
        item = DigestItem(
            "Max Havelaar is overdue", url_for("civicforum.index", _external=True), get_locale()
        )
        return [DigestSection("Your loans", [item]), DigestSection("Reservations", [])]


class BrokenDigestPlugin:
    @hookimpl
    def civicforum_digest_sections(self, db: Session, member: Any, since: Any, until: Any) -> Any:
        raise RuntimeError("the loans system is down")


def test_hook_civicforum_digest_sections(
    tmp_path: Path, database_url: str, smtp: tuple[Any, int]
) -> None:
    import datetime as dt

    from civicforum.digests.sending import send_digest
    from civicforum.identity import services as identity_services
    from civicforum.pace.models import Preferences

    from .smtpsink import mail_config

    inbox, port = smtp
    loans = OverdueLoansPlugin()
    app = forum_with(
        tmp_path,
        database_url,
        BrokenDigestPlugin(),
        loans,
        **{
            **mail_config(port),
            "CIVICFORUM_SITE_URL": "https://bibliotheek.example",
            "CIVICFORUM_DIGEST_HOUR": 0,
        },
    )
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    chosen = moment - dt.timedelta(days=3)
    with state(app).session_factory() as db:
        member = identity_services.register_local_account(
            db, email="ans@example.org", password="correct horse battery", display_name="Ans"
        )
        member.language = "nl"
        db.add(
            Preferences(member_id=member.id, digest="daily", timezone="UTC", digest_asked_at=chosen)
        )
        db.commit()
        member_id = member.id
    # A plugin that fails is left out; the digest still goes with what the others add.
    assert send_digest(app, member_id, moment).status == "sent"
    assert loans.asked == [(member_id, chosen, moment)]
    [mail] = inbox.messages
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert "Your loans\n==========\n\n* Max Havelaar is overdue\n  nl\n" in body
    assert "  https://bibliotheek.example/forum/\n" in body  # absolute, outside a request
    assert "Reservations" not in body  # a section without items is left out


PLUGIN_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "notes0001"
down_revision = None
branch_labels = ("notes",)
depends_on = {forum_head!r}


def upgrade():
    op.create_table("cf_notes_note", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("cf_notes_note")
"""


class LoansPlugin:
    """A library's loans system: what it adds to a member's copy of their data."""

    @hookimpl
    def civicforum_personal_data(self, db: Session, member: Any) -> Any:
        from civicforum.privacy.personal import PersonalData

        return PersonalData(
            "loans",
            [{"title": "De Avonden", "due": "2026-03-01"}],
            {
                "loans.txt": b"De Avonden, terug op 1 maart\n",
                "member.json": b"a plugin cannot replace the forum's own file",
                "../outside.txt": b"nor write outside the copy",
            },
        )


def test_hook_civicforum_personal_data(tmp_path: Path, database_url: str) -> None:
    import json
    import zipfile

    from civicforum.privacy import export

    app = forum_with(tmp_path, database_url, LoansPlugin())
    with state(app).session_factory() as db:
        member = services_member(db)
        with app.test_request_context(base_url="http://forum.example/"):
            made, _created = export.request_export(db, actor_of(db, member), "en")
            export.enqueue(db, made, "http://forum.example/")
        state(app).tasks.run_pending()
        path = export.file_of(export.exports_folder(app), made.token)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        document = json.loads(archive.read("member.json"))
        readme = archive.read("README.txt").decode()
        assert archive.read("loans.txt").startswith(b"De Avonden")
    assert document["format"] == "civicforum-member-export"
    assert document["plugins"]["loans"] == [{"title": "De Avonden", "due": "2026-03-01"}]
    # The built-in events plugin answers too, with its calendar.
    assert document["plugins"]["events"]["answers"] == []
    assert {"loans.txt", "events.ics"} <= names
    assert not any("outside" in name for name in names)
    assert "loans.txt" in readme


class ErasingPlugin:
    """Remembers whom it was asked to forget, and whether they were still there."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.forgot: list[tuple[str, bool]] = []

    @hookimpl
    def civicforum_member_erasing(self, db: Session, member: Any) -> None:
        from civicforum.identity.models import Member

        still_there = db.scalar(select(Member.id).where(Member.id == member.id)) is not None
        self.forgot.append((member.display_name, still_there))
        if self.fail:
            raise RuntimeError("the loans system cannot be reached")


def test_hook_civicforum_member_erasing(tmp_path: Path, database_url: str) -> None:
    from civicforum.identity.models import Member
    from civicforum.privacy.erasure import erase_member

    broken = ErasingPlugin(fail=True)
    app = forum_with(tmp_path, database_url, broken)
    with app.app_context(), state(app).session_factory() as db:
        member = services_member(db)
        with pytest.raises(RuntimeError):
            erase_member(db, member, keep_posts=False, folder=tmp_path / "exports")
        # A plugin that fails stops the erasure; nothing of it is saved.
        assert broken.forgot == [("Lid", True)]
        assert db.scalar(select(Member.id).where(Member.id == member.id)) == member.id

    listener = ErasingPlugin()
    app = forum_with(tmp_path / "second", database_url, listener, create=False)
    with app.app_context(), state(app).session_factory() as db:
        member = db.scalars(select(Member)).one()
        erase_member(db, member, keep_posts=False, folder=tmp_path / "exports")
        # Asked while the member is still there, in the erasure's own transaction.
        assert listener.forgot == [("Lid", True)]
        assert db.scalars(select(Member)).all() == []


def test_hook_civicforum_migration_locations(tmp_path: Path, empty_database_url: str) -> None:
    (forum_head,) = ScriptDirectory.from_config(migrate.make_config()).get_heads()
    versions = tmp_path / "notes_versions"
    versions.mkdir()
    (versions / "notes0001.py").write_text(
        textwrap.dedent(PLUGIN_REVISION.format(forum_head=forum_head))
    )

    class NotesPlugin:
        @hookimpl
        def civicforum_migration_locations(self) -> list[Path]:
            return [versions]

    app = forum_with(tmp_path, empty_database_url, NotesPlugin(), create=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["civicforum", "db", "upgrade"]).exit_code == 0
    tables = set(sa.inspect(state(app).engine).get_table_names())
    assert {"cf_notes_note", "cf_post"} <= tables
    result = runner.invoke(args=["civicforum", "db", "downgrade", "notes@base", "--yes"])
    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(state(app).engine).get_table_names())
    assert "cf_notes_note" not in tables and "cf_post" in tables


# -- loading ----------------------------------------------------------------------------


class Misspelled:
    @hookimpl
    def civicforum_evnt(self, event: Event) -> None:
        pass


def test_a_misspelled_hook_stops_start_up(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(PluginLoadError, match="civicforum_evnt"):
        forum_with(tmp_path, database_url, Misspelled())


def install_fake_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str
) -> None:
    """An installed distribution with a civicforum entry point, as pip would leave it."""
    site = tmp_path / "site"
    (site / f"{name.replace('-', '_')}_plugin.py").parent.mkdir(parents=True, exist_ok=True)
    (site / f"{name.replace('-', '_')}_plugin.py").write_text(textwrap.dedent(source))
    info = site / f"{name.replace('-', '_')}_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[civicforum]\n{name} = {name.replace('-', '_')}_plugin\n"
    )
    monkeypatch.syspath_prepend(str(site))


def test_installed_plugins_load_only_when_allowed(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_plugin(
        tmp_path,
        monkeypatch,
        "hours",
        """
        from civicforum import hookimpl

        @hookimpl
        def civicforum_template_slot(slot, context):
            return "Open tot acht uur" if slot == "forum_navigation" else None
    """,
    )
    engine = sa.create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    off = forum_with(tmp_path / "a", database_url, create=False)
    assert "Open tot acht uur" not in off.test_client().get("/forum/").get_data(as_text=True)
    on = forum_with(tmp_path / "b", database_url, create=False, CIVICFORUM_PLUGINS=["hours"])
    assert "Open tot acht uur" in on.test_client().get("/forum/").get_data(as_text=True)


def test_a_plugin_that_fails_to_load_stops_start_up_with_its_name(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_plugin(tmp_path, monkeypatch, "broken", "import module_that_does_not_exist\n")
    with pytest.raises(PluginLoadError, match="'broken'.*ModuleNotFoundError"):
        forum_with(tmp_path, database_url, CIVICFORUM_PLUGINS=["broken"])


def test_an_allowed_plugin_that_is_not_installed_is_a_config_error(
    tmp_path: Path, database_url: str
) -> None:
    with pytest.raises(ConfigError) as error:
        forum_with(tmp_path, database_url, CIVICFORUM_PLUGINS=["nowhere"])
    assert error.value.key == "CIVICFORUM_PLUGINS" and "'nowhere'" in str(error.value)


def test_signed_in_pages_render_with_plugins(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path, database_url, SlotPlugin())
    with state(app).session_factory() as db:
        community = db.scalar(select(Community))
        assert community is None
        member = services_member(db)
    client = app.test_client()
    sign_in(client, member)
    assert client.get("/forum/account/settings", headers=EN).status_code == 200


class ReadingListPlugin:
    """Keeps each community's reading list, and takes it along when the community moves."""

    def __init__(self, books: dict[int, list[str]] | None = None) -> None:
        self.books = books or {}

    @hookimpl
    def civicforum_community_records(self) -> Any:
        from civicforum.moving.records import RecordKind

        def export(ctx: Any) -> Any:
            if ctx.community_id in self.books:
                yield {"kind": "reading_list", "books": self.books[ctx.community_id]}

        def write(ctx: Any, records: Any) -> None:
            for found in records:
                self.books[ctx.community_id] = found["books"]

        shape = {
            "type": "object",
            "required": ["kind", "books"],
            "properties": {"books": {"type": "array", "items": {"type": "string"}}},
        }
        return [RecordKind("reading_list", None, export, lambda r: (), write, schema=shape)]


def test_hook_civicforum_community_records(tmp_path: Path) -> None:
    import json

    from .conftest import fresh_database

    for folder in "abc":
        (tmp_path / folder).mkdir()
    with fresh_database(tmp_path / "a", tables=True) as url_a:
        old_list = ReadingListPlugin()
        old = forum_with(tmp_path / "a", url_a, old_list)
        with state(old).session_factory() as db:
            club = services.create_community(db, slug="leesclub", name="Leesclub")
            old_list.books[club.id] = ["Max Havelaar", "De avonden"]
        out = tmp_path / "leesclub.jsonl"
        done = old.test_cli_runner().invoke(
            args=["civicforum", "export", "leesclub", "--out", str(out)]
        )
        assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[-1] == {"kind": "reading_list", "books": ["Max Havelaar", "De avonden"]}
    assert lines[0]["counts"]["reading_list"] == 1
    with fresh_database(tmp_path / "b", tables=True) as url_b:
        new_list = ReadingListPlugin()
        new = forum_with(tmp_path / "b", url_b, new_list)
        done = new.test_cli_runner().invoke(args=["civicforum", "import", str(out)])
        assert done.exit_code == 0, done.output
        assert list(new_list.books.values()) == [["Max Havelaar", "De avonden"]]
    with fresh_database(tmp_path / "c", tables=True) as url_c:
        without = forum_with(tmp_path / "c", url_c)
        done = without.test_cli_runner().invoke(args=["civicforum", "import", str(out)])
        assert done.exit_code == 1
        assert f"line {len(lines)}, field 'kind': unknown record kind 'reading_list'" in (
            done.output
        )


class ShelfApiPlugin:
    """A plugin's own API operation, with its schema, in the document at once."""

    @hookimpl
    def civicforum_api(self, api: Any) -> None:
        from marshmallow import Schema, fields

        class Shelf(Schema):
            community = fields.String(required=True)
            books = fields.List(fields.String(), required=True)

        @api.operation(
            "/communities/<slug>/reading-list",
            operation_id="getReadingList",
            summary="The book club's reading list",
            tags=("Reading lists",),
            response=Shelf,
            errors=(403, 404),
        )
        def reading_list(slug: str) -> dict[str, Any]:
            from civicforum.api.reading import readable_community

            community = readable_community(slug, api.actor())
            return {"community": community.slug, "books": ["De Avonden", "Max Havelaar"]}


def test_hook_civicforum_api(tmp_path: Path, database_url: str) -> None:
    app = forum_with(tmp_path, database_url, ShelfApiPlugin())
    with state(app).session_factory() as db:
        services.create_community(db, slug="leesclub", name="Leesclub")
        services.create_community(
            db, slug="besloten", name="Besloten", visibility=Visibility.MEMBERS
        )
    client = app.test_client()
    shelf = client.get("/forum/api/v1/communities/leesclub/reading-list")
    assert shelf.get_json() == {"community": "leesclub", "books": ["De Avonden", "Max Havelaar"]}
    assert "RateLimit" in shelf.headers
    closed = client.get("/forum/api/v1/communities/besloten/reading-list")
    assert closed.status_code == 403 and closed.mimetype == "application/problem+json"
    document = client.get("/forum/api/v1/openapi.json").get_json()
    operation = document["paths"]["/communities/{slug}/reading-list"]["get"]
    assert operation["operationId"] == "getReadingList"
    assert document["components"]["schemas"]["Shelf"]["required"] == ["books", "community"]


class LibraryPlugin:
    """A plugin's own section, asked of the policy with the actor it is given."""

    def __init__(self) -> None:
        self.asked: list[policy.Actor] = []

    @hookimpl
    def civicforum_embed_sections(
        self, community: Community, actor: policy.Actor, limit: int
    ) -> EmbedSection | None:
        self.asked.append(actor)
        if community.slug != "leesclub":
            return None
        books = [
            EmbedItem(f"Boek {n}", f"https://bibliotheek.example/boek/{n}", detail="Nieuw")
            for n in range(30)
        ]
        return EmbedSection("books", "Nieuw in de kast", books, when_label="")


def test_hook_civicforum_embed_sections(tmp_path: Path, database_url: str) -> None:
    plugin = LibraryPlugin()
    app = forum_with(tmp_path, database_url, plugin, CIVICFORUM_PLUGINS=[])
    with state(app).session_factory() as db:
        services.create_community(db, slug="leesclub", name="Leesclub")
        services.create_community(db, slug="digitale-hulp", name="Digitale hulp")
    client = app.test_client()
    data = client.get(
        "/forum/embed/c/leesclub/latest.json?limit=3", headers={"Accept-Language": "en"}
    ).get_json()
    other = client.get(
        "/forum/embed/c/digitale-hulp/latest.json", headers={"Accept-Language": "en"}
    ).get_json()
    books = data["sections"][1]
    assert books["key"] == "books" and books["title"] == "Nieuw in de kast"
    assert [item["title"] for item in books["items"]] == ["Boek 0", "Boek 1", "Boek 2"]
    assert books["items"][0] == {
        "title": "Boek 0",
        "url": "https://bibliotheek.example/boek/0",
        "time": None,
        "time_text": "",
        "detail": "Nieuw",
    }
    assert [s["key"] for s in other["sections"]] == ["discussions"], "None adds nothing"
    assert plugin.asked and all(not actor.is_authenticated for actor in plugin.asked)
