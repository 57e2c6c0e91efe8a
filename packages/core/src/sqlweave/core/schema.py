"""Schema: MetaData, Table, Column, keys and constraints, indexes, sequences, defaults.

A :class:`Table` belongs to a :class:`MetaData`; ``metadata.create_all(engine)`` emits CREATE TABLE
in foreign-key dependency order (cycles broken with ``use_alter`` constraints, added afterwards by
ALTER TABLE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Sequence as SequenceT
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import coercions
from sqlweave.core.sql.elements import ClauseElement, ColumnClause, ColumnElement, TextClause
from sqlweave.core.sql.selectable import ColumnCollection, TableClause


class SchemaItem:
    """Base of schema constructs; ``info`` is a free-form dict for applications."""

    __visit_name__ = "schema_item"

    @property
    def info(self) -> dict[str, Any]:
        d = self.__dict__.get("_info")
        if d is None:
            d = self.__dict__["_info"] = {}
        return d


# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------


class ColumnDefault(SchemaItem):
    """A Python-side default: a scalar, a callable (optionally taking the execution context), or a
    SQL expression evaluated by the INSERT/UPDATE itself."""

    def __init__(self, arg: Any, for_update: bool = False) -> None:
        self.for_update = for_update
        self.is_sequence = False
        self.is_clause_element = isinstance(arg, ClauseElement) or hasattr(arg, "__clause_element__")
        self.is_callable = callable(arg) and not self.is_clause_element
        self.is_scalar = not (self.is_callable or self.is_clause_element)
        if self.is_callable:
            arg = _wrap_callable(arg)
        elif self.is_clause_element:
            ce = getattr(arg, "__clause_element__", None)
            arg = ce() if ce else arg
        self.arg = arg

    def __repr__(self) -> str:
        return f"ColumnDefault({self.arg!r})"


def _wrap_callable(fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """Normalize a default callable to take the execution context (zero-arg ones ignore it)."""
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return lambda ctx: fn(ctx)
    positional = [
        p for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if not positional:
        return lambda ctx: fn()
    return fn


class DefaultClause(SchemaItem):
    """A server-side default: ``server_default="0"`` or ``server_default=text("now()")``.

    A plain str is rendered as a quoted SQL string literal (escaped by the dialect); ``text()`` is
    rendered as written.
    """

    def __init__(self, arg: Any, for_update: bool = False) -> None:
        if not isinstance(arg, (str, ClauseElement)):
            raise exc.ArgumentError(
                f"server_default takes a str (a literal) or text()/func expression, got {arg!r}"
            )
        self.arg = arg
        self.for_update = for_update
        self.reflected = False

    def __repr__(self) -> str:
        return f"DefaultClause({self.arg!r})"


class FetchedValue(SchemaItem):
    """Marks a column whose value the server generates (a trigger, say) and that must be fetched."""

    def __init__(self, for_update: bool = False) -> None:
        self.for_update = for_update


class Sequence(SchemaItem):
    """A database sequence (PostgreSQL); ``Column(Integer, Sequence("s"), primary_key=True)``."""

    __visit_name__ = "sequence"
    is_sequence = True

    def __init__(self, name: str, start: int | None = None, increment: int | None = None,
                 minvalue: int | None = None, maxvalue: int | None = None, cycle: bool | None = None,
                 schema: str | None = None, cache: int | None = None, optional: bool = False,
                 metadata: MetaData | None = None) -> None:
        self.name = name
        self.start = start
        self.increment = increment
        self.minvalue = minvalue
        self.maxvalue = maxvalue
        self.cycle = cycle
        self.schema = schema
        self.cache = cache
        self.optional = optional
        self.metadata = metadata
        self.column: Column | None = None
        if metadata is not None:
            metadata._sequences[self.name] = self

    def next_value(self) -> ColumnElement:
        """``nextval('name')`` as an expression."""

        fn = _NextValue(self)
        return fn

    def _set_parent(self, column: Column) -> None:
        self.column = column
        column.default = self
        table = column.table
        if table is not None and table.metadata is not None:
            table.metadata._sequences[self.name] = self
            if self.metadata is None:
                self.metadata = table.metadata

    def create(self, bind: Any, checkfirst: bool = True) -> None:
        from sqlweave.core.sql.ddl import CreateSequence

        with _connection(bind) as conn:
            if checkfirst and conn.dialect.has_sequence(conn, self.name, schema=self.schema):
                return
            conn.execute(CreateSequence(self))

    def drop(self, bind: Any, checkfirst: bool = True) -> None:
        from sqlweave.core.sql.ddl import DropSequence

        with _connection(bind) as conn:
            if checkfirst and not conn.dialect.has_sequence(conn, self.name, schema=self.schema):
                return
            conn.execute(DropSequence(self))


class _NextValue(ColumnElement):
    __visit_name__ = "next_value"
    type = sqltypes.Integer()

    def __init__(self, sequence: Sequence) -> None:
        self.sequence = sequence

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("nextval", self.sequence.name, self.sequence.schema)


class Identity(SchemaItem):
    """``GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY`` (PostgreSQL 10+; elsewhere the dialect's
    autoincrement)."""

    def __init__(self, always: bool = False, on_null: bool | None = None, start: int | None = None,
                 increment: int | None = None, minvalue: int | None = None,
                 maxvalue: int | None = None, cycle: bool | None = None, cache: int | None = None) -> None:
        self.always = always
        self.on_null = on_null
        self.start = start
        self.increment = increment
        self.minvalue = minvalue
        self.maxvalue = maxvalue
        self.cycle = cycle
        self.cache = cache


class Computed(SchemaItem):
    """``GENERATED ALWAYS AS (expr) [STORED]``: a column computed by the server."""

    def __init__(self, sqltext: Any, persisted: bool | None = None) -> None:
        if isinstance(sqltext, str):
            sqltext = TextClause(sqltext)
        self.sqltext = sqltext
        self.persisted = persisted


# ---------------------------------------------------------------------------------------------
# Column
# ---------------------------------------------------------------------------------------------

_NO_ARG = object()


class Column(ColumnClause, SchemaItem):
    """A column of a :class:`Table`.

    ``Column(name, type, *constraints, nullable=, default=, server_default=, onupdate=,
    server_onupdate=, primary_key=, autoincrement=, unique=, index=, comment=, key=)``.
    ``nullable`` defaults to ``not primary_key``; ``autoincrement="auto"`` makes a single integer
    primary key server-generated.
    """

    __visit_name__ = "column"
    _is_schema_column = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        args_l = list(args)
        name: str | None = None
        type_: Any = None
        if args_l and isinstance(args_l[0], str):
            name = args_l.pop(0)
        if args_l:
            first = args_l[0]
            if isinstance(first, sqltypes.TypeEngine) or (isinstance(first, type) and issubclass(first, sqltypes.TypeEngine)):
                type_ = args_l.pop(0)
        type_ = kwargs.pop("type_", type_)
        super().__init__(name or "", type_)
        self._name_set = name is not None
        self.key = kwargs.pop("key", name) or ""
        self.primary_key = kwargs.pop("primary_key", False)
        nullable = kwargs.pop("nullable", _NO_ARG)
        self._user_defined_nullable = nullable
        self.nullable = (not self.primary_key) if nullable is _NO_ARG else bool(nullable)
        self.autoincrement = kwargs.pop("autoincrement", "auto")
        self.unique = kwargs.pop("unique", None)
        self.index = kwargs.pop("index", None)
        self.comment = kwargs.pop("comment", None)
        self.doc = kwargs.pop("doc", None)
        self.system = kwargs.pop("system", False)
        self.quote = kwargs.pop("quote", None)
        info = kwargs.pop("info", None)
        if info:
            self.info.update(info)
        self.table = None
        self.foreign_keys: set[ForeignKey] = set()  # type: ignore[assignment]
        self.constraints: set[Constraint] = set()
        self.computed: Computed | None = None
        self.identity: Identity | None = None

        default = kwargs.pop("default", None)
        self.default: Any = ColumnDefault(default) if default is not None else None
        server_default = kwargs.pop("server_default", None)
        self.server_default: Any = (
            server_default if isinstance(server_default, (FetchedValue, DefaultClause)) or server_default is None
            else DefaultClause(server_default)
        )
        onupdate = kwargs.pop("onupdate", None)
        self.onupdate: Any = ColumnDefault(onupdate, for_update=True) if onupdate is not None else None
        server_onupdate = kwargs.pop("server_onupdate", None)
        self.server_onupdate: Any = (
            server_onupdate if isinstance(server_onupdate, (FetchedValue, DefaultClause)) or server_onupdate is None
            else DefaultClause(server_onupdate, for_update=True)
        )
        self.insert_default = self.default
        self.dialect_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if "_" in k and k.split("_", 1)[0] in ("sqlite", "postgresql", "mysql", "mariadb")}
        if kwargs:
            raise exc.ArgumentError(f"Unknown arguments passed to Column: {', '.join(sorted(kwargs))}")

        self._pending_items: list[Any] = []
        for item in args_l:
            if isinstance(item, ForeignKey):
                self.foreign_keys.add(item)
                item.parent = self
            elif isinstance(item, Sequence):
                self.default = item
                item.column = self
                self._pending_items.append(item)
            elif isinstance(item, Identity):
                self.identity = item
                if nullable is _NO_ARG:
                    self.nullable = False  # an IDENTITY column is NOT NULL
            elif isinstance(item, Computed):
                self.computed = item
                self.server_default = item
            elif isinstance(item, (DefaultClause, FetchedValue)):
                if item.for_update:
                    self.server_onupdate = item
                else:
                    self.server_default = item
            elif isinstance(item, ColumnDefault):
                if item.for_update:
                    self.onupdate = item
                else:
                    self.default = item
            elif isinstance(item, Constraint):
                self.constraints.add(item)
                self._pending_items.append(item)
            else:
                raise exc.ArgumentError(f"Column got an unexpected positional argument {item!r}")

    @property
    def type_(self) -> sqltypes.TypeEngine:
        return self.type

    def _set_parent(self, table: Table) -> None:
        if not self._name_set:
            raise exc.ArgumentError(
                f"Column must be constructed with a name when added to Table {table.name!r}"
            )
        existing = table._columns.get(self.key or "")
        if existing is not None and existing is not self:
            table._columns._remove(existing)
            if existing.primary_key:
                table.primary_key._columns._remove(existing)
        self.table = table
        table._columns._add(self, self.key)
        if self.primary_key:
            table.primary_key._add_column(self)
        for fk in self.foreign_keys:
            fk._set_table(table)
        for item in self._pending_items:
            if isinstance(item, Sequence):
                item._set_parent(self)
            elif isinstance(item, Constraint):
                item._set_parent_column(self, table)
        self._pending_items = []
        if self.unique:
            table.append_constraint(UniqueConstraint(self.name, name=self.unique if isinstance(self.unique, str) else None, _column_flag=True))
        if self.index:
            Index(None, self, unique=bool(self.unique), _column_flag=True)._set_parent(table)

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        if self.table is None:
            return ("col", self._name, self.type._static_cache_key)
        return self

    def copy(self, **kw: Any) -> Column:
        return self._copy()

    def _copy(self) -> Column:
        c = Column(
            self.name, self.type, *[ForeignKey(fk._colspec, ondelete=fk.ondelete, onupdate=fk.onupdate,
                                                name=fk.name, use_alter=fk.use_alter, deferrable=fk.deferrable,
                                                initially=fk.initially) for fk in self.foreign_keys],
            key=self.key, primary_key=self.primary_key,
            nullable=self._user_defined_nullable if self._user_defined_nullable is not _NO_ARG else self.nullable,
            autoincrement=self.autoincrement, unique=self.unique, index=self.index,
            comment=self.comment,
        )
        c.default = self.default
        c.server_default = self.server_default
        c.onupdate = self.onupdate
        c.server_onupdate = self.server_onupdate
        c.identity = self.identity
        c.computed = self.computed
        return c

    def references(self, column: Column) -> bool:
        return any(fk.references_column(column) for fk in self.foreign_keys)

    @property
    def _autoincrement_candidate(self) -> bool:
        """True if this column is the table's server-generated integer primary key."""
        table = self.table
        if table is None:
            return False
        return table._autoincrement_column is self

    def __repr__(self) -> str:
        table = f"{self.table.name}." if self.table is not None and getattr(self.table, "name", None) else ""
        return f"Column({table}{self.name!r}, {self.type!r})"


