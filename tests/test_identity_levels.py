"""Identification levels and attributes: settings, claim mapping, what communities ask,
and the "verified member" way of signing a post."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum import CivicForum, ConfigError
from civicforum.forum import services
from civicforum.forum.models import Community, Role
from civicforum.identity.models import IdentityLevel, PublishAs
from civicforum.identity.oidc import derive
from civicforum.settings import OidcProvider

from .conftest import LIMITS
from .helpers import (
    actor_of,
    add_member,
    confidential_topic,
    give_attribute,
    require_patient_membership,
    sign_in,
)

EN = {"Accept-Language": "en"}
PROVIDER = {
    "title": "Voorbeeld-ID",
    "discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    "client_id": "civicforum",
    "client_secret": "not-used-in-these-tests",
    "levels": {"assurance": {"substantial": "verified", "low": "confirmed"}},
    "attributes": {
        "patient-member": {
            "claim": "membership",
            "value": "patientenvereniging",
            "label_nl": "geverifieerd lid van de Patiëntenvereniging",
            "label_en": "verified member of the Patients' Association",
        }
    },
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"CIVICFORUM_OIDC_PROVIDERS": {"voorbeeldid": PROVIDER}}


def provider(app: Flask) -> OidcProvider:
    found = app.extensions["civicforum"].settings.oidc_provider("voorbeeldid")
    assert found is not None
    return found


def text(response: Any) -> str:
    """The page as a person reads it (entities such as &#39; turned back into characters)."""
    return html.unescape(str(response.get_data(as_text=True)))


# -- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key_fragment"),
    [
        ({"client_secret": ""}, "['client_secret']"),
        ({"discovery_url": "http://provider.example/.well-known"}, "['discovery_url']"),
        ({"scope": "profile"}, "['scope']"),
        ({"timeout": 0}, "['timeout']"),
        ({"levels": {"acr": {"high": "superhero"}}}, "['levels']"),
        ({"attributes": {"Bad Name": {}}}, "['attributes']"),
        ({"colour": "green"}, "['colour']"),
    ],
)
def test_a_wrong_provider_setting_names_the_key(
    tmp_path: Path, change: dict[str, Any], key_fragment: str
) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="s" * 40,
        CIVICFORUM_SECRET_KEY="f" * 40,
        CIVICFORUM_OIDC_PROVIDERS={"voorbeeldid": {**PROVIDER, **change}},
    )
    with pytest.raises(ConfigError) as error:
        CivicForum(app)
    assert error.value.key.startswith("CIVICFORUM_OIDC_PROVIDERS['voorbeeldid']")
    assert key_fragment in error.value.key


def test_the_client_secret_does_not_show_in_the_settings_repr(app: Flask) -> None:
    assert "not-used-in-these-tests" not in repr(app.extensions["civicforum"].settings)


# -- claims to level and attributes -----------------------------------------------------


def test_only_the_derived_level_and_attributes_come_out_of_the_claims(app: Flask) -> None:
    verified = derive(
        provider(app),
        {
            "sub": "abc-123",
            "assurance": "substantial",
            "membership": ["bibliotheek", "patientenvereniging"],
            "name": "Jan Jansen",
            "bsn": "123456782",
            "email": "jan@example.org",
        },
    )
    assert verified.subject == "abc-123"
    assert verified.level == IdentityLevel.VERIFIED
    assert verified.attributes == frozenset({"patient-member"})
    assert "Jan" not in repr(verified) and "123456782" not in repr(verified)


def test_unknown_claim_values_give_no_level_and_no_attribute(app: Flask) -> None:
    verified = derive(
        provider(app), {"sub": "x", "assurance": "unknown", "membership": "schaakclub"}
    )
    assert verified.level is None
    assert verified.attributes == frozenset()


# -- communities that ask for a level or attribute --------------------------------------


@pytest.fixture
def patients(db: Session, make_community: Any) -> Community:
    community: Community = make_community("patienten")
    require_patient_membership(db, community)
    return community


def test_a_requirement_nobody_can_meet_is_refused(db: Session, make_community: Any) -> None:
    community = make_community("kaas")
    with pytest.raises(services.ServiceError, match="No identity provider"):
        services.set_requirements(
            db,
            community,
            services.Requirements(read_attribute="kaasliefhebber"),
            {"patient-member"},
        )


