"""What the settings page's tokens section shows: the form for a new API token (with the
new token, once, right after it was made), the member's tokens, and their feed key with
the private addresses it makes.

A page that shows a token or a private address is marked so that no browser or proxy
keeps a copy (``Cache-Control: no-store``): see :func:`no_store_with_secrets`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Response, g, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from .. import clock, policy
from ..extension import db_session, state
from ..forum.models import Community, Membership, MembershipStatus, Visibility
from ..i18n import gettext as _
from ..identity.models import Member
from . import services
from .forms import ApiTokenForm, FeedKeyForm, RevokeForm
from .models import PersonalToken, TokenKind, TokenScope

#: Keys in ``flask.g`` for the request that made a token or submitted the form.
JUST_MADE = "_civicforum_new_token"
SUBMITTED_FORM = "_civicforum_token_form"
CONFIDENTIAL_PAGE = "_civicforum_secret_shown"


@dataclass(frozen=True)
class NewToken:
    """A token just made, and its secret: shown in this one response only."""

    token: PersonalToken
    secret: str


@dataclass(frozen=True)
class PrivateAddresses:
    """A members-only community's private feed and calendar addresses (None: the forum
    does not offer that kind of address here)."""

    community: Community
    feed: str | None
    calendar: str | None


@dataclass(frozen=True)
class TokensSection:
    form: ApiTokenForm
    new: NewToken | None
    tokens: list[PersonalToken]
    revoke_form: RevokeForm
    feed_form: FeedKeyForm
    has_feed_key: bool
    addresses: list[PrivateAddresses]
    at: dt.datetime

    def kind_label(self, token: PersonalToken) -> str:
        return _("Feed key") if token.kind == TokenKind.FEED else _("API token")

    def scope_label(self, token: PersonalToken) -> str:
        if token.kind == TokenKind.FEED:
            return _("Read your private feeds and calendars")
        return _("Read and post") if token.scope == TokenScope.POST else _("Read")

    def label(self, token: PersonalToken) -> str:
        """How the member knows the token: its name, or what it is."""
        return token.name or self.kind_label(token)


def _url(endpoint: str, **values: str) -> str | None:
    """An address of another area's page, or None while that page does not exist (the
    feeds are switched off, or the events plugin is)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except BuildError:
        return None


def private_addresses(member: Member, key: str) -> list[PrivateAddresses]:
    """For each members-only community the member is an active member of (and may read),
    its private Atom feed and calendar addresses with ``key``."""
    actor = state().identity.current_actor()
    communities = db_session().scalars(
        select(Community)
        .join(Membership, Membership.community_id == Community.id)
        .where(
            Membership.member_id == member.id,
            Membership.status == MembershipStatus.ACTIVE.value,
            Community.visibility != Visibility.PUBLIC.value,
        )
        .order_by(Community.name, Community.id)
    )
    events_on = "events" in state().settings.plugins
    found = []
    for community in communities:
        if not policy.can_view_community(actor, community):
            continue
        feed = _url("civicforum.private_community_feed", key=key, slug=community.slug)
        calendar = (
            _url("civicforum.events.private_calendar", key=key, slug=community.slug)
            if events_on
            else None
        )
        found.append(PrivateAddresses(community, feed, calendar))
    return found


def tokens_section(member: Member) -> TokensSection:
    """The section for ``member``, on whichever request renders the settings page."""
    db = db_session()
    new: NewToken | None = g.get(JUST_MADE)
    submitted: ApiTokenForm | None = g.get(SUBMITTED_FORM)
    # A form not submitted to this request starts empty, also when the page answers
    # another section's form.
    form = submitted if submitted is not None else ApiTokenForm(formdata=None)
    key = services.feed_secret(db, member, state().settings.secret_key)
    if new is not None or key is not None:
        g.setdefault(CONFIDENTIAL_PAGE, True)
    return TokensSection(
        form=form,
        new=new,
        tokens=services.member_tokens(db, member),
        revoke_form=RevokeForm(formdata=None),
        feed_form=FeedKeyForm(formdata=None),
        has_feed_key=key is not None,
        addresses=private_addresses(member, key) if key is not None else [],
        at=clock.now(),
    )


def no_store_with_secrets(response: Response) -> Response:
    """Keep a page with a token or a private address out of every cache."""
    if g.get(CONFIDENTIAL_PAGE):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