# ---------------------------------------------------------------------------------------------
# Constraints
# ---------------------------------------------------------------------------------------------


class Constraint(SchemaItem):
    """Base of table constraints."""

    __visit_name__ = "constraint"

    def __init__(self, *, name: str | None = None, deferrable: bool | None = None,
                 initially: str | None = None, comment: str | None = None, info: Any = None,
                 _column_flag: bool = False) -> None:
        self.name = name
        self.deferrable = deferrable
        self.initially = initially
        self.comment = comment
        self.table: Table | None = None
        self._column_flag = _column_flag
        if info:
            self.info.update(info)

    def _set_parent(self, table: Table) -> None:
        self.table = table
        table.constraints.add(self)

    def _set_parent_column(self, column: Column, table: Table) -> None:
        self._set_parent(table)


class ColumnCollectionConstraint(Constraint):
    """A constraint over a list of columns (given as names or Column objects)."""

    def __init__(self, *columns: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self._pending_colargs = list(columns)
        self._columns = ColumnCollection()

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def _set_parent(self, table: Table) -> None:
        super()._set_parent(table)
        for c in self._pending_colargs:
            col = table.c[c] if isinstance(c, str) else c
            if isinstance(c, str) and c not in table.c:
                raise exc.ArgumentError(f"Table {table.name!r} has no column {c!r} (in {type(self).__name__})")
            self._columns._add(col)
        self._pending_colargs = []

    def _set_parent_column(self, column: Column, table: Table) -> None:
        if not self._pending_colargs:
            self._pending_colargs = [column]
        self._set_parent(table)

    def contains_column(self, col: Column) -> bool:
        return self._columns.contains_column(col)

    def __iter__(self) -> Any:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


class PrimaryKeyConstraint(ColumnCollectionConstraint):
    """``PRIMARY KEY (cols)``; composite keys list several columns."""

    __visit_name__ = "primary_key_constraint"

    def __init__(self, *columns: Any, **kw: Any) -> None:
        self._implicit_generated = kw.pop("_implicit_generated", False)
        super().__init__(*columns, **kw)

    def _set_parent(self, table: Table) -> None:
        old = table.primary_key
        if old is not self:
            table.constraints.discard(old)
            for c in old.columns:
                if not self._pending_colargs or c not in [table.c.get(x) if isinstance(x, str) else x for x in self._pending_colargs]:
                    pass
        table.primary_key = self
        super()._set_parent(table)
        for c in self._columns:
            c.primary_key = True
            if c._user_defined_nullable is _NO_ARG:
                c.nullable = False

    def _add_column(self, col: Column) -> None:
        self._columns._add(col)

    def __repr__(self) -> str:
        return f"PrimaryKeyConstraint({', '.join(str(c.name) for c in self._columns)})"


class UniqueConstraint(ColumnCollectionConstraint):
    """``UNIQUE (cols)``."""

    __visit_name__ = "unique_constraint"


class CheckConstraint(Constraint):
    """``CHECK (sqltext)``; a str is trusted SQL (schema definition, not user input)."""

    __visit_name__ = "check_constraint"

    def __init__(self, sqltext: Any, name: str | None = None, **kw: Any) -> None:
        super().__init__(name=name, **kw)
        self.sqltext = TextClause(sqltext) if isinstance(sqltext, str) else coercions.expect_where(sqltext)


class ForeignKeyConstraint(ColumnCollectionConstraint):
    """``FOREIGN KEY (cols) REFERENCES other (cols)`` with ON DELETE / ON UPDATE; ``use_alter``
    creates it after both tables (for cycles)."""

    __visit_name__ = "foreign_key_constraint"

    def __init__(self, columns: SequenceT[Any], refcolumns: SequenceT[Any], name: str | None = None,
                 onupdate: str | None = None, ondelete: str | None = None, deferrable: bool | None = None,
                 initially: str | None = None, use_alter: bool = False, match: str | None = None,
                 link_to_name: bool = False, comment: str | None = None, info: Any = None, **kw: Any) -> None:
        super().__init__(*columns, name=name, deferrable=deferrable, initially=initially, comment=comment, info=info)
        if len(columns) != len(refcolumns):
            raise exc.ArgumentError("ForeignKeyConstraint needs as many referenced columns as columns")
        for action in (onupdate, ondelete):
            if action is not None and action.upper() not in _FK_ACTIONS:
                raise exc.ArgumentError(f"Unknown foreign key action {action!r}; use one of {sorted(_FK_ACTIONS)}")
        self.onupdate = onupdate
        self.ondelete = ondelete
        self.use_alter = use_alter
        self.match = match
        self.elements: list[ForeignKey] = [
            ForeignKey(ref, name=name, onupdate=onupdate, ondelete=ondelete, use_alter=use_alter,
                       deferrable=deferrable, initially=initially, _constraint=self)
            for ref in refcolumns
        ]
        self._fk_columns = list(columns)

    def _set_parent(self, table: Table) -> None:
        super()._set_parent(table)
        for col, fk in zip(self._columns, self.elements):
            fk.parent = col
            col.foreign_keys.add(fk)
            fk._set_table(table, make_constraint=False)
        table.foreign_key_constraints.add(self)

    @property
    def referred_table(self) -> Table:
        return self.elements[0].column.table

    @property
    def column_keys(self) -> list[str]:
        return [str(c.key) for c in self._columns]


_FK_ACTIONS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})


