"""Sign-in through an institution's identity provider with OpenID Connect.

A strict client: authorization code flow with PKCE (S256), a fresh ``state`` and
``nonce`` per attempt, and an ID token whose signature, issuer, audience, nonce and
times are all checked (with a bounded clock skew) before anything is written. Of the
claims, only what the configured rules derive is kept: an identity level and named
attributes. Raw claims, names, e-mail addresses and national identifiers are never stored.

Authlib's OAuth 2 session does the protocol (PKCE, the code exchange); joserfc, from the
same author, verifies the ID token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..settings import OidcProvider
from .models import IdentityLevel

# requests (~5 MiB a process) is imported by what talks to a provider, as Authlib is.
if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.jwk import KeySet

# How long discovery documents and signing keys are trusted before being fetched again.
METADATA_TTL = 3600
SIGNING_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered too slowly or with nonsense."""

    def __init__(self, message: str, slow: bool = False) -> None:
        super().__init__(message)
        self.slow = slow


class SignInRefused(Exception):
    """The sign-in cannot be trusted (wrong state, refused code, invalid ID token)."""


@dataclass(frozen=True)
class Pending:
    """What the forum remembers between sending someone to the provider and their return."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str
    link: bool

    def to_session(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_session(cls, data: Any) -> Pending | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


@dataclass(frozen=True)
class VerifiedIdentity:
    """What the forum keeps from a successful sign-in: nothing more."""

    provider: str
    subject: str
    level: IdentityLevel | None
    attributes: frozenset[str]


class _Cache:
    """Discovery documents and key sets, per URL, for METADATA_TTL seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, url: str, fetch: Any) -> Any:
        with self._lock:
            hit = self._items.get(url)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        value = fetch()
        with self._lock:
            self._items[url] = (time.monotonic() + METADATA_TTL, value)
        return value

    def forget(self, url: str) -> None:
        with self._lock:
            self._items.pop(url, None)


