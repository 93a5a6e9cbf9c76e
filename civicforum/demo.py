"""Dutch demo content for trying the forum: the fictional "Bibliotheek Voorbeeldstad".

Three communities -- the open *Leesclub*, the public *Digitale hulp* and the members-only
*Mantelzorgers*, which asks a moderator to approve each request to join -- with topics,
replies, a moderator, an editor and a handful of members. Everything is written through
the forum's services, exactly as the pages would write it.

Every demo account signs in with the password :data:`DEMO_PASSWORD`. The content is for
trying the forum out; never load it into a site the public uses.

Running it again adds nothing twice: communities and accounts that exist are kept, and
each demo post carries a fixed submission token, which the services recognise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import now
from .demo_content import (
    COMMUNITIES,
    DEMO_PASSWORD,
    EDITS,
    EMAIL_DOMAIN,
    PACES,
    PEOPLE,
    TOPICS,
    DemoCommunity,
    DemoPerson,
    DemoTopic,
    demo_token,
)
from .demo_curation import load_curation_demo
from .demo_moderation import MODERATED_TOPICS, load_moderation_demo
from .forum import services as forum
from .forum.models import Community, Membership, Post, Role, Topic
from .identity import services as identity
from .identity.models import Member, PublishAs
from .identity.providers import load_actor
from .moderation import rules, signposting
from .pace import services as pace
from .pace.models import Preferences

#: Every demo topic, oldest first (the moderated conversation is the most recent).
ALL_TOPICS = (*TOPICS, *MODERATED_TOPICS)

__all__ = ["DEMO_PASSWORD", "EMAIL_DOMAIN", "PEOPLE", "DemoResult", "load_demo_data"]


@dataclass(frozen=True)
class DemoResult:
    """What a run wrote, and the accounts anyone may sign in with."""

    communities_added: int
    members_added: int
    posts_added: int
    people: tuple[DemoPerson, ...]

    @property
    def added_anything(self) -> bool:
        return bool(self.communities_added or self.members_added or self.posts_added)


def load_demo_data(
    db: Session,
    *,
    limits: forum.Limits | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Write the demo communities, accounts, topics and replies; skip what exists.

    :param db: a session on the forum's database, whose tables exist.
    :param limits: title and post lengths; default: the current app's settings.
    :param on_step: called with a line of progress for each step.
    :raises civicforum.errors.ServiceError: when a service refuses a write, for example
        because a demo display name is already taken by someone else.
    """
    if limits is None:
        from .extension import state

        settings = state().settings
        limits = forum.Limits(settings.max_title_length, settings.max_post_length)
    report = on_step or (lambda line: None)
    before = _counts(db)

    report(f"Accounts ({len(PEOPLE)})")
    members = {person.key: _account(db, person) for person in PEOPLE}

    communities: dict[str, Community] = {}
    for spec in COMMUNITIES:
        report(f"Community {spec.name!r} with its members")
        communities[spec.slug] = _community(db, spec, members)

    for topic_spec in ALL_TOPICS:
        report(f"Topic {topic_spec.title!r} ({len(topic_spec.posts)} posts)")
        _topic(db, topic_spec, communities[topic_spec.community], members, limits)

    report("House rules, help resources and moderation")
    for spec in COMMUNITIES:
        _rules_and_help(db, spec, communities[spec.slug], members)
    load_moderation_demo(db, communities, members)
    report("Reliable information checked by the editors")
    load_curation_demo(db, communities, members)
    report("How some people chose to be reached")
    _paces(db, communities, members)

    after = _counts(db)
    return DemoResult(
        communities_added=after[0] - before[0],
        members_added=after[1] - before[1],
        posts_added=after[2] - before[2],
        people=PEOPLE,
    )


def _paces(db: Session, communities: dict[str, Community], members: dict[str, Member]) -> None:
    """Digests and follows of a few demo people; chosen once, left alone after."""
    for key, digest, follows in PACES:
        member = members[key]
        if db.get(Preferences, member.id) is not None:
            continue
        pace.answer_digest_question(db, member, digest)
        for slug in follows:
            pace.follow_community(db, member, communities[slug])


def _counts(db: Session) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count(Community.id))) or 0,
        db.scalar(select(func.count(Member.id))) or 0,
        db.scalar(select(func.count(Post.id))) or 0,
    )


