"""HTTP Message Signatures (RFC 9421), which newer fediverse servers sign with.

Besides the draft that :mod:`.signatures` reads, newer Mastodon releases and servers built
on Fedify may sign a request the way the finished standard says: a ``Signature-Input``
header lists what the signature covers (``"@method"``, the target, ``"content-digest"``
and so on) with when it was made (``created``), whose key made it (``keyid``) and perhaps
the algorithm (``alg``); the ``Signature`` header carries the signature under the same
label. Both are structured fields (RFC 8941), read and written with ``http-sf``. The
signature base is built here, on top of ``cryptography``, for the components a request
to an inbox or a fetch can have: a general library for it would verify with one fixed
algorithm and report every failure alike, where the inbox must choose the algorithm by
the sender's key and say why it refuses. The RFC's own Ed25519 example (Appendix B.2.6)
is checked in the tests.

:func:`verify_rfc9421` keeps the contract of :func:`.signatures.verify_request` and refuses
for the same reasons: ``missing`` (no ``Signature-Input``), ``malformed`` (headers that
cannot be read, or components this server does not compute), ``too-little`` (not covering
``"@method"``, the target and, with a body, ``"content-digest"``), ``digest`` (an RFC 9530
``Content-Digest`` that is not the body's), ``date`` (``created`` missing or outside
:data:`.signatures.DATE_WINDOW` of now, or ``expires`` passed), ``key``, ``signature`` and
``replay``. Only the first signature of a request is read: the senders put one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from http_sf.innerlist import ser_innerlist
from http_sf.types import ItemType, ParamsType

from .signatures import DATE_WINDOW, MAX_HEADER, SignatureRefused, Verified

#: The algorithms accepted in ``alg``; without it, RSA keys mean the first, Ed25519 the last.
ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")
#: The derived components this server computes (no ``@query-param`` or ``@status``).
DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
#: RSA-PSS as RFC 9421 fixes it for rsa-pss-sha512: MGF1 with SHA-512, a 64-byte salt.
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda body: hashlib.sha256(body).digest(),
    "sha-512": lambda body: hashlib.sha512(body).digest(),
}


def is_rfc9421(headers: Mapping[str, str]) -> bool:
    """Whether a request is signed the RFC 9421 way (it has a ``Signature-Input``), so
    that the inbox hands it to :func:`verify_rfc9421` rather than the draft's verifier."""
    return any(name.lower() == "signature-input" for name, _value in headers.items())


def sign_rfc9421(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    components: tuple[str, ...] | None = None,
    algorithm: str | None = None,
    expires: dt.datetime | None = None,
) -> dict[str, str]:
    """The headers to send with a request signed as RFC 9421 says: the given ``headers``
    with ``Signature-Input``, ``Signature`` and, for a body, ``Content-Digest`` (SHA-256,
    unless one is given).

    :param components: what to cover; by default ``"@method"``, ``"@target-uri"`` and,
        with a body, ``"content-digest"``. Header fields named must be in ``headers``.
    :param algorithm: one of :data:`ALGORITHMS`, sent as ``alg``; None leaves ``alg`` out
        and signs as the key's type implies, as verifiers then assume.
    """
    sent = dict(headers or {})
    if body is not None and "content-digest" not in _lower(sent):
        sent["Content-Digest"] = http_sf.ser({"sha-256": (_DIGESTS["sha-256"](body), {})})
    if components is None:
        components = ("@method", "@target-uri")
        if body is not None:
            components += ("content-digest",)
    lowered = _lower(sent)
    missing = [name for name in components if name not in DERIVED and name not in lowered]
    if missing:
        raise ValueError(f"the covered header fields {missing} are not in the headers")
    params: ParamsType = {"created": int((now or dt.datetime.now(dt.UTC)).timestamp())}
    if expires is not None:
        params["expires"] = int(expires.timestamp())
    params["keyid"] = key_id
    if algorithm is not None:
        params["alg"] = algorithm
    items: list[ItemType] = [(name, {}) for name in components]
    signature_params = ser_innerlist((items, params))
    base = _signature_base(method, url, lowered, components, signature_params)
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if isinstance(key, rsa.RSAPrivateKey) and algorithm == "rsa-pss-sha512":
        signature = key.sign(base, _PSS, hashes.SHA512())
    elif isinstance(key, rsa.RSAPrivateKey) and algorithm in (None, "rsa-v1_5-sha256"):
        signature = key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ed25519.Ed25519PrivateKey) and algorithm in (None, "ed25519"):
        signature = key.sign(base)
    else:
        raise ValueError(f"cannot sign with {algorithm or 'this key'}")
    sent["Signature-Input"] = f"sig1={signature_params}"
    sent["Signature"] = http_sf.ser({"sig1": (signature, {})})
    return sent


