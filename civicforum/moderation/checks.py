"""What every moderation service checks the same way: the policy's answer, and text.

Kept apart from :mod:`civicforum.forum.services` (which itself asks moderation whether a
member may post), so the two areas never import each other in a circle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from .. import policy
from ..errors import NotAllowed, ServiceError
from ..i18n import gettext as _

T = TypeVar("T")

# NUL (PostgreSQL refuses it) and the other C0 controls except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

EXPLANATION_MAX = 5000


def require(verdict: policy.Verdict) -> None:
    """:raises NotAllowed: with the policy's reason when it refuses."""
    if not verdict:
        raise NotAllowed(verdict.reason, verdict.remedy, verdict)


def text(value: str | None, field: str, *, maximum: int, required: str | None = None) -> str:
    """Cleaned text: control characters removed, Windows line ends made plain, trimmed.

    :param required: the message for an empty value; without it, empty is allowed.
    :raises ServiceError: for empty required text, or text longer than ``maximum``.
    """
    cleaned = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    if not cleaned and required is not None:
        raise ServiceError(required, field)
    if len(cleaned) > maximum:
        raise ServiceError(
            _("This can be at most %(max)d characters; it has %(n)d.", max=maximum, n=len(cleaned)),
            field,
        )
    return cleaned


def line(value: str | None, field: str, *, maximum: int, required: str | None = None) -> str:
    """Like :func:`text`, for one line: runs of white space become one space."""
    return text(" ".join((value or "").split()), field, maximum=maximum, required=required)


@contextmanager
def writing(db: Session) -> Iterator[None]:
    """Roll back everything written inside when a rule refuses, then let the refusal through.

    Services check as they go; a refusal (or any other failure) halfway must leave
    nothing half-written.
    """
    try:
        yield
    except Exception:
        db.rollback()
        raise


def lock(db: Session, row: T) -> T:
    """``row`` locked until commit, with fresh values (another moderator may have written
    since it was loaded). Only its own table's row is locked: PostgreSQL refuses to lock
    the outer-joined rows that eager loading would add."""
    entity = type(row)
    key = inspect(entity).primary_key[0]
    query = (
        select(entity)
        .where(key == inspect(row).identity[0])
        .with_for_update(of=entity)
        .execution_options(populate_existing=True)
    )
    return db.scalars(query).one()
