"""A browser's part in a sign-in with the test provider, over plain HTTP.

The forum is driven with Flask's test client; the provider with a ``requests.Session``
that submits its HTML forms (account name, then consent) as a person would, and stops at
the provider's redirect back to the forum, which is then brought to the forum's callback
by the test client. See :mod:`tests.oidcpeer` for the provider itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PROVIDER_NAME = "voorbeeldid"


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict[str, str]
    submit: tuple[str, str] | None  # the first named submit button


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[HtmlForm] = []
        self._current: HtmlForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = HtmlForm(
                attributes.get("action", ""), attributes.get("method", "get").upper(), {}, None
            )
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "button") and "name" in attributes:
            kind = attributes.get("type", "submit" if tag == "button" else "text")
            if kind == "submit":
                if self._current.submit is None:
                    self._current.submit = (attributes["name"], attributes.get("value", ""))
            else:
                self._current.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def html_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def authorize(
    authorization_url: str, login: str = "alice", browser: requests.Session | None = None
) -> str:
    """Do a person's part at the provider: sign in as ``login``, consent, and return the
    address the provider sends the browser back to (not visited).

    :param browser: keeps the provider's cookies, e.g. to sign out there afterwards; a
        new one when not given.
    :raises AssertionError: when the provider shows something other than its forms.
    """
    if browser is None:
        with requests.Session() as own:
            return authorize(authorization_url, login, own)
    provider = _origin(authorization_url)
    method, url, data = "GET", authorization_url, None
    logged_in = False
    for _ in range(10):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if _origin(location) != provider:
                return location
            method, url, data = "GET", location, None
            continue
        forms = [f for f in html_forms(response.text) if f.method == "POST"]
        asks_login = bool(forms) and "login" in forms[0].fields
        assert not (logged_in and asks_login), f"the provider did not accept the account {login!r}"
        assert response.status_code == 200 and forms, (
            f"the provider answered {response.status_code} at {response.url}:\n{response.text}"
        )
        form = forms[0]
        data = dict(form.fields)
        if asks_login:
            data["login"], logged_in = login, True
        if form.submit is not None:
            data[form.submit[0]] = form.submit[1]
        method, url = "POST", urljoin(response.url, form.action)
    raise AssertionError(f"no way back from the provider after 10 steps (last: {url})")


def start_sign_in(client: FlaskClient, name: str = PROVIDER_NAME, next: str = "/forum/") -> str:
    """Ask the forum to sign in with provider ``name``; return where it sends the browser."""
    response = client.get(f"/forum/account/oidc/{name}/sign-in", query_string={"next": next})
    assert response.status_code == 302, (
        f"the forum's sign-in answered {response.status_code}:\n{response.get_data(as_text=True)}"
    )
    return response.headers["Location"]


def call_callback(client: FlaskClient, callback_url: str) -> TestResponse:
    """Bring the provider's answer to the forum, as the browser's redirect would."""
    parts = urlsplit(callback_url)
    return client.get(parts.path, query_string=parts.query)


def capture_callback_url(
    client: FlaskClient,
    provider_base: str,
    login: str = "alice",
    next: str = "/forum/",
    *,
    name: str = PROVIDER_NAME,
    browser: requests.Session | None = None,
) -> str:
    """A sign-in up to the provider's redirect back to the forum; return that URL unvisited
    (for replaying a code, or bringing it back with another state)."""
    authorization_url = start_sign_in(client, name, next)
    assert authorization_url.startswith(provider_base + "/"), (
        f"the forum sent the browser to {authorization_url}, not to {provider_base}"
    )
    return authorize(authorization_url, login, browser)


def sign_in_via_provider(
    client: FlaskClient,
    provider_base: str,
    login: str = "alice",
    next: str = "/forum/",
    *,
    name: str = PROVIDER_NAME,
    browser: requests.Session | None = None,
) -> TestResponse:
    """A whole sign-in: the forum's sign-in route, the provider's forms as ``login``, and
    the forum's callback; return the forum's answer to the callback.

    :param provider_base: where the forum should send the browser (``oidc_peer.url``).
    """
    return call_callback(
        client, capture_callback_url(client, provider_base, login, next, name=name, browser=browser)
    )


def finish_via_provider(
    client: FlaskClient,
    forum_redirect: TestResponse,
    login: str = "alice",
    *,
    browser: requests.Session | None = None,
) -> TestResponse:
    """Continue a flow the forum started with a redirect to the provider (e.g. the answer
    to the "link" form on the settings page); return the forum's answer to the callback."""
    assert forum_redirect.status_code == 302, (
        f"expected the forum's redirect to the provider, got {forum_redirect.status_code}"
    )
    return call_callback(client, authorize(forum_redirect.headers["Location"], login, browser))


def sign_out_at_provider(end_session_url: str, browser: requests.Session | None = None) -> str:
    """Confirm the sign-out at the provider's end-session page; return where it sends the
    browser next (the forum's post-logout address, unvisited, or its own "signed out" page)."""
    if browser is None:
        with requests.Session() as own:
            return sign_out_at_provider(end_session_url, own)
    page = browser.get(end_session_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, f"end_session answered {page.status_code}:\n{page.text}"
    forms = html_forms(page.text)
    assert forms, f"no sign-out form at the provider:\n{page.text}"
    form = forms[0]
    data = dict(form.fields)
    if form.submit is not None:
        data[form.submit[0]] = form.submit[1]
    done = browser.post(
        urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=10
    )
    if done.is_redirect:
        location: str = urljoin(done.url, done.headers["Location"])
        if _origin(location) != _origin(end_session_url):
            return location
        return str(browser.get(location, timeout=10).url)
    return str(done.url)
