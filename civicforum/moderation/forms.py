"""Forms of the moderation pages. They check shape and CSRF; the services check the rules
(a missing ground, explanation or duration is refused there, with the field it concerns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from .models import AppealOutcome, HouseRule, Measure, ReportCategory
from .wording import CATEGORY_NAMES, STATEMENT_CATEGORY_NAMES

#: The ground of a report or a measure: a house rule by id ("rule-3"), or the law.
ILLEGAL = "illegal"
UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
LONGEST = 10**9  # minutes: far beyond any measure, well within what a timedelta holds


def rule_choices(rules: Sequence[HouseRule], language: str) -> list[tuple[str, str]]:
    choices = [
        (f"rule-{rule.id}", _("Rule %(n)d: %(title)s", n=rule.number, title=rule.title(language)))
        for rule in rules
    ]
    choices.append((ILLEGAL, _("It is illegal (against the law)")))
    return choices


def chosen_rule(value: str | None) -> int | None:
    """The house rule's id of a ground choice; None for the law or nothing chosen."""
    if value and value.startswith("rule-") and value[5:].isdecimal() and len(value) <= 14:
        return int(value[5:])
    return None


def _optional_number(form: FlaskForm, field: Field) -> None:
    """Empty is "not given" (the service says whether it is needed); a number not
    understood has its own message already."""
    if not field.raw_data or not str(field.raw_data[0]).strip():
        field.errors[:] = []
        field.data = None
        raise StopValidation()


class ReportForm(FlaskForm):
    about = RadioField(_l("What do you report?"), choices=[], validate_choice=False)
    ground = RadioField(
        _l("Which house rule does it break?"),
        choices=[],
        validate_choice=False,
        description=_l("Choose “illegal” only when you think it breaks the law."),
    )
    legal_ground = StringField(
        _l("Which law, if you know (for illegal content)"),
        description=_l("For example: insult (article 266 of the Dutch Criminal Code)."),
    )
    category = RadioField(
        _l("Is someone in danger?"),
        choices=lambda: [(c.value, str(label)) for c, label in CATEGORY_NAMES.items()],
        default=ReportCategory.GENERAL.value,
        validate_choice=False,
    )
    explanation = TextAreaField(
        _l("Why do you report this?"),
        description=_l("Explain what is wrong with it; the moderators read every word."),
    )
    location = TextAreaField(
        _l("Where exactly is it?"),
        description=_l("The link to the post is filled in; add which sentence, if it helps."),
    )
    good_faith = BooleanField(
        _l("I believe in good faith that what I report is accurate and complete.")
    )
    email = StringField(
        _l("Your e-mail address (optional)"),
        description=_l(
            "Only to tell you the outcome. It is never shown, and erased once the outcome is sent."
        ),
    )
    send = SubmitField(_l("Send the report"))


class DismissForm(FlaskForm):
    note = TextAreaField(
        _l("Note to the people who reported it (optional)"),
        description=_l("They read this with the outcome; do not name anyone."),
    )
    dismiss = SubmitField(_l("Close without a measure"))


