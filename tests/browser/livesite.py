"""The sample site (Bibliotheek Voorbeeldstad) served for real, as a browser meets it.

Werkzeug's server answers on 127.0.0.1 from a background thread, over a fresh database
with the demo data, and the forum's mail goes to a local SMTP server whose messages the
tests can read (password-reset links).

:func:`serve_sample_site_with_provider` serves it with "Sign in with Voorbeeld-ID": the
test provider of :mod:`tests.oidcpeer` (through its proxy), and the patients' group
*Lotgenoten* that the site's ``flask patient-group`` adds, with one topic in it.

Every site has the local-events plugin's tables and the library's agenda
(``sample_site/agenda.ics``) imported into *Leesclub*, and *Leesclub* federated, as
``sample_site/start.sh`` does.
"""

from __future__ import annotations

import logging
import re
import secrets
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_string
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from werkzeug.serving import make_server

from civicforum import migrate
from civicforum.demo import load_demo_data
from civicforum.extension import state
from civicforum.forum import services as forum
from civicforum.forum.models import Post
from civicforum.identity import services as identity
from civicforum.identity.models import MemberAttribute
from civicforum.identity.providers import load_actor
from civicforum.plugins.search.indexer import indexer_of
from sample_site import create_app

from ..oidcpeer import OidcPeer
from .visitors import demo_email

# Small pages, so that a community of the demo has a second page of topics.
TOPICS_PER_PAGE = 5

# (author, title, text): with these, *Digitale hulp* has more topics than fit on a page.
EXTRA_TOPICS = (
    (
        "henk",
        "Wachtwoordmanager: is dat veilig?",
        "Mijn kleinzoon raadt me een wachtwoordmanager aan. Is dat echt veiliger dan een boekje?",
    ),
    (
        "anneke",
        "Foto's van mijn telefoon naar de computer",
        "Hoe krijg ik mijn vakantiefoto's van mijn telefoon op de computer van de bibliotheek?",
    ),
    (
        "bram",
        "Printen vanaf je telefoon in de bibliotheek",
        "Kan ik in de bibliotheek iets printen dat op mijn telefoon staat? Wat kost dat?",
    ),
)

# The patients' group of the sample site (``flask patient-group``), the attribute it asks
# for, and a demo person who holds it (as if vouched for by the provider) and has written
# the group's one topic.
PATIENT_GROUP = "lotgenoten"
PATIENT_ATTRIBUTE = "patient-member"
PATIENT_AUTHOR = "sevda"
PATIENT_TOPIC = (
    "Omgaan met vermoeidheid",
    "Hoe plannen jullie je week zodat er ook ruimte is om uit te rusten?",
)
PATIENT_TOPIC_TOKEN = "browser-tests:patients"


# The library's agenda (iCalendar), imported into the reading club by its moderator, as
# ``sample_site/start.sh`` does.
AGENDA = Path(__file__).resolve().parents[2] / "sample_site" / "agenda.ics"
AGENDA_COMMUNITY = "leesclub"
AGENDA_ORGANISER = "Femke (bibliotheek)"


@dataclass
class Inbox:
    """Every message the local SMTP server received, as text."""

    messages: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        self.messages.append(content.decode() if isinstance(content, bytes) else str(content))
        return "250 Message accepted"

    def link(self, index: int = -1) -> str:
        """The first link in a message (default: the latest)."""
        message = message_from_string(self.messages[index], policy=email_policy)
        body = message.get_body(("plain",))
        assert body is not None, "the forum's mail has no plain-text part"
        text = body.get_content()
        match = re.search(r"https?://\S+", text)
        assert match, f"no link in the forum's mail:\n{text}"
        return match.group(0)


@dataclass
class LiveSite:
    app: Flask
    url: str
    inbox: Inbox

    @contextmanager
    def db(self) -> Iterator[DbSession]:
        """A session on the site's forum database, for looking up what to visit."""
        with self.app.app_context():
            session = state(self.app).session_factory()
            try:
                yield session
            finally:
                session.close()

    def demo_post(self, topic: str, position: int) -> tuple[int, int]:
        """``(post id, topic id)`` of a demo post, by its topic's key and its place in it,
        0 being the opening post (see :mod:`civicforum.demo`)."""
        token = f"demo:{topic}:{position}"
        with self.db() as db:
            post = db.scalar(select(Post).where(Post.submission_token == token))
            assert post is not None, f"the demo data has no post {position} in {topic!r}"
            return post.id, post.topic_id

    def patient_topic(self) -> int:
        """The id of the topic in the patients' group (:func:`add_patient_group`)."""
        with self.db() as db:
            topic = db.scalar(
                select(Post.topic_id).where(Post.submission_token == PATIENT_TOPIC_TOKEN)
            )
            assert topic is not None, "this site has no patients' group"
            return topic


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def local_mail_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 keeping what it receives; yields it and its port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def add_extra_topics(db: DbSession) -> None:
    community = forum.get_community(db, "digitale-hulp")
    settings = state().settings
    limits = forum.Limits(settings.max_title_length, settings.max_post_length)
    for n, (author, title, body) in enumerate(EXTRA_TOPICS):
        account = identity.find_account(db, demo_email(author))
        assert account is not None, f"the demo data has no account {author!r}"
        forum.start_topic(
            db,
            load_actor(db, account.member),
            community,
            title=title,
            body=body,
            publish_as="pseudonym",
            submission_token=f"browser-tests:{n}",
            limits=limits,
        )


