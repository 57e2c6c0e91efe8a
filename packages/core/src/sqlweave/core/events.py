"""Event declarations for Core: :class:`PoolEvents`, :class:`ConnectionEvents`,
:class:`DialectEvents`.

Each method below is an event: its name is what :func:`sqlweave.core.event.listen` takes, its
signature is the listener's signature, its docstring says when it fires. Bodies are ``...``.

Dispatch contract (how the pool and the engine fire these)
==========================================================

* Check, then call: ``if self.dispatch.checkout: self.dispatch.checkout(a, b, c)``. The check
  costs one attribute read and one ``bool`` when nothing listens.
* Plain events: call the attribute; return values are ignored.
* **retval events** -- ``before_execute`` and ``before_cursor_execute``. Every listener returns
  the (possibly replaced) arguments: listeners registered with ``retval=True`` return what they
  like, the others are wrapped to return their arguments unchanged. So the engine always does::

      for fn in self.dispatch.before_cursor_execute:
          statement, parameters = fn(conn, cursor, statement, parameters, context, executemany)

      for fn in self.dispatch.before_execute:
          elem, multiparams, params = fn(conn, elem, multiparams, params, execution_options)

  ``retval=True`` on any other ConnectionEvents event is an ArgumentError.
* **first-result events** -- ``handle_error`` (a listener may return an exception to raise
  instead), ``DialectEvents.do_connect`` (may return a DBAPI connection), ``do_execute`` /
  ``do_executemany`` / ``do_execute_no_params`` (return True when they ran the statement). The caller iterates and stops at
  the first non-None (``do_connect``, ``handle_error``) or truthy (``do_execute*``) result.
* Targets: ``PoolEvents`` on ``Pool`` classes/instances and on an ``Engine`` (through its
  ``_pool_event_target`` hook: on an instance it must give the engine's pool; on the class it
  may be a ``property`` -- anything not a Pool subclass maps to ``Pool``).
  ``ConnectionEvents`` on the ``Engine`` and ``Connection`` classes (which declare
  ``dispatch = dispatcher(ConnectionEvents)``) and their instances; a ``Connection`` joins its
  engine's dispatch: ``self.dispatch = type(self).dispatch._join(engine.dispatch)``. The joined
  dispatch is shared by every Connection of that engine (and kept current as listeners are
  added), so the Engine may compute it once and hand it to each Connection (~0.2 us instead of
  ~0.7 us per connect); ``event.listen(conn, ...)`` gives that one connection a private copy.
  ``DialectEvents`` on ``DefaultDialect`` classes/instances and on an ``Engine`` (its
  ``.dialect``; the Engine class maps to ``DefaultDialect``).
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlweave.core import exc
from sqlweave.core.event.base import Events, _EventKey

__all__ = ["ConnectionEvents", "DialectEvents", "PoolEvents"]


class PoolEvents(Events):
    """Events fired by a connection pool (``sqlweave.core.pool.Pool``)."""

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        from sqlweave.core.pool.base import Pool

        hook = getattr(target, "_pool_event_target", None)
        if hook is not None:
            if isinstance(target, type):
                # On the Engine class the hook is typically a property object: any engine.
                return hook if isinstance(hook, type) and issubclass(hook, Pool) else Pool
            if callable(hook) and not isinstance(hook, Pool):
                hook = hook()
            return hook if isinstance(hook, Pool) else None
        return super()._accept_with(target)

    def connect(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A new DBAPI connection was created by the pool (after ``first_connect``)."""

    def first_connect(self, dbapi_connection: Any, connection_record: Any) -> None:
        """The first DBAPI connection of the pool was created; fires once per pool (and its
        recreated successors). If a listener raises, it fires again on the next connect."""

    def checkout(self, dbapi_connection: Any, connection_record: Any,
                 connection_proxy: Any) -> None:
        """A connection is being handed out. Raise ``DisconnectionError`` to have the pool
        discard it and try a fresh one (3 attempts in all)."""

    def checkin(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A connection went back to the pool (``dbapi_connection`` is None if invalidated)."""

    def reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        """The connection is being reset on return, before the rollback/commit; ``reset_state``
        is a ``PoolResetState``. Fires even when ``reset_on_return`` is off."""

    def invalidate(self, dbapi_connection: Any, connection_record: Any,
                   exception: BaseException | None) -> None:
        """The connection is being invalidated (about to be closed); ``exception`` is the
        cause, if any."""

    def soft_invalidate(self, dbapi_connection: Any, connection_record: Any,
                        exception: BaseException | None) -> None:
        """The connection was soft-invalidated: it is replaced at its next checkout instead of
        being closed now."""

    def close(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A pooled DBAPI connection is being closed."""

    def detach(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A connection was detached from the pool (``PoolProxiedConnection.detach()``)."""

    def close_detached(self, dbapi_connection: Any) -> None:
        """A detached DBAPI connection is being closed."""


def _before_execute_args(conn: Any, clauseelement: Any, multiparams: Any, params: Any,
                         execution_options: Any) -> tuple[Any, Any, Any]:
    return clauseelement, multiparams, params


def _before_cursor_execute_args(conn: Any, cursor: Any, statement: Any, parameters: Any,
                                context: Any, executemany: Any) -> tuple[Any, Any]:
    return statement, parameters


class ConnectionEvents(Events):
    """Events fired by ``Engine`` and ``Connection`` around execution and transactions."""

    _retval_passthrough = {
        "before_execute": _before_execute_args,
        "before_cursor_execute": _before_cursor_execute_args,
    }

    @classmethod
    def _listen(cls, event_key: _EventKey, fn: Any, *, retval: bool = False,
                **kw: Any) -> None:
        if retval and event_key.identifier not in cls._retval_passthrough:
            raise exc.ArgumentError(
                f"retval=True is accepted only by the "
                f"{', '.join(sorted(cls._retval_passthrough))} events, "
                f"not {event_key.identifier!r}"
            )
        super()._listen(event_key, fn, retval=retval, **kw)
        target = event_key.dispatch_target
        if not isinstance(target, type) and hasattr(target, "_has_events"):
            # a Connection that exists already: it decided at connect() whether its execute
            # path looks for listeners (as SQLAlchemy's does); one on itself counts from now on
            target._has_events = True

    def before_execute(self, conn: Any, clauseelement: Any, multiparams: Any, params: Any,
                       execution_options: Any) -> Any:
        """Before a statement object is executed. With ``retval=True`` return
        ``(clauseelement, multiparams, params)`` to replace them."""

    def after_execute(self, conn: Any, clauseelement: Any, multiparams: Any, params: Any,
                      execution_options: Any, result: Any) -> None:
        """After a statement object was executed; ``result`` is the Result."""

    def before_cursor_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                              context: Any, executemany: bool) -> Any:
        """Before the SQL string goes to the DBAPI cursor. With ``retval=True`` return
        ``(statement, parameters)`` to replace them."""

    def after_cursor_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                             context: Any, executemany: bool) -> None:
        """After the DBAPI cursor executed the SQL string."""

    def handle_error(self, exception_context: Any) -> Any:
        """An exception was raised during execution or connect; may return an exception to
        raise in its place."""

    def engine_connect(self, conn: Any) -> None:
        """A new ``Connection`` was created by ``Engine.connect()``."""

    def set_connection_execution_options(self, conn: Any, opts: dict[str, Any]) -> None:
        """``Connection.execution_options()`` is being applied."""

    def set_engine_execution_options(self, engine: Any, opts: dict[str, Any]) -> None:
        """``Engine.execution_options()`` made a new engine copy with these options."""

    def engine_disposed(self, engine: Any) -> None:
        """``Engine.dispose()`` was called; the old pool is closed."""

    def begin(self, conn: Any) -> None:
        """A transaction begins on the connection."""

    def rollback(self, conn: Any) -> None:
        """The transaction is being rolled back."""

    def commit(self, conn: Any) -> None:
        """The transaction is being committed."""

    def savepoint(self, conn: Any, name: str) -> None:
        """A SAVEPOINT named ``name`` is being created."""

    def rollback_savepoint(self, conn: Any, name: str, context: Any) -> None:
        """The connection rolls back to a SAVEPOINT."""

    def release_savepoint(self, conn: Any, name: str, context: Any) -> None:
        """A SAVEPOINT is being released."""


class DialectEvents(Events):
    """Events fired by a dialect (``DefaultDialect``) around connect and DBAPI execution."""

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        accepted = super()._accept_with(target)
        if accepted is not None:
            return accepted
        if isinstance(target, type):
            # The Engine class stands for every engine's dialect: the DefaultDialect class.
            # Imported by name at listen time: the engine modules import this one.
            try:
                engine_cls = importlib.import_module("sqlweave.core.engine.base").Engine
                default_dialect = importlib.import_module(
                    "sqlweave.core.engine.default"
                ).DefaultDialect
            except (ImportError, AttributeError):
                return None
            if issubclass(target, engine_cls):
                return super()._accept_with(default_dialect)
            return None
        dialect = getattr(target, "dialect", None)
        return super()._accept_with(dialect) if dialect is not None else None

    def do_connect(self, dialect: Any, conn_rec: Any, cargs: list[Any],
                   cparams: dict[str, Any]) -> Any:
        """Before the DBAPI ``connect()``; may change ``cargs``/``cparams`` in place or return
        a DBAPI connection to use instead."""

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any) -> Any:
        """Before ``cursor.execute()``; return True to say the statement was executed."""

    def do_executemany(self, cursor: Any, statement: str, parameters: Any,
                       context: Any) -> Any:
        """Before ``cursor.executemany()``; return True to say the statement was executed."""

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any) -> Any:
        """Before ``cursor.execute()`` of a statement without parameters; return True to say the
        statement was executed."""
