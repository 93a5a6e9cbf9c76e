"""Forms for a member's own data: asking for a copy, and deleting the account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SubmitField

from ..i18n import lazy_gettext as _l

KEEP = "keep"
DELETE = "delete"


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Ask for a copy of my data"))


def post_choices() -> list[tuple[str, str]]:
    return [
        (DELETE, str(_l("Delete them: they keep their place in conversations as “deleted”"))),
        (KEEP, str(_l("Keep them, shown as by “former member”"))),
    ]


class EraseForm(FlaskForm):
    # The view checks the choice, with a translated message; WTForms' own is English.
    posts = RadioField(_l("My posts"), choices=[], validate_choice=False)
    password = PasswordField(
        _l("Your password"),
        description=_l("To be sure it is you."),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account for good"))
