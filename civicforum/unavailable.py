"""When the forum cannot use its database: a calm page, not a stack trace.

The database server stopped or restarting, a network between them down, a SQLite file
that cannot be written (a full disk, a read-only file): SQLAlchemy raises an
``OperationalError`` (or an ``InterfaceError``). The forum answers **503 Service
Unavailable** with ``Retry-After``, in the visitor's language (a problem document for
the REST API), saying that nothing they sent was kept: the transaction is rolled back, so no half-written post remains.

The page is rendered without touching the database again: not the member's own
language setting (the browser's is used), not the forum's template context (which reads
the signed-in member), not the host's base template (which may need its own). The site
recovers by itself: PostgreSQL connections are checked before use (``pool_pre_ping``),
so the first request after the database is back gets a fresh one.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, g, request, url_for
from sqlalchemy.exc import InterfaceError, OperationalError

from . import i18n
from .extension import state

log = logging.getLogger(__name__)

#: Seconds after which a visitor (or a crawler) may try again.
RETRY_AFTER = 30
ERRORS = (OperationalError, InterfaceError)


def database_unavailable(error: OperationalError | InterfaceError) -> Response:
    """The blueprint's handler for a database that cannot be used (see the module)."""
    log.warning("The database cannot be used: %s", error.orig or error)
    _forget_session()
    forum = state()
    if g.get("_civicforum_locale") is None:
        # The browser's language: the member's own setting is in the database.
        offered = forum.settings.languages
        choice = request.accept_languages.best_match(offered)
        g._civicforum_locale = choice or forum.settings.default_language
    title = i18n.gettext("The forum is unavailable for a moment")
    message = i18n.gettext(
        "The forum cannot use its database just now. Nothing you sent was saved. "
        "Please try again in a minute."
    )
    if "civicforum.api" in request.blueprints:
        from .api.problems import Problem, problem_response

        retry = {"Retry-After": str(RETRY_AFTER)}
        return problem_response(
            Problem(503, message, code="unavailable", title=title, headers=retry)
        )
    again = request.full_path if request.method == "GET" else request.path
    page = current_app.jinja_env.get_template("civicforum/unavailable.html").render(
        locale=i18n.get_locale(),
        site_name=forum.settings.site_name,
        title=title,
        message=message,
        try_again=i18n.gettext("Try again"),
        again=again.rstrip("?"),
        stylesheet=url_for("civicforum.static", filename="civicforum/forum.css"),
    )
    response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _forget_session() -> None:
    """Roll back and drop the request's session, whatever state its connection is in."""
    session = g.pop("_civicforum_session", None)
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; closing is all that is left
        log.debug("Rolling back after a database error failed too", exc_info=True)
    finally:
        try:
            session.close()
        except Exception:  # noqa: BLE001
            log.debug("Closing the session after a database error failed", exc_info=True)
