"""The pysqlite driver (stdlib ``sqlite3``).

Transactions: the driver is put in autocommit mode (``isolation_level=None``) and sqlweave emits
``BEGIN`` itself, so SAVEPOINT, RELEASE and ROLLBACK TO behave as on the other databases and DDL
is transactional. ``AUTOCOMMIT`` isolation skips the BEGIN.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.core.engine.default import DefaultExecutionContext
from sqlweave.dialects.sqlite.base import SQLiteDialect


def _regexp(pattern: Any, value: Any) -> Any:
    if value is None or pattern is None:
        return None
    return re.search(pattern, str(value)) is not None


#: sqlite3's default transaction handling (Python 3.12+ names it; earlier versions have only it)
_LEGACY_CONTROL = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", -1)


class _Connection(sqlite3.Connection):
    """sqlite3 connection that can carry sqlweave's per-connection flags (AUTOCOMMIT)."""

    sw_autocommit = False
    #: commit() sends COMMIT when a transaction is open (legacy transaction control; with
    #: Python 3.12's autocommit=True it would do nothing, so such connections COMMIT by SQL)
    sw_commit_method = False


class SQLiteExecutionContext_pysqlite(DefaultExecutionContext):
    def _dml_rowcount_fallback(self) -> int:
        # sqlite3 reports rowcount -1 for DML that starts with WITH; ask SQLite itself
        return int(self._dbapi_connection.execute("SELECT changes()").fetchone()[0])


class SQLiteDialect_pysqlite(SQLiteDialect):
    driver = "pysqlite"
    supports_statement_cache = True
    execution_ctx_cls = SQLiteExecutionContext_pysqlite

    @classmethod
    def import_dbapi(cls) -> Any:
        import sqlite3

        return sqlite3

    def create_connect_args(self, url: Any) -> tuple[list[Any], dict[str, Any]]:
        if url.username or url.password or url.host or url.port:
            raise exc.ArgumentError(
                "Invalid SQLite URL: it names a host or credentials. Use sqlite:///relative/path.db, "
                "sqlite:////absolute/path.db or sqlite:// for an in-memory database."
            )
        database = url.database or ":memory:"
        opts: dict[str, Any] = {}
        query = dict(url.query)
        for key, conv in (("timeout", float), ("check_same_thread", _bool), ("cached_statements", int), ("uri", _bool)):
            if key in query:
                opts[key] = conv(query.pop(key))
        if query:
            raise exc.ArgumentError(f"Unknown SQLite URL option(s): {', '.join(sorted(query))}")
        opts.setdefault("check_same_thread", False)
        opts["isolation_level"] = None
        opts["factory"] = _Connection
        return [database], opts

    def get_pool_class(self, url: Any) -> type:
        from sqlweave.core.pool import QueuePool, SingletonThreadPool

        if self._is_memory(url):
            return SingletonThreadPool
        return QueuePool

    @staticmethod
    def _is_memory(url: Any) -> bool:
        db = url.database
        return not db or db == ":memory:" or (db.startswith("file:") and "mode=memory" in db)

    def on_connect(self) -> Callable[[Any], None]:
        iso = self.isolation_level

        def connect(conn: Any) -> None:
            conn.create_function("regexp", 2, _regexp, deterministic=True)
            if isinstance(conn, _Connection) and getattr(conn, "autocommit", _LEGACY_CONTROL) == _LEGACY_CONTROL:
                conn.sw_commit_method = True
            if iso is not None:
                self.set_isolation_level(conn, iso)

        return connect

    def do_begin(self, dbapi_connection: Any) -> None:
        if not getattr(dbapi_connection, "sw_autocommit", False):
            dbapi_connection.execute("BEGIN")

    def do_commit(self, dbapi_connection: Any) -> None:
        if getattr(dbapi_connection, "sw_commit_method", False):
            # sends COMMIT only when a transaction is open (also with isolation_level=None),
            # without the cursor that execute("COMMIT") makes
            dbapi_connection.commit()
        elif dbapi_connection.in_transaction:  # e.g. a creator= connection with autocommit=True
            dbapi_connection.execute("COMMIT")

    def do_rollback(self, dbapi_connection: Any) -> None:
        if dbapi_connection.in_transaction:
            dbapi_connection.execute("ROLLBACK")

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        if getattr(dbapi_connection, "sw_autocommit", False):
            return "AUTOCOMMIT"
        value = dbapi_connection.execute("PRAGMA read_uncommitted").fetchone()[0]
        return "READ UNCOMMITTED" if value else "SERIALIZABLE"

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        if level == "AUTOCOMMIT":
            dbapi_connection.sw_autocommit = True
            return
        dbapi_connection.sw_autocommit = False
        dbapi_connection.execute(f"PRAGMA read_uncommitted = {1 if level == 'READ UNCOMMITTED' else 0}")

    def is_disconnect(self, e: BaseException, connection: Any, cursor: Any) -> bool:
        return isinstance(e, self.loaded_dbapi.ProgrammingError) and "Cannot operate on a closed database" in str(e)

    def classify_error(self, orig: BaseException) -> type[exc.DBAPIError] | None:
        # Connection.interrupt() from another thread: a cancel, the connection stays usable
        if isinstance(orig, self.loaded_dbapi.OperationalError) and str(orig) == "interrupted":
            return exc.QueryCanceledError
        return None

    def do_ping(self, dbapi_connection: Any) -> bool:
        dbapi_connection.execute("SELECT 1").fetchall()
        return True


def _bool(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


dialect = SQLiteDialect_pysqlite
