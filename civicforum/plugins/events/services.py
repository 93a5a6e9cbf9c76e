"""Writes for local events: planning, changing, cancelling, and answering them.

Like the forum's own services, every function asks the policy first, validates, writes
and commits; a refusal raises :class:`~civicforum.errors.ServiceError` and nothing is
written. Everything that counts places works on the event row locked for the rest of the
transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time),
so two people taking the last place at once cannot both get it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import policy
from ...clock import now
from ...errors import NotAllowed, ServiceError
from ...events import record
from ...forum import services as forum_services
from ...forum.models import Community, Membership, MembershipStatus, Topic
from ...i18n import gettext as _
from ...identity.models import Member, PublishAs
from .details import EventDetails, apply_details, check_details, check_online_url
from .domain import EventCancelled, EventChanged, EventScheduled, RsvpChanged
from .models import (
    Answer,
    AttendanceMode,
    EventNotice,
    EventStatus,
    LocalEvent,
    NoticeKind,
    OrganiserRight,
    Rsvp,
)

__all__ = ["EventDetails"]

# -- who may organise --------------------------------------------------------------------


def has_organiser_rights(db: Session, actor: policy.Actor, community: Community) -> bool:
    """Moderators and admins of the community, site admins, and members given the right."""
    if policy.is_moderator(actor, community):
        return True
    if actor.member is None or not policy.is_active_member(actor, community):
        return False
    return _has_right(db, actor.member.id, community.id)


def _has_right(db: Session, member_id: int, community_id: int) -> bool:
    found = db.scalar(
        select(OrganiserRight.id).where(
            OrganiserRight.community_id == community_id, OrganiserRight.member_id == member_id
        )
    )
    return found is not None


def _may_organise(db: Session, member: Member, community: Community) -> bool:
    """:func:`has_organiser_rights` for a member other than the one asking."""
    if member.is_site_admin:
        return True
    membership = db.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.member_id == member.id
        )
    )
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return False
    return membership.role in policy.MODERATING_ROLES or _has_right(db, member.id, community.id)


def grant_organiser_rights(
    db: Session, actor: policy.Actor, community: Community, member: Member
) -> OrganiserRight:
    """Let an active member of the community organise events there (moderators only)."""
    verdict = policy.can_manage_members(actor, community)
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
    if not _may_organise(db, member, community) and not _is_active(db, member, community):
        raise ServiceError(_("Only members of this community can organise events here."))
    right = db.scalar(
        select(OrganiserRight).where(
            OrganiserRight.community_id == community.id, OrganiserRight.member_id == member.id
        )
    )
    if right is None:
        right = OrganiserRight(community_id=community.id, member_id=member.id)
        db.add(right)
    db.commit()
    return right


def _is_active(db: Session, member: Member, community: Community) -> bool:
    status = db.scalar(
        select(Membership.status).where(
            Membership.community_id == community.id, Membership.member_id == member.id
        )
    )
    return status == MembershipStatus.ACTIVE


def can_manage_event(actor: policy.Actor, event: LocalEvent) -> bool:
    """The event's organisers and the community's moderators change and cancel it."""
    if policy.is_moderator(actor, event.community):
        return True
    return actor.member_id is not None and any(m.id == actor.member_id for m in event.organisers)


def _require_manager(actor: policy.Actor, event: LocalEvent) -> None:
    if not can_manage_event(actor, event):
        raise NotAllowed(_("Only the organisers of this event can change it."))


# -- planning and changing events --------------------------------------------------------


# The forum's own defaults, for callers outside a request (the settings may lower them).
DEFAULT_LIMITS = forum_services.Limits(max_title_length=150, max_post_length=10_000)


def create_event(
    db: Session,
    actor: policy.Actor,
    community: Community,
    details: EventDetails,
    *,
    organisers: Iterable[Member] = (),
    uid: str | None = None,
    limits: forum_services.Limits = DEFAULT_LIMITS,
) -> LocalEvent:
    """Plan an event; the actor organises it, with ``organisers`` beside them.

    The event is discussed in ``details.topic_id`` when given (a topic of the same
    community), or else in a new topic the actor starts with it, in the same transaction.
    """
    if actor.member is None or not has_organiser_rights(db, actor, community):
        raise NotAllowed(_("Only organisers of this community can plan events here."))
    people = list(dict.fromkeys([actor.member, *organisers]))
    for person in people:
        if not _may_organise(db, person, community):
            raise ServiceError(
                _("%(name)s cannot organise events in this community.", name=person.display_name),
                "organisers",
            )
    uid = uid or f"{uuid.uuid4()}@civicforum"
    if db.scalar(select(LocalEvent.id).where(LocalEvent.uid == uid)) is not None:
        raise ServiceError(_("An event with this calendar UID exists already."), "uid")
    event = LocalEvent(community_id=community.id, uid=uid, status=EventStatus.SCHEDULED.value)
    apply_details(event, details)  # validates before anything is added to the session
    try:
        event.topic_id = _discussion(db, actor, community, event, details.topic_id, limits).id
        event.organisers = people
        db.add(event)
        db.flush()
        record(db, EventScheduled(event_id=event.id, community_id=community.id))
    except ServiceError:
        db.rollback()
        raise
    db.commit()
    return event


def _discussion(
    db: Session,
    actor: policy.Actor,
    community: Community,
    event: LocalEvent,
    topic_id: int | None,
    limits: forum_services.Limits,
) -> Topic:
    """The topic an event is talked about in: the chosen one, or a new one."""
    if topic_id is not None:
        topic = db.get(Topic, topic_id)
        if topic is None or topic.community_id != community.id:
            raise ServiceError(_("That topic is not in this community."), "topic_id")
        return topic
    title = event.title
    if len(title) > limits.max_title_length:
        title = title[: limits.max_title_length - 1].rstrip() + "…"
    return forum_services.add_topic(
        db,
        actor,
        community,
        title=title,
        body=_(
            "This topic is for talking about the event, before and after it happens. "
            "The date, the place and how to take part are on the event page."
        ),
        publish_as=PublishAs.PSEUDONYM.value,
        submission_token=f"event-{uuid.uuid4()}",
        limits=limits,
    )


def discussed_in(db: Session, topic: Topic) -> LocalEvent | None:
    """The event a topic is the discussion of, if any (the first one planned)."""
    query = select(LocalEvent).where(LocalEvent.topic_id == topic.id).order_by(LocalEvent.id)
    return db.scalars(query.limit(1)).first()


def _lock(db: Session, event: LocalEvent) -> LocalEvent:
    """The event row, locked until commit, with fresh values (another writer may have
    committed since it was loaded)."""
    query = (
        select(LocalEvent)
        .where(LocalEvent.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.scalars(query).one()


def places_taken(db: Session, event: LocalEvent) -> int:
    query = select(func.count(Rsvp.id)).where(
        Rsvp.event_id == event.id, Rsvp.answer == Answer.GOING.value, Rsvp.waiting.is_(False)
    )
    return db.scalar(query) or 0


def places_left(db: Session, event: LocalEvent) -> int | None:
    """Free places, or ``None`` when the event has no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(db, event), 0)


