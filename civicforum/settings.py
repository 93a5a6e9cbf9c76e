"""Every ``CIVICFORUM_*`` key, read once into one frozen, typed :class:`Settings`.

Each setting is declared once, in :data:`SPECS`, with its type, default and the sentence
that documents it; the README's settings reference is checked against this list by a test.
Validation happens in ``init_app``: a host learns about a wrong key when the app starts,
never on the first request that happens to read it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from .errors import ConfigError

PREFIX = "CIVICFORUM_"
LANGUAGES = ("nl", "en")
IDENTITY_LEVELS = ("registered", "confirmed", "verified")


@dataclass(frozen=True)
class Spec:
    """How one setting is read: its key, a checker that returns the typed value, a doc line."""

    key: str
    default: Any
    check: Callable[[str, Any], Any]
    doc: str
    required: bool = False

    @property
    def attr(self) -> str:
        return self.key.removeprefix(PREFIX).lower()


def _text(min_length: int = 1) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or len(value.strip()) < min_length:
            raise ConfigError(
                key, f"expected text of at least {min_length} characters, got {value!r}"
            )
        return value

    return check


def _secret(key: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) < 32:
        raise ConfigError(
            key,
            "expected a random secret of at least 32 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')",
        )
    return value


def _optional_text(key: str, value: Any) -> str | None:
    if value is None:
        return None
    return _text()(key, value)


def _whole(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(key, f"expected a whole number from {low} to {high}, got {value!r}")
        return value

    return check


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected True or False, got {value!r}")
    return value


def _one_of(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return check


def _languages(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise ConfigError(key, f"expected a non-empty list of language codes, got {value!r}")
    unknown = [code for code in value if code not in LANGUAGES]
    if unknown:
        raise ConfigError(key, f"expected languages from {', '.join(LANGUAGES)}, got {unknown!r}")
    return tuple(value)


def _timezone(key: str, value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            key, f"expected an IANA time zone such as 'Europe/Amsterdam', got {value!r}"
        ) from None
    return str(value)


def _rate_limit(key: str, value: Any) -> str:
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


def _oidc_providers(key: str, value: Any) -> tuple[OidcProvider, ...]:
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
PLUGINS_KEY = "CIVICFORUM_PLUGINS"

#: The forum's own plugins (in ``civicforum/plugins/``), loaded unless switched off.
BUILTIN_PLUGINS: tuple[str, ...] = ("events", "search")


def _plugin_names(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(key, f"expected a list of plugin names, got {value!r}")
    for name in value:
        if not isinstance(name, str) or not _PROVIDER_NAME.match(name):
            raise ConfigError(
                key, f"expected plugin names (lower-case letters, digits, hyphens), got {name!r}"
            )
    return tuple(value)


TASK_QUEUE_KEY = "CIVICFORUM_TASK_QUEUE"


def _task_queue(key: str, value: Any) -> str:
    schemes = ("redis://", "rediss://", "unix://", "postgresql://", "postgres://")
    if value in ("sqlite", "memory") or (isinstance(value, str) and value.startswith(schemes)):
        return str(value)
    raise ConfigError(
        key, f"expected 'sqlite', 'memory', a redis:// or a postgresql:// URL, got {value!r}"
    )


def _url_path(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value.endswith("/"):
        raise ConfigError(
            key, f"expected a path such as '/forum' (leading, no trailing slash), got {value!r}"
        )
    return value


SPECS: tuple[Spec, ...] = (
    Spec(
        "CIVICFORUM_SECRET_KEY",
        None,
        _secret,
        "Secret for password-reset tokens and the keyed hashes rate limits use instead of IP addresses. Required; at least 32 characters; never shared with another app.",
        required=True,
    ),
    Spec(
        "CIVICFORUM_DATABASE_URL",
        None,
        _optional_text,
        "SQLAlchemy URL of the forum's database. Default: a SQLite file `civicforum.sqlite3` in the app's instance folder. PostgreSQL: `postgresql+psycopg://user@host/db`.",
    ),
    Spec(
        "CIVICFORUM_BASE_TEMPLATE",
        "civicforum/standalone.html",
        _text(),
        "Template every forum page extends. It must define the blocks `title` and `content`, and may define `head` (the forum adds its stylesheet there).",
    ),
    Spec(
        "CIVICFORUM_URL_PREFIX",
        "/forum",
        _url_path,
        "Where the forum is mounted; the `url_prefix` argument of `CivicForum(...)` overrides it.",
    ),
    Spec(
        "CIVICFORUM_SITE_NAME",
        "Forum",
        _text(),
        "The institution's name, used in e-mail subjects and page titles.",
    ),
    Spec(
        "CIVICFORUM_LANGUAGES",
        LANGUAGES,
        _languages,
        "Interface languages offered, from `nl` and `en`.",
    ),
    Spec(
        "CIVICFORUM_DEFAULT_LANGUAGE",
        "nl",
        _one_of(*LANGUAGES),
        "Language when neither the member, the host nor the browser says which.",
    ),
    Spec(
        "CIVICFORUM_TIMEZONE",
        "Europe/Amsterdam",
        _timezone,
        "Time zone in which dates and times are shown.",
    ),
    Spec(
        "CIVICFORUM_LOCAL_ACCOUNTS",
        True,
        _flag,
        "Offer the forum's own accounts (register, sign in, password reset). Switch off when the host's login is the only way in.",
    ),
    Spec(
        "CIVICFORUM_HOST_IDENTITY_LEVEL",
        "confirmed",
        _one_of(*IDENTITY_LEVELS),
        "Identity level given to people the host signs in (`registered`, `confirmed` or `verified`).",
    ),
    Spec("CIVICFORUM_TOPICS_PER_PAGE", 20, _whole(5, 100), "Topics on one page of a community."),
    Spec("CIVICFORUM_POSTS_PER_PAGE", 20, _whole(5, 100), "Posts on one page of a topic."),
    Spec(
        "CIVICFORUM_MAX_TITLE_LENGTH", 150, _whole(20, 300), "Longest topic title, in characters."
    ),
    Spec(
        "CIVICFORUM_MAX_POST_LENGTH",
        20000,
        _whole(500, 100000),
        "Longest post, in characters of Markdown.",
    ),
    Spec(
        "CIVICFORUM_SIGNIN_RATE_LIMIT",
        "5 per 15 minutes",
        _rate_limit,
        "Failed sign-ins allowed per account and per (hashed) network address.",
    ),
    Spec(
        "CIVICFORUM_POST_RATE_LIMIT",
        "10 per hour; 40 per day",
        _rate_limit,
        "New topics and replies a member may publish (moderators of the community are not limited); the page says when they can post again.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_POST_RATE_LIMIT",
        "3 per hour; 10 per day",
        _rate_limit,
        "The same, for members whose account is younger than `CIVICFORUM_NEW_MEMBER_DAYS`.",
    ),
    Spec(
        "CIVICFORUM_REPORT_RATE_LIMIT",
        "10 per hour; 30 per day",
        _rate_limit,
        "Reports a member may send.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_REPORT_RATE_LIMIT",
        "3 per hour; 10 per day",
        _rate_limit,
        "Reports a new member may send, and a signed-out visitor per (hashed) network address.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_DAYS",
        7,
        _whole(0, 365),
        "Days after joining the forum during which a member counts as new (stricter limits); 0 for none.",
    ),
    Spec(
        "CIVICFORUM_RATELIMIT_STORAGE_URL",
        "memory://",
        _text(),
        "Where rate-limit counters live, as a `limits` storage URL (`memory://`, `redis://...`). Use a shared store when the site runs several processes.",
    ),
    Spec(
        "CIVICFORUM_PASSWORD_RESET_MAX_AGE",
        3600,
        _whole(300, 86400),
        "Seconds a password-reset link stays valid.",
    ),
    Spec(
        "CIVICFORUM_REVIEW_MONTHS",
        12,
        _whole(1, 60),
        "Months after which verified information is due to be checked again, as the approving editor's form proposes it.",
    ),
    Spec(
        PLUGINS_KEY,
        BUILTIN_PLUGINS,
        _plugin_names,
        "Installed plugins to load, by entry-point name (group `civicforum`); the default is the built-in ones. Plugin objects passed to `CivicForum(plugins=[...])` always load.",
    ),
    Spec(
        "CIVICFORUM_OIDC_PROVIDERS",
        {},
        _oidc_providers,
        'Identity providers for "Sign in with ..." (OpenID Connect), by name: `{name: {title, discovery_url, client_id, client_secret, scope, timeout, levels, attributes}}`. See docs/oidc.md.',
    ),
    Spec(
        "CIVICFORUM_OIDC_CLOCK_SKEW",
        60,
        _whole(0, 300),
        "Seconds of clock difference allowed when checking an ID token's times.",
    ),
    Spec(
        "CIVICFORUM_MAIL_SERVER",
        None,
        _optional_text,
        "SMTP host for password-reset mail. Without it, local accounts cannot reset passwords (the page says so).",
    ),
    Spec("CIVICFORUM_MAIL_PORT", 25, _whole(1, 65535), "SMTP port."),
    Spec(
        "CIVICFORUM_MAIL_SECURITY",
        "none",
        _one_of("none", "starttls", "tls"),
        "`starttls` upgrades a plain connection, `tls` connects with TLS from the start (port 465).",
    ),
    Spec(
        "CIVICFORUM_MAIL_USERNAME", None, _optional_text, "SMTP user name, if the server wants one."
    ),
    Spec(
        "CIVICFORUM_MAIL_PASSWORD", None, _optional_text, "SMTP password, if the server wants one."
    ),
    Spec(
        "CIVICFORUM_MAIL_SENDER",
        None,
        _optional_text,
        "From address of the forum's mail; required when `CIVICFORUM_MAIL_SERVER` is set.",
    ),
    Spec(
        TASK_QUEUE_KEY,
        "sqlite",
        _task_queue,
        "Where queued work waits (index writes tried again, rebuilds): `sqlite` (a file in the instance folder), `memory` (one process only), a `redis://` or a `postgresql://` URL for a site on several machines.",
    ),
    Spec(
        "CIVICFORUM_TASK_WORKER",
        True,
        _flag,
        "Run queued work in a thread of each web process. Switch off when `flask civicforum tasks work` runs apart.",
    ),
)

SPECS_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class Settings:
    """The forum's configuration for one app, validated; attribute names drop the prefix."""

    secret_key: str = field(repr=False)
    database_url: str | None
    base_template: str
    url_prefix: str
    site_name: str
    languages: tuple[str, ...]
    default_language: str
    timezone: str
    local_accounts: bool
    host_identity_level: str
    topics_per_page: int
    posts_per_page: int
    max_title_length: int
    max_post_length: int
    signin_rate_limit: str
    post_rate_limit: str
    new_member_post_rate_limit: str
    report_rate_limit: str
    new_member_report_rate_limit: str
    new_member_days: int
    ratelimit_storage_url: str
    password_reset_max_age: int
    review_months: int
    oidc_providers: tuple[OidcProvider, ...]
    oidc_clock_skew: int
    mail_server: str | None
    mail_port: int
    mail_security: str
    mail_username: str | None
    mail_password: str | None = field(repr=False)
    mail_sender: str | None
    task_queue: str
    task_worker: bool
    plugins: tuple[str, ...]
    # The loaded plugins' own settings, by key.
    extra: Mapping[str, Any]

    @property
    def mail_enabled(self) -> bool:
        return self.mail_server is not None

    def oidc_provider(self, name: str) -> OidcProvider | None:
        return next((p for p in self.oidc_providers if p.name == name), None)

    def attribute_rule(self, key: str) -> AttributeRule | None:
        return next((r for p in self.oidc_providers for r in p.attributes if r.key == key), None)


