"""What goes into one member's digest: what is new in what they follow, replies to them,
the outcomes of their reports and appeals, and what plugins add.

Only what the member may read *now*: queries are narrowed with the policy's own clause
for readable communities, and every item is asked of the policy again
(:func:`civicforum.policy.can_view_post`). Held, hidden and deleted posts and the
member's own never appear, nor any count: titles, a short plain excerpt and a link.

Called inside a request context at the site's address and in the member's language
(see :mod:`.sending`), so links are absolute and words translated.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Container, Iterable, Sequence
from typing import cast

from flask import url_for
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from .. import policy
from ..extension import state
from ..forum.models import Community, Post, Topic
from ..i18n import gettext as _
from ..identity.models import Member
from ..identity.providers import load_actor
from ..moderation.models import Appeal, AppealOutcome, Measure, Report, ReportStatus
from ..moderation.wording import measure_name
from ..pace.models import CommunityFollow, TopicFollow
from ..searchable import plain_text
from .sections import DigestItem, DigestSection

log = logging.getLogger(__name__)

#: Items a section shows; beyond them, "There is more on the forum" (never how many).
SHOWN = 10
#: Rows read to find them (a busy topic has many new posts, shown as one item).
READ = 200
EXCERPT = 160


def gather(
    db: Session, member: Member, since: dt.datetime, until: dt.datetime, *, open_warnings: bool
) -> list[DigestSection]:
    """The sections of ``member``'s digest for ``since`` ≤ moment < ``until`` (UTC), each
    with at most ``SHOWN + 1`` items (the one more tells the mail to say there is more);
    empty when nothing happened."""
    actor = load_actor(db, member)
    replies = _by_topic(actor, db.scalars(_replies_to(actor, member.id, since, until)))
    listed = {post.topic_id for post in replies}
    followed = _by_topic(
        actor, db.scalars(_in_followed_topics(actor, member.id, since, until)), skip=listed
    )
    sections = [
        DigestSection(_("Replies to you"), [_post_item(post, open_warnings) for post in replies]),
        DigestSection(
            _("New in topics you follow"), [_post_item(post, open_warnings) for post in followed]
        ),
        DigestSection(
            _("New topics in communities you follow"),
            _new_topics(db, actor, member.id, since, until, open_warnings),
        ),
        DigestSection(_("Your reports"), _reports(db, member.id, since, until)),
        DigestSection(_("Your appeals"), _appeals(db, member.id, since, until)),
        *_from_plugins(db, member, since, until),
    ]
    return [section for section in sections if section.items]


# -- posts and topics --------------------------------------------------------------------


def _new_posts(
    actor: policy.Actor, member_id: int, since: dt.datetime, until: dt.datetime
) -> Select[Post]:
    """Replies by others in the window, as everyone who may read their community sees
    them: not held, hidden or deleted, in a topic that is not held; newest first."""
    first = aliased(Post)
    opening = select(func.min(first.id)).where(first.topic_id == Post.topic_id).scalar_subquery()
    return (
        select(Post)
        .join(Topic, Post.topic_id == Topic.id)
        .join(Community, Topic.community_id == Community.id)
        .where(
            Post.created_at >= since,
            Post.created_at < until,
            Post.held.is_(False),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
            Topic.held.is_(False),
            or_(Post.author_id.is_(None), Post.author_id != member_id),
            Post.id != opening,
            policy.readable_communities_clause(actor),
        )
        .options(contains_eager(Post.topic).contains_eager(Topic.community))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(READ)
    )


def _replies_to(
    actor: policy.Actor, member_id: int, since: dt.datetime, until: dt.datetime
) -> Select[Post]:
    """New posts by others in topics the member started or wrote in."""
    theirs = aliased(Post)
    started = select(Topic.id).where(Topic.author_id == member_id)
    wrote_in = select(theirs.topic_id).where(
        theirs.author_id == member_id, theirs.deleted_at.is_(None)
    )
    return _new_posts(actor, member_id, since, until).where(
        or_(Post.topic_id.in_(started), Post.topic_id.in_(wrote_in))
    )


def _in_followed_topics(
    actor: policy.Actor, member_id: int, since: dt.datetime, until: dt.datetime
) -> Select[Post]:
    follows = select(TopicFollow.topic_id).where(TopicFollow.member_id == member_id)
    return _new_posts(actor, member_id, since, until).where(Post.topic_id.in_(follows))


def _by_topic(
    actor: policy.Actor, newest_first: Iterable[Post], skip: Container[int] = frozenset()
) -> list[Post]:
    """One post a topic, topics by their latest new post: the *first* new post, where the
    member would start reading. Only those the policy lets the member read."""
    first_new: dict[int, Post] = {}
    for post in newest_first:
        if post.topic_id not in skip:
            first_new[post.topic_id] = post  # later in this loop is earlier in time
    shown: list[Post] = []
    for post in first_new.values():  # dicts keep the order topics were first seen
        if policy.can_view_post(actor, post):
            shown.append(post)
            if len(shown) > SHOWN:
                break
    return shown


def _new_topics(
    db: Session,
    actor: policy.Actor,
    member_id: int,
    since: dt.datetime,
    until: dt.datetime,
    open_warnings: bool,
) -> list[DigestItem]:
    follows = select(CommunityFollow.community_id).where(CommunityFollow.member_id == member_id)
    topics = list(
        db.scalars(
            select(Topic)
            .join(Community, Topic.community_id == Community.id)
            .where(
                Topic.community_id.in_(follows),
                Topic.created_at >= since,
                Topic.created_at < until,
                Topic.held.is_(False),
                or_(Topic.author_id.is_(None), Topic.author_id != member_id),
                policy.readable_communities_clause(actor),
            )
            .options(contains_eager(Topic.community))
            .order_by(Topic.created_at.desc(), Topic.id.desc())
            .limit(READ)
        )
    )
    if not topics:
        return []
    openings: dict[int, Post] = {}
    for post in db.scalars(
        select(Post).where(Post.topic_id.in_([t.id for t in topics])).order_by(Post.id.desc())
    ):
        openings[post.topic_id] = post  # the last one seen is each topic's first
    items = []
    for topic in topics:
        opening = openings.get(topic.id)
        if (
            opening is None
            or opening.held
            or opening.is_hidden
            or opening.is_deleted
            or not policy.can_view_topic(actor, topic)
            or not policy.can_view_post(actor, opening)
        ):
            continue
        items.append(_post_item(opening, open_warnings, link=("civicforum.topic", topic.id)))
        if len(items) > SHOWN:
            break
    return items


def _post_item(post: Post, open_warnings: bool, link: tuple[str, int] | None = None) -> DigestItem:
    topic = post.topic
    if link is None:
        url = url_for("civicforum.post", post_id=post.id, _external=True)
    else:
        url = url_for(link[0], topic_id=link[1], _external=True)
    return DigestItem(topic.title, url, f"{topic.community.name}: {excerpt(post, open_warnings)}")


def excerpt(post: Post, open_warnings: bool) -> str:
    """A post's first words as plain text; only its warning label when it has one and the
    member keeps such posts folded."""
    labels = [label for label in (post.author_warning, post.content_warning) if label]
    if labels and not open_warnings:
        return " ".join(_("Content warning: %(label)s", label=label) for label in labels)
    return shorten(plain_text(post.body_html))


def shorten(text: str, limit: int = EXCERPT) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


# -- the member's reports and appeals ------------------------------------------------------


def _reports(
    db: Session, member_id: int, since: dt.datetime, until: dt.datetime
) -> list[DigestItem]:
    """Reports the member filed that a moderator handled in the window."""
    reports = db.scalars(
        select(Report)
        .where(
            Report.reporter_id == member_id,
            Report.status != ReportStatus.OPEN.value,
            Report.handled_at >= since,
            Report.handled_at < until,
        )
        .options(joinedload(Report.community))
        .order_by(Report.handled_at.desc(), Report.id.desc())
        .limit(SHOWN + 1)
    )
    url = url_for("civicforum.my_reports", _external=True)
    items = []
    for report in reports:
        if report.status == ReportStatus.ACTED and report.outcome_measure:
            outcome = _(
                "A moderator took a measure: %(measure)s.",
                measure=measure_name(Measure(report.outcome_measure)),
            )
        else:
            outcome = _("A moderator looked at it and found no measure was needed.")
        if report.outcome_note:
            outcome = f"{outcome} {shorten(report.outcome_note)}"
        items.append(
            DigestItem(
                _("Your report in %(community)s was handled.", community=report.community.name),
                url,
                outcome,
            )
        )
    return items


def _appeals(
    db: Session, member_id: int, since: dt.datetime, until: dt.datetime
) -> list[DigestItem]:
    """Appeals the member made that were decided in the window."""
    appeals = db.scalars(
        select(Appeal)
        .where(
            Appeal.appellant_id == member_id,
            Appeal.decided_at >= since,
            Appeal.decided_at < until,
        )
        .order_by(Appeal.decided_at.desc(), Appeal.id.desc())
        .limit(SHOWN + 1)
    )
    items = []
    for appeal in appeals:
        text = (
            _("Your appeal was decided: the decision was reversed.")
            if appeal.outcome == AppealOutcome.REVERSED
            else _("Your appeal was decided: the decision stands.")
        )
        url = url_for("civicforum.decision", decision_id=appeal.decision_id, _external=True)
        items.append(DigestItem(text, url, shorten(appeal.reasons or "")))
    return items


# -- plugins -------------------------------------------------------------------------------


def _from_plugins(
    db: Session, member: Member, since: dt.datetime, until: dt.datetime
) -> list[DigestSection]:
    """What plugins add (``civicforum_digest_sections``). A plugin that fails is logged
    and left out; the rest of the digest still goes, as with domain events."""
    sections: list[DigestSection] = []
    hook = state().plugins.manager.hook.civicforum_digest_sections
    for implementation in hook.get_hookimpls():
        try:
            found = cast(
                Sequence[DigestSection] | None,
                implementation.function(db=db, member=member, since=since, until=until),
            )
        except Exception:
            plugin = implementation.plugin
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            log.exception("plugin %s failed to add to a digest", name)
            continue
        for section in list(found or ()):
            if isinstance(section, DigestSection) and section.items:
                sections.append(section)
    return sections