def update_event(
    db: Session, actor: policy.Actor, event: LocalEvent, details: EventDetails
) -> LocalEvent:
    """Change an event's details; fewer places than people going is refused."""
    _require_manager(actor, event)
    try:
        event = _lock(db, event)
        check_details(details)
        going = places_taken(db, event)
        if details.capacity is not None and details.capacity < going:
            raise ServiceError(
                _(
                    "%(going)d people are going already: the event needs at least that many places.",
                    going=going,
                ),
                "capacity",
            )
        before = (event.starts_at, event.ends_at)
        apply_details(event, details)
        if event.status == EventStatus.POSTPONED and (event.starts_at, event.ends_at) != before:
            # New dates for a postponed event: it is on again, and those coming are told.
            event.status = EventStatus.SCHEDULED.value
            _tell_answered(db, event, NoticeKind.RESCHEDULED)
        _promote(db, event)
        record(db, EventChanged(event.id, event.community_id, event.status))
    except ServiceError:
        db.rollback()
        raise
    db.commit()
    return event


def _change_status(
    db: Session,
    actor: policy.Actor,
    event: LocalEvent,
    status: EventStatus,
    kind: NoticeKind,
    online_url: str | None = None,
) -> LocalEvent:
    _require_manager(actor, event)
    event = _lock(db, event)
    if event.status == EventStatus.CANCELLED:
        db.rollback()
        raise ServiceError(_("This event was cancelled."))
    event.status = status.value
    if online_url is not None:
        event.attendance_mode = AttendanceMode.ONLINE.value
        event.online_url = online_url
    _tell_answered(db, event, kind)
    if status == EventStatus.CANCELLED:
        record(db, EventCancelled(event.id, event.community_id))
    else:
        record(db, EventChanged(event.id, event.community_id, status.value))
    db.commit()
    return event


