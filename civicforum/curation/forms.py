"""Forms of the trusted-information pages. They check shape and CSRF; the workflow's
services check the rules (a source is needed, its address must be a web page, the date
to check again lies ahead)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from ..errors import ServiceError
from ..i18n import lazy_gettext as _l
from .content import Content, Source
from .models import ItemRevision, Verdict
from .wording import VERDICT_NAMES

#: Empty rows for sources below the filled-in ones (no JavaScript adds rows).
SPARE_SOURCES = 2


class SourceForm(Form):
    citation = StringField(
        _l("Source"), description=_l("Who published what, for example: Thuisarts.nl, Dementie.")
    )
    url = StringField(_l("Web address"), description=_l("Starting with https://."))
    consulted_on = DateField(
        _l("Consulted on"),
        validators=[Optional()],
        description=_l("The day you read it, for example 2026-03-03."),
    )

    @property
    def is_blank(self) -> bool:
        """A spare row left empty."""
        typed_day = (self.consulted_on.raw_data or [""])[0]
        return not any(
            str(value or "").strip() for value in (self.citation.data, self.url.data, typed_day)
        )


class ItemForm(FlaskForm):
    title = StringField(_l("Title"))
    verdict = RadioField(
        _l("Verdict"),
        choices=lambda: [(v.value, str(label)) for v, label in VERDICT_NAMES.items()],
        validate_choice=False,
    )
    body = TextAreaField(
        _l("Text"),
        description=_l("Markdown works: *italic*, **bold**, [a link](https://example.org)."),
    )
    health = BooleanField(
        _l("This is health information (described to search engines as a medical page)")
    )
    sources = FieldList(FormField(SourceForm), min_entries=1 + SPARE_SOURCES, max_entries=20)
    note = TextAreaField(
        _l("Note for the history (optional)"), description=_l("What changed, and why.")
    )
    save = SubmitField(_l("Save"))

    def fill(self, revision: ItemRevision) -> None:
        """Show a revision's content, with room for more sources."""
        self.title.data = revision.title
        self.body.data = revision.body
        self.verdict.data = revision.verdict
        while len(self.sources.entries):
            self.sources.pop_entry()
        for source in revision.sources:
            self.sources.append_entry(
                {
                    "citation": source.citation,
                    "url": source.url,
                    "consulted_on": source.consulted_on,
                }
            )
        for _ in range(SPARE_SOURCES):
            self.sources.append_entry()

    def rows(self) -> list[tuple[int, SourceForm]]:
        """The filled-in source rows, with their place in the form."""
        rows: list[tuple[int, Any]] = [
            (index, entry.form) for index, entry in enumerate(self.sources.entries)
        ]
        return [(index, row) for index, row in rows if not row.is_blank]

    def content(self, *, verification: bool) -> Content:
        sources = tuple(
            Source(row.citation.data or "", row.url.data or "", row.consulted_on.data)
            for _index, row in self.rows()
        )
        verdict = None
        if verification:
            try:
                verdict = Verdict(self.verdict.data or "")
            except ValueError:
                verdict = None
        return Content(self.title.data or "", self.body.data or "", sources, verdict)

    def attach(self, error: ServiceError) -> None:
        """Show a refusal beside its field; "source-2-url" is the second filled-in row."""
        name = error.field or ""
        if name.startswith("source-"):
            number, _sep, part = name[len("source-") :].partition("-")
            rows = self.rows()
            if number.isdecimal() and 0 < int(number) <= len(rows):
                row = rows[int(number) - 1][1]
                target = {"citation": row.citation, "url": row.url, "consulted": row.consulted_on}
                if part in target:
                    target[part].errors = [*target[part].errors, error.message]
                    return
        if name == "sources":
            self.form_errors.append(error.message)
            return
        field = getattr(self, name, None) if name else None
        if field is not None and name in ("title", "body", "verdict"):
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors.append(error.message)


class StepForm(FlaskForm):
    """One step of the workflow: its action, a note, and for an approval the date to
    check it again."""

    action = HiddenField()
    note = TextAreaField(_l("Note"))
    review_due = DateField(
        _l("Check it again by"),
        validators=[Optional()],
        description=_l("Usually a year from now, sooner for what changes quickly."),
    )
    go = SubmitField(_l("Confirm"))

    def due(self) -> dt.date | None:
        value: dt.date | None = self.review_due.data
        return value


class DisputeForm(FlaskForm):
    question = TextAreaField(
        _l("Your question"), description=_l("What seems wrong or out of date, and why.")
    )
    citation = StringField(_l("Your source"), description=_l("Who published what."))
    url = StringField(_l("Its web address"), description=_l("Starting with https://."))
    send = SubmitField(_l("Send the question to the editors"))
