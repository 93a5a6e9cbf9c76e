"""The API's operations, declared once: a route, its marshmallow schemas and its words.

:class:`Api` adds each operation to the API's blueprint, wrapped so that the query and
body are checked against their schemas before the view runs, and the answer is dumped
through its response schema; the OpenAPI document (:mod:`.openapi`) is generated from
the same declarations, so the document cannot drift from what the code does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, json, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from .. import policy
from ..extension import state
from ..i18n import gettext as _
from ..identity.models import Member
from ..tokens.models import TokenScope
from .problems import Problem

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Reply:
    """A view's answer when it is not a plain 200: its status and extra headers."""

    data: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    operation_id: str
    summary: str
    description: str
    tags: tuple[str, ...]
    query: type[Schema] | None
    body: type[Schema] | None
    response: type[Schema] | None
    status: int
    token: bool
    scope: TokenScope | None
    errors: tuple[int, ...]
    also: tuple[int, ...]


_PARAM = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-z_]+)>")


def openapi_path(rule: str) -> str:
    """``/topics/<int:topic_id>`` as OpenAPI writes it: ``/topics/{topic_id}``."""
    return _PARAM.sub(lambda m: "{" + m["name"] + "}", rule)


def path_parameters(rule: str) -> list[dict[str, Any]]:
    parameters = []
    for match in _PARAM.finditer(rule):
        if match["converter"] == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        else:
            schema = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": 64}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return parameters


class Api:
    """The operations of one forum's API, on its blueprint."""

    def __init__(self, blueprint: Blueprint, body_limit: int) -> None:
        self.blueprint = blueprint
        self.body_limit = body_limit
        self.operations: list[Operation] = []
        self._document: dict[str, Any] | None = None

    # -- who is asking -------------------------------------------------------------------
    @staticmethod
    def actor() -> policy.Actor:
        """The token's member, or the anonymous visitor: the API never reads cookies."""
        actor: policy.Actor = state().identity.current_actor()
        return actor

    def member(self) -> Member:
        member = self.actor().member
        assert member is not None  # operations with token=True are refused without one
        return member

    # -- declaring -----------------------------------------------------------------------
    def operation(
        self,
        rule: str,
        *,
        operation_id: str,
        summary: str,
        tags: Sequence[str],
        method: str = "GET",
        description: str = "",
        query: type[Schema] | None = None,
        body: type[Schema] | None = None,
        response: type[Schema] | None = None,
        status: int = 200,
        token: bool = False,
        scope: TokenScope | None = None,
        errors: Sequence[int] = (),
        also: Sequence[int] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare an operation.

        :param token: a personal API token is required (401 without one).
        :param scope: the token's scope must include this one (403 otherwise).
        :param errors: the error statuses the view itself can answer, for the document.
        :param also: other success statuses (202 for a reply held for approval).
        """
        op = Operation(
            rule=rule,
            method=method,
            operation_id=operation_id,
            summary=summary,
            description=description,
            tags=tuple(tags),
            query=query,
            body=body,
            response=response,
            status=status,
            token=token or scope is not None,
            scope=scope,
            errors=tuple(errors),
            also=tuple(also),
        )

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            self.operations.append(op)
            self.blueprint.add_url_rule(
                rule,
                operation_id,
                self._wrap(op, view),
                methods=[method],
                provide_automatic_options=True,
            )
            return view

        return decorate

    def finish(self) -> None:
        """After every operation is declared: other methods on the same paths are a 405
        problem naming the allowed ones, not the host's HTML page."""
        by_rule: dict[str, set[str]] = {}
        for op in self.operations:
            by_rule.setdefault(op.rule, set()).add(op.method)
        for rule, methods in by_rule.items():
            allowed = sorted(
                methods | {"HEAD", "OPTIONS"} if "GET" in methods else methods | {"OPTIONS"}
            )
            others = [m for m in METHODS if m not in methods]
            if not others:
                continue

            def refuse(allowed: list[str] = allowed, **_values: Any) -> Response:
                raise Problem(
                    405,
                    _("This address does not take that method."),
                    code="method-not-allowed",
                    headers={"Allow": ", ".join(allowed)},
                )

            endpoint = "method_not_allowed_" + re.sub(r"\W+", "_", rule).strip("_")
            self.blueprint.add_url_rule(
                rule, endpoint, refuse, methods=others, provide_automatic_options=False
            )

    # -- calling -------------------------------------------------------------------------
    def _wrap(self, op: Operation, view: Callable[..., Any]) -> Callable[..., Any]:
        def call(**values: Any) -> Response:
            self._check_token(op)
            kwargs = dict(values)
            if op.query is not None:
                kwargs["query"] = _load(
                    op.query, request.args.to_dict(flat=True), 400, "invalid-query"
                )
            if op.body is not None:
                kwargs["body"] = _load(op.body, self._json_body(), 422, "invalid")
            answer = view(**kwargs)
            reply = answer if isinstance(answer, Reply) else Reply(answer, op.status)
            data = reply.data
            if op.response is not None:
                data = op.response().dump(data)
            response = jsonify(data)
            response.status_code = reply.status
            response.headers.update(reply.headers)
            return response

        call.__name__ = op.operation_id
        call.__doc__ = op.summary
        return call

    def _check_token(self, op: Operation) -> None:
        token = g.get("civicforum_api_token")
        if op.token and token is None:
            raise Problem(
                401,
                _(
                    "This needs a personal API token, sent as “Authorization: Bearer …”. Members make one on their settings page."
                ),
                code="token-needed",
                headers={"WWW-Authenticate": 'Bearer realm="civicforum"'},
            )
        if op.scope is not None and token is not None and token.scope != op.scope:
            raise Problem(
                403,
                _("This token may only read. Make a token that may also post."),
                code="insufficient-scope",
                headers={
                    "WWW-Authenticate": 'Bearer realm="civicforum", error="insufficient_scope", scope="read+post"'
                },
            )

    def _json_body(self) -> Any:
        if request.mimetype != "application/json":
            raise Problem(
                415,
                _("Send the body as JSON, with “Content-Type: application/json”."),
                code="json-expected",
                headers={"Accept-Post": "application/json"},
            )
        request.max_content_length = self.body_limit
        try:
            raw = request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise Problem(
                413,
                _("The body is larger than %(kb)d kB.", kb=self.body_limit // 1024),
                code="too-large",
            ) from None
        try:
            document = json.loads(raw)
        except ValueError:
            raise Problem(400, _("The body is not valid JSON."), code="malformed-json") from None
        if _holds_lone_surrogate(document):
            # RFC 8259 leaves such a string's meaning open; I-JSON (RFC 7493) forbids it.
            raise Problem(400, _("The body is not valid JSON."), code="malformed-json")
        return document


# What a JSON "\ud800" escape without its pair decodes to: no character, and nothing the
# database, the HTML sanitiser or a UTF-8 response can hold. (A valid pair decodes to one
# character outside this range.)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(item) for item in value)
    return False


def _load(schema: type[Schema], data: Any, status: int, code: str) -> Any:
    if not isinstance(data, dict):
        raise Problem(status, _("The body must be a JSON object."), code=code)
    try:
        return schema(unknown=RAISE if status == 422 else EXCLUDE).load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        raise Problem(
            status,
            _("Some values are missing or wrong; “errors” says which."),
            code=code,
            errors=messages,
        ) from None