def _tell_answered(db: Session, event: LocalEvent, kind: NoticeKind) -> None:
    """A notice for everyone going or maybe going, for their next visit."""
    answered = select(Rsvp.member_id).where(
        Rsvp.event_id == event.id, Rsvp.answer.in_([Answer.GOING.value, Answer.MAYBE.value])
    )
    for member_id in db.scalars(answered):
        db.add(EventNotice(member_id=member_id, event_id=event.id, kind=kind.value))


def cancel_event(db: Session, actor: policy.Actor, event: LocalEvent) -> LocalEvent:
    """Cancel an event; everyone going or maybe going finds a notice on their next visit."""
    return _change_status(db, actor, event, EventStatus.CANCELLED, NoticeKind.CANCELLED)


def postpone_event(db: Session, actor: policy.Actor, event: LocalEvent) -> LocalEvent:
    """Postpone an event to a date not yet known; answers stay, and are told."""
    return _change_status(db, actor, event, EventStatus.POSTPONED, NoticeKind.POSTPONED)


def move_online(db: Session, actor: policy.Actor, event: LocalEvent, url: str) -> LocalEvent:
    """Hold an event online only, at ``url``; answers stay, and are told."""
    checked = check_online_url(
        EventDetails("-", now(), now(), online_url=url, attendance_mode=AttendanceMode.ONLINE)
    )
    return _change_status(
        db, actor, event, EventStatus.MOVED_ONLINE, NoticeKind.MOVED_ONLINE, online_url=checked
    )


# -- answering ---------------------------------------------------------------------------


def rsvp(db: Session, actor: policy.Actor, event: LocalEvent, answer: Answer) -> Rsvp:
    """Answer an event. "Going" takes a free place, or a place in the waiting list when
    there is none; leaving a place gives it to the first person waiting."""
    if actor.member is None:
        raise NotAllowed(_("Sign in to take part."), "sign_in")
    verdict = policy.can_view_community(actor, event.community)
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
    try:
        event = _lock(db, event)
        if event.status == EventStatus.CANCELLED:
            raise ServiceError(_("This event was cancelled."))
        if event.has_ended(now()):
            raise ServiceError(_("This event is over."))
        mine = db.scalar(
            select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == actor.member.id)
        )
    except ServiceError:
        db.rollback()
        raise
    if mine is None:
        mine = Rsvp(event_id=event.id, member_id=actor.member.id, answer=answer.value)
        db.add(mine)
    elif mine.answer == answer:
        db.commit()
        return mine
    freed = mine.has_place
    mine.answer = answer.value
    mine.waiting, mine.position, mine.queued_at = False, None, None
    if answer == Answer.GOING and event.capacity is not None:
        db.flush()  # counted with the others, in the locked transaction
        if places_taken(db, event) > event.capacity:
            _queue(db, event, mine)
    db.flush()
    if freed:
        _promote(db, event)
    record(db, RsvpChanged(event.id, mine.member_id, mine.answer, mine.waiting))
    db.commit()
    return mine


def _queue(db: Session, event: LocalEvent, entry: Rsvp) -> None:
    last = db.scalar(
        select(func.max(Rsvp.position)).where(Rsvp.event_id == event.id, Rsvp.waiting.is_(True))
    )
    entry.waiting, entry.position, entry.queued_at = True, (last or 0) + 1, now()


def _promote(db: Session, event: LocalEvent) -> list[Rsvp]:
    """Give free places to the first people waiting, and tell them."""
    promoted: list[Rsvp] = []
    left = places_left(db, event)
    if left == 0:
        return promoted
    queue = select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.waiting.is_(True))
    first = queue.order_by(Rsvp.position, Rsvp.queued_at, Rsvp.id)
    if left is not None:
        first = first.limit(left)
    for entry in db.scalars(first):
        entry.waiting, entry.position, entry.queued_at = False, None, None
        db.add(EventNotice(member_id=entry.member_id, event_id=event.id, kind=NoticeKind.PROMOTED))
        record(db, RsvpChanged(event.id, entry.member_id, entry.answer, False))
        promoted.append(entry)
    db.flush()
    return promoted


# -- notices -----------------------------------------------------------------------------


def unseen_notices(db: Session, member: Member) -> list[EventNotice]:
    """Notices the member has not seen yet, oldest first; :func:`mark_seen` once shown."""
    query = select(EventNotice).where(
        EventNotice.member_id == member.id, EventNotice.seen_at.is_(None)
    )
    return list(db.scalars(query.order_by(EventNotice.id)))


def mark_seen(db: Session, notices: Iterable[EventNotice]) -> None:
    moment = now()
    for notice in notices:
        notice.seen_at = notice.seen_at or moment
    db.commit()
