"""A proxy in front of the test provider that can lie for it.

:class:`TamperingProxy` forwards every request to the provider and, when told, spoils the
ID token in the token endpoint's answer, answers too late, or stops listening. Tests
sign the spoiled tokens with the provider's own key (they made it), so a client can tell
them apart only by checking what it should check. See :mod:`tests.oidcpeer`.
"""

from __future__ import annotations

import base64
import http.client
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

DISCOVERY_PATH = "/.well-known/openid-configuration"

TokenMode = Literal[
    "pass",  # forward the answer unchanged
    "tamper",  # flip a character in the ID token's signature
    "tamper-payload",  # change the subject, keep the old signature
    "expired",  # re-signed, expired longer ago than the allowed clock skew
    "wrong-aud",  # re-signed, issued to "someone-else"
    "wrong-iss",  # re-signed, claiming another issuer
    "wrong-nonce",  # re-signed, with a nonce the client never sent
    "wrong-key",  # signed by another key under the provider's key id
    "alg-none",  # unsigned ("alg": "none")
    "slow",  # answer only after a delay (set_mode(..., delay=...))
]
TOKEN_MODES: tuple[TokenMode, ...] = TokenMode.__args__  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_signing_key() -> RSAKey:
    """A fresh RSA key for RS256, with a key id, as the provider's signing key."""
    return RSAKey.generate_key(
        2048, parameters={"alg": "RS256", "use": "sig"}, private=True, auto_kid=True
    )


