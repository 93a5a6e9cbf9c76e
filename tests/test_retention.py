"""How long the forum keeps what it keeps: ``flask civicforum purge`` removes expired
copies of members' data (and stray files), reporters' e-mail addresses and old digest log
entries, says what it did, and changes nothing when run again. Sign-in counters live in
the rate-limit storage; their retention bounds the sign-in limit's windows."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicforum import ConfigError
from civicforum.digests.models import DigestLog, DigestStatus
from civicforum.extension import state
from civicforum.forum.models import Community, Post
from civicforum.identity.models import Member
from civicforum.identity.services import register_local_account
from civicforum.moderation import reports
from civicforum.moderation.models import Ground, Report, ReportStatus, ReportTarget
from civicforum.policy import ANONYMOUS
from civicforum.privacy import export
from civicforum.privacy.models import DataExport, ExportStatus
from civicforum.settings import load_settings

from .conftest import forum_app
from .helpers import FrozenClock, add_member, moderation_world
from .privacyworld import made_export

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


def purge(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["civicforum", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def test_expired_copies_lose_their_file_then_their_record(
    app: Flask, db: Session, make_member: Callable[..., Member], clock: FrozenClock
) -> None:
    member = make_member("Ans")
    made_export(app, db, member)
    folder = export.exports_folder(app)
    (made,) = db.scalars(select(DataExport)).all()
    path = export.file_of(folder, made.token)
    assert "0 expired" in purge(app) and path.exists()

    clock.advance(days=7, minutes=1)
    # Past its seven days, and past the day between two copies: file and record go.
    output = purge(app)
    assert "1 expired and their files deleted, 1 records removed" in output
    assert not path.exists()
    assert db.scalars(select(DataExport)).all() == []
    assert "0 expired and their files deleted, 0 records removed" in purge(app)


def test_records_go_once_the_member_may_ask_again(
    database_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    """With ten days between two copies, an expired copy's record stays (without its
    file) until then: it is what tells the member when they may ask again."""
    with (
        forum_app(database_url, tmp_path / "site", CIVICFORUM_EXPORT_INTERVAL_HOURS=240) as app,
        state(app).session_factory() as db,
    ):
        member = register_local_account(
            db, email="ans@example.org", password="correct horse battery", display_name="Ans"
        )
        made_export(app, db, member)
        clock.advance(days=8)
        assert "1 expired and their files deleted, 0 records removed" in purge(app)
        db.expire_all()
        (kept,) = db.scalars(select(DataExport)).all()
        assert kept.status == ExportStatus.EXPIRED
        clock.advance(days=2)
        assert "0 expired and their files deleted, 1 records removed" in purge(app)
        assert db.scalars(select(DataExport)).all() == []


def test_stray_files_and_left_over_parts_are_deleted(
    app: Flask, db: Session, make_member: Callable[..., Member]
) -> None:
    member = make_member("Ans")
    made_export(app, db, member)
    folder = export.exports_folder(app)
    stray = folder / "nobody-asked-for-this.zip"
    stray.write_bytes(b"PK")
    part = folder / ".crashed.part"
    part.write_bytes(b"PK")
    fresh_part = folder / ".being-written.part"
    fresh_part.write_bytes(b"PK")
    old = time.time() - 7 * 3600
    os.utime(part, (old, old))
    assert "2 stray files deleted" in purge(app)
    assert not stray.exists() and not part.exists() and fresh_part.exists()
    assert len(list(folder.glob("*.zip"))) == 1


def signed_out_report(db: Session, community: Community, post: Post, email: str) -> Report:
    acknowledged = reports.submit_report(
        db,
        ANONYMOUS,
        community,
        reports.Notice(
            ReportTarget.POST,
            post.id,
            Ground.ILLEGAL,
            "Dit is oplichting.",
            "in de reacties",
            True,
            legal_ground="Wetboek van Strafrecht, art. 326",
            email=email,
        ),
    )
    return acknowledged.report


def handle(db: Session, report: Report, at: dt.datetime) -> None:
    """A report handled without its outcome mailed (no mail server), at ``at``."""
    report.status = ReportStatus.DISMISSED.value
    report.handled_at = at
    db.commit()


def test_reporters_addresses_are_kept_only_for_a_while(
    app: Flask,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
    clock: FrozenClock,
) -> None:
    world = moderation_world(db, make_member, make_community)
    old_open = signed_out_report(db, world.community, world.post, "old-open@example.org")
    clock.advance(days=100)
    handled_long_ago = signed_out_report(db, world.community, world.post, "long@example.org")
    handled_recently = signed_out_report(db, world.community, world.post, "recent@example.org")
    new_open = signed_out_report(db, world.community, world.post, "new-open@example.org")
    handle(db, handled_long_ago, clock.now())
    clock.advance(days=20)
    handle(db, handled_recently, clock.now())
    clock.advance(days=9)  # handled 29 days ago, made 129 days ago: nothing is old enough
    assert "Reporters' e-mail addresses erased: 0." in purge(app)
    clock.advance(days=52)  # the first report is 181 days old, the first handling 81
    assert "Reporters' e-mail addresses erased: 3." in purge(app)
    db.expire_all()
    left = {r.id: r.reporter_email for r in db.scalars(select(Report))}
    assert left == {
        old_open.id: None,
        handled_long_ago.id: None,
        handled_recently.id: None,
        new_open.id: "new-open@example.org",
    }
    assert db.get(Report, new_open.id).status == ReportStatus.OPEN  # type: ignore[union-attr]
    assert "Reporters' e-mail addresses erased: 0." in purge(app)


def log(db: Session, member: Member, period: str, status: DigestStatus, at: dt.datetime) -> int:
    entry = DigestLog(
        member_id=member.id,
        period=period,
        status=status.value,
        covers_from=at - dt.timedelta(days=1),
        covers_until=at,
        created_at=at,
    )
    db.add(entry)
    db.commit()
    return entry.id


def test_the_digest_log_keeps_each_members_latest_and_what_is_owed(
    app: Flask, db: Session, make_member: Callable[..., Member], clock: FrozenClock
) -> None:
    ans, bram = make_member("Ans"), make_member("Bram")
    old = START - dt.timedelta(days=200)
    ans_old = log(db, ans, "d:2025-08-01", DigestStatus.SENT, old)
    ans_empty = log(db, ans, "d:2025-08-02", DigestStatus.EMPTY, old)
    ans_failed = log(db, ans, "d:2025-08-03", DigestStatus.FAILED, old)
    ans_new = log(db, ans, "d:2026-03-01", DigestStatus.SENT, START - dt.timedelta(days=1))
    bram_only = log(db, bram, "w:2025-W31", DigestStatus.SENT, old)
    assert "Digest log entries removed: 2." in purge(app)
    kept = set(db.scalars(select(DigestLog.id)))
    assert kept == {ans_failed, ans_new, bram_only}
    assert {ans_old, ans_empty} & kept == set()
    assert "Digest log entries removed: 0." in purge(app)


def test_purge_says_where_sign_in_counters_are(app: Flask) -> None:
    output = purge(app)
    assert output.startswith("Purging exports ...")
    assert "Sign-in counters: kept by the rate-limit storage" in output
    assert "at most 24 hours" in output


def test_sign_in_windows_may_not_outlast_their_retention(tmp_path: Path) -> None:
    base = {"CIVICFORUM_SECRET_KEY": "s" * 40, "CIVICFORUM_SIGNIN_RATE_LIMIT": "5 per 2 days"}
    with pytest.raises(ConfigError) as refused:
        load_settings(base)
    assert refused.value.key == "CIVICFORUM_SIGNIN_RATE_LIMIT"
    assert "CIVICFORUM_RETENTION_HOURS_SIGNIN_COUNTERS" in str(refused.value)
    allowed = load_settings({**base, "CIVICFORUM_RETENTION_HOURS_SIGNIN_COUNTERS": 48})
    assert allowed.retention_hours_signin_counters == 48
    with pytest.raises(ConfigError, match="CIVICFORUM_RETENTION_DAYS_EXPORT"):
        load_settings({"CIVICFORUM_SECRET_KEY": "s" * 40, "CIVICFORUM_RETENTION_DAYS_EXPORT": 0})


def test_purge_refuses_before_the_tables_exist(tmp_path: Path, empty_database_url: str) -> None:
    from civicforum import CivicForum

    from .conftest import make_host_app

    host = make_host_app(empty_database_url, tmp_path / "bare")
    CivicForum(host)
    result = host.test_cli_runner().invoke(args=["civicforum", "purge"])
    assert result.exit_code != 0 and "db upgrade" in result.output


def test_a_member_is_named_on_the_command_line_by_id_or_address(
    app: Flask,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> None:
    community = make_community("buurt")
    member = make_member("Ans")
    add_member(db, community, member)
    runner = app.test_cli_runner()
    shown = runner.invoke(
        args=["civicforum", "members", "erase", "person1@example.org"], input="n\n"
    )
    assert f"Member {member.id} (Ans)" in shown.output and shown.exit_code != 0
