"""The dialect registry: ``name[.driver]`` -> dialect class, imported lazily.

Plugins register ``"module:Class"`` strings; the class is imported the first time a URL needs it,
so loading plugins never imports a DBAPI driver.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from sqlweave.core import exc

if TYPE_CHECKING:
    from sqlweave.core.engine.default import DefaultDialect


class DialectRegistry:
    """Maps ``"name.driver"`` keys to dialect classes or ``"module:Class"`` import paths."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._impls: dict[tuple[str, str], str | type[DefaultDialect]] = {}
        self._defaults: dict[str, str] = {}

    def register(self, key: str, target: str | type[DefaultDialect]) -> None:
        """Register ``target`` for ``key``, which is ``"name.driver"`` (or ``"name+driver"``).

        The first driver registered for a name becomes its default until
        :meth:`set_default_driver` says otherwise.
        """
        name, driver = _split_key(key)
        if not driver:
            raise exc.ArgumentError(f"dialect key {key!r} must name a driver: 'name.driver'")
        with self._lock:
            self._impls[(name, driver)] = target
            self._defaults.setdefault(name, driver)

    def set_default_driver(self, name: str, driver: str) -> None:
        """Make ``driver`` the one that ``name://`` URLs use."""
        with self._lock:
            self._defaults[name] = driver

    def unregister(self, key: str) -> None:
        """Remove a registration (tests and applications that swap dialects)."""
        name, driver = _split_key(key)
        with self._lock:
            self._impls.pop((name, driver), None)
            if self._defaults.get(name) == driver:
                rest = [d for (n, d) in self._impls if n == name]
                if rest:
                    self._defaults[name] = rest[0]
                else:
                    self._defaults.pop(name, None)

    def names(self) -> list[str]:
        """All registered ``name+driver`` keys, sorted."""
        return sorted(f"{n}+{d}" for (n, d) in self._impls)

    def default_driver(self, name: str) -> str | None:
        """The default driver registered for ``name``, if any."""
        return self._defaults.get(name)

    def load(self, name: str, driver: str | None = None) -> type[DefaultDialect]:
        """Return the dialect class for ``name`` and ``driver`` (or the default driver).

        Raises :class:`~sqlweave.core.exc.NoSuchModuleError` naming what is installed and the
        package to install when nothing matches.
        """
        from sqlweave.core.plugins.manager import load_errors, load_plugins

        load_plugins()
        with self._lock:
            drv = driver or self._defaults.get(name)
            target = self._impls.get((name, drv)) if drv else None
            if target is None:
                installed = ", ".join(self.names()) or "none"
                asked = f"{name}+{driver}" if driver else name
                hint = f"install the package that provides it (for example 'pip install sqlweave-{name}')"
                broken = load_errors.get(name)
                extra = f"; the plugin {name!r} failed to load: {broken}" if broken else ""
                if driver and any(n == name for (n, _) in self._impls):
                    hint = f"drivers registered for {name!r}: " + ", ".join(
                        d for (n, d) in self._impls if n == name
                    )
                raise exc.NoSuchModuleError(
                    f"Can't load plugin: sqlweave.dialects:{asked}. No dialect is registered for "
                    f"{asked!r} ({hint}); registered dialects: {installed}{extra}"
                )
            if isinstance(target, str):
                target = _import_target(target, f"{name}+{drv}")
                self._impls[(name, drv)] = target  # type: ignore[index]
            return target


def _split_key(key: str) -> tuple[str, str]:
    for sep in ("+", "."):
        if sep in key:
            name, _, driver = key.partition(sep)
            return name, driver
    return key, ""


def _import_target(target: str, what: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    except (ImportError, AttributeError) as err:
        raise exc.NoSuchModuleError(
            f"The dialect {what!r} is registered as {target!r} but could not be imported: "
            f"{type(err).__name__}: {err}. Is its driver installed?"
        ) from err


#: The process-wide registry that plugins register into.
registry = DialectRegistry()
