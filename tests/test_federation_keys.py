"""Remote actors' keys: believed only when the actor's own document lists them, on the
same host; kept a while, fetched again when asked fresh. A real HTTP server on loopback
is the remote server, and the keys sign and verify a real request."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from civicforum.plugins.federation.fetching import ACTIVITY_JSON, Policy
from civicforum.plugins.federation.keys import KeyRefused, RemoteKeys
from civicforum.plugins.federation.services import new_key_pair
from civicforum.plugins.federation.signatures import (
    SignatureRefused,
    sign_request,
    verify_request,
)

LOOPBACK = Policy(allow_http=True, allow_private=True)


class Remote:
    """What the remote server publishes, by path; counts the fetches."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.fetched: list[str] = []
        self.base = ""


@pytest.fixture(scope="module")
def remote() -> Iterator[Remote]:
    state = Remote()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.fetched.append(self.path)
            document = state.documents.get(self.path)
            if document is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ACTIVITY_JSON)
            self.end_headers()
            self.wfile.write(json.dumps(document).encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def actor(remote: Remote, name: str, pem: str, **changes: Any) -> str:
    actor_id = f"{remote.base}/users/{name}"
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_id,
        "type": "Person",
        "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": pem},
    }
    document.update(changes)
    remote.documents[f"/users/{name}"] = document
    return actor_id


def test_a_key_is_taken_from_the_actor_and_verifies_its_signature(remote: Remote) -> None:
    private, public = new_key_pair()
    actor_id = actor(remote, "ans", public)
    keys = RemoteKeys(LOOPBACK)
    now = dt.datetime.now(dt.UTC)
    body = json.dumps({"type": "Follow", "actor": actor_id}).encode()
    headers = sign_request(
        "POST",
        "https://forum.example/forum/c/leesclub/inbox",
        key_id=f"{actor_id}#main-key",
        private_key_pem=private,
        body=body,
        now=now,
    )
    verified = verify_request(
        "POST",
        "/forum/c/leesclub/inbox",
        headers,
        body,
        public_key_pem=keys.pem,
        seen=lambda digest: False,
        now=now,
    )
    assert verified.key_id == f"{actor_id}#main-key"
    # Kept: a second activity does not fetch the actor again; fresh=True does.
    fetches = len(remote.fetched)
    keys.key(f"{actor_id}#main-key")
    assert len(remote.fetched) == fetches
    keys.key(f"{actor_id}#main-key", fresh=True)
    assert len(remote.fetched) == fetches + 1


def test_a_key_published_apart_from_its_actor_is_checked_against_the_actor(
    remote: Remote,
) -> None:
    _private, public = new_key_pair()
    actor_id = f"{remote.base}/users/bram"
    key_id = f"{remote.base}/keys/bram"
    remote.documents["/keys/bram"] = {"id": key_id, "owner": actor_id, "publicKeyPem": public}
    actor(
        remote, "bram", public, publicKey={"id": key_id, "owner": actor_id, "publicKeyPem": public}
    )
    assert RemoteKeys(LOOPBACK).key(key_id).owner == actor_id


@pytest.mark.parametrize(
    "case",
    [
        "owner is someone else",
        "actor does not list the key",
        "key document claims an owner that does not list it",
        "actor on another host",
        "no pem",
        "not found",
    ],
)
def test_a_key_that_its_documents_do_not_back_is_refused(remote: Remote, case: str) -> None:
    _private, public = new_key_pair()
    name = case.replace(" ", "-")
    actor_id = f"{remote.base}/users/{name}"
    key_id = f"{actor_id}#main-key"
    if case == "owner is someone else":
        actor(
            remote,
            name,
            public,
            publicKey={"id": key_id, "owner": f"{remote.base}/users/x", "publicKeyPem": public},
        )
    elif case == "actor does not list the key":
        actor(
            remote,
            name,
            public,
            publicKey={"id": f"{actor_id}#other", "owner": actor_id, "publicKeyPem": public},
        )
    elif case == "key document claims an owner that does not list it":
        key_id = f"{remote.base}/keys/{name}"
        remote.documents[f"/keys/{name}"] = {
            "id": key_id,
            "owner": actor_id,
            "publicKeyPem": public,
        }
        actor(remote, name, public)
    elif case == "actor on another host":
        elsewhere = "http://elders.example/users/ans"
        remote.documents[f"/users/{name}"] = {
            "id": actor_id,
            "type": "Person",
            "publicKey": {"id": key_id, "owner": actor_id, "publicKeyPem": public},
        }
        key_id = f"{remote.base}/keys/{name}"
        remote.documents[f"/keys/{name}"] = {
            "id": key_id,
            "owner": elsewhere,
            "publicKeyPem": public,
        }
    elif case == "no pem":
        actor(remote, name, public, publicKey={"id": key_id, "owner": actor_id})
    keys = RemoteKeys(LOOPBACK)
    with pytest.raises(KeyRefused) as refused:
        keys.key(key_id)
    assert str(refused.value)
    assert keys.pem(key_id) is None


def test_a_signature_by_an_unbacked_key_is_refused_naming_the_key(remote: Remote) -> None:
    private, _public = new_key_pair()
    _other_private, other_public = new_key_pair()
    actor_id = actor(remote, "carla", other_public)  # the actor lists another key
    now = dt.datetime.now(dt.UTC)
    headers = sign_request(
        "POST",
        "https://forum.example/inbox",
        key_id=f"{actor_id}#main-key",
        private_key_pem=private,
        body=b"{}",
        now=now,
    )
    with pytest.raises(SignatureRefused) as refused:
        verify_request(
            "POST",
            "/inbox",
            headers,
            b"{}",
            public_key_pem=RemoteKeys(LOOPBACK).pem,
            seen=lambda digest: False,
            now=now,
        )
    assert refused.value.reason == "signature"


def test_keys_on_private_addresses_are_not_fetched_by_default(remote: Remote) -> None:
    _private, public = new_key_pair()
    actor_id = actor(remote, "dirk", public)
    fetches = len(remote.fetched)
    with pytest.raises(KeyRefused):
        RemoteKeys().key(f"{actor_id}#main-key")
    assert len(remote.fetched) == fetches
