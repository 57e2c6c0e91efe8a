"""Mapper: links a class to a table; column and relationship properties; configuration.

``configure_mappers()`` resolves string references of relationships ("Address", "Address.user_id")
once, the first time a mapper is used for SQL or instances, and reports a wrong mapping with an
:mod:`sqlweave.orm.exc` error that names the class and attribute.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

from sqlweave.core import inspection
from sqlweave.core.schema import Column
from sqlweave.orm import events as _orm_events
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.attributes import (
    ColumnAttribute,
    RelationshipAttribute,
    _init_kwargs,
    _instrumented_delattr,
    _instrumented_setattr,
)
from sqlweave.orm.base import MAPPER_ATTR, STATE_ATTR
from sqlweave.orm.state import InstanceState

_all_mappers: weakref.WeakSet[Mapper] = weakref.WeakSet()
_configure_lock = threading.RLock()
_new_mappers = False


class MapperProperty:
    """Base of ColumnProperty and RelationshipProperty."""

    key: str
    parent: Any
    _is_relationship = False
    _is_column = False
    info: dict[str, Any]

    def _post_configure(self) -> None:
        pass

    def _configure(self) -> None:
        """Resolve references to other mappers (relationships); nothing for other properties."""


class ColumnProperty(MapperProperty):
    """A mapped column: ``mapper.attrs.name``; ``deferred=True`` skips it in the default load."""

    _is_column = True

    def __init__(self, *columns: Any, deferred: bool = False, group: str | None = None,
                 active_history: bool = False, info: Any = None, doc: str | None = None,
                 expire_on_flush: bool = True, raiseload: bool = False, _query_expression: bool = False,
                 **kw: Any) -> None:
        self.columns = [_col_arg(c) for c in columns]
        self.deferred = deferred or _query_expression
        self.group = group
        self.info = dict(info or {})
        self.doc = doc
        self.expire_on_flush = expire_on_flush
        self.raiseload = raiseload
        #: ``query_expression()``: no SQL of its own; filled only by ``with_expression()``
        self._query_expression = _query_expression
        #: a SQL expression (not a table column): read-only, labelled with the attribute key
        self._is_expression = not isinstance(self.columns[0], Column) if self.columns else False

    @property
    def expression(self) -> Any:
        return self.columns[0]

    def __repr__(self) -> str:
        return f"ColumnProperty({self.parent.class_.__name__}.{self.key})"


def _col_arg(c: Any) -> Any:
    """A column argument: Column, MappedColumn, mapped attribute or SQL expression."""
    inner = getattr(c, "column", None)
    if inner is not None and type(c).__name__ == "MappedColumn":
        return inner
    ce = getattr(c, "__clause_element__", None)
    if ce is not None and not isinstance(c, type):
        return ce()
    return c


def column_property(*columns: Any, deferred: bool = False, group: str | None = None, **kw: Any) -> ColumnProperty:
    """Map a column, or a read-only SQL expression (``firstname + " " + lastname``, a correlated
    scalar subquery ...) loaded with the object, under an attribute name."""
    for dc in ("init", "repr", "default", "default_factory", "compare", "kw_only", "hash"):
        kw.pop(dc, None)
    return ColumnProperty(*columns, deferred=deferred, group=group, **kw)


def deferred(column: Any, *additional: Any, group: str | None = None, raiseload: bool = False,
             **kw: Any) -> ColumnProperty:
    """A column loaded only on first access (with the rest of its ``group``, if any)."""
    return ColumnProperty(column, *additional, deferred=True, group=group, raiseload=raiseload, **kw)


class Mapper:
    """The mapping of one class: its table, properties, primary key and identity rules."""

    # events: MapperEvents / InstanceEvents listeners of this mapper's class (orm/events.py)
    dispatch = _orm_events._MapperDispatcher(_orm_events.MapperEvents)
    class_dispatch = _orm_events._MapperDispatcher(_orm_events.InstanceEvents)

    def __init__(self, class_: type, local_table: Any, properties: dict[str, Any] | None = None, *,
                 primary_key: Iterable[Any] | None = None, version_id_col: Any = None,
                 version_id_generator: Any = None, eager_defaults: Any = "auto",
                 exclude_properties: Iterable[str] = (), include_properties: Iterable[str] | None = None,
                 registry: Any = None, column_prefix: str | None = None, **kw: Any) -> None:
        if class_.__dict__.get(MAPPER_ATTR) is not None:
            raise orm_exc.ORMConfigurationError(f"Class {class_.__name__!r} already has a mapper")
        self.class_ = class_
        self.local_table = local_table
        self.persist_selectable = local_table
        self.mapped_table = local_table
        self.tables = [local_table]
        self.registry = registry
        self.base_mapper = self
        self.inherits = None
        self.polymorphic_on = None
        self.polymorphic_identity = None
        self.single = False
        self.concrete = False
        self.configured = False
        self.eager_defaults = eager_defaults
        self.version_id_col = version_id_col
        self.version_id_generator = (version_id_generator if version_id_generator is not None
                                     else (lambda v: (v or 0) + 1)) if version_id_col is not None else None
        self._props: dict[str, MapperProperty] = {}
        self._propagate_attrs: dict[str, Any] = {}
        from sqlweave.orm.context import orm_compile_plugin

        self._propagate_attrs = {"compile_state_plugin": orm_compile_plugin, "plugin_subject": self}
        props = dict(properties or {})
        exclude = set(exclude_properties)
        include = set(include_properties) if include_properties is not None else None
        # columns claimed by explicit properties
        claimed: dict[Any, str] = {}
        for key, p in props.items():
            if isinstance(p, Column):
                props[key] = p = ColumnProperty(p)
            if isinstance(p, ColumnProperty):
                for c in p.columns:
                    claimed[c] = key
        for col in local_table.columns:
            if col in claimed:
                continue
            key = (column_prefix or "") + col.key
            if key in exclude or (include is not None and key not in include):
                continue
            if key not in props:
                props[key] = ColumnProperty(col)
        for key, p in props.items():
            self._add_property(key, p)
        if primary_key is not None:
            self.primary_key = tuple(primary_key)
        else:
            self.primary_key = tuple(local_table.primary_key.columns) if hasattr(local_table, "primary_key") else ()
        if not self.primary_key:
            raise orm_exc.ORMConfigurationError(
                f"Mapper {class_.__name__} could not assemble any primary key columns for mapped table "
                f"{getattr(local_table, 'name', local_table)!r}; give the table a primary key or pass "
                "primary_key= to the mapper"
            )
        self._instrument()
        if version_id_col is not None and version_id_col not in self._column_to_key:
            raise orm_exc.ORMConfigurationError(f"version_id_col of {class_.__name__} is not a mapped column")
        global _new_mappers
        _all_mappers.add(self)
        _new_mappers = True
        _orm_events._new_mapper(self)  # events: validators, init wrapping, instrument_class

    # -- properties -------------------------------------------------------------------------
    def _add_property(self, key: str, prop: Any) -> None:
        prop.key = key
        prop.parent = self
        if getattr(prop, "_is_expression", False) and not hasattr(prop.columns[0], "table"):
            # SQL expressions select under the attribute name; WHERE renders the bare expression
            prop.columns[0] = prop.columns[0].label(key)
        self._props[key] = prop

    @property
    def attrs(self) -> dict[str, Any]:
        """All mapped properties by attribute name."""
        return self._props

    @property
    def column_attrs(self) -> list[ColumnProperty]:
        return [p for p in self._props.values() if p._is_column]  # type: ignore[misc]

    @property
    def relationships(self) -> dict[str, Any]:
        self._check_configure()
        return {k: p for k, p in self._props.items() if p._is_relationship}

    @property
    def columns(self) -> dict[str, Any]:
        return {k: p.columns[0] for k, p in self._props.items() if p._is_column}  # type: ignore[attr-defined]

    c = columns

    def get_property(self, key: str) -> Any:
        try:
            return self._props[key]
        except KeyError:
            raise orm_exc.InvalidRequestError(f"Mapper '{self}' has no property {key!r}") from None

    def get_property_by_column(self, column: Any) -> Any:
        return self._props[self._column_to_key[column]]

    @property
    def entity(self) -> type:
        return self.class_

    @property
    def mapper(self) -> Mapper:
        return self

    @property
    def is_mapper(self) -> bool:
        return True

    def _instrument(self) -> None:
        cls = self.class_
        setattr(cls, MAPPER_ATTR, self)
        self._column_keys: list[str] = []
        self._relationship_keys: list[str] = []
        self._writeonly_keys: list[str] = []
        self._column_to_key: dict[Any, str] = {}
        self._setattr_impls: dict[str, Any] = {}
        self._attr_lookup = self._setattr_impls
        # columns and relationships first: synonyms and composites refer to them
        for key, prop in self._props.items():
            if prop._is_column or prop._is_relationship:
                self._instrument_prop(key, prop)
        for key, prop in self._props.items():
            if not (prop._is_column or prop._is_relationship):
                self._instrument_prop(key, prop)
        if "__setattr__" not in cls.__dict__:
            cls.__setattr__ = _instrumented_setattr  # type: ignore[assignment]
            cls.__delattr__ = _instrumented_delattr  # type: ignore[assignment]
        if cls.__init__ is object.__init__:  # type: ignore[misc]
            cls.__init__ = _init_kwargs  # type: ignore[misc]
        table = self.local_table

        class _ClauseElement:
            # class-level only: ``User.__clause_element__()`` is the table (select(User));
            # instances don't have it, so an object is never mistaken for SQL
            def __get__(self, obj: Any, owner: Any = None) -> Any:
                if obj is not None:
                    raise AttributeError("__clause_element__")
                return lambda: table

        cls.__clause_element__ = _ClauseElement()  # type: ignore[attr-defined]
        cls._propagate_attrs = self._propagate_attrs  # type: ignore[attr-defined]
        self._pk_keys = [self._column_to_key[c] for c in self.primary_key]
        self._refresh_loader_cache()

    def _instrument_prop(self, key: str, prop: Any) -> None:
        cls = self.class_
        if prop._is_column:
            attr: Any = ColumnAttribute(cls, key, prop, self)
            self._column_keys.append(key)
            for c in prop.columns:
                self._column_to_key.setdefault(c, key)
        elif prop._is_relationship:
            attr = RelationshipAttribute(cls, key, prop, self)
            self._relationship_keys.append(key)
            if prop._writeonly:
                self._writeonly_keys.append(key)
        else:
            attr = prop._make_attribute(self)  # synonym, composite ...
        prop.class_attribute = attr
        setattr(cls, key, attr)
        self._setattr_impls[key] = attr._set
        self._attr_lookup = self._setattr_impls

    def add_property(self, key: str, prop: Any) -> None:
        """Add a property after construction (used for backrefs and imperative mapping)."""
        if isinstance(prop, Column):
            prop = ColumnProperty(prop)
        self._add_property(key, prop)
        self._instrument_prop(key, prop)
        self._refresh_loader_cache()
        if prop._is_relationship and self.configured:
            prop._configure()

    def _refresh_loader_cache(self) -> None:
        self._loader_cache: dict[Any, Any] = {}
        self._get_stmt: Any = None
        self._load_keys = [k for k in self._column_keys if not self._props[k].deferred]  # type: ignore[attr-defined]
        # key -> ColumnAttribute for the attributes written by ColumnAttribute._set, which
        # _instrumented_setattr and the default constructor inline
        self._column_keys_set = frozenset(self._column_keys)  # a fully expired state's keys
        self._col_attr_map = {k: impl.__self__ for k, impl in self._setattr_impls.items()
                              if getattr(impl, "__func__", None) is ColumnAttribute._set}
        self._init_plans: dict[tuple[str, ...], Any] = {}  # see attributes._init_plan

    def _attribute_listened(self) -> None:
        """An attribute listener was added to this mapper's class or a base class: the keyword
        arguments the default constructor copies without instrumentation are worked out again."""
        self._init_plans = {}

    # -- identity --------------------------------------------------------------------------
    def _new_state(self, obj: Any) -> InstanceState:
        state = InstanceState(obj, self)
        obj.__dict__[STATE_ATTR] = state
        return state

    def _identity_key_from_state(self, state: InstanceState) -> tuple[Any, tuple[Any, ...]]:
        d = state.dict
        return (self.base_mapper, tuple(d.get(k) for k in self._pk_keys))

    def identity_key_from_primary_key(self, pk: Iterable[Any]) -> tuple[Any, tuple[Any, ...]]:
        return (self.base_mapper, tuple(pk))

    def primary_key_from_instance(self, obj: Any) -> tuple[Any, ...]:
        d = obj.__dict__
        return tuple(d.get(k) for k in self._pk_keys)

    def _check_configure(self) -> None:
        if _new_mappers or not self.configured:
            configure_mappers()

    def __repr__(self) -> str:
        return f"<Mapper {self.class_.__name__}>"


def configure_mappers() -> None:
    """Resolve every new mapper's relationships (string targets, joins, backrefs), once."""
    global _new_mappers
    if not _new_mappers:
        return
    with _configure_lock:
        if not _new_mappers:
            return
        pending = [m for m in list(_all_mappers) if not m.configured]
        _orm_events.fire_configured("before_configured", pending)  # events: before_configured
        try:
            for m in pending:
                for prop in list(m._props.values()):
                    if prop._is_relationship and not getattr(prop, "_configured", False):
                        prop._configure()
            for m in pending:
                for prop in list(m._props.values()):
                    if prop._is_relationship:
                        prop._post_configure()
        except Exception:
            raise
        for m in pending:
            m.configured = True
        _new_mappers = False
        for m in pending:  # events: mapper_configured
            if m.dispatch.mapper_configured:
                m.dispatch.mapper_configured(m, m.class_)
        _orm_events.fire_configured("after_configured", pending)  # events: after_configured


def clear_mappers() -> None:
    """Forget all mappers (for tests); mapped classes stay instrumented."""
    global _new_mappers
    _all_mappers.clear()
    _new_mappers = False


def _inspect_class(cls: Any) -> Any:
    mapper = cls.__dict__.get(MAPPER_ATTR) if isinstance(cls, type) else None
    if mapper is None and isinstance(cls, type):
        mapper = getattr(cls, MAPPER_ATTR, None)
    if mapper is not None:
        mapper._check_configure()
        return mapper
    raise orm_exc.UnmappedClassError(cls) if isinstance(cls, type) else orm_exc.UnmappedInstanceError(cls)


def _inspect_any(obj: Any) -> Any:
    if isinstance(obj, type):
        if getattr(obj, MAPPER_ATTR, None) is not None:
            return _inspect_class(obj)
        return None
    if getattr(type(obj), MAPPER_ATTR, None) is not None:
        from sqlweave.orm.base import instance_state

        return instance_state(obj)
    if isinstance(obj, (Mapper, InstanceState)):
        return obj
    return None


inspection.register(object, _inspect_any)
