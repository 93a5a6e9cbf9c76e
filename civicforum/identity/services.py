"""Writes that concern members and their accounts. Each takes a session and commits."""

from __future__ import annotations

import contextlib
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import now
from ..errors import ServiceError
from ..events import MemberRenamed, record
from ..i18n import gettext as _
from .models import (
    DISPLAY_NAME_MAX,
    REAL_NAME_MAX,
    ExternalIdentity,
    IdentityLevel,
    LocalAccount,
    Member,
    MemberAttribute,
    PublishAs,
)
from .oidc import VerifiedIdentity

PASSWORD_MIN = 10
PASSWORD_MAX = 1024
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Compared against when an e-mail address is unknown, so a wrong address takes as long
    to refuse as a wrong password and the timing tells nothing. Made on first use, not at
    import, so commands that never check a password do not pay for it."""
    return _hasher.hash(secrets.token_urlsafe(16))


# No control characters: NUL is refused by PostgreSQL in any text, and the others have no
# place in an address either.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
# NUL (PostgreSQL refuses it in any text) and the other control characters have no place
# in a name; tabs and line breaks become single spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _one_line(name: str) -> str:
    """A name as one line of text: no control characters, single spaces, no ends."""
    return " ".join(_CONTROL.sub("", name).split())


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_display_name(db: Session, name: str, member: Member | None = None) -> str:
    name = _one_line(name)
    if not 2 <= len(name) <= DISPLAY_NAME_MAX:
        raise ServiceError(
            _("A name needs %(low)d to %(high)d characters.", low=2, high=DISPLAY_NAME_MAX),
            "display_name",
        )
    taken = db.scalar(select(Member.id).where(Member.display_name_key == name.casefold()))
    if taken is not None and (member is None or taken != member.id):
        raise ServiceError(_("That name is taken; please choose another."), "display_name")
    return name


def _free_display_name(db: Session, wanted: str) -> str:
    """A display name close to ``wanted`` that no one has yet (for automatic links)."""
    base = _one_line(wanted)[: DISPLAY_NAME_MAX - 4] or "member"
    if len(base) < 2:
        base = f"{base}-member"
    candidate, n = base, 1
    while db.scalar(select(Member.id).where(Member.display_name_key == candidate.casefold())):
        n += 1
        candidate = f"{base} {n}"
    return candidate


def new_member(db: Session, display_name: str, level: IdentityLevel) -> Member:
    member = Member(
        display_name=display_name,
        display_name_key=display_name.casefold(),
        identity_level=int(level),
        publish_as=PublishAs.PSEUDONYM.value,
    )
    db.add(member)
    return member


def new_member_named_like(db: Session, wanted: str, level: IdentityLevel) -> Member:
    """A member under a free display name close to ``wanted`` (someone whose name comes
    from elsewhere: an identity provider, another server)."""
    return new_member(db, _free_display_name(db, wanted), level)


def link_external_identity(
    db: Session, *, provider: str, subject: str, display_name: str, level: IdentityLevel
) -> Member:
    """The member behind an outside identity, created on first sight.

    Two requests of a brand-new person may race; the unique (provider, subject) pair lets
    one win and the other read what the winner wrote.
    """
    query = (
        select(Member)
        .join(ExternalIdentity)
        .where(ExternalIdentity.provider == provider, ExternalIdentity.subject == subject)
    )
    member = db.scalar(query)
    if member is not None:
        if member.identity_level < level:
            member.identity_level = int(level)
            db.commit()
        return member
    member = new_member(db, _free_display_name(db, display_name), level)
    member.identities.append(ExternalIdentity(provider=provider, subject=subject))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        existing = db.scalar(query)
        if existing is None:
            raise
        return existing
    return member


def _check_password(password: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ServiceError(
            _("A password needs at least %(low)d characters.", low=PASSWORD_MIN), "password"
        )


def register_local_account(
    db: Session, *, email: str, password: str, display_name: str, site_admin: bool = False
) -> Member:
    """Create a member with a local account, in one transaction.

    :param site_admin: make them a site administrator (``flask civicforum create-admin``).

    :raises ServiceError: for a malformed or taken address, a taken name or a short password.
    """
    address = normalise_email(email)
    if not _EMAIL.match(address) or len(address) > 254:
        raise ServiceError(_("Enter a valid e-mail address."), "email")
    name = check_display_name(db, display_name)
    _check_password(password)
    if db.scalar(select(LocalAccount.member_id).where(LocalAccount.email == address)):
        raise ServiceError(_("An account with this e-mail address exists already."), "email")
    member = new_member(db, name, IdentityLevel.REGISTERED)
    member.is_site_admin = site_admin
    member.local_account = LocalAccount(email=address, password_hash=_hasher.hash(password))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ServiceError(
            _("An account with this e-mail address exists already."), "email"
        ) from None
    return member


def authenticate(db: Session, email: str, password: str) -> Member | None:
    """The member whose local account matches, or ``None``; rehashes outdated hashes."""
    account = find_account(db, email)
    if account is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return None
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
        db.commit()
    return account.member


def set_password(db: Session, account: LocalAccount, password: str) -> None:
    _check_password(password)
    account.password_hash = _hasher.hash(password)
    account.password_changed_at = now()
    db.commit()


def find_account(db: Session, email: str) -> LocalAccount | None:
    address = normalise_email(email)
    if "\x00" in address:
        # No account has such an address, and PostgreSQL would refuse to compare it.
        return None
    return db.scalar(select(LocalAccount).where(LocalAccount.email == address))


def find_member(db: Session, who: str) -> Member | None:
    """A member by the e-mail address of their local account, or by their forum name
    (ignoring case), as administrators name people on the command line."""
    if "@" in who:
        account = find_account(db, who)
        return account.member if account is not None else None
    return db.scalar(select(Member).where(Member.display_name_key == who.strip().casefold()))


def update_member_settings(
    db: Session,
    member: Member,
    *,
    display_name: str,
    real_name: str,
    publish_as: str,
    language: str | None,
    languages: tuple[str, ...],
) -> None:
    """Change what a member controls about themselves.

    :raises ServiceError: for a taken or malformed name, or a choice that does not exist.
    """
    name = check_display_name(db, display_name, member)
    real = _one_line(real_name) or None
    if real is not None and len(real) > REAL_NAME_MAX:
        raise ServiceError(
            _("A name needs %(low)d to %(high)d characters.", low=2, high=REAL_NAME_MAX),
            "real_name",
        )
    if publish_as not in {p.value for p in PublishAs}:
        raise ServiceError(_("Choose how your posts are signed."), "publish_as")
    if publish_as == PublishAs.REAL_NAME and real is None:
        raise ServiceError(_("Set a real name first to publish under it."), "publish_as")
    if publish_as == PublishAs.VERIFIED and member.level < IdentityLevel.VERIFIED:
        raise ServiceError(
            _("Only members with a verified identity can post as “verified member”."), "publish_as"
        )
    if language is not None and language not in languages:
        raise ServiceError(_("Choose one of the offered languages."), "language")
    renamed = (name, real) != (member.display_name, member.real_name)
    member.display_name = name
    member.display_name_key = name.casefold()
    member.real_name = real
    if renamed:
        record(db, MemberRenamed(member.id))
    member.publish_as = publish_as
    member.language = language
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ServiceError(
            _("That name is taken; please choose another."), "display_name"
        ) from None


def count_members(db: Session) -> int:
    return db.scalar(select(func.count(Member.id))) or 0


class IdentityLinkedElsewhere(ServiceError):
    """The outside identity belongs to another member already."""


def oidc_provider_key(name: str) -> str:
    return f"oidc:{name}"


def sign_in_with_verified_identity(
    db: Session, verified: VerifiedIdentity, *, link_to: Member | None
) -> Member:
    """The member for a verified outside identity, created, linked or updated in one
    transaction: a failure leaves no member, identity or attribute half-written.

    :param link_to: the signed-in member who asked to link this identity, if any.
    :raises IdentityLinkedElsewhere: when linking an identity another member holds.
    """
    provider = oidc_provider_key(verified.provider)
    identity = db.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider, ExternalIdentity.subject == verified.subject
        )
    )
    try:
        if identity is not None:
            member = identity.member
            if link_to is not None and member.id != link_to.id:
                raise IdentityLinkedElsewhere(
                    _(
                        "This sign-in is linked to another account already. Sign in with it to use that account."
                    )
                )
        elif link_to is not None:
            member = link_to
            member.identities.append(ExternalIdentity(provider=provider, subject=verified.subject))
        else:
            # Nothing from the claims becomes a name: the member chooses one later.
            member = new_member(
                db,
                _free_display_name(db, _("Member %(n)d", n=secrets.randbelow(9000) + 1000)),
                IdentityLevel.REGISTERED,
            )
            member.identities.append(ExternalIdentity(provider=provider, subject=verified.subject))
        if verified.level is not None and member.identity_level < verified.level:
            member.identity_level = int(verified.level)
        held = {a.key: a for a in member.attributes if a.provider == provider}
        for key in set(held) - verified.attributes:
            member.attributes.remove(held[key])
        for key in verified.attributes:
            if key in held:
                held[key].verified_at = now()
            else:
                member.attributes.append(MemberAttribute(key=key, provider=provider))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return member
