"""The search form. It is sent with GET (a search changes nothing, and its address can be
kept or shared), so it carries no CSRF token; it only checks the shape of what came."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, Form, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ...i18n import lazy_gettext as _l
from .backends import Order
from .query import MAX_QUERY_LENGTH

ANY = ""
FIRST_YEAR, LAST_YEAR = 1900, 2999


def result_kinds() -> dict[str, str]:
    """What one result is, as its label says."""
    return {
        "topic": str(_l("Topic")),
        "reply": str(_l("Reply in a topic")),
        "information": str(_l("Reliable information")),
        "event": str(_l("Event")),
    }


def kind_labels() -> dict[str, str]:
    """The kinds to filter on, as the form offers them."""
    return {
        "topic": str(_l("Topics")),
        "reply": str(_l("Replies")),
        "information": str(_l("Reliable information")),
        "event": str(_l("Events")),
    }


class DayField(DateField):
    """A day as browsers send it from a date input (YYYY-MM-DD), refused in words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(*args, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(
                str(_l("Give a date as YYYY-MM-DD, for example 2026-03-01."))
            ) from None
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            self.data = None
            raise ValueError(
                str(_l("Give a date from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
            )


class SearchForm(Form):
    q = StringField(
        _l("Search for"),
        validators=[
            Length(max=MAX_QUERY_LENGTH, message=_l("A search can be at most 500 characters long."))
        ],
        description=_l('Use "quotes" for an exact phrase and -word to leave a word out.'),
    )
    phrase = StringField(
        _l("With the exact phrase"),
        validators=[
            Length(max=MAX_QUERY_LENGTH, message=_l("A search can be at most 500 characters long."))
        ],
    )
    without = StringField(
        _l("Without the words"),
        validators=[
            Length(max=MAX_QUERY_LENGTH, message=_l("A search can be at most 500 characters long."))
        ],
    )
    # Choices are checked below, with translated messages (WTForms' own are English only).
    community = SelectField(_l("Community"), choices=[], default=ANY, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[], default=ANY, validate_choice=False)
    author = StringField(
        _l("Written by"),
        validators=[Optional(), Length(max=120)],
        description=_l("The name shown with the post. Anonymous posts are not found by name."),
    )
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("Until"), validators=[Optional()])
    order = RadioField(
        _l("Order"),
        choices=lambda: [
            (Order.BEST.value, _l("Best match")),
            (Order.NEWEST.value, _l("Newest first")),
        ],
        default=Order.BEST.value,
        validate_choice=False,
    )

    def __init__(
        self, *args: Any, communities: list[tuple[str, str]], kinds: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.community.choices = [(ANY, str(_l("All communities"))), *communities]
        labels = kind_labels()
        self.kind.choices = [(ANY, str(_l("Everything")))] + [(k, labels.get(k, k)) for k in kinds]

    @staticmethod
    def _offered(field: SelectField | RadioField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(str(_l("Choose one of the offered options.")))

    def validate_community(self, field: SelectField) -> None:
        self._offered(field)

    def validate_kind(self, field: SelectField) -> None:
        self._offered(field)

    def validate_order(self, field: RadioField) -> None:
        self._offered(field)

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(str(_l("The end date lies before the start date.")))
