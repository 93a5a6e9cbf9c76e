"""Writes in communities: joining, topics, replies, edits, deletions.

Every function takes a database session and an :class:`~civicforum.policy.Actor`, asks
the policy module first, validates, writes and commits; on any refusal it raises
:class:`~civicforum.errors.ServiceError` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import policy
from ..clock import now
from ..db import UTCDateTime
from ..errors import NotAllowed, NotFound, ServiceError
from ..events import (
    MemberJoined,
    PostDeleted,
    PostEdited,
    PostHeld,
    PostPublished,
    TopicCreated,
    record,
)
from ..i18n import gettext as _
from ..identity.models import IdentityLevel, Member, PublishAs
from ..markup import render_markdown
from ..moderation.standing import standing as moderation_standing
from ..settings import LANGUAGES
from .models import (
    NAME_MAX,
    SLUG_MAX,
    WARNING_MAX,
    Community,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Post,
    PostRevision,
    Role,
    Topic,
    Visibility,
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Characters no text field should carry: NUL (PostgreSQL refuses it) and other C0 controls
# except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Limits:
    max_title_length: int
    max_post_length: int


def clean_warning(label: str | None) -> str | None:
    """An author's content-warning label: one short line, or None for no warning."""
    label = " ".join(_CONTROL.sub("", label or "").split())
    if not label:
        return None
    if len(label) > WARNING_MAX:
        raise ServiceError(
            _(
                "A warning label can be at most %(max)d characters; this one has %(n)d.",
                max=WARNING_MAX,
                n=len(label),
            ),
            "warning",
        )
    return label


def _require(verdict: policy.Verdict) -> None:
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)


def clean_body(body: str, limits: Limits) -> str:
    body = _CONTROL.sub("", body.replace("\r\n", "\n")).strip()
    if not body:
        raise ServiceError(_("Write something before you post."), "body")
    if len(body) > limits.max_post_length:
        raise ServiceError(
            _(
                "A post can be at most %(max)d characters; this one has %(n)d.",
                max=limits.max_post_length,
                n=len(body),
            ),
            "body",
        )
    return body


def clean_title(title: str, limits: Limits) -> str:
    title = " ".join(_CONTROL.sub("", title).split())
    if len(title) < 3:
        raise ServiceError(_("A title needs at least 3 characters."), "title")
    if len(title) > limits.max_title_length:
        raise ServiceError(
            _("A title can be at most %(max)d characters.", max=limits.max_title_length), "title"
        )
    return title


def _publish_as(member: Member, choice: str) -> str:
    if choice not in {p.value for p in PublishAs}:
        raise ServiceError(_("Choose how your post is signed."), "publish_as")
    if choice == PublishAs.VERIFIED and member.level < IdentityLevel.VERIFIED:
        raise ServiceError(
            _("Only members with a verified identity can post as “verified member”."), "publish_as"
        )
    if choice == PublishAs.REAL_NAME and not member.real_name:
        raise ServiceError(
            _("Set a real name in your settings first to publish under it."), "publish_as"
        )
    return choice


# -- communities and memberships ---------------------------------------------------------


def create_community(
    db: Session,
    *,
    slug: str,
    name: str,
    description: str = "",
    house_rules: str = "",
    visibility: Visibility = Visibility.PUBLIC,
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    min_post_level: IdentityLevel = IdentityLevel.REGISTERED,
    language: str | None = None,
) -> Community:
    """Create a community (site administration: CLI, demo data, admin pages).

    :param language: what people write in there (``"nl"``, ``"en"``); None for the
        forum's default language.
    """
    if language is not None and language not in LANGUAGES:
        raise ServiceError(_("Choose one of the offered languages."), "language")
    if not _SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise ServiceError(_("A short name uses lower-case letters, digits and hyphens."), "slug")
    name = " ".join(name.split())
    if not 2 <= len(name) <= NAME_MAX:
        raise ServiceError(
            _("A name needs %(low)d to %(high)d characters.", low=2, high=NAME_MAX), "name"
        )
    if db.scalar(select(Community.id).where(Community.slug == slug)):
        raise ServiceError(_("A community with this short name exists already."), "slug")
    community = Community(
        slug=slug,
        name=name,
        description=description,
        description_html=render_markdown(description),
        house_rules=house_rules,
        house_rules_html=render_markdown(house_rules),
        visibility=visibility.value,
        join_policy=join_policy.value,
        min_post_level=int(min_post_level),
        language=language,
    )
    db.add(community)
    db.commit()
    return community


@dataclass(frozen=True)
class Requirements:
    """What a community asks of readers and posters beyond membership."""

    read_level: IdentityLevel | None = None
    read_attribute: str | None = None
    post_level: IdentityLevel = IdentityLevel.REGISTERED
    post_attribute: str | None = None


