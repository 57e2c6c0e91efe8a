"""``inspect()``: one entry point for runtime information about an object.

``inspect(engine)`` / ``inspect(connection)`` gives an :class:`~sqlweave.core.reflection.Inspector`;
other packages (the ORM) register inspectors for their own types with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlweave.core import exc

_registrars: dict[type, Callable[[Any], Any]] = {}


def register(type_: type, fn: Callable[[Any], Any]) -> None:
    """Make ``inspect(obj)`` call ``fn(obj)`` for instances (or subclasses) of ``type_``."""
    _registrars[type_] = fn


def inspect(subject: Any, raiseerr: bool = True) -> Any:
    """Return the inspection object for ``subject``."""
    kind = subject if isinstance(subject, type) else type(subject)
    for klass in kind.__mro__:
        fn = _registrars.get(klass)
        if fn is not None:
            result = fn(subject)
            if result is not None:
                return result
    hook = getattr(subject, "_sqlweave_inspect", None)
    if hook is not None:
        return hook()
    if hasattr(subject, "dialect") and (hasattr(subject, "connect") or hasattr(subject, "execute")):
        from sqlweave.core.reflection import Inspector

        return Inspector(subject)
    if raiseerr:
        raise exc.NoInspectionAvailable(f"No inspection system is available for object of type {kind}")
    return None
