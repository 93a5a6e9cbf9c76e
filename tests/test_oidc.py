"""Signing in with an identity provider, against a real OpenID Connect provider process
(node-oidc-provider) behind a proxy that can spoil its answers."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.forum.models import Community
from civicforum.identity.models import (
    ExternalIdentity,
    IdentityLevel,
    Member,
)

from .helpers import confidential_topic, form_token, require_patient_membership, sign_in
from .oidcpeer import (
    OidcPeer,
    call_callback,
    capture_callback_url,
    finish_via_provider,
    sign_in_via_provider,
    start_sign_in,
)

EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config(oidc_peer: OidcPeer) -> dict[str, Any]:
    return {**oidc_peer.forum_config(timeout=1), "CIVICFORUM_DEFAULT_LANGUAGE": "en"}


def text(response: Any) -> str:
    return html.unescape(str(response.get_data(as_text=True)))


def members(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Member.id))) or 0


def test_the_sign_in_page_offers_the_provider(client: FlaskClient) -> None:
    page = text(client.get("/forum/account/sign-in", headers=EN))
    assert "Sign in with Voorbeeld-ID" in page
    assert "Not your name, address or citizen service number." in page


def test_the_request_to_the_provider_uses_pkce_state_and_nonce(
    client: FlaskClient, oidc_peer: OidcPeer
) -> None:
    query = parse_qs(urlsplit(start_sign_in(client)).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["client_id"] == [oidc_peer.client.client_id]


def test_full_sign_in_creates_a_member_with_only_derived_facts(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    response = sign_in_via_provider(client, oidc_peer.url, "alice", next="/forum/c/x/")
    assert response.status_code == 302 and response.headers["Location"] == "/forum/c/x/"
    page = text(client.get("/forum/account/settings", headers=EN))
    assert "Identity level: verified" in page
    assert "verified member of the Patients' Association" in page
    member = db.scalar(select(Member))
    assert member is not None
    assert member.level == IdentityLevel.VERIFIED
    assert [a.key for a in member.attributes] == ["patient-member"]
    assert [(i.provider, i.subject) for i in member.identities] == [("oidc:voorbeeldid", "alice")]
    # Nothing of the claims beyond the subject: no claim value appears in any stored row.
    for row in (member.display_name, member.real_name, member.language):
        assert row is None or "patientenvereniging" not in row and "substantial" not in row
    # Signing in again finds the same member.
    client.post("/forum/account/sign-out", data={"csrf_token": form_token(page)})
    assert sign_in_via_provider(client, oidc_peer.url, "alice").status_code == 302
    assert members(db) == 1


def test_an_unverified_identity_gets_no_level_and_no_attribute(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    assert sign_in_via_provider(client, oidc_peer.url, "bob").status_code == 302
    member = db.scalar(select(Member))
    assert member is not None and member.level == IdentityLevel.REGISTERED
    assert member.attributes == []


def test_a_wrong_state_is_refused_and_nothing_is_written(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    url = capture_callback_url(client, oidc_peer.url, "alice")
    forged = url.replace("state=", "state=forged")
    response = call_callback(client, forged)
    assert response.status_code == 400
    assert "unknown, used already or expired" in text(response)
    assert members(db) == 0


def test_a_replayed_code_is_refused(client: FlaskClient, db: Session, oidc_peer: OidcPeer) -> None:
    first = capture_callback_url(client, oidc_peer.url, "alice")
    assert call_callback(client, first).status_code == 302
    again = call_callback(client, first)
    assert again.status_code == 400
    # The used code with the state of a new, genuine sign-in: the provider refuses it.
    second = capture_callback_url(client, oidc_peer.url, "alice")
    used_code = parse_qs(urlsplit(first).query)["code"][0]
    state = parse_qs(urlsplit(second).query)["state"][0]
    replay = call_callback(
        client, f"/forum/account/oidc/voorbeeldid/callback?code={used_code}&state={state}"
    )
    assert replay.status_code == 400
    assert "could not be trusted" in text(replay)
    assert members(db) == 1


@pytest.mark.parametrize(
    "mode",
    [
        "tamper",
        "tamper-payload",
        "expired",
        "wrong-aud",
        "wrong-iss",
        "wrong-nonce",
        "wrong-key",
        "alg-none",
    ],
)
def test_an_id_token_that_cannot_be_trusted_signs_no_one_in(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer, mode: str
) -> None:
    oidc_peer.proxy.set_mode(mode)  # type: ignore[arg-type]
    response = sign_in_via_provider(client, oidc_peer.url, "alice")
    assert response.status_code == 400
    assert "could not be trusted" in text(response)
    assert members(db) == 0
    assert "My settings" not in text(client.get("/forum/", headers=EN))


def test_a_slow_provider_gets_a_friendly_page_and_no_half_created_member(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    url = capture_callback_url(client, oidc_peer.url, "alice")
    oidc_peer.proxy.set_mode("slow", delay=2)
    response = call_callback(client, url)
    assert response.status_code == 504
    assert "answering too slowly" in text(response)
    assert members(db) == 0


def test_a_provider_that_is_down_gets_a_friendly_page(
    app: Flask, client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    oidc_peer.proxy.down()
    response = client.get("/forum/account/oidc/voorbeeldid/sign-in", headers=EN)
    assert response.status_code == 502
    assert "cannot be reached right now" in text(response)
    assert members(db) == 0


def test_a_provider_going_down_mid_sign_in_writes_nothing(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    url = capture_callback_url(client, oidc_peer.url, "alice")
    oidc_peer.proxy.down()
    response = call_callback(client, url)
    assert response.status_code == 502
    assert members(db) == 0


def test_cancelling_at_the_provider_changes_nothing(client: FlaskClient, db: Session) -> None:
    start = start_sign_in(client)
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = client.get(
        f"/forum/account/oidc/voorbeeldid/callback?error=access_denied&state={state}", headers=EN
    )
    assert response.status_code == 400 and "cancelled or refused" in text(response)
    assert members(db) == 0


def test_an_unknown_provider_is_not_found(client: FlaskClient) -> None:
    assert client.get("/forum/account/oidc/nobody/sign-in").status_code == 404


def test_a_member_links_the_provider_to_their_account(
    client: FlaskClient, db: Session, make_member: Any, oidc_peer: OidcPeer
) -> None:
    member = make_member("Lokaal")
    sign_in(client, member)
    page = text(client.get("/forum/account/settings", headers=EN))
    assert "Link Voorbeeld-ID to my account" in page
    started = client.post(
        "/forum/account/oidc/voorbeeldid/link", data={"csrf_token": form_token(page)}
    )
    done = finish_via_provider(client, started, "alice")
    assert done.status_code == 302 and done.headers["Location"] == "/forum/account/settings"
    page = text(client.get("/forum/account/settings", headers=EN))
    assert "Voorbeeld-ID is now linked to your account." in page
    assert "Linked sign-ins: Voorbeeld-ID" in page
    db.expire_all()
    refreshed = db.get(Member, member.id)
    assert refreshed is not None and refreshed.level == IdentityLevel.VERIFIED
    assert members(db) == 1


def test_linking_an_identity_another_member_holds_is_refused(
    client: FlaskClient, db: Session, make_member: Any, oidc_peer: OidcPeer
) -> None:
    sign_in_via_provider(client, oidc_peer.url, "alice")
    other = make_member("Ander")
    sign_in(client, other)
    page = text(client.get("/forum/account/settings", headers=EN))
    started = client.post(
        "/forum/account/oidc/voorbeeldid/link", data={"csrf_token": form_token(page)}
    )
    refused = finish_via_provider(client, started, "alice")
    assert refused.status_code == 409
    assert "linked to another account already" in text(refused)
    assert db.scalar(select(func.count(ExternalIdentity.id))) == 1


def test_linking_needs_a_form_with_a_token(client: FlaskClient, make_member: Any) -> None:
    sign_in(client, make_member("Lokaal"))
    assert client.post("/forum/account/oidc/voorbeeldid/link").status_code == 400


def test_sign_out_ends_the_session_at_the_provider_too(
    client: FlaskClient, oidc_peer: OidcPeer
) -> None:
    sign_in_via_provider(client, oidc_peer.url, "alice")
    page = text(client.get("/forum/", headers=EN))
    response = client.post("/forum/account/sign-out", data={"csrf_token": form_token(page)})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}" == oidc_peer.url
    assert query["client_id"] == [oidc_peer.client.client_id]
    assert query["post_logout_redirect_uri"] == ["http://localhost/forum/account/oidc/signed-out"]
    assert "id_token_hint" not in query
    assert "My settings" not in text(client.get("/forum/", headers=EN))


@pytest.fixture
def patients(db: Session, make_member: Any, make_community: Any) -> tuple[Community, int]:
    community: Community = make_community("patienten")
    require_patient_membership(db, community)
    topic_id = confidential_topic(
        db, community, make_member("Auteur"), "Ervaringen met dialyse", "Vertrouwelijk verhaal"
    )
    return community, topic_id


@pytest.mark.parametrize(("login", "allowed"), [("alice", True), ("bob", False)])
def test_a_community_that_asks_for_an_attribute_after_a_real_sign_in(
    client: FlaskClient,
    db: Session,
    oidc_peer: OidcPeer,
    patients: tuple[Community, int],
    login: str,
    allowed: bool,
) -> None:
    community, topic_id = patients
    sign_in_via_provider(client, oidc_peer.url, login)
    page = text(client.get("/forum/c/patienten/", headers=EN))
    join = client.post("/forum/c/patienten/join", data={"csrf_token": form_token(page)})
    assert join.status_code == 302
    urls = {
        "community": "/forum/c/patienten/",
        "topic": f"/forum/t/{topic_id}/",
        "permalink": f"/forum/p/{topic_id}",
        "history": f"/forum/p/{topic_id}/history",
        "new_topic": "/forum/c/patienten/new",
        "reply": f"/forum/t/{topic_id}/reply",
    }
    for name, url in urls.items():
        response = client.get(url, headers=EN)
        body = text(response)
        if allowed:
            assert response.status_code in (200, 302), name
        else:
            assert response.status_code == (200 if name == "community" else 403), name
            assert "Ervaringen met dialyse" not in body and "Vertrouwelijk verhaal" not in body, (
                name
            )
            assert "verified member of the Patients' Association" in body, name


def test_an_answer_naming_another_issuer_is_refused(
    client: FlaskClient, db: Session, oidc_peer: OidcPeer
) -> None:
    url = capture_callback_url(client, oidc_peer.url, "alice")
    assert "iss=" in url, "the provider names itself in its answer (RFC 9207)"
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["iss"] = "https://mix-up.example"
    response = client.get(parts.path, query_string=query, headers=EN)
    assert response.status_code == 400
    assert members(db) == 0
