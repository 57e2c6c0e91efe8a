"""Declarative mapping: ``registry``, ``DeclarativeBase``, ``Mapped[...]`` and ``mapped_column()``.

A class body is read once, at class creation: annotations give each column its SQL type and
nullability (``Optional[X]`` / ``X | None`` is nullable, anything else NOT NULL), ``mapped_column()``
overrides them, and relationships get ``uselist`` from ``Mapped[list[X]]`` versus ``Mapped[X]``.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import sys
import types as pytypes
import typing
import uuid
from typing import Any, Generic, TypeVar

from sqlweave.core import types as sqltypes
from sqlweave.core.schema import Column, MetaData, Table
from sqlweave.orm import exc as orm_exc
from sqlweave.orm import inheritance as _inheritance
from sqlweave.orm.attributes import _init_kwargs
from sqlweave.orm.mapper import ColumnProperty, Mapper
from sqlweave.orm.relationships import RelationshipProperty

_T = TypeVar("_T")


class Mapped(Generic[_T]):
    """Annotation marker for mapped attributes: ``name: Mapped[str] = mapped_column()``."""

    if typing.TYPE_CHECKING:
        def __get__(self, obj: Any, cls: Any) -> Any: ...
        def __set__(self, obj: Any, value: Any) -> None: ...


class WriteOnlyMapped(Mapped[_T]):
    pass


class DynamicMapped(Mapped[_T]):
    pass


_DEFAULT_TYPES: dict[Any, Any] = {
    int: sqltypes.Integer, str: sqltypes.String, float: sqltypes.Float, bool: sqltypes.Boolean,
    decimal.Decimal: sqltypes.Numeric, datetime.datetime: sqltypes.DateTime, datetime.date: sqltypes.Date,
    datetime.time: sqltypes.Time, datetime.timedelta: sqltypes.Interval, bytes: sqltypes.LargeBinary,
    uuid.UUID: sqltypes.Uuid,
}

_MISSING = object()


class MappedColumn:
    """What ``mapped_column()`` returns: a Column still waiting for its name and inferred type."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.deferred = kw.pop("deferred", False)
        self.deferred_group = kw.pop("deferred_group", None)
        kw.pop("deferred_raiseload", None)
        kw.pop("active_history", None)
        for dc in ("init", "repr", "compare", "kw_only", "default_factory", "hash", "dataclass_metadata"):
            kw.pop(dc, None)
        self.sort_order = kw.pop("sort_order", 0)
        self._explicit_nullable = "nullable" in kw
        self._has_type = any(isinstance(a, sqltypes.TypeEngine) or (isinstance(a, type) and issubclass(a, sqltypes.TypeEngine))
                             for a in args[:2]) or "type_" in kw
        if "insert_default" in kw:
            kw["default"] = kw.pop("insert_default")
        self.column = Column(*args, **kw)
        self.info = kw.get("info")

    def _copy(self) -> MappedColumn:
        new = MappedColumn.__new__(MappedColumn)
        new.__dict__.update(self.__dict__)
        new.column = self.column._copy()
        if not self.column._name_set:
            new.column._name_set = False
        return new


def mapped_column(*args: Any, **kw: Any) -> Any:
    """Declare a mapped column: ``mapped_column(String(50), primary_key=True)``; the type and
    nullability default to what the ``Mapped[...]`` annotation says."""
    return MappedColumn(*args, **kw)


class declared_attr:
    """A class-level attribute computed per mapped class (``__tablename__``, mixin columns ...)."""

    def __init__(self, fget: Any, cascading: bool = False) -> None:
        self.fget = fget
        self._cascading = cascading
        self.__doc__ = getattr(fget, "__doc__", None)

    def __get__(self, obj: Any, cls: Any) -> Any:
        return self.fget(cls)

    @classmethod
    def directive(cls, fn: Any) -> declared_attr:
        return cls(fn)

    @classmethod
    def _cascading_fn(cls, fn: Any) -> declared_attr:
        return cls(fn, cascading=True)


declared_attr.cascading = declared_attr._cascading_fn  # type: ignore[attr-defined]


