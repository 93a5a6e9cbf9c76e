"""``/.well-known/webfinger``, ``/.well-known/nodeinfo`` and ``/.well-known/host-meta``:
how other servers find the forum's communities (and confirm the name of a member's Person).

These addresses are fixed at the root of the host's site, not under the forum's prefix,
so they cannot be routes of the forum's blueprint. The plugin adds them to the host's
app as a small blueprint of their own (``civicforum_federation_site``) when the forum
starts, only when the plugin is on. If the host app already has a route at one of these
paths, start-up stops with a :class:`~civicforum.ConfigError` naming it, rather than one
of the two silently winning. (A host route added *after* the forum starts cannot be
checked; Flask would then answer with the forum's.) NodeInfo's document itself lives
under the forum's prefix (``/forum/nodeinfo/2.1``): the site root gets no more than the
three addresses that must be there.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from ...errors import ConfigError
from ...extension import db_session
from ...i18n import gettext as _
from ...settings import PLUGINS_KEY
from . import addresses, documents, people, services, siteactor
from .responses import json_answer, problem

BLUEPRINT = "civicforum_federation_site"
PATHS = ("/.well-known/webfinger", "/.well-known/nodeinfo", "/.well-known/host-meta")
JRD = "application/jrd+json"
XRD = "application/xrd+xml"
# An acct: name is a slug and a host; anything much longer is not one.
MAX_RESOURCE = 512


def install(app: Flask) -> None:
    """Add the well-known addresses to ``app``.

    :raises ConfigError: when the host app already has a route at one of them.
    """
    for rule in app.url_map.iter_rules():
        if rule.rule in PATHS:
            raise ConfigError(
                PLUGINS_KEY,
                f"the federation plugin serves {rule.rule} at the site's root, but the host "
                f"app already has a route there (endpoint {rule.endpoint!r}); remove that "
                "route, or leave 'federation' out of the plugins",
            )
    bp = Blueprint(BLUEPRINT, __name__)
    bp.add_url_rule(PATHS[0], "webfinger", webfinger)
    bp.add_url_rule(PATHS[1], "nodeinfo", nodeinfo)
    bp.add_url_rule(PATHS[2], "host_meta", host_meta)
    app.register_blueprint(bp)


def webfinger() -> Response:
    """The JRD of ``acct:slug@host`` for a federated community, or of ``acct:TOKEN@host``
    for a member's Person (the token is its ``preferredUsername``: servers look it up to
    check that the name leads back to the actor); 404 for any other."""
    resource = request.args.get("resource", "").strip()
    if not resource:
        return problem(400, _("Say which account: ?resource=acct:name@host."))
    if len(resource) > MAX_RESOURCE or ":" not in resource:
        return problem(400, _("The resource is not an acct: name or a URL."))
    scheme, _colon, rest = resource.partition(":")
    if scheme.lower() in ("https", "http"):
        return _by_address(resource)
    if scheme.lower() != "acct":
        return problem(404, _("Only acct: names and addresses are looked up here."))
    user, at, account_host = rest.rpartition("@")
    if not at or not user or not account_host or "@" in user:
        return problem(400, _("An acct: name has the form acct:name@host."))
    if account_host.lower() == addresses.host():
        found = services.federated_community(db_session(), user)
        if found is not None:
            community, _actor = found
            return json_answer(documents.webfinger(resource, community), JRD)
        person = people.shown_person(db_session(), user)
        if person is not None:
            return json_answer(people.webfinger(resource, person), JRD)
        if user.lower() == siteactor.username():
            return json_answer(siteactor.webfinger(resource), JRD)
    return problem(404, _("There is no such federated community."))


def _by_address(resource: str) -> Response:
    """The JRD of a Group or Person asked by its actor id (some servers do), with its
    ``acct:`` name among the aliases."""
    found = addresses.local_endpoint(resource)
    if found is not None and found[0] == "civicforum.community":
        federated = services.federated_community(db_session(), str(found[1]["slug"]))
        if federated is not None and addresses.community_id(federated[0].slug) == resource:
            document = documents.webfinger(resource, federated[0])
            document["aliases"].append(f"acct:{federated[0].slug}@{addresses.host()}")
            return json_answer(document, JRD)
    if found is not None and found[0] == "civicforum.federation.person":
        person = people.shown_person(db_session(), str(found[1]["token"]))
        if person is not None and people.person_id(person) == resource:
            document = people.webfinger(resource, person)
            document["aliases"].append(f"acct:{person.token}@{addresses.host()}")
            return json_answer(document, JRD)
    return problem(404, _("There is no such federated community."))


def nodeinfo() -> Response:
    return json_answer(documents.nodeinfo_links(), "application/json")


def host_meta() -> Response:
    response = Response(documents.host_meta())
    response.headers["Content-Type"] = XRD
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
