"""FROM-clause elements and SELECT: tables, joins, aliases, subqueries, CTEs, set operations.

Generative methods (``where()``, ``order_by()`` ...) return a new statement; the original is never
changed, which is what makes cached compiled forms safe to share.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import coercions, operators, traversal
from sqlweave.core.sql.elements import (
    BindParameter,
    ClauseElement,
    ClauseList,
    ColumnClause,
    ColumnElement,
    Grouping,
    Label,
    ScalarSelectMarker,
    TextClause,
    UnaryExpression,
    and_,
)
from sqlweave.core.sql.visitors import position_number


class ColumnCollection:
    """An ordered, read-only collection of columns, by key (``t.c.name``, ``t.c["name"]``)."""

    # ``t.c.name`` is read on every statement built: each column is also kept in the instance
    # ``__dict__`` under its key, so that read is a plain attribute lookup. Keys that would hide
    # a method or slot of the class (``t.c.keys``) stay out of it and go through __getattr__.
    __slots__ = ("_cols", "_index", "__dict__")

    def __init__(self, columns: Iterable[Any] = ()) -> None:
        self._cols: list[Any] = []
        self._index: dict[str, Any] = {}
        for c in columns:
            self._add(c)

    def _add(self, col: Any, key: str | None = None) -> None:
        key = key or col.key or col.name or ""
        if key in self._index:
            old = self._index[key]
            self._cols = [col if c is old else c for c in self._cols]
        else:
            self._cols.append(col)
        self._index[key] = col
        if isinstance(key, str) and not hasattr(ColumnCollection, key):
            self.__dict__[key] = col

    def _remove(self, col: Any) -> None:
        self._cols = [c for c in self._cols if c is not col]
        self._index = {k: v for k, v in self._index.items() if v is not col}
        d = self.__dict__
        for k in [k for k, v in d.items() if v is col]:
            del d[k]

    def __getattr__(self, key: str) -> Any:
        if key in ("_index", "_cols") or key.startswith("__"):
            # not set yet (copy/pickle make the object without __init__): no column lookup
            raise AttributeError(key)
        try:
            return self._index[key]
        except KeyError:
            raise AttributeError(
                f"No column named {key!r}; columns are: {', '.join(self._index) or 'none'}"
            ) from None

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, slice)):
            return self._cols[key]
        if isinstance(key, tuple):
            return ColumnCollection([self[k] for k in key])
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(
                f"No column named {key!r}; columns are: {', '.join(self._index) or 'none'}"
            ) from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._index.get(key, default)

    def __contains__(self, item: Any) -> bool:
        if isinstance(item, str):
            return item in self._index
        return any(c is item for c in self._cols)

    def contains_column(self, col: Any) -> bool:
        return any(c is col for c in self._cols)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._cols))

    def __len__(self) -> int:
        return len(self._cols)

    def keys(self) -> list[str]:
        return list(self._index)

    def values(self) -> list[Any]:
        return list(self._cols)

    def items(self) -> list[tuple[str, Any]]:
        return list(self._index.items())

    def corresponding_column(self, column: Any) -> Any | None:
        """The column here that stands for ``column`` (same column, or a proxy of it)."""
        for c in self._cols:
            if c is column:
                return c
        target = column.proxy_set
        for c in self._cols:
            if c.proxy_set & target:
                return c
        return None

    def __bool__(self) -> bool:
        return bool(self._cols)

    def __repr__(self) -> str:
        return f"ColumnCollection({', '.join(str(c) for c in self._cols)})"


class Selectable(ClauseElement):
    is_selectable = True


class FromClause(Selectable):
    """Something that can appear in FROM: a table, join, alias or subquery."""

    __visit_name__ = "fromclause"
    _is_from_clause = True
    named_with_column = False
    schema: str | None = None
    _columns: ColumnCollection

    @property
    def c(self) -> ColumnCollection:
        """The columns, by key."""
        cols = self.__dict__.get("_columns")
        if cols is None:
            cols = self._columns = self._populate_columns()
        return cols

    @property
    def columns(self) -> ColumnCollection:
        cols = self.__dict__.get("_columns")
        if cols is None:
            cols = self._columns = self._populate_columns()
        return cols

    def _populate_columns(self) -> ColumnCollection:
        return ColumnCollection()

    @property
    def primary_key(self) -> Any:
        return [c for c in self.columns if c.primary_key]

    @property
    def foreign_keys(self) -> set[Any]:
        out: set[Any] = set()
        for c in self.columns:
            out |= set(c.foreign_keys)
        return out

    @property
    def _from_objects(self) -> list[Any]:
        return [self]

    @property
    def _select_iterable(self) -> list[ColumnElement]:
        return list(self.columns)

    def select(self) -> Select:
        """``SELECT * FROM self`` (every column listed)."""
        return Select(self)

    def join(self, right: Any, onclause: Any = None, isouter: bool = False, full: bool = False) -> Join:
        """``self JOIN right ON onclause`` (ON inferred from foreign keys when omitted)."""
        return Join(self, right, onclause, isouter, full)

    def outerjoin(self, right: Any, onclause: Any = None, full: bool = False) -> Join:
        return Join(self, right, onclause, True, full)

    def alias(self, name: str | None = None, flat: bool = False) -> Alias:
        """``self AS name``."""
        return Alias(self, name)

    def tablesample(self, *a: Any, **kw: Any) -> Any:
        raise exc.CompileError("TABLESAMPLE is not supported")

    def corresponding_column(self, column: ColumnElement) -> ColumnElement | None:
        return self.columns.corresponding_column(column)

    def is_derived_from(self, other: Any) -> bool:
        return other is self

    def _refers_to(self, other: Any) -> bool:
        return other is self

    def __clause_element__(self) -> FromClause:
        return self


class TableClause(FromClause):
    """A table by name, with columns; :func:`table` makes a lightweight one (no MetaData)."""

    __visit_name__ = "table"
    named_with_column = True

    def __init__(self, name: str, *columns: ColumnClause, schema: str | None = None) -> None:
        self.name = name
        self.schema = schema
        self._columns = ColumnCollection()
        for c in columns:
            self.append_column(c)

    def append_column(self, c: ColumnClause) -> None:
        c.table = self
        self._columns._add(c)

    @property
    def fullname(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def description(self) -> str:
        return self.name

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return self

    def insert(self) -> Any:
        from sqlweave.core.sql.dml import Insert

        return Insert(self)

    def update(self) -> Any:
        from sqlweave.core.sql.dml import Update

        return Update(self)

    def delete(self) -> Any:
        from sqlweave.core.sql.dml import Delete

        return Delete(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def __str__(self) -> str:
        return self.fullname


def table(name: str, *columns: ColumnClause, schema: str | None = None) -> TableClause:
    """A lightweight table (no MetaData) for building SQL."""
    return TableClause(name, *columns, schema=schema)


class Join(FromClause):
    """``left [LEFT OUTER | FULL OUTER] JOIN right ON onclause``."""

    __visit_name__ = "join"

    def __init__(self, left: Any, right: Any, onclause: Any = None, isouter: bool = False, full: bool = False) -> None:
        self.left = coercions.expect_from(left)
        self.right = coercions.expect_from(right)
        if onclause is None:
            onclause = _join_condition(self.left, self.right)
        else:
            onclause = coercions.expect_where(onclause, "a join ON criterion")
        self.onclause = onclause
        self.isouter = isouter
        self.full = full

    def _populate_columns(self) -> ColumnCollection:
        cc = ColumnCollection()
        for side in (self.left, self.right):
            for col in side.columns:
                tname = getattr(col.table, "name", None)
                cc._add(col, f"{tname}_{col.key}" if tname else col.key)
        return cc

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "join",
            self.left._gen_cache_key(binds),
            self.right._gen_cache_key(binds),
            self.onclause._gen_cache_key(binds),
            self.isouter,
            self.full,
        )

    @property
    def _from_objects(self) -> list[Any]:
        return [self] + self.left._from_objects + self.right._from_objects

    def _refers_to(self, other: Any) -> bool:
        return other is self or self.left._refers_to(other) or self.right._refers_to(other)

    def is_derived_from(self, other: Any) -> bool:
        return self._refers_to(other)

    def select(self) -> Select:
        return Select(self.left, self.right).select_from(self)


def _join_condition(left: FromClause, right: FromClause) -> Any:
    """Infer ON from the foreign keys between ``left`` and ``right`` (either direction)."""
    crit: list[Any] = []
    constraints: set[int] = set()
    for a, b in ((left, right), (right, left)):
        for col in b.columns:
            for fk in col.foreign_keys:
                try:
                    target = fk.column
                except exc.SqlweaveError:
                    continue
                match = a.columns.corresponding_column(target)
                if match is not None and match is not col:
                    crit.append(match == col)
                    constraints.add(id(getattr(fk, "constraint", None) or fk))
        if crit:
            break
    if not crit:
        raise exc.NoReferenceError(
            f"Can't find any foreign key relationships between '{_describe(left)}' and "
            f"'{_describe(right)}'; pass the ON clause explicitly: a.join(b, a.c.x == b.c.y)"
        )
    if len(constraints) > 1:
        raise exc.ArgumentError(
            f"Can't determine the join between '{_describe(left)}' and '{_describe(right)}'; "
            "there are multiple foreign key paths. Pass the ON clause explicitly."
        )
    return and_(*crit)


def _describe(sel: Any) -> str:
    return getattr(sel, "name", None) or type(sel).__name__


#: the ``name`` of an anonymous alias, subquery, CTE or VALUES: the compiler renders such an
#: element as ``anon_1``, ``anon_2``, ... in order of appearance in each statement
ANON_NAME = "anon"


class Alias(FromClause):
    """``element AS name``: a renamed table, or a named subquery."""

    __visit_name__ = "alias"
    named_with_column = True
    #: keyed by position in the statement (see :func:`~sqlweave.core.sql.visitors.position_number`)
    _keyed_by_position = True

    def __init__(self, element: Any, name: str | None = None) -> None:
        self.element = element
        self._anonymous = name is None
        self.name = ANON_NAME if name is None else name

    @property
    def original(self) -> Any:
        el = self.element
        while isinstance(el, Alias):
            el = el.element
        return el

    def _populate_columns(self) -> ColumnCollection:
        cc = ColumnCollection()
        for col in self.element._select_iterable if not isinstance(self.element, FromClause) else self.element.columns:
            cc._add(col._make_proxy(self, key=getattr(col, "key", None)))
        return cc

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        n, first = position_number(self, binds)
        if not first:
            return ("ref", n)
        return (type(self).__name__, None if self._anonymous else self.name, self._extra_key(),
                self.element._gen_cache_key(binds))

    def _extra_key(self) -> Any:
        """What else, besides name and element, shapes this kind of alias's SQL."""
        return None

    def _refers_to(self, other: Any) -> bool:
        return other is self

    def is_derived_from(self, other: Any) -> bool:
        return other is self or self.element is other or (
            isinstance(self.element, FromClause) and self.element.is_derived_from(other)
        )


