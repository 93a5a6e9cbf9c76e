"""Every ``CIVICFORUM_*`` key, read once into one frozen, typed :class:`Settings`.

Each setting is declared once, in :data:`SPECS`, with its type, default and the sentence
that documents it; the README's settings reference is checked against this list by a test.
Validation happens in ``init_app``: a host learns about a wrong key when the app starts,
never on the first request that happens to read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from limits import parse_many

from . import settingchecks as check
from .errors import ConfigError
from .settingchecks import IDENTITY_LEVELS as IDENTITY_LEVELS
from .settingchecks import LANGUAGES as LANGUAGES
from .settingchecks import AttributeRule as AttributeRule
from .settingchecks import OidcProvider as OidcProvider
from .settingchecks import ProxyHops as ProxyHops

PLUGINS_KEY = "CIVICFORUM_PLUGINS"
TASK_QUEUE_KEY = "CIVICFORUM_TASK_QUEUE"
PROXY_FIX_KEY = "CIVICFORUM_PROXY_FIX"
#: The forum's own plugins (in ``civicforum/plugins/``), loaded unless switched off.
BUILTIN_PLUGINS: tuple[str, ...] = ("events", "search", "federation")

PREFIX = "CIVICFORUM_"


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


SPECS: tuple[Spec, ...] = (
    Spec(
        "CIVICFORUM_SECRET_KEY",
        None,
        check.secret,
        "Secret for password-reset tokens and the keyed hashes rate limits use instead of IP addresses. Required; at least 32 characters; never shared with another app.",
        required=True,
    ),
    Spec(
        "CIVICFORUM_DATABASE_URL",
        None,
        check.optional_text,
        "SQLAlchemy URL of the forum's database. Default: a SQLite file `civicforum.sqlite3` in the app's instance folder. PostgreSQL: `postgresql+psycopg://user@host/db`.",
    ),
    Spec(
        "CIVICFORUM_BASE_TEMPLATE",
        "civicforum/standalone.html",
        check.text(),
        "Template every forum page extends. It must define the blocks `title` and `content`, and may define `head` (the forum adds its stylesheet there).",
    ),
    Spec(
        "CIVICFORUM_URL_PREFIX",
        "/forum",
        check.url_path,
        "Where the forum is mounted; the `url_prefix` argument of `CivicForum(...)` overrides it.",
    ),
    Spec(
        "CIVICFORUM_SITE_NAME",
        "Forum",
        check.text(),
        "The institution's name, used in e-mail subjects and page titles.",
    ),
    Spec(
        "CIVICFORUM_LANGUAGES",
        LANGUAGES,
        check.languages,
        "Interface languages offered, from `nl` and `en`.",
    ),
    Spec(
        "CIVICFORUM_DEFAULT_LANGUAGE",
        "nl",
        check.one_of(*LANGUAGES),
        "Language when neither the member, the host nor the browser says which.",
    ),
    Spec(
        "CIVICFORUM_TIMEZONE",
        "Europe/Amsterdam",
        check.timezone,
        "Time zone in which dates and times are shown.",
    ),
    Spec(
        "CIVICFORUM_LOCAL_ACCOUNTS",
        True,
        check.flag,
        "Offer the forum's own accounts (register, sign in, password reset). Switch off when the host's login is the only way in.",
    ),
    Spec(
        "CIVICFORUM_HOST_IDENTITY_LEVEL",
        "confirmed",
        check.one_of(*IDENTITY_LEVELS),
        "Identity level given to people the host signs in (`registered`, `confirmed` or `verified`).",
    ),
    Spec(
        "CIVICFORUM_TOPICS_PER_PAGE", 20, check.whole(5, 100), "Topics on one page of a community."
    ),
    Spec("CIVICFORUM_POSTS_PER_PAGE", 20, check.whole(5, 100), "Posts on one page of a topic."),
    Spec(
        "CIVICFORUM_PAGE_CACHE_SECONDS",
        60,
        check.whole(0, 3600),
        "How long a process keeps a page it rendered for visitors who are not signed in (the list of communities, a community's topics, a topic) to hand to the next such visitor. Any write to the forum makes kept pages stale at once, in every process; this limit is for what changes with time alone (an event that began). 0: no pages kept.",
    ),
    Spec(
        "CIVICFORUM_PAGE_CACHE_MB",
        16,
        check.whole(1, 4096),
        "Most memory, in MiB, the pages a process keeps may take; the least recently read go first.",
    ),
    Spec(
        "CIVICFORUM_MAX_TITLE_LENGTH",
        150,
        check.whole(20, 300),
        "Longest topic title, in characters.",
    ),
    Spec(
        "CIVICFORUM_MAX_POST_LENGTH",
        20000,
        check.whole(500, 100000),
        "Longest post, in characters of Markdown.",
    ),
    Spec(
        "CIVICFORUM_SIGNIN_RATE_LIMIT",
        "5 per 15 minutes",
        check.rate_limit,
        "Failed sign-ins allowed per account and per (hashed) network address.",
    ),
    Spec(
        "CIVICFORUM_POST_RATE_LIMIT",
        "10 per hour; 40 per day",
        check.rate_limit,
        "New topics and replies a member may publish (moderators of the community are not limited); the page says when they can post again.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_POST_RATE_LIMIT",
        "3 per hour; 10 per day",
        check.rate_limit,
        "The same, for members whose account is younger than `CIVICFORUM_NEW_MEMBER_DAYS`.",
    ),
    Spec(
        "CIVICFORUM_REPORT_RATE_LIMIT",
        "10 per hour; 30 per day",
        check.rate_limit,
        "Reports a member may send.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_REPORT_RATE_LIMIT",
        "3 per hour; 10 per day",
        check.rate_limit,
        "Reports a new member may send, and a signed-out visitor per (hashed) network address.",
    ),
    Spec(
        "CIVICFORUM_NEW_MEMBER_DAYS",
        7,
        check.whole(0, 365),
        "Days after joining the forum during which a member counts as new (stricter limits); 0 for none.",
    ),
    Spec(
        "CIVICFORUM_RATELIMIT_STORAGE_URL",
        "memory://",
        check.text(),
        "Where rate-limit counters live, as a `limits` storage URL (`memory://`, `redis://...`). Use a shared store when the site runs several processes (several gunicorn workers count as several): with `memory://` each process counts alone, so a limit lets through as many times as there are processes, and federation's replay check holds per process only. Start-up warns when the task queue is shared and this is `memory://`.",
    ),
    Spec(
        PROXY_FIX_KEY,
        None,
        check.proxy_fix,
        "How many reverse proxies in front of the site set `X-Forwarded-For`, `-Proto` and `-Host` (a number), or per header (`{'for': 1, 'proto': 1, 'host': 0, 'port': 0, 'prefix': 0}`). When given, the forum wraps your app's `wsgi_app` in Werkzeug's `ProxyFix`, so rate limits count each visitor's own address and links get the public scheme and host; only the last N entries of each header are believed. Default: none trusted. If your app already uses `ProxyFix`, leave this out (start-up stops if both are there).",
    ),
    Spec(
        "CIVICFORUM_PASSWORD_RESET_MAX_AGE",
        3600,
        check.whole(300, 86400),
        "Seconds a password-reset link stays valid.",
    ),
    Spec(
        "CIVICFORUM_REVIEW_MONTHS",
        12,
        check.whole(1, 60),
        "Months after which verified information is due to be checked again, as the approving editor's form proposes it.",
    ),
    Spec(
        PLUGINS_KEY,
        BUILTIN_PLUGINS,
        check.plugin_names,
        "Installed plugins to load, by entry-point name (group `civicforum`); the default is the built-in ones. Plugin objects passed to `CivicForum(plugins=[...])` always load.",
    ),
    Spec(
        "CIVICFORUM_OIDC_PROVIDERS",
        {},
        check.oidc_providers,
        'Identity providers for "Sign in with ..." (OpenID Connect), by name: `{name: {title, discovery_url, client_id, client_secret, scope, timeout, levels, attributes}}`. See docs/oidc.md.',
    ),
    Spec(
        "CIVICFORUM_OIDC_CLOCK_SKEW",
        60,
        check.whole(0, 300),
        "Seconds of clock difference allowed when checking an ID token's times.",
    ),
    Spec(
        "CIVICFORUM_MAIL_SERVER",
        None,
        check.optional_text,
        "SMTP host for the forum's mail: password resets, reporters' acknowledgements and outcomes, digests. Without it, local accounts cannot reset passwords (the page says so) and no digests are sent.",
    ),
    Spec("CIVICFORUM_MAIL_PORT", 25, check.whole(1, 65535), "SMTP port."),
    Spec(
        "CIVICFORUM_MAIL_SECURITY",
        "none",
        check.one_of("none", "starttls", "tls"),
        "`starttls` upgrades a plain connection, `tls` connects with TLS from the start (port 465).",
    ),
    Spec(
        "CIVICFORUM_MAIL_USERNAME",
        None,
        check.optional_text,
        "SMTP user name, if the server wants one.",
    ),
    Spec(
        "CIVICFORUM_MAIL_PASSWORD",
        None,
        check.optional_text,
        "SMTP password, if the server wants one.",
    ),
    Spec(
        "CIVICFORUM_MAIL_SENDER",
        None,
        check.optional_text,
        "From address of the forum's mail; required when `CIVICFORUM_MAIL_SERVER` is set.",
    ),
    Spec(
        "CIVICFORUM_SITE_URL",
        None,
        check.site_url,
        "The site's public address, without the forum's prefix (`https://bibliotheek.example`): links in the forum's mail (digests, report receipts) are made with it, outside any request. Required when `CIVICFORUM_MAIL_SERVER` is set.",
    ),
    Spec(
        "CIVICFORUM_DIGEST_HOUR",
        7,
        check.whole(0, 23),
        "Hour of the member's own day (in their time zone) from which their digest is due: daily ones every day, weekly ones on Monday; never during their quiet hours, which it waits out.",
    ),
    Spec(
        TASK_QUEUE_KEY,
        "sqlite",
        check.task_queue,
        "Where queued work waits (index writes tried again, rebuilds): `sqlite` (a file in the instance folder), `memory` (one process only), a `redis://` or a `postgresql://` URL for a site on several machines.",
    ),
    Spec(
        "CIVICFORUM_TASK_WORKER",
        True,
        check.flag,
        "Run queued work in a thread of each web process (never the periodic scan for digests: that is `flask civicforum worker`'s). May be switched off when `flask civicforum worker` runs.",
    ),
    Spec(
        "CIVICFORUM_API_RATE_LIMIT",
        "120 per minute; 2000 per hour",
        check.rate_limit,
        "Requests to the REST API (`/api/v1/`) per personal API token, or per (hashed) network address without one; every answer says what is left in `RateLimit` and `RateLimit-Policy` headers, and a refusal (429) says when to try again.",
    ),
    Spec(
        "CIVICFORUM_API_CORS_ORIGINS",
        (),
        check.origins(star=True),
        "Web origins whose pages may call the REST API and read the feeds from the visitor's browser (CORS), such as `['https://www.bibliotheek.example']`; `['*']` for any. Default: none (the API still answers servers and apps).",
    ),
    Spec(
        "CIVICFORUM_EMBED_ANCESTORS",
        ("'self'",),
        check.origins(self_=True),
        "Pages that may show the widget (`/embed/...`) in an `<iframe>`: the CSP `frame-ancestors` sources, `'self'` for the site itself and origins such as `https://www.bibliotheek.example`.",
    ),
    Spec(
        "CIVICFORUM_EXPORT_INTERVAL_HOURS",
        24,
        check.whole(1, 720),
        "Hours between two copies of their data a member may ask for (GDPR Articles 15 and 20); asking again while one is being made makes no second one.",
    ),
    Spec(
        "CIVICFORUM_RETENTION_DAYS_EXPORT",
        7,
        check.whole(1, 30),
        "Days a member's copy of their data can be downloaded from their settings; after that a download is refused and `flask civicforum purge` deletes the file.",
    ),
    Spec(
        "CIVICFORUM_ERASURE_KEEPS_POSTS",
        False,
        check.flag,
        'What the page for deleting an account proposes for the member\'s posts: `True` keeps them, shown as by a "former member"; `False` deletes them. The member chooses on the page; `flask civicforum members erase` asks for `--keep-posts` or `--delete-posts`.',
    ),
    Spec(
        "CIVICFORUM_RETENTION_HOURS_SIGNIN_COUNTERS",
        24,
        check.whole(1, 720),
        "Longest time a failed sign-in is counted (as a keyed hash): the rate-limit storage drops each counter when its window ends, so no window of `CIVICFORUM_SIGNIN_RATE_LIMIT` may be longer (checked at start-up).",
    ),
    Spec(
        "CIVICFORUM_RETENTION_DAYS_REPORT_EMAIL",
        30,
        check.whole(0, 365),
        "Days a signed-out reporter's e-mail address is kept once their report was handled (it is erased at once when the outcome mail is sent); `flask civicforum purge` erases it after that.",
    ),
    Spec(
        "CIVICFORUM_RETENTION_DAYS_OPEN_REPORT_EMAIL",
        180,
        check.whole(1, 730),
        "Days a signed-out reporter's e-mail address is kept while their report is still waiting for a moderator; `flask civicforum purge` erases it after that.",
    ),
    Spec(
        "CIVICFORUM_RETENTION_DAYS_DIGEST_LOG",
        90,
        check.whole(7, 3650),
        "Days the log of each member's digests (sent, empty) is kept; `flask civicforum purge` removes older entries, except each member's latest (where the next digest starts) and digests still owed.",
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
    page_cache_seconds: int
    page_cache_mb: int
    max_title_length: int
    max_post_length: int
    signin_rate_limit: str
    post_rate_limit: str
    new_member_post_rate_limit: str
    report_rate_limit: str
    new_member_report_rate_limit: str
    new_member_days: int
    ratelimit_storage_url: str
    proxy_fix: ProxyHops | None
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
    site_url: str | None
    digest_hour: int
    task_queue: str
    task_worker: bool
    api_rate_limit: str
    api_cors_origins: tuple[str, ...]
    embed_ancestors: tuple[str, ...]
    export_interval_hours: int
    retention_days_export: int
    erasure_keeps_posts: bool
    retention_hours_signin_counters: int
    retention_days_report_email: int
    retention_days_open_report_email: int
    retention_days_digest_log: int
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
    # Sign-in counters live as long as their window: never longer than the retention allows.
    longest = max(item.get_expiry() for item in parse_many(settings.signin_rate_limit))
    if longest > settings.retention_hours_signin_counters * 3600:
        raise ConfigError(
            "CIVICFORUM_SIGNIN_RATE_LIMIT",
            f"its longest window ({longest // 60} minutes) is longer than the "
            f"{settings.retention_hours_signin_counters} hours "
            "CIVICFORUM_RETENTION_HOURS_SIGNIN_COUNTERS keeps sign-in counters",
        )
    if settings.mail_server and not settings.mail_sender:
        raise ConfigError(
            "CIVICFORUM_MAIL_SENDER", "is required when CIVICFORUM_MAIL_SERVER is set"
        )
    if settings.mail_server and not settings.site_url:
        raise ConfigError(
            "CIVICFORUM_SITE_URL",
            "is required when CIVICFORUM_MAIL_SERVER is set: the forum's mail links to the site "
            "with it, e.g. 'https://bibliotheek.example'",
        )
    return settings


if {f.name for f in dataclasses.fields(Settings)} - {"extra"} != {
    spec.attr for spec in SPECS
}:  # pragma: no cover
    raise RuntimeError("Settings and SPECS disagree: every spec needs exactly one field")
