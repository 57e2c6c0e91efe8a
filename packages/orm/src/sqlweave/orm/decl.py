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
from typing import Any, Generic, TypeVar

from sqlweave.core import types as sqltypes
from sqlweave.core.schema import Column, MetaData, Table
from sqlweave.core.sql.elements import ColumnOperators
from sqlweave.orm import exc as orm_exc
from sqlweave.orm import inheritance as _inheritance
from sqlweave.orm.attributes import _init_kwargs
from sqlweave.orm.mapper import ColumnProperty, Mapper, MapperProperty
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
}  # + uuid.UUID: sqltypes.Uuid, added by _lookup_type once module uuid is loaded (it imports platform)

_MISSING = object()


class MappedColumn(ColumnOperators):
    """What ``mapped_column()`` returns: a Column still waiting for its name and inferred type.

    Operators build SQL against the column, so a class body can say
    ``column_property(first + " " + last)``."""

    __hash__ = object.__hash__

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        return self.column.operate(op, *other, **kw)

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        return self.column.reverse_operate(op, other, **kw)

    def __clause_element__(self) -> Any:
        return self.column

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.deferred = kw.pop("deferred", False)
        self.deferred_group = kw.pop("deferred_group", None)
        self.deferred_raiseload = kw.pop("deferred_raiseload", False)
        kw.pop("active_history", None)
        # MappedAsDataclass field options (``default`` is both the field and the column default)
        self._dc: dict[str, Any] = {dc: kw.pop(dc) for dc in
                                    ("init", "repr", "compare", "kw_only", "default_factory", "hash")
                                    if dc in kw}
        kw.pop("dataclass_metadata", None)
        if "default" in kw:
            self._dc["default"] = kw["default"]
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
        from sqlweave.orm.relationships import foreign, remote

        ns = _ResolverNamespace(self, {**{n: getattr(core, n) for n in core.__all__},
                                       "foreign": foreign, "remote": remote})
        try:
            result = eval(expr, {"__builtins__": {}}, ns)  # noqa: S307 - class namespace only
            if isinstance(result, (list, tuple)):
                return type(result)(_unwrap(r) for r in result)
            return _unwrap(result)
        except NameError as err:
            exc = orm_exc.ORMConfigurationError(
                f"When initializing mappers, expression {expr!r} failed to locate a name ({err}). "
                "If this is a class name, make sure the class is defined and mapped in the same registry."
            )
            exc._sw_name_error = str(err)  # type: ignore[attr-defined]  # relationship() re-words it
            raise exc from None


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


class _AttributeIntercept(type):
    """Metaclass of declarative bases: ``User.attr = column_property(...)`` (or a relationship,
    ``Column`` ...) assigned after the class is mapped becomes a mapped property."""

    def __setattr__(cls, key: str, value: Any) -> None:
        mapper = cls.__dict__.get("_sw_mapper")
        if mapper is not None and isinstance(value, (MapperProperty, Column, MappedColumn)):
            if isinstance(value, MappedColumn):
                value = value.column
            if isinstance(value, Column) and value.table is None:
                _name_column(value, key)
                mapper.local_table.append_column(value)
            mapper.add_property(key, value)
            return
        super().__setattr__(key, value)


class DeclarativeMeta(_AttributeIntercept):
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


