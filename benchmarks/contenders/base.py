"""What every contender offers the scenarios: its own connection, DDL, seeding and check queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from harness import DbSpec


class Contender:
    name: ClassVar[str]  # "sqlalchemy_orm"
    kind: ClassVar[str]  # which implementation of a scenario it runs: raw | core | orm | peewee
    is_peer: ClassVar[bool] = False  # SQLAlchemy and peewee: the "best peer" is the best of these
    is_sqlweave: ClassVar[bool] = False  # failures to run are "n/a", not errors

    def __init__(self) -> None:
        self.db: DbSpec | None = None
        self._deferred: list[Callable[[], object]] = []

    # --- lifecycle, called by run.py around every timed run ---
    def open(self, db: DbSpec) -> None:
        self.db = db

    def close(self) -> None:
        pass

    def defer(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` after the timed run and its check (close a session, a cursor...)."""
        self._deferred.append(fn)

    def run_deferred(self) -> None:
        fns, self._deferred = self._deferred, []
        for fn in reversed(fns):
            fn()

    # --- untimed helpers every contender implements with its own connection ---
    def ddl(self, statements: Sequence[str]) -> None:
        raise NotImplementedError

    def seed(self, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def row(self, sql: str) -> tuple[Any, ...]:
        raise NotImplementedError

    # --- cold import (scenario 12) ---
    def import_target(self, layer: str) -> str:
        """The module a program of this contender imports for ``layer`` ("core" or "orm")."""
        raise NotImplementedError

    def version(self) -> str:
        return ""


def plain(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(int(v) if isinstance(v, Decimal) else v for v in values)