class registry:  # noqa: N801 - SQLAlchemy's name
    """A collection of mapped classes sharing a MetaData and a class-name namespace."""

    def __init__(self, *, metadata: MetaData | None = None, type_annotation_map: dict[Any, Any] | None = None,
                 class_registry: dict[str, Any] | None = None) -> None:
        self.metadata = metadata if metadata is not None else MetaData()
        self.type_annotation_map: dict[Any, Any] = dict(type_annotation_map or {})
        self._class_registry: dict[str, Any] = class_registry if class_registry is not None else {}
        self._mappers: list[Mapper] = []

    @property
    def mappers(self) -> frozenset[Mapper]:
        return frozenset(self._mappers)

    def mapped(self, cls: type) -> type:
        """Class decorator: map ``cls`` declaratively in this registry."""
        _as_declarative(self, cls)
        return cls

    def map_imperatively(self, class_: type, local_table: Any = None, **kw: Any) -> Mapper:
        """Classical mapping: ``registry.map_imperatively(User, user_table, properties={...})``."""
        mapper = Mapper(class_, local_table, registry=self, **kw)
        self._register(class_, mapper)
        return mapper

    def map_declaratively(self, cls: type) -> Mapper:
        return _as_declarative(self, cls)  # type: ignore[return-value]

    def _register(self, cls: type, mapper: Mapper) -> None:
        self._class_registry[cls.__name__] = cls
        self._class_registry[f"{cls.__module__}.{cls.__qualname__}"] = cls
        self._mappers.append(mapper)

    def configure(self, cascade: bool = False) -> None:
        from sqlweave.orm.mapper import configure_mappers

        configure_mappers()

    def dispose(self, cascade: bool = False) -> None:
        self._class_registry.clear()
        self._mappers.clear()

    def generate_base(self, mapper: Any = None, cls: type = object, name: str = "Base",
                      metaclass: type | None = None) -> Any:
        """A legacy declarative base class whose subclasses are mapped here."""
        meta = metaclass or DeclarativeMeta
        bases = cls if isinstance(cls, tuple) else (cls,)
        ns: dict[str, Any] = {"registry": self, "metadata": self.metadata, "__abstract__": True}
        if "__init__" not in cls.__dict__:
            ns["__init__"] = _init_kwargs
        return meta(name, bases, ns)

    def _resolve_name(self, expr: str) -> Any:
        """Evaluate a string from relationship(): a class name, ``Class.attr``, a table name or an
        expression over them (``"and_(User.id == Address.user_id, ...)"``)."""
        import sqlweave.core as core

        ns = _ResolverNamespace(self, {n: getattr(core, n) for n in core.__all__})
        try:
            result = eval(expr, {"__builtins__": {}}, ns)  # noqa: S307 - class namespace only
            if isinstance(result, (list, tuple)):
                return type(result)(_unwrap(r) for r in result)
            return _unwrap(result)
        except NameError as err:
            raise orm_exc.ORMConfigurationError(
                f"When initializing mappers, expression {expr!r} failed to locate a name ({err}). "
                "If this is a class name, make sure the class is defined and mapped in the same registry."
            ) from None


class _ResolverNamespace(dict):  # type: ignore[type-arg]
    def __init__(self, reg: registry, extra: dict[str, Any]) -> None:
        super().__init__(extra)
        self._reg = reg

    def __missing__(self, key: str) -> Any:
        cls = self._reg._class_registry.get(key)
        if cls is not None:
            return _ClassProxy(cls)
        t = self._reg.metadata.tables.get(key)
        if t is not None:
            return t
        raise NameError(f"name {key!r} is not defined")


class _ClassProxy:
    """``Address`` inside a relationship string: attributes give columns, the class itself too."""

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._cls, name)
        ce = getattr(attr, "__clause_element__", None)
        if ce is not None and not getattr(attr, "_is_relationship", False):
            return ce()
        return attr

    def __call__(self) -> type:
        return self._cls

    @property
    def __wrapped__(self) -> type:
        return self._cls