def read_one(config: Mapping[str, Any], key: str) -> Any:
    """One setting, checked, before the others can be read (the plugin allow-list, which
    decides whose settings exist)."""
    spec = SPECS_BY_KEY[key]
    return spec.check(key, config.get(key, spec.default))


def load_settings(
    config: Mapping[str, Any], extra_specs: Sequence[Spec] = (), **overrides: Any
) -> Settings:
    """Read and check every ``CIVICFORUM_*`` key of a Flask config.

    :param config: the host app's ``app.config``.
    :param extra_specs: settings the loaded plugins declare; their values end up in
        :attr:`Settings.extra`, by key.
    :param overrides: values given in code (``url_prefix=...``) that win over the config.
    :raises ConfigError: for an unknown key, a wrong type or a missing required secret.
    """
    for spec in extra_specs:
        if not spec.key.startswith(PREFIX) or spec.key in SPECS_BY_KEY:
            raise ConfigError(
                spec.key, "a plugin setting needs its own name starting with CIVICFORUM_"
            )
    extra_by_key = {spec.key: spec for spec in extra_specs}
    unknown = sorted(
        k
        for k in config
        if k.startswith(PREFIX) and k not in SPECS_BY_KEY and k not in extra_by_key
    )
    if unknown:
        raise ConfigError(
            unknown[0], "is not a civicforum setting (see the settings reference in the README)"
        )
    extra = {
        spec.key: spec.check(spec.key, config.get(spec.key, spec.default)) for spec in extra_specs
    }
    values: dict[str, Any] = {"extra": MappingProxyType(extra)}
    for spec in SPECS:
        if spec.attr in overrides:
            raw = overrides[spec.attr]
        elif spec.key in config:
            raw = config[spec.key]
        elif spec.required:
            try:
                spec.check(spec.key, None)
            except ConfigError as error:
                raise ConfigError(
                    spec.key, f"is required and has no default; {error.problem}"
                ) from None
            raise ConfigError(spec.key, "is required and has no default")
        else:
            # Defaults pass the same check, which also turns them into their typed form.
            values[spec.attr] = None if spec.default is None else spec.check(spec.key, spec.default)
            continue
        values[spec.attr] = spec.check(spec.key, raw)
    settings = Settings(**values)
    if settings.default_language not in settings.languages:
        raise ConfigError(
            "CIVICFORUM_DEFAULT_LANGUAGE",
            f"expected one of CIVICFORUM_LANGUAGES {settings.languages!r}",
        )
    if settings.mail_server and not settings.mail_sender:
        raise ConfigError(
            "CIVICFORUM_MAIL_SENDER", "is required when CIVICFORUM_MAIL_SERVER is set"
        )
    return settings


if {f.name for f in dataclasses.fields(Settings)} - {"extra"} != {
    spec.attr for spec in SPECS
}:  # pragma: no cover
    raise RuntimeError("Settings and SPECS disagree: every spec needs exactly one field")
