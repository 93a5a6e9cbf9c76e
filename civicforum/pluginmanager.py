"""The plugin manager of one app: which plugins run, and calling their hooks.

Built in ``init_app``, never at import. Plugins come from two places: objects the host
passes to ``CivicForum(plugins=[...])``, and installed packages that declare an entry
point in the group ``civicforum`` and are named in ``CIVICFORUM_PLUGINS``. The forum's
own plugins (``civicforum/plugins/``) are entry points like any other. A plugin that
cannot be loaded stops start-up with its name and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from markupsafe import Markup, escape

from . import hookspecs
from .errors import ConfigError
from .events import CORE_EVENT_TYPES, Event
from .settings import PLUGINS_KEY

log = logging.getLogger(__name__)
GROUP = "civicforum"


class PluginLoadError(Exception):
    """A plugin named in the configuration could not be loaded."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"civicforum plugin {name!r} could not be loaded: {reason}")


def available_plugins() -> dict[str, Any]:
    """Installed plugins by entry-point name (not yet loaded)."""
    return {point.name: point for point in entry_points(group=GROUP)}


def build_plugin_manager(allowed: Sequence[str], objects: Iterable[object]) -> pluggy.PluginManager:
    """Register the host's plugin objects and the allowed installed plugins.

    :raises ConfigError: when ``CIVICFORUM_PLUGINS`` names a plugin that is not installed.
    :raises PluginLoadError: when a plugin fails to import or implements a hook that does
        not exist (a misspelled name).
    """
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    for plugin in objects:
        manager.register(plugin)
    installed = available_plugins()
    for name in allowed:
        point = installed.get(name)
        if point is None:
            raise ConfigError(
                PLUGINS_KEY,
                f"no installed plugin is called {name!r} (installed: {', '.join(sorted(installed)) or 'none'})",
            )
        try:
            plugin = point.load()
        except Exception as error:  # any failure to import is reported, with its reason
            raise PluginLoadError(name, f"{type(error).__name__}: {error}") from error
        if not manager.is_registered(plugin):  # the host may pass it in code as well
            manager.register(plugin, name=name)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginLoadError(
            getattr(error.plugin, "__name__", str(error.plugin)), str(error)
        ) from error
    return manager


class Plugins:
    """What the rest of the forum asks of the plugins of one app."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager
        self.event_types: tuple[type[Event], ...] = CORE_EVENT_TYPES + tuple(
            kind for kinds in manager.hook.civicforum_event_types() for kind in kinds
        )
        for kind in self.event_types:
            if not (isinstance(kind, type) and issubclass(kind, Event)):
                raise PluginLoadError(
                    repr(kind), "event types must subclass civicforum.events.Event"
                )

    @property
    def names(self) -> list[str]:
        return sorted(
            name for name, plugin in self.manager.list_name_plugin() if plugin is not None
        )

    def deliver(self, event: Event, settings: Mapping[str, Any]) -> None:
        """Hand one committed event to every plugin; a failing plugin is logged, and the
        others still hear of it (the work it reports is already saved)."""
        for implementation in self.manager.hook.civicforum_event.get_hookimpls():
            try:
                implementation.function(event=event, settings=settings)
            except Exception:
                plugin = implementation.plugin
                name = getattr(plugin, "__name__", None) or type(plugin).__name__
                log.exception("plugin %s failed on %s", name, type(event).__name__)

    def slot(self, slot: str, context: Mapping[str, Any]) -> Markup:
        """The markup plugins add to a named slot; plain text is escaped.

        :raises ValueError: for a slot name that does not exist (a misspelling).
        """
        if slot not in hookspecs.TEMPLATE_SLOTS:
            raise ValueError(
                f"unknown template slot {slot!r}; slots are {', '.join(hookspecs.TEMPLATE_SLOTS)}"
            )
        parts = self.manager.hook.civicforum_template_slot(slot=slot, context=context)
        return Markup("").join(
            part if isinstance(part, Markup) else escape(part) for part in reversed(parts) if part
        )

    def migration_locations(self) -> list[Path]:
        return [
            Path(p) for paths in self.manager.hook.civicforum_migration_locations() for p in paths
        ]