def add_patient_group(app: Flask) -> None:
    """Run the sample site's ``flask patient-group``, then start a topic in the group."""
    with app.app_context():
        # (``flask`` pushes an app context for every command; the test runner only for
        # commands made with ``app.cli.command``, and this one is added as it is.)
        done = app.test_cli_runner().invoke(args=["patient-group"])
        assert done.exit_code == 0, f"flask patient-group failed:\n{done.output}"
        db = state(app).session_factory()
        try:
            community = forum.get_community(db, PATIENT_GROUP)
            account = identity.find_account(db, demo_email(PATIENT_AUTHOR))
            assert account is not None, f"the demo data has no account {PATIENT_AUTHOR!r}"
            account.member.attributes.append(
                MemberAttribute(key=PATIENT_ATTRIBUTE, provider="oidc:voorbeeldid")
            )
            db.commit()
            forum.join(db, load_actor(db, account.member), community)
            settings = state().settings
            title, body = PATIENT_TOPIC
            forum.start_topic(
                db,
                load_actor(db, account.member),  # now with the membership
                community,
                title=title,
                body=body,
                publish_as="pseudonym",
                submission_token=PATIENT_TOPIC_TOKEN,
                limits=forum.Limits(settings.max_title_length, settings.max_post_length),
            )
        finally:
            db.close()


def import_agenda(app: Flask) -> None:
    """Import the library's agenda into *Leesclub*, as ``sample_site/start.sh`` does."""
    with app.app_context():
        args = ["civicforum", "events", "import", AGENDA_COMMUNITY, str(AGENDA)]
        done = app.test_cli_runner().invoke(args=[*args, "--organiser", AGENDA_ORGANISER])
        assert done.exit_code == 0, f"flask civicforum events import failed:\n{done.output}"


def federate_leesclub(app: Flask) -> None:
    """Switch federation on for *Leesclub*, as ``sample_site/start.sh`` does."""
    with app.app_context():
        done = app.test_cli_runner().invoke(args=["civicforum", "federation", "enable", "leesclub"])
        assert done.exit_code == 0, f"flask civicforum federation enable failed:\n{done.output}"


@contextmanager
def serve_sample_site(
    database_url: str,
    config: Mapping[str, Any] | None = None,
    prepare: Callable[[Flask], None] | None = None,
) -> Iterator[LiveSite]:
    """The sample site with the demo data on an empty database, served on 127.0.0.1.

    :param config: settings added to the site's (e.g. an identity provider's).
    :param prepare: called with the app after the demo data is loaded, before serving.
    """
    with local_mail_server() as (inbox, mail_port), tempfile.TemporaryDirectory() as index:
        # The site's port is chosen first: the forum's mail links to the site's address.
        port = free_port()
        app = create_app(
            {
                # Queued work and the search index of this site alone, not the checkout's.
                "CIVICFORUM_TASK_QUEUE": "memory",
                "CIVICFORUM_TASK_WORKER": False,
                "CIVICFORUM_SEARCH_INDEX_DIR": index,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "CIVICFORUM_SECRET_KEY": secrets.token_urlsafe(32),
                "CIVICFORUM_DATABASE_URL": database_url,
                "CIVICFORUM_TOPICS_PER_PAGE": TOPICS_PER_PAGE,
                "CIVICFORUM_MAIL_SERVER": "127.0.0.1",
                "CIVICFORUM_MAIL_PORT": mail_port,
                "CIVICFORUM_MAIL_SENDER": "forum@voorbeeldstad.example",
                "CIVICFORUM_SITE_URL": f"http://127.0.0.1:{port}",
                **(config or {}),
            }
        )
        engine = state(app).engine
        try:
            # The forum's tables and its plugins' (the local events').
            migrate.upgrade(engine, version_locations=state(app).plugins.migration_locations())
            with app.app_context():
                db = state(app).session_factory()
                try:
                    load_demo_data(db)
                    add_extra_topics(db)
                finally:
                    db.close()
            import_agenda(app)
            federate_leesclub(app)
            if prepare is not None:
                prepare(app)
            with app.app_context():
                indexer_of(app).reindex()  # as the sample site's start command does
            with _serving(app, port) as url:
                yield LiveSite(app=app, url=url, inbox=inbox)
        finally:
            engine.dispose()


@contextmanager
def serve_sample_site_with_provider(database_url: str, peer: OidcPeer) -> Iterator[LiveSite]:
    """The sample site as :func:`serve_sample_site` serves it, with sign-in through the
    test provider (via its proxy: ``peer.url``) and the patients' group; the provider is
    told the site's addresses (which restarts it)."""
    with serve_sample_site(database_url, peer.forum_config(), add_patient_group) as site:
        peer.allow_site(site.url)
        yield site


@contextmanager
def _serving(app: Flask, port: int = 0) -> Iterator[str]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    # A log line per request would bury the message of a failing test.
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        werkzeug_log.setLevel(level)
