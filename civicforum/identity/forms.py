"""Forms for accounts and member settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)

from ..i18n import lazy_gettext as _l


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Forum name"),
        description=_l("Others see this name. It need not be your real name."),
        render_kw={"autocomplete": "nickname"},
    )
    email = EmailField(
        _l("E-mail address"),
        description=_l("Only for signing in and resetting your password; never shown."),
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Create account"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save new password"))


class SignOutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))


class SettingsForm(FlaskForm):
    display_name = StringField(
        _l("Forum name"),
        description=_l("The name others see by default."),
        render_kw={"autocomplete": "nickname"},
    )
    real_name = StringField(
        _l("Real name (optional)"),
        description=_l("Only shown on posts where you choose to publish under your real name."),
        render_kw={"autocomplete": "name"},
    )
    # The services check choices, with translated messages; WTForms' own are English only.
    publish_as = RadioField(
        _l("Sign my posts, unless I choose otherwise"), choices=[], validate_choice=False
    )
    language = SelectField(_l("Language of the forum"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save settings"))
