"""Privileged test helpers for MySQL/MariaDB: find a connection's server id and kill it.

Used by fault-injection tests (a killed connection must be seen as a disconnect and invalidated).
The kill runs on a separate, short-lived connection made from the same URL.
"""

from __future__ import annotations

from typing import Any


def connection_id(dbapi_connection: Any) -> int:
    """The server thread id of a PyMySQL connection (``CONNECTION_ID()``)."""
    cur = dbapi_connection.cursor()
    try:
        cur.execute("SELECT CONNECTION_ID()")
        return int(cur.fetchone()[0])
    finally:
        cur.close()


def kill_connection(engine: Any, conn_id: int, query_only: bool = False) -> None:
    """``KILL CONNECTION conn_id`` (or ``KILL QUERY``) from a fresh connection of ``engine``'s URL,
    outside its pool."""
    dialect = engine.dialect
    args, kwargs = dialect.create_connect_args(engine.url)
    conn = dialect.loaded_dbapi.connect(*args, **kwargs)
    try:
        cur = conn.cursor()
        cur.execute(f"KILL {'QUERY' if query_only else 'CONNECTION'} {int(conn_id)}")
        cur.close()
    finally:
        conn.close()