@pytest.mark.parametrize("with_attribute", [False, True])
def test_every_page_type_respects_an_attribute_requirement(
    client: FlaskClient, db: Session, make_member: Any, patients: Community, with_attribute: bool
) -> None:
    topic_id = confidential_topic(
        db,
        patients,
        make_member("Auteur"),
        "Vertrouwelijk gesprek",
        "Ervaringen met de behandeling",
    )
    reader = make_member("Lezer")
    add_member(db, patients, reader)
    if with_attribute:
        give_attribute(db, reader)
    sign_in(client, reader)
    pages = {
        "community": client.get("/forum/c/patienten/", headers=EN),
        "topic": client.get(f"/forum/t/{topic_id}/", headers=EN),
        "permalink": client.get(f"/forum/p/{topic_id}", headers=EN),
        "history": client.get(f"/forum/p/{topic_id}/history", headers=EN),
        "new_topic": client.get("/forum/c/patienten/new", headers=EN),
        "reply": client.get(f"/forum/t/{topic_id}/reply", headers=EN),
    }
    expected = {
        "community": 200,
        "topic": 200,
        "permalink": 302,
        "history": 200,
        "new_topic": 200,
        "reply": 200,
    }
    if not with_attribute:
        expected.update(topic=403, permalink=403, history=403, new_topic=403, reply=403)
    assert {name: r.status_code for name, r in pages.items()} == expected
    for name, response in pages.items():
        html = text(response)
        if not with_attribute:
            assert "Vertrouwelijk gesprek" not in html and "Ervaringen" not in html, name
            assert "verified member of the Patients' Association" in html, name
            assert "Link Voorbeeld-ID to my account" in html, name


def test_visitors_see_what_is_required_and_how_to_get_it(
    client: FlaskClient, patients: Community
) -> None:
    html = text(client.get("/forum/c/patienten/", headers=EN))
    assert (
        "Reading here is for people who are shown to be: verified member of the Patients' Association."
        in html
    )
    assert "/forum/account/oidc/voorbeeldid/sign-in" in html


def test_moderators_read_without_the_attribute(
    client: FlaskClient, db: Session, make_member: Any, patients: Community
) -> None:
    moderator = make_member("Moderator")
    add_member(db, patients, moderator, Role.MODERATOR)
    sign_in(client, moderator)
    assert "Start a topic" in text(client.get("/forum/c/patienten/", headers=EN))


def test_a_level_requirement_for_reading(
    client: FlaskClient, db: Session, make_member: Any, make_community: Any
) -> None:
    community = make_community("geverifieerd")
    services.set_requirements(
        db, community, services.Requirements(read_level=IdentityLevel.VERIFIED), set()
    )
    member = make_member("Gewoon")
    sign_in(client, member)
    assert "Reading here needs the identity level “verified”." in text(
        client.get("/forum/c/geverifieerd/", headers=EN)
    )
    member.identity_level = int(IdentityLevel.VERIFIED)
    db.commit()
    assert "Reading here needs" not in text(client.get("/forum/c/geverifieerd/", headers=EN))


# -- "verified member" on a post --------------------------------------------------------


def test_verified_members_can_sign_as_verified_member_without_a_name(
    client: FlaskClient, db: Session, make_member: Any, make_community: Any
) -> None:
    community = make_community("leesclub")
    verified = make_member("Vera", level=IdentityLevel.VERIFIED)
    plain = make_member("Piet")
    for member in (verified, plain):
        add_member(db, community, member)
    sign_in(client, plain)
    assert "As “verified member”" not in text(client.get("/forum/c/leesclub/new", headers=EN))
    with pytest.raises(services.ServiceError, match="verified identity"):
        services.start_topic(
            db,
            actor_of(db, plain),
            community,
            title="Poging",
            body="x",
            publish_as=PublishAs.VERIFIED,
            submission_token="p",
            limits=LIMITS,
        )
    sign_in(client, verified)
    assert "As “verified member”" in text(client.get("/forum/c/leesclub/new", headers=EN))
    topic = services.start_topic(
        db,
        actor_of(db, verified),
        community,
        title="Geverifieerd",
        body="Tekst",
        publish_as=PublishAs.VERIFIED,
        submission_token="v",
        limits=LIMITS,
    )
    sign_in(client, plain)
    page = text(client.get(f"/forum/t/{topic.id}/", headers=EN))
    assert "verified member" in page and "Vera" not in page


def test_attributes_follow_the_latest_sign_in_and_levels_never_drop(db: Session) -> None:
    from civicforum.identity.oidc import VerifiedIdentity
    from civicforum.identity.services import sign_in_with_verified_identity

    first = VerifiedIdentity(
        "voorbeeldid", "sub-1", IdentityLevel.VERIFIED, frozenset({"patient-member"})
    )
    member = sign_in_with_verified_identity(db, first, link_to=None)
    assert [a.key for a in member.attributes] == ["patient-member"]
    later = VerifiedIdentity("voorbeeldid", "sub-1", None, frozenset())
    again = sign_in_with_verified_identity(db, later, link_to=None)
    assert again.id == member.id
    assert again.attributes == []
    assert again.level == IdentityLevel.VERIFIED