class Subquery(Alias):
    """``(SELECT ...) AS name`` in FROM; made by ``select(...).subquery()``."""

    __visit_name__ = "subquery"

    def _extra_key(self) -> Any:
        return self.__dict__.get("_lateral", False)

    def _populate_columns(self) -> ColumnCollection:
        cc = ColumnCollection()
        for name, col in self.element._exported_columns():
            cc._add(col._make_proxy(self, name=name, key=name))
        return cc


class CTE(Subquery):
    """A common table expression: ``WITH name AS (SELECT ...)``, optionally RECURSIVE."""

    __visit_name__ = "cte"

    def __init__(self, element: Any, name: str | None = None, recursive: bool = False) -> None:
        super().__init__(element, name)
        self.recursive = recursive

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        # numbered before its body is walked: a recursive CTE's reference to itself is a "ref"
        n, first = position_number(self, binds)
        if not first:
            return ("ref", n)
        return ("cte", None if self._anonymous else self.name, self.recursive,
                self.element._gen_cache_key(binds))

    def union(self, *others: Any) -> CTE:
        return self._combine("UNION", others)

    def union_all(self, *others: Any) -> CTE:
        return self._combine("UNION ALL", others)

    def _combine(self, keyword: str, others: Any) -> CTE:
        compound = CompoundSelect(keyword, self.element, *others)
        new = CTE(compound, None if self._anonymous else self.name, self.recursive)
        # the recursive part refers to ``self``'s columns; keep them pointing at the new CTE
        new._columns = self.columns
        for c in new._columns:
            c.table = new
        new._aliased_from = self  # type: ignore[attr-defined]
        return new

    def alias(self, name: str | None = None, flat: bool = False) -> Alias:
        return Alias(self, name)


