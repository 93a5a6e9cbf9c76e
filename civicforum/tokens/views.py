"""The pages of a member's personal tokens: making an API token (shown once, in the
answer to the form), revoking one, and making, renewing or stopping the feed key.

A new API token is shown in the response to the form that made it, never through the
session or a flashed message: Flask's session cookie is signed, not encrypted, so
anything put there can be read by whoever sees the cookie.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, url_for
from werkzeug.wrappers import Response

from ..errors import ServiceError
from ..extension import db_session, state
from ..i18n import gettext as _
from ..identity.models import Member
from ..pace.forms import PaceForm
from . import services
from .forms import ApiTokenForm, FeedKeyForm, RevokeForm
from .models import TokenKind, TokenScope
from .section import JUST_MADE, SUBMITTED_FORM, NewToken, no_store_with_secrets, tokens_section

SECTION = "cf-tokens"
FEED_SECTION = "cf-feed-key"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/tokens", "create_token", create_token, methods=["POST"])
    bp.add_url_rule(
        "/account/tokens/<int:token_id>/revoke", "revoke_token", revoke_token, methods=["POST"]
    )
    bp.add_url_rule("/account/feed-key", "feed_key", feed_key, methods=["POST"])
    bp.context_processor(lambda: {"cf_tokens_section": tokens_section})
    bp.after_request(no_store_with_secrets)


def _member() -> Member | None:
    member: Member | None = state().identity.current_actor().member
    return member


def _to_sign_in() -> Response:
    return redirect(url_for("civicforum.sign_in", next=url_for("civicforum.settings")), 303)


def _back(anchor: str) -> Response:
    return redirect(url_for("civicforum.settings", _anchor=anchor), 303)


def _expired_form() -> ServiceError:
    return ServiceError(
        _(
            "The form expired or came from elsewhere. Go back, reload the page and try again; nothing was saved."
        )
    )


def _pace_as_saved(member: Member) -> PaceForm:
    """The pace form filled from the member's saved choices.

    The settings page fills it only when the request submitted no form; this one did
    (the token form), and the page must still show the member's own choices.
    """
    from ..pace import services as pace_services
    from ..pace.quiet import format_hhmm
    from ..pace.views import zone_choices

    prefs = pace_services.preferences(db_session(), member)
    form = PaceForm(formdata=None)
    form.timezone.choices = zone_choices(prefs.timezone)
    form.digest.data = prefs.digest
    form.timezone.data = prefs.timezone or state().settings.timezone
    form.quiet_start.data = format_hhmm(prefs.quiet_start)
    form.quiet_end.data = format_hhmm(prefs.quiet_end)
    form.open_warnings.data = prefs.open_warnings
    return form


def _settings_page(member: Member, status: int) -> Any:
    from ..identity.views import render_settings

    return render_settings(member, pace=_pace_as_saved(member), status=status)


def _field_error(form: ApiTokenForm, field: str | None, message: str) -> None:
    target = getattr(form, field or "", None)
    errors = target.errors if target is not None else form.form_errors
    errors.append(message)


def create_token() -> Any:
    member = _member()
    if member is None:
        return _to_sign_in()
    form = ApiTokenForm()
    g.setdefault(SUBMITTED_FORM, form)
    if not form.validate_on_submit():
        # The fields are checked below; only the CSRF token fails here.
        return _settings_page(member, 400)
    scope = form.scope.data or ""
    days = form.days.data or ""
    if scope not in tuple(TokenScope):
        _field_error(form, "scope", _("Choose what the token may do."))
    if not (days.isdigit() and int(days) in services.LIFETIMES):
        _field_error(form, "days", _("Choose how long the token works: 30, 90 or 365 days."))
    if form.scope.errors or form.days.errors:
        return _settings_page(member, 422)
    try:
        token, secret = services.create_api_token(
            db_session(), member, name=form.name.data or "", scope=TokenScope(scope), days=int(days)
        )
    except ServiceError as error:
        _field_error(form, error.field, error.message)
        return _settings_page(member, 422)
    g.pop(SUBMITTED_FORM)
    g.setdefault(JUST_MADE, NewToken(token, secret))
    return _settings_page(member, 200)


def revoke_token(token_id: int) -> Any:
    member = _member()
    if member is None:
        return _to_sign_in()
    if not RevokeForm().validate_on_submit():
        raise _expired_form()
    token = services.revoke(db_session(), member, token_id)
    if token.kind == TokenKind.FEED:
        flash(_("Your private addresses are stopped."), "civicforum")
        return _back(FEED_SECTION)
    flash(
        _("“%(name)s” is revoked: whatever used it is refused from now on.", name=token.name),
        "civicforum",
    )
    return _back(SECTION)


def feed_key() -> Any:
    member = _member()
    if member is None:
        return _to_sign_in()
    form = FeedKeyForm()
    if not form.validate_on_submit():
        raise _expired_form()
    db, secret_key = db_session(), state().settings.secret_key
    if form.stop.data:
        if services.stop_feed_key(db, member):
            flash(_("Your private addresses are stopped."), "civicforum")
    elif form.renew.data:
        services.renew_feed_key(db, member, secret_key)
        flash(
            _("You have new private addresses; the old ones no longer work."),
            "civicforum",
        )
    elif form.make.data:
        services.feed_secret(db, member, secret_key, create=True)
        flash(_("Your private addresses are ready."), "civicforum")
    else:
        raise ServiceError(_("Choose one of the buttons."))
    return _back(FEED_SECTION)
