"""The widget's addresses: a small page for an ``<iframe>``, the same markup as a fragment
for server-side includes, the same data as JSON, and the stylesheet of a host's colours.

The widget's answer depends on its URL and the browser's language only, never on who
asks (see :mod:`.widget`), so that caches may share it. That is why its templates are
rendered with the context given here alone: the context processors of the host and of
the forum's pages read the signed-in person from the session, which would make the
answer personal and send ``Vary: Cookie``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.signals import request_finished

from .. import i18n
from ..extension import db_session, state
from ..i18n import gettext as _
from . import headers
from .params import BadWidgetRequest, WidgetOptions, read_options
from .theme import Theme, read_theme
from .widget import Widget, build_widget, public_community, widget_for_host

TEMPLATES = "civicforum/embed/"
#: How an answer shows a widget: as a page (with the host's theme), a fragment or JSON.
Show = Callable[[Widget, Theme | None], Response]


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/embed/c/<slug>/latest", "embed_latest", latest_page)
    bp.add_url_rule("/embed/c/<slug>/latest.fragment", "embed_fragment", latest_fragment)
    bp.add_url_rule("/embed/c/<slug>/latest.json", "embed_json", latest_json)
    bp.add_url_rule("/embed/theme.css", "embed_theme", theme_stylesheet)
    bp.record_once(_set_up_app)


def _set_up_app(setup: BlueprintSetupState) -> None:
    """For the host's own templates, the widget's data (``civicforum_widget``, see
    ``civicforum/embed/macros.html``); and the widget's headers on every app."""
    setup.app.add_template_global(widget_for_host, "civicforum_widget")
    request_finished.connect(headers.finish_response, setup.app)


def latest_page(slug: str) -> Response:
    """A complete small page, for an ``<iframe>``; ``?accent=`` and friends theme it."""

    def page(widget: Widget, theme: Theme | None) -> Response:
        theme_url = None
        if theme is not None:
            query: dict[str, Any] = theme.query()
            theme_url = url_for("civicforum.embed_theme", **query)
        return _html(_render("page.html", data=widget, theme_url=theme_url))

    return _answer(slug, page, "page")


def latest_fragment(slug: str) -> Response:
    """The page's widget without ``<html>`` and ``<head>``, for a host that includes it
    in its own pages on its server."""

    def fragment(widget: Widget, theme: Theme | None) -> Response:
        return _html(_render("fragment.html", data=widget))

    return _answer(slug, fragment, "fragment")


def latest_json(slug: str) -> Response:
    """The same data as JSON, for a host's own templates or an app."""

    def data(widget: Widget, theme: Theme | None) -> Response:
        return jsonify(widget.as_json())

    return _answer(slug, data, "json")


def theme_stylesheet() -> Response:
    """The custom properties of a host's colours and font (see :mod:`.theme`)."""
    with i18n.in_language(_negotiated()):
        try:
            theme = read_theme(request.args)
        except BadWidgetRequest as bad:
            return Response(bad.message, 400, mimetype="text/plain")
    css = theme.stylesheet() if theme else "/* No colours or font chosen. */\n"
    return Response(css, mimetype="text/css")


def _answer(slug: str, show: Show, kind: str) -> Response:
    """Check the link, find the community as an anonymous visitor would, and ``show``
    its widget; or say in words what is wrong (400) or that there is nothing (404)."""
    offered = state().settings.languages
    negotiated = _negotiated()
    asked = request.args.get("lang")
    # A mistake is told in the language the link asks for, if that one is right.
    with i18n.in_language(asked if asked in offered else negotiated):
        try:
            options: WidgetOptions = read_options(request.args, offered, negotiated)
            theme = read_theme(request.args) if kind == "page" else None
        except BadWidgetRequest as bad:
            return _refusal(kind, 400, bad.message)
    with i18n.in_language(options.language):
        db = db_session()
        community = public_community(db, slug)
        if community is None:
            # The same words whether the community is unknown or closed to the public.
            return _refusal(kind, 404, _("There is no public community at this address."))
        return show(build_widget(db, community, options.limit), theme)


def _negotiated() -> str:
    """The request's language when its link names none: the browser's, else the
    forum's default. Not the signed-in member's choice: the answer is public."""
    settings = state().settings
    return request.accept_languages.best_match(settings.languages) or settings.default_language


def _refusal(kind: str, status: int, message: str) -> Response:
    if kind == "json":
        response = jsonify({"error": message})
        response.status_code = status
        return response
    template = "error_page.html" if kind == "page" else "error_fragment.html"
    return _html(_render(template, message=message, language=i18n.get_locale()), status)


def _render(name: str, **context: Any) -> str:
    template = current_app.jinja_env.get_template(TEMPLATES + name)
    return template.render(_=_, **context)


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status, mimetype="text/html")
