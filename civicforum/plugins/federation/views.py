"""Federation's addresses under the forum's prefix: the Group's collections, its inbox,
the shared inbox, NodeInfo, and the Group itself by content negotiation on the
community page.

Receiving is :mod:`.inbox`'s; the collections publish nothing of who follows or what
came in (see docs/federation.md).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from ...blueprint import takes_json
from ...extension import db_session, state
from ...forum.models import Community
from ...i18n import gettext as _
from . import addresses, documents, queries, services, siteactor
from .models import FederationActor
from .negotiation import choose
from .responses import activity, json_answer, problem

COLLECTIONS = ("outbox", "followers", "moderators")
NODEINFO_TYPE = f'application/json; profile="{documents.NODEINFO_SCHEMA}#"'


def make_blueprint() -> Blueprint:
    bp = Blueprint("federation", __name__)
    for name in COLLECTIONS:
        bp.add_url_rule(f"/c/<slug>/{name}", name, _collection_view(name))
    bp.add_url_rule("/c/<slug>/inbox", "inbox", inbox, methods=["GET", "POST"])
    bp.add_url_rule("/inbox", "shared_inbox", shared_inbox, methods=["POST"])
    bp.add_url_rule("/nodeinfo/2.1", "nodeinfo", nodeinfo)
    bp.add_url_rule("/ap/site", "site_actor", siteactor.view)
    bp.add_url_rule("/ap/site/outbox", "site_outbox", siteactor.outbox)
    return bp


def federated(slug: str) -> tuple[Community, FederationActor] | None:
    """The community and its actor when the community is federated now."""
    return services.federated_community(db_session(), slug)


def not_federated() -> Response:
    return problem(404, _("There is no such federated community."))


def _collection_view(name: str) -> Callable[[str], Response]:
    def view(slug: str) -> Response:
        if federated(slug) is None:
            return not_federated()
        return activity(documents.empty_collection(addresses.collection(slug, name)))

    view.__name__ = name
    return view


@takes_json
def inbox(slug: str) -> Response:
    if request.method == "POST":
        from .inbox import community_inbox

        return community_inbox(slug)
    if federated(slug) is None:
        return not_federated()
    # What a community received is not published: its inbox reads as empty.
    return activity(documents.empty_collection(addresses.collection(slug, "inbox")))


@takes_json
def shared_inbox() -> Response:
    from .inbox import shared_inbox as receive

    return receive()


def nodeinfo() -> Response:
    counts = queries.usage(db_session())
    document = documents.nodeinfo(
        users=counts.users,
        posts=counts.posts,
        comments=counts.comments,
        open_registrations=state().settings.local_accounts,
    )
    return json_answer(document, NODEINFO_TYPE)


def answer_as_actor() -> Response | None:
    """Before the community page: the Group actor, for a request that asks for it.

    A community that is not federated answers its normal page; a request that will take
    nothing but ActivityPub gets 406 instead, since the page is not what it can read.
    """
    if request.endpoint != "civicforum.community" or request.method not in ("GET", "HEAD"):
        return None
    choice = choose(request.headers.get("Accept", ""))
    if choice.media_type is None:
        return None
    slug = (request.view_args or {}).get("slug", "")
    found = federated(slug)
    if found is None:
        if choice.html_acceptable:
            return None
        response = problem(406, _("This community is not federated; only its page is here."))
        response.vary.add("Accept")
        return response
    community, actor = found
    return activity(documents.group(community, actor), choice.media_type)


def vary_on_accept(response: Response) -> Response:
    """The community page's answer depends on ``Accept``: say so to caches."""
    if request.endpoint == "civicforum.community":
        response.vary.add("Accept")
    return response
