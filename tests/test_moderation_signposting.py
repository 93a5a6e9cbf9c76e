"""Signposting: a community's help resources, and privately sending them to a member."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.errors import NotAllowed, NotFound, ServiceError
from civicforum.moderation import signposting
from civicforum.moderation.models import HelpResource, ModerationMessage
from civicforum.moderation.signposting import Resource

from .helpers import ModerationWorld, actor_of, moderation_world

CRISIS = Resource("113 Zelfmoordpreventie", "0800-0113", "https://www.113.nl", "dag en nacht")
MANTELZORG = Resource("Mantelzorglijn", "030 760 60 55", "", "werkdagen 9-18 uur")


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


def test_moderators_list_help_and_send_it_privately(db: Session, world: ModerationWorld) -> None:
    moderator = actor_of(db, world.moderator)
    with pytest.raises(ServiceError, match="lists no help resources yet"):
        signposting.signpost(db, moderator, world.community, world.author)
    crisis = signposting.add_help_resource(db, moderator, world.community, CRISIS)
    signposting.add_help_resource(db, moderator, world.community, MANTELZORG)
    assert [r.name for r in signposting.help_resources(db, world.community)] == [
        "113 Zelfmoordpreventie",
        "Mantelzorglijn",
    ]

    message = signposting.signpost(
        db, moderator, world.community, world.author, "Fijn dat je het deelde; hier vind je hulp."
    )
    assert message.body.splitlines() == [
        "Fijn dat je het deelde; hier vind je hulp.",
        "",
        "113 Zelfmoordpreventie: 0800-0113, https://www.113.nl (dag en nacht)",
        "Mantelzorglijn: 030 760 60 55 (werkdagen 9-18 uur)",
    ]
    # Only the member it was sent to sees it; the message keeps the list as it was sent.
    assert signposting.messages_for(db, actor_of(db, world.reader)) == []
    signposting.remove_help_resource(db, moderator, world.community, crisis)
    [received] = signposting.messages_for(db, actor_of(db, world.author))
    assert "113 Zelfmoordpreventie" in received.body and received.read_at is None
    with pytest.raises(NotFound):
        signposting.mark_read(db, actor_of(db, world.reader), received)
    signposting.mark_read(db, actor_of(db, world.author), received)
    assert received.read_at is not None


def test_members_cannot_signpost_or_change_the_list(db: Session, world: ModerationWorld) -> None:
    author = actor_of(db, world.author)
    with pytest.raises(NotAllowed):
        signposting.add_help_resource(db, author, world.community, CRISIS)
    with pytest.raises(NotAllowed):
        signposting.signpost(db, author, world.community, world.reader)
    assert db.scalar(select(func.count(ModerationMessage.id))) == 0


def test_a_resource_needs_a_name_and_a_way_to_reach_it(db: Session, world: ModerationWorld) -> None:
    moderator = actor_of(db, world.moderator)
    for resource, message, field in [
        (Resource(" ", "0800-0113"), "Give the name of the help service or organisation.", "name"),
        (Resource("Hulp"), "Give a phone number or a web address.", "phone"),
        (Resource("Hulp", phone="bel ons"), "A phone number has digits", "phone"),
        (Resource("Hulp", url="javascript:alert(1)"), "A web address starts with https://", "url"),
    ]:
        with pytest.raises(ServiceError, match=message) as refused:
            signposting.add_help_resource(db, moderator, world.community, resource)
        assert refused.value.field == field
    assert db.scalar(select(func.count(HelpResource.id))) == 0
    edited = signposting.add_help_resource(db, moderator, world.community, MANTELZORG)
    signposting.edit_help_resource(
        db,
        moderator,
        world.community,
        edited,
        Resource("Mantelzorglijn", url="https://mantelzorg.nl"),
    )
    assert (edited.phone, edited.url) == (None, "https://mantelzorg.nl")
