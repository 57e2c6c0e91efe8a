"""INSERT, UPDATE and DELETE statements, with RETURNING.

Values given with ``.values()`` are bound parameters. Values given at execution time
(``conn.execute(insert(t), [{...}, {...}])``) decide the column list of the compiled statement; a
list of several dicts runs as one executemany (or the dialect's faster batch form).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql import coercions
from sqlweave.core.sql.elements import ClauseElement, and_
from sqlweave.core.sql.selectable import ColumnCollection, _describe


class UpdateBase(ClauseElement):
    """Common to INSERT, UPDATE and DELETE."""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        from sqlweave.core.sql import traversal

        traversal.install(cls)  # params() values apply where the statement's binds are collected

    is_executable = True
    is_dml = True
    _returning: tuple[Any, ...] = ()
    #: what was passed to returning(), uncoerced: the ORM turns mapped classes back into objects
    _returning_args: tuple[Any, ...] = ()
    _return_defaults = False
    _return_defaults_columns: tuple[Any, ...] = ()
    _execution_options: dict[str, Any] = {}
    _hints: tuple[Any, ...] = ()
    _prefixes: tuple[str, ...] = ()
    _post_values_clause: Any = None
    _propagate_attrs: dict[str, Any] = {}
    _sort_by_parameter_order = False

    def __init__(self, table: Any) -> None:
        plugin = getattr(table, "_propagate_attrs", None)
        if plugin:
            self._propagate_attrs = plugin
        self._entity = table
        self.table = coercions.expect_from(table)

    def returning(self, *cols: Any, sort_by_parameter_order: bool = False) -> Any:
        """Add a RETURNING clause (PostgreSQL, SQLite 3.35+, MariaDB 10.5+)."""
        new = self._generate()
        new._returning = self._returning + tuple(coercions.expect_columns_clause(c) for c in cols)
        new._returning_args = self._returning_args + cols
        new._sort_by_parameter_order = sort_by_parameter_order
        for c in cols:
            plugin = getattr(c, "_propagate_attrs", None)
            if plugin:
                new._propagate_attrs = {**new._propagate_attrs, **plugin}
        return new

    def return_defaults(self, *cols: Any, sort_by_parameter_order: bool = False) -> Any:
        """Fetch server-generated defaults (via RETURNING where available) into
        ``result.returned_defaults``."""
        new = self._generate()
        new._return_defaults = True
        new._return_defaults_columns = tuple(cols)
        return new

    def execution_options(self, **kw: Any) -> Any:
        new = self._generate()
        new._execution_options = {**self._execution_options, **kw}
        return new

    def prefix_with(self, *prefixes: str) -> Any:
        """Trusted SQL keywords after the verb (``prefix_with("OR IGNORE")``)."""
        new = self._generate()
        new._prefixes = self._prefixes + prefixes
        return new

    def with_dialect_options(self, **kw: Any) -> Any:
        return self

    def _returning_key(self, binds: list[Any]) -> Any:
        return (tuple(c._gen_cache_key(binds) for c in self._returning), self._return_defaults,
                self._sort_by_parameter_order)

    @property
    def exported_columns(self) -> ColumnCollection:
        cols: list[Any] = []
        for r in self._returning:
            cols.extend(r._select_iterable if hasattr(r, "_select_iterable") else [r])
        return ColumnCollection(cols)

    def _exported_columns(self) -> list[tuple[str, Any]]:
        out = []
        for r in self._returning:
            for c in (r._select_iterable if hasattr(r, "_select_iterable") else [r]):
                out.append((c._proxy_name or "anon", c))
        return out


class ValuesBase(UpdateBase):
    _values: dict[Any, Any] | None = None
    _multi_values: tuple[list[dict[Any, Any]], ...] = ()
    _select: Any = None
    _select_names: Sequence[Any] = ()
    _inline = False
    _select_include_defaults = True

    def values(self, *args: Any, **kwargs: Any) -> Any:
        """Set column values: ``values(name="x")``, ``values({"name": "x"})``, ``values({col: expr})``,
        or a list of dicts for a multi-row ``VALUES (...), (...)``."""
        new = self._generate()
        if args and isinstance(args[0], (list, tuple)) and args and args[0] and isinstance(args[0][0], dict):
            if kwargs or len(args) > 1:
                raise exc.ArgumentError("values() takes a list of dicts or keyword arguments, not both")
            rows = [self._normalize(r) for r in args[0]]
            new._multi_values = self._multi_values + (rows,)
            return new
        if args and isinstance(args[0], (list, tuple)) and args[0] and not isinstance(args[0][0], dict):
            cols = [c for c in self.table.columns]
            rows_in = args[0] if isinstance(args[0][0], (list, tuple)) else [args[0]]
            rows = [self._normalize(dict(zip(cols, r))) for r in rows_in]
            if len(rows) == 1:
                new._values = {**(self._values or {}), **rows[0]}
            else:
                new._multi_values = self._multi_values + (rows,)
            return new
        given: dict[Any, Any] = {}
        for a in args:
            if not isinstance(a, dict):
                raise exc.ArgumentError(f"values() takes dicts or keyword arguments, got {a!r}")
            given.update(a)
        given.update(kwargs)
        new._values = {**(self._values or {}), **self._normalize(given)}
        return new

    def _normalize(self, given: dict[Any, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        cols = self.table.columns
        for k, v in given.items():
            if isinstance(k, str):
                col = cols.get(k)
                if col is None:
                    col = self._column_by_name(k)
            else:
                ce = getattr(k, "__clause_element__", None)
                k = ce() if ce else k
                col = k if cols.contains_column(k) else cols.corresponding_column(k)
            if col is None:
                raise exc.CompileError(
                    f"Unconsumed column names: {k if isinstance(k, str) else getattr(k, 'key', k)} "
                    f"(table {_describe(self.table)!r} has columns: {', '.join(cols.keys())})"
                )
            out[col.key] = v
        return out

    def _column_by_name(self, name: str) -> Any:
        for c in self.table.columns:
            if c.name == name:
                return c
        return None

    def _values_key(self, binds: list[Any]) -> Any:
        def vk(v: Any) -> Any:
            if isinstance(v, ClauseElement):
                return v._gen_cache_key(binds)
            ce = getattr(v, "__clause_element__", None)
            if ce is not None:
                return ce()._gen_cache_key(binds)
            binds.append(_ValueMarker(v))
            return "v"

        single = tuple((k, vk(v)) for k, v in self._values.items()) if self._values else None
        multi = tuple(
            tuple(tuple((k, vk(v)) for k, v in row.items()) for row in rows) for rows in self._multi_values
        )
        return single, multi


class _ValueMarker:
    """Stands in the bind list for a plain value given to ``.values()``, so a cached compiled
    statement can pick up the new value of a structurally equal statement."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    callable = None

    def effective_value(self) -> Any:
        return self.value


