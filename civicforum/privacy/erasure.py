"""Erasing a member (GDPR Article 17), by their own request or a site administrator's
command, in one transaction: everything goes or nothing does.

- **Their personal data** goes: the member, their account, linked sign-ins and
  attributes, preferences, follows, memberships, digest log, messages from the
  moderators, API tokens and feed key, copies of their data (and the files), and what
  plugins keep (the ``civicforum_member_erasing`` hook: the events plugin removes their
  answers and gives freed places to the waiting list).
- **Their posts** are deleted or kept, as they choose. Kept posts stay where they are,
  shown as by a "former member". Deleted posts keep their place in a thread as "deleted",
  without text or author; a topic of theirs that nobody else wrote in goes entirely, one
  others replied to stays under a neutral title. An editor's verdict on a deleted post
  goes with it (it may quote the post).
- **Moderation records** stay, without personal data, as the DSA wants them kept:
  decisions about them keep measure, ground, rule, dates and the Transparency Database's
  codes, but the moderators' explanation and facts (which may quote them) are replaced by
  :data:`~civicforum.moderation.models.REDACTED`; their appeals' statements and the answers
  too. Reports they made stay for the record without their account, e-mail address or
  words. In reports about them, their names are replaced.
- **Trusted information** they wrote as an editor stays (it is the institution's),
  under "a former editor"; the questions they asked editors lose their words, also where
  the item's history repeats them.
- **Search** hears of every post deleted or changed, so the index forgets them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import has_request_context
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from .. import clock, policy
from ..curation.models import ItemDispute, ItemTransition, VerifiedItem
from ..curation.workflow import Action
from ..digests.models import DigestLog
from ..errors import NotAllowed, NotFound, ServiceError
from ..events import InformationChanged, PostDeleted, PostEdited, record
from ..extension import state
from ..forum.models import Membership, Post, PostRevision, Topic
from ..i18n import gettext as _
from ..i18n import in_language
from ..identity import services as identity_services
from ..identity.models import Member
from ..moderation.models import REDACTED, Appeal, Decision, ModerationMessage, Report
from ..pace.models import CommunityFollow, Preferences, TopicFollow
from ..tokens.models import PersonalToken
from .export import delete_files, lock_member
from .models import DataExport

#: What replaces the member's names where others wrote them.
FORMER_MEMBER = "[former member / voormalig lid]"


class WrongPassword(ServiceError):
    status_code = 422


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure did, for the page and the command line."""

    posts_deleted: int
    posts_kept: int
    topics_deleted: int
    topics_renamed: int
    reports_made: int
    decisions: int
    appeals: int
    exports: int


@dataclass(frozen=True)
class ErasurePreview:
    """What the member has, for the page that says what erasing does."""

    posts: int
    topics: int
    reports: int
    decisions: int


def preview(db: Session, member: Member) -> ErasurePreview:
    def count(column: Any, *where: Any) -> int:
        return db.scalar(select(func.count(column)).where(*where)) or 0

    return ErasurePreview(
        posts=count(Post.id, Post.author_id == member.id, Post.deleted_at.is_(None)),
        topics=count(Topic.id, Topic.author_id == member.id),
        reports=count(Report.id, Report.reporter_id == member.id),
        decisions=count(Decision.id, Decision.member_id == member.id),
    )


@contextlib.contextmanager
def _site_language() -> Iterator[None]:
    """Words stored for everyone (a neutral topic title) in the site's own language."""
    if has_request_context():
        with in_language(state().settings.default_language):
            yield
    else:
        yield


def _names(db: Session, member: Member) -> list[str]:
    """How others may have written the member's name: shown name, real name, addresses."""
    names = [member.display_name, member.real_name]
    if member.local_account is not None:
        names.append(member.local_account.email)
    prefs = db.get(Preferences, member.id)
    if prefs is not None:
        names.append(prefs.email)
    return sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)


