"""A real ActivityPub server for the federation tests: Fedify, written independently of
the forum, with one person, alice, on 127.0.0.1.

The server is ``tests/federation_peer/peer.mjs`` (see its header). Fedify does
everything ActivityPub there: WebFinger and actor look-ups, signing what alice sends
(draft-cavage HTTP Signatures with her RSA key, as Mastodon does) and verifying what she
receives. Only activities Fedify verified reach its inbox listener, which records them;
anything else Fedify answers with 401 and forgets. So what :meth:`FederationPeer.received`
lists is what another server would have believed from the forum.

The tests drive alice through the peer's small control API (plain JSON over HTTP)::

    with running_peer(tmp_path) as peer:
        group = peer.look_up(f"leesclub@{host}")
        follow = peer.follow(f"leesclub@{host}")
        accept = peer.wait_for("an Accept of the follow", lambda a: a["type"] == "Accept")

The forum must be told it may talk to a server over http on loopback
(``CIVICFORUM_FEDERATION_ALLOW_HTTP`` and ``CIVICFORUM_FEDERATION_ALLOW_PRIVATE_ADDRESSES``):
:data:`FORUM_CONFIG`.

The peer needs Node.js 20 or newer; its npm packages are installed with ``npm ci`` from
its ``package-lock.json`` the first time. Without node or npm the tests fail saying so:
CI has Node, and a federation test that quietly does not run tests nothing.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .oidcproxy import free_port

__all__ = [
    "FORUM_CONFIG",
    "PEER_NAME",
    "FederationPeer",
    "PeerError",
    "PeerStartError",
    "running_peer",
    "send_raw",
]

PEER_DIR = Path(__file__).resolve().parent / "federation_peer"
# alice's shown name: how her posts are signed on the forum's pages.
PEER_NAME = "Alice Zandvoort"
PEER_USER = "alice"
ACTIVITY_JSON = "application/activity+json"

# What a forum needs to talk to the peer: plain http, on a loopback address.
FORUM_CONFIG: dict[str, Any] = {
    "CIVICFORUM_FEDERATION_ALLOW_HTTP": True,
    "CIVICFORUM_FEDERATION_ALLOW_PRIVATE_ADDRESSES": True,
}


class PeerStartError(RuntimeError):
    """The peer could not be installed or started; the message says why."""


class PeerError(AssertionError):
    """The peer's control API refused, or what was waited for did not come in time.

    An ``AssertionError``, so that a test that meets one fails (rather than errs) with
    the other server's answer and the peer's log in its message.
    """


def install_peer() -> None:
    """Install the peer's npm packages from package-lock.json, when they are missing."""
    if (PEER_DIR / "node_modules" / "@fedify" / "fedify" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise PeerStartError(
            "The federation tests need the npm package @fedify/fedify, and npm is not "
            f"installed. Install Node.js 20 or newer with npm; the tests then run `npm ci` in {PEER_DIR}."
        )
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise PeerStartError(
            f"`npm ci` in {PEER_DIR} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


def send_raw(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request to ``url`` (``http://host:port/path``), exactly as given:
    no header added or changed but the ones http.client must send. Returns
    ``(status, headers, body)``."""
    scheme, _, rest = url.partition("://")
    assert scheme == "http", f"only http:// here, not {url}"
    authority, slash, path = rest.partition("/")
    host, _, port = authority.partition(":")
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    try:
        given = {name.lower() for name in headers or {}}
        connection.putrequest(
            method, slash + path, skip_host="host" in given, skip_accept_encoding=True
        )
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None and "content-length" not in given:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class FederationPeer:
    """The running peer: its address, alice's, and the control API as methods."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.actor_id = f"{self.url}/users/{PEER_USER}"
        self.handle = f"{PEER_USER}@127.0.0.1:{self.port}"
        self.log_path = directory / "federation-peer.log"
        self._log = self.log_path.open("ab")
        self._process: subprocess.Popen[bytes] | None = None

    # -- the process ------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> None:
        """Start the peer and wait until it answers.

        It stops by itself when this process ends (it watches the pipe on its stdin).

        :raises PeerStartError: when node is missing or the peer does not come up.
        """
        install_peer()
        node = shutil.which("node")
        if node is None:
            raise PeerStartError("The federation tests need Node.js 20 or newer (`node`).")
        self._process = subprocess.Popen(
            [node, "peer.mjs", "--port", str(self.port), "--stop-with-stdin"],
            cwd=PEER_DIR,
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise PeerStartError(
                    f"the peer exited with {self._process.returncode}:\n{self.log_text()}"
                )
            try:
                status, _headers, _body = send_raw("GET", f"{self.url}/control/received", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise PeerStartError(
                    f"the peer did not answer within {timeout} s:\n{self.log_text()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not self._log.closed:
            self._log.close()

    def log_text(self, since: int = 0) -> str:
        """What the peer logged (Fedify's requests, warnings and errors)."""
        if not self._log.closed:
            self._log.flush()
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    # -- the control API --------------------------------------------------------------

    def _control(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, _headers, answer = send_raw(
            method, f"{self.url}/control/{path}", body=body, headers=headers, timeout=60
        )
        if status != 200:
            raise PeerError(
                f"the peer answered {method} /control/{path} with {status}: "
                f"{answer.decode(errors='replace')}\n--- peer log (end) ---\n{self.log_text()[-6000:]}"
            )
        return json.loads(answer)

    def look_up(self, handle: str) -> dict[str, Any]:
        """The actor Fedify finds for ``handle`` (``name@host``, by WebFinger) or an id:
        type, id, name, preferredUsername, summary, inbox, sharedInbox, followers and
        publicKey (id, owner, pem)."""
        found: dict[str, Any] = self._control("POST", "lookup", {"handle": handle})
        return found

    def follow(self, handle: str) -> dict[str, Any]:
        """alice follows ``handle``: the ``Follow`` is delivered (signed) to its inbox.
        Returns the follow's id, actor and object.

        :raises PeerError: with the other server's answer when it refused the delivery.
        """
        follow: dict[str, Any] = self._control("POST", "follow", {"handle": handle})
        return follow

    def reply(self, in_reply_to: str, to: str, content: str) -> dict[str, Any]:
        """alice sends ``Create(Note)`` replying to ``in_reply_to``, addressed to ``to``
        (an actor id; its inbox gets it) and the public. Returns the activity's and the
        note's ids.

        :raises PeerError: with the other server's answer when it refused the delivery.
        """
        sent: dict[str, Any] = self._control(
            "POST", "reply", {"inReplyTo": in_reply_to, "to": to, "content": content}
        )
        return sent

    def prepare_reply(self, in_reply_to: str, to: str, content: str, inbox: str) -> dict[str, Any]:
        """The request :meth:`reply` would send to ``inbox``, signed by alice, but not
        sent: ``{"url", "headers", "body"}`` (and the ids), for spoiling on purpose."""
        prepared: dict[str, Any] = self._control(
            "POST",
            "prepare-reply",
            {"inReplyTo": in_reply_to, "to": to, "content": content, "inbox": inbox},
        )
        return prepared

    def received(self) -> list[dict[str, Any]]:
        """Every activity alice received and Fedify verified, oldest first: its type,
        id, actor, recipient, ``signature`` (the verified key's id and owner), ``object``
        as Fedify read it (nested, down to the Note or Page), and ``json`` as it came."""
        activities: list[dict[str, Any]] = self._control("GET", "received")
        return activities

    def wait_for(
        self,
        what: str,
        matches: Callable[[dict[str, Any]], bool],
        timeout: float = 15.0,
    ) -> dict[str, Any]:
        """The first received activity for which ``matches`` is true, waiting for it up
        to ``timeout`` seconds.

        :param what: what is waited for, in words, for the message when it does not come.
        :raises PeerError: naming ``what``, with what did arrive and the peer's log.
        """
        deadline = time.monotonic() + timeout
        while True:
            activities = self.received()
            for activity in activities:
                if matches(activity):
                    return activity
            if time.monotonic() > deadline:
                summary = json.dumps(
                    [{k: a.get(k) for k in ("type", "actor", "object")} for a in activities],
                    indent=1,
                )
                raise PeerError(
                    f"the peer did not receive {what} within {timeout} s. It received, "
                    f"verified:\n{summary}\n--- peer log (end) ---\n{self.log_text()[-6000:]}"
                )
            time.sleep(0.1)


@contextlib.contextmanager
def running_peer(directory: Path) -> Iterator[FederationPeer]:
    """A started :class:`FederationPeer`, stopped afterwards.

    :raises PeerStartError: when node or npm is missing or the peer does not start.
    """
    peer = FederationPeer(directory)
    try:
        peer.start()
        yield peer
    finally:
        peer.stop()
