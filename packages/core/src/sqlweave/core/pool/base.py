"""Pool base: :class:`Pool`, connection records, the proxied connection, checkout and checkin.

Vocabulary (SQLAlchemy's): a **record** (:class:`_ConnectionRecord`) is a pool slot that owns
at most one DBAPI connection at a time and reconnects it when needed (recycle, invalidation);
a **proxied connection** ("fairy", :class:`PoolProxiedConnection`) is what ``pool.connect()``
hands out; closing it returns the record to the pool.

Checkout (``Pool.connect``): take a record from the subclass (``_do_get``), make sure its DBAPI
connection is current (``_ConnectionRecord.get_connection``: reconnect when missing, older than
``recycle``, or older than the pool's ``_invalidate_time``), wrap it in a fairy, then -- only if
``pre_ping`` is on or checkout listeners exist -- ping and fire ``checkout``. A
``DisconnectionError`` there (from a failed ping or from a listener) discards the DBAPI
connection and tries a fresh one, 3 attempts in all; an :class:`~sqlweave.core.exc.
InvalidatePoolError` (used for a failed ping) also marks every older pooled connection stale.

Checkin (``PoolProxiedConnection.close``): fire ``reset``, roll back (or commit, or nothing, per
``reset_on_return``), run the record's ``finalize_callback`` functions, fire ``checkin``, hand the
record back (``_do_return_conn``). If any of the reset steps fails the connection is invalidated
(closed) rather than pooled in an unknown state.

The dialect (duck-typed; the engine passes its ``Dialect``) supplies ``do_rollback``,
``do_commit``, ``do_close``, ``do_ping`` (True when alive; may raise), ``is_disconnect(e,
dbapi_connection, cursor)`` and ``loaded_dbapi`` (its ``.Error`` bounds what a ping may raise
and still count as a disconnect). Without one, :class:`_PoolDialect` uses the DBAPI methods and
treats any exception from a ping as a disconnect.

Per-connection state the engine changes (isolation level, other "characteristics") is undone by
appending a callable to ``fairy._connection_record.finalize_callback``: each is called with the
DBAPI connection at checkin, after the rollback (SQLAlchemy's mechanism). A failing callback
invalidates the connection.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlweave.core import exc
from sqlweave.core.event.base import _InstanceDispatch, dispatcher
from sqlweave.core.events import PoolEvents
from sqlweave.core.log import POOL_LOGGER_NAME, EchoFlag, Identified, echo_property, instance_logger

#: which PoolEvents were ever listened for (see event.base.Live): checkout and checkin look at
#: the pool's dispatch only for those
_EVENTS = PoolEvents.live

__all__ = [
    "Pool",
    "PoolProxiedConnection",
    "PoolResetState",
    "ResetStyle",
    "reset_commit",
    "reset_none",
    "reset_rollback",
]

#: Total attempts to hand out a live connection when checkout finds it dead.
_CHECKOUT_ATTEMPTS = 3

#: Bumped in a forked child: a record whose connection was made under an older generation
#: holds a socket that belongs to the parent process. (A counter, not os.getpid() on every
#: checkout: no system call on the hot path.)
_fork_generation = [0]


#: Connections inherited from the parent, kept referenced in the child so that no driver
#: finalizer ever runs on them there (one per pool slot at most; the child never uses them).
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    _fork_generation[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class ResetStyle(Enum):
    """What the pool does to a connection when it is returned (``reset_on_return``)."""

    reset_rollback = 0
    reset_commit = 1
    reset_none = 2


reset_rollback = ResetStyle.reset_rollback
reset_commit = ResetStyle.reset_commit
reset_none = ResetStyle.reset_none

_RESET_ALIASES: dict[Any, ResetStyle] = {
    True: reset_rollback, "rollback": reset_rollback, reset_rollback: reset_rollback,
    "commit": reset_commit, reset_commit: reset_commit,
    None: reset_none, False: reset_none, "none": reset_none, reset_none: reset_none,
}


class PoolResetState:
    """Describes a reset in progress; passed to the ``reset`` pool event.

    ``transaction_was_reset`` is True when the engine already ended the transaction, so the pool
    skips its own rollback; ``terminate_only`` is True when the connection is being discarded
    rather than returned; ``asyncio_safe`` is always True here (no asyncio adaptation).
    """

    __slots__ = ("transaction_was_reset", "terminate_only", "asyncio_safe")

    def __init__(self, transaction_was_reset: bool, terminate_only: bool,
                 asyncio_safe: bool = True) -> None:
        self.transaction_was_reset = transaction_was_reset
        self.terminate_only = terminate_only
        self.asyncio_safe = asyncio_safe

    def __repr__(self) -> str:
        return (f"PoolResetState(transaction_was_reset={self.transaction_was_reset}, "
                f"terminate_only={self.terminate_only})")


class _PoolDialect:
    """The dialect a pool uses when none is given: plain DBAPI calls.

    Without driver knowledge every exception from a ping is taken as a disconnect: a connection
    that cannot run ``SELECT 1`` is of no use to anyone.
    """

    loaded_dbapi: Any = None

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Roll back through the DBAPI."""
        dbapi_connection.rollback()

    def do_commit(self, dbapi_connection: Any) -> None:
        """Commit through the DBAPI."""
        dbapi_connection.commit()

    def do_close(self, dbapi_connection: Any) -> None:
        """Close through the DBAPI."""
        dbapi_connection.close()

    def do_ping(self, dbapi_connection: Any) -> bool:
        """Run ``SELECT 1``; True when it worked."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        return True

    def is_disconnect(self, e: BaseException, dbapi_connection: Any, cursor: Any) -> bool:
        """Every error is a disconnect (see the class docstring)."""
        return True


_POOL_DIALECT = _PoolDialect()


def _conn_repr(dbapi_connection: Any) -> str:
    # Never the driver's repr: psycopg2's includes the DSN. Type and id identify it well enough.
    if dbapi_connection is None:
        return "<no connection>"
    return f"<{type(dbapi_connection).__module__}.{type(dbapi_connection).__name__} " \
           f"at 0x{id(dbapi_connection):x}>"


class Pool(Identified):
    """Abstract base of connection pools.

    ``creator`` makes a DBAPI connection; it takes no argument, or one (the
    :class:`_ConnectionRecord` being connected, for ``DialectEvents.do_connect``). ``recycle``
    (seconds, -1 = never) replaces connections older than that at checkout. ``echo`` logs to
    ``sqlweave.pool`` (``True`` INFO, ``"debug"`` DEBUG). ``reset_on_return`` is ``"rollback"``
    (or True, the default), ``"commit"`` or None/False. ``events`` is a list of ``(fn, name)``
    pairs to listen on this pool. ``dialect`` supplies rollback/commit/close/ping and disconnect
    classification (see the module docstring). ``pre_ping`` tests each connection at checkout.
    """

    dispatch = dispatcher(PoolEvents)
    _logger_name = POOL_LOGGER_NAME
    echo = echo_property()

    _dialect: Any

    def __init__(
        self,
        creator: Callable[..., Any],
        recycle: float = -1,
        echo: EchoFlag = None,
        logging_name: str | None = None,
        reset_on_return: Any = True,
        events: list[tuple[Callable[..., Any], str]] | None = None,
        dialect: Any = None,
        pre_ping: bool = False,
        _dispatch: _InstanceDispatch | None = None,
    ) -> None:
        if logging_name:
            self.logging_name = logging_name
        instance_logger(self, echoflag=echo)
        self._creator = creator
        self._recycle = recycle
        self._invalidate_time = 0.0
        self._pre_ping = pre_ping
        try:
            self._reset_on_return = _RESET_ALIASES[reset_on_return]
        except (KeyError, TypeError):
            raise exc.ArgumentError(
                f"Invalid value for reset_on_return: {reset_on_return!r}; expected "
                f"'rollback' (True), 'commit' or None (False)"
            ) from None
        self._dialect = dialect if dialect is not None else _POOL_DIALECT
        # Bound once: the reset runs on every checkin.
        self._reset_fn: Callable[[Any], Any] | None = (
            self._dialect.do_rollback if self._reset_on_return is reset_rollback
            else self._dialect.do_commit if self._reset_on_return is reset_commit
            else None
        )
        self._first_connect_done = False
        self._first_connect_lock = threading.Lock()
        if _dispatch is not None:
            self.dispatch._update(_dispatch)
        if events:
            from sqlweave.core.event.api import listen

            for fn, identifier in events:
                listen(self, identifier, fn)

    # -- creator -------------------------------------------------------------------------------

    @property
    def _creator(self) -> Callable[..., Any]:
        return self._creator_fn

    @_creator.setter
    def _creator(self, creator: Callable[..., Any]) -> None:
        self._creator_fn = creator
        self._creator_takes_record = _takes_one_arg(creator)

    def _invoke_creator(self, record: _ConnectionRecord) -> Any:
        if self._creator_takes_record:
            return self._creator_fn(record)
        return self._creator_fn()

    # -- public API ----------------------------------------------------------------------------

    def connect(self) -> PoolProxiedConnection:
        """Check out a connection; close the returned proxy to give it back."""
        return self._checkout_record(self._do_get())

    def _checkout_record(self, rec: _ConnectionRecord) -> PoolProxiedConnection:
        """Hand out ``rec`` (just taken from the pool): its live DBAPI connection, proxied."""
        try:
            dbapi_connection = rec.get_connection()
        except BaseException:
            rec._checkin_failed()
            raise
        fairy = PoolProxiedConnection(dbapi_connection, rec, self)
        rec.fairy_ref = weakref.ref(fairy, rec._on_lost)
        if self._should_log_debug:
            self.logger.debug("Connection %s checked out from pool", _conn_repr(dbapi_connection))
        if self._pre_ping or (_EVENTS.checkout and self.dispatch.checkout):
            self._checkout_checks(fairy)
        return fairy

    def _checkout_checks(self, fairy: PoolProxiedConnection) -> None:
        """Pre-ping and checkout listeners, retrying on DisconnectionError."""
        rec = fairy._connection_record
        assert rec is not None
        last: BaseException | None = None
        for _attempt in range(_CHECKOUT_ATTEMPTS):
            fresh = rec.fresh
            rec.fresh = False
            try:
                if self._pre_ping and not fresh:
                    self._ping(fairy.dbapi_connection)
                if self.dispatch.checkout:
                    self.dispatch.checkout(fairy.dbapi_connection, rec, fairy)
                return
            except exc.DisconnectionError as e:
                last = e
                if self._should_log_info:
                    self.logger.info(
                        "Disconnection detected on checkout of %s (%r); %s",
                        _conn_repr(fairy.dbapi_connection), e,
                        "invalidating every older pooled connection"
                        if isinstance(e, exc.InvalidatePoolError)
                        else "invalidating this connection",
                    )
                rec.invalidate(e)
                if isinstance(e, exc.InvalidatePoolError):
                    self._invalidate(fairy, e, _checkin=False)
                try:
                    fairy.dbapi_connection = rec.get_connection()
                except BaseException as err:
                    fairy.dbapi_connection = None
                    fairy._connection_record = None
                    rec.fairy_ref = None
                    rec._checkin_failed()
                    raise _wrap_connect_error(err, self._dialect) from err
            except BaseException:
                fairy.dbapi_connection = None
                fairy._connection_record = None
                rec.fairy_ref = None
                rec._checkin_failed()
                raise
        if self._should_log_info:
            self.logger.info("Reconnection attempts exhausted on checkout")
        fairy.invalidate(last)
        raise exc.DisconnectionError(
            f"Could not check out a live connection after {_CHECKOUT_ATTEMPTS} attempts; "
            f"last error: {last!r}"
        ) from last

    def _ping(self, dbapi_connection: Any) -> None:
        """Raise InvalidatePoolError when the connection is dead; re-raise other errors."""
        dialect = self._dialect
        dbapi = getattr(dialect, "loaded_dbapi", None)
        catch: type[BaseException] = getattr(dbapi, "Error", Exception) if dbapi else Exception
        try:
            alive = dialect.do_ping(dbapi_connection)
        except catch as e:
            if not dialect.is_disconnect(e, dbapi_connection, None):
                raise
            if self._should_log_info:
                self.logger.info("Pool pre-ping on connection %s failed: %r",
                                 _conn_repr(dbapi_connection), e)
            raise exc.InvalidatePoolError(f"pre-ping failed: {e}") from e
        if not alive:
            if self._should_log_info:
                self.logger.info("Pool pre-ping on connection %s failed",
                                 _conn_repr(dbapi_connection))
            raise exc.InvalidatePoolError("pre-ping reported the connection dead")

    def _invalidate(self, connection: Any, exception: BaseException | None = None,
                    _checkin: bool = True) -> None:
        """Mark every connection made before now as stale (replaced at its next checkout) and,
        if ``_checkin``, invalidate ``connection`` (a proxied connection) as well.

        This is what the engine calls on a disconnect error: the other pooled connections were
        most likely cut by the same event.
        """
        rec = getattr(connection, "_connection_record", None)
        if rec is None or self._invalidate_time < rec.starttime:
            self._invalidate_time = time.time()
        if _checkin and getattr(connection, "is_valid", False):
            connection.invalidate(exception)

    def recreate(self) -> Pool:
        """Return a new, empty pool of the same class and configuration (same listeners)."""
        raise NotImplementedError()

    def dispose(self) -> None:
        """Close the connections that are checked in; checked-out ones close on return."""
        raise NotImplementedError()

    def status(self) -> str:
        """A one-line description of the pool's state."""
        raise NotImplementedError()

    def _recreate_kw(self) -> dict[str, Any]:
        return dict(
            recycle=self._recycle, echo=self._echo, logging_name=self.logging_name,
            reset_on_return=self._reset_on_return, dialect=self._dialect,
            pre_ping=self._pre_ping, _dispatch=self.dispatch,
        )

    def _after_recreate(self, new: Pool) -> Pool:
        # first_connect is "once per pool lineage" (SQLAlchemy: once per dispatch), so dialect
        # initialisation hooked on it does not run again after engine.dispose().
        new._first_connect_done = self._first_connect_done
        new._invalidate_time = self._invalidate_time
        if self._should_log_info:
            self.logger.info("Pool recreating")
        return new

    # -- subclass hooks ------------------------------------------------------------------------

    def _do_get(self) -> _ConnectionRecord:
        raise NotImplementedError()

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        raise NotImplementedError()

    def _create_connection(self) -> _ConnectionRecord:
        """A new record with a new DBAPI connection."""
        return _ConnectionRecord(self)

    def _close_connection(self, dbapi_connection: Any, record: _ConnectionRecord | None
                          ) -> None:
        if record is not None and record._fork_gen != _fork_generation[0]:
            _inherited.append(dbapi_connection)  # the parent's connection: not ours to close
            return
        if self._should_log_debug:
            self.logger.debug("Closing connection %s", _conn_repr(dbapi_connection))
        try:
            if record is not None and self.dispatch.close:
                self.dispatch.close(dbapi_connection, record)
            self._dialect.do_close(dbapi_connection)
        except Exception:
            # A connection we are throwing away may well be broken; closing it must not fail.
            if self._should_log_info:
                self.logger.info("Exception closing connection %s",
                                 _conn_repr(dbapi_connection), exc_info=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at 0x{id(self):x}>"


def _takes_one_arg(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not positional:
        return False
    required = [p for p in positional if p.default is p.empty]
    return len(required) == 1


def _wrap_connect_error(err: BaseException, dialect: Any) -> BaseException:
    """Wrap a reconnect failure after a dead connection in the DBAPIError tree."""
    if not isinstance(err, Exception) or isinstance(err, exc.SqlweaveError):
        return err
    dbapi = getattr(dialect, "loaded_dbapi", None)
    wrapped = exc.DBAPIError.instance(
        None, None, err, getattr(dbapi, "Error", None) if dbapi else None,
        connection_invalidated=True, dialect=dialect if hasattr(dialect, "classify_error")
        else None,
    )
    return wrapped


class _ConnectionRecord:
    """A pool slot: owns at most one DBAPI connection and replaces it when it goes stale.

    ``info`` lives as long as the current DBAPI connection (cleared when it is replaced);
    ``record_info`` lives as long as the record. ``finalize_callback`` holds callables run with
    the DBAPI connection at the next checkin (the engine uses it to undo isolation-level
    changes).
    """

    __slots__ = (
        "_pool", "dbapi_connection", "starttime", "fresh", "fairy_ref", "_info",
        "_record_info", "_soft_invalidate_time", "finalize_callback", "_on_lost", "_fork_gen",
        "__weakref__",
    )

    def __init__(self, pool: Pool, connect: bool = True) -> None:
        self._pool = pool
        self.dbapi_connection: Any = None
        self.starttime = 0.0
        self.fresh = False
        self.fairy_ref: weakref.ref[PoolProxiedConnection] | None = None
        self._info: dict[Any, Any] | None = None
        self._record_info: dict[Any, Any] | None = None
        self._soft_invalidate_time = 0.0
        self.finalize_callback: deque[Callable[[Any], Any]] = deque()
        self._on_lost = _lost_callback(weakref.ref(self))
        self._fork_gen = _fork_generation[0]
        if connect:
            self._connect()

    @property
    def info(self) -> dict[Any, Any]:
        """Dictionary tied to the current DBAPI connection (cleared when it is replaced)."""
        if self._info is None:
            self._info = {}
        return self._info

    @property
    def record_info(self) -> dict[Any, Any]:
        """Dictionary tied to this record, surviving reconnects."""
        if self._record_info is None:
            self._record_info = {}
        return self._record_info

    @property
    def driver_connection(self) -> Any:
        """The driver's connection object (same as ``dbapi_connection`` for sync drivers)."""
        return self.dbapi_connection

    def _connect(self) -> None:
        pool = self._pool
        self.dbapi_connection = None
        self.starttime = time.time()
        try:
            connection = pool._invoke_creator(self)
        except BaseException as e:
            if pool._should_log_info:
                pool.logger.info("Error on connect(): %s", e)
            raise
        self.dbapi_connection = connection
        self._fork_gen = _fork_generation[0]
        self.fresh = True
        if pool._should_log_debug:
            pool.logger.debug("Created new connection %s", _conn_repr(connection))
        if not pool._first_connect_done:
            self._first_connect(connection)
        if pool.dispatch.connect:
            pool.dispatch.connect(connection, self)

    def _first_connect(self, connection: Any) -> None:
        pool = self._pool
        # Other threads connecting meanwhile wait: first_connect usually initialises the
        # dialect, which they must not use half-done.
        with pool._first_connect_lock:
            if pool._first_connect_done:
                return
            if pool.dispatch.first_connect:
                try:
                    pool.dispatch.first_connect(connection, self)
                except BaseException:
                    self.dbapi_connection = None
                    pool._close_connection(connection, None)
                    raise
            pool._first_connect_done = True

    def get_connection(self) -> Any:
        """The live DBAPI connection, reconnecting first if it is missing or stale."""
        conn = self.dbapi_connection
        if conn is None:
            self._info = None
            self._connect()
            return self.dbapi_connection
        pool = self._pool
        if self._fork_gen != _fork_generation[0]:
            # Inherited across os.fork(): the parent still uses this socket. Forget it, never
            # close it (closing would end the parent's session), and connect afresh (R22).
            if pool._should_log_info:
                pool.logger.info("Connection %s was made before os.fork(); replacing it in the "
                                 "child without closing it", _conn_repr(conn))
            _inherited.append(conn)
            self.dbapi_connection = None
            self._info = None
            self._connect()
            return self.dbapi_connection
        starttime = self.starttime
        if (
            pool._invalidate_time > starttime
            or self._soft_invalidate_time > starttime
            or (pool._recycle > -1 and time.time() - starttime > pool._recycle)
        ):
            if pool._should_log_info:
                pool.logger.info("Connection %s exceeded its recycle time or was invalidated; "
                                 "recycling", _conn_repr(conn))
            self.dbapi_connection = None
            pool._close_connection(conn, self)
            self._info = None
            self._connect()
            return self.dbapi_connection
        return conn

    def invalidate(self, e: BaseException | None = None, soft: bool = False) -> None:
        """Close the DBAPI connection (or, if ``soft``, mark it to be replaced at the next
        checkout); the record reconnects on its next checkout."""
        conn = self.dbapi_connection
        if conn is None:
            return
        pool = self._pool
        if soft:
            if pool.dispatch.soft_invalidate:
                pool.dispatch.soft_invalidate(conn, self, e)
        elif pool.dispatch.invalidate:
            pool.dispatch.invalidate(conn, self, e)
        if pool._should_log_info:
            pool.logger.info("%sInvalidate connection %s%s", "Soft " if soft else "",
                             _conn_repr(conn),
                             f" (reason: {type(e).__name__}:{e})" if e is not None else "")
        if soft:
            self._soft_invalidate_time = time.time()
        else:
            self.dbapi_connection = None
            pool._close_connection(conn, self)

    def close(self) -> None:
        """Close the DBAPI connection for good (the record is being discarded)."""
        conn = self.dbapi_connection
        if conn is not None:
            self.dbapi_connection = None
            self._pool._close_connection(conn, self)

    def _checkin_failed(self) -> None:
        """Checkout failed after the record was taken: drop its connection and give it back."""
        self.invalidate()
        self.fairy_ref = None
        self._pool._do_return_conn(self)

    def _return(self, transaction_was_reset: bool = False) -> None:
        """Reset the connection and hand the record back to its pool."""
        pool = self._pool
        conn = self.dbapi_connection
        self.fairy_ref = None
        if conn is not None:
            try:
                if _EVENTS.reset and pool.dispatch.reset:
                    pool.dispatch.reset(conn, self, PoolResetState(transaction_was_reset, False))
                reset_fn = pool._reset_fn
                if reset_fn is not None and not (
                    transaction_was_reset and pool._reset_on_return is reset_rollback
                ):
                    reset_fn(conn)
                finalize = self.finalize_callback
                while finalize:
                    finalize.popleft()(conn)
            except BaseException as e:
                # A connection whose reset failed is in an unknown state: never pool it.
                if pool._should_log_info:
                    pool.logger.info("Exception during reset or similar on %s: %r",
                                     _conn_repr(conn), e)
                self.finalize_callback.clear()
                self.invalidate(e)
                conn = None
                if not isinstance(e, Exception):
                    pool._do_return_conn(self)
                    raise
        else:
            self.finalize_callback.clear()
        if _EVENTS.checkin and pool.dispatch.checkin:
            pool.dispatch.checkin(conn, self)
        if pool._should_log_debug:
            pool.logger.debug("Connection %s being returned to pool", _conn_repr(conn))
        pool._do_return_conn(self)

    def __repr__(self) -> str:
        return f"<_ConnectionRecord {_conn_repr(self.dbapi_connection)}>"


def _lost_callback(rec_ref: weakref.ref[_ConnectionRecord]
                   ) -> Callable[[weakref.ref[PoolProxiedConnection]], None]:
    """Weakref callback for a proxied connection dropped without ``close()``: reset and return
    its record so the pool does not leak a slot."""

    def on_lost(fairy_ref: weakref.ref[PoolProxiedConnection]) -> None:
        rec = rec_ref()
        if rec is None or rec.fairy_ref is not fairy_ref:
            return
        pool = rec._pool
        if pool._should_log_info:
            pool.logger.info("Connection %s garbage collected without close(); returning it "
                             "to the pool", _conn_repr(rec.dbapi_connection))
        try:
            rec._return()
        except Exception:  # pragma: no cover - nothing to report to inside a GC callback
            pass

    return on_lost


class PoolProxiedConnection:
    """A checked-out connection (SQLAlchemy's "connection fairy").

    Proxies the DBAPI connection (``cursor()``, ``commit()``, ``rollback()``; other attributes
    are forwarded), and ``close()`` returns it to the pool instead of closing it.
    """

    __slots__ = ("dbapi_connection", "_connection_record", "_pool", "_counter",
                 "_detached_info", "__weakref__")

    def __init__(self, dbapi_connection: Any, record: _ConnectionRecord, pool: Pool) -> None:
        self.dbapi_connection = dbapi_connection
        self._connection_record: _ConnectionRecord | None = record
        self._pool = pool
        # Checkouts sharing this proxy (SingletonThreadPool re-entry); close() at zero returns.
        self._counter = 1
        self._detached_info: dict[Any, Any] | None = None

    @property
    def driver_connection(self) -> Any:
        """The driver's connection object (same as ``dbapi_connection`` for sync drivers)."""
        return self.dbapi_connection

    @property
    def is_valid(self) -> bool:
        """False once closed or invalidated."""
        return self.dbapi_connection is not None

    @property
    def is_detached(self) -> bool:
        """True after :meth:`detach`."""
        return self._detached_info is not None

    @property
    def info(self) -> dict[Any, Any]:
        """Dictionary tied to the DBAPI connection: the same dict on every checkout of it."""
        if self._detached_info is not None:
            return self._detached_info
        rec = self._connection_record
        if rec is None:
            raise exc.InvalidRequestError("This connection is closed")
        return rec.info

    @property
    def record_info(self) -> dict[Any, Any] | None:
        """The record's dictionary (survives reconnects); None when detached."""
        rec = self._connection_record
        return rec.record_info if rec is not None else None

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        """A new DBAPI cursor."""
        conn = self.dbapi_connection
        if conn is None:
            raise exc.InvalidRequestError("This connection is closed")
        return conn.cursor(*args, **kwargs)

    def commit(self) -> None:
        """Commit through the DBAPI."""
        self.dbapi_connection.commit()

    def rollback(self) -> None:
        """Roll back through the DBAPI."""
        self.dbapi_connection.rollback()

    def close(self) -> None:
        """Return the connection to the pool (close it, if detached). Idempotent."""
        self._close(False)

    def _close(self, transaction_was_reset: bool) -> None:
        """:meth:`close`; ``transaction_was_reset``: the engine's Connection ended its
        transaction and nothing ran since, so the pool's reset rollback is skipped."""
        # _counter read once: attribute reads on this class take the slow path (__getattr__)
        counter = self._counter - 1
        if counter > 0:
            self._counter = counter
            return
        self._counter = 0
        rec = self._connection_record
        if rec is not None:
            # The common case, inlined from _checkin: this sits on every engine checkin.
            self._connection_record = None
            self.dbapi_connection = None
            rec._return(transaction_was_reset)
            return
        self._checkin(transaction_was_reset)

    def _checkin(self, transaction_was_reset: bool = False) -> None:
        """Return to the pool; ``transaction_was_reset`` skips the rollback (the engine
        already ended the transaction)."""
        rec = self._connection_record
        if rec is not None:
            self._connection_record = None
            self.dbapi_connection = None
            rec._return(transaction_was_reset)
            return
        if self._detached_info is not None and self.dbapi_connection is not None:
            conn = self.dbapi_connection
            self.dbapi_connection = None
            pool = self._pool
            if pool.dispatch.close_detached:
                pool.dispatch.close_detached(conn)
            try:
                pool._dialect.do_close(conn)
            except Exception:
                pass

    def invalidate(self, e: BaseException | None = None, soft: bool = False) -> None:
        """Discard the DBAPI connection; the pool slot reconnects on its next checkout.

        ``soft=True`` keeps using the connection until it is returned, then replaces it.
        """
        if self.dbapi_connection is None:
            return  # already closed or invalidated: nothing left to discard
        rec = self._connection_record
        if rec is not None:
            rec.invalidate(e, soft=soft)
        if not soft:
            if rec is None and self.dbapi_connection is not None:
                # Detached: we own the DBAPI connection.
                conn = self.dbapi_connection
                self.dbapi_connection = None
                try:
                    self._pool._dialect.do_close(conn)
                except Exception:
                    pass
                return
            self._counter = 0
            self._connection_record = None
            self.dbapi_connection = None
            if rec is not None:
                rec._return()

    def detach(self) -> None:
        """Take the DBAPI connection out of the pool: the pool forgets it (and opens a new one
        in its place when needed); :meth:`close` then really closes it."""
        rec = self._connection_record
        if rec is None:
            return
        self._detached_info = dict(rec.info)
        self._connection_record = None
        conn = self.dbapi_connection
        rec.dbapi_connection = None
        rec._info = None
        rec.fairy_ref = None
        rec.finalize_callback.clear()
        self._pool._do_return_conn(rec)
        if self._pool.dispatch.detach:
            self._pool.dispatch.detach(conn, rec)

    def __getattr__(self, name: str) -> Any:
        # Forward anything else (autocommit, server_version, ...) to the DBAPI connection.
        conn = object.__getattribute__(self, "dbapi_connection")
        if conn is None:
            raise AttributeError(name)
        return getattr(conn, name)

    def __enter__(self) -> PoolProxiedConnection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PoolProxiedConnection {_conn_repr(self.dbapi_connection)}>"


#: SQLAlchemy's internal name for the proxied connection.
_ConnectionFairy = PoolProxiedConnection
