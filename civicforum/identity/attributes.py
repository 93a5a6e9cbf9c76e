"""Words for what identity providers vouch for, and which providers can vouch for it."""

from __future__ import annotations

from flask import has_app_context

from ..settings import OidcProvider
from .models import IdentityLevel


def attribute_label(key: str) -> str:
    """The configured label of an attribute in the page's language ("verified member of ...")."""
    if not has_app_context():
        return key
    from ..extension import state
    from ..i18n import get_locale

    rule = state().settings.attribute_rule(key)
    if rule is None:
        return key
    return rule.label_nl if get_locale() == "nl" else rule.label_en


def providers_granting(
    level: IdentityLevel | None = None, attribute: str | None = None
) -> list[OidcProvider]:
    """The configured providers through which someone can show this level or attribute."""
    if not has_app_context():
        return []
    from ..extension import state

    found = []
    for provider in state().settings.oidc_providers:
        grants_level = level is None or any(
            IdentityLevel.from_name(name) >= level
            for values in provider.levels.values()
            for name in values.values()
        )
        grants_attribute = attribute is None or any(
            rule.key == attribute for rule in provider.attributes
        )
        if grants_level and grants_attribute:
            found.append(provider)
    return found
