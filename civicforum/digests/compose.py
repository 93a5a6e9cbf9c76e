"""One digest as an e-mail: a plain-text part and a small, accessible HTML part from the
templates in ``templates/civicforum/digests/``, a subject without numbers, and the headers
that make it a well-behaved automatic mail (RFC 8058 one-click unsubscribe, RFC 3834).

Made inside a request context at the site's address and in the member's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

from flask import current_app, url_for

from ..i18n import get_locale
from ..i18n import gettext as _
from ..mail import Mail
from ..pace.models import DigestFrequency
from ..settings import Settings
from .content import SHOWN
from .sections import DigestItem, DigestSection
from .tokens import unsubscribe_token


@dataclass(frozen=True)
class Shown:
    """A section as the mail shows it: at most ``SHOWN`` items, and whether there is more."""

    title: str
    items: list[DigestItem]
    more: bool


def subject(settings: Settings, frequency: str) -> str:
    if frequency == DigestFrequency.WEEKLY:
        return _("What is new at %(site)s this week", site=settings.site_name)
    return _("What is new at %(site)s today", site=settings.site_name)


def compose(
    settings: Settings,
    *,
    member_id: int,
    address: str,
    frequency: str,
    sections: list[DigestSection],
    message_id: str,
    moment: dt.datetime,
) -> Mail:
    """The digest mail for ``sections`` (which must not be empty)."""
    unsubscribe_url = url_for(
        "civicforum.unsubscribe",
        token=unsubscribe_token(settings, member_id),
        _external=True,
    )
    shown = [
        Shown(section.title, list(section.items[:SHOWN]), len(section.items) > SHOWN)
        for section in sections
    ]
    title = subject(settings, frequency)
    context: dict[str, Any] = {
        "_": _,
        "gettext": _,
        "lang": get_locale(),
        "subject": title,
        "site_name": settings.site_name,
        "sections": shown,
        "weekly": frequency == DigestFrequency.WEEKLY,
        "forum_url": url_for("civicforum.index", _external=True),
        "settings_url": url_for("civicforum.settings", _external=True),
        "unsubscribe_url": unsubscribe_url,
    }
    templates = current_app.jinja_env
    text = templates.get_template("civicforum/digests/digest.txt").render(context)
    html = templates.get_template("civicforum/digests/digest.html").render(context)
    return Mail(
        to=address,
        subject=title,
        text=text,
        html=html,
        headers={
            "Message-ID": message_id,
            "Date": format_datetime(moment.astimezone(dt.UTC)),
            "Content-Language": get_locale(),
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
