"""Privileged helpers for tests: terminate a backend, find a connection's backend pid.

Used for fault injection (a connection killed between the last statement and COMMIT).
"""

from __future__ import annotations

from typing import Any


def backend_pid(connection: Any) -> int:
    """The server process id behind a sqlweave Connection (or a raw psycopg2 connection)."""
    raw = getattr(connection, "connection", None)
    dbapi_conn = getattr(raw, "dbapi_connection", None) or connection
    return int(dbapi_conn.get_backend_pid())


def terminate_backend(engine: Any, pid: int) -> bool:
    """``pg_terminate_backend(pid)`` from a separate AUTOCOMMIT connection; True if it was found."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return bool(conn.exec_driver_sql("SELECT pg_terminate_backend(%s)", (pid,)).scalar())


def cancel_backend(engine: Any, pid: int) -> bool:
    """``pg_cancel_backend(pid)``: cancel the running statement (QueryCanceledError there)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return bool(conn.exec_driver_sql("SELECT pg_cancel_backend(%s)", (pid,)).scalar())
