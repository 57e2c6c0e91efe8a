"""The psycopg2 driver.

URL: ``postgresql[+psycopg2]://user:password@host:port/dbname?sslmode=require``; a Unix socket with
``?host=/var/run/postgresql``; any libpq keyword goes in the query string.

Parameters use psycopg2's ``format`` style (``%s``); compiled statements always travel with a
parameter tuple (possibly empty) so ``%%`` is unescaped consistently, while DDL and
``exec_driver_sql()`` without parameters are sent as written.

executemany:

* ``INSERT ... VALUES`` is rewritten for ``psycopg2.extras.execute_values`` (one multi-row INSERT
  per page of ``executemany_values_page_size`` rows); RETURNING rows of every page are kept, and
  ``rowcount`` is the sum over the pages.
* UPDATE/DELETE use ``cursor.executemany`` by default, whose ``rowcount`` is the total of matched
  rows, so ``supports_sane_multi_rowcount`` is True. ``executemany_mode="values_plus_batch"``
  uses ``execute_batch`` instead (fewer round trips), whose ``rowcount`` is only the last
  statement's, so that mode sets ``supports_sane_multi_rowcount`` to False.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.core.engine.default import SELECT_LIKE, DefaultExecutionContext
from sqlweave.dialects.postgresql.base import PGDialect

_DISCONNECT_CODES = frozenset({
    "57P01",  # admin_shutdown (pg_terminate_backend)
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
    "57P05",  # idle_session_timeout (PostgreSQL 14+)
    "08000", "08001", "08003", "08004", "08006", "08007",  # connection_exception family
})

_DISCONNECT_MESSAGES = (
    "server closed the connection unexpectedly",
    "terminating connection",
    "connection already closed",
    "cursor already closed",
    "connection not open",
    "could not connect to server",
    "could not receive data from server",
    "could not send data to server",
    "lost synchronization with server",
    "ssl connection has been closed unexpectedly",
    "ssl syscall error",
    "connection has been closed unexpectedly",
    "no connection to the server",
)

_ERROR_CLASSES = {
    "40P01": exc.DeadlockError,
    "40001": exc.SerializationError,
    "57014": exc.QueryCanceledError,
}

_ISO_NAMES = {4: "READ UNCOMMITTED", 1: "READ COMMITTED", 2: "REPEATABLE READ", 3: "SERIALIZABLE"}  # psycopg2.extensions constants

_counter = itertools.count(1)


class _ServerSideCursor:
    """A named (server-side) psycopg2 cursor that prefetches its first page on execute, so
    ``description`` is known right away (psycopg2 sets it only after the first FETCH)."""

    def __init__(self, cursor: Any, page: int) -> None:
        self._cursor = cursor
        self._page = page
        self._buffer: list[Any] = []
        self.description: Any = None

    def execute(self, statement: Any, parameters: Any = None) -> None:
        self._cursor.execute(statement, parameters)
        self._buffer = self._cursor.fetchmany(self._page)
        self.description = self._cursor.description

    def fetchone(self) -> Any:
        if self._buffer:
            return self._buffer.pop(0)
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self._page
        if self._buffer:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
            if len(out) < size:
                out += self._cursor.fetchmany(size - len(out))
            return out
        return self._cursor.fetchmany(size)  # type: ignore[no-any-return]

    def fetchall(self) -> list[Any]:
        out, self._buffer = self._buffer, []
        return out + self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return -1

    def close(self) -> None:
        self._buffer = []
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _RowsCursor:
    """The rows RETURNING gave across every page of an executemany, read like a cursor."""

    def __init__(self, cursor: Any, rows: list[Any], rowcount: int) -> None:
        self._cursor = cursor
        self._rows = rows
        self._pos = 0
        self.description = cursor.description
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        if self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or 1
        out = self._rows[self._pos:self._pos + size]
        self._pos += len(out)
        return out

    def fetchall(self) -> list[Any]:
        out = self._rows[self._pos:]
        self._pos = len(self._rows)
        return out

    def close(self) -> None:
        self._rows = []
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class PGExecutionContext_psycopg2(DefaultExecutionContext):
    """Server-side (named) cursors for ``stream_results`` / ``yield_per`` SELECTs."""

    def create_cursor(self) -> Any:
        opts = self.execution_options
        if (opts.get("stream_results") or opts.get("yield_per")) and self._is_streamable():
            self._is_server_side = True
            return self.create_server_side_cursor()
        return self._dbapi_connection.cursor()

    def _is_streamable(self) -> bool:
        # a named cursor takes exactly one SELECT-like statement (no DML, even with RETURNING)
        compiled = self.compiled
        if compiled is not None:
            if compiled.isinsert or compiled.isupdate or compiled.isdelete or compiled.isddl:
                return False
            if compiled.returns_rows and compiled.statement.__visit_name__ != "textclause":
                return True
        return bool(SELECT_LIKE.match(self.statement))

    _executemany_rowcount: int | None = None

    def post_exec(self) -> None:
        super().post_exec()
        if self._executemany_rowcount is not None:
            # execute_values ran one statement per page; the cursor knows only the last one
            self._rowcount = self._executemany_rowcount

    def create_server_side_cursor(self) -> Any:
        conn = self._dbapi_connection
        name = f"sqlweave_c_{next(_counter)}"
        # outside a transaction (AUTOCOMMIT) a named cursor must be WITH HOLD to survive
        cursor = conn.cursor(name=name, withhold=bool(conn.autocommit))
        page = int(self.execution_options.get("yield_per") or self.execution_options.get("max_row_buffer") or 1000)
        cursor.itersize = page
        return _ServerSideCursor(cursor, page)


class PGDialect_psycopg2(PGDialect):
    """PostgreSQL through psycopg2."""

    driver = "psycopg2"
    execution_ctx_cls = PGExecutionContext_psycopg2
    supports_statement_cache = True
    driver_deserializes_json = True
    supports_sane_multi_rowcount = True

    def __init__(self, executemany_mode: str = "values_only", executemany_values_page_size: int = 1000,
                 executemany_batch_page_size: int = 100, **kw: Any) -> None:
        super().__init__(**kw)
        self._set_executemany_mode(executemany_mode)
        self.executemany_values_page_size = executemany_values_page_size
        self.executemany_batch_page_size = executemany_batch_page_size

    def _set_executemany_mode(self, mode: str) -> None:
        if mode not in ("values_only", "values_plus_batch"):
            raise exc.ArgumentError(f"executemany_mode must be 'values_only' or 'values_plus_batch', not {mode!r}")
        self.executemany_mode = mode
        # execute_batch reports only the last statement's rowcount
        self.supports_sane_multi_rowcount = mode == "values_only"

    @classmethod
    def import_dbapi(cls) -> Any:
        import psycopg2

        return psycopg2

    # -- connecting ------------------------------------------------------------------------------

    def create_connect_args(self, url: Any) -> tuple[list[Any], dict[str, Any]]:
        opts: dict[str, Any] = url.translate_connect_args(username="user", database="dbname")
        for key, value in dict(url.query).items():
            if isinstance(value, (tuple, list)):
                value = ",".join(value)  # libpq's multi-host form
            if key == "executemany_mode":
                self._set_executemany_mode(value)
                continue
            if key in ("executemany_values_page_size", "executemany_batch_page_size"):
                setattr(self, key, int(value))
                continue
            opts[key] = value
        if "port" in opts:
            opts["port"] = int(opts["port"])
        return [], opts

    def on_connect(self) -> Callable[[Any], None] | None:
        iso = self.isolation_level
        loads = self._json_deserializer

        def connect(conn: Any) -> None:
            if loads is not None:
                from psycopg2 import extras

                extras.register_default_json(conn, loads=loads)
                extras.register_default_jsonb(conn, loads=loads)
            if iso is not None:
                self.set_isolation_level(conn, iso)

        return connect

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        v = int(connection.connection.dbapi_connection.server_version)
        if v >= 100000:
            return (v // 10000, v % 10000)
        return (v // 10000, (v // 100) % 100, v % 100)

    # -- isolation -------------------------------------------------------------------------------

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        if dbapi_connection.autocommit:
            return "AUTOCOMMIT"
        level = dbapi_connection.isolation_level
        if level in _ISO_NAMES:
            return _ISO_NAMES[level]
        import psycopg2.extensions as ext

        idle = dbapi_connection.status == ext.STATUS_READY
        cur = dbapi_connection.cursor()
        try:
            cur.execute("SHOW transaction_isolation")
            value = str(cur.fetchone()[0]).upper()
        finally:
            cur.close()
        if idle:
            dbapi_connection.rollback()  # don't leave the SHOW's transaction open
        return value

    def get_default_isolation_level(self, dbapi_connection: Any) -> str:
        if dbapi_connection.autocommit or dbapi_connection.isolation_level is not None:
            cur = dbapi_connection.cursor()
            try:
                cur.execute("SHOW default_transaction_isolation")
                return str(cur.fetchone()[0]).upper()
            finally:
                cur.close()
        return self.get_isolation_level(dbapi_connection)

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        if level == "AUTOCOMMIT":
            dbapi_connection.autocommit = True
            return
        dbapi_connection.autocommit = False
        dbapi_connection.set_session(isolation_level=level)

    def reset_isolation_level(self, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit = False
        dbapi_connection.set_session(isolation_level="DEFAULT")

    # -- transactions and pings --------------------------------------------------------------------

    def do_rollback(self, dbapi_connection: Any) -> None:
        # In autocommit mode psycopg2's rollback() sends nothing, yet a raw BEGIN may have opened
        # a transaction on the server: end it, or its writes reach the next borrower (R8).
        if dbapi_connection.autocommit and dbapi_connection.info.transaction_status != 0:
            cur = dbapi_connection.cursor()
            try:
                cur.execute("ROLLBACK")
            finally:
                cur.close()
            return
        dbapi_connection.rollback()

    def do_ping(self, dbapi_connection: Any) -> bool:
        import psycopg2.extensions as ext

        idle = dbapi_connection.status == ext.STATUS_READY and not dbapi_connection.autocommit
        cur = dbapi_connection.cursor()
        try:
            cur.execute("SELECT 1")
            cur.fetchall()
        finally:
            cur.close()
        if idle:
            dbapi_connection.rollback()
        return True

    # -- execution -------------------------------------------------------------------------------

    def do_executemany(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        compiled = getattr(context, "compiled", None)
        if compiled is not None and compiled.isinsert:
            split = _split_values(statement)
            if split is not None and all(len(p) == split[1].count("%s") for p in parameters[:1]):
                self._execute_values(cursor, split, parameters, context, compiled.returns_rows)
                return
        if self.executemany_mode == "values_plus_batch" and not (compiled is not None and compiled.returns_rows):
            from psycopg2 import extras

            extras.execute_batch(cursor, statement, parameters, page_size=self.executemany_batch_page_size)
            return
        cursor.executemany(statement, parameters)

    def _execute_values(self, cursor: Any, split: tuple[str, str, str], parameters: Any, context: Any,
                        returning: bool) -> None:
        from psycopg2 import extras

        pre, template, post = split
        sql = pre + "%s" + post
        page = self.executemany_values_page_size
        rows: list[Any] = []
        total = 0
        for start in range(0, len(parameters), page):
            chunk = parameters[start:start + page]
            got = extras.execute_values(cursor, sql, chunk, template=template, page_size=len(chunk), fetch=returning)
            total += max(cursor.rowcount, 0)
            if returning:
                rows.extend(got)
        if returning:
            context.cursor = _RowsCursor(cursor, rows, total)
        context._executemany_rowcount = total

    # -- errors -----------------------------------------------------------------------------------

    def is_disconnect(self, e: BaseException, connection: Any, cursor: Any) -> bool:
        dbapi = self.loaded_dbapi
        if not isinstance(e, dbapi.Error):
            return False
        # the SQLSTATE decides when the server sent one: a syntax error quoting "terminating
        # connection" in a string literal is not a disconnect
        pgcode = getattr(e, "pgcode", None)
        if pgcode:
            return pgcode in _DISCONNECT_CODES
        if connection is not None and getattr(connection, "closed", False):
            return True
        if isinstance(e, (dbapi.OperationalError, dbapi.InterfaceError)):
            msg = str(e).lower()
            return any(m in msg for m in _DISCONNECT_MESSAGES)
        return False

    def classify_error(self, orig: BaseException) -> type[exc.DBAPIError] | None:
        return _ERROR_CLASSES.get(getattr(orig, "pgcode", None) or "")


def _split_values(statement: str) -> tuple[str, str, str] | None:
    """Split ``INSERT ... VALUES (%s, %s) tail`` into (head, "(%s, %s)", tail) for execute_values;
    None when the statement has another shape or parameters outside the VALUES group."""
    m = re.search(r"\) VALUES \(", statement)
    if m is None:
        return None
    start = m.end() - 1
    depth = 0
    quote = False
    for i in range(start, len(statement)):
        ch = statement[i]
        if ch == "'":
            quote = not quote
        elif quote:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                head, template, tail = statement[:start], statement[start:i + 1], statement[i + 1:]
                if "%s" in head or "%s" in tail:
                    return None
                return head, template, tail
    return None


dialect = PGDialect_psycopg2