class Insert(ValuesBase):
    """``INSERT INTO table (cols) VALUES (...)`` [``RETURNING ...``]."""

    __visit_name__ = "insert"

    def inline(self) -> Insert:
        new = self._generate()
        new._inline = True
        return new

    def from_select(self, names: Sequence[Any], select: Any, include_defaults: bool = True) -> Insert:
        """``INSERT INTO table (names) SELECT ...``."""
        new = self._generate()
        new._select = select
        new._select_names = [
            self.table.columns[n] if isinstance(n, str) else n for n in names
        ]
        new._select_include_defaults = include_defaults
        return new

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        if self.__dict__.keys() <= _PLAIN_INSERT_ATTRS:
            # insert(table) and nothing else (the values come from execute()): every other
            # part of the key below is its class default
            return ("insert", type(self), self.table._gen_cache_key(binds))
        return (
            "insert",
            self.table._gen_cache_key(binds),
            self._values_key(binds),
            self._select._gen_cache_key(binds) if self._select is not None else None,
            tuple(id(n) for n in self._select_names),
            self._returning_key(binds),
            self._inline,
            self._prefixes,
            self._post_values_key(binds),
            tuple(sorted(self._propagate_attrs)) if self._propagate_attrs else None,
        )

    def _post_values_key(self, binds: list[Any]) -> Any:
        return None


#: what ``insert(table)`` sets; anything else in an Insert's ``__dict__`` needs the full key
#: (``_memo_key`` and ``_execution_options`` are not part of a key)
_PLAIN_INSERT_ATTRS = frozenset(("table", "_entity", "_memo_key", "_execution_options"))


class _WhereMixin:
    _where: tuple[Any, ...] = ()

    def where(self, *whereclause: Any) -> Any:
        """Add WHERE criteria, joined by AND."""
        new = self._generate()  # type: ignore[attr-defined]
        new._where = self._where + tuple(coercions.expect_where(w) for w in whereclause)
        return new

    filter = where

    def filter_by(self, **kw: Any) -> Any:
        cols = self.table.columns  # type: ignore[attr-defined]
        crit = []
        for k, v in kw.items():
            if k not in cols:
                raise exc.InvalidRequestError(f"Table {_describe(self.table)!r} has no column {k!r}")  # type: ignore[attr-defined]
            crit.append(cols[k] == v)
        return self.where(*crit)

    @property
    def whereclause(self) -> Any:
        return and_(*self._where) if self._where else None


class Update(_WhereMixin, ValuesBase):
    """``UPDATE table SET ... WHERE ...`` [``RETURNING ...``]."""

    __visit_name__ = "update"
    _ordered_values: tuple[Any, ...] | None = None

    def ordered_values(self, *args: tuple[Any, Any]) -> Update:
        new = self.values(dict(args))
        new._ordered_values = tuple(k for k, _ in args)
        return new

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "update",
            self.table._gen_cache_key(binds),
            self._values_key(binds),
            tuple(w._gen_cache_key(binds) for w in self._where),
            self._returning_key(binds),
            self._prefixes,
            tuple(sorted(self._propagate_attrs)) if self._propagate_attrs else None,
        )


class Delete(_WhereMixin, UpdateBase):
    """``DELETE FROM table WHERE ...`` [``RETURNING ...``]."""

    __visit_name__ = "delete"

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "delete",
            self.table._gen_cache_key(binds),
            tuple(w._gen_cache_key(binds) for w in self._where),
            self._returning_key(binds),
            self._prefixes,
            tuple(sorted(self._propagate_attrs)) if self._propagate_attrs else None,
        )


def insert(table: Any) -> Insert:
    """``INSERT INTO table``."""
    return Insert(table)


def update(table: Any) -> Update:
    """``UPDATE table``."""
    return Update(table)


def delete(table: Any) -> Delete:
    """``DELETE FROM table``."""
    return Delete(table)


__all__ = ["Delete", "Insert", "Update", "UpdateBase", "ValuesBase", "delete", "insert", "update"]