def _unwrap(v: Any) -> Any:
    return v._cls if isinstance(v, _ClassProxy) else v


class DeclarativeMeta(type):
    """Metaclass of legacy ``declarative_base()`` classes: maps each subclass on creation."""

    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        if ns.get("__abstract__"):
            return
        reg = getattr(cls, "registry", None)
        if isinstance(reg, registry):
            _as_declarative(reg, cls)


def declarative_base(*, metadata: MetaData | None = None, cls: type = object, name: str = "Base",
                     type_annotation_map: dict[Any, Any] | None = None, metaclass: type | None = None,
                     class_registry: Any = None, mapper: Any = None) -> Any:
    """A legacy declarative base: ``Base = declarative_base()``."""
    reg = registry(metadata=metadata, type_annotation_map=type_annotation_map, class_registry=class_registry)
    return reg.generate_base(cls=cls, name=name, metaclass=metaclass)


class DeclarativeBase:
    """Subclass this once to make a declarative base; subclass the base to map classes.

    The base carries ``registry``, ``metadata`` and optionally ``type_annotation_map``.
    """

    registry: registry
    metadata: MetaData
    __table__: Any
    __mapper__: Mapper

    def __init_subclass__(cls, **kw: Any) -> None:
        if DeclarativeBase in cls.__bases__ or DeclarativeBaseNoMeta in cls.__bases__:
            _setup_base(cls)
        else:
            _as_declarative(cls.registry, cls)
        super().__init_subclass__(**kw)

    if not typing.TYPE_CHECKING:
        def __init__(self, **kw: Any) -> None:
            _init_kwargs(self, **kw)


DeclarativeBaseNoMeta = DeclarativeBase


def _setup_base(cls: Any) -> None:
    d = cls.__dict__
    reg = d.get("registry")
    if reg is None:
        reg = registry(metadata=d.get("metadata"), type_annotation_map=d.get("type_annotation_map"))
        cls.registry = reg
    elif d.get("type_annotation_map"):
        reg.type_annotation_map.update(d["type_annotation_map"])
    cls.metadata = reg.metadata
    cls.__abstract__ = True


# ---------------------------------------------------------------------------------------------
# reading a class body
# ---------------------------------------------------------------------------------------------


def _is_base(c: type) -> bool:
    return c is object or c is DeclarativeBase or (DeclarativeBase in c.__bases__)


