"""The headers every answer of the widget carries: a strict Content-Security-Policy
whose ``frame-ancestors`` says which sites may frame it, short public caching, and CORS
for the JSON.

They are set when Flask has finished the response (the ``request_finished`` signal),
after every ``after_request`` function of the forum and of the host. A host whose own
security headers (an ``X-Frame-Options: DENY`` for its whole site, a Content-Security-
Policy of its own) are added in ``after_request`` would otherwise contradict
``CIVICFORUM_EMBED_ANCESTORS`` and the widget could not be framed where the site said it
may be; for the widget, the forum's setting is the one that counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, request
from flask_cors.core import get_cors_options, set_cors_headers

from ..extension import state

#: The widget's endpoints (``civicforum.`` + the name in :mod:`.views`).
WIDGET_ENDPOINTS = frozenset(
    {"civicforum.embed_latest", "civicforum.embed_fragment", "civicforum.embed_json"}
)
THEME_ENDPOINT = "civicforum.embed_theme"
JSON_ENDPOINT = "civicforum.embed_json"

#: The widget is public and the same for everyone who asks in one language: caches may
#: keep it a minute, which spares the database on a busy home page and is short enough
#: that a new discussion shows soon.
WIDGET_CACHING = "public, max-age=60"
#: A theme's stylesheet follows from its URL alone.
THEME_CACHING = "public, max-age=86400"


def content_security_policy(ancestors: Sequence[str]) -> str:
    """The widget's policy: nothing but the forum's own stylesheets and images, no
    scripts, no forms, and framed only by ``ancestors`` (``'none'`` for no site)."""
    sources = " ".join(ancestors) or "'none'"
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        f"form-action 'none'; frame-ancestors {sources}"
    )


def finish_response(sender: Flask, response: Response, **extra: Any) -> None:
    """Give an answer of the widget its headers (a ``request_finished`` receiver,
    connected for each app the forum is mounted on)."""
    endpoint = request.endpoint
    if endpoint not in WIDGET_ENDPOINTS and endpoint != THEME_ENDPOINT:
        return
    settings = state(sender).settings
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(settings.embed_ancestors)
    # frame-ancestors decides who may frame the widget; an X-Frame-Options from the host
    # would say otherwise to older browsers.
    headers.remove("X-Frame-Options")
    headers["X-Content-Type-Options"] = "nosniff"
    # Every link of the widget goes to the forum's own site: nothing to tell anyone else.
    headers["Referrer-Policy"] = "same-origin"
    if response.status_code >= 500:
        headers["Cache-Control"] = "no-store"
    elif endpoint == THEME_ENDPOINT:
        headers["Cache-Control"] = THEME_CACHING
    else:
        headers["Cache-Control"] = WIDGET_CACHING
        # Without ?lang the language follows the browser's.
        response.vary.add("Accept-Language")
    if endpoint == JSON_ENDPOINT:
        _allow_origins(response, settings.api_cors_origins)


def _allow_origins(response: Response, origins: Sequence[str]) -> None:
    """CORS for the JSON: ``CIVICFORUM_API_CORS_ORIGINS`` may read it from a browser
    (``*``: any page); without origins, only servers and apps read it."""
    if not origins:
        return
    anyone = "*" in origins
    options = get_cors_options(
        None,
        {
            # Every option given here, so that a host's own CORS_* settings (meant for
            # its own routes) change nothing about the forum's.
            "origins": "*" if anyone else list(origins),
            "methods": ["GET", "HEAD", "OPTIONS"],
            "allow_headers": [],
            "expose_headers": None,
            "supports_credentials": False,
            "max_age": None,
            "send_wildcard": anyone,
            "always_send": anyone,
            "vary_header": True,
            "allow_private_network": False,
        },
    )
    set_cors_headers(response, options)
    if not anyone:
        # Cached answers differ by the asking page's origin.
        response.vary.add("Origin")
