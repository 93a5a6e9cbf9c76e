"""The inboxes: a community's own (``/c/SLUG/inbox``) and the forum's shared one
(``/inbox``), where other servers POST their activities.

In order, and refusing at the first step that fails, before anything is written:

1. the body: ActivityPub JSON (``application/activity+json`` or ``application/ld+json``;
   415 otherwise), at most :data:`MAX_BODY` (413), a JSON object (400);
2. the signature (:mod:`.signatures`, or RFC 9421 when the request carries
   ``Signature-Input``): no signature, a wrong one, a wrong digest, a date outside the
   window, a key that cannot be found, or a replay: **401**. A community's inbox refuses
   blocked servers before it fetches their key;
3. the activity: ActivityStreams 2.0 with an id and an actor (400 otherwise, see
   :mod:`.incoming`), sent by the actor whose key signed it (401 otherwise);
4. what it asks: see :mod:`.receiving` (403 blocked or refused by the forum's rules,
   404 unknown object, 422 unusable, 429 too soon).

Taken activities answer **202 Accepted**. What the inbox says is for other servers'
logs, so it is in English, as the signature refusals are. Fetching a sender's key is the only call to
another server made while a request waits, and only to the sender's own server, within
:data:`.fetching.TIMEOUT`; all sending happens in the task queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from ...extension import db_session
from ...forum.models import Community
from . import addresses, blocks, delivery, runtime, services
from .incoming import NotActivity, parse_activity, read_json
from .receiving import Refused, handle
from .responses import problem
from .rfc9421 import is_rfc9421, verify_rfc9421
from .signatures import SignatureRefused, Verified, verify_request

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})


def receive(community: Community | None) -> Response:
    """Answer a POST to an inbox (see the module); ``community`` is None for the shared one."""
    body, refusal = _read_body()
    if refusal is not None:
        return refusal
    db = db_session()
    if community is not None:
        refusal = _refuse_blocked_signer(db, community)
        if refusal is not None:
            return refusal
    try:
        verified = _verify(body)
    except SignatureRefused as refused:
        response = problem(401, str(refused))
        response.headers["WWW-Authenticate"] = 'Signature realm="inbox"'
        return response
    try:
        activity = parse_activity(read_json(body))
    except NotActivity as refused:
        return problem(refused.status, str(refused))
    owner = runtime.of().keys.key(verified.key_id).owner
    if owner != activity.actor:
        return problem(401, "The activity's actor is not the owner of the key that signed it.")
    try:
        queued = handle(db, activity, community)
    except Refused as refused:
        db.rollback()
        response = problem(refused.status, str(refused))
        if refused.retry_after is not None:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    if queued:
        delivery.send_soon(current_app._get_current_object(), queued)  # type: ignore[attr-defined]
    return Response(status=202)


def _read_body() -> tuple[bytes, Response | None]:
    media = (request.mimetype or "").lower()
    if media not in MEDIA_TYPES:
        return b"", problem(415, "Send ActivityPub JSON (application/activity+json).")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return b"", problem(413, f"The activity is larger than {MAX_BODY // 1024} kB.")
    body = request.stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return b"", problem(413, f"The activity is larger than {MAX_BODY // 1024} kB.")
    return body, None


def _refuse_blocked_signer(db: Session, community: Community) -> Response | None:
    """A blocked server's activities are refused before its key is fetched."""
    from .signatures import parse_signature

    header = request.headers.get("Signature", "")
    try:
        key_id = parse_signature(header)["keyId"] if header else ""
    except SignatureRefused:
        return None  # verifying says what is wrong with it
    key_id = key_id.partition("#")[0]
    if key_id and blocks.is_blocked(db, community.id, key_id):
        return problem(403, "This community does not take activities from you or your server.")
    return None


def _verify(body: bytes) -> Verified:
    rt = runtime.of()
    target = request.script_root + request.path
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    headers = dict(request.headers)
    try:
        return _check(target, headers, body, rt.keys.pem)
    except SignatureRefused as refused:
        if refused.reason != "signature":
            raise
    # The key may have changed since it was kept: fetch it once more.
    return _check(target, headers, body, lambda key_id: _fresh_pem(key_id))


def _check(
    target: str, headers: dict[str, str], body: bytes, pem: Callable[[str], str | None]
) -> Verified:
    rt = runtime.of()
    if is_rfc9421(headers):
        return verify_rfc9421(
            request.method,
            _public_url(),
            headers,
            body,
            public_key_pem=pem,
            seen=rt.replays.seen,
        )
    return verify_request(
        request.method,
        target,
        headers,
        body,
        public_key_pem=pem,
        seen=rt.replays.seen,
    )


def _public_url() -> str:
    """The address the sender used: on the site's public address when it is set (behind a
    proxy the request's own may differ)."""
    url = addresses.site_base() + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def _fresh_pem(key_id: str) -> str | None:
    from .keys import KeyRefused

    try:
        return runtime.of().keys.key(key_id, fresh=True).pem
    except KeyRefused:
        return None


def community_inbox(slug: str) -> Response:
    found = services.federated_community(db_session(), slug)
    if found is None:
        return problem(404, "There is no such federated community.")
    return receive(found[0])


def shared_inbox() -> Response:
    return receive(None)
