"""Making, checking and revoking a member's personal tokens.

**API tokens** (``cfa_`` and 43 random URL-safe characters) are shown to the member once,
when made; the forum keeps only their SHA-256 hash. A member chooses a label, a scope and
a lifetime of 30, 90 or 365 days, and has at most :data:`MAX_ACTIVE_API_TOKENS` at once.

**The feed key** (``cff_`` and 43 characters) makes the member's private feed and
calendar addresses. Those addresses should be there to copy again whenever the member
is signed in, yet a copy of the database alone must not reveal them; so the forum keeps
a random ``nonce`` and derives the key as an HMAC-SHA256 of it under the forum's secret
key, with the key's hash beside it for lookups. A member has at most one active feed key;
a new one stops the old one. Feed keys do not expire.

A token that ended (revoked or expired) stays listed for :data:`SHOWN_AFTER_END`, then
goes: the member's next new token removes it, and :func:`purge_ended` removes all of them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from .. import clock
from ..errors import ServiceError
from ..i18n import gettext as _
from ..identity.models import Member
from ..privacy.export import lock_member
from .models import NAME_MAX, PersonalToken, TokenKind, TokenScope, TokenStatus

API_PREFIX = "cfa_"
FEED_PREFIX = "cff_"
#: The lifetimes a member chooses from for an API token, in days.
LIFETIMES = (30, 90, 365)
DEFAULT_DAYS = 90
MAX_ACTIVE_API_TOKENS = 20
#: A use is written down at most this often per token, not on every request.
USE_RECORDED_EVERY = dt.timedelta(minutes=5)
#: How long a revoked or expired token is still listed on the settings page.
SHOWN_AFTER_END = dt.timedelta(days=30)
# Longer than any token the forum makes: a presented string past this is not looked up.
_LONGEST = 100


class TokenRefused(Exception):
    """A presented token does not open anything: ``reason`` is ``"unknown"`` (also for a
    token of another kind), ``"expired"`` or ``"revoked"``; ``str()`` says so in words
    for a person, in the language of the moment it is shown."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)

    def __str__(self) -> str:
        if self.reason == "expired":
            return _("This token has expired. Make a new one on your settings page.")
        if self.reason == "revoked":
            return _("This token was revoked. Make a new one on your settings page.")
        return _("This token is not known here. Check that it was copied whole.")


class TooManyTokens(ServiceError):
    status_code = 422


def token_hash(secret: str) -> str:
    """What a token is stored and looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _feed_key(secret_key: str, nonce: str) -> str:
    mac = hmac.new(secret_key.encode(), nonce.encode(), hashlib.sha256).digest()
    return FEED_PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


# NUL (PostgreSQL refuses it in any text) and the other control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _clean_name(name: str) -> str:
    cleaned = " ".join(_CONTROL.sub("", name).split())
    if not cleaned:
        raise ServiceError(
            _("Give the token a name, such as “My newsletter script”, so you know it later."),
            "name",
        )
    if len(cleaned) > NAME_MAX:
        raise ServiceError(
            _(
                "A name can be at most %(max)d characters; it has %(count)d.",
                max=NAME_MAX,
                count=len(cleaned),
            ),
            "name",
        )
    return cleaned


def _active(kind: TokenKind, at: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        PersonalToken.kind == kind.value,
        PersonalToken.revoked_at.is_(None),
        or_(PersonalToken.expires_at.is_(None), PersonalToken.expires_at > at),
    ]


def _drop_ended(db: Session, member_id: int, at: dt.datetime) -> None:
    """The member's tokens that ended longer than :data:`SHOWN_AFTER_END` ago."""
    db.execute(delete(PersonalToken).where(PersonalToken.member_id == member_id, _ended(at)))


def _ended(at: dt.datetime) -> ColumnElement[bool]:
    # Spelled out with IS NULL tests, so that its negation holds for tokens in use too
    # (NOT of a comparison with NULL would be NULL, and drop them).
    before = at - SHOWN_AFTER_END
    return or_(
        and_(PersonalToken.revoked_at.is_not(None), PersonalToken.revoked_at <= before),
        and_(
            PersonalToken.revoked_at.is_(None),
            PersonalToken.expires_at.is_not(None),
            PersonalToken.expires_at <= before,
        ),
    )


