"""Small helpers the tests share: signing a test client in, reading form tokens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from civicforum.forum import services as forum_services
from civicforum.forum.models import Community, Role
from civicforum.identity.models import Member
from civicforum.identity.providers import SESSION_KEY, load_actor, session_stamp
from civicforum.policy import Actor


def actor_of(db: Session, member: Member | None) -> Actor:
    return load_actor(db, member) if member is not None else Actor()


def add_member(db: Session, community: Community, member: Member, role: Role = Role.MEMBER) -> None:
    forum_services.set_role(db, community, member, role)


def sign_in(client: FlaskClient, member: Member | None) -> None:
    """Give the test client the forum session a successful sign-in would give it."""
    with client.session_transaction() as flask_session:
        if member is None:
            flask_session.pop(SESSION_KEY, None)
        else:
            flask_session[SESSION_KEY] = [member.id, session_stamp(member)]


def form_token(html: str, name: str = "csrf_token") -> str:
    """The value of a hidden input in a page, to submit its form as a browser would."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} field in the page"
    return match.group(1)
