"""A community that uses every feature an export file carries, for the round-trip tests.

Built on the demo data's *Leesclub* (house rules, help, decisions with an appeal, a
labelled post) and its *Digitale hulp* (trusted information), plus what the demo lacks:
edited, deleted, hidden and held posts, an author's warning, pre-moderation, a lifted
decision, members with linked identities and vouched attributes, organiser rights, and
events with organisers and answers (one of them waiting for a place).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum.demo import load_demo_data
from civicforum.forum import services as forum
from civicforum.forum.models import Community, Post, Topic
from civicforum.identity.models import ExternalIdentity, Member, MemberAttribute
from civicforum.identity.providers import load_actor
from civicforum.markup import render_markdown
from civicforum.moderation.models import Decision, ModerationSettings
from civicforum.plugins.events.models import LocalEvent, OrganiserRight, Rsvp

LIMITS = forum.Limits(max_title_length=150, max_post_length=20000)
MOMENT = dt.datetime(2026, 5, 4, 18, 30, 15, 123456, tzinfo=dt.UTC)


def build(db: Session) -> Community:
    """The demo data, and *Leesclub* given everything else; returns *Leesclub*."""
    load_demo_data(db, limits=LIMITS)
    club = db.scalars(select(Community).where(Community.slug == "leesclub")).one()
    topic = db.scalars(
        select(Topic).where(Topic.community_id == club.id).order_by(Topic.id)
    ).first()
    assert topic is not None
    posts = list(db.scalars(select(Post).where(Post.topic_id == topic.id).order_by(Post.id)))
    author = posts[1].author
    assert author is not None
    actor = load_actor(db, author)
    for text in (
        "Een **herziene** tekst, met [een bron](https://example.org).",
        "De derde versie: *één* café.",
    ):
        forum.edit_post(db, actor, posts[1], body=text, limits=LIMITS, warning="Spoilers")
    posts[2].deleted_at, posts[2].deleted_by_id, posts[2].body, posts[2].body_html = (
        MOMENT,
        posts[2].author_id,
        "",
        "",
    )
    posts[3].hidden_at = MOMENT
    posts[-1].held = True
    held = Topic(
        community_id=club.id,
        author_id=author.id,
        title="Wacht op goedkeuring",
        held=True,
        created_at=MOMENT,
        last_posted_at=MOMENT,
    )
    db.add(held)
    db.flush()
    db.add(
        Post(
            topic_id=held.id,
            author_id=author.id,
            body="Nog niet zichtbaar.",
            body_html=render_markdown("Nog niet zichtbaar."),
            held=True,
            created_at=MOMENT,
            publish_as="anonymous",
        )
    )
    db.add(ModerationSettings(community_id=club.id, hold_first_posts=2, hold_everything=False))
    decision = db.scalars(
        select(Decision).where(Decision.community_id == club.id).order_by(Decision.id)
    ).first()
    assert decision is not None
    decision.lifted_at, decision.lifted_by_id, decision.lift_reason = MOMENT, None, "moderator"

    members = list(db.scalars(select(Member).order_by(Member.id)))
    verified = members[0]
    db.add(
        ExternalIdentity(
            member_id=verified.id, provider="voorbeeld-id", subject="sub-4711", created_at=MOMENT
        )
    )
    db.add(
        MemberAttribute(
            member_id=verified.id, key="patient", provider="voorbeeld-id", verified_at=MOMENT
        )
    )
    organiser = author
    db.add(OrganiserRight(community_id=club.id, member_id=organiser.id, granted_at=MOMENT))
    start = dt.datetime(2027, 2, 1, 18, 0, tzinfo=dt.UTC)
    full = LocalEvent(
        community_id=club.id,
        topic_id=topic.id,
        uid="leesavond-1@bibliotheek.example",
        title="Leesavond: *De avonden*",
        description="We lezen **samen**.",
        description_html="",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        timezone="Europe/Amsterdam",
        venue_name="Bibliotheek Centrum",
        venue_address="Marktplein 1, Voorbeeldstad",
        attendance_mode="mixed",
        online_url="https://meet.example/leesavond",
        capacity=1,
        show_places_left=True,
        accessibility="step_free,hearing_loop",
        status="scheduled",
        created_at=MOMENT,
        updated_at=MOMENT,
    )
    full.organisers = [organiser]
    cancelled = LocalEvent(
        community_id=club.id,
        uid="leesavond-2@bibliotheek.example",
        title="Vervallen avond",
        description="",
        description_html="",
        starts_at=start + dt.timedelta(days=7),
        ends_at=start + dt.timedelta(days=7, hours=1),
        status="cancelled",
        created_at=MOMENT,
        updated_at=MOMENT,
    )
    cancelled.organisers = [organiser, verified]
    db.add_all([full, cancelled])
    db.flush()
    db.add(
        Rsvp(
            event_id=full.id,
            member_id=verified.id,
            answer="going",
            waiting=False,
            answered_at=MOMENT,
        )
    )
    db.add(
        Rsvp(
            event_id=full.id,
            member_id=members[2].id,
            answer="going",
            waiting=True,
            position=1,
            queued_at=MOMENT,
            answered_at=MOMENT,
        )
    )
    db.add(
        Rsvp(
            event_id=cancelled.id,
            member_id=members[3].id,
            answer="maybe",
            waiting=False,
            answered_at=MOMENT,
        )
    )
    db.commit()
    return club
