"""Forms of the community's federation page. They check shape and CSRF; the services in
:mod:`.blocks` check the rules (a missing address, house rule or reasons is refused
there, naming the field, so the page shows it beside that field).

The buttons that lift a block or try a delivery again need nothing but their CSRF token:
they use the forum's :class:`~civicforum.forum.forms.ConfirmForm`.
"""

from __future__ import annotations

from collections.abc import Sequence

# Flask-WTF ships no type information: its forms are subclassed as Any, as the other
# form modules are (listed in pyproject.toml's mypy overrides).
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...moderation.models import HouseRule
from .blocks import ACTOR, HOST


def kind_choices() -> list[tuple[str, str]]:
    return [
        (ACTOR, str(_l("One account on another server"))),
        (HOST, str(_l("A whole server, with every account on it"))),
    ]


class BlockForm(FlaskForm):
    """Block an account or a server. The field names are the ones the block service
    names in its refusals (``kind``, ``target``, ``rule_id``, ``reasons``)."""

    kind = RadioField(
        _l("What do you block?"), choices=kind_choices, default=ACTOR, validate_choice=False
    )
    target = StringField(
        _l("Address of the account, or name of the server"),
        description=_l(
            "An account's full address, like https://social.example/users/anna; "
            "a server's name, like social.example."
        ),
    )
    rule_id = SelectField(_l("House rule the block rests on"), choices=[], validate_choice=False)
    reasons = TextAreaField(
        _l("Reasons"),
        description=_l(
            "Shown to everyone on this page with the block: what happened, and why a block "
            "is needed. Do not name anyone else."
        ),
    )
    block = SubmitField(_l("Block and publish the reasons"))

    def offer_rules(self, rules: Sequence[HouseRule], language: str) -> None:
        """The community's house rules to choose from, after an empty first choice (so
        that a rule is chosen on purpose, never by default)."""
        self.rule_id.choices = [("", _("Choose a house rule"))] + [
            (str(rule.id), _("Rule %(n)d: %(title)s", n=rule.number, title=rule.title(language)))
            for rule in rules
        ]

    def chosen_rule(self) -> int | None:
        """The id of the chosen rule; None when none (or nonsense) was sent."""
        raw = self.rule_id.data or ""
        return int(raw) if raw.isdecimal() and len(raw) <= 9 else None
