"""Password reset by mail, for the forum's own accounts.

Whoever asks gets the same answer, whether or not the address has an account and
whether or not the mail server is up: no one learns from the page who is a member. The
mail is a task of the forum's queue, so no request waits on a mail server. The task
makes the link when it sends, so the link's time (``CIVICFORUM_PASSWORD_RESET_MAX_AGE``)
runs from the moment the mail leaves, not from the request; the link carries the
member's id and their session stamp, so it works once: setting the password changes the
stamp.
"""

from __future__ import annotations

from flask import Flask, url_for
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..extension import state
from ..i18n import gettext as _
from ..i18n import in_language
from ..mail import Mail, deliver, site_request
from ..settings import Settings
from .models import LocalAccount
from .providers import session_stamp
from .services import find_account

SALT = "civicforum.password-reset"
RESET_TASK = "civicforum.identity.reset_mail"
# Someone who asked for a reset is waiting for the mail: tried again after 1 minute, then
# 2, 4, 8 and 16, the last about half an hour after the first. A reset mail that comes
# hours later is of little use (they have asked again, or given up) and only puzzles.
RETRIES = 5
RETRY_DELAY = 60
RETRY_BACKOFF = 2


def serializer(settings: Settings) -> URLSafeTimedSerializer:
    """Signs and reads reset links: ``[member id, session stamp]`` under a salt of their own."""
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def ask_reset(db: Session, email: str, language: str) -> None:
    """Queue the reset mail, in ``language``, for the account that uses ``email``;
    nothing when no account does.

    :param db: the session of the request that asks (only read).
    """
    account = find_account(db, email)
    if account is None:
        return
    tasks = state().tasks
    tasks.enqueue(tasks.named(RESET_TASK), account.member_id, language)


def register_tasks(app: Flask) -> None:
    """The reset mail as a task of ``app``'s queue, tried again with short growing pauses."""
    queue = state(app).tasks

    @queue.task(RESET_TASK, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
    def send_reset(member_id: int, language: str) -> None:
        _send_reset(app, member_id, language)


def _send_reset(app: Flask, member_id: int, language: str) -> None:
    forum = state(app)
    settings = forum.settings
    with forum.session_factory() as db:
        account = db.get(LocalAccount, member_id)
        if account is None:
            return  # the member or their account is gone meanwhile: nothing to reset
        if language not in settings.languages:
            language = settings.default_language
        with site_request(app, settings), in_language(language):
            token = serializer(settings).dumps([account.member_id, session_stamp(account.member)])
            body = _(
                "Someone (hopefully you) asked to reset the password of your account at %(site)s.\n\n"
                "Choose a new password here, within %(minutes)d minutes:\n%(link)s\n\n"
                "If it was not you, ignore this message: nothing changes.",
                site=settings.site_name,
                minutes=settings.password_reset_max_age // 60,
                link=url_for("civicforum.reset", token=token, _external=True),
            )
            mail = Mail(
                to=account.email,
                subject=_("Reset your password"),
                text=body,
                headers={"Auto-Submitted": "auto-generated"},
            )
    # Outside any transaction: the mail server may take its time. A MailError makes the
    # queue try again later.
    deliver(settings, mail)
