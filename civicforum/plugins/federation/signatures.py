"""HTTP Signatures as the fediverse uses them (draft-cavage-http-signatures-12).

Mastodon, Lemmy and most ActivityPub servers sign every POST to an inbox, and many every
fetch, with a ``Signature`` header over ``(request-target)``, ``host``, ``date`` and a
``digest`` of the body, made with the sending actor's key (``keyId`` names it, as
``actor-id#main-key``). Those drafts are no longer maintained and neither are the Python
libraries for them, so the few rules are written out here on top of ``cryptography``;
the test vectors of the draft's Appendix C are checked in the tests.

Verifying refuses, with a :class:`SignatureRefused` that says why:

- a request with no signature, or one over too little (``(request-target)``, ``host`` and
  ``date`` always; ``digest`` too when there is a body);
- a ``Digest`` (or RFC 9530 ``Content-Digest``) that is not the body's SHA-256;
- a ``Date`` outside :data:`DATE_WINDOW` of now, either way;
- a signature that the key does not verify, or a key that cannot be found;
- the same signature seen before (a replay), as far as ``seen`` remembers: it is asked
  with a digest of the signature and must record it for at least the date window.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

#: How far a request's Date may be from now, either way (Mastodon allows one hour).
DATE_WINDOW = dt.timedelta(hours=1)
#: What a signature must cover; with a body, its digest too.
REQUIRED = ("(request-target)", "host", "date")
#: Longest Signature header looked at: a keyId, a list of headers and a 4096-bit RSA
#: signature fit well within it.
MAX_HEADER = 4096

_PARAMETER = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureRefused(Exception):
    """A request's signature does not hold; ``reason`` is a short word for logs and tests
    (``missing``, ``malformed``, ``too-little``, ``digest``, ``date``, ``key``,
    ``signature``, ``replay``) and the message a sentence for the sender."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    """A signature that holds: whose key made it, and what it covered."""

    key_id: str
    headers: tuple[str, ...]


def body_digest(body: bytes) -> str:
    """The ``Digest`` header's value for a body: ``SHA-256=`` and base64."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def _signing_string(
    method: str, target: str, headers: Mapping[str, str], names: tuple[str, ...]
) -> bytes:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            value = headers.get(name)
            if value is None:
                raise SignatureRefused(
                    "too-little", f"The signature names the header {name!r}, which is not sent."
                )
            lines.append(f"{name}: {value.strip()}")
    return "\n".join(lines).encode()


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """The headers to send with a request, ``Signature`` included: ``Host``, ``Date``,
    and for a body ``Digest``, besides the given ``headers``.

    :param key_id: the public key's id, the actor's id with ``#main-key``.
    :param private_key_pem: the actor's private key (RSA, as the fediverse expects).
    """
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    sent = dict(headers or {})
    sent["Host"] = parts.netloc
    sent["Date"] = http_date(now or dt.datetime.now(dt.UTC))
    names: tuple[str, ...] = REQUIRED
    if body is not None:
        sent["Digest"] = body_digest(body)
        names = (*REQUIRED, "digest")
    string = _signing_string(method, target, _lower(sent), names)
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(string, padding.PKCS1v15(), hashes.SHA256())
        algorithm = "rsa-sha256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(string)
        algorithm = "hs2019"
    else:  # pragma: no cover - the forum only makes RSA keys
        raise TypeError("an RSA or Ed25519 private key is needed")
    sent["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return sent


def parse_signature(header: str) -> dict[str, str]:
    """The parameters of a ``Signature`` header (``keyId``, ``algorithm``, ``headers``,
    ``signature``).

    :raises SignatureRefused: when it is not made of ``name="value"`` pairs.
    """
    if len(header) > MAX_HEADER:
        raise SignatureRefused("malformed", "The Signature header is too long.")
    parameters: dict[str, str] = {}
    position = 0
    header = header.strip()
    while position < len(header):
        match = _PARAMETER.match(header, position)
        if match is None:
            raise SignatureRefused("malformed", "The Signature header cannot be read.")
        parameters[match[1]] = match[2]
        position = match.end()
    if "keyId" not in parameters or "signature" not in parameters:
        raise SignatureRefused("malformed", "The Signature header lacks keyId or signature.")
    return parameters


def verify_request(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key_pem: Callable[[str], str | None],
    seen: Callable[[str], bool],
    now: dt.datetime | None = None,
) -> Verified:
    """Check a request's signature, its digest, its date and that it is new.

    :param target: the request's path with its query, as it reached this server.
    :param public_key_pem: the PEM of the key with a given ``keyId`` (fetched from the
        actor, or from a cache), or None when there is none.
    :param seen: asked with a digest of the signature: True when it came before (a
        replay); it must remember the digest for at least :data:`DATE_WINDOW`.
    :raises SignatureRefused: saying what does not hold.
    """
    sent = _lower(headers)
    header = sent.get("signature")
    if header is None:
        authorization = sent.get("authorization", "")
        if authorization[:10].lower() == "signature ":
            header = authorization[10:]
    if header is None:
        raise SignatureRefused("missing", "The request is not signed (no Signature header).")
    parameters = parse_signature(header)
    names = tuple(parameters.get("headers", "date").lower().split())
    needed = (*REQUIRED, "digest") if body else REQUIRED
    if any(name not in names for name in needed):
        raise SignatureRefused("too-little", f"The signature must cover {', '.join(needed)}.")
    _check_digest(sent, body)
    _check_date(sent.get("date"), now or dt.datetime.now(dt.UTC))
    try:
        signature = base64.b64decode(parameters["signature"], validate=True)
    except ValueError:
        raise SignatureRefused("malformed", "The signature is not base64.") from None
    pem = public_key_pem(parameters["keyId"])
    if pem is None:
        raise SignatureRefused("key", "The key that signed the request cannot be found.")
    string = _signing_string(method, target, sent, names)
    if not _holds(pem, signature, string):
        raise SignatureRefused("signature", "The signature does not match the request.")
    if seen(hashlib.sha256(signature).hexdigest()):
        raise SignatureRefused("replay", "This signed request was received before.")
    return Verified(parameters["keyId"], names)


def _check_digest(sent: Mapping[str, str], body: bytes) -> None:
    if not body:
        return
    expected = hashlib.sha256(body).digest()
    digest = sent.get("digest")
    if digest is not None:
        for part in digest.split(","):
            algorithm, _eq, value = part.strip().partition("=")
            if algorithm.lower() == "sha-256":
                if _b64(value) == expected:
                    return
                raise SignatureRefused("digest", "The Digest does not match the body.")
    content = sent.get("content-digest")  # RFC 9530: sha-256=:base64:
    if content is not None:
        for part in content.split(","):
            algorithm, _eq, value = part.strip().partition("=")
            if algorithm.lower() == "sha-256":
                if _b64(value.strip(":")) == expected:
                    return
                raise SignatureRefused("digest", "The Content-Digest does not match the body.")
    raise SignatureRefused("digest", "A signed request with a body needs a SHA-256 Digest.")


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _check_date(value: str | None, now: dt.datetime) -> None:
    if value is None:
        raise SignatureRefused("date", "The request has no Date.")
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise SignatureRefused("date", "The request's Date cannot be read.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if abs(now - moment) > DATE_WINDOW:
        raise SignatureRefused("date", "The request's Date is too far from now.")


def _holds(pem: str, signature: bytes, string: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, string, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, string)
        else:
            return False
    except InvalidSignature:
        return False
    return True