class OidcClient:
    """The forum's client for its configured providers (one per app)."""

    def __init__(self, clock_skew: int) -> None:
        self.clock_skew = clock_skew
        self._cache = _Cache()

    # -- fetching from the provider ----------------------------------------------------
    def _get_json(self, provider: OidcProvider, url: str) -> dict[str, Any]:
        import requests

        try:
            response = requests.get(url, timeout=provider.timeout)
            response.raise_for_status()
            data = response.json()
        except requests.Timeout as error:
            raise ProviderUnavailable(
                f"{url}: no answer within {provider.timeout} s", slow=True
            ) from error
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(f"{url}: {error}") from error
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"{url}: expected a JSON object")
        return data

    def metadata(self, provider: OidcProvider) -> dict[str, Any]:
        data: dict[str, Any] = self._cache.get(
            provider.discovery_url, lambda: self._get_json(provider, provider.discovery_url)
        )
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(key), str):
                self._cache.forget(provider.discovery_url)
                raise ProviderUnavailable(f"discovery document lacks {key}")
        return data

    def _keys(self, provider: OidcProvider, refresh: bool = False) -> KeySet:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        uri = self.metadata(provider)["jwks_uri"]
        if refresh:
            self._cache.forget(uri)
        try:
            keys: KeySet = self._cache.get(
                uri,
                lambda: KeySet.import_key_set(self._get_json(provider, uri)),  # type: ignore[arg-type]
            )
        except (JoseError, ValueError, TypeError, KeyError) as error:
            self._cache.forget(uri)
            raise ProviderUnavailable(f"unusable signing keys: {error}") from error
        return keys

    # -- the two legs of the flow ------------------------------------------------------
    def start(
        self, provider: OidcProvider, redirect_uri: str, next_url: str, link: bool
    ) -> tuple[str, Pending]:
        """The URL to send the browser to, and what to remember until it comes back."""
        endpoint = self.metadata(provider)["authorization_endpoint"]
        pending = Pending(
            provider=provider.name,
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(48),
            redirect_uri=redirect_uri,
            next=next_url,
            link=link,
        )
        session = self._session(provider, redirect_uri)
        url, _state = session.create_authorization_url(
            endpoint, state=pending.state, code_verifier=pending.code_verifier, nonce=pending.nonce
        )
        return str(url), pending

    def finish(
        self,
        provider: OidcProvider,
        pending: Pending,
        state: str,
        code: str,
        iss: str | None = None,
    ) -> VerifiedIdentity:
        """Exchange the code and verify the ID token; derive level and attributes.

        :param iss: the ``iss`` the provider added to its answer (RFC 9207), if it did; it
            must name this provider, so an answer from another one is never taken for it.

        :raises SignInRefused: on a state mismatch, a refused code or an invalid token.
        :raises ProviderUnavailable: when the provider cannot be reached in time.
        """
        # Authlib and joserfc are loaded by a sign-in, not by every web process at start.
        from authlib.integrations.base_client.errors import OAuthError
        from authlib.oauth2.rfc6749.errors import OAuth2Error
        from requests import RequestException, Timeout

        if not state or not hmac.compare_digest(state, pending.state):
            raise SignInRefused("the state does not match this sign-in")
        if not code:
            raise SignInRefused("the provider sent no code")
        metadata = self.metadata(provider)
        if iss is not None and iss != metadata["issuer"]:
            raise SignInRefused("the answer names another issuer")
        session = self._session(provider, pending.redirect_uri)
        try:
            token = session.fetch_token(
                metadata["token_endpoint"],
                code=code,
                code_verifier=pending.code_verifier,
                timeout=provider.timeout,
            )
        except Timeout as error:
            raise ProviderUnavailable(
                "the token endpoint did not answer in time", slow=True
            ) from error
        except RequestException as error:
            raise ProviderUnavailable(
                f"the token endpoint could not be reached: {error}"
            ) from error
        except (OAuth2Error, OAuthError, ValueError) as error:
            # Authlib's requests session raises OAuthError (not an OAuth2Error) for an
            # error answer such as invalid_grant: a used, expired or stolen code.
            raise SignInRefused(f"the provider refused the code: {error}") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("the provider sent no ID token")
        claims = self._verify(provider, metadata["issuer"], id_token, pending.nonce)
        return derive(provider, claims)

    def end_session_url(self, provider: OidcProvider, post_logout_redirect_uri: str) -> str | None:
        """The provider's sign-out address, if it has one (RP-initiated logout)."""
        try:
            endpoint = self.metadata(provider).get("end_session_endpoint")
        except ProviderUnavailable:
            return None
        if not isinstance(endpoint, str):
            return None
        query = urlencode(
            {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    # -- checks ------------------------------------------------------------------------
    def _session(self, provider: OidcProvider, redirect_uri: str) -> OAuth2Session:
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope=provider.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
        )

    def _verify(
        self, provider: OidcProvider, issuer: str, id_token: str, nonce: str
    ) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            try:
                decoded = jwt.decode(id_token, self._keys(provider), algorithms=SIGNING_ALGORITHMS)
            except JoseError:
                # The provider may have rotated its keys since they were fetched.
                decoded = jwt.decode(
                    id_token, self._keys(provider, refresh=True), algorithms=SIGNING_ALGORITHMS
                )
            registry = jwt.JWTClaimsRegistry(
                leeway=self.clock_skew,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": provider.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as error:
            raise SignInRefused(f"the ID token is not valid: {error}") from error
        claims = dict(decoded.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != provider.client_id:
            raise SignInRefused("the ID token was issued to another party (azp)")
        iat = claims["iat"]
        if not isinstance(iat, int | float) or iat > time.time() + self.clock_skew:
            raise SignInRefused("the ID token claims to be issued in the future")
        return claims


def derive(provider: OidcProvider, claims: dict[str, Any]) -> VerifiedIdentity:
    """Turn claims into the only things kept: a level and attribute names."""
    level: IdentityLevel | None = None
    for claim, values in provider.levels.items():
        value = claims.get(claim)
        found = values.get(value) if isinstance(value, str) else None
        if found is not None:
            candidate = IdentityLevel.from_name(found)
            level = candidate if level is None or candidate > level else level
    attributes = set()
    for rule in provider.attributes:
        value = claims.get(rule.claim)
        held = value if isinstance(value, list) else [value]
        if rule.value in held:
            attributes.add(rule.key)
    return VerifiedIdentity(provider.name, str(claims["sub"]), level, frozenset(attributes))
