"""Fetching other servers' documents: addresses that would make the forum ask its own
network (SSRF) are refused before any connection, also after a redirect; answers that
are not small ActivityPub JSON are refused. A real HTTP server on loopback plays the
remote server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civicforum.plugins.federation.fetching import (
    ACTIVITY_JSON,
    MAX_BYTES,
    FetchRefused,
    Policy,
    check_address,
    fetch_json,
)

ACTOR = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Person", "id": "x"}
LOOPBACK = Policy(allow_http=True, allow_private=True)


class RemoteServer(BaseHTTPRequestHandler):
    """A remote ActivityPub server, and some that misbehave."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server asks for
        routes = {
            "/users/ans": (200, ACTIVITY_JSON, json.dumps(ACTOR).encode()),
            "/page": (200, "text/html", b"<html></html>"),
            "/list": (200, ACTIVITY_JSON, b"[1, 2]"),
            "/broken": (200, ACTIVITY_JSON, b"{not json"),
            "/big": (200, ACTIVITY_JSON, b'{"a": "' + b"x" * MAX_BYTES + b'"}'),
            "/gone": (410, ACTIVITY_JSON, b"{}"),
        }
        if self.path == "/moved":
            self._redirect("/users/ans")
        elif self.path == "/loop":
            self._redirect("/loop")
        elif self.path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif self.path in routes:
            status, media, body = routes[self.path]
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RemoteServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("ftp://elders.example/actor", "scheme"),
        ("gopher://elders.example/", "scheme"),
        ("http://elders.example/users/ans", "scheme"),  # https only, by default
        ("https://127.0.0.1/users/ans", "address"),
        ("https://localhost/users/ans", "address"),
        ("https://10.1.2.3/users/ans", "address"),
        ("https://192.168.0.10/users/ans", "address"),
        ("https://172.16.5.4/users/ans", "address"),
        ("https://169.254.169.254/latest/meta-data/", "address"),
        ("https://[::1]/users/ans", "address"),
        ("https://[fd00::1]/users/ans", "address"),
        ("https://0.0.0.0/users/ans", "address"),
        ("https://224.0.0.1/users/ans", "address"),
        ("https://user:secret@elders.example/users/ans", "address"),
        ("https://elders.example:99999/users/ans", "address"),
        ("https://nonexistent.invalid/users/ans", "unresolvable"),
    ],
)
def test_addresses_the_forum_must_not_fetch_are_refused(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch_json(url)
    assert refused.value.reason == reason
    assert str(refused.value)


def test_a_public_address_over_https_passes_the_check() -> None:
    check_address("https://8.8.8.8/users/ans")


def test_a_document_is_fetched_and_redirects_are_followed(remote: str) -> None:
    assert fetch_json(f"{remote}/users/ans", policy=LOOPBACK) == ACTOR
    assert fetch_json(f"{remote}/moved", policy=LOOPBACK) == ACTOR


def test_a_loopback_server_is_refused_unless_the_site_allows_it(remote: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch_json(f"{remote}/users/ans", policy=Policy(allow_http=True))
    assert refused.value.reason == "address"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-file", "scheme"),  # a redirect is checked like the first address
        ("/loop", "redirects"),
        ("/page", "type"),
        ("/list", "json"),
        ("/broken", "json"),
        ("/big", "size"),
        ("/gone", "status"),
    ],
)
def test_answers_that_are_not_small_activitypub_json_are_refused(
    remote: str, path: str, reason: str
) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch_json(f"{remote}{path}", policy=LOOPBACK)
    assert refused.value.reason == reason
