"""How authors appear on a page, following each post's own choice of name."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import gettext as _
from ..identity.models import PublishAs
from ..policy import Actor, can_see_account_behind
from .models import Post, Topic


@dataclass(frozen=True)
class ShownAuthor:
    name: str
    # "pseudonym", "anonymous", "real_name" or "former": templates style each differently.
    kind: str
    # For the author themselves and moderators, who posted an anonymous post.
    account_hint: str = ""


def shown_author(item: Post | Topic, actor: Actor) -> ShownAuthor:
    """The name others see for a post or a topic's starter."""
    author = item.author
    if author is None:
        return ShownAuthor(_("former member"), "former")
    if item.publish_as == PublishAs.ANONYMOUS:
        hint = ""
        if actor.member_id == author.id:
            hint = _("you")
        elif isinstance(item, Post) and can_see_account_behind(actor, item):
            hint = author.display_name
        return ShownAuthor(_("anonymous member"), "anonymous", hint)
    if item.publish_as == PublishAs.VERIFIED:
        hint = _("you") if actor.member_id == author.id else ""
        if not hint and isinstance(item, Post) and can_see_account_behind(actor, item):
            hint = author.display_name
        return ShownAuthor(_("verified member"), "verified", hint)
    if item.publish_as == PublishAs.REAL_NAME and author.real_name:
        return ShownAuthor(author.real_name, "real_name")
    return ShownAuthor(author.display_name, "pseudonym")
