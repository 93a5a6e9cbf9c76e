"""Sending the forum's few e-mails (password reset) over SMTP."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from ..settings import Settings


class MailError(Exception):
    """The mail server could not be reached or refused the message."""


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message.

    :raises MailError: when the server cannot be reached or refuses it.
    """
    if settings.mail_server is None or settings.mail_sender is None:
        raise MailError("no mail server is configured (CIVICFORUM_MAIL_SERVER)")
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        if settings.mail_security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.mail_server,
                settings.mail_port,
                timeout=10,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=10)
        with smtp:
            if settings.mail_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.mail_username and settings.mail_password:
                smtp.login(settings.mail_username, settings.mail_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
