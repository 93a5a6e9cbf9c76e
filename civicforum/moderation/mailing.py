"""E-mail to signed-out reporters who left an address: the acknowledgement of their
report, and later its outcome. Members read both on their "my reports" page instead.

Mail is sent after the report or the decision is committed; a mail server that cannot be
reached loses nothing, since the receipt link shows the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy.orm import Session

from ..i18n import gettext as _
from ..i18n import in_language
from ..identity.mail import MailError, send_mail
from ..settings import Settings
from .models import Measure, Report, ReportStatus
from .wording import measure_name


def _receipt_url(report: Report) -> str:
    return url_for("civicforum.report_receipt", receipt=report.receipt, _external=True)


def acknowledge(settings: Settings, report: Report) -> bool:
    """Confirm a report to the address its signed-out reporter gave; False when there is
    no address, no mail server, or the server could not be reached."""
    if not report.reporter_email or not settings.mail_enabled:
        return False
    body = "\n\n".join(
        [
            _("We received your report and a moderator will look at it."),
            _("You can follow what happens to it here:"),
            _receipt_url(report),
            _("We will write to you once more, when it has been handled."),
        ]
    )
    try:
        send_mail(
            settings,
            report.reporter_email,
            _("%(site)s: your report is received", site=settings.site_name),
            body,
        )
    except MailError:
        return False
    return True


def tell_outcomes(db: Session, settings: Settings, reports: Iterable[Report]) -> int:
    """Tell each handled report's signed-out reporter the outcome, in the forum's default
    language (the forum does not keep the language a visitor read in); how many were
    sent. An address is for the outcome only: once it is sent, the address is erased."""
    sent = 0
    if not settings.mail_enabled:
        return sent
    with in_language(settings.default_language):
        for report in reports:
            if not report.reporter_email or report.status == ReportStatus.OPEN:
                continue
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
            try:
                send_mail(
                    settings,
                    report.reporter_email,
                    _("%(site)s: the outcome of your report", site=settings.site_name),
                    "\n\n".join(parts),
                )
            except MailError:
                continue
            report.reporter_email = None
            sent += 1
    if sent:
        db.commit()
    return sent