class DeclarativeBase(metaclass=_AttributeIntercept):
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
        # the keyword constructor itself (not a wrapper calling it: one call per object less)
        __init__ = _init_kwargs


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
            if isinstance(value, (MappedColumn, Column, MapperProperty, declared_attr)):
                sources[name] = (base, value)
    table_args = getattr(cls, "__table_args__", None)
    tablename = getattr(cls, "__tablename__", None)
    mapper_args = dict(getattr(cls, "__mapper_args__", None) or {})
    table = cls.__dict__.get("__table__")
    inherits = _inheritance.mapped_parent(cls)  # inheritance: single-table subclass
    if inherits is not None:
        table, tablename = _inheritance.subclass_table(cls, inherits)  # inheritance: joined or single
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
                wrapper = _mapped_wrapper(cls, ann)
                if wrapper is not None:
                    # WriteOnlyMapped[X] / DynamicMapped[X]: a collection that never loads in full
                    value._annotation_uselist = True
                    if value.lazy == "select":
                        value.lazy = wrapper
                        value._writeonly = True
                elif kind in ("list", "set", "dict"):
                    value._annotation_uselist = True
                    if kind == "set" and value.collection_class is None:
                        value.collection_class = set
                elif kind in ("scalar", "relationship_hint", "optional"):
                    value._annotation_uselist = False
                if value.argument is None and inner is not None:
                    value.argument = inner
            props[name] = value
            continue
        if isinstance(value, ColumnProperty):
            for i, c in enumerate(value.columns):
                if isinstance(c, Column) and c.table is None:
                    if ann is not None and i == 0:
                        _apply_annotation(reg, cls, name, ann, _wrap_column(c, has_type=c.type._type_affinity
                                                                             is not sqltypes.NullType))
                    _name_column(c, name)
                    columns.append((name, c, None))
            props[name] = value
            continue
        if isinstance(value, MapperProperty):
            if type(value).__name__ == "CompositeProperty":
                _declare_composite(reg, cls, name, ann, value, columns)  # type: ignore[arg-type]
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
                props[name] = ColumnProperty(col, deferred=True, group=mc.deferred_group,
                                             raiseload=mc.deferred_raiseload)
    else:
        for name, col, mc in columns:
            if col.table is None:
                table.append_column(col)
            if mc is not None and mc.deferred:
                props[name] = ColumnProperty(col, deferred=True)
            elif name != col.name:
                props[name] = ColumnProperty(table.c[col.key])
    cls.__table__ = table
    if isinstance(cls, type) and issubclass(cls, MappedAsDataclass):
        _make_dataclass(cls, annotations, sources, props, columns)
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


def _wrap_column(col: Column, has_type: bool = True) -> MappedColumn:
    mc = MappedColumn.__new__(MappedColumn)
    mc.deferred = False
    mc.deferred_group = None
    mc.deferred_raiseload = False
    mc.sort_order = 0
    mc._explicit_nullable = has_type
    mc._has_type = has_type
    mc._dc = {}
    mc.column = col
    mc.info = None
    return mc


def _name_column(col: Column, name: str) -> None:
    if not col._name_set:
        col._name = name
        col._name_set = True
    col.key = col.name


def _mapped_wrapper(cls: Any, ann: Any) -> str | None:
    """"write_only" / "dynamic" for ``WriteOnlyMapped[...]`` / ``DynamicMapped[...]``."""
    ann = _eval_annotation(cls, ann)
    if isinstance(ann, str):
        s = ann.strip()
        if s.startswith("WriteOnlyMapped["):
            return "write_only"
        if s.startswith("DynamicMapped["):
            return "dynamic"
        return None
    origin = typing.get_origin(ann)
    if origin is WriteOnlyMapped:
        return "write_only"
    if origin is DynamicMapped:
        return "dynamic"
    return None


def _declare_composite(reg: registry, cls: Any, name: str, ann: Any, prop: Any,
                       columns: list[tuple[str, Column, MappedColumn | None]]) -> None:
    """Columns given to ``composite()`` as ``mapped_column()``/``Column`` join the table; the class
    and, for dataclasses, the column types come from the ``Mapped[...]`` annotation."""
    if prop.composite_class is None and ann is not None:
        inner, _ = _parse_annotation(cls, ann)
        if isinstance(inner, type):
            prop.composite_class = inner
    import dataclasses  # only composites and MappedAsDataclass need it

    ccls = prop.composite_class
    field_types: list[Any] = []
    if ccls is not None and dataclasses.is_dataclass(ccls):
        hints = typing.get_type_hints(ccls)
        field_types = [hints.get(f.name) for f in dataclasses.fields(ccls)]
    new_attrs: list[Any] = []
    for i, a in enumerate(prop.attrs):
        mc = a if isinstance(a, MappedColumn) else (_wrap_column(a) if isinstance(a, Column) else None)
        if mc is None or mc.column.table is not None:
            new_attrs.append(a)
            continue
        col = mc.column
        if not col._name_set:
            fname = (dataclasses.fields(ccls)[i].name if field_types else str(i))
            _name_column(col, f"{name}_{fname}")
        col.key = col.name
        if not mc._has_type and i < len(field_types) and field_types[i] is not None:
            _apply_annotation(reg, cls, col.key, Mapped[field_types[i]], mc)  # type: ignore[valid-type]
        columns.append((col.key, col, mc))
        new_attrs.append(col.key)
    prop.attrs = new_attrs