class TableValuedAlias(Alias):
    """A table-valued function in FROM (``json_each(x) AS j``)."""

    __visit_name__ = "table_valued_alias"

    def __init__(self, fn: Any, name: str | None, names: list[str] | None = None) -> None:
        super().__init__(fn, name)
        self._names = names or []

    def _extra_key(self) -> Any:
        return tuple(self._names)

    def _populate_columns(self) -> ColumnCollection:
        cols = [ColumnClause(n, _selectable=self) for n in self._names] or [ColumnClause("value", _selectable=self)]
        return ColumnCollection(cols)

    @property
    def column(self) -> ColumnElement:
        """The function's value as one column, named as the alias is (``SELECT anon_1 FROM
        json_array_elements(...) AS anon_1``)."""
        return AliasNameColumn(self)


class AliasNameColumn(ColumnElement):
    """A table-valued alias used as a column: rendered as the alias's (compile-time) name."""

    __visit_name__ = "alias_name_column"

    def __init__(self, alias: TableValuedAlias) -> None:
        self.alias = alias
        self.type = alias.element.type

    @property
    def name(self) -> str:
        return self.alias.name  # type: ignore[no-any-return]

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("aliasname", self.alias._gen_cache_key(binds))

    @property
    def _from_objects(self) -> list[Any]:
        return [self.alias]


# ---------------------------------------------------------------------------------------------
# SELECT
# ---------------------------------------------------------------------------------------------


