"""Raw DBAPI: hand-written SQL on one driver connection. The floor every ratio is measured from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contenders.base import Contender, plain
from harness import DbSpec


def connect(db: DbSpec) -> Any:
    if db.kind == "sqlite":
        import sqlite3

        return sqlite3.connect(db.database or ":memory:")
    if db.kind == "postgresql":
        import psycopg2

        return psycopg2.connect(
            host=db.host, port=db.port, user=db.user, password=db.password, dbname=db.database
        )
    import pymysql

    return pymysql.connect(
        host=db.host, port=db.port, user=db.user, password=db.password, database=db.database
    )


DRIVER_MODULE = {"sqlite": "sqlite3", "postgresql": "psycopg2", "mysql": "pymysql"}


class Raw(Contender):
    name = "raw"
    kind = "raw"

    conn: Any
    ph: str  # the driver's positional placeholder

    def open(self, db: DbSpec) -> None:
        super().open(db)
        self.conn = connect(db)
        self.ph = "?" if db.kind == "sqlite" else "%s"

    def close(self) -> None:
        self.conn.close()

    def ddl(self, statements: Sequence[str]) -> None:
        cur = self.conn.cursor()
        for sql in statements:
            cur.execute(sql)
        self.conn.commit()

    def executemany(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """The fastest plain way to run one statement for many rows on this driver.

        psycopg2's ``cursor.executemany`` is one round trip per row, so on PostgreSQL the floor
        uses ``execute_values`` for INSERT (multi-row VALUES) and ``execute_batch`` otherwise.
        """
        cur = self.conn.cursor()
        if self.db is not None and self.db.kind == "postgresql":
            from psycopg2.extras import execute_batch, execute_values

            head, sep, tail = sql.partition(" VALUES (")
            if sql.startswith("INSERT") and sep:
                execute_values(cur, f"{head} VALUES %s", rows, page_size=1000)
            else:
                execute_batch(cur, sql, rows, page_size=1000)
        else:
            cur.executemany(sql, rows)

    def seed(self, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        marks = ", ".join([self.ph] * len(cols))
        self.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
        self.conn.commit()

    def row(self, sql: str) -> tuple[Any, ...]:
        cur = self.conn.cursor()
        cur.execute(sql)
        result = cur.fetchone()
        self.conn.commit()
        return plain(result)

    def import_target(self, layer: str) -> str:
        assert self.db is not None
        return DRIVER_MODULE[self.db.kind]

    def version(self) -> str:
        assert self.db is not None
        name = DRIVER_MODULE[self.db.kind]
        mod = __import__(name)
        version = getattr(mod, "__version__", None) or getattr(mod, "sqlite_version", "")
        return f"{name} {str(version).split(' ')[0]}"
