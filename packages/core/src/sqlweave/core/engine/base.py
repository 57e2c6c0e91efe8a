"""``Engine``, ``Connection`` and transactions (root and SAVEPOINT), with DBAPI error translation.

Semantics follow SQLAlchemy 2.0: a Connection begins a transaction on first use (autobegin);
``commit()`` / ``rollback()`` end it; leaving ``with engine.connect()`` rolls back what was not
committed; ``with engine.begin()`` commits on success and rolls back on error.

A disconnect (as the dialect classifies it) invalidates the DBAPI connection and every older one
in the pool; the Connection then raises :class:`~sqlweave.core.exc.PendingRollbackError` until
``rollback()``, after which the next statement runs on a fresh connection. A disconnect during
COMMIT raises :class:`~sqlweave.core.exc.CommitOutcomeUnknownError` and is never retried.
"""

from __future__ import annotations

import operator
import threading
import time
from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

from sqlweave.core import exc
from sqlweave.core.engine.default import statement_specific_results
from sqlweave.core.engine.result import CursorResult
from sqlweave.core.event.base import dispatcher
from sqlweave.core.events import ConnectionEvents, DialectEvents
from sqlweave.core.log import ENGINE_LOGGER_NAME, Identified, echo_property, instance_logger
from sqlweave.core.sql.elements import ClauseElement

_EMPTY: dict[str, Any] = {}
#: how most statements run (Connection.execute calls _execute_clauseelement for them directly)
_CLAUSE_EXECUTE = ClauseElement._execute_on_connection
_T = TypeVar("_T")


def _distill_params(params: Any) -> list[Any]:
    if params is None:
        return []
    if isinstance(params, dict):
        return [params]
    if isinstance(params, list):
        if params and not isinstance(params[0], (dict, tuple, list)):
            raise exc.ArgumentError(
                "List argument must consist only of dictionaries (or tuples for exec_driver_sql)"
            )
        return params
    if isinstance(params, tuple):
        return [params]
    if hasattr(params, "keys") and hasattr(params, "__getitem__"):
        return [dict(params)]
    raise exc.ArgumentError(f"parameters must be a dict or a list of dicts, got {type(params).__name__}")


#: which ConnectionEvents / DialectEvents were ever listened for (see event.base.Live): the
#: begin/commit/execute paths look at a dispatch only for those
_EVENTS = ConnectionEvents.live
#: ... and DialectEvents; while none is, it also stands in for ``dialect.dispatch`` in the
#: statement-running paths (every event reads False there, as an empty listener tuple would)
_DIALECT_EVENTS = DialectEvents.live

#: the events whose listeners the execution path looks for (Connection._has_events)
_EXECUTION_EVENTS = frozenset(("before_execute", "after_execute", "before_cursor_execute",
                               "after_cursor_execute", "handle_error"))


def _ran_by_listener(listeners: Any, *args: Any) -> bool:
    """Fire ``do_execute``/``do_executemany``/``do_execute_no_params`` listeners: True when one
    of them says it ran the statement itself (the dialect's own call is then skipped)."""
    return any(fn(*args) for fn in listeners)


def _plain_options(opts: dict[str, Any]) -> bool:
    """True when execution options don't change where a compiled statement is cached."""
    return not opts.get("schema_translate_map") and "compiled_cache" not in opts


class _ConnectionDispatcher(dispatcher[ConnectionEvents]):
    """``Connection.dispatch``: read on a connection, the dispatch joined to its engine's (one
    object per engine and Connection class, see ``Engine._join_conn_dispatch``), made on the
    first read, which only code with listeners to fire or add does."""

    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is None:
            return super().__get__(obj, owner)
        engine = obj.engine
        joined = engine._conn_dispatch  # (engine dispatch, Connection class, joined dispatch)
        if joined is not None and joined[0] is engine.dispatch and joined[1] is type(obj):
            d = joined[2]
        else:
            d = engine._join_conn_dispatch(type(obj))
        object.__setattr__(obj, self.name, d)  # later reads find it on the instance
        return d


