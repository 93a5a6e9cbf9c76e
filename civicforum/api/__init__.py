"""The REST API under ``/api/v1/``: read what the pages show, reply and answer events
with a personal token, described by an OpenAPI 3.1 document generated from the code.

The API is a blueprint nested in the forum's (endpoints ``civicforum.api.*``). Its
requests are anonymous unless they carry a token (:mod:`.access`); its errors are
problem documents (:mod:`.problems`); its operations are declared once, with their
schemas, in :mod:`.reading`, :mod:`.writing` and by plugins (the ``civicforum_api``
hook), and the document is generated from those declarations (:mod:`.openapi`).
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, Response, jsonify, request, url_for
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from ..hostcsrf import exempt_from_host_csrf
from ..i18n import gettext as _
from ..pluginmanager import Plugins
from ..settings import Settings
from . import access, problems, reading, writing
from .openapi import build_document
from .registry import Api

PREFIX = "/api/v1"


def register(bp: Blueprint, settings: Settings, plugins: Plugins) -> None:
    api_bp = Blueprint("api", __name__)
    api = Api(api_bp, body_limit=6 * settings.max_post_length + 16 * 1024)
    limiter = access.ApiLimiter(settings)

    reading.register(api)
    writing.register(api)
    plugins.manager.hook.civicforum_api(api=api)
    api.finish()
    document: dict[str, Any] = {}

    @api_bp.route("/openapi.json")
    def openapi() -> Response:
        if not document:
            base = url_for("civicforum.api.openapi").rsplit("/", 1)[0]
            document.update(build_document(api, base, settings.site_name))
        response = jsonify(document)
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @api_bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown_path(unknown: str) -> Response:
        raise problems.Problem(404, _("There is nothing at this address."), code="not-found")

    @api_bp.before_request
    def before() -> None:
        if request.endpoint == "civicforum.api.openapi":
            return
        try:
            access.identify()
        finally:
            limiter.take()

    api_bp.after_request(access.add_quota_fields)
    api_bp.register_error_handler(problems.Problem, problems.problem_response)
    api_bp.register_error_handler(ServiceError, problems.from_service_error)
    api_bp.register_error_handler(HTTPException, problems.from_http_error)
    if settings.api_cors_origins:
        CORS(
            api_bp,
            origins=list(settings.api_cors_origins),
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["RateLimit", "RateLimit-Policy", "Retry-After", "Location"],
            supports_credentials=False,
            max_age=600,
        )
    bp.register_blueprint(api_bp, url_prefix=PREFIX)
    _exempt_from_csrf(bp, api_bp)


def _exempt_from_csrf(bp: Blueprint, api_bp: Blueprint) -> None:
    """A host that protects every POST with Flask-WTF's CSRFProtect would refuse the
    API's, which carry a token instead of a cookie (so cannot be forged): exempt them."""
    bp.record_once(lambda setup: exempt_from_host_csrf(cast(Flask, setup.app), api_bp))


__all__ = ["PREFIX", "Api", "register"]
