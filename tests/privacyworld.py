"""A member who used everything the forum offers, for the tests of their copy of their
data and of their erasure; and a scan of every table for what identifies them.

*Kwikstaart* (real name Zwaantje Pietersma) has a local account and a linked identity
provider with an attribute, preferences with a digest address, follows, a digest log
entry, topics (one only they wrote in, one another member replied to), replies (one in
another member's topic, one edited), reports they made, a report about them, decisions
about them with an appeal, a message from the moderators, an article they wrote as an
editor and a question about another article, answers to events (one holding the last
place, with another member waiting for it), and a copy of their data.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import clock
from civicforum.clock import now
from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.curation.models import Verdict, VerifiedItem
from civicforum.digests.models import DigestLog, DigestStatus
from civicforum.extension import state
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Post, Role, Topic
from civicforum.identity.models import ExternalIdentity, Member, MemberAttribute, PublishAs
from civicforum.identity.providers import SIGNED_IN_AT_KEY
from civicforum.moderation import appeals, measures, reports, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import (
    AppealOutcome,
    Decision,
    Ground,
    Measure,
    MessageKind,
    ModerationMessage,
    Report,
    ReportTarget,
)
from civicforum.pace import services as pace
from civicforum.plugins.events import services as events
from civicforum.plugins.events.models import Answer, LocalEvent
from civicforum.plugins.events.services import EventDetails
from civicforum.privacy import export
from civicforum.privacy.models import DataExport, ExportStatus

from .conftest import LIMITS
from .helpers import actor_of, add_member, sign_in

# Words that belong to Kwikstaart, and words that belong to Gerrit, the other member.
SHOWN_NAME = "Kwikstaart"
REAL_NAME = "Zwaantje Pietersma"
EMAIL = "kwikstaart@example.org"
DIGEST_EMAIL = "zwaantje.digest@example.net"
SUBJECT = "subject-8f3a-kwik-77"
OTHER_NAME = "Gerrit Oudeman"
OTHER_REAL_NAME = "Gerardus Oudemannus"
OTHER_TITLE = "Gerrits vraag over waterschappen"
OTHER_TEXT = "Gerrits eigen woorden over het peilbesluit"
OTHER_REPLY = "Gerrits antwoord over de polder"

# Kwikstaart's own texts: gone after an erasure that deletes their posts.
OWN_TEXTS = {
    "topic_alone": "Kwiks eenzame onderwerp over vogeltrek",
    "topic_alone_body": "Niemand reageerde op mijn verhaal over de grutto",
    "topic_shared": "Kwiks gedeelde onderwerp over boeken",
    "topic_shared_body": "Mijn eigen woorden over Hella Haasse",
    "reply": "Mijn antwoord over het peilbesluit en de lepelaar",
    "edited_before": "Eerste versie over de scholekster",
    "edited_after": "Tweede versie over de scholekster",
    "report": "Deze melding schreef ik over reclame in de polder",
    "appeal": "Ik ga in beroep want de tureluur hoort erbij",
    "question": "Klopt dit nog, vraagt de wulp zich af?",
}
PASSWORD = "correct horse battery"


@dataclass
class PrivacyWorld:
    member: Member
    other: Member
    moderator: Member
    second_moderator: Member
    admin: Member
    community: Community
    topic_alone: Topic
    topic_shared: Topic
    others_topic: Topic
    decision: Decision
    full_event: LocalEvent
    waiting: Member
    own_item: VerifiedItem
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def identifiers(self) -> list[str]:
        return [SHOWN_NAME, REAL_NAME, EMAIL, DIGEST_EMAIL, SUBJECT]


def _member(db: Session, name: str, email: str, real_name: str | None = None) -> Member:
    from civicforum.identity import services as identity_services

    member = identity_services.register_local_account(
        db, email=email, password=PASSWORD, display_name=name
    )
    member.real_name = real_name
    db.commit()
    return member


def _topic(db: Session, who: Member, community: Community, title: str, body: str, **kw: object) -> Topic:
    return forum_services.start_topic(
        db,
        actor_of(db, who),
        community,
        title=title,
        body=body,
        publish_as=str(kw.get("publish_as", PublishAs.PSEUDONYM)),
        submission_token=f"{title}-token",
        limits=LIMITS,
    )


def _reply(db: Session, who: Member, topic: Topic, body: str, **kw: object) -> Post:
    return forum_services.reply(
        db,
        actor_of(db, who),
        topic,
        body=body,
        publish_as=str(kw.get("publish_as", PublishAs.PSEUDONYM)),
        submission_token=f"{body[:20]}-token",
        limits=LIMITS,
    )


def _event(db: Session, organiser: Member, community: Community, title: str, capacity: int | None) -> LocalEvent:
    starts = dt.datetime.combine((now() + dt.timedelta(days=7)).date(), dt.time(19, 30))
    details = EventDetails(
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue_name="Buurthuis De Boog",
        venue_address="Boogstraat 1, Voorbeeldstad",
        capacity=capacity,
    )
    return events.create_event(db, actor_of(db, organiser), community, details)


def privacy_world(db: Session, make_community: Callable[..., Community]) -> PrivacyWorld:
    community = make_community("polder")
    info = make_community("digitale-hulp")
    moderator = _member(db, "Moderator Femke", "femke@example.org")
    second = _member(db, "Moderator Joost", "joost@example.org")
    admin = _member(db, "Beheerder", "beheer@example.org")
    admin.is_site_admin = True
    editor = _member(db, "Redacteur Ingrid", "ingrid@example.org")
    other = _member(db, OTHER_NAME, "gerrit@example.org", OTHER_REAL_NAME)
    waiting = _member(db, "Wachtende Wim", "wim@example.org")
    member = _member(db, SHOWN_NAME, EMAIL, REAL_NAME)
    for person in (moderator, second):
        add_member(db, community, person, Role.MODERATOR)
    for person in (other, waiting, member):
        add_member(db, community, person)
    add_member(db, info, editor, Role.EDITOR)
    add_member(db, info, member, Role.EDITOR)
    add_member(db, community, editor, Role.EDITOR)

    # Who they are: a provider linked, with an attribute; preferences, follows, a log.
    db.add(ExternalIdentity(member_id=member.id, provider="oidc:voorbeeldid", subject=SUBJECT))
    db.add(MemberAttribute(member_id=member.id, key="patient-member", provider="oidc:voorbeeldid"))
    db.commit()
    pace.update_pace(
        db, member, digest="weekly", timezone="Europe/Amsterdam", quiet_start=22 * 60,
        quiet_end=7 * 60, open_warnings=True,
    )
    pace.set_digest_address(db, member, DIGEST_EMAIL)
    pace.follow_community(db, member, community)
    db.add(
        DigestLog(
            member_id=member.id, period="w:2026-W01", status=DigestStatus.SENT.value,
            covers_from=now() - dt.timedelta(days=7), covers_until=now(), attempts=1,
            message_id="<digest-1@forum.example>", sent_at=now(),
        )
    )
    db.commit()

    # What they wrote, and what the other member wrote around it.
    others_topic = _topic(db, other, community, OTHER_TITLE, OTHER_TEXT)
    pace.follow_topic(db, member, others_topic)
    reply = _reply(db, member, others_topic, OWN_TEXTS["reply"], publish_as=PublishAs.REAL_NAME)
    _reply(db, other, others_topic, OTHER_REPLY)
    edited = _reply(db, member, others_topic, OWN_TEXTS["edited_before"])
    forum_services.edit_post(db, actor_of(db, member), edited, body=OWN_TEXTS["edited_after"], limits=LIMITS)
    topic_alone = _topic(db, member, community, OWN_TEXTS["topic_alone"], OWN_TEXTS["topic_alone_body"])
    topic_shared = _topic(
        db, member, community, OWN_TEXTS["topic_shared"], OWN_TEXTS["topic_shared_body"],
        publish_as=PublishAs.REAL_NAME,
    )
    _reply(db, other, topic_shared, "Gerrit reageert op het boekenonderwerp")
    others_post = db.scalars(select(Post).where(Post.topic_id == others_topic.id).order_by(Post.id)).first()
    assert others_post is not None

    # Moderation: a report they made, one about them, a decision about them, an appeal.
    rule = rules.add_rule(
        db, actor_of(db, moderator), community,
        rules.RuleText("Wees vriendelijk", "Be kind", "Geen gescheld.", "No name-calling."),
    )
    reports.submit_report(
        db, actor_of(db, member), community,
        reports.Notice(ReportTarget.POST, others_post.id, Ground.HOUSE_RULE, OWN_TEXTS["report"],
                       "https://forum.example/p/1", True, rule_id=rule.id),
    )
    shared_post = db.scalars(select(Post).where(Post.topic_id == topic_shared.id).order_by(Post.id)).first()
    assert shared_post is not None
    about = reports.submit_report(
        db, actor_of(db, other), community,
        reports.Notice(ReportTarget.POST, shared_post.id, Ground.HOUSE_RULE,
                       f"{SHOWN_NAME} schreef iets naars", "in het boekenonderwerp", True,
                       rule_id=rule.id),
    ).report
    decision = measures.take_measure(
        db, actor_of(db, moderator), Measure.HIDE_POST, Target(post=shared_post),
        Grounds(rule_id=rule.id, explanation=f"{SHOWN_NAME}, je schreef: {OWN_TEXTS['topic_shared_body']}",
                facts=f"{REAL_NAME} plaatste dit om 10 uur."),
        report=db.get(Report, about.id), note_to_reporters=f"We spraken {SHOWN_NAME} erop aan.",
    )
    appeal = appeals.submit_appeal(db, actor_of(db, member), decision, OWN_TEXTS["appeal"])
    appeals.decide_appeal(db, actor_of(db, second), appeal, AppealOutcome.UPHELD,
                          f"Beste {SHOWN_NAME}, de maatregel blijft.")
    db.add(ModerationMessage(member_id=member.id, community_id=community.id,
                             kind=MessageKind.SIGNPOST.value, body=f"Dag {SHOWN_NAME}, hier vind je hulp.",
                             sent_by_id=moderator.id))
    db.commit()

    # Trusted information: an article they wrote and a question about another one.
    source = (Source("Rijksoverheid, DigiD", "https://www.rijksoverheid.nl/digid", now().date()),)
    own_item = workflow.create_article(
        db, actor_of(db, member), info, Content("DigiD aanvragen", "Zo vraag je DigiD aan.", source)
    )
    workflow.submit(db, actor_of(db, member), own_item)
    workflow.approve(db, actor_of(db, editor), own_item, now() + dt.timedelta(days=180))
    other_item = workflow.create_article(
        db, actor_of(db, editor), community, Content("Het waterschap", "Over het waterschap.", source)
    )
    workflow.submit(db, actor_of(db, editor), other_item)
    workflow.approve(db, actor_of(db, admin), other_item, now() + dt.timedelta(days=180))
    workflow.dispute(db, actor_of(db, member), other_item, question=OWN_TEXTS["question"],
                     citation="Waterschap, peilbesluit", url="https://www.waterschap.nl/peil")

    # An editor's verdict on their reply, quoting it.
    workflow.create_verification(
        db, actor_of(db, editor), reply,
        Content(f"Bewering: {OWN_TEXTS['reply']}", "Dat klopt niet helemaal.", source,
                Verdict.NEEDS_CONTEXT),
    )

    # Events: the last place of a full one (someone waits for it), and a maybe.
    full_event = _event(db, moderator, community, "Vogelexcursie", capacity=1)
    events.rsvp(db, actor_of(db, member), full_event, Answer.GOING)
    events.rsvp(db, actor_of(db, waiting), full_event, Answer.GOING)
    maybe_event = _event(db, moderator, community, "Leesavond", capacity=None)
    events.rsvp(db, actor_of(db, member), maybe_event, Answer.MAYBE)

    world = PrivacyWorld(
        member=member, other=other, moderator=moderator, second_moderator=second, admin=admin,
        community=community, topic_alone=topic_alone, topic_shared=topic_shared,
        others_topic=others_topic, decision=decision, full_event=full_event, waiting=waiting,
        own_item=own_item,
    )
    world.ids = {"member": member.id}
    return world


def made_export(app: Flask, db: Session, member: Member) -> bytes:
    """A copy of the member's data, asked for and made as the page and the task would."""
    with app.test_request_context(base_url="http://forum.example/"):
        made, created = export.request_export(db, actor_of(db, member), "nl")
        assert created
        export.enqueue(db, made, "http://forum.example/")
    state(app).tasks.run_pending()
    db.expire_all()
    assert db.get(DataExport, made.id).status == ExportStatus.READY  # type: ignore[union-attr]
    return export.file_of(export.exports_folder(app), made.token).read_bytes()


