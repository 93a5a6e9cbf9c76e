"""A copy of a member's data (GDPR Articles 15 and 20).

The member asks for it on their settings page; a task of the forum's queue makes the ZIP
file (:mod:`.archive`) in a folder of the app's instance folder, under a random name
that is also its download address; the member downloads it for
``CIVICFORUM_RETENTION_DAYS_EXPORT`` days, and then ``flask civicforum purge`` deletes it.
One copy at a time, and one per ``CIVICFORUM_EXPORT_INTERVAL_HOURS``: asking again while
one is being made makes none, also when two requests arrive at the same moment (the
member's row is locked while the forum decides).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock, policy
from ..errors import NotAllowed, NotFound, ServiceError, TooSoon
from ..extension import state
from ..i18n import format_moment, in_language
from ..i18n import gettext as _
from ..identity.models import Member
from .archive import write_archive
from .models import DataExport, ExportStatus

log = logging.getLogger(__name__)

FOLDER = "civicforum-exports"
#: A copy still queued after this long was lost (a worker stopped): it no longer holds
#: the member back, and counts as failed.
STALE = dt.timedelta(hours=6)


class ExportGone(ServiceError):
    """The copy existed but is past its time (or its file is lost)."""

    status_code = 410


class QueueUnavailable(ServiceError):
    """The task queue refused the work; nothing is waiting."""

    status_code = 503


def exports_folder(app: Flask | None = None) -> Path:
    """Where the ZIP files are: a folder of the app's instance folder."""
    return Path((app or current_app).instance_path) / FOLDER


def file_of(folder: Path, token: str) -> Path:
    return folder / f"{token}.zip"


def delete_files(folder: Path, tokens: Iterable[str]) -> int:
    """Delete the ZIP files of these exports; how many there were."""
    deleted = 0
    for token in tokens:
        path = file_of(folder, token)
        if path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def lock_member(db: Session, member_id: int) -> bool:
    """Hold the member's row until this transaction ends, so that two requests for one
    member take turns; False when the member is gone.

    PostgreSQL locks the row; SQLite locks the whole database on a transaction's first
    write, so a harmless one is made at once.
    """
    if db.get_bind().dialect.name == "sqlite":
        changed = db.execute(
            update(Member).where(Member.id == member_id).values(language=Member.language)
        )
        return bool(getattr(changed, "rowcount", 0))
    found = db.scalar(select(Member.id).where(Member.id == member_id).with_for_update())
    return found is not None


def _exports(db: Session, member_id: int) -> list[DataExport]:
    query = (
        select(DataExport)
        .where(DataExport.member_id == member_id)
        .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
        .execution_options(populate_existing=True)
    )
    return list(db.scalars(query))


def _is_preparing(export: DataExport, at: dt.datetime) -> bool:
    return export.status == ExportStatus.QUEUED and export.requested_at > at - STALE


def _is_ready(export: DataExport, at: dt.datetime) -> bool:
    return (
        export.status == ExportStatus.READY
        and export.expires_at is not None
        and export.expires_at > at
    )


def _next_allowed(exports: list[DataExport], at: dt.datetime) -> dt.datetime | None:
    interval = dt.timedelta(hours=state().settings.export_interval_hours)
    counted = [
        e
        for e in exports
        if e.status in (ExportStatus.READY, ExportStatus.EXPIRED) or _is_preparing(e, at)
    ]
    if counted and counted[0].requested_at + interval > at:
        return counted[0].requested_at + interval
    return None


@dataclass(frozen=True)
class ExportView:
    """What the settings page says about the member's copy."""

    preparing: DataExport | None
    ready: DataExport | None
    # When the member may ask for a new copy; None: now.
    next_allowed_at: dt.datetime | None


def export_view(db: Session, member: Member, at: dt.datetime | None = None) -> ExportView:
    at = at or clock.now()
    exports = _exports(db, member.id)
    return ExportView(
        preparing=next((e for e in exports if _is_preparing(e, at)), None),
        ready=next((e for e in exports if _is_ready(e, at)), None),
        next_allowed_at=_next_allowed(exports, at),
    )


