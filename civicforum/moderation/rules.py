"""House rules: a numbered catalogue per community, in Dutch and English.

Rules are edited and renumbered, never deleted: every decision keeps the number, title and
explanation its rule had on the day it was taken, and links to the rule as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock, policy
from ..errors import NotFound, ServiceError
from ..forum.models import Community
from ..i18n import gettext as _
from .checks import EXPLANATION_MAX, line, require, text, writing
from .models import RULE_TITLE_MAX, HouseRule


@dataclass(frozen=True)
class RuleText:
    """What a rule says, in both languages."""

    title_nl: str
    title_en: str
    explanation_nl: str
    explanation_en: str


def _clean(wording: RuleText) -> RuleText:
    def title(value: str, field: str) -> str:
        return line(value, field, maximum=RULE_TITLE_MAX, required=_("Give the rule a short name."))

    def explanation(value: str, field: str) -> str:
        return text(
            value,
            field,
            maximum=EXPLANATION_MAX,
            required=_("Explain what the rule asks of members."),
        )

    return RuleText(
        title(wording.title_nl, "title_nl"),
        title(wording.title_en, "title_en"),
        explanation(wording.explanation_nl, "explanation_nl"),
        explanation(wording.explanation_en, "explanation_en"),
    )


def community_rules(db: Session, community: Community) -> list[HouseRule]:
    """The catalogue in its order (rule 1 first)."""
    query = (
        select(HouseRule).where(HouseRule.community_id == community.id).order_by(HouseRule.number)
    )
    return list(db.scalars(query))


def get_rule(db: Session, community: Community, rule_id: int) -> HouseRule:
    """:raises NotFound: when the rule is not one of this community's."""
    rule = db.get(HouseRule, rule_id)
    if rule is None or rule.community_id != community.id:
        raise NotFound(_("This community has no such house rule."))
    return rule


def add_rule(
    db: Session, actor: policy.Actor, community: Community, wording: RuleText
) -> HouseRule:
    """Add a rule at the end of the catalogue (moderators)."""
    require(policy.can_moderate(actor, community))
    wording = _clean(wording)
    with writing(db):
        last = db.scalar(
            select(func.max(HouseRule.number)).where(HouseRule.community_id == community.id)
        )
        rule = HouseRule(
            community_id=community.id,
            number=(last or 0) + 1,
            title_nl=wording.title_nl,
            title_en=wording.title_en,
            explanation_nl=wording.explanation_nl,
            explanation_en=wording.explanation_en,
            created_at=clock.now(),
        )
        db.add(rule)
        db.commit()
    return rule


def edit_rule(db: Session, actor: policy.Actor, rule: HouseRule, wording: RuleText) -> HouseRule:
    """Change a rule's wording (moderators); earlier decisions keep the wording they cited."""
    require(policy.can_moderate(actor, rule.community))
    wording = _clean(wording)
    rule.title_nl, rule.title_en = wording.title_nl, wording.title_en
    rule.explanation_nl, rule.explanation_en = wording.explanation_nl, wording.explanation_en
    rule.edited_at = clock.now()
    db.commit()
    return rule


def reorder_rules(
    db: Session, actor: policy.Actor, community: Community, rule_ids: Sequence[int]
) -> list[HouseRule]:
    """Renumber the catalogue: ``rule_ids`` lists every rule once, in the new order.

    :raises ServiceError: when the list leaves a rule out, names one twice or names
        another community's rule.
    """
    require(policy.can_moderate(actor, community))
    with writing(db):
        rules = {rule.id: rule for rule in community_rules(db, community)}
        if sorted(rule_ids) != sorted(rules) or len(set(rule_ids)) != len(rule_ids):
            raise ServiceError(_("List every house rule of this community once."), "order")
        # Numbers are unique per community and checked row by row: step aside first.
        for position, rule_id in enumerate(rule_ids, start=1):
            rules[rule_id].number = -position
        db.flush()
        for position, rule_id in enumerate(rule_ids, start=1):
            rules[rule_id].number = position
        db.commit()
    return [rules[rule_id] for rule_id in rule_ids]
