"""How moderation's codes read on a page: the ladder of measures, report categories and
outcomes, the Transparency Database's categories, in the page's language.

Kept in one place so every page (the measure form, a decision, the public log, the
transparency report and its downloads) calls a measure by the same name.
"""

from __future__ import annotations

from babel.support import LazyProxy

from ..i18n import lazy_gettext as _l
from .models import AppealOutcome, Decision, Measure, ReportCategory, ReportStatus, ReportTarget

#: Each rung of the ladder, mild to strong, as moderators and members read it.
MEASURE_NAMES: dict[Measure, LazyProxy] = {
    Measure.NOTE: _l("Private note"),
    Measure.WARNING: _l("Warning"),
    Measure.CONTENT_WARNING: _l("Content warning"),
    Measure.HIDE_POST: _l("Post hidden"),
    Measure.LOCK_TOPIC: _l("Topic locked"),
    Measure.SLOW_MODE: _l("Slow mode"),
    Measure.MUTE: _l("Muted in the community"),
    Measure.SUSPENSION: _l("Account suspended"),
    Measure.BAN: _l("Account banned"),
}

#: What each measure does, for the moderator choosing one and the member reading it.
MEASURE_EFFECTS: dict[Measure, LazyProxy] = {
    Measure.NOTE: _l("A private word to the member. It restricts nothing."),
    Measure.WARNING: _l("A formal warning to the member. It restricts nothing yet."),
    Measure.CONTENT_WARNING: _l("Readers see a warning first and choose whether to read the post."),
    Measure.HIDE_POST: _l(
        "Others no longer see the text of the post; its author still does, with the reasons."
    ),
    Measure.LOCK_TOPIC: _l("Nobody can reply to the topic any more; it stays readable."),
    Measure.SLOW_MODE: _l("Each member can post once per chosen number of minutes."),
    Measure.MUTE: _l("The member cannot post in this community for a while."),
    Measure.SUSPENSION: _l("The account cannot post anywhere in the forum for a while."),
    Measure.BAN: _l("The account can no longer post anywhere in the forum."),
}

TARGET_NAMES: dict[ReportTarget, LazyProxy] = {
    ReportTarget.POST: _l("a post"),
    ReportTarget.TOPIC: _l("a topic"),
    ReportTarget.MEMBER: _l("a member"),
}

CATEGORY_NAMES: dict[ReportCategory, LazyProxy] = {
    ReportCategory.GENERAL: _l("No, nobody is in danger"),
    ReportCategory.CRISIS: _l("Yes: someone seems to be in acute danger or crisis"),
    ReportCategory.SELF_HARM: _l("Yes: it is about suicide or self-harm"),
}

REPORT_STATUS_NAMES: dict[ReportStatus, LazyProxy] = {
    ReportStatus.OPEN: _l("Waiting for a moderator"),
    ReportStatus.ACTED: _l("A measure was taken"),
    ReportStatus.DISMISSED: _l("Looked at; no measure was needed"),
}

APPEAL_OUTCOME_NAMES: dict[str, LazyProxy] = {
    AppealOutcome.UPHELD.value: _l("Upheld"),
    AppealOutcome.REVERSED.value: _l("Reversed"),
    "open": _l("Not yet decided"),
}

#: The EU Transparency Database's categories, for a moderator who names one.
STATEMENT_CATEGORY_NAMES: dict[str, LazyProxy] = {
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": _l("Breaks the house rules"),
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": _l("Illegal or harmful speech"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE": _l("Cyber violence (harassment, stalking, threats)"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN": _l("Cyber violence against women"),
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": _l(
        "Data protection and privacy violations"
    ),
    "STATEMENT_CATEGORY_SELF_HARM": _l("Self-harm"),
    "STATEMENT_CATEGORY_VIOLENCE": _l("Violence"),
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": _l("Protection of minors"),
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": _l("Scams and fraud"),
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": _l(
        "Intellectual property infringements"
    ),
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": _l(
        "Negative effects on civic discourse or elections"
    ),
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": _l("Risk for public security"),
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION": _l("Consumer information"),
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS": _l("Unsafe and prohibited products"),
    "STATEMENT_CATEGORY_ANIMAL_WELFARE": _l("Animal welfare"),
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE": _l("Not specified in the report"),
}


def measure_name(measure: Measure | str) -> str:
    return str(MEASURE_NAMES[Measure(measure)])


def measure_effect(measure: Measure | str) -> str:
    return str(MEASURE_EFFECTS[Measure(measure)])


#: The Transparency Database's kinds of restriction, as a member reads them.
RESTRICTION_NAMES: dict[str, LazyProxy] = {
    "DECISION_VISIBILITY_CONTENT_LABELLED": _l("Content labelled: readers see a warning first"),
    "DECISION_VISIBILITY_CONTENT_DISABLED": _l("Content disabled: others cannot read it"),
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED": _l(
        "Interaction restricted: fewer or no new replies"
    ),
    "DECISION_PROVISION_PARTIAL_SUSPENSION": _l(
        "Service partly suspended: no posting in one community"
    ),
    "DECISION_ACCOUNT_SUSPENDED": _l("Account suspended: no posting anywhere for a while"),
    "DECISION_ACCOUNT_TERMINATED": _l("Account terminated: no posting anywhere any more"),
}


def restriction_names(decision: Decision) -> list[str]:
    """What a decision restricts, in words; empty for a note or a warning."""
    codes = [decision.decision_visibility, decision.decision_provision, decision.decision_account]
    return [str(RESTRICTION_NAMES[code]) for code in codes if code]