class ForeignKey(SchemaItem):
    """A reference from one column to another: ``Column(Integer, ForeignKey("users.id"))``.

    The target (a ``"table.column"`` or ``"schema.table.column"`` string, or a Column) is resolved
    lazily, so tables may be declared in any order.
    """

    __visit_name__ = "foreign_key"

    def __init__(self, column: Any, _constraint: ForeignKeyConstraint | None = None, use_alter: bool = False,
                 name: str | None = None, onupdate: str | None = None, ondelete: str | None = None,
                 deferrable: bool | None = None, initially: str | None = None, link_to_name: bool = False,
                 match: str | None = None, info: Any = None, comment: str | None = None, **kw: Any) -> None:
        self._colspec = column
        self._resolved: Column | None = column if isinstance(column, Column) else None
        self.constraint = _constraint
        self.use_alter = use_alter
        self.name = name
        self.onupdate = onupdate
        self.ondelete = ondelete
        self.deferrable = deferrable
        self.initially = initially
        self.match = match
        self.parent: Column | None = None
        if info:
            self.info.update(info)

    @property
    def target_fullname(self) -> str:
        if isinstance(self._colspec, str):
            return self._colspec
        col = self._colspec
        return f"{col.table.fullname}.{col.key}" if col.table is not None else col.key

    def _table_key(self) -> tuple[str | None, str]:
        spec = self.target_fullname
        parts = spec.split(".")
        if len(parts) < 2:
            raise exc.ArgumentError(f"ForeignKey target {spec!r} must be 'table.column' or 'schema.table.column'")
        if len(parts) == 2:
            return None, parts[0]
        return ".".join(parts[:-2]), parts[-2]

    @property
    def column(self) -> Column:
        """The referenced Column, resolved through the parent table's MetaData."""
        if self._resolved is not None:
            return self._resolved
        spec = self._colspec
        parent_table = self.parent.table if self.parent is not None else None
        if parent_table is None or parent_table.metadata is None:
            raise exc.InvalidRequestError(f"ForeignKey({spec!r}) is not attached to a table yet")
        schema, tname = self._table_key()
        colname = spec.split(".")[-1]
        md = parent_table.metadata
        key = f"{schema}.{tname}" if schema else tname
        if schema is None and parent_table.schema and f"{parent_table.schema}.{tname}" in md.tables:
            key = f"{parent_table.schema}.{tname}"
        table = md.tables.get(key)
        if table is None:
            raise exc.NoReferencedTableError(
                f"Foreign key associated with column '{self.parent.table.name}.{self.parent.name}' could not "  # type: ignore[union-attr]
                f"find table '{key}' with which to generate a foreign key to target column '{colname}'"
            )
        col = table.c.get(colname)
        if col is None:
            for c in table.c:
                if c.name == colname:
                    col = c
        if col is None:
            raise exc.NoReferencedColumnError(
                f"Could not initialize target column for ForeignKey '{spec}' on table "
                f"'{parent_table.name}': table '{table.name}' has no column named '{colname}'"
            )
        self._resolved = col  # type: ignore[assignment]
        if self.parent is not None and self.parent.type._is_null_type:
            # a column declared only by its foreign key takes the referenced column's type
            self.parent.type = col.type
        return col  # type: ignore[return-value]

    def _set_table(self, table: Table, make_constraint: bool = True) -> None:
        if self.constraint is None and make_constraint:
            fkc = ForeignKeyConstraint(
                [self.parent], [self._colspec], name=self.name, onupdate=self.onupdate,
                ondelete=self.ondelete, use_alter=self.use_alter, deferrable=self.deferrable,
                initially=self.initially,
            )
            fkc.elements = [self]
            self.constraint = fkc
            fkc._set_parent(table)

    def references(self, table: Table) -> bool:
        return self.column.table is table

    def references_column(self, column: Column) -> bool:
        return self.column is column

    def get_referent(self, table: Any) -> Any:
        return table.corresponding_column(self.column)

    def __repr__(self) -> str:
        return f"ForeignKey({self.target_fullname!r})"