def verify_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key_pem: Callable[[str], str | None],
    seen: Callable[[str], bool],
    now: dt.datetime | None = None,
) -> Verified:
    """Check a request's RFC 9421 signature, its content digest, its time and that it is
    new, as :func:`.signatures.verify_request` does for the draft's.

    :param url: the request's full address as the sender used it (the site's public
        scheme and host, the path and the query), which ``"@target-uri"``,
        ``"@authority"`` and ``"@path"`` are taken from.
    :param public_key_pem: the PEM of the key with a given ``keyid``, or None.
    :param seen: asked with a digest of the signature: True when it came before.
    :raises SignatureRefused: saying what does not hold.
    """
    sent = _lower(headers)
    if "signature-input" not in sent:
        raise SignatureRefused("missing", "The request is not signed (no Signature-Input).")
    components, params, signature_params, signature = _read(sent)
    _check_coverage(components, sent, body)
    if "content-digest" in components:
        _check_content_digest(sent["content-digest"], body)
    _check_times(params, now or dt.datetime.now(dt.UTC))
    key_id, algorithm = params.get("keyid"), params.get("alg")
    if not isinstance(key_id, str) or not isinstance(algorithm, str | None):
        raise SignatureRefused("malformed", "The signature's keyid or alg is not a string.")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise SignatureRefused(
            "signature", f"The algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}."
        )
    pem = public_key_pem(key_id)
    if pem is None:
        raise SignatureRefused("key", "The key that signed the request cannot be found.")
    base = _signature_base(method, url, sent, components, signature_params)
    if not _holds(pem, algorithm, signature, base):
        raise SignatureRefused("signature", "The signature does not match the request.")
    if seen(hashlib.sha256(signature).hexdigest()):
        raise SignatureRefused("replay", "This signed request was received before.")
    return Verified(key_id, components)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _read(sent: Mapping[str, str]) -> tuple[tuple[str, ...], ParamsType, str, bytes]:
    """The first signature's covered components, its parameters, those serialised as
    they were signed, and the signature itself."""
    text, signature_text = sent["signature-input"], sent.get("signature", "")
    if len(text) > MAX_HEADER or len(signature_text) > MAX_HEADER:
        raise SignatureRefused("malformed", "The signature headers are too long.")
    try:
        inputs = http_sf.parse(text.encode(), tltype="dictionary")
        signatures = http_sf.parse(signature_text.encode(), tltype="dictionary")
    except (ValueError, UnicodeError):
        raise SignatureRefused("malformed", "The signature headers cannot be read.") from None
    if not isinstance(inputs, dict) or not inputs or not isinstance(signatures, dict):
        raise SignatureRefused("malformed", "The Signature-Input names no signature.")
    label, member = next(iter(inputs.items()))
    value = signatures.get(label)
    if not (isinstance(value, tuple) and isinstance(value[0], bytes)):
        raise SignatureRefused("malformed", f"The Signature has no byte sequence for {label}.")
    if not (isinstance(member, tuple) and isinstance(member[0], list)):
        raise SignatureRefused("malformed", f"The Signature-Input's {label} is not a list.")
    components: list[str] = []
    for item in member[0]:
        name = item[0] if isinstance(item, tuple) and not item[1] else None
        if not isinstance(name, str) or name != name.lower() or name in components:
            raise SignatureRefused("malformed", f"The covered component {item!r} is not read.")
        if name.startswith("@") and name not in DERIVED:
            raise SignatureRefused("malformed", f"The component {name!r} is not computed.")
        components.append(name)
    return tuple(components), member[1], ser_innerlist(member), value[0]


