"""Template functions trusted information gives every forum page: the names of statuses
and verdicts, the trust badge, and whether the reader edits somewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import clock, policy
from ..i18n import format_calendar_day, format_day
from .display import trust
from .models import VerifiedItem
from .wording import action_name, status_name, step_name, verdict_name


def curation_context() -> dict[str, Callable[..., Any]]:
    return {
        "cf_item_status": status_name,
        "cf_item_action": action_name,
        "cf_item_step": step_name,
        "cf_verdict": verdict_name,
        "cf_trust": lambda item: (
            trust(item, clock.now()) if isinstance(item, VerifiedItem) else None
        ),
        "cf_edits_anywhere": policy.edits_anywhere,
        "cf_day": format_day,
        "cf_day_of": format_calendar_day,
    }
