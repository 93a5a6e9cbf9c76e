"""A forum with something to hide in every place the open interfaces could show it, for
the visibility matrix of tests/test_visibility_interfaces.py.

Every text that matters is a *canary*: ``cnry<name>q``, unique, so a response body can be
searched for it. The names never hold a ``q``, so no canary is part of another. Where
each canary sits, in which state and by whom, is the matrix's expectation table; this
module only puts them there, the way members, moderators and editors would.

The communities: *plein*, public; *kring*, for members only; *zorg*, public but readable
from the identity level "confirmed" only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import clock
from civicforum.curation import workflow
from civicforum.curation.content import Content, Source
from civicforum.forum import services as forum
from civicforum.forum.models import Community, JoinPolicy, Post, Role, Topic, Visibility
from civicforum.identity import services as identity
from civicforum.identity.models import IdentityLevel, Member, PublishAs
from civicforum.identity.providers import session_stamp
from civicforum.moderation import measures, rules
from civicforum.moderation.measures import Grounds, Target
from civicforum.moderation.models import HouseRule, Measure
from civicforum.moderation.premoderation import Premoderation, set_premoderation
from civicforum.plugins.events.models import LocalEvent
from civicforum.tokens.models import TokenScope
from civicforum.tokens.services import create_api_token, feed_secret

from .conftest import LIMITS, PASSWORD
from .helpers import actor_of, add_member

#: The people the matrix asks as; "anonymous" has no account.
ACTORS = (
    "anonymous",
    "nonmember",
    "pending",
    "member",
    "muted",
    "banned",
    "moderator",
    "editor",
)
#: A feed key of the right shape that no member has: what "anonymous" tries.
UNKNOWN_KEY = "cff_" + "A" * 43


def canary(name: str) -> str:
    assert "q" not in name, name
    return f"cnry{name}q"


@dataclass
class World:
    """Ids of what was made, by the keys the matrix uses, and each actor's secrets."""

    topics: dict[str, int] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    # What a sign-in would put in each actor's forum session (see helpers.sign_in).
    sessions: dict[str, list[object]] = field(default_factory=dict)
    api_tokens: dict[str, str] = field(default_factory=dict)
    feed_keys: dict[str, str] = field(default_factory=dict)


class Builder:
    def __init__(self, db: Session) -> None:
        self.db = db
        self.world = World()
        self.people: dict[str, Member] = {}
        self.count = 0

    def person(self, name: str, level: IdentityLevel = IdentityLevel.REGISTERED) -> Member:
        self.count += 1
        member = identity.register_local_account(
            self.db, email=f"matrix{self.count}@example.org", password=PASSWORD, display_name=name
        )
        member.identity_level = int(level)
        self.db.commit()
        return member

    def topic(
        self,
        key: str,
        who: Member,
        community: Community,
        title: str,
        body: str,
        publish_as: PublishAs = PublishAs.PSEUDONYM,
    ) -> Topic:
        topic = forum.start_topic(
            self.db,
            actor_of(self.db, who),
            community,
            title=f"About {canary(title)}",
            body=f"Opening words {canary(body)}",
            publish_as=publish_as,
            submission_token=f"topic-{key}",
            limits=LIMITS,
        )
        self.world.topics[key] = topic.id
        opening = self.db.scalars(select(Post).where(Post.topic_id == topic.id)).one()
        self.world.posts[key] = opening.id
        return topic

    def reply(
        self,
        key: str,
        who: Member,
        topic: Topic,
        body: str,
        publish_as: PublishAs = PublishAs.PSEUDONYM,
    ) -> Post:
        post = forum.reply(
            self.db,
            actor_of(self.db, who),
            topic,
            body=f"A reply {canary(body)}",
            publish_as=publish_as,
            submission_token=f"reply-{key}",
            limits=LIMITS,
        )
        self.world.posts[key] = post.id
        return post

    def measure(
        self,
        by: Member,
        measure: Measure,
        target: Target,
        rule: HouseRule,
        duration: dt.timedelta | None = None,
    ) -> None:
        # The statement of reasons is for the member concerned and the moderators only.
        grounds = Grounds(rule_id=rule.id, explanation=f"Because {canary('reasons')}")
        measures.take_measure(
            self.db, actor_of(self.db, by), measure, target, grounds, duration=duration
        )

    def article(
        self, key: str, community: Community, title: str, body: str, approver: Member | None
    ) -> int:
        editor = actor_of(self.db, self.people["editor"])
        source = Source("Gemeente, Loket", "https://www.example.org/loket", clock.now().date())
        item = workflow.create_article(
            self.db, editor, community, Content(canary(title), f"Text {canary(body)}", (source,))
        )
        if approver is not None:
            workflow.submit(self.db, editor, item)
            workflow.approve(
                self.db,
                actor_of(self.db, approver),
                item,
                clock.now() + dt.timedelta(days=60),
            )
        self.world.items[key] = item.id
        return item.id

    def event(self, key: str, community: Community, title: str) -> None:
        start = clock.now() + dt.timedelta(days=3)
        event = LocalEvent(
            community_id=community.id,
            uid=f"matrix-{key}@example.org",
            title=f"Open day {canary(title)}",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )
        self.db.add(event)
        self.db.commit()
        self.world.events[key] = event.id