def _account(db: Session, person: DemoPerson) -> Member:
    account = identity.find_account(db, person.email)
    if account is not None:
        return account.member
    member = identity.register_local_account(
        db, email=person.email, password=DEMO_PASSWORD, display_name=person.display_name
    )
    # The demo people joined long ago: they are not held to a new member's limits.
    member.created_at = now() - dt.timedelta(days=400)
    db.commit()
    return member


def _community(db: Session, spec: DemoCommunity, members: dict[str, Member]) -> Community:
    existing = db.scalar(select(Community).where(Community.slug == spec.slug))
    community = existing or forum.create_community(
        db,
        slug=spec.slug,
        name=spec.name,
        description=spec.description,
        visibility=spec.visibility,
        join_policy=spec.join_policy,
    )
    for key in spec.moderators:
        forum.set_role(db, community, members[key], Role.MODERATOR)
    for key in spec.editors:
        forum.set_role(db, community, members[key], Role.EDITOR)
    moderator = load_actor(db, members[spec.moderators[0]]) if spec.moderators else None
    for key in (*spec.members, *spec.waiting):
        actor = load_actor(db, members[key])
        membership: Membership | None = actor.membership(community)
        if membership is None:
            membership = forum.join(db, actor, community)
        if not membership.is_active and key in spec.members:
            assert moderator is not None, f"{spec.slug} needs a moderator to let members in"
            forum.answer_request(db, moderator, membership, accept=True)
    return community


def _rules_and_help(
    db: Session, spec: DemoCommunity, community: Community, members: dict[str, Member]
) -> None:
    """The community's house rules and help resources, unless it has some already."""
    moderator = load_actor(db, members[spec.moderators[0]])
    if not rules.community_rules(db, community):
        for rule in spec.rules:
            wording = rules.RuleText(
                rule.title_nl, rule.title_en, rule.explanation_nl, rule.explanation_en
            )
            rules.add_rule(db, moderator, community, wording)
    if not signposting.help_resources(db, community):
        for found in spec.help:
            resource = signposting.Resource(found.name, found.phone, found.url, found.opening_hours)
            signposting.add_help_resource(db, moderator, community, resource)


def _topic(
    db: Session,
    spec: DemoTopic,
    community: Community,
    members: dict[str, Member],
    limits: forum.Limits,
) -> None:
    # The services return the earlier topic or post for a token they have seen, which
    # is what makes a second run add nothing.
    (opener, opening), *replies = spec.posts
    topic = forum.start_topic(
        db,
        load_actor(db, members[opener]),
        community,
        title=spec.title,
        body=opening,
        publish_as=_publish_as(spec, 0),
        submission_token=_token(spec, 0),
        limits=limits,
        warning=dict(spec.warnings).get(0),
    )
    replies_at: dict[int, Post] = {}
    for position, (author, body) in enumerate(replies, start=1):
        replies_at[position] = forum.reply(
            db,
            load_actor(db, members[author]),
            topic,
            body=body,
            publish_as=_publish_as(spec, position),
            submission_token=_token(spec, position),
            limits=limits,
            warning=dict(spec.warnings).get(position),
        )
    _spread_over_past_days(db, spec, topic, [p for p in replies_at.values()])
    for topic_key, position, new_body in EDITS:
        if topic_key != spec.key:
            continue
        editor = load_actor(db, members[spec.posts[position][0]])
        forum.edit_post(db, editor, replies_at[position], body=new_body, limits=limits)


def _spread_over_past_days(db: Session, spec: DemoTopic, topic: Topic, replies: list[Post]) -> None:
    """Give a freshly written demo topic a believable past: it started some days ago and
    its replies came in over the hours after. A second run finds it dated and leaves it."""
    opening = db.scalar(select(Post).where(Post.topic_id == topic.id).order_by(Post.id).limit(1))
    if opening is None or opening.created_at < now() - dt.timedelta(hours=1):
        return
    order = [t.key for t in ALL_TOPICS].index(spec.key)
    days_ago = 2 + 3 * (len(ALL_TOPICS) - order)
    moment = (now() - dt.timedelta(days=days_ago)).replace(
        hour=9 + order % 8, minute=0, second=0, microsecond=0
    )
    topic.created_at = opening.created_at = moment
    for reply in replies:
        moment += dt.timedelta(hours=2, minutes=17)
        reply.created_at = moment
    topic.last_posted_at = moment
    db.commit()


def _publish_as(spec: DemoTopic, position: int) -> str:
    return (PublishAs.ANONYMOUS if position in spec.anonymous else PublishAs.PSEUDONYM).value


def _token(spec: DemoTopic, position: int) -> str:
    return demo_token(spec.key, position)
