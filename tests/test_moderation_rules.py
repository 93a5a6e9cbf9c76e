"""House rules: a numbered catalogue per community, in Dutch and English, kept by moderators."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicforum.errors import NotAllowed, ServiceError
from civicforum.moderation import rules
from civicforum.moderation.models import HouseRule

from .helpers import ModerationWorld, actor_of, moderation_world

KIND = rules.RuleText("Blijf bij het onderwerp", "Stay on topic", "Over boeken.", "About books.")
PRIVACY = rules.RuleText(
    "Deel geen privégegevens", "Share no private details", "Ook niet van jezelf.", "Not even yours."
)


@pytest.fixture
def world(db: Session, make_member, make_community) -> ModerationWorld:  # type: ignore[no-untyped-def]
    return moderation_world(db, make_member, make_community)


def numbered(db: Session, world: ModerationWorld, language: str = "en") -> list[str]:
    return [f"{r.number}. {r.title(language)}" for r in rules.community_rules(db, world.community)]


def test_moderators_keep_a_numbered_catalogue_in_two_languages(
    db: Session, world: ModerationWorld
) -> None:
    moderator = actor_of(db, world.moderator)
    rules.add_rule(db, moderator, world.community, KIND)
    privacy = rules.add_rule(db, moderator, world.community, PRIVACY)
    assert numbered(db, world) == ["1. Be kind", "2. Stay on topic", "3. Share no private details"]
    assert numbered(db, world, "nl")[2] == "3. Deel geen privégegevens"
    assert privacy.explanation("nl") == "Ook niet van jezelf."

    rules.edit_rule(
        db,
        moderator,
        privacy,
        rules.RuleText("Privé blijft privé", "Private stays private", "x", "y"),
    )
    assert numbered(db, world)[2] == "3. Private stays private"

    ids = [r.id for r in rules.community_rules(db, world.community)]
    rules.reorder_rules(db, moderator, world.community, [ids[2], ids[0], ids[1]])
    db.expire_all()
    assert numbered(db, world) == ["1. Private stays private", "2. Be kind", "3. Stay on topic"]


def test_members_cannot_change_the_rules(db: Session, world: ModerationWorld) -> None:
    with pytest.raises(NotAllowed, match="Only this community's moderators can do this."):
        rules.add_rule(db, actor_of(db, world.author), world.community, KIND)
    with pytest.raises(NotAllowed):
        rules.edit_rule(db, actor_of(db, world.reader), world.rule, KIND)
    with pytest.raises(NotAllowed):
        rules.reorder_rules(db, actor_of(db, None), world.community, [world.rule.id])
    db.expire_all()
    assert numbered(db, world) == ["1. Be kind"]


def test_a_rule_needs_a_name_and_an_explanation_in_both_languages(
    db: Session, world: ModerationWorld
) -> None:
    moderator = actor_of(db, world.moderator)
    with pytest.raises(ServiceError, match="Give the rule a short name.") as missing:
        rules.add_rule(db, moderator, world.community, rules.RuleText("Iets", " ", "a", "b"))
    assert missing.value.field == "title_en"
    with pytest.raises(ServiceError, match="Explain what the rule asks") as unexplained:
        rules.add_rule(db, moderator, world.community, rules.RuleText("Iets", "Thing", "a", ""))
    assert unexplained.value.field == "explanation_en"
    assert db.scalar(select(func.count(HouseRule.id))) == 1


def test_reordering_must_name_every_rule_once(db: Session, world: ModerationWorld) -> None:
    moderator = actor_of(db, world.moderator)
    second = rules.add_rule(db, moderator, world.community, KIND)
    for order in ([world.rule.id], [world.rule.id, world.rule.id], [second.id, 999_999]):
        with pytest.raises(ServiceError, match="List every house rule of this community once."):
            rules.reorder_rules(db, moderator, world.community, order)
    db.expire_all()
    assert numbered(db, world) == ["1. Be kind", "2. Stay on topic"]
