"""Making and sending digests, once per member and period, whatever crashes.

The order of every send:

1. **Claim** the period: a ``cf_digest_log`` row (unique per member and period) with
   status ``sending`` is committed *before* the mail server is asked anything. A second
   worker, a rerun or a task queued twice finds it and does nothing.
2. **Make** the digest from what happened between the end of the previous one and the
   claim (:mod:`.content`), in the member's language, at the site's address.
3. **Send** it over SMTP, outside any transaction, and mark the row ``sent`` once the
   server has taken it; a period with nothing in it is marked ``empty`` and sends nothing.

A mail server that refuses or cannot be reached marks the row ``failed`` (attempts and
the error kept) and the next scan after its pause tries again, pauses doubling from five
minutes up to six hours; nothing is given up. A row left in ``sending`` by a crash is
taken over after ten minutes: only then can the one mail that was in flight go twice, if
the server had taken it just before the crash (with the same Message-ID).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..extension import state
from ..i18n import in_language
from ..identity.models import Member
from ..mail import Mail, MailError, deliver, site_request
from ..pace.models import Preferences
from ..pace.services import digest_address
from ..settings import Settings
from .compose import compose
from .content import gather
from .models import DigestLog, DigestStatus
from .schedule import (
    DONE,
    FREQUENCIES,
    LOOKBACK,
    OWED,
    Step,
    current_period,
    member_zone,
    next_step,
    retry_at,
)
from .tokens import message_id

log = logging.getLogger(__name__)
ERROR_MAX = 300


@dataclass(frozen=True)
class Outcome:
    """What became of one member's digest: ``sent``, ``empty`` (nothing new, no mail),
    ``failed`` (tried again from ``retry_at``) or ``nothing`` (not due, or claimed by
    another sender)."""

    member_id: int
    status: str
    period: str | None = None
    error: str | None = None
    retry_at: dt.datetime | None = None


# -- who is due ----------------------------------------------------------------------------


def due_members(db: Session, settings: Settings, moment: dt.datetime | None = None) -> list[int]:
    """The members whose digest is to be made or tried again now, by id; none when the
    site sends no mail. Cheap enough to run every few minutes: three queries, and one
    more for each member who is due (do they have an address?)."""
    if not settings.mail_enabled:
        return []
    moment = moment or clock.now()
    chosen = list(
        db.scalars(
            select(Preferences)
            .where(Preferences.digest.in_(FREQUENCIES))
            .order_by(Preferences.member_id)
        )
    )
    if not chosen:
        return []
    owed: dict[int, DigestLog] = {}
    for row in db.scalars(
        select(DigestLog).where(DigestLog.status.in_(OWED)).order_by(DigestLog.id.desc())
    ):
        owed[row.member_id] = row  # each member's oldest owed digest comes last
    periods = {
        prefs.member_id: current_period(
            prefs.digest, moment, member_zone(prefs, settings.timezone), settings.digest_hour
        ).key
        for prefs in chosen
    }
    logged = {
        (member_id, period)
        for member_id, period in db.execute(
            select(DigestLog.member_id, DigestLog.period).where(
                DigestLog.period.in_(set(periods.values()))
            )
        )
    }
    due = []
    for prefs in chosen:
        step = next_step(
            prefs,
            owed.get(prefs.member_id),
            {key for key in (periods[prefs.member_id],) if (prefs.member_id, key) in logged},
            site_timezone=settings.timezone,
            hour=settings.digest_hour,
            moment=moment,
        )
        if step is None:
            continue
        member = db.get(Member, prefs.member_id)
        if member is not None and digest_address(db, member) is not None:
            due.append(prefs.member_id)
    db.rollback()  # only read: end the transaction
    return due


# -- one member's digest -------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    row_id: int
    period: str
    covers_from: dt.datetime
    covers_until: dt.datetime
    message_id: str
    attempt: int


def claim(db: Session, settings: Settings, member_id: int, moment: dt.datetime) -> Claim | None:
    """Claim the member's due digest (committed), or None when nothing is due or another
    sender has it."""
    prefs = db.get(Preferences, member_id)
    member = db.get(Member, member_id)
    if prefs is None or member is None or digest_address(db, member) is None:
        return None
    owed = db.scalars(
        select(DigestLog)
        .where(DigestLog.member_id == member_id, DigestLog.status.in_(OWED))
        .order_by(DigestLog.id)
        .limit(1)
    ).first()
    period = (
        current_period(
            prefs.digest, moment, member_zone(prefs, settings.timezone), settings.digest_hour
        )
        if prefs.digest in FREQUENCIES
        else None
    )
    logged = {period.key} if period is not None and _has(db, member_id, period.key) else set()
    step = next_step(
        prefs,
        owed,
        logged,
        site_timezone=settings.timezone,
        hour=settings.digest_hour,
        moment=moment,
    )
    if step is None:
        db.rollback()
        return None
    if step.owed is not None:
        return _claim_again(db, settings, step, moment, roll=not logged)
    return _claim_new(db, settings, prefs, step, moment)


def _has(db: Session, member_id: int, period: str) -> bool:
    found = db.scalar(
        select(DigestLog.id).where(DigestLog.member_id == member_id, DigestLog.period == period)
    )
    return found is not None


def _claim_new(
    db: Session, settings: Settings, prefs: Preferences, step: Step, moment: dt.datetime
) -> Claim | None:
    """A new period, from where the previous digest ended (or from when digests were
    chosen), never further back than ``LOOKBACK``."""
    previous = db.scalar(
        select(func.max(DigestLog.covers_until)).where(
            DigestLog.member_id == prefs.member_id, DigestLog.status.in_(DONE)
        )
    )
    since = max(previous or prefs.digest_asked_at or prefs.updated_at, moment - LOOKBACK)
    row = DigestLog(
        member_id=prefs.member_id,
        period=step.period.key,
        status=DigestStatus.SENDING.value,
        covers_from=min(since, moment),
        covers_until=moment,
        attempts=1,
        message_id=message_id(settings, prefs.member_id, step.period.key),
        created_at=moment,
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()  # another sender claimed this period first
        return None
    return Claim(row.id, row.period, row.covers_from, moment, row.message_id or "", 1)


def _claim_again(
    db: Session, settings: Settings, step: Step, moment: dt.datetime, *, roll: bool
) -> Claim | None:
    """Take over an owed digest, as long as no one else did meanwhile (the attempt
    counter is its version). It now covers up to this moment. A refused digest of an
    earlier period becomes this period's, when this one has none yet: the one mail then
    covers both, and the member gets no second one the same day."""
    owed = step.owed
    assert owed is not None
    period = owed.period
    if roll and owed.status == DigestStatus.FAILED and owed.period != step.period.key:
        period = step.period.key
    new_id = message_id(settings, owed.member_id, period)
    values: dict[str, object] = {
        "status": DigestStatus.SENDING.value,
        "covers_until": moment,
        "attempts": owed.attempts + 1,
        "period": period,
        "message_id": new_id,
    }
    taken = db.execute(
        update(DigestLog)
        .where(
            DigestLog.id == owed.id,
            DigestLog.status == owed.status,
            DigestLog.attempts == owed.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return Claim(owed.id, period, owed.covers_from, moment, new_id, owed.attempts + 1)


def send_digest(app: Flask, member_id: int, moment: dt.datetime | None = None) -> Outcome:
    """Make and send ``member_id``'s digest if it is due; see the module's description."""
    forum = state(app)
    settings = forum.settings
    if not settings.mail_enabled:
        return Outcome(member_id, "nothing")
    moment = moment or clock.now()
    with forum.session_factory() as db:
        claimed = claim(db, settings, member_id, moment)
        if claimed is None:
            return Outcome(member_id, "nothing")
        try:
            mail = _make(app, db, settings, member_id, claimed, moment)
        except Exception as error:  # a fault in making it: tried again, never lost
            log.exception("the digest of member %s could not be made", member_id)
            return _failed(db, member_id, claimed, error)
        db.rollback()  # end the reading transaction before the mail server's conversation
        if mail is None:
            _mark(db, claimed, status=DigestStatus.EMPTY.value, last_error=None)
            return Outcome(member_id, DigestStatus.EMPTY.value, claimed.period)
        try:
            deliver(settings, mail)
        except MailError as error:
            return _failed(db, member_id, claimed, error)
        _mark(db, claimed, status=DigestStatus.SENT.value, last_error=None, sent_at=clock.now())
        return Outcome(member_id, DigestStatus.SENT.value, claimed.period)


def _make(
    app: Flask, db: Session, settings: Settings, member_id: int, claimed: Claim, moment: dt.datetime
) -> Mail | None:
    member = db.get(Member, member_id)
    prefs = db.get(Preferences, member_id)
    assert member is not None and prefs is not None
    address = digest_address(db, member)
    if address is None:
        return None
    language = member.language if member.language in settings.languages else None
    with site_request(app, settings), in_language(language or settings.default_language):
        sections = gather(
            db,
            member,
            claimed.covers_from,
            claimed.covers_until,
            open_warnings=bool(prefs.open_warnings),
        )
        if not sections:
            return None
        return compose(
            settings,
            member_id=member_id,
            address=address,
            frequency=prefs.digest,
            sections=sections,
            message_id=claimed.message_id,
            moment=moment,
        )


def _mark(db: Session, claimed: Claim, **values: object) -> None:
    db.execute(
        update(DigestLog)
        .where(DigestLog.id == claimed.row_id, DigestLog.attempts == claimed.attempt)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.commit()


def _failed(db: Session, member_id: int, claimed: Claim, error: Exception) -> Outcome:
    db.rollback()
    text = (str(error) or type(error).__name__)[:ERROR_MAX]
    _mark(db, claimed, status=DigestStatus.FAILED.value, last_error=text)
    row = db.get(DigestLog, claimed.row_id)
    later = retry_at(row) if row is not None else None
    log.warning("the digest of member %s is owed: %s", member_id, text)
    return Outcome(member_id, DigestStatus.FAILED.value, claimed.period, text, later)
