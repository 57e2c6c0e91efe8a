"""Attribute descriptors: the class-level SQL expressions and the instance-level value access.

Reading: the descriptors are *non-data* descriptors (``__get__`` only), so a loaded value found in
the instance ``__dict__`` is returned by Python itself at the cost of a plain attribute read; only
an unloaded or expired attribute reaches ``__get__``. Writing goes through the mapped class's
``__setattr__`` (installed by the mapper), which records history and backrefs.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql import operators
from sqlweave.core.sql.elements import ColumnOperators
from sqlweave.orm import events as _orm_events
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, NO_VALUE, STATE_ATTR, instance_state
from sqlweave.orm.state import NO_COMMITTED, InstanceState, make_state


class QueryableAttribute(ColumnOperators):
    """``User.name``: a SQL expression at class level, the loaded value on instances."""

    _is_relationship = False
    __hash__ = ColumnOperators.__hash__
    dispatch = _orm_events.dispatcher(_orm_events.AttributeEvents)  # events: AttributeEvents

    def __init__(self, class_: Any, key: str, prop: Any, mapper: Any) -> None:
        self.class_ = class_
        self.key = key
        self.prop = prop
        self.mapper = mapper
        self.parent = mapper
        self._propagate_attrs = mapper._propagate_attrs

    @property
    def property(self) -> Any:
        return self.prop

    def __set_name__(self, owner: Any, name: str) -> None:  # pragma: no cover - set by mapper
        self.key = name

    def __repr__(self) -> str:
        return f"{self.class_.__name__}.{self.key}"

    def __str__(self) -> str:
        return f"{self.class_.__name__}.{self.key}"


class ColumnAttribute(QueryableAttribute):
    """A column-backed attribute; operators build SQL against the column."""

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        # only reached when the value is not in obj.__dict__: unloaded, expired or never set
        d = obj.__dict__
        state = d.get(STATE_ATTR)
        if state is None or state.key is None:
            if self.dispatch.init_scalar:  # events: init_scalar
                return _orm_events.fire_init_scalar(self, obj, None)
            return None
        key = self.key
        prop = self.prop
        if prop._query_expression:
            return None  # filled only by with_expression(); never loaded on its own
        if state.session_id is None:
            raise orm_exc.DetachedInstanceError(
                f"Instance {state._repr()} is not bound to a Session; attribute refresh operation "
                f"cannot proceed for {self.class_.__name__}.{key}. Load the attribute before "
                "closing the session, or use session.merge()/session.add() to reattach it."
            )
        sess = state.session
        if sess is None:
            raise orm_exc.DetachedInstanceError(f"Session of {state._repr()} is gone ({self})")
        if prop.raiseload and key not in state.expired_attributes:
            raise orm_exc.LazyLoadRaised(f"'{self}' is not available due to raiseload=True")
        if prop.group is not None:
            # a deferred group loads together
            state._mutable_expired().update(
                k for k, p in state.mapper._props.items()
                if p._is_column and p.group == prop.group and k not in d)
        sess._load_unloaded(state, key)
        return d.get(key)

    def __clause_element__(self) -> Any:
        return self.prop.columns[0]

    @property
    def expression(self) -> Any:
        return self.prop.columns[0]

    @property
    def comparator(self) -> Any:
        return self

    @property
    def type(self) -> Any:
        return self.prop.columns[0].type

    @property
    def name(self) -> str:
        return self.prop.columns[0].name  # type: ignore[no-any-return]

    @property
    def _from_objects(self) -> list[Any]:
        return self.prop.columns[0]._from_objects  # type: ignore[no-any-return]

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        return self.prop.columns[0].operate(op, *other, **kw)

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        return self.prop.columns[0].reverse_operate(op, other, **kw)

    def label(self, name: str | None) -> Any:
        return self.prop.columns[0].label(name)

    def desc(self) -> Any:
        return self.prop.columns[0].desc()

    def asc(self) -> Any:
        return self.prop.columns[0].asc()

    def __getattr__(self, name: str) -> Any:
        # any other column method (cast, collate, contains ...) comes from the column
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.prop.columns[0], name)

    # -- instance writes (called by the class __setattr__) ----------------------------------------
    def _set(self, obj: Any, value: Any) -> None:
        if self.dispatch.set:  # events: set
            value = _orm_events.fire_set(self, obj, value)
        d = obj.__dict__
        state = d.get(STATE_ATTR) or instance_state(obj)
        key = self.key
        if key not in state.committed_state:
            state._own_committed()[key] = d.get(key, NO_VALUE)
        d[key] = value
        if not state.modified:
            state._modified_event(obj)


class RelationshipAttribute(QueryableAttribute):
    """A relationship: lazy/eager loaded object or collection; SQL comparisons at class level."""

    _is_relationship = True

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        state = d.get(STATE_ATTR) or instance_state(obj)
        prop = self.prop
        if not self.mapper.configured:
            self.mapper._check_configure()
        if state.key is None or prop._writeonly:
            if prop.uselist:
                coll = d[self.key] = prop._new_collection(obj, [])
                return coll
            return None
        from sqlweave.orm.strategies import lazy_load

        return lazy_load(prop, state, obj, prop._lazy_mode(state))

    def _set(self, obj: Any, value: Any) -> None:
        if not self.mapper.configured:
            self.mapper._check_configure()
        if self.dispatch.set and not self.prop.uselist:  # events: set (scalar relationship)
            value = _orm_events.fire_set(self, obj, value)
        self.prop._set(obj, value)

    # -- SQL ----------------------------------------------------------------------------------
    def __clause_element__(self) -> Any:
        prop = self.prop
        prop.parent._check_configure()
        if prop.secondary is not None:
            return prop.secondary.join(prop.mapper.local_table, prop.secondaryjoin)
        return prop.mapper.local_table

    def _join_target_hook(self, onclause: Any = None) -> tuple[Any, Any]:
        """(right side, ON clause) for ``select(A).join(A.rel)``."""
        prop = self.prop
        prop.parent._check_configure()
        if prop.secondary is not None:
            right = prop.secondary.join(prop.mapper.local_table, prop.secondaryjoin)
            return right, prop.primaryjoin
        return prop.mapper.local_table, prop.primaryjoin

    @property
    def _from_objects(self) -> list[Any]:
        return []

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        if op is operators.eq:
            return self.prop._compare_to(other[0])
        if op is operators.ne:
            from sqlweave.core.sql.elements import not_

            return not_(self.prop._compare_to(other[0]))
        raise sa_exc.ArgumentError(f"Operator {op} is not supported on relationship {self}")

    def any(self, criterion: Any = None, **kwargs: Any) -> Any:
        """``EXISTS`` a related row (collections) matching ``criterion``."""
        return self.prop._exists(criterion, kwargs)

    def has(self, criterion: Any = None, **kwargs: Any) -> Any:
        """``EXISTS`` the related row (many-to-one) matching ``criterion``."""
        return self.prop._exists(criterion, kwargs)

    def contains(self, other: Any, autoescape: bool = False, escape: str | None = None, **kw: Any) -> Any:
        """SQL: the collection contains ``other`` (a mapped object)."""
        return self.prop._contains(other)

    def of_type(self, cls: Any) -> Any:
        """The relationship aimed at ``cls``: an ``aliased()`` class makes joins along it
        (``join(Dept.staff.of_type(ea))``) target that alias."""
        from sqlweave.orm.util import AliasedClass, AliasedRelationship

        if isinstance(cls, AliasedClass):
            return AliasedRelationship(None, self.prop).of_type(cls)
        return self


def _init_kwargs(self: Any, **kwargs: Any) -> None:
    """The default constructor of mapped classes: keyword arguments for mapped attributes."""
    cls = type(self)
    mapper = cls._sw_mapper
    if not mapper.configured:
        mapper._check_configure()
    d = self.__dict__
    d[STATE_ATTR] = state = make_state(InstanceState, self, mapper)  # what mapper._new_state() does
    if not kwargs:
        return
    if len(d) == 1:
        # The usual case: only plain column attributes, into an instance dict that holds
        # nothing but the state. Every old value is "no value", so the values are copied in
        # one step and the state shares one read-only committed_state recording that
        # (what _instrumented_setattr would do, attribute by attribute).
        keys = tuple(kwargs)
        committed = mapper._init_plans.get(keys)
        if committed is None:
            committed = _init_plan(mapper, keys)
        if committed is not _NOT_PLAIN:
            d.update(kwargs)
            state.committed_state = committed
            state.modified = True  # _modified_event() of a state in no session
            return
    _init_kwargs_each(self, cls, mapper, state, kwargs)


#: an entry of ``Mapper._init_plans``: these keyword arguments are not all plain column attributes
_NOT_PLAIN: Any = MappingProxyType({})


def _init_plan(mapper: Any, keys: tuple[str, ...]) -> Any:
    """What the default constructor does with these keyword names (in call order): the shared
    committed_state of a new object given them, when all are column attributes without "set"
    listeners on a class with the instrumented ``__setattr__``; else ``_NOT_PLAIN``. Kept in
    ``Mapper._init_plans`` until the mapper's properties change or an attribute listener is
    added (``Mapper._attribute_listened``)."""
    col_attrs = mapper._col_attr_map
    plan = _NOT_PLAIN
    if mapper.class_.__setattr__ is _instrumented_setattr and all(
            k in col_attrs and not col_attrs[k].dispatch.set for k in keys):
        plan = MappingProxyType(dict.fromkeys(keys, NO_VALUE))
    plans = mapper._init_plans
    if len(plans) >= 64:  # keyword sets made on the fly (Item(**row) of varying rows)
        plans.clear()
    plans[keys] = plan
    return plan


def _init_kwargs_each(self: Any, cls: Any, mapper: Any, state: InstanceState, kwargs: dict[str, Any]) -> None:
    """The default constructor's general case: each keyword argument written as an attribute."""
    d = self.__dict__
    impls = mapper._setattr_impls
    # plain column attributes without "set" listeners are written here, as
    # _instrumented_setattr would (one call per object instead of two per attribute)
    col_attrs = mapper._col_attr_map if cls.__setattr__ is _instrumented_setattr else _NO_ATTRS
    # while the instance dict holds nothing but the state, a key's old value is "no value"
    fresh = len(d) == 1
    for key, value in kwargs.items():
        attr = col_attrs.get(key)
        if attr is not None and not attr.dispatch.set:
            if fresh:
                state._own_committed()[key] = NO_VALUE
            elif key not in state.committed_state:
                state._own_committed()[key] = d.get(key, NO_VALUE)
            d[key] = value
            if not state.modified:
                state._modified_event(self)
            continue
        if key not in impls and not hasattr(cls, key):
            raise TypeError(f"{key!r} is an invalid keyword argument for {cls.__name__}")
        setattr(self, key, value)
        fresh = False  # a relationship, synonym, listener ... may have written other keys


