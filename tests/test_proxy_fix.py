"""Behind a reverse proxy: ``X-Forwarded-*`` is believed only as far as
``CIVICFORUM_PROXY_FIX`` says, so each visitor keeps their own rate limit and nobody can
escape theirs by writing the header themselves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.middleware.proxy_fix import ProxyFix

from civicforum import CivicForum, ConfigError
from civicforum.forum.models import Community

from .conftest import make_host_app

COMMUNITIES = "/forum/api/v1/communities"
#: The address every request comes from when the site is behind its proxy.
PROXY = {"REMOTE_ADDR": "10.0.0.2"}
TWO_A_MINUTE = {"CIVICFORUM_API_RATE_LIMIT": "2 per minute"}
BEHIND_ONE_PROXY = {**TWO_A_MINUTE, "CIVICFORUM_PROXY_FIX": 1}


def statuses(client: FlaskClient, *forwarded_for: str) -> list[int]:
    """The answers to one API request through the proxy per ``X-Forwarded-For`` value."""
    return [
        client.get(COMMUNITIES, headers={"X-Forwarded-For": value}, environ_base=PROXY).status_code
        for value in forwarded_for
    ]


@pytest.mark.parametrize("app_config", [TWO_A_MINUTE])
def test_without_the_setting_a_forged_forwarded_for_cannot_escape_a_limit(
    client: FlaskClient,
) -> None:
    assert statuses(client, "198.51.100.1", "198.51.100.2", "198.51.100.3") == [200, 200, 429]
    # The refusal holds for whatever address the header claims next.
    assert statuses(client, "203.0.113.9") == [429]


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY])
def test_behind_one_proxy_each_visitor_has_a_limit_of_their_own(client: FlaskClient) -> None:
    assert statuses(client, "198.51.100.1", "198.51.100.1", "198.51.100.1") == [200, 200, 429]
    answer = client.get(
        COMMUNITIES, headers={"X-Forwarded-For": "198.51.100.2"}, environ_base=PROXY
    )
    assert answer.status_code == 200
    assert answer.headers["RateLimit"].endswith(";r=1;t=60")


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY])
def test_entries_a_visitor_adds_in_front_of_the_proxys_are_not_believed(
    client: FlaskClient,
) -> None:
    # The proxy appends the address it saw; what the visitor wrote before it is theirs.
    assert statuses(
        client,
        "192.0.2.1, 198.51.100.1",
        "192.0.2.2, 198.51.100.1",
        "192.0.2.3, 192.0.2.4, 198.51.100.1",
    ) == [200, 200, 429]


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY])
def test_links_get_the_public_scheme_and_host_the_proxy_passes_on(
    client: FlaskClient, make_community: Callable[..., Community]
) -> None:
    make_community("leesclub")
    public = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bibliotheek.example"}
    answer = client.get(
        COMMUNITIES, headers={"X-Forwarded-For": "198.51.100.1", **public}, environ_base=PROXY
    )
    assert answer.json is not None
    links = answer.json["items"][0]["links"]
    assert links["html"] == "https://bibliotheek.example/forum/c/leesclub/"


@pytest.mark.parametrize(
    "app_config", [{**TWO_A_MINUTE, "CIVICFORUM_PROXY_FIX": {"for": 1, "proto": 1}}]
)
def test_a_header_the_proxy_does_not_set_is_left_as_the_request_has_it(
    client: FlaskClient, make_community: Callable[..., Community]
) -> None:
    make_community("leesclub")
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "elsewhere.example"}
    answer = client.get(
        COMMUNITIES, headers={"X-Forwarded-For": "198.51.100.1", **forged}, environ_base=PROXY
    )
    assert answer.json is not None
    assert answer.json["items"][0]["links"]["html"] == "https://localhost/forum/c/leesclub/"
    assert statuses(client, "198.51.100.2", "198.51.100.2") == [200, 200]


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY])
def test_the_setting_wraps_the_hosts_whole_app(app: Flask) -> None:
    # Added after start-up so as not to disturb the forum's routes; the host's own pages
    # see the visitor's address too, as the README says.
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
    answer = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base=PROXY
    )
    assert answer.text == "198.51.100.7"


@pytest.mark.parametrize(
    ("value", "key", "expectation"),
    [
        (-1, "CIVICFORUM_PROXY_FIX", "number of proxies"),
        ("1", "CIVICFORUM_PROXY_FIX", "number of proxies"),
        (True, "CIVICFORUM_PROXY_FIX", "number of proxies"),
        (6, "CIVICFORUM_PROXY_FIX", "0 to 5"),
        ([1], "CIVICFORUM_PROXY_FIX", "number of proxies"),
        ({"for": -1}, "CIVICFORUM_PROXY_FIX['for']", "from 0 to 5"),
        ({"for": "1"}, "CIVICFORUM_PROXY_FIX['for']", "whole number"),
        ({"client": 1}, "CIVICFORUM_PROXY_FIX['client']", "for, proto, host"),
    ],
)
def test_a_wrong_value_stops_start_up_naming_the_key(
    tmp_path: Path, value: Any, key: str, expectation: str
) -> None:
    host = make_host_app("sqlite://", tmp_path, CIVICFORUM_PROXY_FIX=value)
    original = host.wsgi_app
    with pytest.raises(ConfigError) as error:
        CivicForum(host)
    assert error.value.key == key
    assert str(error.value).startswith(key)
    assert expectation in str(error.value)
    assert "civicforum" not in host.extensions
    assert host.wsgi_app == original


def test_a_host_that_has_its_own_proxy_fix_is_told_to_leave_the_setting_out(
    tmp_path: Path,
) -> None:
    host = make_host_app("sqlite://", tmp_path, CIVICFORUM_PROXY_FIX=1)
    host.wsgi_app = ProxyFix(host.wsgi_app)  # type: ignore[method-assign]
    with pytest.raises(ConfigError) as error:
        CivicForum(host)
    assert error.value.key == "CIVICFORUM_PROXY_FIX"
    assert "ProxyFix already" in str(error.value)


def test_zero_trusts_nothing_and_leaves_the_app_as_it_was(tmp_path: Path) -> None:
    host = make_host_app("sqlite://", tmp_path, CIVICFORUM_PROXY_FIX=0)
    original = host.wsgi_app
    CivicForum(host)
    host.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
    answer = host.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base=PROXY
    )
    assert answer.text == "10.0.0.2"
    assert host.wsgi_app == original
    host.extensions["civicforum"].engine.dispose()
