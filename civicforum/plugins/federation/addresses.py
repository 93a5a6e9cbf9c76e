"""The absolute addresses federation hands out: actor ids, collections, ``acct:`` names.

Other servers keep these addresses for good, so they should not depend on how a request
happened to reach the forum. With ``CIVICFORUM_SITE_URL`` set they are made from it (as
the links in the forum's mail are); without it, from the request's own scheme and host,
which suits trying things out and sites behind a proxy that passes the host on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from ...extension import state


def absolute(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint``, on the site's public address when it is set."""
    site_url = state().settings.site_url
    if site_url is None:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    # url_for's path starts with where the app is mounted; the site's address has it.
    return site_url + path[len(request.script_root) :]


def host() -> str:
    """The host in ``acct:slug@host`` names: the site's public one, or the request's."""
    site_url = state().settings.site_url
    if site_url is None:
        return request.host.lower()
    return urlsplit(site_url).netloc.lower()


def community_id(slug: str) -> str:
    """The Group actor's id: the community page's own URL."""
    return absolute("civicforum.community", slug=slug)


def collection(slug: str, name: str) -> str:
    """One of the Group's collections (``inbox``, ``outbox``, ``followers``, ``moderators``)."""
    return absolute(f"civicforum.federation.{name}", slug=slug)


def site_base() -> str:
    """Where the forum's app is on the web: the site's public address, or the request's."""
    site_url = state().settings.site_url
    if site_url is not None:
        return site_url.rstrip("/")
    return (request.host_url.rstrip("/") + request.script_root).rstrip("/")


def local_endpoint(uri: str) -> tuple[str, dict[str, Any]] | None:
    """The forum's own endpoint and view arguments that ``uri`` names, when it is one of
    the forum's addresses (a Group, a topic, a post); None for anything else."""
    base = site_base()
    if not uri.startswith(base + "/"):
        return None
    path = urlsplit(uri[len(base) :]).path
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint), dict(values)
