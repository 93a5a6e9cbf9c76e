"""Sign-in, registration, sign-out, password reset and member settings pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired

from ..errors import ServiceError
from ..extension import db_session, state
from ..forum.forms import publish_as_choices
from ..i18n import get_locale, ngettext
from ..i18n import gettext as _
from ..policy import level_label
from . import services
from .attributes import attribute_label
from .forms import RegisterForm, ResetForm, ResetRequestForm, SettingsForm, SignInForm, SignOutForm
from .models import LocalAccount, Member, PublishAs
from .providers import session_stamp
from .reset import ask_reset, serializer

if TYPE_CHECKING:
    from ..pace.forms import AddressForm, PaceForm
from .services import oidc_provider_key

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/sign-in", "sign_in", sign_in, methods=["GET", "POST"])
    bp.add_url_rule("/account/register", "register", register_account, methods=["GET", "POST"])
    bp.add_url_rule("/account/sign-out", "sign_out", sign_out, methods=["POST"])
    bp.add_url_rule("/account/reset", "reset_request", reset_request, methods=["GET", "POST"])
    bp.add_url_rule("/account/reset/<token>", "reset", reset_password, methods=["GET", "POST"])
    bp.add_url_rule("/account/settings", "settings", member_settings, methods=["GET", "POST"])

    from .oidc_views import register as register_oidc

    register_oidc(bp)


def safe_next(target: str | None) -> str:
    """Only paths on this site: no other host, no scheme-relative ``//evil``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("civicforum.index")


def _require_local_accounts() -> None:
    if not state().settings.local_accounts:
        abort(404)


def sign_in() -> Any:
    forum = state()
    if forum.identity.current_actor().is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if forum.settings.local_accounts and form.validate_on_submit():
        email = form.email.data or ""
        wait = forum.limiter.retry_after(request.remote_addr, email)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            form.form_errors.append(
                ngettext(
                    "Too many attempts. Try again in %(num)d minute.",
                    "Too many attempts. Try again in %(num)d minutes.",
                    minutes,
                )
            )
            status = 429
        else:
            member = services.authenticate(db_session(), email, form.password.data or "")
            if member is None:
                forum.limiter.record_failure(request.remote_addr, email)
                form.form_errors.append(_("That e-mail address and password do not match."))
                status = 422
            else:
                forum.identity.start_session(member)
                flash(_("Welcome back, %(name)s.", name=member.display_name), "civicforum")
                return redirect(safe_next(form.next.data))
    elif form.is_submitted():
        status = 422
    return render_template("civicforum/sign_in.html", form=form), status


def register_account() -> Any:
    _require_local_accounts()
    forum = state()
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            member = services.register_local_account(
                db_session(),
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
            )
        except ServiceError as error:
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(error.message)
            status = 422
        else:
            forum.identity.start_session(member)
            flash(
                _("Welcome, %(name)s. Your account is ready.", name=member.display_name),
                "civicforum",
            )
            return redirect(safe_next(form.next.data))
    elif form.is_submitted():
        status = 422
    return render_template("civicforum/register.html", form=form), status


def sign_out() -> Any:
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    from .oidc_views import provider_sign_out_url

    state().identity.end_session()
    at_provider = provider_sign_out_url()
    if at_provider is not None:
        # The provider ends its own session too, then sends the browser back here.
        return redirect(at_provider)
    flash(_("You are signed out."), "civicforum")
    return redirect(url_for("civicforum.index"))


def reset_request() -> Any:
    _require_local_accounts()
    forum = state()
    form = ResetRequestForm()
    sent = False
    if forum.settings.mail_enabled and form.validate_on_submit():
        # The mail goes through the task queue: the page never waits on the mail server,
        # and answers the same whether or not the address has an account and whether or
        # not the server is up, so no one learns who is a member.
        ask_reset(db_session(), form.email.data or "", get_locale())
        sent = True
    return render_template("civicforum/reset_request.html", form=form, sent=sent)


def reset_password(token: str) -> Any:
    _require_local_accounts()
    forum = state()
    db = db_session()
    try:
        member_id, stamp = serializer(forum.settings).loads(
            token, max_age=forum.settings.password_reset_max_age
        )
    except SignatureExpired:
        return render_template("civicforum/reset_invalid.html", expired=True), 400
    except (BadSignature, ValueError, TypeError):
        return render_template("civicforum/reset_invalid.html", expired=False), 400
    account = db.get(LocalAccount, member_id)
    if account is None or session_stamp(account.member) != stamp:
        # Used already (the password changed since) or the account is gone.
        return render_template("civicforum/reset_invalid.html", expired=False), 400
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.set_password(db, account, form.password.data or "")
        except ServiceError as error:
            form.password.errors = [*form.password.errors, error.message]
            status = 422
        else:
            forum.identity.start_session(account.member)
            flash(_("Your new password is saved and you are signed in."), "civicforum")
            return redirect(url_for("civicforum.index"))
    return render_template("civicforum/reset.html", form=form), status


def _settings_form(member: Member, *, fill: bool) -> SettingsForm:
    form = SettingsForm()
    form.publish_as.choices = publish_as_choices(member)
    form.language.choices = [("", _("As my browser or this site says"))] + [
        (code, LANGUAGE_NAMES[code]) for code in state().settings.languages
    ]
    if fill:
        form.display_name.data = member.display_name
        form.real_name.data = member.real_name or ""
        form.publish_as.data = member.publish_as or PublishAs.PSEUDONYM.value
        form.language.data = member.language or ""
    return form


def member_settings() -> Any:
    forum = state()
    actor = forum.identity.current_actor()
    if actor.member is None:
        return redirect(url_for("civicforum.sign_in", next=request.path))
    member: Member = actor.member
    form = _settings_form(member, fill=request.method == "GET")
    status = 200
    if form.validate_on_submit():
        try:
            services.update_member_settings(
                db_session(),
                member,
                display_name=form.display_name.data or "",
                real_name=form.real_name.data or "",
                publish_as=form.publish_as.data or "",
                language=form.language.data or None,
                languages=forum.settings.languages,
            )
        except ServiceError as error:
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(error.message)
            status = 422
            db_session().refresh(member)
        else:
            forum.identity.forget_actor()
            g.pop("_civicforum_locale", None)
            flash(_("Your settings are saved."), "civicforum")
            return redirect(url_for("civicforum.settings"))
    elif form.is_submitted():
        status = 422
    return render_settings(member, form=form, status=status)


def render_settings(
    member: Member,
    *,
    form: SettingsForm | None = None,
    pace: PaceForm | None = None,
    address: AddressForm | None = None,
    status: int = 200,
) -> Any:
    """The settings page: who the member is, how the forum reaches them, what they follow
    and their data; ``form`` or ``pace`` is the one submitted, with its errors."""
    from ..pace.views import settings_context

    forum = state()
    if form is None:
        form = _settings_form(member, fill=True)
    providers = forum.settings.oidc_providers
    linked_keys = {identity.provider for identity in member.identities}
    return render_template(
        "civicforum/settings.html",
        form=form,
        member=member,
        level_text=level_label(member.level),
        attribute_labels=[attribute_label(a.key) for a in member.attributes],
        linked=[p.title for p in providers if oidc_provider_key(p.name) in linked_keys],
        unlinked=[p for p in providers if oidc_provider_key(p.name) not in linked_keys],
        **settings_context(member, pace, address),
    ), status
