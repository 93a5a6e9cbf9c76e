"""What the pages need to know about the signed-in member's pace, asked lazily and at
most once a request: quiet hours now, warnings open or folded, the one question about
mail, and whether they follow what they look at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, request, session

from .. import clock
from ..forum.models import Community, Topic
from .models import DigestFrequency
from .quiet import is_quiet, quiet_ends, zone
from .services import digest_address, follows_community, follows_topic

#: The query parameter with which a member passes the quiet-hours note.
WRITE_ANYWAY = "write"
#: Until when (seconds since the epoch) the member passed the note: the rest of this night.
PASSED_KEY = "civicforum.write_anyway_until"


@dataclass(frozen=True)
class PaceNow:
    """The signed-in member's pace on this request; the defaults for a visitor."""

    quiet: bool = False
    # When the quiet hours of now end (seconds since the epoch); 0 when it is not quiet.
    quiet_until: float = 0
    open_warnings: bool = False
    ask_digest: bool = False
    digest: str = DigestFrequency.NEVER.value

    @property
    def hold_the_form(self) -> bool:
        """Show the late-hour note instead of a posting form, unless the member passed it
        tonight ("Write anyway" counts until their quiet hours end)."""
        if not self.quiet:
            return False
        if request.args.get(WRITE_ANYWAY) == "anyway":
            session[PASSED_KEY] = self.quiet_until
            return False
        passed = session.get(PASSED_KEY)
        return not (isinstance(passed, int | float) and clock.now().timestamp() < passed)


def pace_now() -> PaceNow:
    from ..extension import db_session, state

    cached: PaceNow | None = g.get("_civicforum_pace")
    if cached is not None:
        return cached
    forum = state()
    member = forum.identity.current_actor().member
    found = PaceNow()
    if member is not None:
        prefs = member.preferences
        quiet, until = False, 0.0
        if prefs is not None and prefs.quiet_start is not None:
            moment = clock.now()
            tz = zone(prefs.timezone, forum.settings.timezone)
            quiet = is_quiet(moment, prefs.quiet_start, prefs.quiet_end, tz)
            if quiet:
                until = quiet_ends(moment, prefs.quiet_start, prefs.quiet_end, tz).timestamp()
        asked = prefs is not None and prefs.digest_asked_at is not None
        found = PaceNow(
            quiet=quiet,
            quiet_until=until,
            open_warnings=bool(prefs and prefs.open_warnings),
            ask_digest=(
                not asked
                and forum.settings.mail_enabled
                and digest_address(db_session(), member) is not None
            ),
            digest=prefs.digest if prefs is not None else DigestFrequency.NEVER.value,
        )
    g._civicforum_pace = found
    return found


def _follows(thing: Community | Topic) -> bool:
    from ..extension import db_session, state

    member = state().identity.current_actor().member
    if member is None:
        return False
    if isinstance(thing, Community):
        return follows_community(db_session(), member, thing)
    return follows_topic(db_session(), member, thing)


def pace_context() -> dict[str, Callable[..., Any]]:
    """Template functions for the forum's context processor."""
    return {"cf_pace": pace_now, "cf_follows": _follows}