def _check_coverage(components: tuple[str, ...], sent: Mapping[str, str], body: bytes) -> None:
    covered = set(components)
    target = "@target-uri" in covered or (
        "@authority" in covered and bool(covered & {"@path", "@request-target"})
    )
    if "@method" not in covered or not target or (body and "content-digest" not in covered):
        raise SignatureRefused(
            "too-little",
            'The signature must cover "@method", "@target-uri" (or "@authority" and'
            ' "@path") and, with a body, "content-digest".',
        )
    for name in covered - DERIVED:
        if name not in sent:
            raise SignatureRefused(
                "too-little", f"The signature covers the header {name!r}, which is not sent."
            )


def _check_content_digest(value: str, body: bytes) -> None:
    """RFC 9530: ``sha-256=:base64:`` and/or ``sha-512=:base64:``; each one given must
    be the body's."""
    try:
        members = http_sf.parse(value.encode(), tltype="dictionary")
    except (ValueError, UnicodeError):
        raise SignatureRefused("digest", "The Content-Digest cannot be read.") from None
    assert isinstance(members, dict)  # parsed as a dictionary, or refused above
    known = [name for name in _DIGESTS if name in members]
    if not known:
        raise SignatureRefused("digest", "The Content-Digest has no SHA-256 or SHA-512.")
    for name in known:
        member = members[name]
        if not isinstance(member, tuple) or member[0] != _DIGESTS[name](body):
            raise SignatureRefused("digest", "The Content-Digest does not match the body.")


def _check_times(params: ParamsType, now: dt.datetime) -> None:
    created, expires = params.get("created"), params.get("expires")
    if created is None:
        raise SignatureRefused("date", "The signature has no created time.")
    if type(created) is not int or (expires is not None and type(expires) is not int):
        raise SignatureRefused("malformed", "The signature's times are not whole numbers.")
    if abs(now.timestamp() - created) > DATE_WINDOW.total_seconds():
        raise SignatureRefused("date", "The signature was created too far from now.")
    if isinstance(expires, int) and expires < now.timestamp():
        raise SignatureRefused("date", "The signature has expired.")


def _signature_base(
    method: str, url: str, sent: Mapping[str, str], components: tuple[str, ...], params: str
) -> bytes:
    """The lines that were signed (RFC 9421, section 2.5): each covered component and
    its value, then ``"@signature-params"``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    authority = parts.netloc.rpartition("@")[2].lower()
    if parts.port is not None and parts.port == _DEFAULT_PORTS.get(scheme):
        authority = authority.rsplit(":", 1)[0]
    path = parts.path or "/"
    derived = {
        "@method": method,
        "@target-uri": url,
        "@authority": authority,
        "@scheme": scheme,
        "@path": path,
        "@query": "?" + parts.query,
        "@request-target": path + ("?" + parts.query if parts.query else ""),
    }
    lines = [
        f'"{name}": {derived[name] if name in DERIVED else sent[name].strip()}'
        for name in components
    ]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def _holds(pem: str, algorithm: str | None, signature: bytes, base: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm == "rsa-pss-sha512":
            key.verify(signature, base, _PSS, hashes.SHA512())
        elif isinstance(key, rsa.RSAPublicKey) and algorithm in (None, "rsa-v1_5-sha256"):
            key.verify(signature, base, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey) and algorithm in (None, "ed25519"):
            key.verify(signature, base)
        else:
            return False
    except InvalidSignature:
        return False
    return True