class SelectBase(Selectable):
    """Common to SELECT, compound SELECTs and textual SELECTs."""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        traversal.install(cls)  # params() values apply where the statement's binds are collected

    is_executable = True
    _is_select_statement = True
    _execution_options: dict[str, Any] = {}

    def subquery(self, name: str | None = None) -> Subquery:
        """This SELECT as a named subquery for use in FROM."""
        return Subquery(self, name)

    def alias(self, name: str | None = None, flat: bool = False) -> Subquery:
        return self.subquery(name)

    def cte(self, name: str | None = None, recursive: bool = False) -> CTE:
        """This SELECT as a common table expression (``WITH name AS (...)``)."""
        return CTE(self, name, recursive)

    def scalar_subquery(self) -> ScalarSelect:
        """This SELECT as a single-value expression: ``(SELECT max(x) FROM t)``."""
        return ScalarSelect(self)

    def label(self, name: str) -> Label:
        return self.scalar_subquery().label(name)

    def exists(self) -> Exists:
        return Exists(self)

    def execution_options(self, **kw: Any) -> Any:
        new = self._generate()
        new._execution_options = {**self._execution_options, **kw}
        return new

    def get_execution_options(self) -> dict[str, Any]:
        return dict(self._execution_options)

    @property
    def selected_columns(self) -> ColumnCollection:
        return ColumnCollection(col for _, col in self._exported_columns())

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        raise NotImplementedError

    def self_group(self, against: Any = None) -> ClauseElement:
        return Grouping(self) if against is not None else self

    def union(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("UNION", self, *other)

    def union_all(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("UNION ALL", self, *other)

    def intersect(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("INTERSECT", self, *other)

    def intersect_all(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("INTERSECT ALL", self, *other)

    def except_(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("EXCEPT", self, *other)

    def except_all(self, *other: Any) -> CompoundSelect:
        return CompoundSelect("EXCEPT ALL", self, *other)


class _OrderLimitMixin:
    _order_by: tuple[Any, ...] = ()
    _limit: Any = None
    _offset: Any = None
    _fetch_options: tuple[bool, bool] | None = None  # fetch(): (with_ties, percent), when asked
    _fetch: Any = None

    def order_by(self, *clauses: Any) -> Any:
        """Add ORDER BY criteria; ``order_by(None)`` removes them."""
        new = self._generate()  # type: ignore[attr-defined]
        if len(clauses) == 1 and clauses[0] is None:
            new._order_by = ()
        else:
            new._order_by = self._order_by + tuple(coercions.expect_order_by(c) for c in clauses)
        return new

    def limit(self, limit: Any) -> Any:
        """``LIMIT limit`` (sent as a bound parameter)."""
        new = self._generate()  # type: ignore[attr-defined]
        new._limit = _limit_value(limit)
        new._fetch_options = None
        return new

    def offset(self, offset: Any) -> Any:
        """``OFFSET offset`` (sent as a bound parameter)."""
        new = self._generate()  # type: ignore[attr-defined]
        new._offset = _limit_value(offset)
        return new

    def slice(self, start: int, stop: int) -> Any:
        return self.offset(start or None).limit(stop - (start or 0))

    def fetch(self, count: Any, with_ties: bool = False, percent: bool = False) -> Any:
        """``FETCH FIRST count ROWS ONLY`` (rendered as the dialect's LIMIT), or with
        ``with_ties`` ``... ROWS WITH TIES`` (rows tied with the last one by the ORDER BY come
        too) and with ``percent`` ``FETCH FIRST count PERCENT ROWS``. A dialect without the form
        asked for refuses it when compiling (``CompileError``) rather than dropping it."""
        new = self._generate()  # type: ignore[attr-defined]
        new._limit = _limit_value(count) if not percent else count if isinstance(count, ClauseElement) \
            else BindParameter(None, count, unique=True)
        new._fetch_options = (bool(with_ties), bool(percent)) if (with_ties or percent) else None
        return new

    def _order_limit_key(self, binds: list[Any]) -> tuple[Any, ...]:
        return (
            tuple([o._gen_cache_key(binds) for o in self._order_by]),
            self._limit._gen_cache_key(binds) if self._limit is not None else None,
            self._offset._gen_cache_key(binds) if self._offset is not None else None,
            self._fetch_options,
        )


def _limit_value(value: Any) -> Any:
    if value is None or isinstance(value, ClauseElement):
        return value
    try:
        ivalue = int(value)
    except (TypeError, ValueError):
        raise exc.ArgumentError(f"LIMIT/OFFSET takes an integer, got {value!r}") from None
    if ivalue < 0:
        raise exc.ArgumentError(f"LIMIT/OFFSET must not be negative, got {value!r}")
    return BindParameter("param", ivalue, type_=sqltypes.INTEGERTYPE, unique=True)


class ForUpdateArg:
    """The ``FOR UPDATE`` options of a SELECT."""

    def __init__(self, nowait: bool = False, read: bool = False, of: Any = None,
                 skip_locked: bool = False, key_share: bool = False) -> None:
        self.nowait = nowait
        self.read = read
        self.skip_locked = skip_locked
        self.key_share = key_share
        self.of = [coercions.expect_columns_clause(o) for o in (of if isinstance(of, (list, tuple)) else [of])] if of is not None else None

    def _key(self) -> tuple[Any, ...]:
        return (self.nowait, self.read, self.skip_locked, self.key_share,
                tuple(id(o) for o in self.of) if self.of else None)


class Select(_OrderLimitMixin, SelectBase):
    """``SELECT columns FROM froms WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT ...``."""

    __visit_name__ = "select"

    _where: tuple[Any, ...] = ()
    _having: tuple[Any, ...] = ()
    _group_by: tuple[Any, ...] = ()
    _from_obj: tuple[Any, ...] = ()
    _setup_joins: tuple[Any, ...] = ()
    _distinct = False
    _distinct_on: tuple[Any, ...] = ()
    _for_update: ForUpdateArg | None = None
    _correlate: tuple[Any, ...] = ()
    _correlate_except: tuple[Any, ...] | None = None
    _auto_correlate = True
    _prefixes: tuple[str, ...] = ()
    _suffixes: tuple[str, ...] = ()
    _hints: tuple[Any, ...] = ()
    _label_style = "disambiguate"
    #: set by the ORM when the statement selects entities (see sqlweave.orm.context)
    _propagate_attrs: dict[str, Any] = {}

    def __init__(self, *entities: Any) -> None:
        if len(entities) == 1 and isinstance(entities[0], (list, tuple)):
            entities = tuple(entities[0])  # legacy select([a, b])
        raw = []
        for e in entities:
            plugin = getattr(e, "_propagate_attrs", None)
            if plugin:
                self._propagate_attrs = {**self._propagate_attrs, **plugin}
            raw.append(coercions.expect_columns_clause(e))
        self._raw_columns = tuple(raw)
        self._entities = entities

    # -- cache key ---------------------------------------------------------------------------

    @traversal.applies_bind_overrides
    def _gen_cache_key(self, binds: list[Any]) -> Any:
        # Most statements set only their columns and WHERE: every other part is read (and
        # keyed) only when the statement's __dict__ holds it, i.e. a generative method set it.
        # The key's shape fixes the traversal order, so equal keys collect binds alike.
        # (Single-element column lists and WHERE tuples, the usual case, skip the comprehension.)
        d = self.__dict__
        start = len(binds)
        raw = self._raw_columns
        cols = (raw[0]._gen_cache_key(binds),) if len(raw) == 1 else \
            tuple([c._gen_cache_key(binds) for c in raw])
        crit = self._where
        where = (crit[0]._gen_cache_key(binds),) if len(crit) == 1 else \
            tuple([w._gen_cache_key(binds) for w in crit])
        if _SELECT_OPTIONAL_PARTS.isdisjoint(d):
            key: tuple[Any, ...] = ("select", cols, where)
        else:
            key = ("select", cols, where, self._optional_parts_key(d, binds))
        overrides = d.get("_bind_overrides")
        if overrides is not None:  # values given with params()
            traversal.override_binds(binds, start, overrides)
        return key

    def _optional_parts_key(self, d: dict[str, Any], binds: list[Any]) -> tuple[Any, ...]:
        return (
            tuple([f._gen_cache_key(binds) for f in self._from_obj]) if "_from_obj" in d else (),
            tuple([(_join_part_key(t, binds), _join_part_key(o, binds), fl["isouter"], fl["full"],
                    _join_part_key(fl.get("from_"), binds))
                   for t, o, fl in self._setup_joins]) if "_setup_joins" in d else (),
            tuple([g._gen_cache_key(binds) for g in self._group_by]) if "_group_by" in d else (),
            tuple([h._gen_cache_key(binds) for h in self._having]) if "_having" in d else (),
            self._order_limit_key(binds),
            self._distinct,
            tuple([c._gen_cache_key(binds) for c in self._distinct_on]) if "_distinct_on" in d else (),
            self._for_update._key() if self._for_update is not None else None,
            tuple([c._gen_cache_key(binds) for c in self._correlate]) if "_correlate" in d else (),
            tuple([c._gen_cache_key(binds) for c in self._correlate_except])
            if self._correlate_except is not None else None,
            self._auto_correlate,
            self._prefixes,
            self._suffixes,
            self._label_style,
            tuple(sorted(self._propagate_attrs)) if self._propagate_attrs else None,
        )

    # -- generative API ----------------------------------------------------------------------

    def where(self, *whereclause: Any) -> Select:
        """Add WHERE criteria, joined by AND."""
        new = self._generate()
        if len(whereclause) == 1:
            new._where = self._where + (coercions.expect_where(whereclause[0]),)
        else:
            new._where = self._where + tuple([coercions.expect_where(w) for w in whereclause])
        return new

    filter = where

    def filter_by(self, **kwargs: Any) -> Select:
        """WHERE by keyword: ``filter_by(name="x")`` compares columns of the last joined entity."""
        target = self._filter_by_target()
        crit = []
        for key, value in kwargs.items():
            col = target.columns.get(key) if hasattr(target, "columns") else None
            if col is None:
                getter = getattr(target, "_filter_by_column", None)
                col = getter(key) if getter else None
            if col is None:
                raise exc.InvalidRequestError(
                    f"Entity namespace for {_describe(target)!r} has no property {key!r}"
                )
            crit.append(col == value)
        return self.where(*crit)

    def _filter_by_target(self) -> Any:
        if self._setup_joins:
            return self._setup_joins[-1][0]
        if self._from_obj:
            last = self._from_obj[-1]
            while isinstance(last, Join):
                last = last.right
            return last
        for e in self._raw_columns:
            froms = e._from_objects
            if froms:
                return froms[0]
        raise exc.InvalidRequestError("filter_by() needs a FROM element to look up names in")

    #: loader options for ORM statements (``select(User).options(selectinload(...))``); Core
    #: never reads them, the ORM's compile step does
    _with_options: tuple[Any, ...] = ()

    def options(self, *options: Any) -> Select:
        """Attach ORM loader options; they do not change the SQL Core renders by itself."""
        new = self._generate()
        new._with_options = self._with_options + options
        return new

    def having(self, *having: Any) -> Select:
        """Add HAVING criteria, joined by AND."""
        new = self._generate()
        new._having = self._having + tuple(coercions.expect_where(h, "a HAVING criterion") for h in having)
        return new

    def group_by(self, *clauses: Any) -> Select:
        """Add GROUP BY expressions; ``group_by(None)`` removes them."""
        new = self._generate()
        if len(clauses) == 1 and clauses[0] is None:
            new._group_by = ()
        else:
            new._group_by = self._group_by + tuple(coercions.expect_group_by(c) for c in clauses)
        return new

    def distinct(self, *expr: Any) -> Select:
        """``SELECT DISTINCT``; with expressions, ``DISTINCT ON (...)`` (PostgreSQL)."""
        new = self._generate()
        new._distinct = True
        if expr:
            new._distinct_on = self._distinct_on + tuple(coercions.expect_column_expression(e) for e in expr)
        return new

    def select_from(self, *froms: Any) -> Select:
        """Name FROM elements explicitly (for SELECTs whose columns don't imply them)."""
        new = self._generate()
        new._from_obj = self._from_obj + tuple(coercions.expect_from(f) for f in froms)
        return new

    def join(self, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False) -> Select:
        """JOIN ``target`` to the left-most FROM that can join it (ON inferred from foreign keys)."""
        return self._add_join(target, onclause, isouter, full, None)

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Select:
        return self._add_join(target, onclause, True, full, None)

    def join_from(self, from_: Any, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False) -> Select:
        """JOIN ``target`` to ``from_`` explicitly."""
        return self._add_join(target, onclause, isouter, full, from_)

    def outerjoin_from(self, from_: Any, target: Any, onclause: Any = None, *, full: bool = False) -> Select:
        return self._add_join(target, onclause, True, full, from_)

    def _add_join(self, target: Any, onclause: Any, isouter: bool, full: bool, from_: Any) -> Select:
        hook = getattr(target, "_join_target_hook", None) or getattr(onclause, "_join_target_hook", None)
        new = self._generate()
        new._setup_joins = self._setup_joins + (
            (target, onclause, {"isouter": isouter, "full": full, "from_": from_}),
        )
        if hook is not None:
            new._propagate_attrs = {**self._propagate_attrs, "orm_join": True}
        # validate eagerly so that errors point at the offending call
        new._joined_froms()
        return new

    def with_for_update(self, *, nowait: bool = False, read: bool = False, of: Any = None,
                        skip_locked: bool = False, key_share: bool = False) -> Select:
        """``FOR UPDATE`` (``read=True``: ``FOR SHARE``/``LOCK IN SHARE MODE``), with NOWAIT / SKIP LOCKED / OF."""
        new = self._generate()
        new._for_update = ForUpdateArg(nowait, read, of, skip_locked, key_share)
        return new

    def correlate(self, *froms: Any) -> Select:
        new = self._generate()
        if len(froms) == 1 and froms[0] is None:
            new._auto_correlate = False
            new._correlate = ()
        else:
            new._correlate = self._correlate + tuple(coercions.expect_from(f) for f in froms)
        return new

    def correlate_except(self, *froms: Any) -> Select:
        new = self._generate()
        new._correlate_except = (self._correlate_except or ()) + tuple(
            coercions.expect_from(f) for f in froms if f is not None
        )
        return new

    def add_columns(self, *entities: Any) -> Select:
        new = self._generate()
        new._raw_columns = self._raw_columns + tuple(coercions.expect_columns_clause(e) for e in entities)
        new._entities = tuple(self._entities) + entities
        for e in entities:
            plugin = getattr(e, "_propagate_attrs", None)
            if plugin:
                new._propagate_attrs = {**new._propagate_attrs, **plugin}
        return new

    def add_column(self, entity: Any) -> Select:
        return self.add_columns(entity)

    def with_only_columns(self, *entities: Any, maintain_column_froms: bool = False) -> Select:
        new = self._generate()
        if len(entities) == 1 and isinstance(entities[0], (list, tuple)):
            entities = tuple(entities[0])
        if maintain_column_froms:
            new._from_obj = self._from_obj + tuple(
                f for f in self.columns_clause_froms if f not in self._from_obj
            )
        new._raw_columns = tuple(coercions.expect_columns_clause(e) for e in entities)
        new._entities = entities
        return new

    def prefix_with(self, *prefixes: str) -> Select:
        """Trusted SQL keywords after SELECT (``prefix_with("SQL_NO_CACHE")``)."""
        new = self._generate()
        new._prefixes = self._prefixes + prefixes
        return new

    def suffix_with(self, *suffixes: str) -> Select:
        new = self._generate()
        new._suffixes = self._suffixes + suffixes
        return new

    def set_label_style(self, style: str) -> Select:
        new = self._generate()
        new._label_style = style
        return new

    def get_label_style(self) -> str:
        return self._label_style

    def lateral(self, name: str | None = None) -> Subquery:
        sq = Subquery(self, name)
        sq._lateral = True  # type: ignore[attr-defined]
        return sq

    @property
    def whereclause(self) -> Any:
        return and_(*self._where) if self._where else None

    # -- FROM computation --------------------------------------------------------------------

    @property
    def columns_clause_froms(self) -> list[Any]:
        out: list[Any] = []
        for c in self._raw_columns:
            for f in c._from_objects:
                if f not in out:
                    out.append(f)
        return out

    def _joined_froms(self) -> list[Any]:
        """The explicit FROM list after applying ``join()`` calls."""
        froms = list(self._from_obj)
        for target, onclause, flags in self._setup_joins:
            on = onclause
            target_hook = getattr(target, "_join_target_hook", None)  # ORM: join(A.relationship)
            if target_hook is not None and not isinstance(target, ClauseElement):
                right, on_from_target = target_hook()
                if on is None:
                    on = on_from_target
            else:
                right = coercions.expect_from(target)
            if on is not None and not isinstance(on, ClauseElement):
                hook = getattr(on, "_join_target_hook", None)  # ORM: join(Target, A.relationship)
                ce = getattr(on, "__clause_element__", None)
                on = hook()[1] if hook else ce() if ce else on
            left = flags.get("from_")
            if left is not None:
                left = coercions.expect_from(left)
                idx = next((i for i, f in enumerate(froms) if f is left or (isinstance(f, Join) and f._refers_to(left))), None)
                if idx is None:
                    froms.append(Join(left, right, on, flags["isouter"], flags["full"]))
                else:
                    froms[idx] = Join(froms[idx], right, on, flags["isouter"], flags["full"])
                continue
            if not froms:
                for f in self.columns_clause_froms:
                    if f is not right and not (isinstance(right, Join) and right._refers_to(f)):
                        froms.append(f)
                        break
            if not froms:
                raise exc.InvalidRequestError(
                    f"No FROM element to join {_describe(right)!r} from; use select_from() or join_from()"
                )
            joined = False
            for i in range(len(froms) - 1, -1, -1):
                try:
                    froms[i] = Join(froms[i], right, on, flags["isouter"], flags["full"])
                    joined = True
                    break
                except exc.NoReferenceError:
                    if i == 0:
                        raise
            if not joined:
                raise exc.InvalidRequestError(f"Can't join {_describe(right)!r}")
        return froms

    def get_final_froms(self) -> list[Any]:
        """The FROM list as it will be rendered (explicit froms, joins, then column froms)."""
        froms = self._joined_froms()
        for f in self.columns_clause_froms:
            if not any(x is f or x._refers_to(f) or (isinstance(x, Join) and x._refers_to(f)) for x in froms):
                froms.append(f)
        for w in self._where:
            for f in w._from_objects:
                if isinstance(f, Join):
                    continue
                if not any(x is f or x._refers_to(f) for x in froms):
                    froms.append(f)
        return froms

    @property
    def froms(self) -> list[Any]:
        return self.get_final_froms()

    # -- columns -----------------------------------------------------------------------------

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        """(name, column) for each column of the SELECT list, names de-duplicated."""
        out: list[tuple[str, ColumnElement]] = []
        seen: dict[str, int] = {}
        for raw in self._raw_columns:
            for col in raw._select_iterable if hasattr(raw, "_select_iterable") else [raw]:
                name = col._proxy_name if isinstance(col, ColumnElement) else None
                if name is None:
                    name = getattr(col, "name", None) or "anon"
                    if isinstance(col, Label) and col._anonymous:
                        name = col.name
                if name in seen:
                    seen[name] += 1
                    name = f"{name}_{seen[name]}"
                    while name in seen:
                        seen[name] = 0
                        name = f"{name}_1"
                seen.setdefault(name, 0)
                out.append((name, col))
        return out

    @property
    def exported_columns(self) -> ColumnCollection:
        return self.selected_columns

    @property
    def column_descriptions(self) -> list[dict[str, Any]]:
        return [{"name": n, "type": c.type, "expr": c} for n, c in self._exported_columns()]


#: the attributes of a Select, besides its columns and WHERE, that take part in its cache key
_SELECT_OPTIONAL_PARTS = frozenset((
    "_from_obj", "_setup_joins", "_group_by", "_having", "_order_by", "_limit", "_offset",
    "_distinct", "_distinct_on", "_for_update", "_correlate", "_correlate_except", "_auto_correlate",
    "_prefixes", "_suffixes", "_label_style", "_propagate_attrs",
))


def _join_part_key(part: Any, binds: list[Any]) -> Any:
    """Cache key of a join target / ON clause / left side, which may be an ORM attribute or entity
    (those have no ``_gen_cache_key`` and are keyed by identity: they live as long as their class)."""
    if part is None:
        return None
    gen = getattr(part, "_gen_cache_key", None)
    if gen is not None:
        return gen(binds)
    ce = getattr(part, "__clause_element__", None)
    if ce is not None and not getattr(part, "_join_target_hook", None):
        return ce()._gen_cache_key(binds)
    return ("obj", id(part))


def select(*entities: Any) -> Select:
    """``SELECT`` the given columns, tables or ORM entities."""
    return Select(*entities)


class ScalarSelect(ScalarSelectMarker, ColumnElement):
    """A SELECT of one column used as a value: ``(SELECT ...)``."""

    __visit_name__ = "scalar_select"

    def __init__(self, element: Any) -> None:
        self.element = element
        cols = element._exported_columns()
        self.type = cols[0][1].type if cols else sqltypes.NULLTYPE

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("scalar", self.element._gen_cache_key(binds))

    def self_group(self, against: Any = None) -> ClauseElement:
        return self

    def where(self, *crit: Any) -> ScalarSelect:
        return ScalarSelect(self.element.where(*crit))

    def correlate(self, *froms: Any) -> ScalarSelect:
        return ScalarSelect(self.element.correlate(*froms))

    def correlate_except(self, *froms: Any) -> ScalarSelect:
        return ScalarSelect(self.element.correlate_except(*froms))


class Exists(UnaryExpression):
    """``EXISTS (SELECT ...)``."""

    __visit_name__ = "exists"

    def __init__(self, element: Any = None) -> None:
        from sqlweave.core.sql.elements import literal_column

        if element is None:
            element = Select(literal_column("*"))
        elif not isinstance(element, SelectBase):
            element = Select(element)
        self.select_element = element
        super().__init__(Grouping(element), operator=operators.exists, type_=sqltypes.BOOLEANTYPE)

    def where(self, *crit: Any) -> Exists:
        return Exists(self.select_element.where(*crit))

    def select_from(self, *froms: Any) -> Exists:
        return Exists(self.select_element.select_from(*froms))

    def correlate(self, *froms: Any) -> Exists:
        return Exists(self.select_element.correlate(*froms))

    def correlate_except(self, *froms: Any) -> Exists:
        return Exists(self.select_element.correlate_except(*froms))

    def select(self) -> Select:
        return Select(self)


def exists(*args: Any) -> Exists:
    """``EXISTS (SELECT ...)``: ``exists().where(...)`` or ``select(...).exists()``."""
    if not args:
        return Exists()
    if len(args) == 1 and isinstance(args[0], SelectBase):
        return Exists(args[0])
    return Exists(Select(*args))


class CompoundSelect(_OrderLimitMixin, SelectBase):
    """``SELECT ... UNION [ALL] SELECT ...`` (and INTERSECT / EXCEPT)."""

    __visit_name__ = "compound_select"

    def __init__(self, keyword: str, *selects: Any) -> None:
        self.keyword = keyword
        self.selects = []
        for s in selects:
            if not isinstance(s, SelectBase):
                raise exc.ArgumentError(f"{keyword} takes SELECT statements, got {s!r}")
            self.selects.append(s)
        n = len(self.selects[0]._exported_columns())
        for s in self.selects[1:]:
            if len(s._exported_columns()) != n:
                raise exc.ArgumentError(
                    f"All selectables passed to {keyword} must have identical numbers of columns; "
                    f"the first has {n}, another has {len(s._exported_columns())}"
                )

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("compound", self.keyword, tuple(s._gen_cache_key(binds) for s in self.selects),
                self._order_limit_key(binds))

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        return self.selects[0]._exported_columns()

    @property
    def _from_objects(self) -> list[Any]:
        return []


def union(*selects: Any) -> CompoundSelect:
    return CompoundSelect("UNION", *selects)


def union_all(*selects: Any) -> CompoundSelect:
    return CompoundSelect("UNION ALL", *selects)


def intersect(*selects: Any) -> CompoundSelect:
    return CompoundSelect("INTERSECT", *selects)


def intersect_all(*selects: Any) -> CompoundSelect:
    return CompoundSelect("INTERSECT ALL", *selects)


def except_(*selects: Any) -> CompoundSelect:
    return CompoundSelect("EXCEPT", *selects)


def except_all(*selects: Any) -> CompoundSelect:
    return CompoundSelect("EXCEPT ALL", *selects)


class TextualSelect(SelectBase):
    """A ``text()`` with declared result columns (``text(...).columns(a, b)``)."""

    __visit_name__ = "textual_select"

    def __init__(self, text: TextClause, columns: Sequence[Any]) -> None:
        self.element = text
        self.column_args = list(columns)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        # the declared columns by their own keys (a table-less ``column("x", Integer)`` by
        # name and type), so the same text with new column objects finds its compiled form
        return ("textual", self.element._gen_cache_key(binds), tuple(c._gen_cache_key(binds) for c in self.column_args))

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        return [(c.name, c) for c in self.column_args]

    def bindparams(self, *binds: Any, **values: Any) -> TextualSelect:
        return TextualSelect(self.element.bindparams(*binds, **values), self.column_args)


class Values(FromClause):
    """``(VALUES (1, 'a'), (2, 'b')) AS name (col1, col2)``."""

    __visit_name__ = "values"
    named_with_column = True
    _keyed_by_position = True

    def __init__(self, *columns: ColumnClause, name: str | None = None, literal_binds: bool = False) -> None:
        self._column_args = list(columns)
        self._anonymous = name is None
        self.name = ANON_NAME if name is None else name
        self._data: tuple[Any, ...] = ()
        self.literal_binds = literal_binds

    def data(self, values: Sequence[Sequence[Any]]) -> Values:
        new = self._generate()
        new._data = self._data + (
            tuple(
                ClauseList(*[BindParameter(None, v, type_=c.type, unique=True) for v, c in zip(row, self._column_args)])
                for row in values
            ),
        )
        return new

    def _populate_columns(self) -> ColumnCollection:
        return ColumnCollection(c._make_proxy(self) for c in self._column_args)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        n, first = position_number(self, binds)
        if not first:
            return ("ref", n)
        return ("values", None if self._anonymous else self.name,
                tuple([c._gen_cache_key(binds) for c in self._column_args]),
                tuple(tuple(r._gen_cache_key(binds) for r in rows) for rows in self._data))

    def alias(self, name: str | None = None, flat: bool = False) -> Any:
        new = self._generate()
        new._anonymous = name is None
        new.name = ANON_NAME if name is None else name
        new.__dict__.pop("_columns", None)
        return new


def values(*columns: ColumnClause, name: str | None = None, literal_binds: bool = False) -> Values:
    return Values(*columns, name=name, literal_binds=literal_binds)


def alias(selectable: Any, name: str | None = None) -> Any:
    return selectable.alias(name)


def join(left: Any, right: Any, onclause: Any = None, isouter: bool = False, full: bool = False) -> Join:
    return Join(left, right, onclause, isouter, full)


def outerjoin(left: Any, right: Any, onclause: Any = None, full: bool = False) -> Join:
    return Join(left, right, onclause, True, full)


def _install_text_overrides() -> None:
    traversal.install(TextClause)  # text().params(x=...) like statements


_install_text_overrides()


__all__ = [
    "Alias", "CTE", "ColumnCollection", "CompoundSelect", "Exists", "FromClause", "Join",
    "ScalarSelect", "Select", "SelectBase", "Subquery", "TableClause", "TextualSelect", "Values",
    "alias", "except_", "except_all", "exists", "intersect", "intersect_all", "join",
    "outerjoin", "select", "table", "union", "union_all", "values",
]


coercions._sel = __import__("sys").modules[__name__]  # type: ignore[attr-defined]  # see coercions
