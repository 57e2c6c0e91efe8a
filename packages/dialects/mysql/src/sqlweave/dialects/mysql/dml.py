"""MySQL/MariaDB upsert: ``INSERT ... ON DUPLICATE KEY UPDATE col = value, ...``.

``stmt.inserted.col`` names the value the row would have had. It renders as ``VALUES(col)`` on
MariaDB and on MySQL before 8.0.20, and as a row alias (``... VALUES (...) AS new ON DUPLICATE
KEY UPDATE col = new.col``) on MySQL 8.0.20 and later, where ``VALUES()`` is deprecated. The
dialect decides at compile time from the server version.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql import coercions
from sqlweave.core.sql.dml import Insert as _CoreInsert
from sqlweave.core.sql.elements import ClauseElement, ColumnClause
from sqlweave.core.sql.selectable import ColumnCollection


class Insert(_CoreInsert):
    """INSERT with :meth:`on_duplicate_key_update`."""

    @property
    def inserted(self) -> ColumnCollection:
        """The row proposed for insertion: ``stmt.inserted.name`` is the value it would have
        written to ``name`` (``VALUES(name)`` or the MySQL 8 row alias)."""
        return ColumnCollection(InsertedColumn(c) for c in self.table.columns)

    def on_duplicate_key_update(self, *args: Any, **kw: Any) -> Insert:
        """Update the existing row when the INSERT hits a PRIMARY KEY or UNIQUE conflict.

        Accepts keyword arguments (``col=value``), one dict, or a list of ``(column, value)``
        pairs (which keeps the SET order). Values are Python values (bound), SQL expressions,
        or ``stmt.inserted.col``.
        """
        if args and kw:
            raise exc.ArgumentError("on_duplicate_key_update() takes positional or keyword arguments, not both")
        if len(args) > 1:
            raise exc.ArgumentError("on_duplicate_key_update() takes one dict or list of (column, value) pairs")
        items: Any = args[0] if args else kw
        if isinstance(items, dict):
            items = list(items.items())
        if not items:
            raise exc.ArgumentError("on_duplicate_key_update() needs at least one column to update")
        new = self._generate()
        new._post_values_clause = OnDuplicateClause(self.table, items)
        return new

    def _post_values_key(self, binds: list[Any]) -> Any:
        clause = self._post_values_clause
        return clause._gen_cache_key(binds) if clause is not None else None


class InsertedColumn(ColumnClause):
    """``stmt.inserted.col``: rendered by the MySQL compiler as ``VALUES(col)`` or ``new.col``."""

    __visit_name__ = "mysql_inserted_column"

    def __init__(self, column: Any) -> None:
        super().__init__(column.name, column.type)
        self.key = column.key

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("mysql_inserted", self._name, self.type._static_cache_key)

    @property
    def _from_objects(self) -> list[Any]:
        return []


class OnDuplicateClause(ClauseElement):
    """The ``ON DUPLICATE KEY UPDATE`` part of an :class:`Insert`."""

    __visit_name__ = "on_duplicate_key_update"

    def __init__(self, table: Any, items: Any) -> None:
        self.update: list[tuple[Any, Any]] = []
        for k, v in items:
            if isinstance(k, str):
                if k not in table.c:
                    raise exc.ArgumentError(f"on_duplicate_key_update(): table {table.name!r} has no column {k!r}")
                col = table.c[k]
            else:
                col = k
            self.update.append((col, coercions.expect_value(v, col)))

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("odku", tuple((c.name, v._gen_cache_key(binds)) for c, v in self.update))


def insert(table: Any) -> Insert:
    """An INSERT supporting ``on_duplicate_key_update()``."""
    return Insert(table)
