"""What the digest tests share: a clock held still, members who chose digests, a forum
with a real SMTP sink, and reading the mails that arrived."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.digests.models import DigestLog
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity.models import Member, PublishAs
from civicforum.pace.models import CommunityFollow, Preferences, TopicFollow

from .conftest import LIMITS
from .helpers import actor_of, add_member
from .smtpsink import Inbox, mail_config

SITE = "https://bibliotheek.example"
AMSTERDAM = "Europe/Amsterdam"
# A Monday in winter (Amsterdam is UTC+1): 07:00 there is 06:00 UTC.
MONDAY = dt.datetime(2030, 1, 7, 6, 0, tzinfo=dt.UTC)


class Clock:
    """The forum's clock held still and moved by the test: ``civicforum.clock.now`` and
    the modules that imported ``now`` from it."""

    MODULES = (
        "civicforum.clock",
        "civicforum.forum.services",
        "civicforum.pace.services",
        "civicforum.plugins.events.services",
    )

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: dt.datetime) -> None:
        self.moment = start
        for name in self.MODULES:
            module = importlib.import_module(name)
            if hasattr(module, "now"):
                monkeypatch.setattr(module, "now", self.now)

    def now(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


def local(text: str, zone: str = AMSTERDAM) -> dt.datetime:
    """ "2030-01-07 07:30" in ``zone``, as an aware UTC moment."""
    from zoneinfo import ZoneInfo

    naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def digest_config(port: int, **extra: Any) -> dict[str, Any]:
    return {
        **mail_config(port),
        "CIVICFORUM_SITE_URL": SITE,
        "CIVICFORUM_SITE_NAME": "Bibliotheek Voorbeeldstad",
        "CIVICFORUM_DEFAULT_LANGUAGE": "en",
        **extra,
    }


def subscribe(
    db: Session,
    member: Member,
    frequency: str = "daily",
    *,
    chosen: dt.datetime,
    timezone: str | None = None,
    quiet: tuple[int, int] | None = None,
    open_warnings: bool = False,
) -> Preferences:
    """The member's choices as the settings page saves them (or as an old row may hold
    them: ``timezone`` is stored as given, unchecked)."""
    prefs = db.get(Preferences, member.id) or Preferences(member_id=member.id)
    prefs.digest = frequency
    prefs.digest_asked_at = chosen
    prefs.timezone = timezone
    prefs.quiet_start, prefs.quiet_end = quiet if quiet else (None, None)
    prefs.open_warnings = open_warnings
    db.add(prefs)
    db.commit()
    return prefs


def follow(db: Session, member: Member, thing: Community | Topic) -> None:
    if isinstance(thing, Community):
        db.add(CommunityFollow(member_id=member.id, community_id=thing.id))
    else:
        db.add(TopicFollow(member_id=member.id, topic_id=thing.id))
    db.commit()


_tokens = iter(range(1, 1_000_000))


def start_topic(db: Session, author: Member, community: Community, title: str, body: str) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, author),
        community,
        title=title,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=f"digest-{next(_tokens)}",
        limits=LIMITS,
    )


def reply(db: Session, author: Member, topic: Topic, body: str) -> Post:
    return forum_services.reply(
        db,
        actor_of(db, author),
        topic,
        body=body,
        publish_as=PublishAs.PSEUDONYM,
        submission_token=f"digest-{next(_tokens)}",
        limits=LIMITS,
    )


def join(db: Session, community: Community, *members: Member) -> None:
    for member in members:
        add_member(db, community, member)


def digest_rows(db: Session, member: Member | None = None) -> list[DigestLog]:
    db.expire_all()
    query = select(DigestLog).order_by(DigestLog.id)
    if member is not None:
        query = query.where(DigestLog.member_id == member.id)
    return list(db.scalars(query))


def send_due(app: Flask) -> None:
    """What the worker does every five minutes: the scan, and the sends it queues."""
    tasks = state(app).tasks
    tasks.named("civicforum.digests.scan")()
    tasks.run_pending()


@dataclass
class Parts:
    """One mail's parts, decoded."""

    message: Message
    text: str
    html: str

    @property
    def both(self) -> str:
        return self.text + self.html


def parts(message: Message) -> Parts:
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")  # type: ignore[union-attr]
        elif part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")  # type: ignore[union-attr]
    return Parts(message, text, html)


def mails_to(inbox: Inbox, member: Member) -> list[Parts]:
    address = member.local_account.email if member.local_account else ""
    return [parts(m) for m in inbox.messages if m["To"] == address]


def unsubscribe_path(mail: Parts) -> str:
    """The path of the one-click link in the List-Unsubscribe header."""
    found = re.fullmatch(
        rf"<{re.escape(SITE)}(/forum/unsubscribe/[^>]+)>", mail.message["List-Unsubscribe"]
    )
    assert found, mail.message["List-Unsubscribe"]
    return found.group(1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, MONDAY)


@pytest.fixture
def people(
    db: Session, make_member: Callable[..., Member], make_community: Callable[..., Community]
) -> Iterator[dict[str, Any]]:
    """Leesclub with Ans (who gets digests), Bram and Carla writing there."""
    leesclub = make_community("leesclub")
    ans, bram, carla = make_member("Ans"), make_member("Bram"), make_member("Carla")
    join(db, leesclub, ans, bram, carla)
    yield {"leesclub": leesclub, "ans": ans, "bram": bram, "carla": carla}
