"""E-mail to signed-out reporters who left an address: the acknowledgement of their
report, and later its outcome. Members read both on their "my reports" page instead.

Both are tasks of the forum's queue, queued after the report or the decision is
committed, so no request waits on a mail server. A server that cannot be reached delays
a mail and loses nothing: huey tries again after one minute, then after two, four, and
so on (the last try about three days after the first), and the receipt link shows the
same meanwhile. The address is erased once the outcome is sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, url_for
from sqlalchemy.orm import Session

from ..extension import state
from ..i18n import get_locale, in_language
from ..i18n import gettext as _
from ..mail import Mail, deliver, site_request
from ..settings import Settings
from .models import Measure, Report, ReportStatus
from .wording import measure_name

ACKNOWLEDGE = "civicforum.moderation.acknowledge"
OUTCOME = "civicforum.moderation.outcome"
#: Tries of a reporter's mail after the first: after 1 minute, then doubling each time.
RETRIES = 12
RETRY_DELAY = 60
RETRY_BACKOFF = 2
HEADERS = {"Auto-Submitted": "auto-generated"}


def register_tasks(app: Flask) -> None:
    """The two mails as tasks of ``app``'s queue, tried again with growing pauses."""
    queue = state(app).tasks

    @queue.task(ACKNOWLEDGE, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
    def send_acknowledgement(report_id: int, language: str) -> None:
        _send_acknowledgement(app, report_id, language)

    @queue.task(OUTCOME, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
    def send_outcome(report_id: int) -> None:
        _send_outcome(app, report_id)


def acknowledge(settings: Settings, report: Report) -> bool:
    """Queue the confirmation of a report to the address its signed-out reporter gave, in
    the language they reported in; False when there is no address or no mail server."""
    if not report.reporter_email or not settings.mail_enabled:
        return False
    tasks = state().tasks
    tasks.enqueue(tasks.named(ACKNOWLEDGE), report.id, get_locale())
    return True


def tell_outcomes(db: Session, settings: Settings, reports: Iterable[Report]) -> int:
    """Queue the outcome of each handled report for its signed-out reporter; how many
    were queued. ``db`` is the session the reports were read with (nothing is written
    here: the task erases each address once its mail is sent)."""
    if not settings.mail_enabled:
        return 0
    tasks = state().tasks
    queued = 0
    for report in reports:
        if report.reporter_email and report.status != ReportStatus.OPEN:
            tasks.enqueue(tasks.named(OUTCOME), report.id)
            queued += 1
    return queued


def _receipt_url(report: Report) -> str:
    return url_for("civicforum.report_receipt", receipt=report.receipt, _external=True)


def _send_acknowledgement(app: Flask, report_id: int, language: str) -> None:
    forum = state(app)
    settings = forum.settings
    with forum.session_factory() as db:
        report = db.get(Report, report_id)
        if report is None or not report.reporter_email:
            return  # the report or its address is gone meanwhile: nothing to confirm
        if language not in settings.languages:
            language = settings.default_language
        with site_request(app, settings), in_language(language):
            body = "\n\n".join(
                [
                    _("We received your report and a moderator will look at it."),
                    _("You can follow what happens to it here:"),
                    _receipt_url(report),
                    _("We will write to you once more, when it has been handled."),
                ]
            )
            mail = Mail(
                to=report.reporter_email,
                subject=_("%(site)s: your report is received", site=settings.site_name),
                text=body,
                headers=HEADERS,
            )
    # Outside any transaction: the mail server may take its time. A MailError makes the
    # queue try again later.
    deliver(settings, mail)


def _send_outcome(app: Flask, report_id: int) -> None:
    """Tell a handled report's signed-out reporter the outcome, in the forum's default
    language (the forum does not keep the language a visitor read in), then erase the
    address: it was for the outcome only."""
    forum = state(app)
    settings = forum.settings
    with forum.session_factory() as db:
        report = db.get(Report, report_id)
        if report is None or not report.reporter_email or report.status == ReportStatus.OPEN:
            return  # sent already (the address is erased), or nothing to tell
        with site_request(app, settings), in_language(settings.default_language):
            if report.status == ReportStatus.ACTED and report.outcome_measure:
                outcome = _(
                    "A moderator took a measure: %(measure)s.",
                    measure=measure_name(Measure(report.outcome_measure)),
                )
            else:
                outcome = _("A moderator looked at it and found no measure was needed.")
            parts = [_("Your report has been handled."), outcome]
            if report.outcome_note:
                parts.append(report.outcome_note)
            parts += [_("The details stay available here:"), _receipt_url(report)]
            mail = Mail(
                to=report.reporter_email,
                subject=_("%(site)s: the outcome of your report", site=settings.site_name),
                text="\n\n".join(parts),
                headers=HEADERS,
            )
        db.commit()  # end the read before the mail server's conversation
        deliver(settings, mail)
        report.reporter_email = None
        db.commit()
