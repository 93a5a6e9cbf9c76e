"""What a host may ask of a widget in its link: how many items, and in which language.

Anything else in a widget's link is a mistake the host's web team should see at once, in
words, while building their page: a 400 that says which parameter and what would do,
never a widget quietly showing something else, and never a server error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..i18n import gettext as _

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
WHOLE_NUMBER = re.compile(r"[0-9]{1,3}")


class BadWidgetRequest(Exception):
    """A widget's link asks for something the widget cannot do.

    :param message: what is wrong and what would do, in the widget's language.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WidgetOptions:
    """What the link asks for: at most ``limit`` items a section, in ``language``."""

    limit: int
    language: str


def read_options(args: Mapping[str, str], offered: Sequence[str], negotiated: str) -> WidgetOptions:
    """The options of a widget's link.

    :param offered: the forum's languages (``CIVICFORUM_LANGUAGES``).
    :param negotiated: the language when the link does not choose one: the best match of
        the request's ``Accept-Language``.
    :raises BadWidgetRequest: for a ``limit`` outside 1 to 20 or not a whole number, and
        a ``lang`` the forum does not offer.
    """
    language = args.get("lang", negotiated)
    if language not in offered:
        raise BadWidgetRequest(
            _("“lang” must be one of: %(languages)s.", languages=", ".join(offered))
        )
    return WidgetOptions(read_limit(args.get("limit")), language)


def read_limit(raw: str | None) -> int:
    """``limit``: how many items each section shows, 1 to 20 (5 when not given).

    :raises BadWidgetRequest: for anything but a whole number in that range.
    """
    if raw is None:
        return DEFAULT_LIMIT
    if WHOLE_NUMBER.fullmatch(raw) and 1 <= int(raw) <= MAX_LIMIT:
        return int(raw)
    raise BadWidgetRequest(
        _(
            "“limit” must be a whole number from 1 to %(most)d, such as limit=5.",
            most=MAX_LIMIT,
        )
    )
