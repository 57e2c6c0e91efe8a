"""The pluggy ``PluginManager`` for sqlweave, loaded once and lazily.

Importing :mod:`sqlweave.core` loads no plugin. The first time something needs the registry (a
URL is resolved to a dialect, say), :func:`load_plugins` loads the ``sqlweave`` entry points and
calls ``sqlweave_register_dialects`` on every plugin. Plugins registered in-process afterwards with
:func:`register_plugin` are called at once.

Set ``SQLWEAVE_DISABLE_PLUGIN_AUTOLOAD=1`` to skip entry points (tests of plugin behaviour).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pluggy

from sqlweave.core.plugins import PROJECT_NAME, hookspecs

_lock = threading.RLock()
_pm: pluggy.PluginManager | None = None
_loaded = False
#: entry-point name -> error text, for plugins whose module failed to import
load_errors: dict[str, str] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, creating it (without loading plugins) if needed."""
    global _pm
    if _pm is None:
        with _lock:
            if _pm is None:
                pm = pluggy.PluginManager(PROJECT_NAME)
                pm.add_hookspecs(hookspecs)
                _pm = pm
    return _pm


def load_plugins() -> pluggy.PluginManager:
    """Load the ``sqlweave`` entry points once; later calls return at once."""
    global _loaded
    pm = get_plugin_manager()
    if _loaded:
        return pm
    with _lock:
        if _loaded:
            return pm
        if not os.environ.get("SQLWEAVE_DISABLE_PLUGIN_AUTOLOAD"):
            _load_entry_points(pm)
        from sqlweave.core.plugins.registry import registry

        pm.hook.sqlweave_register_dialects(registry=registry)
        _loaded = True
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    # Load one entry point at a time (rather than pm.load_setuptools_entrypoints) so that one
    # broken third-party plugin cannot stop the others from registering; its error is kept and
    # shown when a URL asks for its dialect.
    from importlib.metadata import entry_points

    for ep in entry_points(group=PROJECT_NAME):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as err:  # a broken plugin must not break the others
            load_errors[ep.name] = f"{type(err).__name__}: {err}"
            continue
        pm.register(plugin, name=ep.name)


def register_plugin(plugin: Any, name: str | None = None) -> str | None:
    """Register a plugin object in-process (a module or an object with ``@hookimpl`` methods).

    If the entry points are already loaded, the plugin's ``sqlweave_register_dialects`` runs now;
    otherwise it runs with the others on first use.
    """
    pm = get_plugin_manager()
    with _lock:
        registered = pm.register(plugin, name=name)
        if _loaded and registered is not None:
            from sqlweave.core.plugins.registry import registry

            impl = getattr(plugin, "sqlweave_register_dialects", None)
            if impl is not None:
                impl(registry=registry)
    return registered


def unregister_plugin(name: str) -> None:
    """Remove an in-process plugin by name (its registered dialects stay until removed)."""
    pm = get_plugin_manager()
    with _lock:
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin)


def list_plugins() -> list[tuple[str, str]]:
    """Return ``(name, module or repr)`` for every registered plugin, loading entry points first."""
    pm = load_plugins()
    out = []
    for name, plugin in pm.list_name_plugin():
        out.append((name, getattr(plugin, "__name__", repr(plugin))))
    return sorted(out)