def request_export(db: Session, actor: policy.Actor, language: str) -> tuple[DataExport, bool]:
    """Ask for a copy of the actor's data; the export, and whether it is a new one.

    A copy being made already is returned rather than a second one made.

    :raises NotAllowed: for a visitor who is not signed in.
    :raises TooSoon: when the last copy was asked for less than the interval ago.
    """
    verdict = policy.can_request_export(actor)
    if not verdict or actor.member_id is None:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
    member_id = actor.member_id
    try:
        if not lock_member(db, member_id):
            raise NotFound(_("This account does not exist any more."))
        at = clock.now()
        exports = _exports(db, member_id)
        for lost in (e for e in exports if e.status == ExportStatus.QUEUED):
            if not _is_preparing(lost, at):
                lost.status = ExportStatus.FAILED.value
        preparing = next((e for e in exports if _is_preparing(e, at)), None)
        if preparing is not None:
            db.commit()
            return preparing, False
        until = _next_allowed(exports, at)
        if until is not None:
            raise TooSoon(
                _("You can ask for a new copy from %(moment)s.", moment=format_moment(until)),
                until,
            )
        export = DataExport(
            member_id=member_id,
            status=ExportStatus.QUEUED.value,
            token=secrets.token_urlsafe(32),
            language=language,
            requested_at=at,
        )
        db.add(export)
        db.commit()
    except Exception:
        db.rollback()
        raise
    return export, True


def enqueue(db: Session, export: DataExport, base_url: str) -> None:
    """Hand the export to the task queue.

    :param base_url: the site's address (of this request), for the links in the copy.
    :raises QueueUnavailable: when the queue cannot take it; the export is marked failed,
        so the member can ask again.
    """
    from .tasks import export_task

    try:
        state().tasks.enqueue(export_task(), export.id, base_url)
    except Exception:
        log.exception("the data export %d could not be queued", export.id)
        export.status = ExportStatus.FAILED.value
        db.commit()
        raise QueueUnavailable(
            _("Your copy could not be started just now. Please try again later.")
        ) from None


def build_export(db: Session, export_id: int, folder: Path) -> bool:
    """Make the ZIP file of a queued export (the task's work); whether one was made.

    The file is written under a temporary name and renamed when complete, so a download
    never finds half a file; a failure marks the export failed and leaves no file. When
    the member was erased meanwhile, the file is deleted again.
    """
    export = db.get(DataExport, export_id)
    if export is None or export.status != ExportStatus.QUEUED:
        return False
    member = db.get(Member, export.member_id)
    if member is None:
        return False
    token, member_id = export.token, export.member_id
    final, part = file_of(folder, token), folder / f".{token}.part"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with in_language(export.language):
            write_archive(part, db, member, export.language)
        part.replace(final)
    except Exception:
        log.exception("the data export %d could not be made", export_id)
        part.unlink(missing_ok=True)
        db.rollback()
        failed = db.get(DataExport, export_id)
        if failed is not None:
            failed.status = ExportStatus.FAILED.value
            db.commit()
        return False
    db.rollback()
    still_there = lock_member(db, member_id)
    export = db.get(DataExport, export_id, populate_existing=True)
    if not still_there or export is None or export.status != ExportStatus.QUEUED:
        db.rollback()
        final.unlink(missing_ok=True)
        return False
    at = clock.now()
    export.status = ExportStatus.READY.value
    export.ready_at = at
    export.expires_at = at + dt.timedelta(days=state().settings.retention_days_export)
    export.size = final.stat().st_size
    db.commit()
    return True


def expire(db: Session, export: DataExport, folder: Path) -> None:
    """A copy past its time: its file deleted, the row kept as expired until the member
    may ask again (so the interval still holds)."""
    delete_files(folder, [export.token])
    export.status = ExportStatus.EXPIRED.value
    db.commit()


def for_download(db: Session, actor: policy.Actor, token: str, folder: Path) -> Path:
    """The ZIP file behind a download address, for the member it is about.

    :raises NotFound: for an unknown address.
    :raises NotAllowed: for anyone but the member the copy is about.
    :raises ExportGone: when the copy is past its time; its file is deleted then.
    """
    export = db.scalar(select(DataExport).where(DataExport.token == token))
    if export is None:
        raise NotFound(_("There is no such copy."))
    verdict = policy.can_download_export(actor, export)
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)
    path = file_of(folder, token)
    if _is_ready(export, clock.now()) and path.is_file():
        return path
    if export.status == ExportStatus.READY:
        expire(db, export, folder)
    raise ExportGone(
        _(
            "This copy is no longer available: each copy can be downloaded for %(days)d days. You can ask for a new one on your settings page.",
            days=state().settings.retention_days_export,
        )
    )
