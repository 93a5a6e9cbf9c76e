"""``CivicForum``: the Flask extension a host adds to its app.

Everything that belongs to one app lives in a :class:`ForumState` stored under
``app.extensions["civicforum"]``; the extension object itself keeps only the options it
was made with, so one ``CivicForum`` can serve several apps (the app-factory pattern).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from .db import default_database_url, make_engine, make_quick_reader, make_session_factory
from .errors import ConfigError
from .events import Event, deliver_after_commit
from .pagecache.writes import watch_writes
from .pluginmanager import Plugins, build_plugin_manager
from .settings import PLUGINS_KEY, PROXY_FIX_KEY, SPECS, Settings, load_settings, read_one
from .tasks import TaskQueue, register_forum_tasks

log = logging.getLogger(__name__)

EXTENSION_KEY = "civicforum"

HostIdentity = tuple[str, str]
HostIdentityLoader = Callable[[], HostIdentity | None]
LocaleSelector = Callable[[], str | None]


@dataclass
class ForumState:
    """The forum's state for one host app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    host_identity: HostIdentityLoader | None
    locale_selector: LocaleSelector | None
    identity: Any  # identity.providers.IdentityChain, typed loosely to avoid an import cycle
    limiter: Any  # identity.ratelimit.SignInLimiter
    pace: Any  # moderation.ratelimits.PaceLimiter
    oidc: Any  # identity.oidc.OidcClient
    plugins: Plugins
    tasks: TaskQueue
    pages: Any  # pagecache.pages.PageStore, or None when no pages are kept


class CivicForum:
    """Mounts the forum into a Flask app.

    :param app: the host app; or call :meth:`init_app` later (app factories).
    :param url_prefix: where the forum lives, e.g. ``"/forum"``.
    :param host_identity: a callable returning ``(stable_id, display_name)`` of the person
        the host has signed in, or ``None``; the forum links a member to it.
    :param locale_selector: a callable returning the host's language choice (``"nl"``,
        ``"en"``) or ``None``; a member's own setting still wins.
    :param plugins: plugin objects (modules or instances with ``@hookimpl`` functions) to
        load for every app, besides the installed ones ``CIVICFORUM_PLUGINS`` names.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        url_prefix: str | None = None,
        host_identity: HostIdentityLoader | None = None,
        locale_selector: LocaleSelector | None = None,
        plugins: Sequence[object] = (),
    ) -> None:
        self._url_prefix = url_prefix
        self._host_identity = host_identity
        self._locale_selector = locale_selector
        self._plugins = tuple(plugins)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the settings, make the engine, and register the blueprint and CLI.

        With ``CIVICFORUM_PROXY_FIX`` it also wraps ``app.wsgi_app`` in werkzeug's
        ``ProxyFix``, once everything else has started.

        :raises RuntimeError: when the forum was already initialised on this app.
        :raises ConfigError: when a ``CIVICFORUM_*`` setting is wrong; the message names it.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "civicforum is already initialised on this app; call CivicForum(app) or "
                "forum.init_app(app) once per app"
            )
        if not app.config.get("SECRET_KEY"):
            raise ConfigError(
                "SECRET_KEY", "the host app needs a SECRET_KEY for sessions and CSRF tokens"
            )
        overrides: dict[str, Any] = {}
        if self._url_prefix is not None:
            overrides["url_prefix"] = self._url_prefix
        plugins = Plugins(build_plugin_manager(read_one(app.config, PLUGINS_KEY), self._plugins))
        plugin_specs = [
            spec for specs in plugins.manager.hook.civicforum_settings() for spec in specs
        ]
        settings = load_settings(app.config, plugin_specs, **overrides)
        if settings.proxy_fix is not None and isinstance(app.wsgi_app, ProxyFix):
            # Two ProxyFix layers that disagree on the count leave it to their order
            # which header entry is believed; one place says how many proxies there are.
            raise ConfigError(
                PROXY_FIX_KEY,
                "the app's wsgi_app is a ProxyFix already; leave this setting out, "
                "or remove that ProxyFix",
            )
        if settings.task_queue.startswith(("redis", "postgres")) and (
            settings.ratelimit_storage_url.startswith("memory")
        ):
            # A shared queue says the site runs on several processes or machines; limits
            # kept in each process's memory would then let through as many times the
            # limit, and a signed activity from another server could be replayed.
            log.warning(
                "CIVICFORUM_RATELIMIT_STORAGE_URL is %s while CIVICFORUM_TASK_QUEUE is "
                "shared: each process counts rate limits (and remembers federation "
                "requests) on its own; give it the same Redis",
                settings.ratelimit_storage_url,
            )
        url = settings.database_url or default_database_url(app.instance_path)
        engine = make_engine(url)
        session_factory = make_session_factory(engine)
        watch_writes(session_factory)
        every_setting = {
            **{spec.key: getattr(settings, spec.attr) for spec in SPECS},
            **settings.extra,
        }

        def deliver(event: Event) -> None:
            # Plugins hear of an event inside this app's context, also when the work
            # was done outside a request (the CLI, a task, a test calling a service).
            if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
                plugins.deliver(event, every_setting)
            else:
                with app.app_context():
                    plugins.deliver(event, every_setting)

        deliver_after_commit(session_factory, plugins.event_types, deliver)

        from .identity.oidc import OidcClient
        from .identity.providers import IdentityChain
        from .identity.ratelimit import SignInLimiter
        from .moderation.ratelimits import PaceLimiter
        from .pagecache.pages import PageStore

        app.extensions[EXTENSION_KEY] = ForumState(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            host_identity=self._host_identity,
            locale_selector=self._locale_selector,
            identity=IdentityChain(settings, self._host_identity),
            limiter=SignInLimiter(settings),
            pace=PaceLimiter(settings),
            oidc=OidcClient(settings.oidc_clock_skew),
            plugins=plugins,
            tasks=TaskQueue(app, settings.task_queue, worker=settings.task_worker),
            pages=PageStore(
                settings.page_cache_seconds, settings.page_cache_mb, make_quick_reader(engine)
            )
            if settings.page_cache_seconds
            else None,
        )
        app.teardown_appcontext(_close_session)
        register_forum_tasks(app)

        from .blueprint import make_blueprint
        from .cli import make_cli

        app.register_blueprint(make_blueprint(settings, plugins), url_prefix=settings.url_prefix)
        app.cli.add_command(make_cli(plugins))
        plugins.manager.hook.civicforum_app_ready(app=app)
        if settings.proxy_fix is not None:
            # The whole app is wrapped, not only the forum's routes: the address, scheme and
            # host a request came with are the app's, and the host's pages should agree.
            app.wsgi_app = ProxyFix(app.wsgi_app, **dataclasses.asdict(settings.proxy_fix))  # type: ignore[method-assign]


def state(app: Flask | None = None) -> ForumState:
    """The forum's state for ``app`` (default: the current app).

    :raises RuntimeError: when the forum was not initialised on that app.
    """
    target = app or current_app
    try:
        forum_state: ForumState = target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "civicforum is not initialised on this app. Did you forget CivicForum(app) "
            "or forum.init_app(app)?"
        ) from None
    return forum_state


def db_session() -> Session:
    """The forum's database session for this request or CLI command, opened on first use."""
    session: Session | None = g.get("_civicforum_session")
    if session is None:
        session = state().session_factory()
        g._civicforum_session = session
    return session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("_civicforum_session", None)
    if session is not None:
        session.close()
