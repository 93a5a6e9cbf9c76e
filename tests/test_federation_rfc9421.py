"""HTTP Message Signatures (RFC 9421): the RFC's own Ed25519 example, RSA and Ed25519
requests signed as a peer signs them, and every way such a request must be refused: a
tampered body, path or header, the wrong key, too little covered, an old, future or
expired signature, an unknown key, unreadable headers, and a replay."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from civicforum.plugins.federation.replays import ReplayGuard
from civicforum.plugins.federation.rfc9421 import is_rfc9421, sign_rfc9421, verify_rfc9421
from civicforum.plugins.federation.services import pem_pair
from civicforum.plugins.federation.signatures import (
    DATE_WINDOW,
    SignatureRefused,
    Verified,
    sign_request,
)

# RFC 9421, Appendix B.1.4 (the Ed25519 test key), B.2 (the test request) and B.2.6.
RFC_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
    "Signature-Input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    "Signature": "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
}
RFC_BODY = b'{"hello": "world"}'
RFC_NOW = dt.datetime(2021, 4, 20, 2, 8, tzinfo=dt.UTC)

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
KEY_ID = "https://elders.example/users/ans#main-key"
INBOX = "https://forum.example/forum/c/leesclub/inbox"
ACTIVITY = b'{"type": "Follow", "actor": "https://elders.example/users/ans"}'


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    return pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def ed25519_keys() -> tuple[str, str]:
    return pem_pair(ed25519.Ed25519PrivateKey.generate())


def verify(
    headers: dict[str, str],
    body: bytes,
    public: str,
    *,
    url: str = INBOX,
    now: dt.datetime = NOW,
    guard: ReplayGuard | None = None,
    key_id: str = KEY_ID,
) -> Verified:
    return verify_rfc9421(
        "POST",
        url,
        headers,
        body,
        public_key_pem=lambda asked: public if asked == key_id else None,
        seen=(guard or ReplayGuard("memory://")).seen,
        now=now,
    )


def test_the_rfcs_ed25519_example_verifies_and_its_undigested_body_is_refused() -> None:
    def check(headers: dict[str, str], body: bytes) -> Verified:
        return verify_rfc9421(
            "POST",
            RFC_URL,
            headers,
            body,
            public_key_pem=lambda key_id: RFC_PUBLIC_KEY if key_id == "test-key-ed25519" else None,
            seen=ReplayGuard("memory://").seen,
            now=RFC_NOW,
        )

    verified = check(RFC_HEADERS, b"")
    assert verified.key_id == "test-key-ed25519"
    assert verified.headers == (
        "date",
        "@method",
        "@path",
        "@authority",
        "content-type",
        "content-length",
    )
    with pytest.raises(SignatureRefused) as changed:
        check({**RFC_HEADERS, "Date": "Tue, 20 Apr 2021 02:07:56 GMT"}, b"")
    assert changed.value.reason == "signature"
    # The example does not cover its Content-Digest: with the body it carries, the
    # body could be anything, so it is not enough for an inbox.
    with pytest.raises(SignatureRefused) as undigested:
        check(RFC_HEADERS, RFC_BODY)
    assert undigested.value.reason == "too-little"


@pytest.mark.parametrize(
    ("key_type", "algorithm", "components"),
    [
        ("rsa", "rsa-v1_5-sha256", None),
        ("rsa", "rsa-pss-sha512", None),
        ("rsa", None, ("@method", "@authority", "@path", "content-digest")),
        ("ed25519", "ed25519", ("@method", "@authority", "@request-target", "content-digest")),
        ("ed25519", None, None),
    ],
)
def test_rsa_and_ed25519_signatures_verify(
    rsa_keys: tuple[str, str],
    ed25519_keys: tuple[str, str],
    key_type: str,
    algorithm: str | None,
    components: tuple[str, ...] | None,
) -> None:
    """With ``alg`` or without it (then the key's type tells), over ``@target-uri`` or
    over ``@authority`` and the path."""
    private, public = rsa_keys if key_type == "rsa" else ed25519_keys
    headers = sign_rfc9421(
        "POST",
        INBOX,
        key_id=KEY_ID,
        private_key_pem=private,
        body=ACTIVITY,
        headers={"Content-Type": "application/activity+json"},
        now=NOW,
        components=components,
        algorithm=algorithm,
    )
    digest = base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    assert headers["Content-Digest"] == f"sha-256=:{digest}:"
    assert headers["Signature-Input"].startswith("sig1=(")
    assert is_rfc9421(headers)
    verified = verify(headers, ACTIVITY, public)
    assert verified.key_id == KEY_ID
    assert "content-digest" in verified.headers


def test_a_sha_512_content_digest_counts_and_a_fetch_needs_none(rsa_keys: tuple[str, str]) -> None:
    private, public = rsa_keys
    digest = base64.b64encode(hashlib.sha512(ACTIVITY).digest()).decode()
    headers = sign_rfc9421(
        "POST",
        INBOX,
        key_id=KEY_ID,
        private_key_pem=private,
        body=ACTIVITY,
        headers={"Content-Digest": f"sha-512=:{digest}:"},
        now=NOW,
    )
    assert verify(headers, ACTIVITY, public).key_id == KEY_ID
    fetch = sign_rfc9421("GET", INBOX, key_id=KEY_ID, private_key_pem=private, now=NOW)
    assert "Content-Digest" not in fetch
    verified = verify_rfc9421(
        "GET",
        INBOX,
        fetch,
        b"",
        public_key_pem=lambda key_id: public,
        seen=ReplayGuard("memory://").seen,
        now=NOW,
    )
    assert verified.headers == ("@method", "@target-uri")


def sign(private: str, **changes: object) -> dict[str, str]:
    arguments: dict[str, object] = {
        "key_id": KEY_ID,
        "private_key_pem": private,
        "body": ACTIVITY,
        "now": NOW,
        "algorithm": "rsa-v1_5-sha256",
        **changes,
    }
    return sign_rfc9421("POST", INBOX, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered body", "digest"),
        ("digest of the tampered body", "signature"),
        ("tampered path", "signature"),
        ("tampered query", "signature"),
        ("tampered covered header", "signature"),
        ("wrong key", "signature"),
        ("algorithm the key has not", "signature"),
        ("algorithm not accepted", "signature"),
        ("unknown keyid", "key"),
        ("content-digest not covered", "too-little"),
        ("content-digest not sent", "too-little"),
        ("no target covered", "too-little"),
        ("no method covered", "too-little"),
        ("old created", "date"),
        ("future created", "date"),
        ("expired", "date"),
        ("no created", "date"),
        ("no Signature-Input", "missing"),
        ("unreadable Signature-Input", "malformed"),
        ("no signature for the label", "malformed"),
        ("component with parameters", "malformed"),
        ("unknown derived component", "malformed"),
    ],
)
def test_a_request_that_does_not_hold_is_refused(
    rsa_keys: tuple[str, str], case: str, reason: str
) -> None:
    private, public = rsa_keys
    headers = sign(private)
    body, url, now, key_id = ACTIVITY, INBOX, NOW, KEY_ID
    if case == "tampered body":
        body = ACTIVITY.replace(b"Follow", b"Delete")
    elif case == "digest of the tampered body":
        body = ACTIVITY.replace(b"Follow", b"Delete")
        headers["Content-Digest"] = sign(private, body=body)["Content-Digest"]
    elif case == "tampered path":
        url = "https://forum.example/forum/c/andere-club/inbox"
    elif case == "tampered query":
        components = ("@method", "@scheme", "@authority", "@path", "@query", "content-digest")
        headers = sign_rfc9421(
            "POST",
            INBOX + "?page=2",
            key_id=KEY_ID,
            private_key_pem=private,
            body=ACTIVITY,
            now=NOW,
            components=components,
        )
        verify(headers, body, public, url=INBOX + "?page=2")  # as signed, it holds
        url = INBOX + "?page=3"
    elif case == "tampered covered header":
        components = ("@method", "@target-uri", "content-digest", "content-type")
        headers = sign(private, headers={"Content-Type": "text/plain"}, components=components)
        headers["Content-Type"] = "application/activity+json"
    elif case == "wrong key":
        _other, public = pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    elif case == "algorithm the key has not":
        headers = sign(private, algorithm=None)
        headers["Signature-Input"] = headers["Signature-Input"] + ';alg="ed25519"'
    elif case == "algorithm not accepted":
        headers = sign(private, algorithm=None)
        headers["Signature-Input"] = headers["Signature-Input"] + ';alg="hmac-sha256"'
    elif case == "unknown keyid":
        key_id = "https://elders.example/users/someone-else#main-key"
    elif case == "content-digest not covered":
        headers = sign(private, components=("@method", "@target-uri"))
    elif case == "content-digest not sent":
        del headers["Content-Digest"]
    elif case == "no target covered":
        headers = sign(private, components=("@method", "@authority", "content-digest"))
    elif case == "no method covered":
        headers = sign(private, components=("@target-uri", "content-digest"))
    elif case == "old created":
        now = NOW + DATE_WINDOW + dt.timedelta(seconds=1)
    elif case == "future created":
        now = NOW - DATE_WINDOW - dt.timedelta(seconds=1)
    elif case == "expired":
        headers = sign(private, expires=NOW + dt.timedelta(minutes=5))
        now = NOW + dt.timedelta(minutes=10)
    elif case == "no created":
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            f";created={int(NOW.timestamp())}", ""
        )
    elif case == "no Signature-Input":
        del headers["Signature-Input"]
    elif case == "unreadable Signature-Input":
        headers["Signature-Input"] = 'sig1=("@method" "@target-uri";created=1'
    elif case == "no signature for the label":
        headers["Signature"] = headers["Signature"].replace("sig1=", "sig2=")
    elif case == "component with parameters":
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            '"content-digest"', '"content-digest";sf'
        )
    elif case == "unknown derived component":
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            '"@method"', '"@method" "@status"'
        )
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, body, public, url=url, now=now, key_id=key_id)
    assert refused.value.reason == reason
    assert str(refused.value)


def test_a_replayed_request_is_refused(rsa_keys: tuple[str, str]) -> None:
    private, public = rsa_keys
    headers = sign(private)
    guard = ReplayGuard("memory://")
    verify(headers, ACTIVITY, public, guard=guard)
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, ACTIVITY, public, guard=guard)
    assert refused.value.reason == "replay"


def test_only_a_signature_input_makes_a_request_rfc_9421(rsa_keys: tuple[str, str]) -> None:
    """The inbox picks the verifier by it: the draft's Signature header alone is not it,
    in any letter case."""
    private, public = rsa_keys
    cavage = sign_request("POST", INBOX, key_id=KEY_ID, private_key_pem=private, body=ACTIVITY)
    assert not is_rfc9421(cavage)
    assert is_rfc9421({"signature-input": 'sig1=("@method")', "Signature": "sig1=:AA==:"})
    with pytest.raises(SignatureRefused) as refused:
        verify(cavage, ACTIVITY, public)
    assert refused.value.reason == "missing"