def set_requirements(
    db: Session, community: Community, requirements: Requirements, known_attributes: set[str]
) -> None:
    """Set the identity level and attributes a community asks for (site administration).

    :param known_attributes: the attributes some configured provider can vouch for; a
        requirement nobody could ever meet is refused.
    :raises ServiceError: for an attribute no provider grants.
    """
    for attribute in (requirements.read_attribute, requirements.post_attribute):
        if attribute is not None and attribute not in known_attributes:
            raise ServiceError(
                _(
                    "No identity provider of this forum vouches for “%(attribute)s”.",
                    attribute=attribute,
                )
            )
    community.min_read_level = int(requirements.read_level) if requirements.read_level else None
    community.read_attribute = requirements.read_attribute
    community.min_post_level = int(requirements.post_level)
    community.post_attribute = requirements.post_attribute
    db.commit()


def join(db: Session, actor: policy.Actor, community: Community) -> Membership:
    """Join a community: at once when it is open, as a pending request when it needs approval."""
    _require(policy.can_join(actor, community))
    assert actor.member is not None
    status = MembershipStatus.PENDING if community.needs_approval else MembershipStatus.ACTIVE
    membership = Membership(
        community_id=community.id,
        member_id=actor.member.id,
        role=Role.MEMBER.value,
        status=status.value,
    )
    db.add(membership)
    try:
        db.flush()
        record(db, MemberJoined(community.id, actor.member.id, pending=not membership.is_active))
        db.commit()
    except IntegrityError:
        # Joined twice at once (double click): the first one stands.
        db.rollback()
        found = db.scalar(
            select(Membership).where(
                Membership.community_id == community.id, Membership.member_id == actor.member.id
            )
        )
        if found is None:
            raise
        return found
    return membership


def leave(db: Session, actor: policy.Actor, community: Community) -> None:
    _require(policy.can_leave(actor, community))
    membership = actor.membership(community)
    assert membership is not None
    db.delete(db.merge(membership))
    db.commit()


def answer_request(
    db: Session, actor: policy.Actor, membership: Membership, *, accept: bool
) -> None:
    """A moderator accepts or declines a pending request to join."""
    _require(policy.can_manage_members(actor, membership.community))
    if membership.is_active:
        raise ServiceError(_("This person is already a member."))
    if accept:
        membership.status = MembershipStatus.ACTIVE.value
    else:
        db.delete(membership)
    db.commit()


def set_role(db: Session, community: Community, member: Member, role: Role) -> Membership:
    """Give a member a role in a community, making them an active member (administration)."""
    membership = db.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.member_id == member.id
        )
    )
    if membership is None:
        membership = Membership(community_id=community.id, member_id=member.id)
        db.add(membership)
    membership.role = role.value
    membership.status = MembershipStatus.ACTIVE.value
    db.commit()
    return membership


# -- topics and posts --------------------------------------------------------------------


def sent_before(db: Session, author: Member, token: str) -> Post | None:
    """The post ``author`` already sent with this form's ``token`` (a double click, the
    browser's "send again"), if any."""
    if not token:
        return None
    return db.scalar(
        select(Post).where(Post.author_id == author.id, Post.submission_token == token)
    )


def start_topic(
    db: Session,
    actor: policy.Actor,
    community: Community,
    *,
    title: str,
    body: str,
    publish_as: str,
    submission_token: str,
    limits: Limits,
    warning: str | None = None,
) -> Topic:
    """Start a topic with its opening post; a resubmitted form returns the first topic.

    :param warning: the author's own content-warning label for the opening post.
    """
    _require(policy.can_start_topic(actor, community))
    assert actor.member is not None
    earlier = sent_before(db, actor.member, submission_token)
    if earlier is not None:
        return earlier.topic
    try:
        topic = add_topic(
            db,
            actor,
            community,
            title=title,
            body=body,
            publish_as=publish_as,
            submission_token=submission_token,
            limits=limits,
            warning=warning,
        )
        db.commit()
    except IntegrityError:
        db.rollback()
        earlier = sent_before(db, actor.member, submission_token)
        if earlier is None:
            raise
        return earlier.topic
    return topic


def add_topic(
    db: Session,
    actor: policy.Actor,
    community: Community,
    *,
    title: str,
    body: str,
    publish_as: str,
    submission_token: str,
    limits: Limits,
    warning: str | None = None,
) -> Topic:
    """A topic with its opening post, flushed but not committed: for work that makes a
    topic as part of something larger (an event and its discussion), in one transaction.

    A member under a measure (mute, suspension, ban, slow mode) is refused; in a
    pre-moderated community the topic is held until a moderator approves it, and is
    announced to plugins only then.
    """
    _require(policy.can_start_topic(actor, community))
    assert actor.member is not None
    here = moderation_standing(db, actor, community)
    _require(policy.can_start_topic(actor, community, here))
    held = policy.needs_approval(actor, community, here)
    title = clean_title(title, limits)
    body = clean_body(body, limits)
    author_warning = clean_warning(warning)
    shown_as = _publish_as(actor.member, publish_as)
    moment = now()
    topic = Topic(
        community_id=community.id,
        author_id=actor.member.id,
        title=title,
        publish_as=shown_as,
        created_at=moment,
        last_posted_at=moment,
        post_count=1,
        held=held,
    )
    post = Post(
        topic=topic,
        author_id=actor.member.id,
        body=body,
        body_html=render_markdown(body),
        publish_as=shown_as,
        submission_token=submission_token,
        created_at=moment,
        held=held,
        author_warning=author_warning,
    )
    db.add_all([topic, post])
    db.flush()
    if not held:
        record(db, TopicCreated(topic.id, community.id, actor.member.id))
        record(db, PostPublished(post.id, topic.id, community.id, actor.member.id))
    else:
        record(db, PostHeld(post.id, topic.id, community.id))
    return topic


