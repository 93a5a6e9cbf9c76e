"""An e-mail address for digests, for members the forum has no address for (they sign in
through an identity provider or the host's login) or who want their digests elsewhere.

The address is only stored once its owner followed the link sent to it: the link carries
the member's id and the address, signed with the forum's secret under a salt of its own,
and expires after two days. The confirmation mail is a task of the forum's queue, tried
again with growing pauses when the mail server is away, so no request waits on it.
"""

from __future__ import annotations

from flask import Flask, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..errors import ServiceError
from ..extension import state
from ..i18n import gettext as _
from ..i18n import in_language
from ..identity.models import Member
from ..identity.services import normalise_email
from ..mail import Mail, deliver, site_request
from ..settings import Settings

SALT = "civicforum.pace.digest-address"
MAX_AGE = 2 * 24 * 3600
CONFIRM_TASK = "civicforum.pace.confirm-address"
EMAIL_MAX = 254


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def clean_address(address: str) -> str:
    """:raises ServiceError: for anything that is not one plausible e-mail address."""
    found = normalise_email(address)
    local, at, domain = found.partition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(found) > EMAIL_MAX
        or any(c.isspace() or ord(c) < 32 for c in found)
        or "@" in domain
    ):
        raise ServiceError(_("Enter a valid e-mail address."), "address")
    return found


def confirmation_token(settings: Settings, member_id: int, address: str) -> str:
    return _serializer(settings).dumps([member_id, address])


def read_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(member id, address) of a confirmation link; None when forged, garbled or old."""
    if len(token) > 800:
        return None
    try:
        found = _serializer(settings).loads(token, max_age=MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if (
        not isinstance(found, list)
        or len(found) != 2
        or isinstance(found[0], bool)
        or not isinstance(found[0], int)
        or not isinstance(found[1], str)
    ):
        return None
    return found[0], found[1]


def ask_confirmation(member: Member, address: str, language: str) -> str:
    """Queue the mail with the confirmation link; returns the cleaned address.

    :raises ServiceError: for a malformed address, or when the site sends no mail.
    """
    forum = state()
    if not forum.settings.mail_enabled:
        raise ServiceError(_("This site sends no e-mail."), "address")
    cleaned = clean_address(address)
    tasks = forum.tasks
    tasks.enqueue(tasks.named(CONFIRM_TASK), member.id, cleaned, language)
    return cleaned


def register_tasks(app: Flask) -> None:
    queue = state(app).tasks

    @queue.task(CONFIRM_TASK, retries=8, retry_delay=60, retry_backoff=2)
    def send_confirmation(member_id: int, address: str, language: str) -> None:
        _send_confirmation(app, member_id, address, language)


def _send_confirmation(app: Flask, member_id: int, address: str, language: str) -> None:
    forum = state(app)
    settings = forum.settings
    with forum.session_factory() as db:
        member = db.get(Member, member_id)
        if member is None:
            return  # the account is gone meanwhile
        if language not in settings.languages:
            language = settings.default_language
        with site_request(app, settings), in_language(language):
            link = url_for(
                "civicforum.confirm_address",
                token=confirmation_token(settings, member_id, address),
                _external=True,
            )
            body = "\n\n".join(
                [
                    _(
                        "Someone (hopefully you, %(name)s) asked for the digests of %(site)s to come to this address.",
                        name=member.display_name,
                        site=settings.site_name,
                    ),
                    _("Confirm it here, within two days:"),
                    link,
                    _("If it was not you, ignore this message: nothing will be sent."),
                ]
            )
            mail = Mail(
                to=address,
                subject=_("%(site)s: confirm your address", site=settings.site_name),
                text=body,
                headers={"Auto-Submitted": "auto-generated"},
            )
    deliver(settings, mail)


def confirm(db: Session, settings: Settings, token: str) -> tuple[Member, str] | None:
    """Store the address of a valid link; None (and nothing stored) otherwise."""
    from .services import set_digest_address

    found = read_token(settings, token)
    if found is None:
        return None
    member = db.get(Member, found[0])
    if member is None:
        return None
    set_digest_address(db, member, found[1])
    return member, found[1]