def http_request(
    method: str,
    host: str,
    port: int,
    target: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, list[tuple[str, str]], bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _b64_json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the claims of a JWT, without checking anything."""
    header, payload, _signature = token.split(".")
    return _b64_json(header), _b64_json(payload)


@dataclass
class TokenExchange:
    """One answer of the token endpoint: as the provider gave it, and as the client got it."""

    mode: TokenMode
    original: dict[str, Any]
    delivered: dict[str, Any] | None


@dataclass
class Seen:
    method: str
    path: str
    status: int


# Headers that belong to one connection, not to the message.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class _QuietHandler(WSGIRequestHandler):
    # One request per connection: a client holding a kept-alive connection would
    # otherwise still be served after the proxy "went down".
    protocol_version = "HTTP/1.0"
    # Headers and body leave in separate writes; with Nagle's algorithm the body would
    # wait for the client's delayed acknowledgement (about 40 ms a request).
    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TamperingProxy:
    """An HTTP proxy on 127.0.0.1 in front of the provider, with switchable misbehaviour.

    Requests keep their Host header, so the provider's own links (redirects, form targets,
    discovery) already name the proxy; the discovery document and redirects are rewritten
    as well, whatever the provider did. The ``issuer`` stays the provider's: a client must
    check it against the tokens.

    :param upstream_port: the provider's port on 127.0.0.1.
    :param issuer: the provider's issuer, as written into its tokens.
    :param signing_key: the provider's private key, for re-signing spoiled tokens.
    """

    def __init__(self, upstream_port: int, issuer: str, signing_key: RSAKey) -> None:
        self.upstream_port = upstream_port
        self.issuer = issuer
        self.signing_key = signing_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[Seen] = []
        self.exchanges: list[TokenExchange] = []
        self._mode: TokenMode = "pass"
        self._delay = 6.0
        self._slow_everywhere = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._other_key: RSAKey | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- switches ----------------------------------------------------------------------
    @property
    def mode(self) -> TokenMode:
        return self._mode

    def set_mode(self, mode: TokenMode, *, delay: float = 6.0, everywhere: bool = False) -> None:
        """Change what happens to the token endpoint's answers from now on.

        :param delay: for ``"slow"``: seconds to wait before forwarding the request. The
            default outlasts the forum's default ``timeout`` of 5 s in the tests; a test
            is quicker with ``timeout=1`` in the forum's settings and ``delay=2`` here.
        :param everywhere: for ``"slow"``: delay every request (discovery, keys, ...), not
            only the token endpoint's.
        """
        if mode not in TOKEN_MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; choose from {', '.join(TOKEN_MODES)}")
        with self._lock:
            self._mode, self._delay, self._slow_everywhere = mode, delay, everywhere

    def down(self) -> None:
        """Stop listening: connections to the proxy are refused until :meth:`up`."""
        server, self._server = self._server, None
        if server is None:
            return
        self._wake_sleepers()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def up(self) -> None:
        """Listen (again) on the proxy's port."""
        if self._server is not None:
            return
        self._server = make_server(
            "127.0.0.1", self.port, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="oidc-tampering-proxy",
            daemon=True,
        )
        self._thread.start()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def reset(self) -> None:
        """Back to forwarding everything unchanged, listening, with empty records."""
        self._wake_sleepers()
        self.set_mode("pass")
        self.up()
        self.seen.clear()
        self.exchanges.clear()

    def _wake_sleepers(self) -> None:
        with self._lock:
            self._wake.set()
            self._wake = threading.Event()

    # -- forwarding --------------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._forward(request)
        self.seen.append(Seen(request.method, request.full_path.rstrip("?"), response.status_code))
        return response(environ, start_response)

    def _forward(self, request: Request) -> Response:
        is_token = request.method == "POST" and request.path == "/token"
        with self._lock:
            mode, wake = self._mode, self._wake
            delay, everywhere = self._delay, self._slow_everywhere
        if mode == "slow" and (is_token or everywhere) and wake.wait(delay):
            # Reset while waiting: the client gave up long ago, and the next test must
            # not find this request's effects at the provider.
            return Response("reset while waiting", status=503)
        body = request.get_data()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _HOP_BY_HOP and name.lower() != "accept-encoding"
        }
        try:
            status, upstream_headers, content = http_request(
                request.method,
                "127.0.0.1",
                self.upstream_port,
                request.environ.get("RAW_URI") or request.full_path,
                body=body or None,
                headers=headers,
            )
        except OSError as error:
            # The provider itself is not running (e.g. restarting): a gateway's answer.
            return Response(f"the provider did not answer: {error}", status=502)
        upstream = f"http://127.0.0.1:{self.upstream_port}"
        out_headers = []
        for name, value in upstream_headers:
            if name.lower() in _HOP_BY_HOP:
                continue
            if name.lower() == "location" and value.startswith(upstream):
                value = self.url + value[len(upstream) :]
            out_headers.append((name, value))
        if request.path == DISCOVERY_PATH and status == 200:
            content = self._rewrite_discovery(content, upstream)
        elif is_token and status == 200:
            content = self._spoil(mode, content)
        return Response(content, status=status, headers=out_headers)

    def _rewrite_discovery(self, content: bytes, upstream: str) -> bytes:
        document = json.loads(content)
        for key, value in document.items():
            if key != "issuer" and isinstance(value, str) and value.startswith(upstream):
                document[key] = self.url + value[len(upstream) :]
        return json.dumps(document).encode()

    def _spoil(self, mode: TokenMode, content: bytes) -> bytes:
        answer = json.loads(content)
        exchange = TokenExchange(mode, dict(answer), None)
        self.exchanges.append(exchange)
        token = answer.get("id_token")
        if isinstance(token, str) and mode not in ("pass", "slow"):
            answer["id_token"] = self.spoil_id_token(token, mode)
        exchange.delivered = answer
        return json.dumps(answer).encode()

    def spoil_id_token(self, token: str, mode: TokenMode) -> str:
        """``token`` as the proxy delivers it in ``mode``."""
        header, claims = token_parts(token)
        head, payload, signature = token.split(".")
        now = int(time.time())
        match mode:
            case "pass" | "slow":
                return token
            case "tamper":
                middle = len(signature) // 2
                flipped = "A" if signature[middle] != "A" else "B"
                return f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
            case "tamper-payload":
                return f"{head}.{_b64({**claims, 'sub': 'mallory'})}.{signature}"
            case "alg-none":
                return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
            case "wrong-key":
                if self._other_key is None:
                    self._other_key = make_signing_key()
                return jwt.encode(header, claims, self._other_key, algorithms=["RS256"])
            case "expired":
                # Well past the largest clock skew the forum accepts (300 s).
                changed = {**claims, "iat": now - 1800, "exp": now - 900}
                if "auth_time" in claims:
                    changed["auth_time"] = now - 1800
            case "wrong-aud":
                changed = {**claims, "aud": "someone-else"}
                changed.pop("azp", None)
            case "wrong-iss":
                changed = {**claims, "iss": "https://another-provider.example"}
            case "wrong-nonce":
                changed = {**claims, "nonce": secrets.token_urlsafe(24)}
        return jwt.encode(header, changed, self.signing_key, algorithms=["RS256"])

    def describe(self) -> str:
        """What went through the proxy, one line a request, for failure reports."""
        lines = [f"mode={self._mode} up={self.is_up}"]
        lines += [f"{seen.method} {seen.path} -> {seen.status}" for seen in self.seen]
        return "\n".join(lines)