_NO_ATTRS: dict[str, Any] = {}


def _instrumented_setattr(self: Any, key: str, value: Any) -> None:
    """``__setattr__`` of mapped classes: writes to mapped attributes go through their impl.

    A plain column attribute without "set" listeners is written inline (what
    :meth:`ColumnAttribute._set` does), saving a call on the hottest write path."""
    mapper = type(self)._sw_mapper
    attr = mapper._col_attr_map.get(key)
    if attr is not None and not attr.dispatch.set:
        d = self.__dict__
        state = d.get(STATE_ATTR) or instance_state(self)
        committed = state.committed_state
        if key not in committed:
            if committed is NO_COMMITTED:  # a loaded object's first change: its own dict
                committed = state.committed_state = {}
            elif type(committed) is not dict:  # another shared read-only mapping: copied
                committed = state._own_committed()
            committed[key] = d.get(key, NO_VALUE)
        d[key] = value
        if not state.modified:
            state._modified_event(self)
        return
    impl = mapper._setattr_impls.get(key)
    if impl is None:
        object.__setattr__(self, key, value)
    else:
        impl(self, value)


def _instrumented_delattr(self: Any, key: str) -> None:
    impl = type(self)._sw_mapper._setattr_impls.get(key)
    if impl is None:
        object.__delattr__(self, key)
    else:
        impl(self, None)


def set_committed_value(obj: Any, key: str, value: Any) -> None:
    """Set a loaded value with no history (as if it came from the database)."""
    state = instance_state(obj)
    prop = state.mapper.attrs[key]
    if getattr(prop, "uselist", False):
        value = prop._new_collection(obj, value or ())
    obj.__dict__[key] = value
    if key in state.committed_state:
        state._own_committed().pop(key)


def flag_modified(obj: Any, key: str) -> None:
    """Mark ``key`` as changed so the next flush writes it (for in-place mutations)."""
    state = instance_state(obj)
    d = obj.__dict__
    if key not in state.committed_state:
        state._own_committed()[key] = NO_VALUE
    if key not in d:
        raise sa_exc.InvalidRequestError(f"Can't flag attribute {key!r} modified; it is not loaded")
    state._modified_event(obj)
    attr = getattr(type(obj), key)
    if attr.dispatch.modified:  # events: modified
        _orm_events.fire_modified(attr, obj)


__all__ = [
    "ColumnAttribute", "QueryableAttribute", "RelationshipAttribute", "flag_modified",
    "set_committed_value", "MANYTOONE", "MANYTOMANY",
]
