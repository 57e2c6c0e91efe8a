"""The PyMySQL driver for MySQL and MariaDB.

URL: ``mysql+pymysql://user:password@host:3306/dbname?charset=utf8mb4`` (``mysql://`` picks this
driver by default; ``mariadb://`` / ``mariadb+pymysql://`` insist on a MariaDB server).

* Connect arguments from the URL query: ``charset`` (default ``utf8mb4``), ``unix_socket``,
  ``connect_timeout`` / ``read_timeout`` / ``write_timeout``, ``local_infile``, ``init_command``,
  ``binary_prefix`` (default on: bytes are sent as ``_binary'...'``), and the TLS options
  ``ssl_ca``, ``ssl_cert``, ``ssl_key``, ``ssl_key_password``, ``ssl_verify_cert``,
  ``ssl_verify_identity``, ``ssl_disabled``, ``ssl_capath``, ``ssl_cipher``,
  ``ssl_check_hostname``. Unknown options are an error.
* Connections use ``CLIENT.FOUND_ROWS``, so an UPDATE reports the rows it *matched* (also those
  already holding the new value), as every other backend does.
* Parameters use the ``format`` style (``%s``). Compiled statements always travel with a
  parameter tuple, so the ``%%`` the compiler writes for a literal ``%`` is unescaped by the driver.
* ``executemany`` of an ``INSERT ... VALUES (%s, ...)`` is rewritten by PyMySQL into multi-row
  INSERTs; the rowcount is the total.
* ``stream_results`` / ``yield_per`` use an unbuffered ``SSCursor``: rows are read from the socket
  as they are fetched, so memory stays bounded. Such a result holds the connection until it is
  read (``server_side_cursor_blocks_connection``): before another statement or COMMIT, the
  Connection reads its remaining rows into memory and the result goes on from them.

Errors: ``is_disconnect`` recognises the client/server error codes of a lost connection (2006
server gone away, 2013 lost during query, 2014 commands out of sync, 2045, 2055, 4031 idle
timeout, 1927 connection killed), PyMySQL's ``InterfaceError(0, '')`` on a closed socket and its
"Already closed" error. It looks only at the driver's error code, never at message text that
could come from the SQL. ``classify_error`` maps 1213 to :class:`~sqlweave.core.exc.DeadlockError`
(the transaction was rolled back; retry it as a whole), 1969 / 3024 (``max_statement_time`` /
``max_execution_time`` exceeded) and 1317 (query interrupted) to
:class:`~sqlweave.core.exc.QueryCanceledError`, and 1205 (lock wait timeout) to a plain
:class:`~sqlweave.core.exc.OperationalError`: only the statement was rolled back and the
transaction is still open, so it is not treated as retryable by itself — roll back, then retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.dialects.mysql.base import MySQLDialect

#: error codes meaning the connection is unusable
DISCONNECT_CODES = frozenset({2006, 2013, 2014, 2045, 2055, 4031, 1927})
#: CHECK constraint violations (MariaDB 4025, MySQL 3819), which PyMySQL reports as
#: OperationalError / InternalError
INTEGRITY_CODES = frozenset({4025, 3819})
#: error codes of a statement cancelled by a timeout or KILL QUERY
CANCEL_CODES = frozenset({1969, 3024, 1317})

_STR_OPTIONS = ("charset", "unix_socket", "init_command", "ssl_ca", "ssl_cert", "ssl_key", "ssl_key_password",
                "program_name")
_INT_OPTIONS = ("connect_timeout", "read_timeout", "write_timeout", "client_flag")
_BOOL_OPTIONS = ("local_infile", "binary_prefix", "ssl_verify_cert", "ssl_verify_identity", "ssl_disabled")
_SSL_DICT_OPTIONS = {"ssl_capath": "capath", "ssl_cipher": "cipher", "ssl_check_hostname": "check_hostname"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


class MySQLDialect_pymysql(MySQLDialect):
    """MySQL/MariaDB through PyMySQL."""

    driver = "pymysql"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        import pymysql

        return pymysql

    def create_connect_args(self, url: Any) -> tuple[list[Any], dict[str, Any]]:
        from pymysql.constants import CLIENT

        opts: dict[str, Any] = url.translate_connect_args(database="database", username="user")
        query = {k: (v[-1] if isinstance(v, (tuple, list)) else v) for k, v in dict(url.query).items()}
        for key in _STR_OPTIONS:
            if key in query:
                opts[key] = str(query.pop(key))
        for key in _INT_OPTIONS:
            if key in query:
                opts[key] = int(query.pop(key))
        for key in _BOOL_OPTIONS:
            if key in query:
                opts[key] = _bool(query.pop(key))
        ssl: dict[str, Any] = {}
        for key, sslkey in _SSL_DICT_OPTIONS.items():
            if key in query:
                value = query.pop(key)
                ssl[sslkey] = _bool(value) if sslkey == "check_hostname" else str(value)
        if ssl:
            opts["ssl"] = ssl
        if query:
            raise exc.ArgumentError(
                f"Unknown MySQL URL option(s): {', '.join(sorted(query))}; known: "
                + ", ".join(sorted((*_STR_OPTIONS, *_INT_OPTIONS, *_BOOL_OPTIONS, *_SSL_DICT_OPTIONS)))
            )
        if "port" in opts:
            opts["port"] = int(opts["port"])
        opts.setdefault("charset", "utf8mb4")
        opts.setdefault("binary_prefix", True)
        opts["client_flag"] = opts.get("client_flag", 0) | CLIENT.FOUND_ROWS
        return [], opts

    def on_connect(self) -> Callable[[Any], None] | None:
        iso = self.isolation_level
        if iso is None:
            return None

        def connect(conn: Any) -> None:
            self.set_isolation_level(conn, iso)

        return connect

    # -- server-side cursors -----------------------------------------------------------------------

    def _ss_cursor_class(self) -> Any:
        from pymysql.cursors import SSCursor

        return SSCursor

    # -- isolation -----------------------------------------------------------------------------------

    def get_isolation_level_values(self) -> tuple[str, ...]:
        return ("SERIALIZABLE", "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "AUTOCOMMIT")

    def _isolation_variable(self) -> str:
        version = self.server_version_info or (0,)
        # MySQL 8 and MariaDB 11.1 renamed tx_isolation (MySQL 8 removed the old name)
        if (not self.is_mariadb and version >= (5, 7, 20)) or (self.is_mariadb and version >= (11, 1)):
            return "@@session.transaction_isolation"
        return "@@session.tx_isolation"

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        if dbapi_connection.get_autocommit():
            return "AUTOCOMMIT"
        return self._server_isolation_level(dbapi_connection)

    def get_default_isolation_level(self, dbapi_connection: Any) -> str:
        return self._server_isolation_level(dbapi_connection)

    def _server_isolation_level(self, dbapi_connection: Any) -> str:
        cur = dbapi_connection.cursor()
        try:
            try:
                cur.execute(f"SELECT {self._isolation_variable()}")
            except self.loaded_dbapi.Error:
                cur.execute("SELECT @@session.tx_isolation")
            value = cur.fetchone()[0]
        finally:
            cur.close()
        if isinstance(value, bytes):
            value = value.decode()
        return str(value).upper().replace("-", " ")

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        if level == "AUTOCOMMIT":
            dbapi_connection.autocommit(True)
            return
        self._check_isolation_level(level)
        dbapi_connection.autocommit(False)
        cur = dbapi_connection.cursor()
        try:
            cur.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
        finally:
            cur.close()

    def reset_isolation_level(self, dbapi_connection: Any) -> None:
        # end whatever is open first, then restore autocommit and the level, so the connection
        # goes back to the pool in the state it was created in
        dbapi_connection.rollback()
        self.set_isolation_level(dbapi_connection, self.default_isolation_level or "REPEATABLE READ")

    # -- liveness and errors ---------------------------------------------------------------------------

    def do_ping(self, dbapi_connection: Any) -> bool:
        dbapi_connection.ping(reconnect=False)
        return True

    def is_disconnect(self, e: BaseException, connection: Any, cursor: Any) -> bool:
        dbapi = self.loaded_dbapi
        if not isinstance(e, dbapi.Error):
            return False
        args = getattr(e, "args", ())
        if isinstance(e, dbapi.InterfaceError) and tuple(args) == (0, ""):
            return True  # PyMySQL: the socket is gone
        if args and args[0] == "Already closed" and len(args) == 1:
            return True
        if isinstance(e, (dbapi.OperationalError, dbapi.InterfaceError, dbapi.InternalError,
                          dbapi.ProgrammingError)):
            return self._error_code(e) in DISCONNECT_CODES
        return False

    def classify_error(self, orig: BaseException) -> type[exc.DBAPIError] | None:
        code = self._error_code(orig)
        if code == 1213:
            return exc.DeadlockError
        if code in CANCEL_CODES:
            return exc.QueryCanceledError
        if code == 1205:
            return exc.OperationalError
        if code in INTEGRITY_CODES:
            return exc.IntegrityError
        return None


class MariaDBDialect_pymysql(MySQLDialect_pymysql):
    """MariaDB through PyMySQL (``mariadb://``): ``is_mariadb`` is known before connecting, and a
    MySQL server is refused."""

    name = "mariadb"

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("is_mariadb", True)
        super().__init__(**kw)


dialect = MySQLDialect_pymysql
