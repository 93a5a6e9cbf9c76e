"""The checkers that read one ``CIVICFORUM_*`` value each into its typed form.

Each takes the key and the raw value and returns the value, or raises
:class:`~civicforum.errors.ConfigError` naming the key; :mod:`civicforum.settings` pairs
them with keys, defaults and documentation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from .errors import ConfigError

LANGUAGES = ("nl", "en")
IDENTITY_LEVELS = ("registered", "confirmed", "verified")


def text(min_length: int = 1) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or len(value.strip()) < min_length:
            raise ConfigError(
                key, f"expected text of at least {min_length} characters, got {value!r}"
            )
        return value

    return check


def secret(key: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) < 32:
        raise ConfigError(
            key,
            "expected a random secret of at least 32 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')",
        )
    return value


def optional_text(key: str, value: Any) -> str | None:
    if value is None:
        return None
    return text()(key, value)


def whole(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(key, f"expected a whole number from {low} to {high}, got {value!r}")
        return value

    return check


def flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected True or False, got {value!r}")
    return value


def one_of(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return check


def languages(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise ConfigError(key, f"expected a non-empty list of language codes, got {value!r}")
    unknown = [code for code in value if code not in LANGUAGES]
    if unknown:
        raise ConfigError(key, f"expected languages from {', '.join(LANGUAGES)}, got {unknown!r}")
    return tuple(value)


def timezone(key: str, value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            key, f"expected an IANA time zone such as 'Europe/Amsterdam', got {value!r}"
        ) from None
    return str(value)


def rate_limit(key: str, value: Any) -> str:
    try:
        parse_many(value)
    except (ValueError, TypeError):
        raise ConfigError(
            key, f"expected a rate such as '5 per 15 minutes', got {value!r}"
        ) from None
    return str(value)


_PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class AttributeRule:
    """A claim value that earns a member an attribute, e.g. "verified member of ..."."""

    key: str
    claim: str
    value: str
    label_nl: str
    label_en: str


@dataclass(frozen=True)
class OidcProvider:
    """One identity provider, as configured; see ``CIVICFORUM_OIDC_PROVIDERS``."""

    name: str
    title: str
    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str
    timeout: int
    # claim -> claim value -> identity level name
    levels: Mapping[str, Mapping[str, str]]
    attributes: tuple[AttributeRule, ...]


def oidc_providers(key: str, value: Any) -> tuple[OidcProvider, ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected a mapping of provider name to settings, got {value!r}")
    providers = []
    for name, raw in value.items():
        where = f"{key}[{name!r}]"
        if not isinstance(name, str) or not _PROVIDER_NAME.match(name):
            raise ConfigError(
                key, f"provider name {name!r}: use lower-case letters, digits and hyphens"
            )
        if not isinstance(raw, Mapping):
            raise ConfigError(
                where, "expected a mapping with title, discovery_url, client_id, client_secret"
            )
        unknown = set(raw) - {
            "title",
            "discovery_url",
            "client_id",
            "client_secret",
            "scope",
            "timeout",
            "levels",
            "attributes",
        }
        if unknown:
            raise ConfigError(f"{where}[{sorted(unknown)[0]!r}]", "is not a provider setting")
        for required in ("title", "discovery_url", "client_id", "client_secret"):
            if not isinstance(raw.get(required), str) or not raw[required].strip():
                raise ConfigError(f"{where}[{required!r}]", "is required (text)")
        if not raw["discovery_url"].startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            raise ConfigError(
                f"{where}['discovery_url']",
                "expected an https:// URL (plain http only on this machine)",
            )
        scope = raw.get("scope", "openid")
        if not isinstance(scope, str) or "openid" not in scope.split():
            raise ConfigError(
                f"{where}['scope']", f"expected scopes including 'openid', got {scope!r}"
            )
        timeout = raw.get("timeout", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
            raise ConfigError(
                f"{where}['timeout']", f"expected seconds from 1 to 60, got {timeout!r}"
            )
        levels = raw.get("levels", {})
        if not isinstance(levels, Mapping) or not all(
            isinstance(claim, str)
            and isinstance(values, Mapping)
            and all(isinstance(v, str) and level in IDENTITY_LEVELS for v, level in values.items())
            for claim, values in levels.items()
        ):
            raise ConfigError(
                f"{where}['levels']",
                f"expected {{claim: {{claim value: level}}}} with levels from {', '.join(IDENTITY_LEVELS)}",
            )
        attributes = raw.get("attributes", {})
        if not isinstance(attributes, Mapping):
            raise ConfigError(
                f"{where}['attributes']", "expected {attribute: {claim, value, label_nl, label_en}}"
            )
        rules = []
        for attribute, rule in attributes.items():
            spot = f"{where}['attributes'][{attribute!r}]"
            if not isinstance(attribute, str) or not _ATTRIBUTE_NAME.match(attribute):
                raise ConfigError(
                    spot, "attribute names use lower-case letters, digits and hyphens"
                )
            if not isinstance(rule, Mapping) or not all(
                isinstance(rule.get(part), str) and rule[part]
                for part in ("claim", "value", "label_nl", "label_en")
            ):
                raise ConfigError(spot, "expected text for claim, value, label_nl and label_en")
            rules.append(
                AttributeRule(
                    attribute, rule["claim"], rule["value"], rule["label_nl"], rule["label_en"]
                )
            )
        providers.append(
            OidcProvider(
                name=name,
                title=raw["title"],
                discovery_url=raw["discovery_url"],
                client_id=raw["client_id"],
                client_secret=raw["client_secret"],
                scope=scope,
                timeout=timeout,
                levels={claim: dict(values) for claim, values in levels.items()},
                attributes=tuple(rules),
            )
        )
    return tuple(providers)


#: The allow-list of installed plugins, read before the other settings (see read_one).


def plugin_names(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(key, f"expected a list of plugin names, got {value!r}")
    for name in value:
        if not isinstance(name, str) or not _PROVIDER_NAME.match(name):
            raise ConfigError(
                key, f"expected plugin names (lower-case letters, digits, hyphens), got {name!r}"
            )
    return tuple(value)


def task_queue(key: str, value: Any) -> str:
    schemes = ("redis://", "rediss://", "unix://", "postgresql://", "postgres://")
    if value in ("sqlite", "memory") or (isinstance(value, str) and value.startswith(schemes)):
        return str(value)
    raise ConfigError(
        key, f"expected 'sqlite', 'memory', a redis:// or a postgresql:// URL, got {value!r}"
    )


def url_path(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value.endswith("/"):
        raise ConfigError(
            key, f"expected a path such as '/forum' (leading, no trailing slash), got {value!r}"
        )
    return value


def site_url(key: str, value: Any) -> str | None:
    """The site's public address: an http(s) URL with a host and nothing after the path,
    without its trailing slash (``https://bibliotheek.example``)."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    problem = (
        f"expected the site's public address, such as 'https://bibliotheek.example', got {value!r}"
    )
    if not isinstance(value, str):
        raise ConfigError(key, problem)
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise ConfigError(key, problem) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or " " in value.strip()
    ):
        raise ConfigError(key, problem)
    return value.strip().rstrip("/")