def last_activity_at_least(moment: dt.datetime) -> ColumnElement[dt.datetime]:
    """A topic's last activity, moved forward to ``moment`` in the database's own UPDATE.

    Two posts published at once may commit in the other order than their moments were
    taken: read-then-write would let the later commit move it backwards.
    """
    latest = literal(moment, UTCDateTime())
    return case((Topic.last_posted_at < latest, latest), else_=Topic.last_posted_at)


def reply(
    db: Session,
    actor: policy.Actor,
    topic: Topic,
    *,
    body: str,
    publish_as: str,
    submission_token: str,
    limits: Limits,
    warning: str | None = None,
) -> Post:
    """Add a reply; the same form submitted twice yields one post.

    A member under a measure (mute, suspension, ban, slow mode) is refused, saying until
    when; in a pre-moderated community the reply is held until a moderator approves it,
    and counts and is announced to plugins only then.
    """
    _require(policy.can_reply(actor, topic))
    _require(policy.can_view_topic(actor, topic))
    assert actor.member is not None
    earlier = sent_before(db, actor.member, submission_token)
    if earlier is not None:
        return earlier
    here = moderation_standing(db, actor, topic.community, topic)
    _require(policy.can_reply(actor, topic, here))
    held = policy.needs_approval(actor, topic.community, here)
    body = clean_body(body, limits)
    author_warning = clean_warning(warning)
    moment = now()
    post = Post(
        topic_id=topic.id,
        author_warning=author_warning,
        author_id=actor.member.id,
        body=body,
        body_html=render_markdown(body),
        publish_as=_publish_as(actor.member, publish_as),
        submission_token=submission_token,
        created_at=moment,
        held=held,
    )
    db.add(post)
    if not held:
        topic.post_count = Topic.post_count + 1
        topic.last_posted_at = last_activity_at_least(moment)
    try:
        db.flush()
        if not held:
            record(db, PostPublished(post.id, topic.id, topic.community_id, actor.member.id))
        else:
            record(db, PostHeld(post.id, topic.id, topic.community_id))
        db.commit()
    except IntegrityError:
        db.rollback()
        earlier = sent_before(db, actor.member, submission_token)
        if earlier is None:
            raise
        return earlier
    db.refresh(topic)
    return post


def edit_post(
    db: Session,
    actor: policy.Actor,
    post: Post,
    *,
    body: str,
    limits: Limits,
    warning: str | None = None,
) -> Post:
    """Replace a post's text and its author's warning label, keeping the earlier text as
    a revision; refused while the author is muted, suspended or banned.

    :param warning: the new label, or None/"" for none (only the author sets their own;
        a moderator's label is a measure, changed through moderation).
    """
    here = moderation_standing(db, actor, post.topic.community, post.topic)
    _require(policy.can_edit_post(actor, post, here))
    body = clean_body(body, limits)
    author_warning = clean_warning(warning)
    if post.author_id == actor.member_id and author_warning != post.author_warning:
        post.author_warning = author_warning
        if body == post.body:
            db.commit()
            return post
    if body == post.body:
        return post
    db.add(
        PostRevision(
            post_id=post.id,
            body=post.body,
            body_html=post.body_html,
            written_at=post.edited_at or post.created_at,
            replaced_by_id=actor.member_id,
        )
    )
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = now()
    record(db, PostEdited(post.id, post.topic_id, post.topic.community_id))
    db.commit()
    return post


def delete_post(db: Session, actor: policy.Actor, post: Post) -> None:
    """Soft-delete a post: its place in the topic stays, its text is no longer shown."""
    _require(policy.can_delete_post(actor, post))
    post.deleted_at = now()
    post.deleted_by_id = actor.member_id
    record(db, PostDeleted(post.id, post.topic_id, post.topic.community_id))
    db.commit()


def get_community(db: Session, slug: str) -> Community:
    # A slug is short and has no NUL (which PostgreSQL refuses in any text): anything
    # else names no community, and is not worth a query.
    if len(slug) > SLUG_MAX or "\x00" in slug:
        raise NotFound(_("There is no such community."))
    community = db.scalar(select(Community).where(Community.slug == slug))
    if community is None:
        raise NotFound(_("There is no such community."))
    return community
