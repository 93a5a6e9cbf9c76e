"""HTTP Signatures (draft-cavage-12): the draft's own test vectors, a round trip, and
every way a signed request must be refused: a tampered body or header, an old or future
date, the wrong key, too little signed, and a replay."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest

from civicforum.plugins.federation.replays import ReplayGuard
from civicforum.plugins.federation.services import new_key_pair
from civicforum.plugins.federation.signatures import (
    DATE_WINDOW,
    SignatureRefused,
    body_digest,
    sign_request,
    verify_request,
)

# Appendix C of draft-cavage-http-signatures-12: its key and its request.
DRAFT_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
DRAFT_DATE = "Sun, 05 Jan 2014 21:31:40 GMT"
DRAFT_HEADERS = {
    "Host": "example.com",
    "Date": DRAFT_DATE,
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
DRAFT_BODY = b'{"hello": "world"}'
DRAFT_NOW = dt.datetime(2014, 1, 5, 21, 32, tzinfo=dt.UTC)

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
ACTOR = "https://elders.example/users/ans"
INBOX = "https://forum.example/forum/c/leesclub/inbox"
ACTIVITY = b'{"type": "Follow", "actor": "https://elders.example/users/ans"}'


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return new_key_pair()


def never_seen() -> Callable[[str], bool]:
    remembered: set[str] = set()

    def seen(digest: str) -> bool:
        if digest in remembered:
            return True
        remembered.add(digest)
        return False

    return seen


def verify(
    headers: dict[str, str],
    body: bytes,
    public: str,
    *,
    now: dt.datetime = NOW,
    seen: Callable[[str], bool] | None = None,
    key_id: str = f"{ACTOR}#main-key",
) -> object:
    return verify_request(
        "POST",
        "/forum/c/leesclub/inbox",
        headers,
        body,
        public_key_pem=lambda asked: public if asked == key_id else None,
        seen=seen or never_seen(),
        now=now,
    )


def test_the_drafts_basic_and_all_headers_vectors_verify() -> None:
    basic = (
        'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",'
        'signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn'
        "7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04sw"
        'r2Os0="'
    )
    every = (
        'keyId="Test",algorithm="rsa-sha256",'
        'headers="(request-target) host date content-type digest content-length",'
        'signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2'
        "bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH"
        '7s1dE="'
    )
    for signature, body in ((basic, b""), (every, DRAFT_BODY)):
        verified = verify_request(
            "POST",
            "/foo?param=value&pet=dog",
            {**DRAFT_HEADERS, "Signature": signature},
            body,
            public_key_pem=lambda key_id: DRAFT_PUBLIC_KEY if key_id == "Test" else None,
            seen=never_seen(),
            now=DRAFT_NOW,
        )
        assert verified.key_id == "Test"  # type: ignore[attr-defined]


def test_a_signed_request_round_trips(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = sign_request(
        "POST",
        INBOX,
        key_id=f"{ACTOR}#main-key",
        private_key_pem=private,
        body=ACTIVITY,
        headers={"Content-Type": "application/activity+json"},
        now=NOW,
    )
    assert headers["Digest"] == body_digest(ACTIVITY)
    assert headers["Host"] == "forum.example"
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    verified = verify(headers, ACTIVITY, public)
    assert verified.key_id == f"{ACTOR}#main-key"  # type: ignore[attr-defined]


def signed(private: str) -> dict[str, str]:
    return sign_request(
        "POST", INBOX, key_id=f"{ACTOR}#main-key", private_key_pem=private, body=ACTIVITY, now=NOW
    )


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered body", "digest"),
        ("digest of the tampered body", "signature"),
        ("tampered date", "signature"),
        ("old date", "date"),
        ("future date", "date"),
        ("wrong key", "signature"),
        ("unknown key", "key"),
        ("no signature", "missing"),
        ("no digest signed", "too-little"),
        ("unreadable header", "malformed"),
        ("not base64", "malformed"),
    ],
)
def test_a_request_that_does_not_hold_is_refused(
    keys: tuple[str, str], case: str, reason: str
) -> None:
    private, public = keys
    headers = signed(private)
    body = ACTIVITY
    now = NOW
    key_id = f"{ACTOR}#main-key"
    if case == "tampered body":
        body = ACTIVITY.replace(b"Follow", b"Delete")
    elif case == "digest of the tampered body":
        body = ACTIVITY.replace(b"Follow", b"Delete")
        headers["Digest"] = body_digest(body)
    elif case == "tampered date":
        headers["Date"] = "Mon, 07 Dec 2026 12:00:01 GMT"
    elif case == "old date":
        now = NOW + DATE_WINDOW + dt.timedelta(seconds=1)
    elif case == "future date":
        now = NOW - DATE_WINDOW - dt.timedelta(seconds=1)
    elif case == "wrong key":
        _other_private, public = new_key_pair()
    elif case == "unknown key":
        key_id = "https://elders.example/users/someone-else#main-key"
    elif case == "no signature":
        del headers["Signature"]
    elif case == "no digest signed":
        headers["Signature"] = headers["Signature"].replace(" digest", "")
    elif case == "unreadable header":
        headers["Signature"] = "keyId=no-quotes"
    elif case == "not base64":
        headers["Signature"] = headers["Signature"].rsplit('signature="', 1)[0] + 'signature="%%%"'
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, body, public, now=now, key_id=key_id)
    assert refused.value.reason == reason
    assert str(refused.value)


def test_a_replayed_request_is_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = signed(private)
    seen = never_seen()
    verify(headers, ACTIVITY, public, seen=seen)
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, ACTIVITY, public, seen=seen)
    assert refused.value.reason == "replay"


def test_a_fetch_without_body_needs_no_digest_and_rfc_9530_digests_count(
    keys: tuple[str, str],
) -> None:
    private, public = keys
    fetch = sign_request("GET", INBOX, key_id=f"{ACTOR}#main-key", private_key_pem=private, now=NOW)
    assert "Digest" not in fetch
    verify_request(
        "GET",
        "/forum/c/leesclub/inbox",
        fetch,
        b"",
        public_key_pem=lambda key_id: public,
        seen=never_seen(),
        now=NOW,
    )
    headers = signed(private)
    headers["Content-Digest"] = (
        "sha-256=:" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode() + ":"
    )
    del headers["Digest"]
    # The Digest header was signed, so without it the signature no longer holds: the
    # Content-Digest alone is accepted only when it is what was signed.
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, ACTIVITY, public)
    assert refused.value.reason == "too-little"


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/15"])
def test_the_replay_guard_remembers_signatures_in_the_rate_limit_storage(
    keys: tuple[str, str], storage: str
) -> None:
    """Across processes too, with Redis: a second guard on the same storage (another
    process) refuses what the first let through."""
    private, public = keys
    headers = sign_request(
        "POST",
        INBOX,
        key_id=f"{ACTOR}#main-key",
        private_key_pem=private,
        body=ACTIVITY + storage.encode(),  # a signature of its own per storage
        now=dt.datetime.now(dt.UTC),
    )
    body = ACTIVITY + storage.encode()
    first, second = ReplayGuard(storage), ReplayGuard(storage)
    verify(headers, body, public, seen=first.seen, now=dt.datetime.now(dt.UTC))
    other = first if storage == "memory://" else second
    with pytest.raises(SignatureRefused) as refused:
        verify(headers, body, public, seen=other.seen, now=dt.datetime.now(dt.UTC))
    assert refused.value.reason == "replay"
