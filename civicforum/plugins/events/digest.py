"""What the events plugin adds to a member's digest: changes to events they answered
(cancelled, postponed, moved online, a new date, a place come free), from the notices
made in the digest's period. The notices still show on the member's next visit: the
digest does not mark them seen."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ... import policy
from ...digests.sections import DigestItem, DigestSection
from ...i18n import gettext as _
from ...identity.models import Member
from ...identity.providers import load_actor
from .display import notice_text
from .models import EventNotice, LocalEvent

#: Notices read for one digest (the digest shows ten at most, and says there is more).
READ = 11


def sections(
    db: Session, member: Member, since: dt.datetime, until: dt.datetime
) -> list[DigestSection]:
    notices = list(
        db.scalars(
            select(EventNotice)
            .where(
                EventNotice.member_id == member.id,
                EventNotice.created_at >= since,
                EventNotice.created_at < until,
            )
            .options(joinedload(EventNotice.event).joinedload(LocalEvent.community))
            .order_by(EventNotice.created_at.desc(), EventNotice.id.desc())
            .limit(READ)
        )
    )
    if not notices:
        return []
    actor = load_actor(db, member)
    items = [
        DigestItem(
            notice_text(notice),
            url_for("civicforum.events.event", event_id=notice.event_id, _external=True),
            notice.event.community.name,
        )
        for notice in notices
        if policy.can_view_community(actor, notice.event.community)
    ]
    return [DigestSection(_("Events you answered"), items)] if items else []
