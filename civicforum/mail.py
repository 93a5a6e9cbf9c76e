"""Sending the forum's mail over SMTP: password resets, outcomes of reports, digests.

A message has a plain-text part always, an HTML part when there is one, and any extra
headers (``List-Unsubscribe``). Sending is one blocking SMTP conversation with a short
timeout; requests never wait on it: all mail goes through the task queue, which tries
again later.
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import Flask
from flask.ctx import RequestContext

from .settings import Settings


class MailError(Exception):
    """The mail server could not be reached or refused the message."""


@dataclass(frozen=True)
class Mail:
    """One message to one address."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    if settings.mail_sender is None:
        raise MailError("no sender is configured (CIVICFORUM_MAIL_SENDER)")
    # Headers are folded only where they have spaces: a long List-Unsubscribe address
    # must stay one plain <https://...> rather than turn into encoded words, which mail
    # programs do not read as a link. 998 is RFC 5322's own limit for a line.
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    message["From"] = settings.mail_sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    # After the content, which would drop headers of its own kind (Content-Language).
    for name, value in mail.headers.items():
        message[name] = value
    return message


def deliver(settings: Settings, mail: Mail) -> None:
    """Send one message.

    :raises MailError: when the server cannot be reached or refuses it.
    """
    if settings.mail_server is None:
        raise MailError("no mail server is configured (CIVICFORUM_MAIL_SERVER)")
    message = build_message(settings, mail)
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


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; see :func:`deliver`."""
    deliver(settings, Mail(to=to, subject=subject, text=body))


def site_request(app: Flask, settings: Settings) -> RequestContext:
    """A request context at the site's public address (``CIVICFORUM_SITE_URL``), for
    mail made outside any request (a task, the CLI): inside it ``url_for(...,
    _external=True)`` gives ``https://bibliotheek.example/forum/...``, with the forum's
    prefix and any path the site itself is served under.

    Links in mail are never made from a request's own ``Host`` header, which a visitor
    chooses.

    :raises MailError: when the site's address is not configured.
    """
    if settings.site_url is None:
        raise MailError("the site's address is not configured (CIVICFORUM_SITE_URL)")
    return app.test_request_context("/", base_url=settings.site_url)