def scrub(text: str | None, names: list[str]) -> str | None:
    """``text`` with each of ``names`` (as a whole word, any case) replaced."""
    if not text or not names:
        return text
    # One pass, longest names first, so a replacement is never replaced again.
    either = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{either})(?!\w)", FORMER_MEMBER, text, flags=re.IGNORECASE)


def _keep_posts(db: Session, posts: list[Post]) -> None:
    for post in posts:
        # Indexed again, now without the author's name.
        record(db, PostEdited(post.id, post.topic_id, post.topic.community_id))


def _delete_posts(db: Session, member_id: int, posts: list[Post]) -> tuple[int, int, int]:
    """Their topics that only they wrote in go; the others get a neutral title; their
    posts elsewhere lose text, warnings and earlier versions but keep their place."""
    topics_deleted = topics_renamed = 0
    gone_topics: set[int] = set()
    for topic in db.scalars(select(Topic).where(Topic.author_id == member_id)).all():
        others = db.scalar(
            select(func.count(Post.id)).where(
                Post.topic_id == topic.id,
                or_(Post.author_id.is_(None), Post.author_id != member_id),
            )
        )
        if others:
            with _site_language():
                topic.title = _("Topic of a former member")
            topics_renamed += 1
            others_posts = select(Post.id).where(
                Post.topic_id == topic.id,
                or_(Post.author_id.is_(None), Post.author_id != member_id),
            )
            for post_id in db.scalars(others_posts):
                record(db, PostEdited(post_id, topic.id, topic.community_id))
        else:
            for post_id in db.scalars(select(Post.id).where(Post.topic_id == topic.id)):
                record(db, PostDeleted(post_id, topic.id, topic.community_id))
            gone_topics.add(topic.id)
            topics_deleted += 1
    moment = clock.now()
    kept = [post for post in posts if post.topic_id not in gone_topics]
    for post in kept:
        post.body = post.body_html = ""
        post.author_warning = post.content_warning = post.submission_token = None
        post.deleted_at = post.deleted_at or moment
        post.deleted_by_id = None
        record(db, PostDeleted(post.id, post.topic_id, post.topic.community_id))
    db.flush()
    # An editor's verdict on a post that is gone has nothing left to judge, and its
    # wording may quote the post: it goes too (and out of the search index).
    judged = db.scalars(
        select(VerifiedItem).where(
            or_(
                VerifiedItem.post_id.in_([p.id for p in posts]),
                VerifiedItem.post_id.in_(select(Post.id).where(Post.topic_id.in_(gone_topics))),
            )
        )
    ).all()
    for item in judged:
        record(db, InformationChanged(item.id, item.community_id, Action.WITHDRAW.value))
    if judged:
        db.execute(delete(VerifiedItem).where(VerifiedItem.id.in_([i.id for i in judged])))
    if kept:
        db.execute(delete(PostRevision).where(PostRevision.post_id.in_([p.id for p in kept])))
    if gone_topics:
        db.execute(delete(Topic).where(Topic.id.in_(gone_topics)))
    return len(posts), topics_deleted, topics_renamed


