"""A real OpenID Connect provider for the sign-in tests, and a proxy that can lie for it.

- The provider is node-oidc-provider (``tests/oidc/provider/server.mjs``), started once per
  test session on 127.0.0.1 with a signing key made here, so tests can sign tokens too.
- A :class:`~tests.oidcproxy.TamperingProxy` stands in front of it. The forum is
  configured with the proxy's discovery URL; the proxy forwards everything, and on demand
  spoils the ID token in the token endpoint's answer, answers too late, or stops listening.
- The driver (:func:`~tests.oidcdriver.sign_in_via_provider` and the smaller steps it is
  made of) walks a sign-in as a browser would: the forum's redirect, the provider's HTML
  forms, and back. Its functions can be imported from here too.

``tests/conftest.py`` loads this module as a plugin, which brings the fixtures
``oidc_peer`` (function scope: the proxy back to passing everything through, records
emptied) and ``oidc_peer_session`` (the provider, started on first use). When a test
using ``oidc_peer`` fails, its report includes what the provider logged and what went
through the proxy during that test. ::

    @pytest.fixture
    def app_config(oidc_peer: OidcPeer) -> dict[str, Any]:
        return oidc_peer.forum_config(timeout=1)

    def test_sign_in(client: FlaskClient, oidc_peer: OidcPeer) -> None:
        response = sign_in_via_provider(client, oidc_peer.url, "alice", next="/forum/")
        assert response.status_code == 302
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from joserfc.jwk import RSAKey

from .oidcdriver import (
    PROVIDER_NAME,
    authorize,
    call_callback,
    capture_callback_url,
    finish_via_provider,
    html_forms,
    sign_in_via_provider,
    sign_out_at_provider,
    start_sign_in,
)
from .oidcproxy import (
    DISCOVERY_PATH,
    TOKEN_MODES,
    TamperingProxy,
    TokenMode,
    free_port,
    http_request,
    make_signing_key,
    token_parts,
)

__all__ = [
    "ACCOUNTS",
    "CLOCK_SKEW",
    "PROVIDER_NAME",
    "TOKEN_MODES",
    "OidcPeer",
    "TamperingProxy",
    "TokenMode",
    "authorize",
    "call_callback",
    "capture_callback_url",
    "finish_via_provider",
    "forum_urls",
    "free_port",
    "html_forms",
    "make_signing_key",
    "running_peer",
    "sign_in_via_provider",
    "sign_out_at_provider",
    "start_sign_in",
    "token_parts",
]

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc" / "provider"
CLIENT_ID = "civicforum"
CLOCK_SKEW = 60

# alice has a verified identity and is a member of the patients' association; bob has
# an account and nothing more.
ACCOUNTS: dict[str, dict[str, str]] = {
    "alice": {"assurance": "substantial", "membership": "patientenvereniging"},
    "bob": {},
}


def forum_urls(site: str, name: str = PROVIDER_NAME, prefix: str = "/forum") -> tuple[str, str]:
    """The callback and the post-logout address the forum at ``site`` uses for a provider."""
    base = site.rstrip("/") + prefix
    return f"{base}/account/oidc/{name}/callback", f"{base}/account/oidc/signed-out"


# -- the provider process ----------------------------------------------------------------


class ProviderStartError(RuntimeError):
    """The provider could not be installed or started; the message says why."""


def install_provider() -> None:
    """Install the provider's npm packages from package-lock.json, when they are missing."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ProviderStartError(
            "The OpenID Connect tests need the npm package oidc-provider, and npm is not "
            f"installed. Install Node.js 20 or newer with npm; the tests then run `npm ci` in {PROVIDER_DIR}."
        )
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=PROVIDER_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise ProviderStartError(
            f"`npm ci` in {PROVIDER_DIR} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@dataclass
class ClientRegistration:
    """The forum as the provider knows it: one confidential client."""

    client_id: str = CLIENT_ID
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    # What Authlib's OAuth2Session uses unless told otherwise.
    token_endpoint_auth_method: str = "client_secret_basic"

    def allow_site(self, site: str, name: str = PROVIDER_NAME, prefix: str = "/forum") -> bool:
        """Register a forum's callback and post-logout addresses; False if known already."""
        callback, signed_out = forum_urls(site, name, prefix)
        new = callback not in self.redirect_uris or signed_out not in self.post_logout_redirect_uris
        if callback not in self.redirect_uris:
            self.redirect_uris.append(callback)
        if signed_out not in self.post_logout_redirect_uris:
            self.post_logout_redirect_uris.append(signed_out)
        return new

    def as_json(self) -> str:
        return json.dumps(self.__dict__)


def start_provider(
    *,
    port: int,
    client: ClientRegistration,
    accounts: dict[str, dict[str, str]],
    signing_key: RSAKey,
    log: IO[bytes],
    title: str = "Voorbeeld-ID",
    timeout: float = 20.0,
) -> subprocess.Popen[bytes]:
    """Start the provider on 127.0.0.1:``port`` and wait until its discovery answers.

    It stops by itself when this process ends (it watches the pipe on its stdin).

    :raises ProviderStartError: when node is missing or the provider does not come up.
    """
    install_provider()
    node = shutil.which("node")
    if node is None:
        raise ProviderStartError("The OpenID Connect tests need Node.js 20 or newer (`node`).")
    env = {
        **os.environ,
        "OIDC_PROVIDER_PORT": str(port),
        "OIDC_PROVIDER_CLIENT": client.as_json(),
        "OIDC_PROVIDER_ACCOUNTS": json.dumps(accounts),
        "OIDC_PROVIDER_JWKS": json.dumps({"keys": [signing_key.as_dict(private=True)]}),
        "OIDC_PROVIDER_TITLE": title,
        "OIDC_PROVIDER_WATCH_STDIN": "1",
    }
    process = subprocess.Popen(
        [node, "server.mjs"],
        cwd=PROVIDER_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ProviderStartError(
                f"the provider exited with {process.returncode}; see {log.name}"
            )
        try:
            status, _headers, _body = http_request(
                "GET", "127.0.0.1", port, DISCOVERY_PATH, timeout=1
            )
            if status == 200:
                return process
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_provider(process)
            raise ProviderStartError(
                f"the provider did not answer within {timeout} s; see {log.name}"
            )
        time.sleep(0.05)


def stop_provider(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- provider and proxy together ---------------------------------------------------------


class OidcPeer:
    """The running provider, its proxy, and what the forum needs to be configured with.

    ``url`` is the proxy's address (what the forum and the browser talk to); ``issuer``
    is the provider's own address, which its tokens name as their issuer.
    """

    def __init__(
        self,
        directory: Path,
        *,
        accounts: dict[str, dict[str, str]] | None = None,
        sites: Sequence[str] = ("http://localhost",),
    ) -> None:
        self.accounts = dict(ACCOUNTS if accounts is None else accounts)
        self.signing_key = make_signing_key()
        self.client = ClientRegistration()
        for site in sites:
            self.client.allow_site(site)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "oidc-provider.log"
        self._log = self.log_path.open("ab")
        self._process: subprocess.Popen[bytes] | None = None
        self.proxy = TamperingProxy(self.port, self.issuer, self.signing_key)

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def discovery_url(self) -> str:
        return self.proxy.url + DISCOVERY_PATH

    @property
    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.signing_key.as_dict(private=False)]}

    def start(self) -> None:
        self._process = start_provider(
            port=self.port,
            client=self.client,
            accounts=self.accounts,
            signing_key=self.signing_key,
            log=self._log,
        )
        self.proxy.up()

    def stop(self) -> None:
        self.proxy.down()
        if self._process is not None:
            stop_provider(self._process)
            self._process = None
        self._log.close()

    def allow_site(self, site: str, name: str = PROVIDER_NAME, prefix: str = "/forum") -> None:
        """Let a forum served at ``site`` (e.g. ``http://127.0.0.1:5123``) use the provider.

        The provider only knows its client's addresses from its start, so a new site
        restarts it (about half a second; sign-ins under way at that moment are lost).
        """
        if self.client.allow_site(site, name, prefix) and self._process is not None:
            stop_provider(self._process)
            self._process = None
            self.start()

    def provider_settings(self, **overrides: Any) -> dict[str, Any]:
        """One entry of ``CIVICFORUM_OIDC_PROVIDERS`` for this provider, via the proxy."""
        settings: dict[str, Any] = {
            "title": "Voorbeeld-ID",
            "discovery_url": self.discovery_url,
            "client_id": self.client.client_id,
            "client_secret": self.client.client_secret,
            "scope": "openid",
            "timeout": 5,
            "levels": {"assurance": {"substantial": "verified", "high": "verified"}},
            "attributes": {
                "patient-member": {
                    "claim": "membership",
                    "value": "patientenvereniging",
                    "label_nl": "geverifieerd lid van de Patiëntenvereniging",
                    "label_en": "verified member of the Patients' Association",
                }
            },
        }
        settings.update(overrides)
        return settings

    def forum_config(self, name: str = PROVIDER_NAME, **overrides: Any) -> dict[str, Any]:
        """The forum's configuration keys for signing in with this provider.

        :param overrides: replace keys of the provider's entry, e.g. ``timeout=1``.
        """
        return {
            "CIVICFORUM_OIDC_PROVIDERS": {name: self.provider_settings(**overrides)},
            "CIVICFORUM_OIDC_CLOCK_SKEW": CLOCK_SKEW,
        }

    def log_text(self, since: int = 0) -> str:
        self._log.flush()
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def log_size(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size


@contextlib.contextmanager
def running_peer(directory: Path, **options: Any) -> Iterator[OidcPeer]:
    """A started :class:`OidcPeer`, stopped afterwards. Options as for :class:`OidcPeer`."""
    peer = OidcPeer(directory, **options)
    try:
        peer.start()
        yield peer
    finally:
        peer.stop()


_LOG_START = pytest.StashKey[tuple[OidcPeer, int]]()


@pytest.fixture(scope="session")
def oidc_peer_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcPeer]:
    """The provider and its proxy, started once for the whole test session."""
    try:
        with running_peer(tmp_path_factory.mktemp("oidc")) as peer:
            yield peer
    except ProviderStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def oidc_peer(oidc_peer_session: OidcPeer, request: pytest.FixtureRequest) -> OidcPeer:
    """The session's provider, with its proxy passing everything through again."""
    oidc_peer_session.proxy.reset()
    request.node.stash[_LOG_START] = (oidc_peer_session, oidc_peer_session.log_size())
    return oidc_peer_session


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    started = item.stash.get(_LOG_START, None)
    if started is not None and report.failed:
        peer, since = started
        report.sections.append(("oidc provider log", peer.log_text(since)))
        report.sections.append(("oidc proxy", peer.proxy.describe()))
    return report
