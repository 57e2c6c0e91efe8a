"""Mapping extras: ``synonym()``, ``composite()``, ``query_expression()`` and ``with_expression()``.

(``column_property()`` and ``deferred()`` live with :class:`~sqlweave.orm.mapper.ColumnProperty`.)
A synonym is a second name for a mapped attribute, at class level (SQL) and on instances. A
composite groups several column attributes into one value object (``Point(x, y)``); the columns stay
the unit of persistence, so the composite is rebuilt from them on each read and split into them on
each write.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core.sql import operators
from sqlweave.core.sql.elements import ClauseList, and_, null, or_
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.attributes import QueryableAttribute
from sqlweave.orm.mapper import ColumnProperty, MapperProperty, _col_arg

# ---------------------------------------------------------------------------------------------
# synonym
# ---------------------------------------------------------------------------------------------


class SynonymProperty(MapperProperty):
    """``synonym("name")``: another attribute name for the mapped attribute ``name``."""

    def __init__(self, name: str, map_column: bool | None = None, descriptor: Any = None,
                 comparator_factory: Any = None, info: Any = None, doc: str | None = None) -> None:
        self.name = name
        self.descriptor = descriptor
        self.info = dict(info or {})
        self.doc = doc

    def _make_attribute(self, mapper: Any) -> Any:
        if self.name not in mapper._props:
            raise orm_exc.ORMConfigurationError(
                f"synonym {mapper.class_.__name__}.{self.key} refers to {self.name!r}, which is not a "
                f"mapped attribute of {mapper.class_.__name__}")
        return SynonymAttribute(mapper.class_, self.key, self, mapper)

    def __repr__(self) -> str:
        return f"SynonymProperty({self.key!r} -> {self.name!r})"


class SynonymAttribute:
    """Class attribute of a synonym: the target's SQL expression at class level, its value on
    instances (or the user's ``descriptor``)."""

    _is_relationship = False

    def __init__(self, class_: Any, key: str, prop: SynonymProperty, mapper: Any) -> None:
        self.class_ = class_
        self.key = key
        self.prop = prop
        self.mapper = mapper

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        desc = self.prop.descriptor
        if obj is None:
            if desc is not None and hasattr(desc, "__get__") and not isinstance(desc, property):
                return desc.__get__(None, cls)
            return getattr(self.class_, self.prop.name)
        if desc is not None:
            return desc.__get__(obj, type(obj))
        return getattr(obj, self.prop.name)

    def _set(self, obj: Any, value: Any) -> None:
        desc = self.prop.descriptor
        if desc is not None and hasattr(desc, "__set__"):
            desc.__set__(obj, value)
        else:
            setattr(obj, self.prop.name, value)

    def __repr__(self) -> str:
        return f"{self.class_.__name__}.{self.key}"


def synonym(name: str, *, map_column: bool | None = None, descriptor: Any = None,
            comparator_factory: Any = None, info: Any = None, doc: str | None = None, **kw: Any) -> Any:
    """Declare ``key`` as a synonym of the mapped attribute ``name`` (queries and instances)."""
    return SynonymProperty(name, map_column, descriptor, comparator_factory, info, doc)


# ---------------------------------------------------------------------------------------------
# composite
# ---------------------------------------------------------------------------------------------


class CompositeProperty(MapperProperty):
    """``composite(Point, x_col, y_col)``: a value object built from several column attributes."""

    def __init__(self, class_: Any = None, *attrs: Any, info: Any = None, doc: str | None = None,
                 **kw: Any) -> None:
        if class_ is not None and not isinstance(class_, type) and not callable(class_):
            attrs = (class_, *attrs)
            class_ = None
        elif class_ is not None and not isinstance(class_, type):
            # a MappedColumn / Column given first: the class comes from the annotation
            attrs = (class_, *attrs)
            class_ = None
        self.composite_class = class_
        self.attrs = list(attrs)
        self.info = dict(info or {})
        self.doc = doc
        self.attr_keys: list[str] = []

    def _make_attribute(self, mapper: Any) -> Any:
        if self.composite_class is None:
            raise orm_exc.ORMConfigurationError(
                f"composite {mapper.class_.__name__}.{self.key} has no class: pass it as the first "
                "argument or annotate the attribute Mapped[YourClass]")
        keys = []
        for a in self.attrs:
            if isinstance(a, str):
                key = a
            else:
                col = _col_arg(a)
                key = mapper._column_to_key.get(col) or getattr(col, "key", None) or ""
            if key not in mapper._props or not mapper._props[key]._is_column:
                raise orm_exc.ORMConfigurationError(
                    f"composite {mapper.class_.__name__}.{self.key}: {a!r} is not a mapped column "
                    f"attribute of {mapper.class_.__name__}")
            keys.append(key)
        self.attr_keys = keys
        self.columns = [mapper._props[k].columns[0] for k in keys]
        return CompositeAttribute(mapper.class_, self.key, self, mapper)

    def _values_of(self, value: Any) -> tuple[Any, ...]:
        """The column values of a composite object."""
        if value is None:
            return (None,) * len(self.attr_keys)
        cv = getattr(value, "__composite_values__", None)
        if cv is not None:
            return tuple(cv())
        import dataclasses  # no dataclass instance exists unless dataclasses is loaded already

        if dataclasses.is_dataclass(value):
            return tuple(getattr(value, f.name) for f in dataclasses.fields(value))
        raise orm_exc.InvalidRequestError(
            f"Can't split {value!r} into the columns of composite {self.parent.class_.__name__}.{self.key}: "
            "give its class a __composite_values__() method or make it a dataclass")

    def __repr__(self) -> str:
        return f"CompositeProperty({self.key!r})"


class CompositeAttribute(QueryableAttribute):
    """Class attribute of a composite: comparisons against its columns; the value object on
    instances."""

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        prop = self.prop
        vals = [getattr(obj, k) for k in prop.attr_keys]
        if all(v is None for v in vals):
            return None
        return prop.composite_class(*vals)

    def _set(self, obj: Any, value: Any) -> None:
        for k, v in zip(self.prop.attr_keys, self.prop._values_of(value)):
            setattr(obj, k, v)

    def __clause_element__(self) -> Any:
        return ClauseList(*self.prop.columns)

    @property
    def _from_objects(self) -> list[Any]:
        return [f for c in self.prop.columns for f in c._from_objects]

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        cols = self.prop.columns
        vals = self.prop._values_of(other[0]) if other[0] is not None else (None,) * len(cols)
        if op is operators.eq:
            return and_(*[c.is_(None) if v is None else c == v for c, v in zip(cols, vals)])
        if op is operators.ne:
            return or_(*[c.is_not(None) if v is None else c != v for c, v in zip(cols, vals)])
        if op in (operators.lt, operators.gt, operators.le, operators.ge):
            return and_(*[op(c, v) for c, v in zip(cols, vals)])
        raise orm_exc.InvalidRequestError(f"Operator {op} is not supported on composite {self}")

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        return self.operate(op, other)


def composite(class_: Any = None, *attrs: Any, **kw: Any) -> Any:
    """Map a value object over several columns: ``composite(Point, "x1", "y1")`` or, with a
    ``Mapped[Point]`` annotation, ``composite(mapped_column("x1"), mapped_column("y1"))``."""
    for dc in ("init", "repr", "default", "default_factory", "compare", "kw_only", "hash",
               "active_history", "deferred", "group", "comparator_factory"):
        kw.pop(dc, None)
    return CompositeProperty(class_, *attrs, **kw)


# ---------------------------------------------------------------------------------------------
# query_expression / with_expression
# ---------------------------------------------------------------------------------------------


def query_expression(default_expr: Any = None, *, expire_on_flush: bool = True, info: Any = None,
                     doc: str | None = None, **kw: Any) -> Any:
    """An attribute filled by a query-time SQL expression given with :func:`with_expression`;
    None (or ``default_expr``) otherwise. It is never written."""
    expr = default_expr if default_expr is not None else null()
    return ColumnProperty(expr, info=info, doc=doc, expire_on_flush=False, _query_expression=True)


def with_expression(key: Any, expression: Any) -> Any:
    """Loader option: load the ``query_expression()`` attribute ``key`` from ``expression``."""
    from sqlweave.orm.strategy_options import Load

    return Load()._chain(key, "with_expression", expression=expression)


__all__ = [
    "CompositeProperty", "SynonymProperty", "composite", "query_expression", "synonym",
    "with_expression",
]
