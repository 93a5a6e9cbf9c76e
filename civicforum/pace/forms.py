"""Forms of the pace settings: how the forum reaches a member, and the one question."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField

from ..i18n import lazy_gettext as _l
from .models import DigestFrequency


def digest_choices() -> list[tuple[str, str]]:
    return [
        (DigestFrequency.NEVER.value, str(_l("Never: I look in when I want to"))),
        (DigestFrequency.DAILY.value, str(_l("At most one e-mail a day"))),
        (DigestFrequency.WEEKLY.value, str(_l("At most one e-mail a week"))),
    ]


class PaceForm(FlaskForm):
    digest = RadioField(_l("How often may the forum write to you?"), validate_choice=False)
    timezone = SelectField(
        _l("Your time zone"),
        description=_l("Your days, digests and quiet hours follow this clock."),
        validate_choice=False,
    )
    quiet_start = StringField(
        _l("Quiet hours start"),
        description=_l("For example 22:00. Leave both empty for no quiet hours."),
        render_kw={"type": "time"},
    )
    quiet_end = StringField(
        _l("Quiet hours end"),
        description=_l("For example 07:00: the next morning when it is earlier than the start."),
        render_kw={"type": "time"},
    )
    open_warnings = BooleanField(_l("Show posts under a content warning opened"))
    save_pace = SubmitField(_l("Save these choices"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.digest.choices = digest_choices()


class DigestQuestionForm(FlaskForm):
    """The one question about mail: three buttons, one per answer."""

    next = HiddenField()
    never = SubmitField(_l("No e-mail, thank you"))
    daily = SubmitField(_l("Once a day"))
    weekly = SubmitField(_l("Once a week"))


class FollowForm(FlaskForm):
    """A follow or unfollow button and its CSRF token."""

    next = HiddenField()


class AddressForm(FlaskForm):
    """An address for digests, confirmed by the link sent to it; or forget it."""

    address = StringField(
        _l("E-mail address for digests"),
        description=_l("We send a link to it; digests go there once you follow the link."),
        render_kw={"type": "email", "autocomplete": "email"},
    )
    send_link = SubmitField(_l("Send the link"))
    forget = SubmitField(_l("Forget this address"))


class ConfirmAddressForm(FlaskForm):
    confirm = SubmitField(_l("Yes, send my digests here"))
