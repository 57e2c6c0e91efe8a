"""The plugin host: pluggy hook specifications, the plugin manager and the dialect registry.

Third-party packages extend sqlweave by declaring an entry point in the ``sqlweave`` group that
names a module holding ``@hookimpl`` functions::

    [project.entry-points.sqlweave]
    mydb = "sqlweave_mydb.plugin"

The built-in dialects register through exactly this path.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "sqlweave"

#: Decorator marking a function as an implementation of a sqlweave hook.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

from sqlweave.core.plugins.manager import get_plugin_manager, load_plugins, register_plugin  # noqa: E402
from sqlweave.core.plugins.registry import DialectRegistry, registry  # noqa: E402

__all__ = [
    "PROJECT_NAME",
    "DialectRegistry",
    "get_plugin_manager",
    "hookimpl",
    "load_plugins",
    "register_plugin",
    "registry",
]
