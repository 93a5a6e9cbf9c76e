"""Forms of the event pages. They check shape and CSRF; the services check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...i18n import lazy_gettext as _l
from .details import EventDetails
from .models import DEFAULT_TIMEZONE, Accessibility, Answer, AttendanceMode, LocalEvent

TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def attendance_choices() -> list[tuple[str, str]]:
    return [
        (AttendanceMode.IN_PERSON.value, str(_l("In person"))),
        (AttendanceMode.ONLINE.value, str(_l("Online"))),
        (AttendanceMode.MIXED.value, str(_l("In person and online"))),
    ]


def accessibility_choices() -> list[tuple[str, str]]:
    labels = {
        Accessibility.STEP_FREE: _l("Step-free access"),
        Accessibility.HEARING_LOOP: _l("Hearing loop"),
        Accessibility.QUIET_ROOM: _l("Quiet room"),
        Accessibility.SIGN_LANGUAGE: _l("Sign language interpreter"),
        Accessibility.SEATING: _l("Seating for everyone"),
    }
    return [(key.value, str(label)) for key, label in labels.items()]


class LocalTimeField(DateTimeLocalField):
    """A date and time as the browser's date-time input sends it, with an error in the
    page's language."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(
            label,
            format=TIME_FORMATS,
            invalid_value_message=_l("Give a date and a time, for example 2026-03-14 19:30."),
            **kwargs,
        )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _times_in_order(form: EventForm, field: Field) -> None:
    starts = form.starts_at.data
    if starts is not None and field.data is not None and field.data <= starts:
        raise ValidationError(str(_l("An event must end after it starts.")))


def _places(form: EventForm, field: Field) -> None:
    """Empty is no limit; a number not understood has its own message already."""
    if not field.raw_data or not str(field.raw_data[0]).strip():
        field.errors[:] = []  # as Optional(): empty is not "not a number"
        raise StopValidation()
    if field.data is None:
        raise StopValidation()
    if not 1 <= field.data <= 100_000:
        raise ValidationError(str(_l("Give a number of places from 1 to 100,000.")))


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(message=_l("Give the event a title."))]
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What happens, for whom, what to bring. Markdown works."),
    )
    starts_at = LocalTimeField(
        _l("Starts"),
        validators=[InputRequired(message=_l("Give the date and time it starts."))],
        description=_l("Date and time, for example 2026-03-14 19:30."),
    )
    ends_at = LocalTimeField(
        _l("Ends"),
        validators=[InputRequired(message=_l("Give the date and time it ends.")), _times_in_order],
    )
    timezone = StringField(
        _l("Time zone"),
        default=DEFAULT_TIMEZONE,
        description=_l("The zone the times above are in, as its IANA name (Europe/Amsterdam)."),
    )
    attendance_mode = RadioField(
        _l("Where"), choices=attendance_choices, default=AttendanceMode.IN_PERSON.value
    )
    venue_name = StringField(_l("Venue"), description=_l("For example: Bibliotheek Centrum, room 2."))
    venue_address = StringField(_l("Address"))
    online_url = StringField(
        _l("Online link"), description=_l("Only for events people can join online.")
    )
    capacity = IntegerField(
        _l("Places"),
        invalid_value_message=_l("Give the number of places as a whole number."),
        validators=[_places],
        description=_l("Leave empty when there is no limit."),
    )
    show_places_left = BooleanField(_l("Show visitors how many places are left"))
    accessibility = CheckboxesField(_l("Accessibility"), choices=accessibility_choices)
    topic_id = HiddenField()
    save = SubmitField(_l("Save event"))

    def fill(self, event: LocalEvent) -> None:
        """Show an event's details, in its own time zone."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(event.timezone)
        self.title.data = event.title
        self.description.data = event.description
        self.starts_at.data = event.starts_at.astimezone(zone).replace(tzinfo=None)
        self.ends_at.data = event.ends_at.astimezone(zone).replace(tzinfo=None)
        self.timezone.data = event.timezone
        self.attendance_mode.data = event.attendance_mode
        self.venue_name.data = event.venue_name
        self.venue_address.data = event.venue_address
        self.online_url.data = event.online_url or ""
        self.capacity.data = event.capacity
        self.show_places_left.data = event.show_places_left
        self.accessibility.data = [feature.value for feature in event.accessibility_features]

    def details(self, topic_id: int | None = None) -> EventDetails:
        starts: dt.datetime = self.starts_at.data
        ends: dt.datetime = self.ends_at.data
        return EventDetails(
            title=self.title.data or "",
            starts_at=starts,
            ends_at=ends,
            description=(self.description.data or "").strip(),
            timezone=(self.timezone.data or "").strip() or DEFAULT_TIMEZONE,
            venue_name=self.venue_name.data or "",
            venue_address=self.venue_address.data or "",
            online_url=self.online_url.data or None,
            attendance_mode=AttendanceMode(self.attendance_mode.data),
            capacity=self.capacity.data,
            show_places_left=bool(self.show_places_left.data),
            accessibility=list(self.accessibility.data or []),
            topic_id=topic_id,
        )


class RsvpForm(FlaskForm):
    answer = RadioField(
        _l("Will you come?"),
        choices=lambda: [
            (Answer.GOING.value, str(_l("Going"))),
            (Answer.MAYBE.value, str(_l("Maybe"))),
            (Answer.CANT_GO.value, str(_l("Can’t go"))),
        ],
        validators=[InputRequired(message=_l("Choose an answer."))],
    )
    send = SubmitField(_l("Send my answer"))


class StatusForm(FlaskForm):
    """Cancel, postpone or move an event online."""

    change = RadioField(
        _l("What changes?"),
        choices=lambda: [
            ("cancel", str(_l("Cancel the event"))),
            ("postpone", str(_l("Postpone it to a date not yet known"))),
            ("online", str(_l("Hold it online only"))),
        ],
        validators=[InputRequired(message=_l("Choose what changes."))],
    )
    online_url = StringField(
        _l("Online link"), description=_l("Only when it is held online: the link where people join.")
    )
    confirm = SubmitField(_l("Tell everyone who answered"))