class Index(SchemaItem):
    """``CREATE [UNIQUE] INDEX name ON table (exprs)``; expressions may be functions
    (functional indexes)."""

    __visit_name__ = "index"

    def __init__(self, name: str | None, *expressions: Any, unique: bool = False, quote: Any = None,
                 info: Any = None, _column_flag: bool = False, **dialect_kw: Any) -> None:
        self.name = name
        self.unique = unique
        self.expressions: list[Any] = []
        self._pending = list(expressions)
        self.table: Table | None = None
        self._column_flag = _column_flag
        self.dialect_kwargs = dialect_kw
        if info:
            self.info.update(info)
        tables = {id(getattr(e, "table", None)): getattr(e, "table", None) for e in expressions
                  if isinstance(getattr(e, "table", None), Table)}
        if not tables:
            for e in expressions:
                if isinstance(e, ClauseElement):
                    for f in e._from_objects:
                        if isinstance(f, Table):
                            tables[id(f)] = f
        if len(tables) == 1:
            self._set_parent(next(iter(tables.values())))  # type: ignore[arg-type]

    @property
    def columns(self) -> list[Any]:
        return [e for e in self.expressions if isinstance(e, Column)]

    def _set_parent(self, table: Table) -> None:
        if self.table is table:
            return
        self.table = table
        for e in self._pending:
            if isinstance(e, str):
                if e not in table.c:
                    raise exc.ArgumentError(f"Index {self.name!r}: table {table.name!r} has no column {e!r}")
                e = table.c[e]
            self.expressions.append(e)
        self._pending = []
        table.indexes.add(self)

    def create(self, bind: Any, checkfirst: bool = False) -> None:
        from sqlweave.core.sql.ddl import CreateIndex

        with _connection(bind) as conn:
            conn.execute(CreateIndex(self))

    def drop(self, bind: Any, checkfirst: bool = False) -> None:
        from sqlweave.core.sql.ddl import DropIndex

        with _connection(bind) as conn:
            conn.execute(DropIndex(self))

    def __repr__(self) -> str:
        return f"Index({self.name!r})"


