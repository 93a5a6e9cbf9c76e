"""Pages for a member's own data: asking for a copy and downloading it, and deleting the
account (with its summary of what happens, and a fresh sign-in first)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from .. import clock, policy
from ..errors import NotAllowed, ServiceError, TooSoon
from ..extension import db_session, state
from ..i18n import get_locale
from ..i18n import gettext as _
from ..identity.models import Member
from ..identity.services import oidc_provider_key
from . import erasure, export
from .forms import DELETE, KEEP, EraseForm, ExportForm, post_choices

#: What the "account deleted" page says, kept in the session for one page: counts only.
SUMMARY_KEY = "civicforum.erasure_summary"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/account/data", "request_export", request_export, methods=["POST"])
    bp.add_url_rule("/account/data/<token>.zip", "download_export", download_export)
    bp.add_url_rule("/account/delete", "erase_account", erase_account, methods=["GET", "POST"])
    bp.add_url_rule("/account/deleted", "account_erased", account_erased)
    bp.context_processor(lambda: {"cf_privacy_section": privacy_section})


def privacy_section(member: Member) -> dict[str, Any]:
    """What the settings page's "Your data" section shows."""
    view = export.export_view(db_session(), member)
    return {"view": view, "form": ExportForm()}


def _expired_form() -> ServiceError:
    return ServiceError(
        _(
            "The form expired or came from elsewhere. Go back, reload the page and try again; nothing was saved."
        )
    )


def request_export() -> Any:
    actor = state().identity.current_actor()
    if actor.member is None:
        return redirect(url_for("civicforum.sign_in", next=url_for("civicforum.settings")))
    if not ExportForm().validate_on_submit():
        raise _expired_form()
    db = db_session()
    made, created = export.request_export(db, actor, actor.member.language or get_locale())
    if created:
        export.enqueue(db, made, request.url_root)
        flash(
            _("Your copy is being prepared. In a few minutes you can download it here."),
            "civicforum",
        )
    else:
        flash(_("Your copy is being prepared already; it will be here soon."), "civicforum")
    return redirect(url_for("civicforum.settings", _anchor="cf-your-data"), 303)


def download_export(token: str) -> Any:
    # No token is longer or holds NUL (which PostgreSQL refuses to compare).
    if len(token) > 64 or "\x00" in token:
        abort(404)
    actor = state().identity.current_actor()
    path = export.for_download(db_session(), actor, token, export.exports_folder())
    site = re.sub(r"[^a-z0-9]+", "-", state().settings.site_name.lower()).strip("-") or "forum"
    name = f"{site}-{clock.now().date().isoformat()}.zip"
    response = send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response


# -- deleting the account ----------------------------------------------------------------


def _sign_in_again_links(member: Member) -> list[tuple[str, str]]:
    """Where a member without a password of the forum signs in again: each identity
    provider they linked, back to this page afterwards."""
    links = []
    linked = {identity.provider for identity in member.identities}
    back = url_for("civicforum.erase_account")
    for provider in state().settings.oidc_providers:
        if oidc_provider_key(provider.name) in linked:
            url = url_for("civicforum.oidc_sign_in", name=provider.name, next=back)
            links.append((provider.title, url))
    return links


def erase_account() -> Any:
    forum = state()
    actor = forum.identity.current_actor()
    if actor.member is None:
        return redirect(url_for("civicforum.sign_in", next=request.path))
    member: Member = actor.member
    form = EraseForm()
    form.posts.choices = post_choices()
    if request.method == "GET":
        form.posts.data = KEEP if forum.settings.erasure_keeps_posts else DELETE
    signed_in_at: dt.datetime | None = forum.identity.signed_in_at()
    verdict = policy.can_erase_own_account(actor, signed_in_at, clock.now())
    status = 200
    if form.is_submitted():
        status = 422
        account = member.local_account
        wait = forum.limiter.retry_after(request.remote_addr, account.email) if account else 0
        if not form.validate_on_submit():
            form.form_errors.append(
                _("The form expired or came from elsewhere. Please try again; nothing was deleted.")
            )
            status = 400
        elif form.posts.data not in (KEEP, DELETE):
            form.posts.errors.append(_("Choose what happens to your posts."))
        elif wait and account is not None:
            raise TooSoon(_("Too many attempts. Try again in a few minutes; nothing was deleted."))
        else:
            try:
                summary = erasure.erase_own_account(
                    db_session(),
                    actor,
                    password=form.password.data or "",
                    signed_in_at=signed_in_at,
                    keep_posts=form.posts.data == KEEP,
                    folder=export.exports_folder(),
                )
            except erasure.WrongPassword as error:
                if account is not None:
                    forum.limiter.record_failure(request.remote_addr, account.email)
                form.password.errors.append(error.message)
            except NotAllowed as error:
                form.form_errors.append(error.message)
                status = 403
            else:
                forum.identity.end_session()
                session[SUMMARY_KEY] = {
                    "deleted": summary.posts_deleted,
                    "kept": summary.posts_kept,
                    "host": forum.identity.signed_in_by_host,
                }
                return redirect(url_for("civicforum.account_erased"), 303)
    return render_template(
        "civicforum/privacy/erase.html",
        form=form,
        member=member,
        verdict=verdict,
        preview=erasure.preview(db_session(), member),
        sign_in_again=_sign_in_again_links(member),
        by_host=forum.identity.signed_in_by_host,
    ), status


def account_erased() -> Any:
    summary = session.pop(SUMMARY_KEY, None)
    if not isinstance(summary, dict):
        return redirect(url_for("civicforum.index"))
    return render_template("civicforum/privacy/erased.html", summary=summary)
