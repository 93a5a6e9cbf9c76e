"""A person's own data: who may ask for a copy of it, download it, and erase an account.

A copy of personal data and the erasure of an account are the member's own, and no one
else's: not a moderator's, not a site administrator's through the pages (an
administrator erases from the command line, where the host's own access control holds).
Erasing also asks for a fresh sign-in, so a browser left signed in cannot be used to
delete someone's account.
"""

from __future__ import annotations

import datetime as dt

from ..i18n import lazy_gettext as _l
from ..privacy.models import DataExport
from .base import ALLOW, Actor, Verdict, _deny

#: How recent a sign-in must be to erase an account without a password.
FRESH_SIGN_IN = dt.timedelta(minutes=10)


def can_request_export(actor: Actor) -> Verdict:
    """Only a signed-in member asks for a copy of their own data."""
    if actor.member is None:
        return _deny(_l("Sign in to ask for a copy of your data."), "sign_in")
    return ALLOW


def can_download_export(actor: Actor, export: DataExport) -> Verdict:
    """Only the member the copy is about downloads it: never another member, a moderator
    or a site administrator."""
    if actor.member is None:
        return _deny(_l("Sign in to download your copy."), "sign_in")
    if actor.member_id != export.member_id:
        return _deny(_l("Only the member who asked for this copy can download it."))
    return ALLOW


def can_erase_own_account(actor: Actor, signed_in_at: dt.datetime | None, at: dt.datetime) -> Verdict:
    """Whether the signed-in member may erase their own account from the pages, as of
    ``at``; nobody erases someone else's there.

    A member with a password of the forum confirms it on the form (checked by the
    erasure service); any other member needs a sign-in no older than
    :data:`FRESH_SIGN_IN`, else the refusal's remedy is ``"sign_in_again"``.
    """
    member = actor.member
    if member is None:
        return _deny(_l("Sign in to delete your account."), "sign_in")
    if member.local_account is not None:
        return ALLOW
    if signed_in_at is None or not at - FRESH_SIGN_IN <= signed_in_at <= at:
        return _deny(
            _l(
                "To delete your account, first sign in again; then you have %(minutes)d minutes.",
                minutes=FRESH_SIGN_IN.seconds // 60,
            ),
            "sign_in_again",
        )
    return ALLOW