def _as_declarative(reg: registry, cls: Any) -> Mapper | None:
    if cls.__dict__.get("__abstract__", False):
        return None
    annotations: dict[str, Any] = {}
    sources: dict[str, tuple[Any, Any]] = {}  # name -> (defining class, raw value)
    for base in reversed(cls.__mro__):
        if _is_base(base) or base.__dict__.get("_sw_mapper") is not None and base is not cls:
            continue
        for name, ann in base.__dict__.get("__annotations__", {}).items():
            annotations[name] = (base, ann)
        for name, value in base.__dict__.items():
            if isinstance(value, (MappedColumn, Column, RelationshipProperty, ColumnProperty, declared_attr)):
                sources[name] = (base, value)
    table_args = getattr(cls, "__table_args__", None)
    tablename = getattr(cls, "__tablename__", None)
    mapper_args = dict(getattr(cls, "__mapper_args__", None) or {})
    table = cls.__dict__.get("__table__")
    inherits = _inheritance.mapped_parent(cls)  # inheritance: single-table subclass
    if inherits is not None:
        _inheritance.check_table(cls, inherits)
        table, tablename = inherits.local_table, None
    columns: list[tuple[str, Column, MappedColumn | None]] = []
    props: dict[str, Any] = {}
    names = list(dict.fromkeys([*annotations, *sources]))
    for name in names:
        if name.startswith("__") and name.endswith("__"):
            continue
        owner, value = sources.get(name, (None, _MISSING))
        ann_owner, ann = annotations.get(name, (None, None))
        if isinstance(value, declared_attr):
            value = value.fget(cls)
        elif owner is not None and owner is not cls:
            # a column on a mixin / abstract base: each mapped class gets its own copy
            if isinstance(value, MappedColumn):
                value = value._copy()
            elif isinstance(value, Column):
                value = value._copy()
        if value is _MISSING:
            if ann is None:
                continue
            inner, kind = _parse_annotation(cls, ann)
            if kind is None:
                continue
            if kind == "relationship_hint":
                continue
            value = MappedColumn()
        if isinstance(value, RelationshipProperty):
            if ann is not None:
                inner, kind = _parse_annotation(cls, ann)
                if kind in ("list", "set"):
                    value._annotation_uselist = True
                elif kind in ("scalar", "relationship_hint", "optional"):
                    value._annotation_uselist = False
                if value.argument is None and inner is not None:
                    value.argument = inner
            props[name] = value
            continue
        if isinstance(value, ColumnProperty):
            props[name] = value
            continue
        if isinstance(value, Column):
            value = _wrap_column(value)
        if isinstance(value, MappedColumn):
            col = value.column
            if ann is not None:
                _apply_annotation(reg, cls, name, ann, value)
            elif col.type._type_affinity is sqltypes.NullType if hasattr(sqltypes, "NullType") else False:
                pass
            if not col._name_set:
                col._name = name
                col._name_set = True
            if not col.key or col.key == "":
                col.key = name
            col.key = name
            columns.append((name, col, value))
    if table is None:
        if tablename is None:
            raise orm_exc.ORMConfigurationError(
                f"Class {cls.__name__!r} does not have a __table__ or __tablename__ specified and does "
                "not inherit from an existing table-mapped class (inheritance is not supported yet)"
            )
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        if isinstance(table_args, dict):
            kwargs = dict(table_args)
        elif table_args:
            if isinstance(table_args[-1], dict):
                kwargs = dict(table_args[-1])
                args = list(table_args[:-1])
            else:
                args = list(table_args)
        ordered = sorted(enumerate(columns), key=lambda ic: (ic[1][2].sort_order if ic[1][2] else 0, ic[0]))
        table = Table(tablename, reg.metadata, *[c for _, (_, c, _) in ordered], *args, **kwargs)
        for name, col, mc in columns:
            if mc is not None and mc.deferred:
                props[name] = ColumnProperty(col, deferred=True, group=mc.deferred_group)
    else:
        for name, col, mc in columns:
            if col.table is None:
                table.append_column(col)
            if mc is not None and mc.deferred:
                props[name] = ColumnProperty(col, deferred=True)
            elif name != col.name:
                props[name] = ColumnProperty(table.c[col.key])
    cls.__table__ = table
    kw: dict[str, Any] = {}
    for k in ("version_id_col", "version_id_generator", "primary_key", "eager_defaults",
              "exclude_properties", "include_properties", "column_prefix"):
        if k in mapper_args:
            v = mapper_args.pop(k)
            if k == "version_id_col":
                v = _unwrap_col(v)
            elif k == "primary_key":
                v = [_unwrap_col(c) for c in (v if isinstance(v, (list, tuple)) else [v])]
            kw[k] = v
    mapper = Mapper(cls, table, props, registry=reg, **kw)
    _inheritance.setup(mapper, inherits, cls)  # inheritance: polymorphic_on / identity
    cls.__mapper__ = mapper
    reg._register(cls, mapper)
    return mapper


def _unwrap_col(v: Any) -> Any:
    if isinstance(v, MappedColumn):
        return v.column
    ce = getattr(v, "__clause_element__", None)
    return ce() if ce is not None else v


def _wrap_column(col: Column) -> MappedColumn:
    mc = MappedColumn.__new__(MappedColumn)
    mc.deferred = False
    mc.deferred_group = None
    mc.sort_order = 0
    mc._explicit_nullable = True
    mc._has_type = True
    mc.column = col
    mc.info = None
    return mc


def _eval_annotation(cls: Any, ann: Any) -> Any:
    if not isinstance(ann, str):
        return ann
    module = sys.modules.get(cls.__module__)
    ns = dict(vars(module)) if module is not None else {}
    ns.setdefault("Mapped", Mapped)
    ns.setdefault(cls.__name__, cls)
    try:
        return eval(ann, ns, dict(vars(cls)))  # noqa: S307 - the class's own annotation
    except Exception:  # forward reference to a class not defined yet: keep the string
        return ann