def _moderation(db: Session, member_id: int, names: list[str]) -> tuple[int, int, int]:
    made = db.scalars(select(Report).where(Report.reporter_id == member_id)).all()
    for report in made:
        report.reporter_id = None
        report.reporter_email = None
        report.explanation = REDACTED
        report.location = ""
    about = db.scalars(select(Report).where(Report.member_id == member_id)).all()
    for report in about:
        report.explanation = scrub(report.explanation, names) or ""
        report.location = scrub(report.location, names) or ""
        report.outcome_note = scrub(report.outcome_note, names)
    decisions = db.scalars(select(Decision).where(Decision.member_id == member_id)).all()
    for decision in decisions:
        decision.explanation = REDACTED
        if decision.facts:
            decision.facts = REDACTED
    appeals = db.scalars(
        select(Appeal).where(
            or_(
                Appeal.appellant_id == member_id,
                Appeal.decision_id.in_(select(Decision.id).where(Decision.member_id == member_id)),
            )
        )
    ).all()
    for appeal in appeals:
        appeal.appellant_id = None
        appeal.statement = REDACTED
        if appeal.reasons:
            appeal.reasons = REDACTED
    for question in db.scalars(select(ItemDispute).where(ItemDispute.member_id == member_id)):
        question.member_id = None
        question.question = REDACTED
        question.resolution = scrub(question.resolution, names)
    # A question is also written into the item's history, as the note of its step.
    asked = select(ItemTransition).where(
        ItemTransition.actor_id == member_id, ItemTransition.action == Action.DISPUTE.value
    )
    for step in db.scalars(asked):
        step.note = REDACTED
    return len(made), len(decisions), len(appeals)


def erase_member(db: Session, member: Member, *, keep_posts: bool, folder: Path) -> ErasureSummary:
    """Erase ``member`` and everything personal about them (see the module's
    documentation); the ZIP files of their exports in ``folder`` go after the commit.

    :raises NotFound: when the member is gone already.
    """
    member_id = member.id
    try:
        if not lock_member(db, member_id):
            raise NotFound(_("This account does not exist any more."))
        member = db.get(Member, member_id, populate_existing=True) or member
        names = _names(db, member)
        state().plugins.manager.hook.civicforum_member_erasing(db=db, member=member)
        posts = list(db.scalars(select(Post).where(Post.author_id == member_id).order_by(Post.id)))
        if keep_posts:
            _keep_posts(db, posts)
            deleted, topics_deleted, topics_renamed = 0, 0, 0
        else:
            deleted, topics_deleted, topics_renamed = _delete_posts(db, member_id, posts)
        reports, decisions, appeals = _moderation(db, member_id, names)
        tokens = list(db.scalars(select(DataExport.token).where(DataExport.member_id == member_id)))
        db.flush()
        for table in (DataExport, DigestLog, ModerationMessage, Membership, PersonalToken):
            db.execute(delete(table).where(table.member_id == member_id))
        for follow in (CommunityFollow, TopicFollow):
            db.execute(delete(follow).where(follow.member_id == member_id))
        # The member's row last: the database sets what still points at it to nothing
        # and removes what belongs to it (account, sign-ins, attributes, preferences).
        db.expunge(member)
        db.execute(delete(Member).where(Member.id == member_id))
        db.commit()
    except Exception:
        db.rollback()
        raise
    db.expire_all()
    files = delete_files(folder, tokens)
    return ErasureSummary(
        posts_deleted=deleted,
        posts_kept=len(posts) if keep_posts else 0,
        topics_deleted=topics_deleted,
        topics_renamed=topics_renamed,
        reports_made=reports,
        decisions=decisions,
        appeals=appeals,
        exports=max(files, len(tokens)),
    )


def erase_own_account(
    db: Session,
    actor: policy.Actor,
    *,
    password: str,
    signed_in_at: dt.datetime | None,
    keep_posts: bool,
    folder: Path,
) -> ErasureSummary:
    """A member erases their own account, after showing it is them: their password for a
    member with one, else a sign-in of the last few minutes.

    :raises NotAllowed: for anyone else, or without a recent sign-in (remedy
        ``"sign_in_again"``).
    :raises WrongPassword: for a wrong password; nothing is changed.
    """
    verdict = policy.can_erase_own_account(actor, signed_in_at, clock.now())
    member = actor.member
    if not verdict or member is None:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
    account = member.local_account
    if account is not None:
        found = identity_services.authenticate(db, account.email, password)
        if found is None or found.id != member.id:
            raise WrongPassword(_("That is not your password. Nothing was deleted."), "password")
    return erase_member(db, member, keep_posts=keep_posts, folder=folder)
