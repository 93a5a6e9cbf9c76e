"""What a search may return for whom: the query is narrowed here to what the searcher may
read, before the index is asked; each hit shown is checked again with the rules of its
area (:func:`can_view_post`, :func:`can_view_item`, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..forum.models import Community
from .base import Actor, can_view_community, is_moderator
from .curation import is_editor


@dataclass(frozen=True)
class SearchScope:
    """Whose content a search may return.

    :param readable: communities whose published content the searcher may read.
    :param moderated: of those, where they also see held and hidden content.
    :param edited: of those, where they also see information not yet checked.
    :param member_id: the searcher, who also sees their own held and hidden content.
    """

    readable: frozenset[int]
    moderated: frozenset[int]
    edited: frozenset[int]
    member_id: int | None

    @property
    def is_empty(self) -> bool:
        return not self.readable


def search_scope(actor: Actor, communities: Iterable[Community]) -> SearchScope:
    """The scope of ``actor``'s search over ``communities`` (all there are, or the one
    searched in): the communities they may read, and where they moderate or edit."""
    readable = [c for c in communities if can_view_community(actor, c)]
    return SearchScope(
        readable=frozenset(c.id for c in readable),
        moderated=frozenset(c.id for c in readable if is_moderator(actor, c)),
        edited=frozenset(c.id for c in readable if is_editor(actor, c)),
        member_id=actor.member_id,
    )