def origins(*, star: bool = False, self_: bool = False) -> Callable[[str, Any], tuple[str, ...]]:
    """A list of web origins (``https://www.bibliotheek.example``, scheme, host and an
    optional port, nothing after them); ``"*"`` (any origin) where ``star`` allows it, and
    ``"'self'"`` (the site itself) where ``self_`` does."""

    def check(key: str, value: Any) -> tuple[str, ...]:
        from urllib.parse import urlsplit

        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ConfigError(key, f"expected a list of origins, got {value!r}")
        allowed = {"*"} if star else set()
        if self_:
            allowed.add("'self'")
        for origin in value:
            if origin in allowed:
                continue
            problem = (
                "expected origins such as 'https://www.bibliotheek.example' (scheme, host, "
                f"optional port, no path or slash at the end), got {origin!r}"
            )
            if not isinstance(origin, str):
                raise ConfigError(key, problem)
            try:
                parts = urlsplit(origin)
                parts.port  # noqa: B018 (a port that is not a number raises here)
            except ValueError:
                raise ConfigError(key, problem) from None
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or parts.path
                or parts.query
                or parts.fragment
                or parts.username is not None
                or any(c.isspace() or c in ";,'\"" for c in origin)
            ):
                raise ConfigError(key, problem)
        return tuple(value)

    return check


#: The ``X-Forwarded-*`` headers a site may trust, by the name ``CIVICFORUM_PROXY_FIX``
#: gives them; werkzeug's ``ProxyFix`` takes each count as ``x_<name>``.
PROXY_HEADERS = ("for", "proto", "host", "port", "prefix")
#: More proxies than this in front of one site is a mistake rather than a design.
MAX_PROXIES = 5


@dataclass(frozen=True)
class ProxyHops:
    """How many proxies in front of the site set each ``X-Forwarded-*`` header.

    The field names are werkzeug ``ProxyFix``'s arguments, so the value is passed on as it
    is. A count of 0 leaves that header alone: what a client writes in it is never believed.
    """

    x_for: int = 0
    x_proto: int = 0
    x_host: int = 0
    x_port: int = 0
    x_prefix: int = 0


def proxy_fix(key: str, value: Any) -> ProxyHops | None:
    """The proxies to trust: ``None`` or 0 for none (the default), a number ``N`` for ``N``
    proxies that each set ``X-Forwarded-For``, ``-Proto`` and ``-Host``, or a mapping such as
    ``{"for": 1, "proto": 1}`` for a proxy that sets only some of the headers.

    A count that is not a whole number is refused rather than guessed at: trusting one
    hop too many lets any client choose the address its rate limits are counted under.
    """
    problem = (
        f"expected the number of proxies in front of the site (0 to {MAX_PROXIES}), or a "
        f"mapping such as {{'for': 1, 'proto': 1, 'host': 1}} with keys from "
        f"{', '.join(PROXY_HEADERS)}, got {value!r}"
    )
    if value is None:
        return None
    if isinstance(value, Mapping):
        unknown = sorted(str(name) for name in value if name not in PROXY_HEADERS)
        if unknown:
            raise ConfigError(
                f"{key}[{unknown[0]!r}]", f"expected one of {', '.join(PROXY_HEADERS)}"
            )
        counts = {name: whole(0, MAX_PROXIES)(f"{key}[{name!r}]", value[name]) for name in value}
    elif isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_PROXIES:
            raise ConfigError(key, problem)
        counts = {"for": value, "proto": value, "host": value}
    else:
        raise ConfigError(key, problem)
    if not any(counts.values()):
        return None
    return ProxyHops(**{f"x_{name}": count for name, count in counts.items()})
