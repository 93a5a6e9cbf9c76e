"""Switching a community's federation on and off from the command line.

Off by default; only communities that anyone may read can be switched on, and switching
off and on again keeps the community's key, which other servers may hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy.orm import Session

from civicforum.forum.models import Community
from civicforum.plugins.federation.models import FederationActor

from .helpers import require_patient_membership


@pytest.fixture
def app_config() -> dict[str, Any]:
    """The command line speaks the site's default language: English here."""
    return {"CIVICFORUM_DEFAULT_LANGUAGE": "en"}


def federation(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["civicforum", "federation", *args])


def test_a_community_is_not_federated_until_switched_on(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    make_community("reading-club")

    result = federation(app, "status")
    assert result.exit_code == 0
    assert "No community is federated." in result.output
    assert db.get(FederationActor, 1) is None


def test_enable_makes_a_key_pair_and_status_shows_it(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    community = make_community("reading-club")
    make_community("chess")

    result = federation(app, "enable", "reading-club")

    assert result.exit_code == 0, result.output
    assert "Federation is on for reading-club." in result.output
    actor = db.get(FederationActor, community.id)
    assert actor is not None and actor.enabled
    assert actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert federation(app, "status").output.startswith(
        "reading-club: on (followers elsewhere: 0; deliveries waiting: 0, given up: 0)\n"
    )


def test_disable_and_enable_again_keep_the_same_key(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    community = make_community("reading-club")
    federation(app, "enable", "reading-club")
    actor = db.get(FederationActor, community.id)
    assert actor is not None
    first_key = actor.public_key_pem

    result = federation(app, "disable", "reading-club")
    assert result.exit_code == 0
    assert "Federation is off for reading-club." in result.output
    assert federation(app, "status").output.startswith("reading-club: off (")

    federation(app, "enable", "reading-club")
    db.expire_all()
    assert actor.enabled
    assert actor.public_key_pem == first_key


def test_members_only_communities_are_refused(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    community = make_community("patients", members_only=True)

    result = federation(app, "enable", "patients")

    assert result.exit_code == 1
    assert "patients cannot be federated" in result.output
    assert "members-only" in result.output
    assert db.get(FederationActor, community.id) is None


def test_communities_with_requirements_for_readers_are_refused(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    community = make_community("patients")
    require_patient_membership(db, community)

    result = federation(app, "enable", "patients")

    assert result.exit_code == 1
    assert "patients cannot be federated" in result.output
    assert db.get(FederationActor, community.id) is None


def test_status_tells_when_a_switched_on_community_became_members_only(
    app: Flask, db: Session, make_community: Callable[..., Community]
) -> None:
    community = make_community("reading-club")
    federation(app, "enable", "reading-club")
    require_patient_membership(db, community)

    output = federation(app, "status").output

    assert output.startswith("reading-club: on, but not federated")


def test_unknown_community(app: Flask) -> None:
    result = federation(app, "enable", "nowhere")

    assert result.exit_code == 1
    assert "There is no community 'nowhere'." in result.output
    assert federation(app, "disable", "nowhere").exit_code == 1
