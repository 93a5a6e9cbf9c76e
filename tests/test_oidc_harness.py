"""The OpenID Connect test provider and its tampering proxy do what the sign-in tests
rely on: a real provider that insists on PKCE and puts the account's claims into signed ID
tokens, and a proxy whose every mode spoils the token the way it says."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet

from .oidcpeer import (
    CLOCK_SKEW,
    OidcPeer,
    TokenMode,
    authorize,
    forum_urls,
    free_port,
    html_forms,
    sign_out_at_provider,
    token_parts,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """One browser's cookies at the provider, across several steps."""
    with requests.Session() as session:
        yield session


def discovery(peer: OidcPeer) -> dict[str, Any]:
    answer = requests.get(peer.discovery_url, timeout=5)
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def relying_party(peer: OidcPeer, redirect_uri: str | None = None) -> OAuth2Session:
    """The forum's side of the flow, as Authlib does it by default."""
    return OAuth2Session(
        peer.client.client_id,
        peer.client.client_secret,
        scope="openid",
        redirect_uri=redirect_uri or peer.client.redirect_uris[0],
        code_challenge_method="S256",
    )


def code_for(
    peer: OidcPeer, login: str = "alice", redirect_uri: str | None = None
) -> tuple[OAuth2Session, str, str, str]:
    """A fresh authorization code: (session, callback URL, code verifier, nonce)."""
    session = relying_party(peer, redirect_uri)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, _state = session.create_authorization_url(
        discovery(peer)["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    return session, authorize(url, login), verifier, nonce


def exchange(peer: OidcPeer, login: str = "alice") -> tuple[dict[str, Any], str]:
    """A whole code flow with PKCE; the token endpoint's answer and the nonce sent."""
    session, callback, verifier, nonce = code_for(peer, login)
    token = session.fetch_token(
        discovery(peer)["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    return dict(token), nonce


def verified_claims(peer: OidcPeer, id_token: str) -> dict[str, Any]:
    """The claims of an ID token whose signature the provider's published keys confirm."""
    keys = KeySet.import_key_set(requests.get(discovery(peer)["jwks_uri"], timeout=5).json())
    return dict(jwt.decode(id_token, keys, algorithms=["RS256"]).claims)


def test_discovery_through_the_proxy_names_the_proxy_and_keeps_the_issuer(
    oidc_peer: OidcPeer,
) -> None:
    document = discovery(oidc_peer)

    assert document["issuer"] == oidc_peer.issuer != oidc_peer.url
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
        "end_session_endpoint",
    ):
        assert document[endpoint].startswith(oidc_peer.url + "/"), endpoint
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"assurance", "membership"} <= set(document["claims_supported"])


def test_the_provider_refuses_an_authorization_request_without_pkce(oidc_peer: OidcPeer) -> None:
    redirect_uri = oidc_peer.client.redirect_uris[0]
    query = urlencode(
        {
            "client_id": oidc_peer.client.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "state": "s1",
            "nonce": "n1",
        }
    )
    answer = requests.get(
        f"{discovery(oidc_peer)['authorization_endpoint']}?{query}",
        allow_redirects=False,
        timeout=5,
    )

    assert answer.is_redirect
    location = answer.headers["Location"]
    assert location.startswith(redirect_uri + "?")
    params = parse_qs(urlsplit(location).query)
    assert params["error"] == ["invalid_request"]
    assert "PKCE" in params["error_description"][0]
    assert "code" not in params


def test_a_code_flow_with_pkce_gives_a_signed_id_token_with_the_account_claims(
    oidc_peer: OidcPeer,
) -> None:
    token, nonce = exchange(oidc_peer, "alice")

    header, _claims = token_parts(token["id_token"])
    assert header == {"alg": "RS256", "kid": oidc_peer.signing_key.kid}
    claims = verified_claims(oidc_peer, token["id_token"])
    assert claims["iss"] == oidc_peer.issuer
    assert claims["aud"] == oidc_peer.client.client_id
    assert claims["nonce"] == nonce
    assert claims["sub"] == "alice"
    assert claims["assurance"] == "substantial"
    assert claims["membership"] == "patientenvereniging"
    # The key made by the tests is the one the provider signs with.
    jwt.decode(token["id_token"], oidc_peer.signing_key, algorithms=["RS256"])


def test_an_account_without_claims_gets_an_id_token_without_them(oidc_peer: OidcPeer) -> None:
    token, _nonce = exchange(oidc_peer, "bob")

    claims = verified_claims(oidc_peer, token["id_token"])
    assert claims["sub"] == "bob"
    assert "assurance" not in claims and "membership" not in claims


def test_the_provider_refuses_a_code_without_its_verifier_and_a_code_twice(
    oidc_peer: OidcPeer,
) -> None:
    endpoint = discovery(oidc_peer)["token_endpoint"]
    session, callback, _verifier, _nonce = code_for(oidc_peer)
    with pytest.raises(OAuthError, match="invalid_grant"):
        session.fetch_token(endpoint, authorization_response=callback)

    session, callback, verifier, _nonce = code_for(oidc_peer)
    session.fetch_token(endpoint, authorization_response=callback, code_verifier=verifier)
    with pytest.raises(OAuthError, match="invalid_grant"):
        session.fetch_token(endpoint, authorization_response=callback, code_verifier=verifier)


def test_the_driver_says_so_when_the_provider_has_no_such_account(oidc_peer: OidcPeer) -> None:
    session = relying_party(oidc_peer)
    url, _state = session.create_authorization_url(
        discovery(oidc_peer)["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    with pytest.raises(AssertionError, match="did not accept the account 'nobody'"):
        authorize(url, "nobody")


# What each mode does to alice's ID token: (signature still valid, claims that change).
SPOILED: dict[TokenMode, tuple[bool, set[str]]] = {
    "pass": (True, set()),
    "tamper": (False, set()),
    "tamper-payload": (False, {"sub"}),
    "expired": (True, {"iat", "exp"}),
    "wrong-aud": (True, {"aud"}),
    "wrong-iss": (True, {"iss"}),
    "wrong-nonce": (True, {"nonce"}),
    "wrong-key": (False, set()),
    "alg-none": (False, set()),
}


@pytest.mark.parametrize("mode", list(SPOILED))
def test_each_proxy_mode_spoils_the_id_token_as_it_says(
    oidc_peer: OidcPeer, mode: TokenMode
) -> None:
    oidc_peer.proxy.set_mode(mode)

    token, _nonce = exchange(oidc_peer)

    [record] = oidc_peer.proxy.exchanges
    original, delivered = record.original["id_token"], token["id_token"]
    assert record.delivered is not None and record.delivered["id_token"] == delivered
    assert token["access_token"] == record.original["access_token"]
    verified_claims(oidc_peer, original)
    valid_signature, changed = SPOILED[mode]
    if valid_signature:
        claims = verified_claims(oidc_peer, delivered)
    else:
        with pytest.raises(JoseError):
            verified_claims(oidc_peer, delivered)
        claims = token_parts(delivered)[1]
    before = token_parts(original)[1]
    assert {name for name in before | claims if before.get(name) != claims.get(name)} == changed
    now = time.time()
    match mode:
        case "pass":
            assert delivered == original
        case "tamper":
            assert delivered.rsplit(".", 1)[0] == original.rsplit(".", 1)[0]
            with pytest.raises(BadSignatureError):
                jwt.decode(delivered, oidc_peer.signing_key, algorithms=["RS256"])
        case "tamper-payload":
            assert claims["sub"] == "mallory"
            assert delivered.rsplit(".", 1)[1] == original.rsplit(".", 1)[1]
        case "expired":
            assert claims["exp"] < now - CLOCK_SKEW
            assert claims["iat"] < claims["exp"]
        case "wrong-aud":
            assert claims["aud"] == "someone-else"
        case "wrong-iss":
            assert claims["iss"] != oidc_peer.issuer
        case "wrong-nonce":
            assert claims["nonce"] != before["nonce"]
        case "wrong-key":
            assert token_parts(delivered)[0]["kid"] == oidc_peer.signing_key.kid
        case "alg-none":
            assert token_parts(delivered)[0]["alg"] == "none"
            assert delivered.endswith(".")


def test_slow_mode_answers_the_token_endpoint_only_after_the_delay(oidc_peer: OidcPeer) -> None:
    oidc_peer.proxy.set_mode("slow", delay=1.0)
    session, callback, verifier, _nonce = code_for(oidc_peer)
    endpoint = discovery(oidc_peer)["token_endpoint"]

    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        session.fetch_token(
            endpoint, authorization_response=callback, code_verifier=verifier, timeout=0.3
        )
    assert time.monotonic() - started < 1.0

    # The late request still reached the provider and used up its code: a fresh one.
    session, callback, verifier, _nonce = code_for(oidc_peer)
    started = time.monotonic()
    token = session.fetch_token(
        endpoint, authorization_response=callback, code_verifier=verifier, timeout=5
    )
    assert time.monotonic() - started >= 1.0
    assert token["id_token"]


def test_slow_mode_everywhere_delays_discovery_too(oidc_peer: OidcPeer) -> None:
    oidc_peer.proxy.set_mode("slow", delay=2, everywhere=True)

    with pytest.raises(requests.Timeout):
        requests.get(oidc_peer.discovery_url, timeout=0.5)

    oidc_peer.proxy.reset()
    assert discovery(oidc_peer)["issuer"] == oidc_peer.issuer


def test_a_proxy_that_is_down_refuses_connections_until_it_is_up(oidc_peer: OidcPeer) -> None:
    oidc_peer.proxy.down()

    with pytest.raises(requests.ConnectionError):
        requests.get(oidc_peer.discovery_url, timeout=2)

    oidc_peer.proxy.up()
    assert discovery(oidc_peer)["issuer"] == oidc_peer.issuer


def test_signing_out_at_the_provider_ends_its_session_and_returns_to_the_forum(
    oidc_peer: OidcPeer, browser: requests.Session
) -> None:
    session = relying_party(oidc_peer)
    endpoints = discovery(oidc_peer)

    def silent_sign_in() -> dict[str, list[str]]:
        url, _state = session.create_authorization_url(
            endpoints["authorization_endpoint"],
            code_verifier=secrets.token_urlsafe(48),
            prompt="none",
        )
        answer = browser.get(url, allow_redirects=False, timeout=5)
        assert answer.is_redirect
        return parse_qs(urlsplit(answer.headers["Location"]).query)

    url, _state = session.create_authorization_url(
        endpoints["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    authorize(url, "alice", browser)
    assert "code" in silent_sign_in()

    _callback, signed_out = forum_urls("http://localhost")
    query = urlencode(
        {"client_id": oidc_peer.client.client_id, "post_logout_redirect_uri": signed_out}
    )
    back = sign_out_at_provider(f"{endpoints['end_session_endpoint']}?{query}", browser)

    assert back == signed_out
    assert silent_sign_in()["error"] == ["login_required"]


def test_a_forum_on_another_address_can_be_allowed(oidc_peer: OidcPeer) -> None:
    site = f"http://127.0.0.1:{free_port()}"
    callback, _signed_out = forum_urls(site)

    oidc_peer.allow_site(site)

    session, answer, verifier, _nonce = code_for(oidc_peer, redirect_uri=callback)
    assert answer.startswith(callback + "?code=")
    token = session.fetch_token(
        discovery(oidc_peer)["token_endpoint"],
        authorization_response=answer,
        code_verifier=verifier,
    )
    assert verified_claims(oidc_peer, token["id_token"])["sub"] == "alice"


def test_the_login_and_consent_pages_are_plain_forms(oidc_peer: OidcPeer) -> None:
    session = relying_party(oidc_peer)
    url, _state = session.create_authorization_url(
        discovery(oidc_peer)["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    page = requests.get(url, timeout=5)

    [form] = html_forms(page.text)
    assert form.method == "POST" and "login" in form.fields
    # Nothing from elsewhere: no fonts, scripts or images from another host.
    assert "http" not in page.text.replace(oidc_peer.url, "")


def running(pid: int) -> bool:
    """Whether a process lives (an ended one its new parent has not reaped yet does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_the_provider_stops_when_the_process_that_started_it_dies(tmp_path: Path) -> None:
    starter = f"""
import sys
from collections.abc import Iterator
from pathlib import Path
from tests.oidcpeer import ClientRegistration, free_port, make_signing_key, start_provider
log = open({str(tmp_path / "provider.log")!r}, "ab")
process = start_provider(port=free_port(), client=ClientRegistration(redirect_uris=["http://localhost/cb"]),
                         accounts={{}}, signing_key=make_signing_key(), log=log)
print(process.pid, flush=True)
sys.stdin.read()
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", starter],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None and parent.stdin is not None
    provider_pid = int(parent.stdout.readline())
    assert running(provider_pid)

    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdin.close()
    parent.stdout.close()

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not running(provider_pid):
            return
        time.sleep(0.05)
    os.kill(provider_pid, signal.SIGKILL)
    pytest.fail("the provider outlived the process that started it")
