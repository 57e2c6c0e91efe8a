"""Turning user arguments into SQL elements, with one rule above all: a plain ``str`` is never SQL.

Where SQL is expected (WHERE, ORDER BY, GROUP BY, HAVING, join ON, column lists) a ``str`` is
refused with :class:`~sqlweave.core.exc.ArgumentError`: raw SQL only enters through ``text()`` or
``literal_column()``, which say in their names that the caller vouches for it. Where a *value* is
expected, anything becomes a bound parameter.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc


def _refuse_str(value: str, where: str) -> exc.ArgumentError:
    return exc.ArgumentError(
        f"A plain string {value[:60]!r} was passed where {where} is expected. sqlweave never "
        "treats a str as SQL: pass a column or expression, or wrap trusted SQL in text() "
        "(or literal_column() for a column expression)."
    )


def expect_column_expression(value: Any, where: str = "a SQL expression") -> Any:
    """A ColumnElement (or something with ``__clause_element__``); never a str."""
    from sqlweave.core.sql.elements import ColumnElement, TextClause

    if isinstance(value, ColumnElement):
        return value
    ce = getattr(value, "__clause_element__", None)
    if ce is not None:
        return expect_column_expression(ce(), where)
    if isinstance(value, str):
        raise _refuse_str(value, where)
    if isinstance(value, TextClause):
        return value
    from sqlweave.core.sql.selectable import SelectBase

    if isinstance(value, SelectBase):
        return value.scalar_subquery()
    raise exc.ArgumentError(f"{where[0].upper() + where[1:]} is expected, got {value!r}")


def expect_where(value: Any, where: str = "a WHERE criterion") -> Any:
    """A boolean criterion for WHERE / HAVING / ON."""
    from sqlweave.core.sql import elements

    if value is True:
        return elements.True_()
    if value is False:
        return elements.False_()
    if value is None:
        return elements.Null()
    return expect_column_expression(value, where).self_group_where()


def expect_order_by(value: Any) -> Any:
    return expect_column_expression(value, "an ORDER BY expression")


def expect_group_by(value: Any) -> Any:
    return expect_column_expression(value, "a GROUP BY expression")


def expect_columns_clause(value: Any) -> Any:
    """A column, table (all its columns), ORM entity or expression for a SELECT list."""
    from sqlweave.core.sql.elements import ClauseElement

    ce = getattr(value, "__clause_element__", None)
    if ce is not None and not isinstance(value, ClauseElement):
        value = ce()
    from sqlweave.core.sql.selectable import FromClause, SelectBase

    if isinstance(value, (FromClause,)):
        return value
    if isinstance(value, SelectBase):
        return value.scalar_subquery()
    return expect_column_expression(value, "a column or expression in the SELECT list")


def expect_from(value: Any) -> Any:
    """A FROM-clause element (table, join, alias, subquery)."""
    from sqlweave.core.sql.selectable import FromClause, SelectBase

    ce = getattr(value, "__clause_element__", None)
    if ce is not None and not isinstance(value, FromClause):
        value = ce()
    if isinstance(value, FromClause):
        return value
    if isinstance(value, SelectBase):
        return value.subquery()
    if isinstance(value, str):
        raise _refuse_str(value, "a table or other FROM element")
    raise exc.ArgumentError(f"A table or other FROM element is expected, got {value!r}")


def expect_value(value: Any, compared_to: Any = None, op: Any = None, type_: Any = None) -> Any:
    """A value beside an expression: elements pass through, anything else becomes a bind."""
    from sqlweave.core.sql.elements import BindParameter, ClauseElement, Null

    if isinstance(value, ClauseElement):
        return value
    ce = getattr(value, "__clause_element__", None)
    if ce is not None:
        return ce()
    if value is None:
        return Null()
    from sqlweave.core.sql.selectable import SelectBase

    if isinstance(value, SelectBase):
        return value.scalar_subquery()
    if compared_to is not None:
        ctype = compared_to.type._coerce_compared_value(op, value)
        key = getattr(compared_to, "key", None) or "param"
        return BindParameter(key, value, type_=ctype if type_ is None else type_, unique=True)
    return BindParameter(None, value, type_=type_, unique=True)
