"""How the workflow's codes read on a page: statuses, steps and verdicts."""

from __future__ import annotations

from babel.support import LazyProxy

from ..i18n import lazy_gettext as _l
from .models import ItemStatus, Verdict

STATUS_NAMES: dict[ItemStatus, LazyProxy] = {
    ItemStatus.DRAFT: _l("a draft"),
    ItemStatus.IN_REVIEW: _l("in review"),
    ItemStatus.VERIFIED: _l("checked"),
    ItemStatus.REVIEW_DUE: _l("due for review"),
    ItemStatus.DISPUTED: _l("disputed"),
    ItemStatus.WITHDRAWN: _l("withdrawn"),
}

ACTION_NAMES: dict[str, LazyProxy] = {
    "create": _l("Written"),
    "submit": _l("Sent for review"),
    "approve": _l("Approved"),
    "return": _l("Sent back"),
    "revise": _l("Revised"),
    "due": _l("Due for review"),
    "recheck": _l("Checked again"),
    "dispute": _l("Questioned"),
    "uphold": _l("Question answered"),
    "withdraw": _l("Withdrawn"),
    "reopen": _l("Taken up again"),
}

VERDICT_NAMES: dict[Verdict, LazyProxy] = {
    Verdict.ACCURATE: _l("Accurate"),
    Verdict.NEEDS_CONTEXT: _l("Needs context"),
    Verdict.INACCURATE: _l("Inaccurate"),
}


def status_name(status: ItemStatus | str) -> str:
    return str(STATUS_NAMES[ItemStatus(status)])


def action_name(action: str) -> str:
    return str(ACTION_NAMES[str(action)])


def verdict_name(verdict: Verdict | str) -> str:
    return str(VERDICT_NAMES[Verdict(verdict)])

#: What the button of each step says.
STEP_NAMES: dict[str, LazyProxy] = {
    "submit": _l("Send for review"),
    "approve": _l("Approve and publish"),
    "return": _l("Send back for changes"),
    "recheck": _l("Check it again"),
    "uphold": _l("Answer the question and keep it checked"),
    "withdraw": _l("Withdraw"),
    "reopen": _l("Take it up again as a draft"),
    "revise": _l("Write a new version"),
    "dispute": _l("Ask the editors a question"),
    "due": _l("Mark as due for review"),
}


def step_name(action: str) -> str:
    return str(STEP_NAMES[str(action)])
