"""A federated community as an ActivityPub ``Group``, on its page's own URL.

Servers that ask for ActivityStreams get the actor; browsers keep getting the page.
Every document expands as JSON-LD with no term left undefined, checked with pyld
against the vendored contexts (nothing is fetched from the network).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pyld import jsonld
from sqlalchemy.orm import Session

from civicforum.forum.models import Community
from civicforum.plugins.federation import services
from civicforum.plugins.federation.models import FederationActor

from .helpers import require_patient_membership

CONTEXTS = Path(services.__file__).parent / "contexts"
VENDORED = {
    "https://www.w3.org/ns/activitystreams": CONTEXTS / "activitystreams.jsonld",
    "https://w3id.org/security/v1": CONTEXTS / "security-v1.jsonld",
}
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MASTODON_ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON}"
PAGE = "/forum/c/reading-club/"
ACTOR = f"http://localhost{PAGE}"


@pytest.fixture
def club(db: Session, make_community: Callable[..., Community]) -> Community:
    community = make_community("reading-club")
    services.enable(db, community)
    return community


def fetch(client: FlaskClient, path: str, accept: str = ACTIVITY_JSON) -> Any:
    return client.get(path, headers={"Accept": accept})


# -- JSON-LD: every term defined ---------------------------------------------------------


def load_vendored(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the vendored contexts, and nothing from the network."""
    if url not in VENDORED:
        raise AssertionError(f"the document needs {url}, which is not vendored")
    document = json.loads(VENDORED[url].read_text("utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def properties(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from properties(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from properties(value)


def key_paths(node: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= key_paths(item, prefix)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                found.add(prefix + key)
                found |= key_paths(value, f"{prefix}{key}.")
    return found


def assert_every_term_defined(document: dict[str, Any]) -> None:
    """Expanding keeps every key, each as a full IRI: nothing dropped, nothing left to
    ActivityStreams' ``"@vocab": "_:"``, which turns an unknown term into a blank one."""
    options = {"documentLoader": load_vendored}
    expanded = jsonld.expand(document, options)
    undefined = sorted({key for key in properties(expanded) if key.startswith("_:")})
    assert undefined == []
    assert all(key.startswith(("@", "https://", "http://")) for key in properties(expanded))
    again = jsonld.compact(expanded, {"@context": document["@context"]}, options)
    assert key_paths(again) == key_paths(document)


def test_the_check_would_notice_an_undefined_term(client: FlaskClient, club: Community) -> None:
    document = fetch(client, PAGE).get_json(force=True)
    document["followerCount"] = 12

    with pytest.raises(AssertionError):
        assert_every_term_defined(document)


@pytest.mark.parametrize(
    "path",
    [PAGE, f"{PAGE}outbox", f"{PAGE}followers", f"{PAGE}moderators", f"{PAGE}inbox"],
)
def test_every_document_expands_with_no_undefined_term(
    client: FlaskClient, club: Community, path: str
) -> None:
    response = fetch(client, path)

    assert response.status_code == 200
    assert_every_term_defined(response.get_json(force=True))


# -- the Group actor -------------------------------------------------------------------------


def test_the_community_page_answers_as_a_group(
    client: FlaskClient, db: Session, club: Community
) -> None:
    response = fetch(client, PAGE, MASTODON_ACCEPT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == ACTIVITY_JSON
    assert "Accept" in response.headers["Vary"]
    group = response.get_json(force=True)
    assert group["@context"][:2] == [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
    ]
    assert group["type"] == "Group"
    assert group["id"] == group["url"] == ACTOR
    assert group["preferredUsername"] == "reading-club"
    assert group["name"] == "Reading Club"
    assert group["summary"] == "<p>About reading-club.</p>\n"
    assert group["inbox"] == f"{ACTOR}inbox"
    assert group["outbox"] == f"{ACTOR}outbox"
    assert group["followers"] == f"{ACTOR}followers"
    assert group["moderators"] == group["attributedTo"] == f"{ACTOR}moderators"
    assert group["endpoints"] == {"sharedInbox": "http://localhost/forum/inbox"}
    assert group["manuallyApprovesFollowers"] is False
    actor = db.get(FederationActor, club.id)
    assert actor is not None
    assert group["publicKey"] == {
        "id": f"{ACTOR}#main-key",
        "owner": ACTOR,
        "publicKeyPem": actor.public_key_pem,
    }


def test_asking_for_json_ld_with_the_profile_gets_it(client: FlaskClient, club: Community) -> None:
    response = fetch(client, PAGE, LD_JSON)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == LD_JSON
    assert response.get_json(force=True)["type"] == "Group"


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
        "*/*",  # curl
        "",
        "application/json",
        f"text/html, {ACTIVITY_JSON};q=0.5",
        'application/ld+json; profile="https://example.org/other"',
    ],
)
def test_browsers_and_others_keep_getting_the_page(
    client: FlaskClient, club: Community, accept: str
) -> None:
    response = fetch(client, PAGE, accept)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Reading Club" in response.get_data(as_text=True)
    assert "Accept" in response.headers["Vary"]


def test_a_community_that_is_not_switched_on_answers_only_as_a_page(
    client: FlaskClient, make_community: Callable[..., Community]
) -> None:
    make_community("chess")

    refused = fetch(client, "/forum/c/chess/", ACTIVITY_JSON)
    assert refused.status_code == 406
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "Accept" in refused.headers["Vary"]

    page = fetch(client, "/forum/c/chess/", f"{ACTIVITY_JSON}, text/html;q=0.5")
    assert page.status_code == 200
    assert page.mimetype == "text/html"


def test_a_community_closed_to_anonymous_readers_is_never_an_actor(
    client: FlaskClient, db: Session, club: Community
) -> None:
    require_patient_membership(db, club)

    response = fetch(client, PAGE)

    assert response.status_code == 406
    assert "publicKey" not in response.get_data(as_text=True)
    assert fetch(client, f"{PAGE}outbox").status_code == 404


def test_an_unknown_community_is_still_not_found(client: FlaskClient) -> None:
    assert fetch(client, "/forum/c/nowhere/", "text/html").status_code == 404
    assert fetch(client, "/forum/c/nowhere/outbox").status_code == 404


# -- its collections and inboxes ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["outbox", "followers", "moderators", "inbox"])
def test_the_collections_are_empty_for_now(client: FlaskClient, club: Community, name: str) -> None:
    response = fetch(client, f"{PAGE}{name}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == ACTIVITY_JSON
    collection = response.get_json(force=True)
    assert collection["id"] == f"{ACTOR}{name}"
    assert collection["type"] == "OrderedCollection"
    assert collection["orderedItems"] == []
    assert "totalItems" not in collection  # no follower counts


@pytest.mark.parametrize("name", ["outbox", "followers", "moderators", "inbox"])
def test_collections_of_a_community_that_is_not_federated_are_not_found(
    client: FlaskClient, make_community: Callable[..., Community], name: str
) -> None:
    make_community("chess")

    response = fetch(client, f"/forum/c/chess/{name}")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_the_inboxes_refuse_an_unsigned_activity(client: FlaskClient, club: Community) -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Follow",
        "actor": "https://elsewhere.example/users/ans",
        "object": ACTOR,
    }
    for inbox in (f"{PAGE}inbox", "/forum/inbox"):
        response = client.post(
            inbox,
            json=follow,
            content_type=ACTIVITY_JSON,
            headers={"Accept-Language": "en"},
        )

        assert response.status_code == 401
        problem = response.get_json(force=True)
        assert problem["status"] == 401
        assert "not signed" in problem["detail"]
