"""Bibliotheek Voorbeeldstad: a small library website that mounts civicforum at /forum.

It shows the three things an institution's web team does: its own layout as the forum's
base template, its own login handed to the forum as the host identity, and its own
language switch handed to the forum as the host's language choice.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask, redirect, render_template, request, session, url_for
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField

from civicforum import CivicForum

from . import opening_hours

# The library's own visitor accounts (a real site has its own user database). The forum
# never sees these passwords: it only learns "site:<username>" and the display name.
SITE_USERS: dict[str, dict[str, str]] = {
    "sanne": {"name": "Sanne", "password": generate_password_hash("lezen-is-leuk")},
    "bibliothecaris": {
        "name": "Bibliothecaris Joost",
        "password": generate_password_hash("boeken-en-koffie"),
    },
}


def _host_identity() -> tuple[str, str] | None:
    username = session.get("site_user")
    if username in SITE_USERS:
        return f"site:{username}", SITE_USERS[username]["name"]
    return None


def _site_language() -> str:
    """The site's language: Dutch, unless the visitor switched to English. The forum
    follows it (a member's own language setting in the forum still wins)."""
    language = session.get("site_language")
    return language if language in {"nl", "en"} else "nl"


forum = CivicForum(
    host_identity=_host_identity, locale_selector=_site_language, plugins=[opening_hours]
)


class SiteSignIn(FlaskForm):
    username = StringField()
    password = PasswordField()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the library's website.

    :param test_config: settings that replace the environment's (tests use this).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SAMPLE_SITE_SECRET_KEY"),
        CIVICFORUM_SECRET_KEY=os.environ.get("CIVICFORUM_SECRET_KEY"),
        CIVICFORUM_BASE_TEMPLATE="site/base.html",
        CIVICFORUM_SITE_NAME="Bibliotheek Voorbeeldstad",
    )
    for key in (
        "CIVICFORUM_DATABASE_URL",
        "CIVICFORUM_MAIL_SERVER",
        "CIVICFORUM_MAIL_SENDER",
        "CIVICFORUM_SITE_URL",
    ):
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if os.environ.get("CIVICFORUM_MAIL_PORT"):
        app.config["CIVICFORUM_MAIL_PORT"] = int(os.environ["CIVICFORUM_MAIL_PORT"])
    if os.environ.get("SAMPLE_SITE_OIDC"):
        app.config.update(_demo_identity_provider(os.environ["SAMPLE_SITE_OIDC"]))
    if test_config:
        app.config.update(test_config)
    if app.config.get("CIVICFORUM_MAIL_SERVER") and not app.config.get("CIVICFORUM_SITE_URL"):
        # Links in the forum's mail (digests, report receipts) point at this machine.
        app.config["CIVICFORUM_SITE_URL"] = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    if not app.config.get("SECRET_KEY") or not app.config.get("CIVICFORUM_SECRET_KEY"):
        _use_local_secrets(app)

    CSRFProtect(app)
    forum.init_app(app)
    _register_site_pages(app)
    app.cli.add_command(patient_group_command)
    return app


@click.command("patient-group")
@with_appcontext
def patient_group_command() -> None:
    """Add the patients' peer-support group that only verified members of the Patients'
    Association can read (needs the Voorbeeld-ID provider: SAMPLE_SITE_OIDC)."""
    from sqlalchemy import select

    from civicforum.errors import ServiceError
    from civicforum.extension import state
    from civicforum.forum import services
    from civicforum.forum.models import Community

    forum_state = state()
    known = {rule.key for p in forum_state.settings.oidc_providers for rule in p.attributes}
    if "patient-member" not in known:
        raise click.ClickException(
            "Start the site with SAMPLE_SITE_OIDC set (see sample_site/oidc_provider.sh)."
        )
    with forum_state.session_factory() as db:
        community = db.scalar(select(Community).where(Community.slug == "lotgenoten"))
        if community is None:
            try:
                community = services.create_community(
                    db,
                    slug="lotgenoten",
                    name="Lotgenoten – Patiëntenvereniging",
                    description=(
                        "Ervaringen delen met andere patiënten, in vertrouwen. Alleen voor "
                        "leden van de Patiëntenvereniging, aangetoond met Voorbeeld-ID."
                    ),
                    house_rules="1. Wat hier gedeeld wordt, blijft hier.\n2. Geen medisch advies: deel ervaringen.",
                )
            except ServiceError as error:
                raise click.ClickException(error.message) from None
        services.set_requirements(
            db,
            community,
            services.Requirements(read_attribute="patient-member", post_attribute="patient-member"),
            known,
        )
    click.echo("Lotgenoten: readable for verified members of the Patients' Association.")