class MeasureForm(FlaskForm):
    measure = HiddenField()
    report = HiddenField()
    ground = RadioField(_l("Ground"), choices=[], validate_choice=False)
    legal_ground = StringField(
        _l("Legal ground (for illegal content)"),
        description=_l("Name the law only, for example: article 266 of the Dutch Criminal Code."),
    )
    explanation = TextAreaField(
        _l("Why the rule or the law applies here"),
        description=_l("The member reads this in the statement of reasons. It is not published."),
    )
    facts = TextAreaField(
        _l("Facts and circumstances relied on (optional)"),
        description=_l("What happened, as the member will read it. It is not published."),
    )
    category = SelectField(
        _l("Category for the Transparency Database"),
        choices=lambda: (
            [("", str(_l("Derived from the ground")))]
            + [(code, str(label)) for code, label in STATEMENT_CATEGORY_NAMES.items()]
        ),
        default="",
        validate_choice=False,
    )
    label = StringField(
        _l("Content warning"),
        description=_l(
            "What readers see before they choose to read, for example: describes violence."
        ),
    )
    scope = RadioField(
        _l("Where slow mode applies"),
        choices=lambda: [
            ("topic", str(_l("This topic"))),
            ("community", str(_l("The whole community"))),
        ],
        default="topic",
        validate_choice=False,
    )
    interval_minutes = IntegerField(
        _l("Minutes between two posts of a member"),
        invalid_value_message=_l("Give the minutes as a whole number."),
        validators=[_optional_number],
    )
    duration = IntegerField(
        _l("How long"),
        invalid_value_message=_l("Give how long as a whole number."),
        validators=[_optional_number],
    )
    unit = SelectField(
        _l("Unit"),
        choices=lambda: [
            ("minutes", str(_l("minutes"))),
            ("hours", str(_l("hours"))),
            ("days", str(_l("days"))),
        ],
        default="days",
        validate_choice=False,
    )
    note_to_reporters = TextAreaField(
        _l("Note to the people who reported it (optional)"),
        description=_l("They read this with the outcome; do not name anyone."),
    )
    decide = SubmitField(_l("Take this measure"))

    def length(self) -> dt.timedelta | None:
        """The duration asked for; None when left empty. Absurd lengths are cut to
        centuries (the service refuses anything beyond a year), not left to overflow."""
        if self.duration.data is None:
            return None
        minutes = self.duration.data * UNITS.get(self.unit.data or "", 1)
        return dt.timedelta(minutes=max(-LONGEST, min(LONGEST, minutes)))


class LiftForm(FlaskForm):
    lift = SubmitField(_l("Lift this measure now"))


class SignpostForm(FlaskForm):
    member = HiddenField()
    note = TextAreaField(
        _l("A word of your own (optional)"),
        description=_l("Sent with the list of help resources, to this member only."),
    )
    send = SubmitField(_l("Send the help resources"))


class PremoderationForm(FlaskForm):
    hold_first_posts = IntegerField(
        _l("Hold a new member's first posts"),
        invalid_value_message=_l("Give the number of posts as a whole number."),
        description=_l(
            "0 holds none. Held posts are seen by their author and the moderators only."
        ),
    )
    hold_everything = BooleanField(_l("Hold every post until a moderator approves it"))
    save = SubmitField(_l("Save"))


class RuleForm(FlaskForm):
    title_nl = StringField(_l("Short name in Dutch"))
    title_en = StringField(_l("Short name in English"))
    explanation_nl = TextAreaField(_l("Explanation in Dutch"))
    explanation_en = TextAreaField(_l("Explanation in English"))
    save = SubmitField(_l("Save the rule"))


class HelpResourceForm(FlaskForm):
    name = StringField(
        _l("Name"), description=_l("For example: 113 Zelfmoordpreventie, or De Luisterlijn.")
    )
    phone = StringField(_l("Phone number"))
    url = StringField(_l("Web address"), description=_l("Starting with https://."))
    opening_hours = StringField(
        _l("When it can be reached"), description=_l("For example: day and night, free of charge.")
    )
    save = SubmitField(_l("Save"))


class AppealForm(FlaskForm):
    statement = TextAreaField(
        _l("Why should the decision be changed?"),
        description=_l("A moderator who did not take the decision reads this and decides."),
    )
    send = SubmitField(_l("Send my appeal"))


class AppealDecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=lambda: [
            (AppealOutcome.UPHELD.value, str(_l("Uphold the decision"))),
            (
                AppealOutcome.REVERSED.value,
                str(_l("Reverse it: lift the measure, restore the content")),
            ),
        ],
        validate_choice=False,
    )
    reasons = TextAreaField(
        _l("Reasons"), description=_l("The member reads these with the outcome.")
    )
    decide = SubmitField(_l("Decide the appeal"))


def measure_value(raw: str | None) -> Measure | None:
    try:
        return Measure(raw or "")
    except ValueError:
        return None
