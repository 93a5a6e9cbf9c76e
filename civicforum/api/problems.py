"""Errors of the API as problem documents (RFC 9457, ``application/problem+json``).

Every refusal says what went wrong in words a developer can act on, in the language of
the request, with the HTTP status and, where it helps, a ``code`` to branch on and the
``errors`` of each field. No error of the API is an HTML page or a stack trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from .. import clock
from ..errors import NotAllowed, ServiceError, TooSoon
from ..i18n import gettext as _

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """A refusal the API answers with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str = "",
        title: str | None = None,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title
        self.errors = errors
        self.headers = dict(headers or {})


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Unprocessable content"),
        429: _("Too many requests"),
    }


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title or _titles().get(problem.status, _("Something is not right")),
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
    }
    if problem.code:
        body["code"] = problem.code
    if problem.errors:
        body["errors"] = problem.errors
    response = Response(json.dumps(body), status=problem.status, mimetype=PROBLEM_TYPE)
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def from_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    details = {
        404: _("There is nothing at this address."),
        405: _("This address does not take that method."),
        413: _("The request is too large."),
    }
    detail = details.get(status) or str(error.description or "")
    headers: dict[str, str] = {}
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(sorted(allowed))
    return problem_response(Problem(status, detail, code=_codes().get(status, ""), headers=headers))


def _codes() -> dict[int, str]:
    return {404: "not-found", 405: "method-not-allowed", 413: "too-large"}


def from_service_error(error: ServiceError) -> Response:
    """A refusal of the forum's services and policy: the same sentence the pages show."""
    headers: dict[str, str] = {}
    code = "refused"
    status = error.status_code
    if isinstance(error, NotAllowed):
        code = {
            "sign_in": "token-needed",
            "join": "join-first",
            "wait_approval": "membership-pending",
            "identity": "identity-needed",
        }.get(error.remedy, "not-allowed")
        if error.remedy == "sign_in":
            status = 401
            headers["WWW-Authenticate"] = 'Bearer realm="civicforum"'
    elif isinstance(error, TooSoon):
        code = "too-soon"
        if isinstance(error.until, dt.datetime):
            seconds = max(1, int((error.until - clock.now()).total_seconds() + 0.999))
            headers["Retry-After"] = str(seconds)
    elif status == 404:
        code = "not-found"
    elif status == 400:
        # A refusal about one value is the body's fault; one about the thing's state
        # (an event that is over) conflicts with how it is now.
        status, code = (422, "invalid") if error.field else (409, "conflict")
    errors = {error.field: [error.message]} if error.field else None
    return problem_response(
        Problem(status, error.message, code=code, errors=errors, headers=headers)
    )
