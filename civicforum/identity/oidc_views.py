"""The pages of "Sign in with ...": start, come back, link, and the provider's sign-out."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from ..extension import db_session, state
from ..i18n import gettext as _
from ..settings import OidcProvider
from .forms import SignOutForm
from .oidc import Pending, ProviderUnavailable, SignInRefused
from .services import IdentityLinkedElsewhere, sign_in_with_verified_identity

log = logging.getLogger(__name__)
PENDING_KEY = "civicforum.oidc.pending"
VIA_KEY = "civicforum.oidc.via"
# A few sign-ins may be under way at once (two tabs); older ones are forgotten.
MAX_PENDING = 3


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/oidc/<name>/sign-in", "oidc_sign_in", start_sign_in)
    bp.add_url_rule("/account/oidc/<name>/link", "oidc_link", start_link, methods=["POST"])
    bp.add_url_rule("/account/oidc/<name>/callback", "oidc_callback", callback)
    bp.add_url_rule("/account/oidc/signed-out", "oidc_signed_out", signed_out)


def _provider(name: str) -> OidcProvider:
    provider = state().settings.oidc_provider(name)
    if provider is None:
        abort(404)
    return provider


def _failure(provider: OidcProvider, status: int, message: str) -> tuple[str, int]:
    return render_template("civicforum/oidc_error.html", provider=provider, message=message), status


def _start(provider: OidcProvider, next_url: str, link: bool) -> Any:
    from .views import safe_next

    forum = state()
    redirect_uri = url_for("civicforum.oidc_callback", name=provider.name, _external=True)
    try:
        url, pending = forum.oidc.start(provider, redirect_uri, safe_next(next_url), link)
    except ProviderUnavailable as error:
        log.warning("identity provider %s unavailable: %s", provider.name, error)
        return _unavailable(provider, error)
    waiting = [p for p in session.get(PENDING_KEY, []) if isinstance(p, dict)][-(MAX_PENDING - 1) :]
    session[PENDING_KEY] = [*waiting, pending.to_session()]
    return redirect(url)


def _unavailable(provider: OidcProvider, error: ProviderUnavailable) -> tuple[str, int]:
    message = (
        _(
            "%(provider)s is answering too slowly right now. Please try again in a few minutes.",
            provider=provider.title,
        )
        if error.slow
        else _(
            "%(provider)s cannot be reached right now. Please try again later.",
            provider=provider.title,
        )
    )
    return _failure(provider, 504 if error.slow else 502, message)


def start_sign_in(name: str) -> Any:
    return _start(_provider(name), request.args.get("next", ""), link=False)


def start_link(name: str) -> Any:
    provider = _provider(name)
    if (
        not state().identity.current_actor().is_authenticated
        or not SignOutForm().validate_on_submit()
    ):
        abort(400)
    return _start(provider, url_for("civicforum.settings"), link=True)


def _take_pending(provider: OidcProvider, state_value: str) -> Pending | None:
    kept, found = [], None
    for raw in session.get(PENDING_KEY, []):
        pending = Pending.from_session(raw)
        if (
            pending is not None
            and pending.provider == provider.name
            and pending.state == state_value
        ):
            found = pending
        elif pending is not None:
            kept.append(raw)
    session[PENDING_KEY] = kept
    return found


def callback(name: str) -> Any:
    provider = _provider(name)
    forum = state()
    if request.args.get("error"):
        # The person cancelled at the provider, or it refused them.
        _take_pending(provider, request.args.get("state", ""))
        return _failure(
            provider,
            400,
            _(
                "Signing in with %(provider)s was cancelled or refused. Nothing was changed.",
                provider=provider.title,
            ),
        )
    pending = _take_pending(provider, request.args.get("state", ""))
    if pending is None:
        return _failure(
            provider,
            400,
            _("This sign-in link is unknown, used already or expired. Please start again."),
        )
    try:
        verified = forum.oidc.finish(
            provider,
            pending,
            request.args.get("state", ""),
            request.args.get("code", ""),
            request.args.get("iss"),
        )
    except ProviderUnavailable as error:
        log.warning("identity provider %s unavailable: %s", provider.name, error)
        return _unavailable(provider, error)
    except SignInRefused as error:
        log.warning("sign-in with %s refused: %s", provider.name, error)
        return _failure(
            provider,
            400,
            _(
                "The answer from %(provider)s could not be trusted, so you were not signed in. Please try again.",
                provider=provider.title,
            ),
        )
    actor = forum.identity.current_actor()
    link_to = actor.member if pending.link else None
    if pending.link and link_to is None:
        return _failure(
            provider,
            400,
            _("Sign in first, then link %(provider)s from your settings.", provider=provider.title),
        )
    try:
        member = sign_in_with_verified_identity(db_session(), verified, link_to=link_to)
    except IdentityLinkedElsewhere as error:
        return _failure(provider, 409, error.message)
    if pending.link:
        flash(
            _("%(provider)s is now linked to your account.", provider=provider.title), "civicforum"
        )
    else:
        forum.identity.start_session(member)
        session[VIA_KEY] = provider.name
        flash(_("You are signed in with %(provider)s.", provider=provider.title), "civicforum")
    return redirect(pending.next)


def provider_sign_out_url() -> str | None:
    """Where to send someone after the forum's sign-out, to end the provider's session too."""
    name = session.pop(VIA_KEY, None)
    provider = state().settings.oidc_provider(name) if isinstance(name, str) else None
    if provider is None:
        return None
    back = url_for("civicforum.oidc_signed_out", _external=True)
    url: str | None = state().oidc.end_session_url(provider, back)
    return url


def signed_out() -> Any:
    flash(_("You are signed out."), "civicforum")
    return redirect(url_for("civicforum.index"))
