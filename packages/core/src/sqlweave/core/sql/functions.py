"""SQL functions: the ``func`` namespace and the generic functions with known return types.

``func.anything(args)`` renders ``anything(args)``; names in :data:`_registry` (``count``, ``sum``,
``now`` ...) know their return type and may be spelled differently by a dialect. ``func.a.b()``
renders the dotted name ``a.b()``. Function names are identifiers chosen by the programmer, never
user input; arguments are bound like any value.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import coercions, operators
from sqlweave.core.sql.elements import (
    ClauseList,
    ColumnElement,
    FunctionFilter,
    Over,
    WithinGroup,
    literal_column,
)


class FunctionElement(ColumnElement):
    """A SQL function call."""

    __visit_name__ = "function"
    name = "function"
    packagenames: tuple[str, ...] = ()
    _has_args = True

    def __init__(self, *clauses: Any, type_: Any = None, packagenames: tuple[str, ...] = ()) -> None:
        self.clause_expr = ClauseList(
            *[coercions.expect_value(c) for c in clauses], operator=operators.comma_op
        )
        if type_ is not None:
            self.type = sqltypes.to_instance(type_)
        if packagenames:
            self.packagenames = packagenames

    @property
    def clauses(self) -> ClauseList:
        return self.clause_expr

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "fn",
            self.name,
            self.packagenames,
            self.type._static_cache_key,
            self.clause_expr._gen_cache_key(binds),
        )

    @property
    def _from_objects(self) -> list[Any]:
        return self.clause_expr._from_objects

    def over(self, partition_by: Any = None, order_by: Any = None, rows: Any = None, range_: Any = None) -> Over:
        """``self OVER (PARTITION BY ... ORDER BY ... ROWS/RANGE BETWEEN ...)``."""
        return Over(self, partition_by, order_by, rows, range_)

    def within_group(self, *order_by: Any) -> WithinGroup:
        return WithinGroup(self, *order_by)

    def filter(self, *criterion: Any) -> FunctionFilter:
        """``self FILTER (WHERE ...)`` (emulated with CASE on backends without FILTER)."""
        return FunctionFilter(self, *criterion)

    def select(self) -> Any:
        from sqlweave.core.sql.selectable import select

        return select(self)

    def scalar_table_valued(self, name: str, type_: Any = None) -> Any:
        return literal_column(name, type_)

    def alias(self, name: str | None = None) -> Any:
        from sqlweave.core.sql.selectable import TableValuedAlias

        return TableValuedAlias(self, name)

    def table_valued(self, *names: str) -> Any:
        from sqlweave.core.sql.selectable import TableValuedAlias

        return TableValuedAlias(self, None, list(names))

    def self_group(self, against: Any = None) -> Any:
        return self


class Function(FunctionElement):
    """A named function (``func.xyz(...)``)."""

    def __init__(self, name: str, *clauses: Any, type_: Any = None, packagenames: tuple[str, ...] = ()) -> None:
        self.name = name
        super().__init__(*clauses, type_=type_, packagenames=packagenames)


class GenericFunction(FunctionElement):
    """A function with a fixed name and return type; subclasses register in ``func``."""

    type: sqltypes.TypeEngine = sqltypes.NULLTYPE
    _register = True

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.__dict__.get("_register", True):
            identifier = cls.__dict__.get("identifier") or cls.__dict__.get("name") or cls.__name__
            cls.name = cls.__dict__.get("name", cls.__name__)
            _registry[identifier.lower()] = cls


_registry: dict[str, type[GenericFunction]] = {}


class ReturnTypeFromArgs(GenericFunction):
    """A function whose type is its first argument's (``max``, ``min``, ``sum``, ``coalesce``)."""

    _register = False

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if "type_" not in kw and self.clause_expr.clauses:
            self.type = self.clause_expr.clauses[0].type


class coalesce(ReturnTypeFromArgs):
    pass


class max(ReturnTypeFromArgs):  # noqa: A001
    pass


class min(ReturnTypeFromArgs):  # noqa: A001
    pass


class sum(ReturnTypeFromArgs):  # noqa: A001
    pass


class abs(ReturnTypeFromArgs):  # noqa: A001
    pass


class lower(ReturnTypeFromArgs):
    pass


class upper(ReturnTypeFromArgs):
    pass


class trim(ReturnTypeFromArgs):
    pass


class nullif(ReturnTypeFromArgs):
    pass


class round(ReturnTypeFromArgs):  # noqa: A001
    pass


class count(GenericFunction):
    """``count(expr)``; ``func.count()`` is ``count(*)``."""

    type = sqltypes.Integer()

    def __init__(self, expression: Any = None, **kw: Any) -> None:
        if expression is None:
            expression = literal_column("*")
        super().__init__(expression, **kw)


class avg(GenericFunction):
    type = sqltypes.Numeric()


class char_length(GenericFunction):
    type = sqltypes.Integer()


class length(GenericFunction):
    type = sqltypes.Integer()


class concat(GenericFunction):
    type = sqltypes.String()


class random(GenericFunction):
    type = sqltypes.Float()


class _NoArgs(GenericFunction):
    _register = False
    _has_args = False


class now(GenericFunction):
    type = sqltypes.DateTime()


class current_timestamp(_NoArgs):
    type = sqltypes.DateTime()


class current_date(_NoArgs):
    type = sqltypes.Date()


class current_time(_NoArgs):
    type = sqltypes.Time()


class localtimestamp(_NoArgs):
    type = sqltypes.DateTime()


class current_user(_NoArgs):
    type = sqltypes.String()


class row_number(GenericFunction):
    type = sqltypes.Integer()


class rank(GenericFunction):
    type = sqltypes.Integer()


class dense_rank(GenericFunction):
    type = sqltypes.Integer()


class percent_rank(GenericFunction):
    type = sqltypes.Numeric()


class cume_dist(GenericFunction):
    type = sqltypes.Numeric()


class ntile(GenericFunction):
    type = sqltypes.Integer()


class lag(ReturnTypeFromArgs):
    pass


class lead(ReturnTypeFromArgs):
    pass


class first_value(ReturnTypeFromArgs):
    pass


class last_value(ReturnTypeFromArgs):
    pass


class array_agg(GenericFunction):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if "type_" not in kw and self.clause_expr.clauses:
            self.type = sqltypes.ARRAY(self.clause_expr.clauses[0].type)


class group_concat(GenericFunction):
    type = sqltypes.String()


class string_agg(GenericFunction):
    type = sqltypes.String()


class _FunctionGenerator:
    """``func.name(...)`` → a function call; ``func.pkg.name(...)`` → ``pkg.name(...)``."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self._names = names

    def __getattr__(self, name: str) -> _FunctionGenerator:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.endswith("_"):
            name = name[:-1]
        return _FunctionGenerator(self._names + (name,))

    def __call__(self, *args: Any, **kw: Any) -> FunctionElement:
        if not self._names:
            raise exc.ArgumentError("func needs a function name: func.count(), func.lower(x) ...")
        *packages, name = self._names
        if not packages:
            generic = _registry.get(name.lower())
            if generic is not None:
                return generic(*args, **kw)
        return Function(name, *args, packagenames=tuple(packages), **kw)


#: The namespace of SQL functions: ``func.count()``, ``func.lower(col)``, ``func.my_udf(1, 2)``.
func = _FunctionGenerator()