def create_api_token(
    db: Session, member: Member, *, name: str, scope: TokenScope, days: int
) -> tuple[PersonalToken, str]:
    """Make an API token for ``member``; commits. Returns the token and its secret,
    which is shown once and never stored.

    :param name: the member's label for it, at most :data:`~.models.NAME_MAX` characters.
    :param days: its lifetime, one of :data:`LIFETIMES`.
    :raises ServiceError: for an empty or too long name, an unknown scope or lifetime
        (``field`` names which).
    :raises TooManyTokens: when the member has :data:`MAX_ACTIVE_API_TOKENS` active ones.
    """
    cleaned = _clean_name(name)
    if scope not in tuple(TokenScope):
        raise ServiceError(_("Choose what the token may do."), "scope")
    if isinstance(days, bool) or days not in LIFETIMES:
        raise ServiceError(_("Choose how long the token works: 30, 90 or 365 days."), "days")
    try:
        # Two requests at once must not make a 21st token between them.
        if not lock_member(db, member.id):
            raise ServiceError(_("This account does not exist any more."))
        at = clock.now()
        active = db.scalar(
            select(func.count(PersonalToken.id)).where(
                PersonalToken.member_id == member.id, *_active(TokenKind.API, at)
            )
        )
        if (active or 0) >= MAX_ACTIVE_API_TOKENS:
            raise TooManyTokens(
                _(
                    "You have %(count)d active API tokens, the most there can be. Revoke one you no longer use first.",
                    count=MAX_ACTIVE_API_TOKENS,
                )
            )
        _drop_ended(db, member.id, at)
        secret = API_PREFIX + secrets.token_urlsafe(32)
        token = PersonalToken(
            member_id=member.id,
            kind=TokenKind.API.value,
            scope=TokenScope(scope).value,
            name=cleaned,
            token_hash=token_hash(secret),
            created_at=at,
            expires_at=at + dt.timedelta(days=days),
        )
        db.add(token)
        db.commit()
    except Exception:
        db.rollback()
        raise
    return token, secret


def _current_feed_key(db: Session, member_id: int) -> PersonalToken | None:
    return db.scalars(
        select(PersonalToken)
        .where(PersonalToken.member_id == member_id, *_active(TokenKind.FEED, clock.now()))
        .order_by(PersonalToken.id.desc())
        .limit(1)
    ).first()


def _new_feed_key(db: Session, member_id: int, secret_key: str, at: dt.datetime) -> str:
    nonce = secrets.token_urlsafe(32)
    secret = _feed_key(secret_key, nonce)
    db.add(
        PersonalToken(
            member_id=member_id,
            kind=TokenKind.FEED.value,
            scope=TokenScope.READ.value,
            name="",
            token_hash=token_hash(secret),
            nonce=nonce,
            created_at=at,
        )
    )
    return secret


def _stop_feed_keys(db: Session, member_id: int, at: dt.datetime) -> int:
    stopped = db.execute(
        update(PersonalToken)
        .where(PersonalToken.member_id == member_id, *_active(TokenKind.FEED, at))
        .values(revoked_at=at)
    )
    return int(getattr(stopped, "rowcount", 0) or 0)