def zip_texts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def signed_in_freshly(client: FlaskClient, member: Member, *, minutes_ago: float = 0) -> None:
    """Signed in as a sign-in page or an identity provider would, ``minutes_ago``."""
    sign_in(client, member)
    with client.session_transaction() as flask_session:
        moment = clock.now() - dt.timedelta(minutes=minutes_ago)
        flask_session[SIGNED_IN_AT_KEY] = int(moment.timestamp())


# -- the scan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    found: str


def scan(engine: sa.Engine, member_id: int, needles: list[str]) -> list[Hit]:
    """Every table of the database, reflected: columns pointing at cf_member holding
    ``member_id``, and every text holding one of ``needles`` (ignoring case)."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    hits: list[Hit] = []
    folded = [(needle, needle.casefold()) for needle in needles]
    with engine.connect() as conn:
        for table in metadata.tables.values():
            member_columns = {
                fk.parent.name
                for fk in table.foreign_keys
                if fk.column.table.name == "cf_member"
            }
            for row in conn.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if column in member_columns and value == member_id:
                        hits.append(Hit(table.name, column, f"member id {member_id}"))
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        text = value.casefold()
                        hits.extend(
                            Hit(table.name, column, needle)
                            for needle, low in folded
                            if low in text
                        )
    return hits


def tables_with_rows(engine: sa.Engine) -> set[str]:
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as conn:
        return {
            t.name
            for t in metadata.tables.values()
            if conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
        }

