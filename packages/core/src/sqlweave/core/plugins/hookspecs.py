"""Hook specifications for sqlweave plugins; every hook has one docstring here.

Hooks run rarely (plugin loading, engine creation). Per-statement and per-connection interception
goes through :mod:`sqlweave.core.event` instead, which is per-target and cheap when unused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlweave.core.plugins.registry import DialectRegistry

hookspec = pluggy.HookspecMarker("sqlweave")


@hookspec
def sqlweave_register_dialects(registry: DialectRegistry) -> None:
    """Register dialect classes into ``registry``.

    Call ``registry.register("name.driver", "package.module:DialectClass")`` once per driver and
    ``registry.set_default_driver("name", "driver")`` for the driver that ``name://`` URLs use.
    Pass the class as a ``"module:Class"`` string so that loading the plugin does not import the
    DBAPI driver; the registry imports it the first time a URL asks for it.
    """


@hookspec
def sqlweave_engine_created(engine: Any) -> None:
    """Called once for every :class:`~sqlweave.core.Engine` that ``create_engine()`` returns.

    Use it for observability (attach event listeners, register metrics). It must not execute SQL.
    """
