"""Fetching what other servers publish (actors, their keys, objects), safely.

An address in an incoming activity is chosen by whoever sent it. Fetched carelessly, it
would make the forum's server ask its own network (a database's admin page, a cloud's
metadata service at 169.254.169.254) on a stranger's behalf: server-side request
forgery. So before anything is fetched, and again for every redirect:

- the scheme must be ``https`` (or ``http`` where the site allows it, for tests and
  development);
- the host must resolve, and every address it resolves to must be a public one (no
  loopback, private, link-local, multicast or reserved ranges), unless the site allows
  private addresses (a test peer on loopback; a federation inside one organisation);
- at most :data:`MAX_REDIRECTS` redirects, each checked the same way;
- the answer must be ActivityPub JSON, at most :data:`MAX_BYTES`, within
  :data:`TIMEOUT` seconds.

A name may resolve differently the moment the connection is made (DNS rebinding); that
window is small, and closing it needs a resolver the HTTP client is pinned to, which is
for the delivery work of a later part.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import requests


ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON}"
#: What a fetched document may weigh: actors and notes are a few kilobytes.
MAX_BYTES = 1024 * 1024
TIMEOUT = 10.0
MAX_REDIRECTS = 3


class FetchRefused(Exception):
    """An address that may not be fetched, or an answer that is not usable; ``reason``
    is a short word (``scheme``, ``address``, ``unresolvable``, ``redirects``,
    ``status``, ``type``, ``size``, ``json``, ``network``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    """What a site allows beyond the public internet over https."""

    allow_http: bool = False
    allow_private: bool = False


#: The default: public addresses over https only.
PUBLIC_ONLY = Policy()


def check_address(url: str, policy: Policy = PUBLIC_ONLY) -> None:
    """Refuse an address the forum must not fetch (see the module's documentation).

    :raises FetchRefused: with ``scheme``, ``address`` or ``unresolvable``.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused("address", f"Not an address: {url!r}.") from None
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise FetchRefused("scheme", f"Only {' and '.join(schemes)} addresses are fetched.")
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None:
        raise FetchRefused("address", f"Not an address to fetch: {url!r}.")
    try:
        found = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise FetchRefused("unresolvable", f"The host {host!r} cannot be found.") from None
    if policy.allow_private:
        return
    for _family, _type, _proto, _name, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global or ip.is_multicast:
            raise FetchRefused("address", f"The host {host!r} is on a private or reserved network.")


def fetch_json(
    url: str,
    *,
    policy: Policy = PUBLIC_ONLY,
    headers: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """The ActivityPub document at ``url``, checked as the module says.

    :param headers: more headers to send (a signature, made by the caller per address).
    :raises FetchRefused: when the address or the answer is refused.
    """
    import requests  # here, not at start: most web processes never fetch (~5 MiB)

    http = session or requests.Session()
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_address(current, policy)
        try:
            response = http.get(
                current,
                headers={"Accept": ACCEPT, **(headers or {})},
                timeout=TIMEOUT,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as error:
            raise FetchRefused("network", f"{current} could not be fetched: {error}.") from None
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = urljoin(current, location)
                continue
            return _document(response, current)
    raise FetchRefused("redirects", f"{url} redirects more than {MAX_REDIRECTS} times.")


def _document(response: requests.Response, url: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise FetchRefused("status", f"{url} answered {response.status_code}.")
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media not in (ACTIVITY_JSON, "application/ld+json"):
        raise FetchRefused("type", f"{url} is not ActivityPub JSON ({media or 'no type'}).")
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdecimal() and int(declared) > MAX_BYTES:
        raise FetchRefused("size", f"{url} is larger than {MAX_BYTES // 1024} kB.")
    body = b""
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > MAX_BYTES:
            raise FetchRefused("size", f"{url} is larger than {MAX_BYTES // 1024} kB.")
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchRefused("json", f"{url} is not JSON.") from None
    if not isinstance(document, dict):
        raise FetchRefused("json", f"{url} is not a JSON object.")
    return document