def feed_secret(
    db: Session, member: Member, secret_key: str, *, create: bool = False
) -> str | None:
    """The member's current feed key, or None when they have none.

    :param secret_key: the forum's secret key (``state().settings.secret_key``).
    :param create: make one when they have none (and commit).
    """
    found = _current_feed_key(db, member.id)
    if found is not None and found.nonce is not None:
        secret = _feed_key(secret_key, found.nonce)
        if found.token_hash != token_hash(secret):
            # The forum's secret key changed: the old addresses no longer derive from it,
            # so the key the member sees becomes the one that works.
            found.token_hash = token_hash(secret)
            db.commit()
        return secret
    if not create:
        return None
    try:
        if not lock_member(db, member.id):
            raise ServiceError(_("This account does not exist any more."))
        # Another request may have made one while this one waited for the lock.
        found = _current_feed_key(db, member.id)
        if found is not None and found.nonce is not None:
            db.commit()
            return _feed_key(secret_key, found.nonce)
        secret = _new_feed_key(db, member.id, secret_key, clock.now())
        db.commit()
    except Exception:
        db.rollback()
        raise
    return secret


def renew_feed_key(db: Session, member: Member, secret_key: str) -> str:
    """A new feed key for the member, which stops the old one (and so every private
    address made with it); commits."""
    try:
        if not lock_member(db, member.id):
            raise ServiceError(_("This account does not exist any more."))
        at = clock.now()
        _stop_feed_keys(db, member.id, at)
        _drop_ended(db, member.id, at)
        secret = _new_feed_key(db, member.id, secret_key, at)
        db.commit()
    except Exception:
        db.rollback()
        raise
    return secret


def stop_feed_key(db: Session, member: Member) -> bool:
    """Stop the member's feed key; commits. Whether they had one."""
    stopped = _stop_feed_keys(db, member.id, clock.now())
    db.commit()
    return stopped > 0


def revoke(db: Session, member: Member, token_id: int) -> PersonalToken:
    """Revoke one of the member's own tokens; commits. Revoking it again changes nothing.

    :raises NotFound: for a token that is not the member's (or does not exist).
    """
    token = db.scalar(
        select(PersonalToken).where(
            PersonalToken.id == token_id, PersonalToken.member_id == member.id
        )
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.commit()
    return token


def check_token(db: Session, presented: str, kind: TokenKind) -> PersonalToken:
    """The active token of ``kind`` that ``presented`` is.

    Its use is written down in ``last_used_at`` (and committed), but at most once every
    :data:`USE_RECORDED_EVERY` per token, so reading a feed or calling the API does not
    write on every request.

    :raises TokenRefused: for an unknown token or one of another kind (``"unknown"``), a
        revoked (``"revoked"``) or an expired one (``"expired"``).
    """
    if not isinstance(presented, str) or not 0 < len(presented) <= _LONGEST:
        raise TokenRefused("unknown")
    # Read afresh even when the session holds the token already: it may have been
    # revoked since.
    token = db.scalar(
        select(PersonalToken)
        .where(PersonalToken.token_hash == token_hash(presented))
        .execution_options(populate_existing=True)
    )
    if token is None or token.kind != kind:
        raise TokenRefused("unknown")
    at = clock.now()
    status = token.status(at)
    if status != TokenStatus.ACTIVE:
        raise TokenRefused(status.value)
    if token.last_used_at is None or token.last_used_at <= at - USE_RECORDED_EVERY:
        # Conditional, so two requests at the same moment write it once.
        db.execute(
            update(PersonalToken)
            .where(
                PersonalToken.id == token.id,
                or_(
                    PersonalToken.last_used_at.is_(None),
                    PersonalToken.last_used_at <= at - USE_RECORDED_EVERY,
                ),
            )
            .values(last_used_at=at)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        set_committed_value(token, "last_used_at", at)
    return token


def member_tokens(db: Session, member: Member) -> list[PersonalToken]:
    """The member's tokens for the settings page, newest first: those in use, and those
    that ended less than :data:`SHOWN_AFTER_END` ago."""
    return list(
        db.scalars(
            select(PersonalToken)
            .where(PersonalToken.member_id == member.id, ~_ended(clock.now()))
            .order_by(PersonalToken.created_at.desc(), PersonalToken.id.desc())
        )
    )


def purge_ended(db: Session, at: dt.datetime) -> int:
    """Remove every member's tokens that ended longer than :data:`SHOWN_AFTER_END`
    before ``at``; commits. How many went."""
    result = db.execute(delete(PersonalToken).where(_ended(at)))
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
