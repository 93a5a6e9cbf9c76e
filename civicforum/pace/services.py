"""Reading and changing a member's preferences and what they follow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import ServiceError
from ..forum.models import Community, Topic
from ..i18n import gettext as _
from ..identity.models import LocalAccount, Member
from .models import CommunityFollow, DigestFrequency, Preferences, TopicFollow
from .quiet import is_known_zone, is_quiet, quiet_ends, zone


def preferences(db: Session, member: Member) -> Preferences:
    """The member's preferences; a new (unsaved until changed) row of defaults when they
    never chose anything."""
    found = db.get(Preferences, member.id)
    if found is not None:
        return found
    return Preferences(
        member_id=member.id,
        digest=DigestFrequency.NEVER.value,
        open_warnings=False,
    )


def _stored(db: Session, member: Member) -> Preferences:
    found = db.get(Preferences, member.id)
    if found is None:
        found = preferences(db, member)
        db.add(found)
    return found


def update_pace(
    db: Session,
    member: Member,
    *,
    digest: str,
    timezone: str | None,
    quiet_start: int | None,
    quiet_end: int | None,
    open_warnings: bool,
) -> Preferences:
    """Save how the forum reaches the member.

    :raises ServiceError: for an unknown frequency or time zone, or quiet hours with only
        one end.
    """
    if digest not in {f.value for f in DigestFrequency}:
        raise ServiceError(_("Choose how often the forum may write to you."), field="digest")
    if timezone is not None and not is_known_zone(timezone):
        raise ServiceError(
            _("“%(zone)s” is not a time zone we know. Choose one from the list.", zone=timezone),
            field="timezone",
        )
    if (quiet_start is None) != (quiet_end is None):
        raise ServiceError(
            _("Give both the start and the end of your quiet hours, or neither."),
            field="quiet_start",
        )
    if quiet_start is not None and quiet_start == quiet_end:
        raise ServiceError(
            _("Quiet hours need to start and end at different times."), field="quiet_end"
        )
    prefs = _stored(db, member)
    prefs.digest = digest
    prefs.timezone = timezone
    prefs.quiet_start = quiet_start
    prefs.quiet_end = quiet_end
    prefs.open_warnings = open_warnings
    if prefs.digest_asked_at is None:
        prefs.digest_asked_at = clock.now()
    db.commit()
    return prefs


def answer_digest_question(db: Session, member: Member, digest: str) -> Preferences:
    """The member's answer to the one question about mail; it is not asked again."""
    if digest not in {f.value for f in DigestFrequency}:
        raise ServiceError(_("Choose how often the forum may write to you."), field="digest")
    prefs = _stored(db, member)
    prefs.digest = digest
    prefs.digest_asked_at = clock.now()
    db.commit()
    return prefs


def stop_digests(db: Session, member: Member) -> bool:
    """Unsubscribe (the one-click link): no more digests. False when there were none."""
    prefs = _stored(db, member)
    was = prefs.digest != DigestFrequency.NEVER
    prefs.digest = DigestFrequency.NEVER.value
    if prefs.digest_asked_at is None:
        prefs.digest_asked_at = clock.now()
    db.commit()
    return was


def set_digest_address(db: Session, member: Member, address: str | None) -> None:
    """Store an address the member confirmed (by the link sent to it); None forgets it."""
    _stored(db, member).email = address
    db.commit()


def digest_address(db: Session, member: Member) -> str | None:
    """Where the member's digests go: the address they confirmed, else their local
    account's; None when the forum has no address for them."""
    prefs = db.get(Preferences, member.id)
    if prefs is not None and prefs.email:
        return prefs.email
    account = db.get(LocalAccount, member.id)
    return account.email if account is not None else None


def quiet_now(
    db: Session, member: Member, site_timezone: str, moment: dt.datetime | None = None
) -> bool:
    """Whether it is the member's quiet hours now (or at ``moment``)."""
    prefs = db.get(Preferences, member.id)
    if prefs is None or prefs.quiet_start is None:
        return False
    return is_quiet(
        moment or clock.now(),
        prefs.quiet_start,
        prefs.quiet_end,
        zone(prefs.timezone, site_timezone),
    )


def quiet_until(prefs: Preferences, site_timezone: str, moment: dt.datetime) -> dt.datetime:
    """When the member's quiet hours around ``moment`` end; ``moment`` if not quiet."""
    return quiet_ends(
        moment, prefs.quiet_start, prefs.quiet_end, zone(prefs.timezone, site_timezone)
    )


# -- following ---------------------------------------------------------------------------


def follows_community(db: Session, member: Member, community: Community) -> bool:
    return db.get(CommunityFollow, (member.id, community.id)) is not None


def follows_topic(db: Session, member: Member, topic: Topic) -> bool:
    return db.get(TopicFollow, (member.id, topic.id)) is not None


def follow_community(db: Session, member: Member, community: Community) -> bool:
    """Follow; False when the member already did (nothing changes)."""
    if follows_community(db, member, community):
        return False
    db.add(CommunityFollow(member_id=member.id, community_id=community.id))
    db.commit()
    return True


def unfollow_community(db: Session, member: Member, community: Community) -> bool:
    found = db.get(CommunityFollow, (member.id, community.id))
    if found is None:
        return False
    db.delete(found)
    db.commit()
    return True


def follow_topic(db: Session, member: Member, topic: Topic) -> bool:
    if follows_topic(db, member, topic):
        return False
    db.add(TopicFollow(member_id=member.id, topic_id=topic.id))
    db.commit()
    return True


def unfollow_topic(db: Session, member: Member, topic: Topic) -> bool:
    found = db.get(TopicFollow, (member.id, topic.id))
    if found is None:
        return False
    db.delete(found)
    db.commit()
    return True


def followed(db: Session, member: Member) -> tuple[list[Community], list[Topic]]:
    """What the member follows, communities by name and topics newest first."""
    communities = list(
        db.scalars(
            select(Community)
            .join(CommunityFollow, CommunityFollow.community_id == Community.id)
            .where(CommunityFollow.member_id == member.id)
            .order_by(Community.name)
        )
    )
    topics = list(
        db.scalars(
            select(Topic)
            .join(TopicFollow, TopicFollow.topic_id == Topic.id)
            .where(TopicFollow.member_id == member.id)
            .order_by(Topic.last_posted_at.desc())
        )
    )
    return communities, topics
