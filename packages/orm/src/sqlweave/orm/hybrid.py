"""Hybrid attributes: one Python definition, two behaviours (SQLAlchemy 2.0 ``ext.hybrid``).

``hybrid_property`` and ``hybrid_method`` are descriptors. Read on an instance they run the
function with the instance and return a Python value; read on the class they run the function
(or the separate ``.expression`` function) with the class, where mapped attributes are SQL
column expressions, so the result is a SQL expression usable in ``select()``/``where()``::

    class User(Base):
        first: Mapped[str]
        last: Mapped[str]

        @hybrid_property
        def fullname(self) -> str:
            return self.first + " " + self.last

        @fullname.expression
        def _fullname_expr(cls):
            return cls.first + " " + cls.last   # or func.concat(...) where || is not portable

    select(User).where(User.fullname == "Ada Lovelace")

Decorators in SQLAlchemy 2.0 style: ``.setter``, ``.deleter``, ``.expression``,
``.update_expression`` and ``.comparator`` return a *copy* of the hybrid (so the same name or a
different one may be used), and ``.inplace.<x>`` modifies the hybrid in place and returns it.

A class-level expression that is a plain SQL expression (not already a mapped attribute or a
column) is labelled with the hybrid's name, so ``select(User.fullname)`` gives a result column
named ``fullname``; the label disappears wherever the expression is used inside an operator or
a WHERE clause.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlweave.core.sql.elements import ColumnElement, Label

__all__ = [
    "Comparator",
    "HybridExtensionType",
    "HYBRID_METHOD",
    "HYBRID_PROPERTY",
    "hybrid_method",
    "hybrid_property",
]

_T = TypeVar("_T")


class HybridExtensionType:
    """Marker values for ``extension_type`` (``inspect(cls).all_orm_descriptors``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


HYBRID_METHOD = HybridExtensionType("HYBRID_METHOD")
HYBRID_PROPERTY = HybridExtensionType("HYBRID_PROPERTY")


class _HybridLabel(Label):
    """The labelled class-level expression of a hybrid.

    A plain :class:`Label` never groups itself, so ``(a + b).label("x") * 2`` would render
    ``a + b * 2``; inside an operator this label therefore hands back its (grouped) element.
    """

    def self_group(self, against: Any = None) -> Any:
        if against is None:
            return self
        return self.element.self_group(against=against)


def _label_for(name: str, expr: Any) -> Any:
    # Mapped attributes, columns and existing labels already carry a name; anything that is not
    # a SQL element at all (a relationship attribute, a Comparator...) is returned untouched.
    if isinstance(expr, ColumnElement) and not isinstance(expr, Label) \
            and not hasattr(expr, "table"):
        return _HybridLabel(name, expr)
    return expr


class Comparator(Generic[_T]):
    """Base for custom comparators (``@hybrid.comparator``): override operators to build SQL.

    ``expression`` is what the hybrid's expression function returned for the class. Operators
    not overridden fall through to that expression.
    """

    def __init__(self, expression: Any) -> None:
        self.expression = expression

    def __clause_element__(self) -> Any:
        expr = self.expression
        ce = getattr(expr, "__clause_element__", None)
        return ce() if ce is not None else expr

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        return op(self.expression, *other, **kw)

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        return op(other, self.expression, **kw)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.expression == other

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.expression != other

    def __lt__(self, other: Any) -> Any:
        return self.expression < other

    def __le__(self, other: Any) -> Any:
        return self.expression <= other

    def __gt__(self, other: Any) -> Any:
        return self.expression > other

    def __ge__(self, other: Any) -> Any:
        return self.expression >= other

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.expression, name)