def _demo_identity_provider(base_url: str) -> dict[str, Any]:
    """Sign-in with "Voorbeeld-ID", the local test provider that
    ``sample_site/oidc_provider.sh`` starts (``SAMPLE_SITE_OIDC=http://127.0.0.1:9000``).

    The client secret is a fixed demo value that the provider script knows too: fine for
    two programs on one's own machine, never for a real site, which keeps its secret out
    of its code (see docs/oidc.md).
    """
    return {
        "CIVICFORUM_OIDC_PROVIDERS": {
            "voorbeeldid": {
                "title": "Voorbeeld-ID",
                "discovery_url": f"{base_url.rstrip('/')}/.well-known/openid-configuration",
                "client_id": "bibliotheek-voorbeeldstad",
                "client_secret": os.environ.get(
                    "SAMPLE_SITE_OIDC_SECRET", "voorbeeldstad-demo-secret"
                ),
                "levels": {"assurance": {"substantial": "verified", "high": "verified"}},
                "attributes": {
                    "patient-member": {
                        "claim": "membership",
                        "value": "patientenvereniging",
                        "label_nl": "geverifieerd lid van de Patiëntenvereniging",
                        "label_en": "verified member of the Patients' Association",
                    }
                },
            }
        }
    }


def _use_local_secrets(app: Flask) -> None:
    """For trying the site on one's own machine: random secrets kept in the instance folder.

    A real deployment sets SAMPLE_SITE_SECRET_KEY and CIVICFORUM_SECRET_KEY itself.
    """
    path = Path(app.instance_path) / "secrets.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(f"{secrets.token_urlsafe(48)}\n{secrets.token_urlsafe(48)}\n")
        path.chmod(0o600)
    site_secret, forum_secret = path.read_text().split()
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or site_secret
    app.config["CIVICFORUM_SECRET_KEY"] = app.config.get("CIVICFORUM_SECRET_KEY") or forum_secret


TEXTS = {
    "nl": {
        "home": "Home",
        "forum": "Forum",
        "agenda": "Agenda",
        "sign_in": "Inloggen",
        "sign_out": "Uitloggen",
        "language": "English",
        "skip": "Naar de inhoud",
        "welcome": "Welkom bij Bibliotheek Voorbeeldstad",
        "intro": "Boeken lenen, samen lezen, hulp bij alles wat digitaal is – en sinds kort ook praten met andere inwoners op ons forum.",
        "to_forum": "Naar het forum",
        "signed_in_as": "Ingelogd als",
        "username": "Gebruikersnaam",
        "password": "Wachtwoord",
        "bad_login": "Gebruikersnaam en wachtwoord horen niet bij elkaar.",
        "demo_hint": "Probeer het met sanne / lezen-is-leuk of bibliothecaris / boeken-en-koffie.",
        "opening": "Open: ma–vr 10–20 uur, za 10–17 uur.",
        "forum_now": "Nu op het forum",
        "widget_title": "Leesclub: de laatste gesprekken en wat er binnenkort is",
    },
    "en": {
        "home": "Home",
        "forum": "Forum",
        "agenda": "Agenda",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "language": "Nederlands",
        "skip": "Skip to content",
        "welcome": "Welcome to Bibliotheek Voorbeeldstad",
        "intro": "Borrow books, read together, get help with all things digital – and now talk with other residents on our forum.",
        "to_forum": "Go to the forum",
        "signed_in_as": "Signed in as",
        "username": "User name",
        "password": "Password",
        "bad_login": "That user name and password do not match.",
        "demo_hint": "Try sanne / lezen-is-leuk or bibliothecaris / boeken-en-koffie.",
        "opening": "Open: Mon–Fri 10:00–20:00, Sat 10:00–17:00.",
        "forum_now": "Now on the forum",
        "widget_title": "Reading club: the latest discussions and what is coming up",
    },
}


def _register_site_pages(app: Flask) -> None:
    @app.context_processor
    def site_context() -> dict[str, Any]:
        language = _site_language()
        user = SITE_USERS.get(session.get("site_user", ""))
        return {"site": TEXTS[language], "site_language": language, "site_user": user}

    @app.get("/")
    def home() -> str:
        return render_template("site/home.html")

    @app.route("/inloggen", methods=["GET", "POST"])
    def site_sign_in() -> Any:
        form = SiteSignIn()
        error = None
        if form.validate_on_submit():
            user = SITE_USERS.get((form.username.data or "").strip().lower())
            if user and check_password_hash(user["password"], form.password.data or ""):
                session["site_user"] = (form.username.data or "").strip().lower()
                target = request.args.get("next", "")
                return redirect(
                    target
                    if target.startswith("/") and not target.startswith("//")
                    else url_for("home")
                )
            error = TEXTS[_site_language()]["bad_login"]
        return render_template("site/sign_in.html", form=form, error=error), (422 if error else 200)

    @app.post("/uitloggen")
    def site_sign_out() -> Any:
        if FlaskForm().validate_on_submit():
            session.pop("site_user", None)
        return redirect(url_for("home"))

    @app.post("/taal")
    def switch_language() -> Any:
        if FlaskForm().validate_on_submit():
            session["site_language"] = "en" if _site_language() == "nl" else "nl"
        target = request.form.get("next", "")
        return redirect(
            target if target.startswith("/") and not target.startswith("//") else url_for("home")
        )
