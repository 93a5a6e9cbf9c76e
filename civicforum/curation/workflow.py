"""The editors' workflow as a state machine: every step is an :class:`Action` that the
table :data:`TRANSITIONS` allows from some statuses only, checked by the policy (who)
and recorded as an :class:`~civicforum.curation.models.ItemTransition` (who, when, why).

::

    draft --submit--> in review --approve (a second editor)--> verified
      ^                  |  ^                                   |  |  |
      +----return--------+  +--revise / re-check---- review due-+  |  +--dispute--> disputed
                                                   (its date passes)      (uphold -> verified)
    withdraw: from any status but withdrawn;  reopen: withdrawn --> draft

Verified text never changes silently: revising it writes a new revision that waits for
review while the verified one stays on display, and the date to check it again makes
it "review due" by itself (:meth:`VerifiedItem.effective_status`); the daily
:func:`mark_due` records that step too.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock, policy
from ..errors import NotFound, ServiceError
from ..events import InformationChanged, InformationChecked, record
from ..forum.models import Community, Post
from ..i18n import gettext as _
from ..markup import render_markdown
from ..moderation.checks import lock, require, text, writing
from .content import Content, Source, clean_content, clean_url
from .content import clean_citation as _clean_citation
from .models import (
    NOTE_MAX,
    ItemDispute,
    ItemKind,
    ItemRevision,
    ItemSource,
    ItemStatus,
    ItemTransition,
    RevisionState,
    VerifiedItem,
)

#: The furthest a date to check again may lie ahead.
LONGEST_REVIEW = dt.timedelta(days=5 * 366)


class Action(enum.StrEnum):
    CREATE = "create"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REVISE = "revise"
    DUE = "due"
    RECHECK = "recheck"
    DISPUTE = "dispute"
    UPHOLD = "uphold"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


_S = ItemStatus
#: From which statuses each action may be taken, and the status it leads to. "Return"
#: goes back to where the review started (a draft, or the verified item it revised).
TRANSITIONS: dict[Action, dict[ItemStatus, ItemStatus | None]] = {
    Action.SUBMIT: {_S.DRAFT: _S.IN_REVIEW},
    Action.APPROVE: {_S.IN_REVIEW: _S.VERIFIED},
    Action.RETURN: {_S.IN_REVIEW: None},
    Action.REVISE: {
        _S.DRAFT: _S.DRAFT,
        _S.VERIFIED: _S.IN_REVIEW,
        _S.REVIEW_DUE: _S.IN_REVIEW,
        _S.DISPUTED: _S.IN_REVIEW,
    },
    Action.DUE: {_S.VERIFIED: _S.REVIEW_DUE},
    Action.RECHECK: {_S.REVIEW_DUE: _S.IN_REVIEW, _S.DISPUTED: _S.IN_REVIEW},
    Action.DISPUTE: {_S.VERIFIED: _S.DISPUTED, _S.REVIEW_DUE: _S.DISPUTED},
    Action.UPHOLD: {_S.DISPUTED: _S.VERIFIED},
    Action.WITHDRAW: {
        s: _S.WITHDRAWN for s in (_S.DRAFT, _S.IN_REVIEW, _S.VERIFIED, _S.REVIEW_DUE, _S.DISPUTED)
    },
    Action.REOPEN: {_S.WITHDRAWN: _S.DRAFT},
}


def allowed_actions(status: ItemStatus) -> set[Action]:
    return {action for action, moves in TRANSITIONS.items() if status in moves}


def _refuse(action: Action, status: ItemStatus) -> ServiceError:
    from .wording import status_name, step_name

    return ServiceError(
        _(
            "“%(action)s” is not possible for information that is %(status)s.",
            action=step_name(action),
            status=status_name(status),
        )
    )


def _move(
    db: Session,
    item: VerifiedItem,
    action: Action,
    actor: policy.Actor | None,
    note: str = "",
    revision: ItemRevision | None = None,
) -> ItemStatus:
    """Check that ``action`` may be taken now and take the step; returns the new status.

    :raises ServiceError: for a step the machine does not allow from the current status.
    """
    now = clock.now()
    current = item.effective_status(now)
    moves = TRANSITIONS.get(action, {})
    if current not in moves:
        raise _refuse(action, current)
    target = moves[current]
    if target is None:  # return: to where the review started
        target = _status_before_review(db, item)
    item.status = target.value
    db.add(
        ItemTransition(
            item_id=item.id,
            revision_id=revision.id if revision is not None else None,
            action=action.value,
            from_status=current.value,
            to_status=target.value,
            actor_id=actor.member_id if actor is not None else None,
            at=now,
            note=note,
        )
    )
    _announce(db, item, action)
    return target


def _announce(db: Session, item: VerifiedItem, action: Action) -> None:
    """Tell plugins (search, digests) of the step once it is committed."""
    if action == Action.APPROVE:
        record(db, InformationChecked(item.id, item.community_id))
    else:
        record(db, InformationChanged(item.id, item.community_id, action.value))


def _status_before_review(db: Session, item: VerifiedItem) -> ItemStatus:
    started = db.scalar(
        select(ItemTransition.from_status)
        .where(ItemTransition.item_id == item.id, ItemTransition.to_status == _S.IN_REVIEW.value)
        .order_by(ItemTransition.id.desc())
        .limit(1)
    )
    before = ItemStatus(started) if started else _S.DRAFT
    if before == _S.REVIEW_DUE:
        # Back to verified, which the date (long passed) turns into review due again.
        return _S.VERIFIED
    return before


def _note(value: str, required: str | None = None) -> str:
    return text(value, "note", maximum=NOTE_MAX, required=required)


def _fill(revision: ItemRevision, content: Content) -> None:
    revision.title = content.title
    revision.body = content.body
    revision.body_html = render_markdown(content.body)
    revision.verdict = content.verdict.value if content.verdict else None
    revision.sources = [
        ItemSource(
            position=position,
            citation=source.citation,
            url=source.url,
            consulted_on=source.consulted_on,
        )
        for position, source in enumerate(content.sources, start=1)
    ]


def _write_revision(
    db: Session, item: VerifiedItem, actor: policy.Actor, content: Content, state: RevisionState
) -> ItemRevision:
    number = (
        db.scalar(select(func.max(ItemRevision.number)).where(ItemRevision.item_id == item.id)) or 0
    ) + 1
    revision = ItemRevision(
        item_id=item.id,
        number=number,
        state=state.value,
        author_id=actor.member_id,
        created_at=clock.now(),
    )
    _fill(revision, content)
    db.add(revision)
    item.revisions.append(revision)
    db.flush()
    return revision


def _today() -> dt.date:
    return clock.now().date()


# -- writing -----------------------------------------------------------------------------


def create_article(
    db: Session,
    actor: policy.Actor,
    community: Community,
    content: Content,
    *,
    health: bool = False,
) -> VerifiedItem:
    """A draft article for the community's reliable information.

    :raises NotAllowed: for anyone but the community's editors.
    :raises ServiceError: for content that is incomplete (see :func:`clean_content`).
    """
    require(policy.can_edit_information(actor, community))
    content = clean_content(content, ItemKind.ARTICLE, _today())
    return _create(db, actor, community, ItemKind.ARTICLE, content, health=health)


def create_verification(
    db: Session, actor: policy.Actor, post: Post, content: Content
) -> VerifiedItem:
    """A draft verdict on an existing post.

    :raises NotAllowed: for a hidden, held or deleted post, or anyone but its community's
        editors.
    :raises ServiceError: when the post has a verification already, or the content is
        incomplete.
    """
    require(policy.can_verify_post(actor, post))
    content = clean_content(content, ItemKind.VERIFICATION, _today())
    existing = db.scalar(select(VerifiedItem).where(VerifiedItem.post_id == post.id))
    if existing is not None:
        raise ServiceError(_("This post has a verification already; revise that one."))
    return _create(db, actor, post.topic.community, ItemKind.VERIFICATION, content, post=post)


def _create(
    db: Session,
    actor: policy.Actor,
    community: Community,
    kind: ItemKind,
    content: Content,
    *,
    post: Post | None = None,
    health: bool = False,
) -> VerifiedItem:
    with writing(db):
        item = VerifiedItem(
            community_id=community.id,
            kind=kind.value,
            post_id=post.id if post is not None else None,
            status=_S.DRAFT.value,
            health=health,
            author_id=actor.member_id,
            created_at=clock.now(),
        )
        db.add(item)
        db.flush()
        revision = _write_revision(db, item, actor, content, RevisionState.DRAFT)
        db.add(
            ItemTransition(
                item_id=item.id,
                revision_id=revision.id,
                action=Action.CREATE.value,
                from_status=None,
                to_status=_S.DRAFT.value,
                actor_id=actor.member_id,
                at=clock.now(),
            )
        )
        _announce(db, item, Action.CREATE)
        db.commit()
    return item


def revise(
    db: Session, actor: policy.Actor, item: VerifiedItem, content: Content, note: str = ""
) -> ItemRevision:
    """Change an item's text, verdict or sources.

    A draft is changed in place. Verified information (also when due for review or
    disputed) gets a new revision that goes to review at once, while the verified
    version stays on display until a second editor approves the new one.

    :raises ServiceError: while a revision is in review or the item is withdrawn, and
        for incomplete content.
    """
    require(policy.can_edit_information(actor, item.community))
    content = clean_content(content, ItemKind(item.kind), _today())
    note = _note(note)
    with writing(db):
        item = lock(db, item)
        status = item.effective_status(clock.now())
        if status == _S.DRAFT:
            revision = item.pending or _write_revision(
                db, item, actor, content, RevisionState.DRAFT
            )
            _fill(revision, content)
            revision.author_id = actor.member_id
            _move(db, item, Action.REVISE, actor, note, revision)
        else:
            if Action.REVISE not in allowed_actions(status):
                raise _refuse(Action.REVISE, status)
            revision = _write_revision(db, item, actor, content, RevisionState.IN_REVIEW)
            _move(db, item, Action.REVISE, actor, note, revision)
        db.commit()
    return revision


# -- the steps ---------------------------------------------------------------------------


def submit(db: Session, actor: policy.Actor, item: VerifiedItem, note: str = "") -> VerifiedItem:
    """Send a draft for review by a second editor."""
    require(policy.can_edit_information(actor, item.community))
    note = _note(note)
    with writing(db):
        item = lock(db, item)
        pending = item.pending
        _move(db, item, Action.SUBMIT, actor, note, pending)
        if pending is not None:
            pending.state = RevisionState.IN_REVIEW.value
        db.commit()
    return item


def approve(
    db: Session, actor: policy.Actor, item: VerifiedItem, review_due: dt.datetime, note: str = ""
) -> VerifiedItem:
    """Approve the revision in review (four eyes): it is what readers see from now on,
    checked today, to be checked again by ``review_due``; questions raised about the
    earlier version are answered by it.

    :raises NotAllowed: for the editor who wrote the revision, or a non-editor.
    :raises ServiceError: for a date to check again that is not in the future, or more
        than five years ahead.
    """
    note = _note(note)
    now = clock.now()
    if review_due <= now:
        raise ServiceError(_("The date to check it again must lie in the future."), "review_due")
    if review_due - now > LONGEST_REVIEW:
        raise ServiceError(
            _("The date to check it again can lie at most five years ahead."), "review_due"
        )
    with writing(db):
        item = lock(db, item)
        require(policy.can_approve(actor, item))
        pending = item.pending
        assert pending is not None  # the policy checked there is one in review
        action_note = note
        _move(db, item, Action.APPROVE, actor, action_note, pending)
        pending.state = RevisionState.APPROVED.value
        pending.decided_at = now
        pending.decided_by_id = actor.member_id
        item.published_revision_id = pending.id
        item.reviewed_at = now
        item.review_due_at = review_due
        item.verified_count = (item.verified_count or 0) + 1
        _answer_disputes(db, item, actor, note or _("Answered by a checked new version."))
        db.commit()
    return item


def return_for_changes(
    db: Session, actor: policy.Actor, item: VerifiedItem, note: str
) -> VerifiedItem:
    """Send the revision in review back, saying what needs to change. A new item goes
    back to draft; a revision of verified information is set aside, and the verified
    version stays."""
    require(policy.can_edit_information(actor, item.community))
    note = _note(note, required=_("Say what needs to change."))
    with writing(db):
        item = lock(db, item)
        pending = item.pending
        target = _move(db, item, Action.RETURN, actor, note, pending)
        if pending is not None:
            if target == _S.DRAFT:
                pending.state = RevisionState.DRAFT.value
            else:
                pending.state = RevisionState.RETURNED.value
                pending.decided_at = clock.now()
                pending.decided_by_id = actor.member_id
        db.commit()
    return item


def recheck(db: Session, actor: policy.Actor, item: VerifiedItem, note: str = "") -> ItemRevision:
    """Start checking information again (its date has passed, or it was questioned): the
    verified version is put in review as a new revision, for a second editor to approve
    (with new dates consulted, as the re-checking editor gives them by revising)."""
    require(policy.can_edit_information(actor, item.community))
    note = _note(note)
    with writing(db):
        item = lock(db, item)
        status = item.effective_status(clock.now())
        if Action.RECHECK not in allowed_actions(status) or item.published is None:
            raise _refuse(Action.RECHECK, status)
        revision = _write_revision(
            db, item, actor, _content_of(item.published), RevisionState.IN_REVIEW
        )
        _move(db, item, Action.RECHECK, actor, note, revision)
        db.commit()
    return revision


def _content_of(revision: ItemRevision) -> Content:
    """What a revision says, to start a new one from."""
    return Content(
        revision.title,
        revision.body,
        tuple(Source(s.citation, s.url, s.consulted_on) for s in revision.sources),
        revision.verdict_,
    )


def withdraw(db: Session, actor: policy.Actor, item: VerifiedItem, note: str) -> VerifiedItem:
    """Take information off display for good, saying why; readers see that it was
    withdrawn and why, not the text."""
    require(policy.can_edit_information(actor, item.community))
    note = _note(note, required=_("Say why the information is withdrawn; readers see it."))
    with writing(db):
        item = lock(db, item)
        pending = item.pending
        _move(db, item, Action.WITHDRAW, actor, note, pending)
        if pending is not None:
            pending.state = RevisionState.RETURNED.value
        _answer_disputes(db, item, actor, note)
        db.commit()
    return item


def reopen(db: Session, actor: policy.Actor, item: VerifiedItem, note: str = "") -> VerifiedItem:
    """Take withdrawn information up again, as a draft of its last version."""
    require(policy.can_edit_information(actor, item.community))
    note = _note(note)
    with writing(db):
        item = lock(db, item)
        latest = item.revisions[-1] if item.revisions else None
        status = item.effective_status(clock.now())
        if Action.REOPEN not in allowed_actions(status) or latest is None:
            raise _refuse(Action.REOPEN, status)
        revision = _write_revision(db, item, actor, _content_of(latest), RevisionState.DRAFT)
        _move(db, item, Action.REOPEN, actor, note, revision)
        item.published_revision_id = None
        item.review_due_at = None
        db.commit()
    return item


# -- questions from members --------------------------------------------------------------


def dispute(
    db: Session,
    actor: policy.Actor,
    item: VerifiedItem,
    *,
    question: str,
    citation: str,
    url: str,
) -> ItemDispute:
    """A member questions verified information, citing a source; the item is shown as
    disputed until an editor answers.

    :raises ServiceError: without a question or a source, or for a source that is not an
        http(s) web address.
    """
    require(policy.can_dispute(actor, item))
    question = text(question, "question", maximum=NOTE_MAX, required=_("Ask your question."))
    citation = _clean_citation(citation, "citation")
    url = clean_url(url, "url")
    with writing(db):
        item = lock(db, item)
        found = ItemDispute(
            item_id=item.id,
            member_id=actor.member_id,
            question=question,
            citation=citation,
            url=url,
            created_at=clock.now(),
        )
        db.add(found)
        db.flush()
        _move(db, item, Action.DISPUTE, actor, question)
        db.commit()
    return found


def uphold(db: Session, actor: policy.Actor, item: VerifiedItem, note: str) -> VerifiedItem:
    """Answer the questions raised and keep the information verified as it is (an editor
    other than its author)."""
    note = _note(note, required=_("Answer the question; the member and readers see it."))
    with writing(db):
        item = lock(db, item)
        require(policy.can_uphold(actor, item))
        _move(db, item, Action.UPHOLD, actor, note)
        _answer_disputes(db, item, actor, note)
        db.commit()
    return item


def _answer_disputes(db: Session, item: VerifiedItem, actor: policy.Actor, answer: str) -> None:
    open_ones = db.scalars(
        select(ItemDispute).where(ItemDispute.item_id == item.id, ItemDispute.resolved_at.is_(None))
    )
    for found in open_ones:
        found.resolved_at = clock.now()
        found.resolved_by_id = actor.member_id
        found.resolution = answer


# -- the daily check ---------------------------------------------------------------------


def mark_due(db: Session, item: VerifiedItem) -> bool:
    """Record that verified information's date to check it again has passed; False when
    it has not, or it is not verified."""
    with writing(db):
        item = lock(db, item)
        if item.status != _S.VERIFIED or item.effective_status(clock.now()) != _S.REVIEW_DUE:
            return False
        # Recorded by nobody: the date itself made it due.
        item.status = _S.REVIEW_DUE.value
        db.add(
            ItemTransition(
                item_id=item.id,
                action=Action.DUE.value,
                from_status=_S.VERIFIED.value,
                to_status=_S.REVIEW_DUE.value,
                actor_id=None,
                at=clock.now(),
            )
        )
        _announce(db, item, Action.DUE)
        db.commit()
    return True


def get_item(db: Session, item_id: int) -> VerifiedItem:
    """:raises NotFound: for an unknown number."""
    item = db.get(VerifiedItem, item_id)
    if item is None:
        raise NotFound(_("There is no such information."))
    return item