class MappedAsDataclass:
    """Mixin for a declarative base (or class) whose mapped classes are also real dataclasses:
    ``__init__``, ``__repr__`` and ``__eq__`` are generated from the mapped attributes, honouring
    ``init=False``, ``default=``, ``default_factory=``, ``repr=``, ``compare=`` and ``kw_only=`` given
    to ``mapped_column()`` / ``relationship()``. Class keywords (``init``, ``repr``, ``eq``,
    ``order``, ``unsafe_hash``, ``kw_only`` ...) configure ``dataclasses.dataclass``."""

    def __init_subclass__(cls, init: bool = True, repr: bool = True, eq: bool = True,  # noqa: A002
                          order: bool = False, unsafe_hash: bool = False, match_args: bool = True,
                          kw_only: bool = False, dataclass_callable: Any = None, **kw: Any) -> None:
        cls._sw_dc_options = {  # type: ignore[attr-defined]
            "init": init, "repr": repr, "eq": eq, "order": order, "unsafe_hash": unsafe_hash,
            "match_args": match_args, "kw_only": kw_only}
        super().__init_subclass__(**kw)


def _make_dataclass(cls: Any, annotations: dict[str, tuple[Any, Any]], sources: dict[str, tuple[Any, Any]],
                    props: dict[str, Any], columns: list[tuple[str, Column, MappedColumn | None]]) -> None:
    """Turn the mapped class into a dataclass (before the mapper installs its descriptors)."""
    import dataclasses

    mcs = {name: mc for name, _, mc in columns}
    anns: dict[str, Any] = {}
    for name, (_, ann) in annotations.items():
        if name.startswith("__"):
            continue
        owner, value = sources.get(name, (None, _MISSING))
        opts: dict[str, Any] = {}
        if isinstance(value, MappedColumn):
            opts = dict(value._dc)
        elif name in mcs and mcs[name] is not None:
            opts = dict(mcs[name]._dc)  # type: ignore[union-attr]
        elif isinstance(value, MapperProperty):
            opts = dict(getattr(value, "_dc", {}))
        elif value is not _MISSING and name not in props:
            opts = {"default": value}  # a plain (unmapped) dataclass field with a default
        anns[name] = ann
        setattr(cls, name, dataclasses.field(**opts))
    for name, ann in cls.__dict__.get("__annotations__", {}).items():
        anns.setdefault(name, ann)
    cls.__annotations__ = anns
    options = dict(getattr(cls, "_sw_dc_options", {}))
    dataclasses.dataclass(cls, **options)
    for name in anns:
        if name in props or name in mcs:
            # the mapper's descriptor replaces the default the dataclass left on the class
            if name in cls.__dict__:
                delattr(cls, name)


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
        if not s.startswith(("Mapped[", "orm.Mapped[", "WriteOnlyMapped[", "DynamicMapped[")):
            return None, None
        inner = s[s.index("[") + 1:-1].strip()
        for prefix, kind in (("list[", "list"), ("List[", "list"), ("typing.List[", "list"),
                             ("set[", "set"), ("Set[", "set"), ("Optional[", "optional")):
            if inner.startswith(prefix):
                name = inner[len(prefix):-1].strip().strip("'\"")
                return name, kind
        if inner.endswith("| None"):
            return inner[:-6].strip().strip("'\""), "optional"
        for prefix in ("dict[", "Dict[", "typing.Dict["):
            if inner.startswith(prefix):
                return inner[len(prefix):-1].split(",", 1)[-1].strip().strip("'\""), "dict"
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
    if iorigin in (dict, typing.Dict):  # noqa: UP006
        da = typing.get_args(inner)
        t = da[1] if len(da) > 1 else None
        return (t.__forward_arg__ if isinstance(t, typing.ForwardRef) else t), "dict"
    if iorigin is typing.Union or (hasattr(pytypes, "UnionType") and isinstance(inner, pytypes.UnionType)):
        ua = [x for x in typing.get_args(inner) if x is not type(None)]
        if len(ua) == 1:
            t = ua[0]
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
        if "uuid" in sys.modules:  # a Mapped[uuid.UUID] annotation implies uuid is loaded
            _DEFAULT_TYPES.setdefault(sys.modules["uuid"].UUID, sqltypes.Uuid)
        for base in pytype.__mro__:
            if base in _DEFAULT_TYPES:
                return _DEFAULT_TYPES[base]
    return None