# ---------------------------------------------------------------------------------------------
# Table and MetaData
# ---------------------------------------------------------------------------------------------


class Table(TableClause, SchemaItem):
    """A table in a :class:`MetaData`: ``Table("users", metadata, Column(...), ...)``.

    Keywords: ``schema``, ``comment``, ``info``, ``extend_existing``, ``keep_existing``,
    ``autoload_with`` (reflect columns from a connection or engine), ``prefixes``.
    """

    __visit_name__ = "table"
    primary_key: PrimaryKeyConstraint = None  # type: ignore[assignment]  # set per instance

    def __new__(cls, *args: Any, **kw: Any) -> Table:
        if len(args) < 2 or not isinstance(args[1], MetaData):
            if not args:
                return super().__new__(cls)
            raise exc.ArgumentError("Table() takes a name and a MetaData: Table('users', metadata, Column(...), ...)")
        name, metadata = args[0], args[1]
        schema = kw.get("schema", metadata.schema)
        key = f"{schema}.{name}" if schema else name
        existing = metadata.tables.get(key)
        if existing is not None:
            if kw.get("keep_existing"):
                existing._skip_init = True  # type: ignore[attr-defined]
                return existing
            if kw.get("extend_existing"):
                existing._extend = True  # type: ignore[attr-defined]
                return existing
            if len(args) > 2 or kw.get("autoload_with") is not None:
                raise exc.InvalidRequestError(
                    f"Table '{key}' is already defined for this MetaData instance. Specify "
                    "'extend_existing=True' to redefine options and columns on an existing Table object."
                )
            existing._skip_init = True  # type: ignore[attr-defined]
            return existing
        return super().__new__(cls)

    def __init__(self, *args: Any, **kw: Any) -> None:
        if self.__dict__.pop("_skip_init", False):
            return
        extend = self.__dict__.pop("_extend", False)
        name, metadata, *items = args
        if not isinstance(name, str) or not name:
            raise exc.ArgumentError(f"Table name must be a non-empty str, got {name!r}")
        if extend:
            self._init_items(items)
            return
        schema = kw.pop("schema", metadata.schema)
        super().__init__(name, schema=schema)
        self.metadata = metadata
        self.comment = kw.pop("comment", None)
        self.implicit_returning = kw.pop("implicit_returning", True)
        self._prefixes = kw.pop("prefixes", [])
        info = kw.pop("info", None)
        if info:
            self.info.update(info)
        autoload_with = kw.pop("autoload_with", None)
        kw.pop("keep_existing", None)
        kw.pop("extend_existing", None)
        kw.pop("autoload", None)
        include_columns = kw.pop("include_columns", None)
        self.dialect_kwargs = {k: kw.pop(k) for k in list(kw) if "_" in k and k.split("_", 1)[0] in ("sqlite", "postgresql", "mysql", "mariadb")}
        if kw:
            raise exc.ArgumentError(f"Unknown arguments passed to Table: {', '.join(sorted(kw))}")
        self.constraints: set[Constraint] = set()
        self.foreign_key_constraints: set[ForeignKeyConstraint] = set()
        self.indexes: set[Index] = set()
        self.primary_key = PrimaryKeyConstraint(_implicit_generated=True)
        self.primary_key._set_parent(self)
        metadata._add_table(self)
        if autoload_with is not None:
            from sqlweave.core.reflection import reflect_table

            reflect_table(autoload_with, self, include_columns=include_columns)
        self._init_items(items)

    def _init_items(self, items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, Column):
                item._set_parent(self)
            elif isinstance(item, (Constraint, Index)):
                item._set_parent(self)
            elif item is None:
                continue
            else:
                raise exc.ArgumentError(f"Table {self.name!r} got an unexpected argument {item!r}")

    def append_column(self, column: Column, replace_existing: bool = False) -> None:  # type: ignore[override]
        """Add a column after construction."""
        if isinstance(column, Column):
            column._set_parent(self)
        else:
            super().append_column(column)

    def append_constraint(self, constraint: Constraint) -> None:
        constraint._set_parent(self)

    @property
    def key(self) -> str:  # type: ignore[override]
        return self.fullname

    @property
    def _autoincrement_column(self) -> Column | None:
        """The single integer primary key column that the server generates, if any."""
        d = self.__dict__
        if "_autoinc" in d:
            return d["_autoinc"]  # type: ignore[no-any-return]
        result: Column | None = None
        pk = list(self.primary_key.columns)
        if len(pk) == 1:
            col = pk[0]
            ai = col.autoincrement
            is_int = issubclass(col.type._type_affinity, sqltypes.Integer)
            if col.identity is not None or ai is True:
                result = col
            elif ai == "auto" and is_int and not col.foreign_keys and col.server_default is None and (
                col.default is None or getattr(col.default, "is_sequence", False)
            ):
                result = col
        d["_autoinc"] = result
        return result

    def _reset_caches(self) -> None:
        self.__dict__.pop("_autoinc", None)

    def create(self, bind: Any, checkfirst: bool = False) -> None:
        """CREATE this table (and its indexes)."""
        self.metadata.create_all(bind, tables=[self], checkfirst=checkfirst)

    def drop(self, bind: Any, checkfirst: bool = False) -> None:
        """DROP this table."""
        self.metadata.drop_all(bind, tables=[self], checkfirst=checkfirst)

    def exists(self, bind: Any) -> bool:
        with _connection(bind) as conn:
            return bool(conn.dialect.has_table(conn, self.name, schema=self.schema))

    def to_metadata(self, metadata: MetaData, schema: Any = None, name: str | None = None) -> Table:
        """Copy this table into another MetaData."""
        cols = [c._copy() for c in self.columns]
        extra: list[Any] = []
        for con in self.constraints:
            if isinstance(con, UniqueConstraint) and not con._column_flag:
                extra.append(UniqueConstraint(*[c.name for c in con.columns], name=con.name))
            elif isinstance(con, CheckConstraint):
                extra.append(CheckConstraint(con.sqltext, name=con.name))
        return Table(name or self.name, metadata, *cols, *extra,
                     schema=self.schema if schema is None else schema, comment=self.comment)

    tometadata = to_metadata

    def __repr__(self) -> str:
        return f"Table({self.name!r}, MetaData(), {', '.join(repr(c) for c in self.columns)}, schema={self.schema!r})"