def _parse_annotation(cls: Any, ann: Any) -> tuple[Any, str | None]:
    """(inner type, kind): kind is "scalar", "optional", "list", "set", "relationship_hint" or None
    (not a Mapped annotation)."""
    ann = _eval_annotation(cls, ann)
    if isinstance(ann, str):
        # unresolved forward reference, e.g. "Mapped[list[Address]]"
        s = ann.strip()
        if not (s.startswith("Mapped[") or s.startswith("orm.Mapped[")):
            return None, None
        inner = s[s.index("[") + 1:-1].strip()
        for prefix, kind in (("list[", "list"), ("List[", "list"), ("typing.List[", "list"),
                             ("set[", "set"), ("Set[", "set"), ("Optional[", "optional")):
            if inner.startswith(prefix):
                name = inner[len(prefix):-1].strip().strip("'\"")
                return name, kind
        if inner.endswith("| None"):
            return inner[:-6].strip().strip("'\""), "optional"
        return inner.strip("'\""), "relationship_hint"
    origin = typing.get_origin(ann)
    if origin is None or not (isinstance(origin, type) and issubclass(origin, Mapped)):
        return None, None
    args = typing.get_args(ann)
    if not args:
        return None, None
    inner = args[0]
    if isinstance(inner, typing.ForwardRef):
        inner = inner.__forward_arg__
    iorigin = typing.get_origin(inner)
    if iorigin in (list, typing.List):  # noqa: UP006
        a = typing.get_args(inner)
        t = a[0] if a else None
        return (t.__forward_arg__ if isinstance(t, typing.ForwardRef) else t), "list"
    if iorigin in (set, typing.Set):  # noqa: UP006
        a = typing.get_args(inner)
        return (a[0] if a else None), "set"
    if iorigin is typing.Union or (hasattr(pytypes, "UnionType") and isinstance(inner, pytypes.UnionType)):
        a = [x for x in typing.get_args(inner) if x is not type(None)]
        if len(a) == 1:
            t = a[0]
            return (t.__forward_arg__ if isinstance(t, typing.ForwardRef) else t), "optional"
        return inner, "optional"
    return inner, "scalar"


def _apply_annotation(reg: registry, cls: Any, name: str, ann: Any, mc: MappedColumn) -> None:
    inner, kind = _parse_annotation(cls, ann)
    if kind is None:
        return
    col = mc.column
    if not mc._explicit_nullable and not col.primary_key:
        col.nullable = kind == "optional"
    if mc._has_type:
        return
    if inner is None or isinstance(inner, str):
        raise orm_exc.MappedAnnotationError(
            f"Could not locate SQL type for annotation {ann!r} of {cls.__name__}.{name}; pass a type "
            "to mapped_column()"
        )
    t = _lookup_type(reg, inner)
    if t is None:
        raise orm_exc.MappedAnnotationError(
            f"Could not locate SQLAlchemy Core type for Python type {inner!r} inside the {name!r} "
            f"attribute Mapped annotation of {cls.__name__}; add it to type_annotation_map or pass a "
            "type to mapped_column()"
        )
    col.type = sqltypes.to_instance(t)


def _lookup_type(reg: registry, pytype: Any) -> Any:
    tmap = reg.type_annotation_map
    if pytype in tmap:
        return tmap[pytype]
    if isinstance(pytype, type):
        for base in pytype.__mro__:
            if base in tmap:
                t = tmap[base]
                if base is enum.Enum or (isinstance(t, sqltypes.TypeEngine) and isinstance(t, sqltypes.Enum)):
                    return sqltypes.Enum(pytype)
                return t
        if issubclass(pytype, enum.Enum):
            return sqltypes.Enum(pytype)
        for base in pytype.__mro__:
            if base in _DEFAULT_TYPES:
                return _DEFAULT_TYPES[base]
    return None
