"""The forum's blueprint: every area's routes under one URL prefix, one error page.

Errors raised inside the forum render in the host's layout; unknown paths under the
prefix are caught by a last route so they too get the forum's not-found page rather than
the host's bare one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException, NotFound

from . import i18n, unavailable
from .curation.context import curation_context
from .errors import ServiceError
from .extension import state
from .forum import display
from .identity.attributes import attribute_label, providers_granting
from .identity.services import oidc_provider_key
from .moderation.display import moderation_context
from .pace.display import pace_context
from .pluginmanager import Plugins
from .settings import Settings


def make_blueprint(settings: Settings, plugins: Plugins) -> Blueprint:
    bp = Blueprint(
        "civicforum",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )

    from .api import register as register_api
    from .curation.pages import register as register_curation
    from .digests.views import register as register_digests
    from .embed.views import register as register_embed
    from .feeds.views import register as register_feeds
    from .forum.views import register as register_forum
    from .identity.views import register as register_identity
    from .moderation.pages import register as register_moderation
    from .pace.views import register as register_pace
    from .pagecache.pages import register as register_page_cache
    from .privacy.views import register as register_privacy
    from .tokens.views import register as register_tokens

    register_forum(bp)
    register_identity(bp)
    register_moderation(bp)
    register_curation(bp)
    register_privacy(bp)
    register_pace(bp)
    register_digests(bp)
    register_tokens(bp)
    register_feeds(bp, settings)
    register_embed(bp)
    register_api(bp, settings, plugins)
    plugins.manager.hook.civicforum_routes(blueprint=bp)

    @bp.route("/<path:unknown>")
    def unknown_path(unknown: str) -> Any:
        raise NotFound()

    bp.url_value_preprocessor(_refuse_impossible_ids)
    bp.before_request(_refuse_json_forms)
    register_page_cache(bp)
    bp.context_processor(_template_context)
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(CSRFError, _csrf_error)
    bp.register_error_handler(HTTPException, _http_error)
    for error in unavailable.ERRORS:
        bp.register_error_handler(error, unavailable.database_unavailable)
    return bp


# Ids are 32-bit integers in every supported database: a larger number in a URL can name
# nothing, and handing it to the database would fail instead of finding nothing.
MAX_ID = 2**31 - 1


def _refuse_impossible_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and any(isinstance(v, int) and not 0 < v <= MAX_ID for v in values.values()):
        raise NotFound()


View = TypeVar("View", bound=Callable[..., Any])
_TAKES_JSON = "civicforum_takes_json"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def takes_json(view: View) -> View:
    """Mark a view that reads a JSON body itself (an inbox), so it is not refused one."""
    setattr(view, _TAKES_JSON, True)
    return view


def _refuse_json_forms() -> None:
    # Flask-WTF reads a JSON body as the form when there is no other: then a field can
    # be a list, an object or null, or text with a lone surrogate, which no browser
    # sends and which the forms and the database cannot take. The pages take forms as a
    # browser sends them; JSON is for the REST API and the views that read it themselves.
    if request.method not in _BODY_METHODS or not request.is_json:
        return
    if "civicforum.api" in request.blueprints:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, _TAKES_JSON, False):
        abort(415)


def _template_context() -> dict[str, Any]:
    forum = state()
    locale = i18n.get_locale()
    return {
        "csrf_token": generate_csrf,
        **i18n.template_functions(locale),
        "civicforum_base_template": forum.settings.base_template,
        "civicforum_locale": locale,
        "cf_settings": forum.settings,
        "cf_actor": forum.identity.current_actor(),
        "cf_signed_in_by_host": forum.identity.signed_in_by_host,
        "cf_moment": i18n.format_moment,
        "cf_author": display.shown_author,
        "cf_slot": lambda name, **context: forum.plugins.slot(name, context),
        "cf_oidc_providers": forum.settings.oidc_providers,
        "cf_providers_granting": providers_granting,
        "cf_linked": lambda provider: _linked(forum, provider),
        "cf_attribute_label": attribute_label,
        **moderation_context(),
        **curation_context(),
        **pace_context(),
    }


def _linked(forum: Any, provider: Any) -> bool:
    """Whether the signed-in member already linked this identity provider."""
    member = forum.identity.current_actor().member
    key = oidc_provider_key(provider.name)
    return member is not None and any(identity.provider == key for identity in member.identities)


def _error_page(
    status: int, title: str, message: str, remedy: str = "", verdict: Any = None
) -> tuple[str, int]:
    return render_template(
        "civicforum/error.html",
        status=status,
        title=title,
        message=message,
        remedy=remedy,
        verdict=verdict,
        sign_in_url=url_for("civicforum.sign_in", next=request.full_path.rstrip("?")),
    ), status


def _service_error(error: ServiceError) -> tuple[str, int]:
    from .errors import NotAllowed
    from .errors import NotFound as ForumNotFound

    if isinstance(error, ForumNotFound):
        return _error_page(404, i18n.gettext("Not found"), error.message)
    if isinstance(error, NotAllowed):
        return _error_page(
            403, i18n.gettext("Not allowed"), error.message, error.remedy, error.verdict
        )
    return _error_page(error.status_code, i18n.gettext("Something is not right"), error.message)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(
        400,
        i18n.gettext("The form expired"),
        i18n.gettext(
            "The form was open too long or came from elsewhere. Go back, reload the page and try again; nothing was saved."
        ),
    )


def _http_error(error: HTTPException) -> Any:
    code = error.code or 500
    if code not in (403, 404, 405, 413, 415):
        # Before any translation: finding the member's language reads the database,
        # whose session a failed request may have left unusable.
        return error
    messages = {
        404: (i18n.gettext("Not found"), i18n.gettext("This page does not exist (any more).")),
        403: (i18n.gettext("Not allowed"), i18n.gettext("You may not see or do this.")),
        405: (i18n.gettext("Not allowed"), i18n.gettext("This page cannot be used like that.")),
        413: (i18n.gettext("Too large"), i18n.gettext("What you sent is too large.")),
        # JSON sent to a page (see _refuse_json_forms).
        415: (
            i18n.gettext("Something is not right"),
            i18n.gettext("This page cannot be used like that."),
        ),
    }
    title, message = messages[code]
    return _error_page(code, title, message)
