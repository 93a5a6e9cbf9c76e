"""The one-click unsubscribe link of a digest (RFC 8058), which needs no sign-in.

``GET`` shows a page with a button and changes nothing: mail scanners and link previews
follow links. ``POST`` (the mail program's one-click request, with the body
``List-Unsubscribe=One-Click``, or the page's button) stops the digests. The signed token
is what authorises it, so this view carries no CSRF token, and it is exempted from a
host's ``CSRFProtect`` as well.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, cast

from flask import Blueprint, Flask, render_template, request
from flask.blueprints import BlueprintSetupState

from ..extension import db_session, state
from ..hostcsrf import exempt_from_host_csrf
from ..i18n import in_language
from ..identity.models import Member
from ..pace.services import stop_digests
from .tokens import member_of_token

ENDPOINT = "unsubscribe"


def register(bp: Blueprint) -> None:
    bp.add_url_rule(f"/{ENDPOINT}/<token>", ENDPOINT, unsubscribe, methods=["GET", "POST"])
    bp.record_once(_exempt_from_host_csrf)


def unsubscribe(token: str) -> Any:
    forum = state()
    db = db_session()
    member_id = member_of_token(forum.settings, token)
    member = db.get(Member, member_id) if member_id is not None else None
    if member is None:
        return render_template("civicforum/digests/unsubscribe_invalid.html"), 400
    # The page in the language the digests were written in.
    language = member.language if member.language in forum.settings.languages else None
    with in_language(language) if language else nullcontext():
        if request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click":
            stop_digests(db, member)
            return render_template("civicforum/digests/unsubscribed.html")
        return render_template("civicforum/digests/unsubscribe.html", token=token)


def _exempt_from_host_csrf(setup: BlueprintSetupState) -> None:
    """A host that protects every POST with Flask-WTF's ``CSRFProtect`` would refuse the
    mail program's one-click request; exempt this view there."""
    view = f"{unsubscribe.__module__}.{unsubscribe.__name__}"
    exempt_from_host_csrf(cast(Flask, setup.app), view)
