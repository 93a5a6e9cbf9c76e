"""The statement of reasons in the words of the EU Transparency Database.

Each measure maps onto the database's kinds of restriction (visibility, provision of the
service, account); :func:`statement` turns a decision into one statement of the
database's schema, carrying no personal data (DSA Article 24(5)): no names, no e-mail
addresses, no text of posts, and none of the free text a moderator wrote for the member,
which may name people. Its grounds and facts come from the house-rule catalogue and from
what the forum itself knows about the decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Decision, Ground, Measure

VISIBILITY_LABELLED = "DECISION_VISIBILITY_CONTENT_LABELLED"
VISIBILITY_DISABLED = "DECISION_VISIBILITY_CONTENT_DISABLED"
VISIBILITY_INTERACTION = "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"
PROVISION_PARTIAL_SUSPENSION = "DECISION_PROVISION_PARTIAL_SUSPENSION"
ACCOUNT_SUSPENDED = "DECISION_ACCOUNT_SUSPENDED"
ACCOUNT_TERMINATED = "DECISION_ACCOUNT_TERMINATED"

#: What each measure restricts, as (decision_visibility, decision_provision, decision_account).
#: A note and a warning restrict nothing: they are not statements in the database's sense.
RESTRICTIONS: dict[Measure, tuple[str | None, str | None, str | None]] = {
    Measure.NOTE: (None, None, None),
    Measure.WARNING: (None, None, None),
    Measure.CONTENT_WARNING: (VISIBILITY_LABELLED, None, None),
    Measure.HIDE_POST: (VISIBILITY_DISABLED, None, None),
    Measure.LOCK_TOPIC: (VISIBILITY_INTERACTION, None, None),
    Measure.SLOW_MODE: (VISIBILITY_INTERACTION, None, None),
    Measure.MUTE: (None, PROVISION_PARTIAL_SUSPENSION, None),
    Measure.SUSPENSION: (None, None, ACCOUNT_SUSPENDED),
    Measure.BAN: (None, None, ACCOUNT_TERMINATED),
}

GROUND_CODES = {
    Ground.HOUSE_RULE: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    Ground.ILLEGAL: "DECISION_GROUND_ILLEGAL_CONTENT",
}

SOURCE_NOTICE = "SOURCE_ARTICLE_16"
SOURCE_VOLUNTARY = "SOURCE_VOLUNTARY"
CONTENT_TEXT = "CONTENT_TYPE_TEXT"
CONTENT_OTHER = "CONTENT_TYPE_OTHER"
NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED"

#: The database's high-level categories (its second version).
CATEGORIES = frozenset(
    {
        "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "STATEMENT_CATEGORY_SELF_HARM",
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "STATEMENT_CATEGORY_VIOLENCE",
    }
)
HOUSE_RULE_CATEGORY = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
ILLEGAL_CATEGORY = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
SELF_HARM_CATEGORY = "STATEMENT_CATEGORY_SELF_HARM"

#: A forum post is hidden wherever it is read: the decision reaches every EEA country.
EEA = (
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE"),
    *("IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"),
)
TERRITORIAL_SCOPE = ",".join(EEA)

#: What a statement about an account rather than a post concerns (content_type_other).
ACCOUNT_CONTENT = "Forum account"

_MEASURE_FACTS = {
    Measure.CONTENT_WARNING: "A content warning was placed before a post in a community forum.",
    Measure.HIDE_POST: "A post in a community forum was hidden from other readers; its author can still read it.",
    Measure.LOCK_TOPIC: "A discussion topic in a community forum was closed to new replies.",
    Measure.SLOW_MODE: "Posting in a community forum was limited to one post per member per {interval} minutes.",
    Measure.MUTE: "A member was temporarily not allowed to post in one community of the forum.",
    Measure.SUSPENSION: "An account was temporarily not allowed to post anywhere in the forum.",
    Measure.BAN: "An account was permanently not allowed to post anywhere in the forum.",
}


#: The database's longest explanation.
EXPLANATION_LIMIT = 2000


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def restricts(measure: Measure) -> bool:
    """Whether a measure restricts anything, and so is a statement for the database."""
    return any(RESTRICTIONS[measure])


def _day(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d") if moment else None


def _facts(decision: Decision) -> str:
    kind = decision.kind
    facts = _MEASURE_FACTS[kind].format(interval=decision.interval_minutes)
    if decision.source_type == SOURCE_NOTICE:
        facts += " The decision followed a notice under Article 16 DSA."
    else:
        facts += " The decision was taken on the moderators' own initiative."
    if decision.ends_at is not None:
        facts += " The measure ends by itself on the end date."
    return facts


def statement(decision: Decision) -> dict[str, Any]:
    """One statement of reasons in the Transparency Database's schema, without personal data.

    :raises ValueError: for a note or a warning, which restrict nothing.
    """
    kind = decision.kind
    if not restricts(kind):
        raise ValueError(f"a {kind.value} restricts nothing and is no statement of reasons")
    ends = _day(decision.ends_at)
    result: dict[str, Any] = {
        "puid": decision.puid,
        "decision_visibility": [decision.decision_visibility]
        if decision.decision_visibility
        else None,
        "end_date_visibility_restriction": ends if decision.decision_visibility else None,
        "decision_provision": decision.decision_provision,
        "end_date_service_restriction": ends if decision.decision_provision else None,
        "decision_account": decision.decision_account,
        "end_date_account_restriction": ends if decision.decision_account else None,
        "account_type": "ACCOUNT_TYPE_PRIVATE",
        "decision_ground": GROUND_CODES[Ground(decision.ground)],
        "category": decision.category,
        "content_type": [decision.content_type],
        "content_date": _day(decision.content_date or decision.decided_at),
        "application_date": _day(decision.decided_at),
        "territorial_scope": decision.territorial_scope.split(","),
        "decision_facts": _facts(decision),
        "source_type": decision.source_type,
        "automated_detection": "Yes" if decision.automated_detection else "No",
        "automated_decision": decision.automated_decision,
    }
    if decision.content_type == CONTENT_OTHER:
        result["content_type_other"] = ACCOUNT_CONTENT
    if decision.ground == Ground.ILLEGAL:
        result["illegal_content_legal_ground"] = decision.legal_ground
        result["illegal_content_explanation"] = (
            "The moderators considered the content illegal on the legal ground given; "
            "the member concerned received the full explanation."
        )
    else:
        result["incompatible_content_ground"] = (
            f"House rule {decision.rule_number}: {decision.rule_title_en}"
        )
        result["incompatible_content_explanation"] = _shortened(
            decision.rule_explanation_en or "", EXPLANATION_LIMIT
        )
    return {key: value for key, value in result.items() if value is not None}