def build(db: Session, secret_key: str) -> World:
    """The matrix's forum, made through the services; see the expectation table of
    tests/test_visibility_interfaces.py for where each canary sits and who may read it."""
    b = Builder(db)
    w = b.world
    confirmed = IdentityLevel.CONFIRMED
    for name, level in [
        ("nonmember", IdentityLevel.REGISTERED),
        ("pending", confirmed),
        ("member", confirmed),
        ("muted", confirmed),
        ("banned", confirmed),
        ("moderator", IdentityLevel.REGISTERED),
        ("editor", IdentityLevel.REGISTERED),
    ]:
        b.people[name] = b.person(name.title(), level)
    member, muted, banned = b.people["member"], b.people["muted"], b.people["banned"]
    moderator, editor = b.people["moderator"], b.people["editor"]
    admin = b.person("Beheer")
    admin.is_site_admin = True
    db.commit()
    # Posts only anonymously; both of the names are secrets.
    hidden_author = b.person(canary("anonname"))
    hidden_author.real_name = canary("anonreal")
    db.commit()

    plein = forum.create_community(db, slug="plein", name="Plein")
    kring = forum.create_community(
        db,
        slug="kring",
        name="Kring",
        visibility=Visibility.MEMBERS,
        join_policy=JoinPolicy.APPROVAL,
    )
    zorg = forum.create_community(db, slug="zorg", name="Zorg")
    forum.set_requirements(db, zorg, forum.Requirements(read_level=confirmed), set())
    for community in (plein, kring, zorg):
        for person in (member, muted, banned):
            add_member(db, community, person)
        add_member(db, community, moderator, Role.MODERATOR)
        add_member(db, community, editor, Role.EDITOR)
    add_member(db, plein, hidden_author)
    # Asked to join kring; no moderator has answered yet.
    pending = forum.join(db, actor_of(db, b.people["pending"]), kring)
    assert not pending.is_active
    house_rules = {
        community.slug: rules.add_rule(
            db,
            actor_of(db, moderator),
            community,
            rules.RuleText("Wees vriendelijk", "Be kind", "Niet schelden.", "No name-calling."),
        )
        for community in (plein, kring)
    }

    square = b.topic("plein", member, plein, "opentitle", "openbody")
    b.reply("reply", editor, square, "openreply")
    b.reply("anon", hidden_author, square, "anonbody", PublishAs.ANONYMOUS)
    b.topic("anontopic", hidden_author, plein, "anontitle", "anonopening", PublishAs.ANONYMOUS)
    hidden = b.reply("hidden", banned, square, "hidden")
    b.measure(moderator, Measure.HIDE_POST, Target(post=hidden), house_rules["plein"])
    deleted = b.reply("deleted", member, square, "deleted")
    forum.delete_post(db, actor_of(db, member), deleted)
    circle = b.topic("kring", member, kring, "closedtitle", "closedbody")
    b.reply("kringreply", muted, circle, "closedreply")
    b.topic("zorg", member, zorg, "vettedtitle", "vettedbody")

    b.measure(
        moderator,
        Measure.MUTE,
        Target(member=muted, community=kring),
        house_rules["kring"],
        dt.timedelta(days=7),
    )
    b.measure(admin, Measure.BAN, Target(member=banned, community=plein), house_rules["plein"])
    set_premoderation(db, actor_of(db, moderator), plein, Premoderation(hold_everything=True))
    b.reply("held", member, square, "held")
    b.topic("heldtopic", muted, plein, "heldtitle", "heldbody")

    b.article("pubinfo", plein, "pubinfotitle", "pubinfobody", approver=admin)
    item_id = b.article("info", kring, "infotitle", "infobody", approver=admin)
    # A new version waits for a second editor; the verified one stays on display.
    workflow.revise(
        db,
        actor_of(db, editor),
        workflow.get_item(db, item_id),
        Content(
            canary("inforevision"),
            f"Text {canary('inforevision')}",
            (Source("Gemeente, Loket", "https://www.example.org/loket", clock.now().date()),),
        ),
    )
    b.article("draft", kring, "drafttitle", "draftbody", approver=None)
    b.event("pubevent", plein, "pubevent")
    b.event("event", kring, "event")

    for name, person in b.people.items():
        w.sessions[name] = [person.id, session_stamp(person)]
        _token, secret = create_api_token(db, person, name="Matrix", scope=TokenScope.READ, days=30)
        w.api_tokens[name] = secret
        key = feed_secret(db, person, secret_key, create=True)
        assert key is not None
        w.feed_keys[name] = key
    w.feed_keys["anonymous"] = UNKNOWN_KEY
    return w
