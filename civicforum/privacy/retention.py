"""How long the forum keeps what it keeps, and the purge that removes what is past its
time (``flask civicforum purge``, for a daily cron job).

- **Copies of members' data**: downloadable for ``CIVICFORUM_RETENTION_DAYS_EXPORT``
  days, then the file is deleted; the row stays (as "expired", without a file) until the
  member may ask again, then goes. Failed and lost exports go too, and stray files.
- **Reporters' e-mail addresses** (signed-out reporters): erased as soon as the outcome
  is mailed; otherwise ``CIVICFORUM_RETENTION_DAYS_REPORT_EMAIL`` days after the report
  was handled, or ``CIVICFORUM_RETENTION_DAYS_OPEN_REPORT_EMAIL`` days after it was made
  while it is still open.
- **Digest log**: entries older than ``CIVICFORUM_RETENTION_DAYS_DIGEST_LOG`` days,
  except each member's latest (the next digest starts where it ended) and digests still
  owed (being sent, or failed and to be tried again).
- **Personal tokens** (API tokens, feed keys) that were revoked or expired: shown to
  their member for 30 days as ended, then removed.
- **Sign-in counters** are not in the database: they live in the rate-limit storage
  (``CIVICFORUM_RATELIMIT_STORAGE_URL``) as keyed hashes, each dropped by the storage when
  its window ends, and no window may be longer than
  ``CIVICFORUM_RETENTION_HOURS_SIGNIN_COUNTERS`` (checked at start-up).

Every step is idempotent and commits on its own, so the purge may be stopped and run again
at any moment.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..digests.models import DigestLog, DigestStatus
from ..moderation.models import Report, ReportStatus
from ..settings import Settings
from ..tokens.services import purge_ended
from .export import STALE, delete_files
from .models import DataExport, ExportStatus


@dataclass(frozen=True)
class PurgeResult:
    exports_expired: int
    exports_removed: int
    stray_files: int
    report_emails: int
    digest_log_entries: int
    ended_tokens: int = 0


def purge_exports(
    db: Session, folder: Path, settings: Settings, at: dt.datetime
) -> tuple[int, int, int]:
    """Expire copies past their time, remove rows no longer needed and files nobody owns;
    how many expired, rows removed, stray files deleted."""
    ready_past = db.scalars(
        select(DataExport).where(
            DataExport.status == ExportStatus.READY.value, DataExport.expires_at <= at
        )
    ).all()
    for export in ready_past:
        export.status = ExportStatus.EXPIRED.value
    db.execute(
        update(DataExport)
        .where(DataExport.status == ExportStatus.QUEUED.value, DataExport.requested_at <= at - STALE)
        .values(status=ExportStatus.FAILED.value)
    )
    db.commit()
    delete_files(folder, [export.token for export in ready_past])
    interval = dt.timedelta(hours=settings.export_interval_hours)
    removed = db.execute(
        delete(DataExport).where(
            or_(
                and_(
                    DataExport.status == ExportStatus.EXPIRED.value,
                    DataExport.requested_at <= at - interval,
                ),
                and_(
                    DataExport.status == ExportStatus.FAILED.value,
                    DataExport.requested_at <= at - STALE,
                ),
            )
        )
    )
    db.commit()
    return len(ready_past), int(getattr(removed, "rowcount", 0) or 0), _stray_files(db, folder)


def _stray_files(db: Session, folder: Path) -> int:
    """ZIP files whose export is not ready (or gone), and parts a crashed task left."""
    if not folder.is_dir():
        return 0
    wanted = set(
        db.scalars(
            select(DataExport.token).where(
                DataExport.status.in_([ExportStatus.READY.value, ExportStatus.QUEUED.value])
            )
        )
    )
    old = time.time() - STALE.total_seconds()
    deleted = 0
    for path in folder.iterdir():
        if not path.is_file():
            continue
        stray_zip = path.suffix == ".zip" and path.stem not in wanted
        stale_part = path.suffix == ".part" and path.stat().st_mtime < old
        if stray_zip or stale_part:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def purge_report_emails(db: Session, settings: Settings, at: dt.datetime) -> int:
    handled_before = at - dt.timedelta(days=settings.retention_days_report_email)
    made_before = at - dt.timedelta(days=settings.retention_days_open_report_email)
    result = db.execute(
        update(Report)
        .where(
            Report.reporter_email.is_not(None),
            or_(
                and_(Report.status != ReportStatus.OPEN.value, Report.handled_at <= handled_before),
                Report.created_at <= made_before,
            ),
        )
        .values(reporter_email=None)
    )
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def purge_digest_log(db: Session, settings: Settings, at: dt.datetime) -> int:
    latest = select(func.max(DigestLog.id)).group_by(DigestLog.member_id)
    result = db.execute(
        delete(DigestLog).where(
            DigestLog.created_at <= at - dt.timedelta(days=settings.retention_days_digest_log),
            DigestLog.status.in_([DigestStatus.SENT.value, DigestStatus.EMPTY.value]),
            DigestLog.id.not_in(latest),
        )
    )
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def purge(
    db: Session,
    folder: Path,
    settings: Settings,
    *,
    progress: Callable[[str], None] = lambda step: None,
) -> PurgeResult:
    """Remove everything past its time (see the module's documentation)."""
    at = clock.now()
    progress("exports")
    expired, removed, stray = purge_exports(db, folder, settings, at)
    progress("report e-mail addresses")
    emails = purge_report_emails(db, settings, at)
    progress("digest log")
    digests = purge_digest_log(db, settings, at)
    progress("ended personal tokens")
    tokens = purge_ended(db, at)
    return PurgeResult(expired, removed, stray, emails, digests, tokens)
