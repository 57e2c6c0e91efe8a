"""Shared pieces of the benchmark harness: database spec, schema, data, scenarios, checks."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------------
# Databases

DEFAULT_URLS = {
    "sqlite": "sqlite://",
    "postgresql": "postgresql://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}


@dataclass(frozen=True)
class DbSpec:
    """Where a contender connects: the kind of database and its address."""

    kind: str  # "sqlite" | "postgresql" | "mysql"
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    database: str = ""  # sqlite: "" means in memory, otherwise the file path

    @classmethod
    def from_url(cls, url: str) -> DbSpec:
        parts = urlsplit(url)
        kind = parts.scheme.split("+")[0]
        if kind == "sqlite":
            return cls("sqlite", database=parts.path.lstrip("/") if parts.path else "")
        if kind not in ("postgresql", "mysql"):
            raise SystemExit(f"unsupported database URL {url!r}")
        return cls(
            kind,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (5432 if kind == "postgresql" else 3306),
            user=parts.username or "",
            password=parts.password or "",
            database=parts.path.lstrip("/"),
        )

    def sa_url(self) -> str:
        """The URL in SQLAlchemy's (and so sqlweave's) syntax."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.database}" if self.database else "sqlite://"
        driver = "psycopg2" if self.kind == "postgresql" else "pymysql"
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"{self.kind}+{driver}://{auth}@{self.host}:{self.port}/{self.database}"

    def fresh(self, tag: str) -> DbSpec:
        """A spec for one contender run: for file-backed SQLite a file of its own."""
        if self.kind == "sqlite" and self.database:
            path = f"{self.database}.{tag}.db"
            for suffix in ("", "-journal", "-wal"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            return DbSpec("sqlite", database=path)
        return self


# --------------------------------------------------------------------------------------------
# Schema: the same DDL text for every contender, run through the contender's own connection.

_PK = {
    "sqlite": "INTEGER PRIMARY KEY",
    "postgresql": "SERIAL PRIMARY KEY",
    "mysql": "INTEGER AUTO_INCREMENT PRIMARY KEY",
}
_SUFFIX = {"sqlite": "", "postgresql": "", "mysql": " ENGINE=InnoDB"}

DROP = [
    "DROP TABLE IF EXISTS bench_child",
    "DROP TABLE IF EXISTS bench_parent",
    "DROP TABLE IF EXISTS bench_item",
]


def create_ddl(kind: str) -> list[str]:
    pk, sfx = _PK[kind], _SUFFIX[kind]
    return [
        f"CREATE TABLE bench_item (id {pk}, name VARCHAR(50) NOT NULL,"
        f" x INTEGER NOT NULL, y INTEGER NOT NULL){sfx}",
        f"CREATE TABLE bench_parent (id {pk}, name VARCHAR(50) NOT NULL){sfx}",
        f"CREATE TABLE bench_child (id {pk}, parent_id INTEGER NOT NULL,"
        f" name VARCHAR(50) NOT NULL,"
        f" FOREIGN KEY (parent_id) REFERENCES bench_parent (id)){sfx}",
        "CREATE INDEX ix_bench_child_parent_id ON bench_child (parent_id)",
    ]


# --------------------------------------------------------------------------------------------
# Data and checks

ITEM_COLS = ("id", "name", "x", "y")


def item_rows(n: int, start: int = 1) -> list[tuple[int, str, int, int]]:
    return [(i, f"item {i}", i * 7 % 1000, i % 13) for i in range(start, start + n)]


def item_checksum(rows: Sequence[tuple[int, str, int, int]]) -> tuple[int, int, int, int, int]:
    """(count, sum id, sum x, sum y, total name length): what a reader of 4 columns must see."""
    return (
        len(rows),
        sum(r[0] for r in rows),
        sum(r[2] for r in rows),
        sum(r[3] for r in rows),
        sum(len(r[1]) for r in rows),
    )


class WrongAnswer(AssertionError):
    """A contender produced a wrong result: an error, never a time."""


def expect(what: str, got: object, want: object) -> None:
    if got != want:
        raise WrongAnswer(f"{what}: got {got!r}, want {want!r}")


def as_int(value: Any) -> int:
    """Aggregates come back as int, Decimal (MySQL SUM) or None (empty SUM)."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value)
    return int(value)


def check_items_stored(c: Any, rows: Sequence[tuple[int, str, int, int]]) -> None:
    """The table holds exactly these rows' count and sums (ids not compared: DB-generated)."""
    count, _ids, sx, sy, lname = item_checksum(rows)
    got = c.row("SELECT COUNT(*), SUM(x), SUM(y), SUM(LENGTH(name)) FROM bench_item")
    expect(
        "rows stored (count, sum x, sum y, sum len(name))",
        tuple(map(as_int, got)),
        (count, sx, sy, lname),
    )


# --------------------------------------------------------------------------------------------
# Scenarios

#: prepare(contender, n) -> the thunk that is timed; the thunk returns the answer to check.
Prepare = Callable[[Any, int], Callable[[], Any]]
Check = Callable[[Any, int, Any], None]
Seed = Callable[[Any, int], None]


@dataclass
class Scenario:
    """One timed workload. ``impls`` maps a contender kind (raw/core/orm/peewee) to its code."""

    id: str  # "3o", "3c", "9s" ...: the digits select it on the command line
    title: str
    base_n: int
    check: Check
    seed: Seed | None = None
    impls: dict[str, Prepare] = field(default_factory=dict)
    measure_memory: bool = False
    needs_db: bool = True
    self_timed: bool = False  # the answer is the time (measured in a child interpreter)

    @property
    def number(self) -> int:
        return int("".join(ch for ch in self.id if ch.isdigit()))

    def n(self, scale: float) -> int:
        return max(1, round(self.base_n * scale))

    def impl(self, *kinds: str) -> Callable[[Prepare], Prepare]:
        def register(fn: Prepare) -> Prepare:
            for kind in kinds:
                self.impls[kind] = fn
            return fn

        return register


def chunks(seq: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]
