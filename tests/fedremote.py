"""Another ActivityPub server, as far as the forum's own federation tests need one: real
HTTP on loopback that publishes actors with their keys, keeps what is POSTed to their
inboxes, and answers inbox POSTs with a status the test chooses.

The end-to-end test against an independently written server (Fedify) is
``test_federation_peer.py``; this one lets the inbox and delivery tests sign as any
actor, tamper, and watch exactly what was fetched and sent.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.moderation import rules
from civicforum.moderation.models import HouseRule
from civicforum.plugins.federation.services import new_key_pair
from civicforum.plugins.federation.signatures import sign_request

from .helpers import actor_of, add_member

ACTIVITY_JSON = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
LOOPBACK_CONFIG = {
    "CIVICFORUM_FEDERATION_ALLOW_HTTP": True,
    "CIVICFORUM_FEDERATION_ALLOW_PRIVATE_ADDRESSES": True,
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class RemoteActorKeys:
    id: str
    private_pem: str
    public_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"


@dataclass
class Remote:
    """The server's state: its documents by path, what it received, what was fetched."""

    base: str = ""
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    #: The headers of each fetch, in order.
    fetch_headers: list[dict[str, str]] = field(default_factory=list)
    #: The status its inboxes answer.
    inbox_status: int = 202
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def actor(self, name: str, *, display_name: str | None = None) -> RemoteActorKeys:
        private, public = new_key_pair()
        actor_id = f"{self.base}/users/{name}"
        self.documents[f"/users/{name}"] = {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": actor_id,
            "type": "Person",
            "preferredUsername": name,
            "name": display_name or name.title(),
            "inbox": f"{actor_id}/inbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": public},
        }
        return RemoteActorKeys(actor_id, private, public)

    def new_id(self, kind: str = "activities") -> str:
        return f"{self.base}/{kind}/{next(self._ids)}"

    def activities(self, kind: str | None = None) -> list[dict[str, Any]]:
        found = [item.activity for item in self.received]
        return [a for a in found if kind is None or a.get("type") == kind]


@contextmanager
def remote_server() -> Iterator[Remote]:
    state = Remote()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.fetched.append(self.path)
            state.fetch_headers.append(dict(self.headers))
            document = state.documents.get(self.path)
            if document is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ACTIVITY_JSON)
            self.end_headers()
            self.wfile.write(json.dumps(document).encode())

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(Received(self.path, dict(self.headers), body))
            self.send_response(state.inbox_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll, so that shutting down takes no half second per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def post_signed(
    client: FlaskClient,
    path: str,
    activity: dict[str, Any] | bytes,
    signer: RemoteActorKeys,
    *,
    tamper: bool = False,
    headers: dict[str, str] | None = None,
    **sign_options: Any,
) -> TestResponse:
    """POST ``activity`` to the forum's ``path``, signed as ``signer`` (draft-cavage)."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    signed = sign_request(
        "POST",
        f"http://localhost{path}",
        key_id=signer.key_id,
        private_key_pem=signer.private_pem,
        body=body,
        headers={"Content-Type": ACTIVITY_JSON},
        **sign_options,
    )
    if tamper:
        body = body.replace(b"}", b', "extra": 1}', 1)
    return client.post(
        path,
        data=body,
        headers={**signed, "Accept-Language": "en", **(headers or {})},
    )


def moderator_and_rule(
    db: Session, community: Community, make_member: Callable[..., Member]
) -> tuple[Member, HouseRule]:
    """A moderator of ``community`` and a house rule of it, for measures and blocks."""
    moderator = make_member("Mod")
    add_member(db, community, moderator, Role.MODERATOR)
    rule = rules.add_rule(
        db,
        actor_of(db, moderator),
        community,
        rules.RuleText("Wees vriendelijk", "Be kind", "Geen gescheld.", "No name-calling."),
    )
    return moderator, rule