class Connection:
    """A DBAPI connection checked out of the engine's pool, with SQLAlchemy 2.0 semantics."""

    dispatch = _ConnectionDispatcher(ConnectionEvents)
    #: the streamed result whose unbuffered cursor holds the DBAPI connection (see _unblock)
    _blocking_result: CursorResult | None = None

    # state every new connection starts with; __init__ stores the ones the begin/execute/commit
    # path reads on the instance too: CPython 3.11 specializes reads of an object's own
    # attributes, while a read that falls through to the class default takes the generic lookup
    _transaction: RootTransaction | None = None
    _nested_transaction: NestedTransaction | None = None
    _invalid = False
    _closed = False
    _savepoint_seq = 0
    _open_results = 0
    _iso_changed = False
    #: True while the DBAPI connection is known to be outside a transaction because this
    #: Connection's last COMMIT/ROLLBACK succeeded and nothing used the DBAPI connection since:
    #: returning it to the pool then skips the pool's reset rollback (a round trip on MySQL)
    _reset_done = False

    def __init__(self, engine: Engine, connection: Any = None) -> None:
        self._transaction = None
        self._nested_transaction = None
        self._blocking_result = None
        self._invalid = self._closed = self._reset_done = self._iso_changed = False
        self._open_results = 0
        self.engine = engine
        self.dialect = dialect = engine.dialect
        if connection is None:  # Engine._checkout(), inline: this runs on every connect()
            connection = engine.pool.connect()
            if not dialect._initialized:
                engine._first_checkout(connection)
        self._dbapi = connection
        self._execution_options = opts = engine._execution_options
        self._plain_opts = engine._plain_opts
        self._ctx_cls = dialect.execution_ctx_cls
        if _EVENTS._any:
            engine_dispatch = engine.dispatch
            listened = engine_dispatch._nonempty  # the engine's events that have listeners
            self._has_events = bool(listened) and not _EXECUTION_EVENTS.isdisjoint(listened)
            if listened and engine_dispatch.engine_connect:
                engine_dispatch.engine_connect(self)
        else:  # nothing listens for any ConnectionEvents anywhere
            self._has_events = False
        self._echo = engine._should_log_info
        if opts:
            iso = opts.get("isolation_level")
            if iso is not None:
                self._set_isolation(iso)

    # -- properties -------------------------------------------------------------------------------

    @property
    def connection(self) -> Any:
        """The pool's proxy of the DBAPI connection (reconnects after invalidation)."""
        if self._dbapi is None:
            if self._closed:
                raise exc.ResourceClosedError("This Connection is closed")
            if self._invalid and self._transaction is not None:
                raise exc.PendingRollbackError(
                    "Can't reconnect until invalid transaction is rolled back. Please rollback() fully "
                    "before proceeding", code="8s2b"
                )
            self._dbapi = self.engine._checkout()
            self._invalid = False
        self._reset_done = False  # whoever asks may run SQL on it
        return self._dbapi

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def invalidated(self) -> bool:
        return self._invalid

    @property
    def info(self) -> dict[Any, Any]:
        """A dict that lives as long as the DBAPI connection (across pool checkouts)."""
        return self.connection.info  # type: ignore[no-any-return]

    @property
    def default_isolation_level(self) -> str | None:
        return self.dialect.default_isolation_level  # type: ignore[no-any-return]

    def get_isolation_level(self) -> str:
        """The isolation level currently in effect on the DBAPI connection."""
        if self._blocking_result is not None:
            self._unblock()
        return self.dialect.get_isolation_level(self.connection.dbapi_connection)  # type: ignore[no-any-return]

    def execution_options(self, **opts: Any) -> Connection:
        """Set options on this connection (``isolation_level``, ``stream_results``,
        ``yield_per``, ``compiled_cache``, ``logging_token``); returns the connection."""
        if self.dispatch.set_connection_execution_options:
            self.dispatch.set_connection_execution_options(self, opts)
        self._execution_options = {**self._execution_options, **opts}
        self._plain_opts = _plain_options(self._execution_options)
        if "isolation_level" in opts:
            if self._transaction is not None and self._transaction.is_active:
                raise exc.InvalidRequestError(
                    "This connection has already initialized a transaction; set isolation_level "
                    "before the first statement, or after commit()/rollback()"
                )
            self._set_isolation(opts["isolation_level"])
        return self

    def get_execution_options(self) -> dict[str, Any]:
        return dict(self._execution_options)

    def _set_isolation(self, level: str) -> None:
        self.dialect._check_isolation_level(level)
        self.dialect.set_isolation_level(self.connection.dbapi_connection, level)
        self._iso_changed = True
        self.connection.record_info["sqlweave_iso_changed"] = True

    # -- transactions -----------------------------------------------------------------------------

    def begin(self) -> RootTransaction:
        """Begin a transaction explicitly (one is begun automatically on first use otherwise)."""
        if self._transaction is not None:
            raise exc.InvalidRequestError(
                "This connection has already initialized a transaction() object via begin() or "
                "autobegin; can't call begin() here unless rollback() or commit() is called first."
            )
        return RootTransaction(self)

    def begin_nested(self) -> NestedTransaction:
        """Begin a SAVEPOINT (autobegins the outer transaction if needed)."""
        if self._transaction is None:
            self.begin()
        return NestedTransaction(self)

    def in_transaction(self) -> bool:
        return self._transaction is not None and self._transaction.is_active

    def in_nested_transaction(self) -> bool:
        return self._nested_transaction is not None and self._nested_transaction.is_active

    def get_transaction(self) -> RootTransaction | None:
        return self._transaction

    def get_nested_transaction(self) -> NestedTransaction | None:
        return self._nested_transaction

    def commit(self) -> None:
        """Commit the current transaction (no-op if none)."""
        if self._transaction is not None:
            self._transaction.commit()

    def rollback(self) -> None:
        """Roll back the current transaction (no-op if none)."""
        if self._transaction is not None:
            self._transaction.rollback()

    def _autobegin(self) -> None:
        if self._transaction is None:
            RootTransaction(self)

    def _begin_impl(self) -> None:
        if self._blocking_result is not None:
            self._unblock()
        if self._echo:
            self.engine.logger.info("BEGIN (implicit)")
        if _EVENTS.begin and self.dispatch.begin:
            self.dispatch.begin(self)
        try:
            fairy = self._dbapi
            if fairy is None:
                fairy = self.connection  # reconnects (or refuses) after invalidation
            self._reset_done = False
            self.dialect.do_begin(fairy.dbapi_connection)
        except Exception as err:
            self._handle_dbapi_exception(err, None, None, None, None)

    def _rollback_impl(self) -> None:
        if _EVENTS.rollback and self.dispatch.rollback:
            self.dispatch.rollback(self)
        if self._dbapi is None:
            return
        if self._blocking_result is not None:
            # the transaction is being thrown away: the stream ends with it (its remaining rows
            # are read off the wire and discarded, not kept), as a server-side cursor would
            self._blocking_result.close()
        if self._echo:
            self.engine.logger.info("ROLLBACK")
        try:
            self.dialect.do_rollback(self._dbapi.dbapi_connection)
        except Exception as err:
            self._handle_dbapi_exception(err, None, None, None, None)
        self._reset_done = True

    def _savepoint_impl(self) -> str:
        self._savepoint_seq += 1
        name = f"sa_savepoint_{self._savepoint_seq}"
        if self.dispatch.savepoint:
            self.dispatch.savepoint(self, name)
        self.dialect.do_savepoint(self, name)
        return name

    def _rollback_to_savepoint_impl(self, name: str) -> None:
        if self.dispatch.rollback_savepoint:
            self.dispatch.rollback_savepoint(self, name, None)
        self.dialect.do_rollback_to_savepoint(self, name)

    def _release_savepoint_impl(self, name: str) -> None:
        if self.dispatch.release_savepoint:
            self.dispatch.release_savepoint(self, name, None)
        self.dialect.do_release_savepoint(self, name)

    # -- execution --------------------------------------------------------------------------------

    def execute(self, statement: Any, parameters: Any = None, *, execution_options: Any = None) -> Any:
        """Execute a statement (``select()``, ``insert()``, ``text()`` ...) and return its Result.

        ``parameters`` is a dict, or a list of dicts for executemany. A plain ``str`` is refused:
        wrap SQL in ``text()``, or use :meth:`exec_driver_sql`.
        """
        run = getattr(type(statement), "_execute_on_connection", None)
        if run is None:
            raise exc.ObjectNotExecutableError(statement)
        if parameters is None:
            distilled: list[Any] = []
        elif type(parameters) is dict:
            distilled = [parameters]
        else:
            distilled = _distill_params(parameters)
        if run is _CLAUSE_EXECUTE and statement.is_executable:
            # select(), insert(), text() ...: what ClauseElement._execute_on_connection does
            return self._execute_clauseelement(statement, distilled, execution_options or _EMPTY)
        return run(statement, self, distilled, execution_options or _EMPTY)

    def scalar(self, statement: Any, parameters: Any = None, *, execution_options: Any = None) -> Any:
        """Execute and return the first column of the first row."""
        return self.execute(statement, parameters, execution_options=execution_options).scalar()

    def scalars(self, statement: Any, parameters: Any = None, *, execution_options: Any = None) -> Any:
        """Execute and return a ScalarResult over the first column."""
        return self.execute(statement, parameters, execution_options=execution_options).scalars()

    def exec_driver_sql(self, statement: str, parameters: Any = None, execution_options: Any = None) -> Any:
        """Execute a SQL string directly with the driver's own paramstyle.

        .. warning:: trusted SQL — do not pass untrusted input; values go in ``parameters``.
        """
        params = _distill_params(parameters)
        opts = {**self._execution_options, **execution_options} if execution_options else self._execution_options
        dbapi_conn = self._prepare()
        ctx = self._ctx_cls.for_text(self.dialect, self, dbapi_conn, opts, statement, params)
        return self._run(ctx, statement, params if len(params) > 1 else (params[0] if params else None),
                         len(params) > 1, None)

    def _exec_savepoint_sql(self, statement: str) -> None:
        """Run SAVEPOINT / ROLLBACK TO / RELEASE: allowed while the savepoint's work has failed."""
        dbapi_conn = self.connection.dbapi_connection
        ctx = self._ctx_cls.for_text(self.dialect, self, dbapi_conn, self._execution_options, statement, [])
        self._run(ctx, statement, None, False, None).close()

    def _prepare(self) -> Any:
        """The DBAPI connection to run a statement on: autobegins, and refuses while the
        transaction is inactive or failed."""
        tx = self._transaction
        fairy = self._dbapi
        if tx is not None and fairy is not None and tx.is_active and tx._failed is None \
                and self._nested_transaction is None:
            return fairy.dbapi_connection  # the common case: a healthy transaction is open
        if tx is None:
            self._autobegin()
        elif not tx.is_active:
            raise exc.PendingRollbackError(
                "This connection's transaction is inactive because its connection was lost; call "
                "rollback() before using it again (the next statement then runs on a new "
                "connection)", code="8s2b"
            )
        else:
            failed = (self._nested_transaction or tx)._failed
            if failed is not None:
                where = "the savepoint (begin_nested())" if self._nested_transaction is not None else "the transaction"
                raise exc.PendingRollbackError(
                    f"This connection's transaction failed ({type(failed).__name__}: "
                    f"{str(failed).splitlines()[0]}); call rollback() on {where} before using "
                    "the connection again", code="8s2b"
                )
        return self.connection.dbapi_connection

    def _execute_clauseelement(self, elem: Any, distilled: list[Any], execution_options: Any) -> Any:
        elem_opts = elem._execution_options
        opts = {**self._execution_options, **elem_opts, **execution_options} \
            if (execution_options or elem_opts) else self._execution_options
        has_events = self._has_events
        if has_events and self.dispatch.before_execute:
            for fn in self.dispatch.before_execute:
                elem, distilled, _ = fn(self, elem, distilled, {}, opts)
        # the key and bound parameters of a statement object are computed once (statements are
        # immutable; generative methods make a new object without the memo)
        memo = elem.__dict__.get("_memo_key")
        if memo is None:
            extracted: list[Any] = []
            memo = elem.__dict__["_memo_key"] = (elem._gen_cache_key(extracted), extracted)
        key, extracted = memo
        column_keys = tuple(distilled[0]) if distilled and elem.is_dml else None
        for_executemany = len(distilled) > 1
        compiled: Any = None
        if key is not None and opts is self._execution_options and self._plain_opts:
            # the common case (no schema_translate_map, no compiled_cache option): one dict lookup
            cache = self.engine._compiled_cache
            if cache is not None and self.dialect.supports_statement_cache:
                try:
                    compiled = cache.get((key, column_keys, for_executemany))
                except TypeError:  # an unhashable value in the key: _compile() handles it
                    pass
        if compiled is None:
            compiled = self._compile(elem, key, column_keys, for_executemany, opts)
        ctx = self._context(compiled, opts, distilled, extracted)
        if compiled.statement is not elem and compiled._result_columns and statement_specific_results(compiled):
            ctx.invoked_statement = elem  # a cache hit from another statement of this shape
        params = ctx.parameters
        if ctx.executemany:
            if compiled.insertmanyvalues is not None:
                result = self._run_insertmanyvalues(ctx, compiled, params)
            else:
                result = self._run(ctx, ctx.statement, params, True, compiled)
        else:
            result = self._run(ctx, ctx.statement, params[0], False, compiled)
        if has_events and self.dispatch.after_execute:
            self.dispatch.after_execute(self, elem, distilled, {}, opts, result)
        return result

    def _runs_compiled(self, dialect: Any) -> bool:
        """Whether a statement compiled earlier for ``dialect`` may run here through
        :meth:`_execute_compiled`: same dialect, no execute events to fire, and no execution
        option (``schema_translate_map``, ``compiled_cache``) that changes the compiled form."""
        return dialect is self.dialect and not self._has_events and self._plain_opts

    def _execute_compiled(self, compiled: Any, params: dict[str, Any], extracted: list[Any]) -> CursorResult:
        """Run ``compiled`` (this dialect's, taken from an earlier ``execute()``'s
        ``result.context.compiled``) with one parameter dict: ``execute()`` without the cache
        lookup, for callers that run one statement over and over (the ORM's ``get()`` by key,
        its INSERT of one new object). Check :meth:`_runs_compiled` first."""
        ctx = self._context(compiled, self._execution_options, [params], extracted)
        return self._run(ctx, ctx.statement, ctx.parameters[0], False, compiled)  # type: ignore[no-any-return]

    def _compiled_for(self, elem: Any, column_keys: tuple[str, ...], for_executemany: bool) -> tuple[Any, list[Any]]:
        """The compiled form ``execute(elem, ...)`` would use here for parameter sets with these
        keys (through the engine's compiled cache), and the statement's own bound values: what
        :meth:`_execute_compiled` and :meth:`_execute_compiled_rows` take."""
        memo = elem.__dict__.get("_memo_key")  # as in _execute_clauseelement
        if memo is None:
            extracted: list[Any] = []
            memo = elem.__dict__["_memo_key"] = (elem._gen_cache_key(extracted), extracted)
        return self._compile(elem, memo[0], column_keys, for_executemany, self._execution_options), memo[1]

    def _execute_compiled_rows(self, compiled: Any, rows: list[tuple[Any, ...]], extracted: list[Any]) -> CursorResult:
        """executemany of ``compiled`` (as for :meth:`_execute_compiled`) with parameter sets
        given as DBAPI tuples in ``compiled._fast_many_keys`` order: what ``execute()`` makes of
        a list of dicts, for a caller that builds the tuples straight away (the ORM's INSERT of
        many new objects: no dict per row). Check :meth:`_runs_compiled` and that
        ``compiled._fast_many_keys`` is set first."""
        ctx = self._context(compiled, self._execution_options, rows, extracted, True)
        if compiled.insertmanyvalues is not None:
            return self._run_insertmanyvalues(ctx, compiled, rows)  # type: ignore[no-any-return]
        many = len(rows) > 1
        return self._run(ctx, ctx.statement, rows if many else rows[0], many, compiled)  # type: ignore[no-any-return]

    def _context(self, compiled: Any, opts: Any, distilled: list[Any], extracted: list[Any],
                 rows: bool = False) -> Any:
        """The execution context of ``compiled`` with these parameter sets, in this connection's
        transaction (autobegun; refused while it is failed or inactive). A parameter the
        statement can't take raises StatementError naming the SQL."""
        tx = self._transaction
        fairy = self._dbapi
        if tx is not None and fairy is not None and tx.is_active and tx._failed is None \
                and self._nested_transaction is None:
            dbapi_conn = fairy.dbapi_connection  # _prepare()'s common case, without its call
        else:
            dbapi_conn = self._prepare()
        try:
            return self._ctx_cls.for_compiled(self.dialect, self, dbapi_conn, opts, compiled, distilled, extracted,
                                              rows)
        except exc.StatementError as err:
            if err.statement is None:
                err.statement = compiled.string
            raise
        except Exception as err:
            raise exc.StatementError(f"({type(err).__name__}) {err}", compiled.string, None, err) from err

    def _compile(self, elem: Any, key: Any, column_keys: Any, for_executemany: bool, opts: Any) -> Any:
        """The compiled form of ``elem`` for these options: from the compiled cache (the engine's,
        or the ``compiled_cache`` execution option) when the statement has a key, else new."""
        dialect = self.dialect
        stm = opts.get("schema_translate_map") if opts else None
        if stm:
            key = (key, tuple(sorted(stm.items(), key=repr))) if key is not None else None
        cache = opts.get("compiled_cache", self.engine._compiled_cache) if "compiled_cache" in opts \
            else self.engine._compiled_cache
        if key is None or cache is None or not dialect.supports_statement_cache:
            compiled = dialect.statement_compiler(dialect, elem, column_keys=column_keys,
                                                  for_executemany=for_executemany,
                                                  schema_translate_map=stm)
            compiled._created_at = None
            return compiled
        ck: Any = (key, column_keys, for_executemany)
        try:
            compiled = cache.get(ck)
        except TypeError:  # an unhashable value in the key: compile, don't cache
            ck = None
            compiled = None
        if compiled is None:
            compiled = dialect.statement_compiler(dialect, elem, column_keys=column_keys,
                                                  for_executemany=for_executemany,
                                                  schema_translate_map=stm)
            compiled._created_at = time.monotonic()
            if ck is not None:
                cache[ck] = compiled
                if len(cache) > self.engine._cache_size:
                    self.engine._prune_cache()
        return compiled

    def _execute_ddl(self, ddl: Any, distilled: list[Any], execution_options: Any) -> Any:
        opts = {**self._execution_options, **execution_options} if execution_options else self._execution_options
        compiled = ddl.compile(dialect=self.dialect, schema_translate_map=opts.get("schema_translate_map"))
        dbapi_conn = self._prepare()
        ctx = self._ctx_cls.for_compiled(self.dialect, self, dbapi_conn, opts, compiled, [], [])
        return self._run(ctx, compiled.string, None, False, compiled)

    def _run(self, ctx: Any, statement: str, parameters: Any, executemany: bool, compiled: Any) -> Any:
        dialect = self.dialect
        if self._blocking_result is not None:
            self._unblock()
        try:
            cursor = ctx.cursor = ctx.create_cursor()
        except Exception as err:
            self._handle_dbapi_exception(err, statement, parameters, None, ctx)
        if self._has_events and self.dispatch.before_cursor_execute:
            for fn in self.dispatch.before_cursor_execute:
                statement, parameters = fn(self, cursor, statement, parameters, ctx, executemany)
        if self._echo:
            self._log_statement(statement, parameters, executemany, compiled)
        try:
            dd = dialect.dispatch if _DIALECT_EVENTS._any else _DIALECT_EVENTS
            if executemany:
                if not (dd.do_executemany and _ran_by_listener(dd.do_executemany, cursor, statement, parameters, ctx)):
                    dialect.do_executemany(cursor, statement, parameters, ctx)
            elif parameters is None or (not parameters and not dialect.positional and compiled is None):
                if not (dd.do_execute_no_params and _ran_by_listener(dd.do_execute_no_params, cursor, statement, ctx)):
                    dialect.do_execute_no_params(cursor, statement, ctx)
            elif not (dd.do_execute and _ran_by_listener(dd.do_execute, cursor, statement, parameters, ctx)):
                dialect.do_execute(cursor, statement, parameters, ctx)
            ctx.post_exec()
        except BaseException as err:
            self._handle_dbapi_exception(err, statement, parameters, cursor, ctx)
        if self._has_events and self.dispatch.after_cursor_execute:
            self.dispatch.after_cursor_execute(self, cursor, statement, parameters, ctx, executemany)
        try:
            if compiled is not None and (compiled.returns_rows or compiled.isddl):
                md = ctx.result_metadata() if compiled.returns_rows else None
            elif compiled is not None and compiled.implicit_pk_returning:
                md = None
            else:
                md = ctx.result_metadata() if cursor.description is not None else None
        except Exception as err:
            self._handle_dbapi_exception(err, statement, parameters, cursor, ctx)
        result = CursorResult(ctx, md)
        if md is not None:
            self._open_results += 1
            if ctx._is_server_side and dialect.server_side_cursor_blocks_connection:
                self._blocking_result = result
        return result

    def _unblock(self) -> None:
        """Read the rest of the streamed result that holds the DBAPI connection into memory, so
        that another command can be sent; the Result goes on from those rows.

        An unbuffered cursor (MySQL) occupies the connection until its rows are read, and the
        driver would otherwise discard them unread. Memory stays flat while nothing else runs
        during a stream; it grows only by the rows left when something does.
        """
        result = self._blocking_result
        self._blocking_result = None
        cursor = result.cursor if result is not None else None
        if cursor is None:
            return
        try:
            rows = list(cursor.fetchall())
            buffered = _BufferedCursor(rows, cursor.description, cursor.rowcount)
            cursor.close()
        except Exception as err:
            self._handle_dbapi_exception(err, None, None, cursor, result.context)  # type: ignore[union-attr]
        result.cursor = result.context.cursor = buffered  # type: ignore[union-attr]

    def _run_insertmanyvalues(self, ctx: Any, compiled: Any, params: list[tuple[Any, ...]]) -> Any:
        """executemany of INSERT ... RETURNING as batches of multi-row VALUES.

        With ``returning(..., sort_by_parameter_order=True)`` the returned rows come back in the
        order of the parameter sets: matched on the primary key where the parameters carry it,
        otherwise ordered by the server-generated key (sequences, AUTO_INCREMENT and rowids hand
        out ascending values within one statement).
        """
        dialect = self.dialect
        if self._blocking_result is not None:
            self._unblock()
        prefix, row, suffix = compiled.insertmanyvalues
        width = max(1, len(params[0]))
        page = max(1, min(dialect.insertmanyvalues_page_size, dialect.insertmanyvalues_max_parameters // width))
        cursor = ctx.cursor = ctx.create_cursor()
        collected: list[Any] = []
        description = None
        for start in range(0, len(params), page):
            batch = params[start:start + page]
            statement = prefix + ", ".join([row] * len(batch)) + suffix
            flat = tuple(chain.from_iterable(batch))
            if self._has_events and self.dispatch.before_cursor_execute:
                for fn in self.dispatch.before_cursor_execute:
                    statement, flat = fn(self, cursor, statement, flat, ctx, False)
            if self._echo:
                self._log_statement(statement, flat, False, compiled)
            try:
                dd = dialect.dispatch if _DIALECT_EVENTS._any else _DIALECT_EVENTS
                if not (dd.do_execute and _ran_by_listener(dd.do_execute, cursor, statement, flat, ctx)):
                    dialect.do_execute(cursor, statement, flat, ctx)
                description = cursor.description
                collected.extend(cursor.fetchall())
            except BaseException as err:
                self._handle_dbapi_exception(err, statement, flat, cursor, ctx)
            if self._has_events and self.dispatch.after_cursor_execute:
                self.dispatch.after_cursor_execute(self, cursor, statement, flat, ctx, False)
        try:
            cursor.close()
        except Exception:  # nothing left to read from it
            pass
        stmt = compiled.statement
        if stmt._sort_by_parameter_order:
            collected = self._order_returned(compiled, ctx, collected)
        ctx.cursor = _BufferedCursor(collected, description, len(params))
        ctx._rowcount = len(params)
        ctx.inserted_primary_key_rows = None
        md = ctx.result_metadata()
        self._open_results += 1
        return CursorResult(ctx, md)

    def _order_returned(self, compiled: Any, ctx: Any, rows: list[Any]) -> list[Any]:
        table = compiled.statement.table
        pk = list(table.primary_key.columns) if hasattr(table, "primary_key") else []
        positions = {id(c): i for i, c in enumerate(compiled.returning)}
        if len(pk) != 1 or id(pk[0]) not in positions:
            raise exc.InvalidRequestError(
                "sort_by_parameter_order=True needs the table's single-column primary key in RETURNING"
            )
        idx = positions[id(pk[0])]
        name = compiled.param_key_map.get(pk[0].key)
        given = [p.get(name) for p in ctx.compiled_parameters] if name else []
        if given and all(v is not None for v in given):
            by_key = {r[idx]: r for r in rows}
            return [by_key[v] for v in given]
        return sorted(rows, key=operator.itemgetter(idx))

    def _on_result_closed(self, result: Any) -> None:
        if result is self._blocking_result:
            self._blocking_result = None
        if self._open_results:
            self._open_results -= 1

    def _log_statement(self, statement: str, parameters: Any, executemany: bool, compiled: Any) -> None:
        logger = self.engine.logger
        logger.info(statement)
        created = getattr(compiled, "_created_at", None)
        if compiled is None:
            origin = "[raw sql]"
        elif created is None:
            origin = "[no key]"
        elif not compiled.__dict__.get("_logged_once"):
            compiled._logged_once = True
            origin = f"[generated in {time.monotonic() - created:.5f}s]"
        else:
            origin = f"[cached since {time.monotonic() - created:.4g}s ago]"
        if self.engine.hide_parameters:
            logger.info(f"{origin} [SQL parameters hidden due to hide_parameters=True]")
        elif executemany:
            shown = parameters[:10]
            more = f" ... displaying 10 of {len(parameters)} total bound parameter sets" if len(parameters) > 10 else ""
            logger.info(f"{origin} {shown!r}{more}")
        else:
            logger.info(f"{origin} {parameters!r}")

    # -- errors -----------------------------------------------------------------------------------

    def _handle_dbapi_exception(self, err: BaseException, statement: str | None, parameters: Any,
                                cursor: Any, context: Any, during_commit: bool = False) -> None:
        dialect = self.dialect
        dbapi = dialect.loaded_dbapi if dialect._dbapi is not None else None
        dbapi_error = dbapi is not None and isinstance(err, dbapi.Error)
        is_disconnect = False
        if dbapi_error:
            try:
                is_disconnect = dialect.is_disconnect(err, self._dbapi.dbapi_connection if self._dbapi else None, cursor)
            except Exception:  # the classifier must never mask the original error
                is_disconnect = False
        if not isinstance(err, Exception):
            # KeyboardInterrupt / SystemExit mid-statement: the connection state is unknown
            self._invalidate_conn(err)
            raise err
        if during_commit and is_disconnect:
            newraise: BaseException = exc.CommitOutcomeUnknownError(
                statement, parameters, err, hide_parameters=self.engine.hide_parameters,
                connection_invalidated=True,
                message=(f"The connection was lost during COMMIT ({type(err).__name__}: {err}); the "
                         "transaction may or may not have committed. sqlweave does not retry this. "
                         "Check whether its writes are present before running it again."),
            )
        elif dbapi_error:
            newraise = exc.DBAPIError.instance(
                statement, parameters, err, dbapi.Error,  # type: ignore[union-attr]
                hide_parameters=self.engine.hide_parameters,
                connection_invalidated=is_disconnect, dialect=dialect,
            )
        else:
            newraise = err
        if self._has_events and self.dispatch.handle_error:
            ctx = ExceptionContext(self, err, newraise, statement, parameters, cursor, context, is_disconnect)
            for fn in self.dispatch.handle_error:
                replaced = fn(ctx)
                if replaced is not None:
                    newraise = replaced
                    break
            is_disconnect = ctx.is_disconnect
            if isinstance(newraise, exc.DBAPIError):
                newraise.connection_invalidated = is_disconnect
        if is_disconnect:
            self._invalidate_conn(err)
        elif not during_commit and statement is not None:
            # a failed statement leaves its transaction needing rollback (on every backend,
            # as PostgreSQL requires anyway), unless the connection autocommits
            target = self._nested_transaction or self._transaction
            if target is not None and self._execution_options.get("isolation_level") != "AUTOCOMMIT" \
                    and self.dialect.isolation_level != "AUTOCOMMIT":
                target._failed = newraise
        if newraise is err:
            raise err
        raise newraise.with_traceback(err.__traceback__) from err

    def _invalidate_conn(self, err: BaseException) -> None:
        fairy = self._dbapi
        self._invalid = True
        if fairy is not None:
            self._dbapi = None
            try:
                fairy.invalidate(err if isinstance(err, Exception) else None)
            except Exception:  # the pool records the invalidation; closing a dead socket may fail
                pass
            pool = self.engine.pool
            if hasattr(pool, "_invalidate_time"):
                import time

                pool._invalidate_time = time.time()
        if self._transaction is not None:
            self._transaction._deactivate()

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Discard the DBAPI connection; the next use (after rollback) reconnects."""
        if self._closed:
            raise exc.ResourceClosedError("This Connection is closed")
        if self._dbapi is not None:
            fairy, self._dbapi = self._dbapi, None
            fairy.invalidate(exception)
        self._invalid = True
        if self._transaction is not None:
            self._transaction._deactivate()

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Roll back what was not committed and return the DBAPI connection to the pool."""
        if self._closed:
            return
        if self._transaction is not None:
            try:
                self._transaction.close()
            except Exception:  # a failed rollback must not keep the connection out of the pool
                pass
        fairy, self._dbapi = self._dbapi, None
        self._closed = True
        if fairy is not None:
            if self._iso_changed:
                self._reset_done = False
                try:
                    self.dialect.reset_isolation_level(fairy.dbapi_connection)
                    fairy.record_info.pop("sqlweave_iso_changed", None)
                except Exception as err:
                    fairy.invalidate(err)
            fairy._close(self._reset_done)

    def detach(self) -> None:
        self.connection.detach()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Connection to {self.engine.url!r}>"


class _BufferedCursor:
    """A cursor stand-in over rows already fetched (the batches of insertmanyvalues)."""

    def __init__(self, rows: list[Any], description: Any, rowcount: int) -> None:
        self._rows = rows
        self._pos = 0
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = None

    def fetchone(self) -> Any:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchmany(self, size: int = 1) -> list[Any]:
        out = self._rows[self._pos:self._pos + size]
        self._pos += len(out)
        return out

    def fetchall(self) -> list[Any]:
        out = self._rows[self._pos:]
        self._pos = len(self._rows)
        return out

    def close(self) -> None:
        self._rows = []


class ExceptionContext:
    """Passed to ``handle_error`` listeners."""

    def __init__(self, connection: Any, original: BaseException, sqlweave_exception: BaseException,
                 statement: Any, parameters: Any, cursor: Any, context: Any, is_disconnect: bool) -> None:
        self.connection = connection
        self.engine = connection.engine
        self.dialect = connection.dialect
        self.original_exception = original
        self.sqlalchemy_exception = sqlweave_exception
        self.sqlweave_exception = sqlweave_exception
        self.statement = statement
        self.parameters = parameters
        self.cursor = cursor
        self.execution_context = context
        self.is_disconnect = is_disconnect
        self.invalidate_pool_on_disconnect = True


class Transaction:
    """Base of RootTransaction and NestedTransaction; a context manager."""

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    _failed: BaseException | None = None
    # what every new transaction starts with (class attributes: one is made per engine.begin())
    is_active = True
    _closed = False

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _deactivate(self) -> None:
        self.is_active = False

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
        if self._closed:
            return
        if type_ is None and self.is_active:
            try:
                self.commit()
            except BaseException:
                if self.is_active or not self._closed:
                    self._close_quietly()
                raise
        else:
            self.rollback()

    def _close_quietly(self) -> None:
        try:
            self.rollback()
        except Exception:  # already failing; the original error wins
            pass

    def close(self) -> None:
        if not self._closed:
            self.rollback()

    @property
    def is_valid(self) -> bool:
        return self.is_active and not self.connection.invalidated


class RootTransaction(Transaction):
    """The connection's outermost transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # stored, not left to the class defaults: read on every execute and commit (see
        # Connection.__init__)
        self.is_active = True
        self._closed = False
        self._failed = None
        connection._transaction = self
        connection._begin_impl()

    def commit(self) -> None:
        """Commit; raises PendingRollbackError if the transaction failed (roll back instead)."""
        if self._closed:
            raise exc.InvalidRequestError("This transaction is inactive")
        if not self.is_active or self._failed is not None:
            raise exc.PendingRollbackError(
                "This transaction can't commit because a statement in it failed or its connection "
                "was lost; call rollback()", code="8s2b"
            )
        conn = self.connection
        try:
            if conn._nested_transaction is not None:
                conn._nested_transaction._closed = True
                conn._nested_transaction = None
            # the COMMIT itself (SQLAlchemy's Connection._commit_impl), inline: one call less
            # on every transaction
            if conn._blocking_result is not None:
                conn._unblock()
            if _EVENTS.commit and conn.dispatch.commit:
                conn.dispatch.commit(conn)
            if conn._echo:
                conn.engine.logger.info("COMMIT")
            try:
                fairy = conn._dbapi
                if fairy is None:
                    fairy = conn.connection
                conn.dialect.do_commit(fairy.dbapi_connection)
            except Exception as err:
                conn._handle_dbapi_exception(err, None, None, None, None, during_commit=True)
            conn._reset_done = True
        finally:
            self._end()

    def rollback(self) -> None:
        """Roll back (and forget any SAVEPOINTs)."""
        if self._closed:
            return
        conn = self.connection
        try:
            nested = conn._nested_transaction
            while nested is not None:
                nested._closed = True
                nested.is_active = False
                nested = nested._parent
            conn._nested_transaction = None
            if conn._invalid:
                conn._dbapi = None
            else:
                conn._rollback_impl()
        finally:
            self._end()

    def _end(self) -> None:
        self._closed = True
        self.is_active = False
        conn = self.connection
        if conn._transaction is self:
            conn._transaction = None
        if conn._invalid:
            conn._invalid = False


class NestedTransaction(Transaction):
    """A SAVEPOINT; ``rollback()`` returns to it, ``commit()`` releases it."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._parent = connection._nested_transaction
        self._savepoint = connection._savepoint_impl()
        connection._nested_transaction = self

    def commit(self) -> None:
        """RELEASE SAVEPOINT."""
        if self._closed or not self.is_active:
            raise exc.InvalidRequestError("This nested transaction is inactive")
        try:
            self.connection._release_savepoint_impl(self._savepoint)
        finally:
            self._end()

    def rollback(self) -> None:
        """ROLLBACK TO SAVEPOINT (the outer transaction goes on)."""
        if self._closed:
            return
        try:
            if self.connection._transaction is not None and self.connection._transaction.is_active:
                self.connection._rollback_to_savepoint_impl(self._savepoint)
        finally:
            self._end()

    def _end(self) -> None:
        self._closed = True
        self.is_active = False
        conn = self.connection
        if conn._nested_transaction is self:
            conn._nested_transaction = self._parent


class Engine(Identified):
    """Connects to one database through a pool; made by :func:`~sqlweave.core.create_engine`."""

    dispatch = dispatcher(ConnectionEvents)
    _logger_name = ENGINE_LOGGER_NAME
    echo = echo_property()
    _connection_cls = Connection
    _conn_dispatch: tuple[Any, type[Connection], Any] | None = None

    def __init__(self, pool: Any, dialect: Any, url: Any, logging_name: str | None = None,
                 echo: Any = None, execution_options: dict[str, Any] | None = None,
                 hide_parameters: bool = False, query_cache_size: int = 500) -> None:
        self.pool = pool
        self.dialect = dialect
        self.url = url
        if logging_name:
            self.logging_name = logging_name
        self.hide_parameters = hide_parameters
        instance_logger(self, echoflag=echo)
        self._execution_options: dict[str, Any] = dict(execution_options or {})
        self._plain_opts = _plain_options(self._execution_options)
        self._cache_size = query_cache_size
        self._compiled_cache: dict[Any, Any] | None = {} if query_cache_size > 0 else None
        self._cache_lock = threading.Lock()
        self._init_lock = threading.Lock()

    @property
    def _pool_event_target(self) -> Any:
        return self.pool

    @property
    def name(self) -> str:
        return self.dialect.name  # type: ignore[no-any-return]

    @property
    def driver(self) -> str:
        return self.dialect.driver  # type: ignore[no-any-return]

    def _checkout(self) -> Any:
        fairy = self.pool.connect()
        if not self.dialect._initialized:
            self._first_checkout(fairy)
        return fairy

    def _first_checkout(self, fairy: Any) -> None:
        """Initialize the dialect from the first connection checked out (server version,
        capabilities), once; the connection is invalidated and the error raised on failure."""
        with self._init_lock:
            if not self.dialect._initialized:
                try:
                    conn = self._connection_cls.__new__(self._connection_cls)
                    conn.engine = self
                    conn.dialect = self.dialect
                    conn._dbapi = fairy
                    self.dialect.initialize(conn)
                    fairy.rollback()
                except BaseException:
                    fairy.invalidate()
                    fairy.close()
                    raise

    def connect(self) -> Connection:
        """A new Connection (use it as a context manager)."""
        return self._connection_cls(self)

    def begin(self) -> Any:
        """``with engine.begin() as conn:`` — a connection in a transaction that commits on
        success and rolls back on error."""
        return _EngineBegin(self)

    def run_transaction(self, fn: Callable[[Connection], _T], *, retries: int = 5) -> _T:
        """Run ``fn(connection)`` inside ``engine.begin()`` and return its result, re-running the
        whole unit (a fresh transaction each time) when it fails with a retryable error
        (:class:`~sqlweave.core.exc.DeadlockError`, :class:`~sqlweave.core.exc.SerializationError`),
        at most ``retries`` more times.

        Nothing else is retried: in particular not
        :class:`~sqlweave.core.exc.CommitOutcomeUnknownError`, whose transaction may have
        committed. ``fn`` must be safe to run again (no side effects outside the transaction).
        """
        attempt = 0
        while True:
            try:
                with self.begin() as conn:
                    return fn(conn)
            except exc.DBAPIError as err:
                if not err.retryable or attempt >= retries:
                    raise
                attempt += 1
                if self._should_log_info:
                    self.logger.info("run_transaction: retrying after %s (attempt %d of %d)",
                                     type(err).__name__, attempt, retries)

    def raw_connection(self) -> Any:
        """A pooled DBAPI connection proxy; ``close()`` returns it to the pool."""
        return self._checkout()

    def dispose(self, close: bool = True) -> None:
        """Close the pool's connections and start a new pool (``close=False``: just forget them,
        for use in a forked child)."""
        if close:
            self.pool.dispose()
        self.pool = self.pool.recreate()
        if self.dispatch.engine_disposed:
            self.dispatch.engine_disposed(self)

    def execution_options(self, **opts: Any) -> Engine:
        """A copy of this engine sharing its pool, with these default execution options."""
        if self.dispatch.set_engine_execution_options:
            self.dispatch.set_engine_execution_options(self, opts)
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new._execution_options = {**self._execution_options, **opts}
        new._plain_opts = _plain_options(new._execution_options)
        new.dispatch = type(self).dispatch._join(self.dispatch)
        return new

    def get_execution_options(self) -> dict[str, Any]:
        return dict(self._execution_options)

    def _join_conn_dispatch(self, conn_cls: type[Connection]) -> Any:
        """The dispatch a ``conn_cls`` made by this engine uses: joined to the engine's, and the
        same object for every such connection (see ``_ClassDispatch._join``), so it is
        remembered here with the engine dispatch it was joined to (which ``listen`` on an engine
        made by ``execution_options()`` may replace)."""
        engine_dispatch = self.dispatch
        joined = conn_cls.dispatch._join(engine_dispatch)
        self._conn_dispatch = (engine_dispatch, conn_cls, joined)
        return joined

    def _prune_cache(self) -> None:
        cache = self._compiled_cache
        if cache is None:
            return
        with self._cache_lock:
            excess = len(cache) - int(self._cache_size * 0.75)
            if excess > 0:
                for k in list(cache)[:excess]:
                    cache.pop(k, None)

    def clear_compiled_cache(self) -> None:
        if self._compiled_cache is not None:
            self._compiled_cache.clear()

    def __repr__(self) -> str:
        return f"Engine({self.url!r})"

    def __str__(self) -> str:
        return f"Engine({self.url})"


class _EngineBegin:
    __slots__ = ("engine", "conn", "trans")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None
        self.trans: Any = None

    def __enter__(self) -> Connection:
        conn = self.conn = self.engine.connect()
        try:
            # conn.begin() without its call when, as usual, no engine_connect listener began one
            self.trans = RootTransaction(conn) if conn._transaction is None else conn.begin()
        except BaseException:
            conn.close()
            raise
        return conn

    def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
        trans = self.trans
        try:
            if type_ is None and trans.is_active and trans._failed is None:
                trans.commit()  # Transaction.__exit__'s usual case, without its call
            else:
                trans.__exit__(type_, value, tb)
        finally:
            self.conn.close()  # type: ignore[union-attr]