class _InPlace:
    """``hybrid.inplace``: the same decorators, modifying the hybrid itself."""

    __slots__ = ("_h",)

    def __init__(self, hybrid: hybrid_property[Any]) -> None:
        self._h = hybrid

    def getter(self, fget: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.fget = fget
        self._h._update_doc(fget)
        return self._h

    def setter(self, fset: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.fset = fset
        return self._h

    def deleter(self, fdel: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.fdel = fdel
        return self._h

    def expression(self, expr: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.expr = _unwrap_classmethod(expr)
        return self._h

    def comparator(self, comparator: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.custom_comparator = _unwrap_classmethod(comparator)
        return self._h

    def update_expression(self, meth: Callable[..., Any]) -> hybrid_property[Any]:
        self._h.update_expr = _unwrap_classmethod(meth)
        return self._h


def _unwrap_classmethod(fn: Any) -> Any:
    # ``@fullname.inplace.expression`` is often stacked on ``@classmethod``.
    return fn.__func__ if isinstance(fn, classmethod) else fn


class hybrid_property(Generic[_T]):  # noqa: N801 - SQLAlchemy's name
    """A property with an instance-level getter and a class-level SQL expression.

    ``fget(self)`` gives the instance value; on the class, ``expr(cls)`` (``fget(cls)`` when no
    ``.expression`` was given) gives a SQL expression. ``fset``/``fdel`` make it writable and
    deletable on instances; ``custom_comparator(cls)`` returns a :class:`Comparator` used at
    class level instead of the expression; ``update_expr(cls, value)`` returns
    ``[(column, value), ...]`` for ``update().values({User.fullname: ...})`` style use.
    """

    is_attribute = True
    extension_type = HYBRID_PROPERTY

    def __init__(self, fget: Callable[..., Any], fset: Callable[..., Any] | None = None,
                 fdel: Callable[..., Any] | None = None, expr: Callable[..., Any] | None = None,
                 custom_comparator: Callable[..., Any] | None = None,
                 update_expr: Callable[..., Any] | None = None) -> None:
        self.fget = fget
        self.fset = fset
        self.fdel = fdel
        self.expr = _unwrap_classmethod(expr) if expr is not None else None
        self.custom_comparator = custom_comparator
        self.update_expr = update_expr
        self.__name__ = getattr(fget, "__name__", "hybrid")
        self._update_doc(fget)

    def _update_doc(self, fn: Any) -> None:
        self.__doc__ = getattr(fn, "__doc__", None)

    def __set_name__(self, owner: type, name: str) -> None:
        # The decorated name may differ from fget's (``@x.expression def _x_expr``); the
        # attribute name on the class labels the class-level expression. With ``inplace``
        # decorators one hybrid sits under several names: the first (the public one) wins.
        if not self.__dict__.get("_sw_named"):
            self.__name__ = name
            self._sw_named = True

    # -- descriptor --------------------------------------------------------------------------
    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            if owner is None:
                return self
            return self._expr_comparator(owner)
        return self.fget(instance)

    def __set__(self, instance: Any, value: Any) -> None:
        if self.fset is None:
            raise AttributeError(f"can't set attribute {self.__name__!r}")
        self.fset(instance, value)

    def __delete__(self, instance: Any) -> None:
        if self.fdel is None:
            raise AttributeError(f"can't delete attribute {self.__name__!r}")
        self.fdel(instance)

    def _expr_comparator(self, owner: type) -> Any:
        if self.custom_comparator is not None:
            comp = self.custom_comparator(owner)
            return comp
        fn = self.expr if self.expr is not None else self.fget
        return _label_for(self.__name__, fn(owner))

    # -- copies (SQLAlchemy 2.0: decorators return a new hybrid) -----------------------------
    def _copy(self, **kw: Any) -> hybrid_property[_T]:
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(kw)
        new.__dict__.pop("_sw_named", None)  # the copy is named by its own class attribute
        return new

    @property
    def inplace(self) -> _InPlace:
        """Decorators that modify this hybrid in place (``@x.inplace.setter``)."""
        return _InPlace(self)

    def getter(self, fget: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy with a new instance getter."""
        new = self._copy(fget=fget)
        new._update_doc(fget)
        return new

    def setter(self, fset: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy with ``fset(self, value)`` as the instance setter."""
        return self._copy(fset=fset)

    def deleter(self, fdel: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy with ``fdel(self)`` as the instance deleter."""
        return self._copy(fdel=fdel)

    def expression(self, expr: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy with ``expr(cls)`` as the class-level SQL expression."""
        return self._copy(expr=_unwrap_classmethod(expr))

    def comparator(self, comparator: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy whose class-level value is ``comparator(cls)`` (a :class:`Comparator`)."""
        return self._copy(custom_comparator=_unwrap_classmethod(comparator))

    def update_expression(self, meth: Callable[..., Any]) -> hybrid_property[_T]:
        """A copy with ``meth(cls, value) -> [(column, value), ...]`` for UPDATE SET clauses."""
        return self._copy(update_expr=_unwrap_classmethod(meth))

    def __repr__(self) -> str:
        return f"<hybrid_property {self.__name__}>"


class hybrid_method(Generic[_T]):  # noqa: N801 - SQLAlchemy's name
    """A method bound to the instance on instances and to the class on the class.

    ``User.is_older_than(30)`` builds SQL, ``user.is_older_than(30)`` computes a bool; a separate
    class-level implementation may be given with ``.expression``.
    """

    is_attribute = True
    extension_type = HYBRID_METHOD

    def __init__(self, func: Callable[..., Any], expr: Callable[..., Any] | None = None) -> None:
        self.func = func
        self.expr = _unwrap_classmethod(expr) if expr is not None else func
        self.__name__ = getattr(func, "__name__", "hybrid")
        self.__doc__ = getattr(func, "__doc__", None)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            if owner is None:
                return self
            return self.expr.__get__(owner, type(owner))
        return self.func.__get__(instance, owner)

    @property
    def inplace(self) -> _MethodInPlace:
        """``@m.inplace.expression``: set the class-level form on this hybrid itself."""
        return _MethodInPlace(self)

    def expression(self, expr: Callable[..., Any]) -> hybrid_method[_T]:
        """A copy with ``expr(cls, *args)`` as the class-level implementation."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.expr = _unwrap_classmethod(expr)
        return new

    def __repr__(self) -> str:
        return f"<hybrid_method {self.__name__}>"


class _MethodInPlace:
    __slots__ = ("_h",)

    def __init__(self, hybrid: hybrid_method[Any]) -> None:
        self._h = hybrid

    def expression(self, expr: Callable[..., Any]) -> hybrid_method[Any]:
        self._h.expr = _unwrap_classmethod(expr)
        return self._h
