"""Turning user arguments into SQL elements, with one rule above all: a plain ``str`` is never SQL.

Where SQL is expected (WHERE, ORDER BY, GROUP BY, HAVING, join ON, column lists) a ``str`` is
refused with :class:`~sqlweave.core.exc.ArgumentError`: raw SQL only enters through ``text()`` or
``literal_column()``, which say in their names that the caller vouches for it. Where a *value* is
expected, anything becomes a bound parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlweave.core import exc
from sqlweave.core.sql import elements as _el  # circular at import time; used at call time

if TYPE_CHECKING:
    from sqlweave.core.sql import selectable as _sel
else:
    _sel = None  # set by sqlweave.core.sql.selectable when it loads (it imports this module)


def _refuse_str(value: str, where: str) -> exc.ArgumentError:
    return exc.ArgumentError(
        f"A plain string {value[:60]!r} was passed where {where} is expected. sqlweave never "
        "treats a str as SQL: pass a column or expression, or wrap trusted SQL in text() "
        "(or literal_column() for a column expression)."
    )


def expect_column_expression(value: Any, where: str = "a SQL expression") -> Any:
    """A ColumnElement (or something with ``__clause_element__``); never a str."""
    if isinstance(value, _el.ColumnElement):
        return value
    ce = getattr(value, "__clause_element__", None)
    if ce is not None:
        return expect_column_expression(ce(), where)
    if isinstance(value, str):
        raise _refuse_str(value, where)
    if isinstance(value, _el.TextClause):
        return value
    if isinstance(value, _sel.SelectBase):
        return value.scalar_subquery()
    raise exc.ArgumentError(f"{where[0].upper() + where[1:]} is expected, got {value!r}")


def expect_where(value: Any, where: str = "a WHERE criterion") -> Any:
    """A boolean criterion for WHERE / HAVING / ON."""
    if isinstance(value, _el.ColumnElement):  # the common case first
        return value.self_group_where()
    if value is True:
        return _el.True_()
    if value is False:
        return _el.False_()
    if value is None:
        return _el.Null()
    return expect_column_expression(value, where).self_group_where()


# Project decision (issue 11, RELIABILITY.md R17): a plain str is refused in ORDER BY and GROUP BY
# too, even as a label name (SQLAlchemy would resolve it). Pass the column or Label object instead;
# ``order_by(label_obj)`` renders the label's name. Documented in docs "Differences from SQLAlchemy".


def expect_order_by(value: Any) -> Any:
    """An ORDER BY expression (a column, label or expression; never a str)."""
    return expect_column_expression(value, "an ORDER BY expression")


def expect_group_by(value: Any) -> Any:
    """A GROUP BY expression (a column, label or expression; never a str)."""
    return expect_column_expression(value, "a GROUP BY expression")


def expect_columns_clause(value: Any) -> Any:
    """A column, table (all its columns), ORM entity or expression for a SELECT list."""
    if isinstance(value, (_el.ColumnElement, _sel.FromClause)):
        return value
    ce = getattr(value, "__clause_element__", None)
    if ce is not None and not isinstance(value, _el.ClauseElement):
        value = ce()
    if isinstance(value, _sel.FromClause):
        return value
    if isinstance(value, _sel.SelectBase):
        return value.scalar_subquery()
    return expect_column_expression(value, "a column or expression in the SELECT list")


def expect_from(value: Any) -> Any:
    """A FROM-clause element (table, join, alias, subquery)."""
    ce = getattr(value, "__clause_element__", None)
    if ce is not None and not isinstance(value, _sel.FromClause):
        value = ce()
    if isinstance(value, _sel.FromClause):
        return value
    if isinstance(value, _sel.SelectBase):
        return value.subquery()
    if isinstance(value, _el.TextClause):
        return value  # textual FROM (``select_from(text("generate_series(1, 3) AS g"))``)
    if isinstance(value, str):
        raise _refuse_str(value, "a table or other FROM element")
    raise exc.ArgumentError(f"A table or other FROM element is expected, got {value!r}")


def expect_value(value: Any, compared_to: Any = None, op: Any = None, type_: Any = None) -> Any:
    """A value beside an expression: elements pass through, anything else becomes a bind."""
    if compared_to is not None and value.__class__ in _PLAIN_VALUE_TYPES:
        # the common case (``col == 5``): straight to the bound parameter
        return _el.BindParameter(getattr(compared_to, "key", None) or "param", value,
                                 compared_to.type._coerce_compared_value(op, value) if type_ is None else type_,
                                 True)
    if isinstance(value, _el.ClauseElement):
        if isinstance(value, _sel.SelectBase):
            return value.scalar_subquery()
        return value
    if value is None:
        return _el.Null()
    ce = getattr(value, "__clause_element__", None)
    if ce is not None:
        return ce()
    if compared_to is not None:
        ctype = compared_to.type._coerce_compared_value(op, value)
        key = getattr(compared_to, "key", None) or "param"
        return _el.BindParameter(key, value, type_=ctype if type_ is None else type_, unique=True)
    return _el.BindParameter(None, value, type_=type_, unique=True)


#: value types that are never SQL elements (nor have ``__clause_element__``): expect_value binds
#: them without further checks
_PLAIN_VALUE_TYPES = frozenset((int, str, float, bool, bytes))