_NAMING_TOKENS = re.compile(r"%\((\w+)\)s")


class MetaData(SchemaItem):
    """A collection of Tables (and Sequences) and the DDL operations over them.

    ``naming_convention`` names constraints and indexes that have no explicit name, with the
    tokens ``%(table_name)s``, ``%(column_0_name)s``, ``%(column_0N_name)s``,
    ``%(referred_table_name)s``, ``%(referred_column_0_name)s`` and ``%(constraint_name)s``, keyed
    by ``"pk"``, ``"fk"``, ``"uq"``, ``"ck"`` and ``"ix"``.
    """

    DEFAULT_NAMING_CONVENTION = {"ix": "ix_%(column_0_label)s"}

    def __init__(self, schema: str | None = None, naming_convention: dict[str, str] | None = None,
                 info: Any = None) -> None:
        self.schema = schema
        self.naming_convention = naming_convention or dict(self.DEFAULT_NAMING_CONVENTION)
        self.tables: dict[str, Table] = {}
        self._sequences: dict[str, Sequence] = {}
        if info:
            self.info.update(info)

    def _add_table(self, table: Table) -> None:
        self.tables[table.fullname] = table

    def remove(self, table: Table) -> None:
        self.tables.pop(table.fullname, None)

    def clear(self) -> None:
        self.tables.clear()
        self._sequences.clear()

    def __contains__(self, key: Any) -> bool:
        return (key if isinstance(key, str) else key.fullname) in self.tables

    @property
    def sorted_tables(self) -> list[Table]:
        """Tables in foreign-key dependency order (referenced tables first)."""
        from sqlweave.core._util.topological import sort_tables

        return sort_tables(list(self.tables.values()))

    def create_all(self, bind: Any, tables: Any = None, checkfirst: bool = True) -> None:
        """CREATE every table (or ``tables``), its indexes and sequences, in dependency order;
        ``checkfirst`` skips tables that exist."""
        from sqlweave.core.sql.ddl import SchemaGenerator

        with _connection(bind, begin=True) as conn:
            SchemaGenerator(conn, self, checkfirst).create(tables)

    def drop_all(self, bind: Any, tables: Any = None, checkfirst: bool = True) -> None:
        """DROP every table (or ``tables``) in reverse dependency order."""
        from sqlweave.core.sql.ddl import SchemaDropper

        with _connection(bind, begin=True) as conn:
            SchemaDropper(conn, self, checkfirst).drop(tables)

    def reflect(self, bind: Any, schema: str | None = None, only: Any = None, views: bool = False,
                extend_existing: bool = False) -> None:
        """Load Table definitions for every table in the database (or ``only`` those)."""
        from sqlweave.core.reflection import reflect_metadata

        reflect_metadata(bind, self, schema=schema, only=only, views=views, extend_existing=extend_existing)

    def constraint_name_for(self, kind: str, table: Table, columns: list[Any], referred: Any = None,
                            explicit: str | None = None) -> str | None:
        """Apply the naming convention for ``kind`` ("pk", "fk", "uq", "ck", "ix")."""
        template = self.naming_convention.get(kind)
        if template is None:
            return explicit
        if explicit is not None and "%(constraint_name)s" not in template:
            return explicit
        if explicit is None and "%(constraint_name)s" in template:
            return None
        values: dict[str, str] = {"table_name": table.name, "constraint_name": explicit or ""}
        names = [getattr(c, "name", None) or "expr" for c in columns]
        for i, n in enumerate(names):
            values[f"column_{i}_name"] = n
            values[f"column_{i}_label"] = f"{table.name}_{n}"
            values[f"column_{i}_key"] = n
        values["column_0N_name"] = "".join(names)
        values["column_0_N_name"] = "_".join(names)
        values["column_0N_label"] = "".join(f"{table.name}_{n}" for n in names)
        values["column_0_N_label"] = "_".join(f"{table.name}_{n}" for n in names)
        if referred is not None:
            rtable, rcols = referred
            values["referred_table_name"] = rtable.name
            rnames = [c.name for c in rcols]
            for i, n in enumerate(rnames):
                values[f"referred_column_{i}_name"] = n
            values["referred_column_0N_name"] = "".join(rnames)
            values["referred_column_0_N_name"] = "_".join(rnames)
        try:
            return template % values
        except KeyError as err:
            raise exc.ArgumentError(f"naming_convention {kind!r} uses unknown token {err}") from None

    def __repr__(self) -> str:
        return "MetaData()"


class _connection:
    """``with _connection(engine_or_connection) as conn``: borrow or open a connection."""

    def __init__(self, bind: Any, begin: bool = False) -> None:
        self.bind = bind
        self.begin = begin
        self._owned: Any = None
        self._ctx: Any = None

    def __enter__(self) -> Any:
        if hasattr(self.bind, "connect") and not hasattr(self.bind, "execute"):
            if self.begin:
                self._ctx = self.bind.begin()
                return self._ctx.__enter__()
            self._owned = self.bind.connect()
            return self._owned
        return self.bind

    def __exit__(self, *exc_info: Any) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc_info)
        elif self._owned is not None:
            self._owned.close()


__all__ = [
    "CheckConstraint", "Column", "ColumnDefault", "Computed", "Constraint", "DefaultClause",
    "FetchedValue", "ForeignKey", "ForeignKeyConstraint", "Identity", "Index", "MetaData",
    "PrimaryKeyConstraint", "Sequence", "Table", "UniqueConstraint",
]
