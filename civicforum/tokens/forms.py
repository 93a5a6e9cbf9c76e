"""Forms of the tokens section of the settings page.

The choices are checked by the view and the services, with translated messages (the
messages of WTForms' own checks are English only).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField

from ..i18n import lazy_gettext as _l
from .models import NAME_MAX, TokenScope
from .services import DEFAULT_DAYS, LIFETIMES


def scope_choices() -> list[tuple[str, str]]:
    return [
        (TokenScope.READ.value, str(_l("Read: see what you can see on the forum"))),
        (TokenScope.POST.value, str(_l("Read and post: also write and answer in your name"))),
    ]


def lifetime_choices() -> list[tuple[str, str]]:
    return [(str(days), str(_l("%(days)d days", days=days))) for days in LIFETIMES]


class ApiTokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        id="cf-token-name",
        description=_l("So you know it later, such as “My newsletter script”."),
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )
    scope = RadioField(
        _l("What may it do?"),
        id="cf-token-scope",
        default=TokenScope.READ.value,
        validate_choice=False,
    )
    days = RadioField(
        _l("How long does it work?"),
        id="cf-token-days",
        default=str(DEFAULT_DAYS),
        validate_choice=False,
    )
    make = SubmitField(_l("Make the token"), id="cf-token-make")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = scope_choices()
        self.days.choices = lifetime_choices()


class FeedKeyForm(FlaskForm):  # type: ignore[misc]
    """Make the feed key, make a new one, or stop it: one button each."""

    make = SubmitField(_l("Make my private addresses"), id="cf-feed-key-make")
    renew = SubmitField(_l("Make new addresses"), id="cf-feed-key-renew")
    stop = SubmitField(_l("Stop my private addresses"), id="cf-feed-key-stop")


class RevokeForm(FlaskForm):  # type: ignore[misc]
    """A revoke button and its CSRF token."""
