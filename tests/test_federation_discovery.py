"""How other servers find a federated community: WebFinger, NodeInfo and host-meta.

These addresses are at the root of the host's site, outside the forum's prefix; only
communities that are switched on and open to anyone are found.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy.orm import Session

from civicforum import CivicForum, ConfigError
from civicforum.forum import services as forum_services
from civicforum.forum.models import Community
from civicforum.identity.models import Member, PublishAs
from civicforum.plugins.federation import services

from .conftest import LIMITS, make_host_app
from .helpers import actor_of, add_member, require_patient_membership

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "nodeinfo-2.1.schema.json").read_text("utf-8")
)
ACTOR = "http://localhost/forum/c/reading-club/"


def switch_on(db: Session, community: Community) -> None:
    services.enable(db, community)


def webfinger(client: FlaskClient, resource: str | None) -> Any:
    query = {} if resource is None else {"resource": resource}
    return client.get("/.well-known/webfinger", query_string=query)


# -- WebFinger ---------------------------------------------------------------------------


def test_webfinger_finds_a_federated_community(
    client: FlaskClient, db: Session, make_community: Callable[..., Community]
) -> None:
    switch_on(db, make_community("reading-club"))

    response = webfinger(client, "acct:reading-club@localhost")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jrd+json"
    jrd = response.get_json(force=True)
    assert jrd["subject"] == "acct:reading-club@localhost"
    (self_link,) = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link == {"rel": "self", "type": "application/activity+json", "href": ACTOR}
    # The id round-trips: the actor it names is the community, as ActivityPub.
    actor = client.get(self_link["href"], headers={"Accept": "application/activity+json"})
    assert actor.get_json(force=True)["preferredUsername"] == "reading-club"


def test_webfinger_also_answers_for_the_actors_address(
    client: FlaskClient, db: Session, make_community: Callable[..., Community]
) -> None:
    switch_on(db, make_community("reading-club"))

    jrd = webfinger(client, ACTOR).get_json(force=True)

    assert jrd["subject"] == ACTOR
    assert "acct:reading-club@localhost" in jrd["aliases"]
    (self_link,) = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link["href"] == ACTOR
    # An address on the forum that is not an actor is not found.
    assert webfinger(client, "http://localhost/forum/").status_code == 404


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nowhere@localhost",
        "acct:reading-club@elsewhere.example",
        "acct:reading\x00club@localhost",  # no database takes a NUL for a name
        f"acct:{'x' * 400}@localhost",
        "https://localhost/forum/c/reading-club/",
    ],
)
def test_webfinger_does_not_know_other_names(
    client: FlaskClient, db: Session, make_community: Callable[..., Community], resource: str
) -> None:
    switch_on(db, make_community("reading-club"))

    response = webfinger(client, resource)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_webfinger_does_not_find_communities_that_are_not_federated(
    client: FlaskClient, db: Session, make_community: Callable[..., Community]
) -> None:
    make_community("never-on")
    switched_off = make_community("switched-off")
    switch_on(db, switched_off)
    services.disable(db, switched_off)
    turned_private = make_community("turned-private")
    switch_on(db, turned_private)
    require_patient_membership(db, turned_private)
    make_community("members", members_only=True)

    for slug in ("never-on", "switched-off", "turned-private", "members"):
        assert webfinger(client, f"acct:{slug}@localhost").status_code == 404, slug


@pytest.mark.parametrize(
    "resource", [None, "", "reading-club", "acct:reading-club", "acct:@localhost", "acct:a@"]
)
def test_webfinger_refuses_a_missing_or_malformed_resource(
    client: FlaskClient, resource: str | None
) -> None:
    response = webfinger(client, resource)

    assert response.status_code == 400
    assert response.get_json(force=True)["detail"]


def test_webfinger_uses_the_sites_public_address_when_set(
    database_url: str, tmp_path: Path, make_community: Callable[..., Community], db: Session
) -> None:
    switch_on(db, make_community("reading-club"))
    host = make_host_app(
        database_url, tmp_path / "site", CIVICFORUM_SITE_URL="https://bibliotheek.example"
    )
    CivicForum(host, url_prefix="/forum")
    client = host.test_client()

    found = webfinger(client, "acct:reading-club@bibliotheek.example")
    assert found.status_code == 200
    href = found.get_json(force=True)["links"][0]["href"]
    assert href == "https://bibliotheek.example/forum/c/reading-club/"
    # The request's own host is no name of the site then.
    assert webfinger(client, "acct:reading-club@localhost").status_code == 404


# -- host-meta -----------------------------------------------------------------------------


def test_host_meta_points_to_webfinger(client: FlaskClient) -> None:
    response = client.get("/.well-known/host-meta")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xrd+xml"
    xrd = etree.fromstring(response.data)
    (link,) = xrd.findall("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "http://localhost/.well-known/webfinger?resource={uri}"


# -- NodeInfo ------------------------------------------------------------------------------


def nodeinfo(client: FlaskClient) -> dict[str, Any]:
    links = client.get("/.well-known/nodeinfo").get_json(force=True)["links"]
    (link,) = links
    assert link["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    response = client.get(link["href"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document: dict[str, Any] = response.get_json(force=True)
    return document


def test_nodeinfo_is_valid_and_names_the_software(client: FlaskClient) -> None:
    document = nodeinfo(client)

    jsonschema.validate(document, SCHEMA)
    assert document["software"]["name"] == "civicforum"
    assert document["protocols"] == ["activitypub"]
    assert document["openRegistrations"] is True


def test_nodeinfo_counts_only_what_federated_communities_show(
    client: FlaskClient,
    db: Session,
    make_member: Callable[..., Member],
    make_community: Callable[..., Community],
) -> None:
    open_club, quiet_club = make_community("reading-club"), make_community("quiet")
    author = make_member("Ans")
    for community in (open_club, quiet_club):
        add_member(db, community, author)
        topic = forum_services.start_topic(
            db,
            actor_of(db, author),
            community,
            title="Next book",
            body="What shall we read?",
            publish_as=PublishAs.PSEUDONYM,
            submission_token=f"{community.slug}-topic",
            limits=LIMITS,
        )
        for n in range(3):
            reply = forum_services.reply(
                db,
                actor_of(db, author),
                topic,
                body=f"Idea {n}",
                publish_as=PublishAs.PSEUDONYM,
                submission_token=f"{community.slug}-{n}",
                limits=LIMITS,
            )
    forum_services.delete_post(db, actor_of(db, author), reply)  # one fewer to show
    switch_on(db, open_club)

    usage = nodeinfo(client)["usage"]

    assert usage == {"users": {"total": 1}, "localPosts": 1, "localComments": 3}
    jsonschema.validate(nodeinfo(client), SCHEMA)


def test_nodeinfo_says_registrations_are_closed_without_local_accounts(
    database_url: str, tmp_path: Path
) -> None:
    host = make_host_app(database_url, tmp_path / "site", CIVICFORUM_LOCAL_ACCOUNTS=False)
    CivicForum(host, url_prefix="/forum")

    document = nodeinfo(host.test_client())

    assert document["openRegistrations"] is False
    jsonschema.validate(document, SCHEMA)


# -- the site's root -------------------------------------------------------------------------


def test_a_host_route_at_a_well_known_address_stops_start_up(
    database_url: str, tmp_path: Path
) -> None:
    host = make_host_app(database_url, tmp_path / "site")
    host.add_url_rule("/.well-known/webfinger", "own_webfinger", lambda: "the host's own")

    with pytest.raises(ConfigError) as raised:
        CivicForum(host, url_prefix="/forum")

    assert "/.well-known/webfinger" in str(raised.value)
    assert "own_webfinger" in str(raised.value)


def test_without_the_plugin_there_are_no_well_known_addresses(
    database_url: str, tmp_path: Path
) -> None:
    host = make_host_app(database_url, tmp_path / "site", CIVICFORUM_PLUGINS=["events", "search"])
    CivicForum(host, url_prefix="/forum")
    client = host.test_client()

    assert client.get("/.well-known/webfinger?resource=acct:a@localhost").status_code == 404
    assert client.get("/.well-known/nodeinfo").status_code == 404
    assert client.get("/forum/nodeinfo/2.1").status_code == 404


def test_the_well_known_addresses_sit_at_the_root_whatever_the_forums_prefix(
    database_url: str, tmp_path: Path
) -> None:
    host = make_host_app(database_url, tmp_path / "site", SECRET_KEY=secrets.token_hex(16))
    CivicForum(host, url_prefix="/community/talk")
    client = host.test_client()

    links = client.get("/.well-known/nodeinfo").get_json(force=True)["links"]
    assert links[0]["href"] == "http://localhost/community/talk/nodeinfo/2.1"
    assert client.get("/community/talk/.well-known/nodeinfo").status_code == 404
