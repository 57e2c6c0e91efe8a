"""Public functions of the event system: :func:`listen`, :func:`listens_for`, :func:`remove`,
:func:`contains`. Semantics follow SQLAlchemy 2.0's ``sqlalchemy.event`` module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlweave.core import exc
from sqlweave.core.event.base import _event_key, _named

__all__ = ["listen", "listens_for", "remove", "contains"]

_F = TypeVar("_F", bound=Callable[..., Any])


def listen(target: Any, identifier: str, fn: Callable[..., Any], *, retval: bool = False,
           propagate: bool = False, once: bool = False, insert: bool = False,
           named: bool = False, **kw: Any) -> None:
    """Register ``fn`` to be called when event ``identifier`` fires on ``target``.

    ``target`` is a class (the listener applies to every instance of it and its subclasses,
    existing or future) or an instance (that instance only). Options:

    * ``retval`` -- for events that may replace their arguments (``before_execute``,
      ``before_cursor_execute``...), ``fn``'s return value is used; see ``sqlweave.core.events``.
    * ``propagate`` -- stored with the listener; ORM mapper/attribute events copy propagating
      listeners to subclasses. Core class-level listeners always apply to subclasses.
    * ``once`` -- run ``fn`` at most once.
    * ``insert`` -- put ``fn`` before the listeners already registered at the same level.
    * ``named`` -- call ``fn`` with keyword arguments named after the event's parameters.

    Raises :class:`~sqlweave.core.exc.InvalidRequestError` naming the valid events when
    ``identifier`` is not an event of ``target``.
    """
    key = _event_key(target, identifier, fn)
    listen_fn = fn
    if named:
        listen_fn = _named(fn, key.events._arg_names[identifier])
    key.events._listen(key, listen_fn, retval=retval, propagate=propagate, once=once,
                       insert=insert, named=named, **kw)


def listens_for(target: Any, identifier: str, **kw: Any) -> Callable[[_F], _F]:
    """Decorator form of :func:`listen`; returns the function unchanged."""

    def decorate(fn: _F) -> _F:
        listen(target, identifier, fn, **kw)
        return fn

    return decorate


def remove(target: Any, identifier: str, fn: Callable[..., Any]) -> None:
    """Remove a listener registered with :func:`listen` for the same target and identifier.

    Raises :class:`~sqlweave.core.exc.InvalidRequestError` if no such listener is registered.
    """
    key = _event_key(target, identifier, fn)
    if not key.events._dispatch_for(key.dispatch_target)._remove(identifier, fn):
        raise exc.InvalidRequestError(
            f"No listener {fn!r} registered for event {identifier!r} on {target!r}"
        )


def contains(target: Any, identifier: str, fn: Callable[..., Any]) -> bool:
    """Return True if ``fn`` is registered for ``identifier`` on exactly this ``target``."""
    key = _event_key(target, identifier, fn)
    return key.events._dispatch_for(key.dispatch_target)._contains(identifier, fn)
