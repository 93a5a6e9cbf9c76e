"""The absolute addresses federation hands out: actor ids, collections, ``acct:`` names.

Other servers keep these addresses for good, so they should not depend on how a request
happened to reach the forum. With ``CIVICFORUM_SITE_URL`` set they are made from it (as
the links in the forum's mail are); without it, from the request's own scheme and host,
which suits trying things out and sites behind a proxy that passes the host on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request, url_for

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
