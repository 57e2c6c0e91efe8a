"""SQL types: how a Python value is bound, how a driver value is read back, how the type is named.

Every type answers three questions per dialect, each once (the compiled statement keeps the answer):

* ``bind_processor(dialect)`` — a callable turning the Python value into what the driver takes, or
  ``None`` when the driver takes it as is (the common case, so no call at all per value);
* ``result_processor(dialect, coltype)`` — the reverse for values read from a cursor;
* ``literal_processor(dialect)`` — rendering a value inline (DDL defaults, ``literal_binds``).

A dialect that stores a type differently supplies its own implementation class through
``dialect.colspecs`` ({generic class: dialect class}); :meth:`TypeEngine.dialect_impl` finds and
caches it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlweave.core import exc

Processor = Callable[[Any], Any] | None


class TypeEngine:
    """Base of all types. Instances are immutable after construction and safe to share."""

    __visit_name__ = "type"
    python_type_: type | None = None
    #: True when the value should never be bound as a plain Python value (sqlweave supplies one)
    _is_null_type = False
    hashable = True
    should_evaluate_none = False
    render_bind_cast = False

    # -- per-dialect adaptation ------------------------------------------------------------

    def dialect_impl(self, dialect: Any) -> TypeEngine:
        """The implementation of this type for ``dialect`` (cached on the type per dialect class)."""
        cache = self.__dict__.get("_impl_cache")
        if cache is None:
            cache = self.__dict__["_impl_cache"] = {}
        key = type(dialect)
        impl = cache.get(key)
        if impl is None:
            impl = cache[key] = self._adapt_for(dialect)
        return impl

    def _adapt_for(self, dialect: Any) -> TypeEngine:
        colspecs = getattr(dialect, "colspecs", None) or {}
        for klass in type(self).__mro__:
            impl_cls = colspecs.get(klass)
            if impl_cls is not None:
                if impl_cls is type(self):
                    return self
                return self.adapt(impl_cls)
        return self

    def adapt(self, cls: type[TypeEngine], **kw: Any) -> TypeEngine:
        """Copy this type's constructor arguments into a new instance of ``cls``."""
        obj = cls.__new__(cls)
        state = {k: v for k, v in self.__dict__.items() if k not in _NOT_COPIED}
        state.update(kw)
        obj.__dict__.update(state)
        return obj

    # -- processors (overridden by types that need them) ------------------------------------

    def bind_processor(self, dialect: Any) -> Processor:
        """Return a function converting a Python value for the driver, or None if not needed."""
        return None

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        """Return a function converting a driver value to Python, or None if not needed."""
        return None

    def literal_processor(self, dialect: Any) -> Callable[[Any], str] | None:
        """Return a function rendering a value as a SQL literal, or None to use the default."""
        return None

    def bind_expression(self, bindvalue: Any) -> Any:
        """Optionally wrap a bound parameter in SQL (e.g. a CAST); None leaves it as is."""
        return None

    def column_expression(self, colexpr: Any) -> Any:
        """Optionally wrap a selected column in SQL; None leaves it as is."""
        return None

    # -- expression behaviour --------------------------------------------------------------

    @property
    def python_type(self) -> type:
        """The Python type that values of this type have."""
        if self.python_type_ is None:
            raise NotImplementedError(f"{type(self).__name__} has no single Python type")
        return self.python_type_

    @property
    def _type_affinity(self) -> type[TypeEngine]:
        """The generic class this type belongs to (VARCHAR → String)."""
        for klass in type(self).__mro__:
            if klass.__dict__.get("_is_generic"):
                return klass
        return type(self)

    def _coerce_compared_value(self, op: Any, value: Any) -> TypeEngine:
        """The type to give a literal compared with a column of this type."""
        return self

    def _result_type_for(self, op: Any, other: TypeEngine) -> TypeEngine:
        """The type of ``self <op> other``; comparisons are Boolean, arithmetic keeps the type."""
        return self

    @functools.cached_property
    def _static_cache_key(self) -> Any:
        # computed once and then a plain instance attribute: read for every bound parameter
        # of every statement's cache key
        items = tuple(
            sorted(
                (k, _hashable(v))
                for k, v in self.__dict__.items()
                if not k.startswith("_")
            )
        )
        return (type(self), items)

    def compile(self, dialect: Any = None) -> str:
        """Render the type's DDL name for ``dialect`` (the generic one if None)."""
        if dialect is None:
            from sqlweave.core.engine.default import DefaultDialect

            dialect = DefaultDialect()
        return str(dialect.type_compiler_instance.process(self))

    def copy(self) -> TypeEngine:
        return self.adapt(type(self))

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={v!r}" for k, v in self.__dict__.items() if not k.startswith("_") and v is not None
        )
        return f"{type(self).__name__}({args})"

    def __str__(self) -> str:
        return self.compile()


#: per-instance memos that adapt() must not carry over to the new type (they name this one)
_NOT_COPIED = frozenset(("_impl_cache", "_static_cache_key"))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def to_instance(typeobj: Any) -> TypeEngine:
    """Accept a type class or instance (or None → NullType) and return an instance."""
    if typeobj is None:
        return NULLTYPE
    if isinstance(typeobj, type):
        if not issubclass(typeobj, TypeEngine):
            raise exc.ArgumentError(f"{typeobj!r} is not a sqlweave type")
        return typeobj()
    if not isinstance(typeobj, TypeEngine):
        raise exc.ArgumentError(f"expected a sqlweave type, got {typeobj!r}")
    return typeobj


# ---------------------------------------------------------------------------------------------
# Generic types
# ---------------------------------------------------------------------------------------------


class NullType(TypeEngine):
    """The type of an expression whose type is unknown."""

    __visit_name__ = "null"
    _is_null_type = True
    _is_generic = True

    def _result_type_for(self, op: Any, other: TypeEngine) -> TypeEngine:
        return other


class Integer(TypeEngine):
    """An ``INTEGER``; Python ``int``."""

    __visit_name__ = "integer"
    python_type_ = int
    _is_generic = True

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return lambda v: str(int(v))

    def _result_type_for(self, op: Any, other: TypeEngine) -> TypeEngine:
        from sqlweave.core.sql import operators

        if op is operators.truediv and isinstance(other, Integer):
            return Numeric()
        if isinstance(other, (Numeric, Float)):
            return other
        return self


class SmallInteger(Integer):
    """A ``SMALLINT``."""

    __visit_name__ = "small_integer"


class BigInteger(Integer):
    """A ``BIGINT``."""

    __visit_name__ = "big_integer"


class Numeric(TypeEngine):
    """A fixed-precision ``NUMERIC(precision, scale)``; Python ``Decimal`` by default."""

    __visit_name__ = "numeric"
    _is_generic = True
    _default_decimal_return_scale = 10

    def __init__(
        self,
        precision: int | None = None,
        scale: int | None = None,
        decimal_return_scale: int | None = None,
        asdecimal: bool = True,
    ) -> None:
        self.precision = precision
        self.scale = scale
        self.decimal_return_scale = decimal_return_scale
        self.asdecimal = asdecimal

    @property
    def python_type(self) -> type:
        return decimal.Decimal if self.asdecimal else float

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return lambda v: str(v)

    def bind_processor(self, dialect: Any) -> Processor:
        if getattr(dialect, "supports_native_decimal", True):
            return None
        return _float_or_none

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if self.asdecimal:
            if getattr(dialect, "supports_native_decimal", True) and not isinstance(self, Float):
                return None
            scale = self.scale if self.scale is not None else self.decimal_return_scale
            return _to_decimal(scale)
        if getattr(dialect, "supports_native_decimal", True):
            return _float_or_none
        return None


def _float_or_none(value: Any) -> Any:
    return None if value is None else float(value)


def _to_decimal(scale: int | None) -> Callable[[Any], Any]:
    if scale is None:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, decimal.Decimal):
                return value
            return decimal.Decimal(repr(value) if isinstance(value, float) else str(value))
    else:
        fmt = f"%.{scale}f"

        def process(value: Any) -> Any:
            if value is None or isinstance(value, decimal.Decimal):
                return value
            if isinstance(value, float):
                return decimal.Decimal(fmt % value)
            return decimal.Decimal(str(value))

    return process


class Float(Numeric):
    """A floating point ``FLOAT``; Python ``float`` by default."""

    __visit_name__ = "float"

    def __init__(
        self,
        precision: int | None = None,
        asdecimal: bool = False,
        decimal_return_scale: int | None = None,
    ) -> None:
        self.precision = precision
        self.scale = None
        self.asdecimal = asdecimal
        self.decimal_return_scale = decimal_return_scale

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if self.asdecimal:
            return _to_decimal(self.decimal_return_scale)
        return _float_or_none if getattr(dialect, "float_needs_coercion", False) else None


class Double(Float):
    """A double-precision float."""

    __visit_name__ = "double"


class REAL(Float):
    """SQL ``REAL``."""

    __visit_name__ = "REAL"


class String(TypeEngine):
    """A ``VARCHAR(length)``; Python ``str``."""

    __visit_name__ = "string"
    python_type_ = str
    _is_generic = True

    def __init__(self, length: int | None = None, collation: str | None = None) -> None:
        self.length = length
        self.collation = collation

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return dialect.literal_renderer.render_string

    def _result_type_for(self, op: Any, other: TypeEngine) -> TypeEngine:
        return self


class Text(String):
    """An unbounded ``TEXT``."""

    __visit_name__ = "text"


class Unicode(String):
    """A ``VARCHAR`` for Unicode text (every backend here stores Unicode in VARCHAR)."""

    __visit_name__ = "unicode"


class UnicodeText(Text):
    """A ``TEXT`` for Unicode text."""

    __visit_name__ = "unicode_text"


class Boolean(TypeEngine):
    """A ``BOOLEAN``; Python ``bool``. Stored as 0/1 where the backend has no boolean."""

    __visit_name__ = "boolean"
    python_type_ = bool
    _is_generic = True

    def __init__(self, create_constraint: bool = False, name: str | None = None) -> None:
        self.create_constraint = create_constraint
        self.name = name

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        native = getattr(dialect, "supports_native_boolean", False)
        if native:
            return lambda v: "true" if v else "false"
        return lambda v: "1" if v else "0"

    def bind_processor(self, dialect: Any) -> Processor:
        if getattr(dialect, "supports_native_boolean", False):
            return None
        return _bool_to_int

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if getattr(dialect, "supports_native_boolean", False):
            return None
        return _int_to_bool


def _bool_to_int(value: Any) -> Any:
    if value is None:
        return None
    if value not in (True, False, 0, 1):
        raise exc.ArgumentError(f"Value {value!r} is not None, True, or False")
    return 1 if value else 0


def _int_to_bool(value: Any) -> Any:
    return None if value is None else bool(value)


class _DateTimeBase(TypeEngine):
    _is_generic = True


class Date(_DateTimeBase):
    """A ``DATE``; Python ``datetime.date``."""

    __visit_name__ = "date"
    python_type_ = dt.date

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return lambda v: f"'{v.isoformat()}'"


class Time(_DateTimeBase):
    """A ``TIME``; Python ``datetime.time``."""

    __visit_name__ = "time"
    python_type_ = dt.time

    def __init__(self, timezone: bool = False) -> None:
        self.timezone = timezone

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return lambda v: f"'{v.isoformat()}'"


class DateTime(_DateTimeBase):
    """A ``TIMESTAMP``/``DATETIME``; Python ``datetime.datetime``.

    ``timezone=True`` keeps the offset where the backend can (PostgreSQL ``TIMESTAMP WITH TIME
    ZONE``).
    """

    __visit_name__ = "datetime"
    python_type_ = dt.datetime

    def __init__(self, timezone: bool = False) -> None:
        self.timezone = timezone

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        return lambda v: f"'{v.isoformat(sep=' ')}'"


_EPOCH = dt.datetime(1970, 1, 1)


class Interval(_DateTimeBase):
    """A time span; Python ``datetime.timedelta``.

    Native ``INTERVAL`` on PostgreSQL; elsewhere stored as a DATETIME offset from 1970-01-01, which
    keeps comparisons and ordering meaningful.
    """

    __visit_name__ = "interval"
    python_type_ = dt.timedelta

    def __init__(
        self, native: bool = True, second_precision: int | None = None, day_precision: int | None = None
    ) -> None:
        self.native = native
        self.second_precision = second_precision
        self.day_precision = day_precision

    def _native(self, dialect: Any) -> bool:
        return self.native and getattr(dialect, "supports_native_interval", False)

    def bind_processor(self, dialect: Any) -> Processor:
        if self._native(dialect):
            return None
        impl_proc = DateTime().dialect_impl(dialect).bind_processor(dialect)

        def process(value: Any) -> Any:
            if value is None:
                return None
            value = _EPOCH + value
            return impl_proc(value) if impl_proc else value

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if self._native(dialect):
            return None
        impl_proc = DateTime().dialect_impl(dialect).result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if value is None:
                return None
            if impl_proc:
                value = impl_proc(value)
            return value - _EPOCH

        return process


class LargeBinary(TypeEngine):
    """A binary large object; Python ``bytes``."""

    __visit_name__ = "large_binary"
    python_type_ = bytes
    _is_generic = True

    def __init__(self, length: int | None = None) -> None:
        self.length = length

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, bytes):
                return value
            return bytes(value)

        return process


class _Binary(LargeBinary):
    pass


class JSON(TypeEngine):
    """A JSON document; dicts, lists and scalars in and out.

    ``column["key"]`` and ``column[("a", 0, "b")]`` index into the document; ``.as_string()``,
    ``.as_integer()``, ``.as_float()``, ``.as_boolean()`` and ``.as_json()`` give the element a
    SQL type. ``none_as_null=True`` stores Python ``None`` as SQL NULL rather than JSON ``null``.
    """

    __visit_name__ = "JSON"
    python_type_ = dict
    _is_generic = True
    should_evaluate_none = True

    def __init__(self, none_as_null: bool = False) -> None:
        self.none_as_null = none_as_null

    def bind_processor(self, dialect: Any) -> Processor:
        import json  # once per compiled statement, not at import

        serializer = getattr(dialect, "_json_serializer", None) or json.dumps
        none_as_null = self.none_as_null

        def process(value: Any) -> Any:
            if value is None:
                return None if none_as_null else serializer(None)
            if value is JSON.NULL:
                return serializer(None)
            return serializer(value)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if getattr(dialect, "driver_deserializes_json", False):
            return None
        import json

        deserializer = getattr(dialect, "_json_deserializer", None) or json.loads

        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, (bytes, bytearray)):
                value = value.decode("utf-8")
            if not isinstance(value, str):
                return value
            return deserializer(value)

        return process

    class _NullMarker:
        def __repr__(self) -> str:
            return "JSON.NULL"

    #: Store a JSON ``null`` even when ``none_as_null=True``.
    NULL: Any = _NullMarker()


class Enum(String):
    """An enumerated string; accepts a Python ``enum.Enum`` class or string values.

    With an enum class, Python values are members and the database stores their *names* (as
    SQLAlchemy does); ``values_callable`` chooses what is stored instead. ``native_enum=True``
    uses the backend's ENUM type where it has one (PostgreSQL ``CREATE TYPE``, MySQL ``ENUM``);
    elsewhere a VARCHAR as long as the longest value.
    """

    __visit_name__ = "enum"
    _is_generic = True

    def __init__(self, *enums: Any, **kw: Any) -> None:
        self.enum_class: type[enum.Enum] | None = None
        if len(enums) == 1 and isinstance(enums[0], type) and issubclass(enums[0], enum.Enum):
            self.enum_class = enums[0]
            members = list(self.enum_class)
            values_callable = kw.pop("values_callable", None)
            stored = values_callable(self.enum_class) if values_callable else [m.name for m in members]
            self.enums = list(stored)
            self._object_lookup = dict(zip(self.enums, members))
            self._valid_lookup: dict[Any, str] = dict(zip(members, self.enums))
            for s in self.enums:
                self._valid_lookup.setdefault(s, s)  # type: ignore[call-overload]
        else:
            self.enums = list(enums)
            self._object_lookup = {e: e for e in self.enums}
            self._valid_lookup = {e: e for e in self.enums}
        self.name = kw.pop("name", None) or (
            self.enum_class.__name__.lower() if self.enum_class else None
        )
        self.native_enum = kw.pop("native_enum", True)
        self.create_constraint = kw.pop("create_constraint", False)
        self.validate_strings = kw.pop("validate_strings", False)
        self.schema = kw.pop("schema", None)
        self.inherit_schema = kw.pop("inherit_schema", False)
        length = kw.pop("length", None)
        self.length = length if length is not None else max((len(e) for e in self.enums), default=1)
        self.collation = None
        if kw:
            raise exc.ArgumentError(f"Unknown arguments passed to Enum: {', '.join(kw)}")

    @property
    def python_type(self) -> type:
        return self.enum_class or str

    def bind_processor(self, dialect: Any) -> Processor:
        lookup = self._valid_lookup
        validate = self.validate_strings or self.enum_class is not None
        enums = self.enums

        def process(value: Any) -> Any:
            if value is None:
                return None
            try:
                return lookup[value]
            except (KeyError, TypeError):
                if not validate:
                    return value
                raise exc.ArgumentError(
                    f"{value!r} is not among the defined enum values. Enum name: {self.name}. "
                    f"Possible values: {', '.join(enums[:10])}"
                ) from None

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        if self.enum_class is None:
            return None
        lookup = self._object_lookup

        def process(value: Any) -> Any:
            if value is None:
                return None
            try:
                return lookup[value]
            except KeyError:
                raise LookupError(
                    f"{value!r} is not among the defined enum values of {self.enum_class!r}"
                ) from None

        return process

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        render = dialect.literal_renderer.render_string
        lookup = self._valid_lookup
        return lambda v: render(lookup.get(v, v))

    @property
    def _static_cache_key(self) -> Any:
        return (type(self), tuple(self.enums), self.name, self.native_enum, self.enum_class)

    def adapt(self, cls: type[TypeEngine], **kw: Any) -> TypeEngine:
        obj = super().adapt(cls, **kw)
        return obj


class Uuid(TypeEngine):
    """A UUID; Python ``uuid.UUID`` in and out on every backend.

    Native ``UUID`` on PostgreSQL; ``CHAR(32)`` hex elsewhere. ``as_uuid=False`` uses strings.
    """

    __visit_name__ = "uuid"
    _is_generic = True

    def __init__(self, as_uuid: bool = True, native_uuid: bool = True) -> None:
        self.as_uuid = as_uuid
        self.native_uuid = native_uuid

    @property
    def python_type(self) -> type:
        import uuid  # (module uuid imports platform: loaded when a UUID is actually handled)

        return uuid.UUID

    def _native(self, dialect: Any) -> bool:
        return self.native_uuid and getattr(dialect, "supports_native_uuid", False)

    def bind_processor(self, dialect: Any) -> Processor:
        import uuid as _uuid

        native = self._native(dialect)

        def process(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, _uuid.UUID):
                value = _uuid.UUID(str(value))
            return str(value) if native else value.hex

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        import uuid as _uuid

        if self.as_uuid:
            def process(value: Any) -> Any:
                if value is None or isinstance(value, _uuid.UUID):
                    return value
                return _uuid.UUID(str(value))
        else:
            def process(value: Any) -> Any:
                if value is None:
                    return None
                return str(value if isinstance(value, _uuid.UUID) else _uuid.UUID(str(value)))

        return process

    def literal_processor(self, dialect: Any) -> Callable[[Any], str]:
        import uuid as _uuid

        native = self._native(dialect)
        return lambda v: f"'{str(v) if native else _uuid.UUID(str(v)).hex}'"


class ARRAY(TypeEngine):
    """An array of ``item_type`` (PostgreSQL). Python lists in and out; ``col[i]`` indexes."""

    __visit_name__ = "ARRAY"
    python_type_ = list
    _is_generic = True

    def __init__(
        self,
        item_type: Any,
        as_tuple: bool = False,
        dimensions: int | None = None,
        zero_indexes: bool = False,
    ) -> None:
        self.item_type = to_instance(item_type)
        self.as_tuple = as_tuple
        self.dimensions = dimensions
        self.zero_indexes = zero_indexes

    def bind_processor(self, dialect: Any) -> Processor:
        item_proc = self.item_type.dialect_impl(dialect).bind_processor(dialect)
        if item_proc is None:
            return None

        def process(value: Any) -> Any:
            if value is None:
                return None
            return [process(v) if isinstance(v, (list, tuple)) else item_proc(v) for v in value]

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        item_proc = self.item_type.dialect_impl(dialect).result_processor(dialect, coltype)
        as_tuple = self.as_tuple
        if item_proc is None and not as_tuple:
            return None

        def process(value: Any) -> Any:
            if value is None:
                return None
            out = [
                process(v) if isinstance(v, list) else (item_proc(v) if item_proc else v)
                for v in value
            ]
            return tuple(out) if as_tuple else out

        return process

    @property
    def _static_cache_key(self) -> Any:
        return (type(self), self.item_type._static_cache_key, self.as_tuple, self.dimensions)


class TypeDecorator(TypeEngine):
    """Build a user type on top of an existing one.

    Set ``impl`` to the underlying type (class or instance) and override
    :meth:`process_bind_param` / :meth:`process_result_value`; set ``cache_ok = True`` when the
    type's constructor arguments fully describe its behaviour (it takes part in statement caching).
    """

    __visit_name__ = "type_decorator"
    impl: Any = TypeEngine
    cache_ok: bool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        impl_cls = self.__class__.impl
        self.impl = impl_cls(*args, **kwargs) if isinstance(impl_cls, type) else impl_cls

    @property
    def _type_affinity(self) -> type[TypeEngine]:
        return self.impl._type_affinity

    @property
    def python_type(self) -> type:
        return self.impl.python_type

    def load_dialect_impl(self, dialect: Any) -> TypeEngine:
        """Return the underlying type to use for ``dialect`` (override to vary it)."""
        return self.impl

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        """Convert a Python value before the underlying type binds it."""
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        """Convert a value after the underlying type has read it."""
        return value

    def process_literal_param(self, value: Any, dialect: Any) -> Any:
        return self.process_bind_param(value, dialect)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine:
        return self

    def _coerce_compared_value(self, op: Any, value: Any) -> TypeEngine:
        return self.coerce_compared_value(op, value)

    def _underlying(self, dialect: Any) -> TypeEngine:
        return self.load_dialect_impl(dialect).dialect_impl(dialect)

    def _overrides(self, name: str) -> bool:
        return getattr(type(self), name) is not getattr(TypeDecorator, name)

    def bind_processor(self, dialect: Any) -> Processor:
        inner = self._underlying(dialect).bind_processor(dialect)
        if not self._overrides("process_bind_param"):
            return inner
        fn = self.process_bind_param
        if inner is None:
            return lambda value: fn(value, dialect)
        return lambda value: inner(fn(value, dialect))

    def result_processor(self, dialect: Any, coltype: Any) -> Processor:
        inner = self._underlying(dialect).result_processor(dialect, coltype)
        if not self._overrides("process_result_value"):
            return inner
        fn = self.process_result_value
        if inner is None:
            return lambda value: fn(value, dialect)
        return lambda value: fn(inner(value), dialect)

    def literal_processor(self, dialect: Any) -> Callable[[Any], str] | None:
        inner = self._underlying(dialect).literal_processor(dialect)
        if inner is None:
            return None
        fn = self.process_literal_param
        return lambda value: inner(fn(value, dialect))

    def _adapt_for(self, dialect: Any) -> TypeEngine:
        return self

    @property
    def _static_cache_key(self) -> Any:
        if not self.cache_ok:
            return (type(self), id(self))
        return (type(self), super()._static_cache_key)

    def __getattr__(self, key: str) -> Any:
        # delegate unknown attributes (length, timezone ...) to the underlying type
        if key == "impl" or key.startswith("__"):
            raise AttributeError(key)
        return getattr(self.impl, key)


def type_affinity_of(value: Any) -> TypeEngine:
    """The type sqlweave gives a plain Python literal."""
    impl = _PY_TYPES.get(type(value))
    if impl is not None:
        return impl
    if _UUID_PENDING and "uuid" in sys.modules:
        _add_uuid_type()
        impl = _PY_TYPES.get(type(value))
        if impl is not None:
            return impl
    for pytype, sqltype in _PY_TYPES.items():
        if isinstance(value, pytype):
            return sqltype
    return NULLTYPE


NULLTYPE = NullType()
BOOLEANTYPE = Boolean()
STRINGTYPE = String()
INTEGERTYPE = Integer()

_PY_TYPES: dict[type, TypeEngine] = {
    bool: BOOLEANTYPE,
    int: INTEGERTYPE,
    float: Float(),
    str: STRINGTYPE,
    decimal.Decimal: Numeric(),
    dt.datetime: DateTime(),
    dt.date: Date(),
    dt.time: Time(),
    dt.timedelta: Interval(),
    bytes: LargeBinary(),
    dict: JSON(),
    list: NULLTYPE,
}

# uuid.UUID joins the table once module uuid is loaded (no UUID value exists before that), so
# importing sqlweave does not import uuid (and platform) itself.
_UUID_PENDING = True


def _add_uuid_type() -> None:
    global _UUID_PENDING
    _PY_TYPES[sys.modules["uuid"].UUID] = Uuid()
    _UUID_PENDING = False


# ---------------------------------------------------------------------------------------------
# SQL-standard uppercase types: render exactly their name
# ---------------------------------------------------------------------------------------------


class INTEGER(Integer):
    __visit_name__ = "INTEGER"


INT = INTEGER


class SMALLINT(SmallInteger):
    __visit_name__ = "SMALLINT"


class BIGINT(BigInteger):
    __visit_name__ = "BIGINT"


class NUMERIC(Numeric):
    __visit_name__ = "NUMERIC"


class DECIMAL(Numeric):
    __visit_name__ = "DECIMAL"


class FLOAT(Float):
    __visit_name__ = "FLOAT"


class DOUBLE(Double):
    __visit_name__ = "DOUBLE"


class DOUBLE_PRECISION(Double):
    __visit_name__ = "DOUBLE_PRECISION"


class VARCHAR(String):
    __visit_name__ = "VARCHAR"


class NVARCHAR(Unicode):
    __visit_name__ = "NVARCHAR"


class CHAR(String):
    __visit_name__ = "CHAR"


class NCHAR(Unicode):
    __visit_name__ = "NCHAR"


class TEXT(Text):
    __visit_name__ = "TEXT"


class CLOB(Text):
    __visit_name__ = "CLOB"


class BOOLEAN(Boolean):
    __visit_name__ = "BOOLEAN"


class DATE(Date):
    __visit_name__ = "DATE"


class TIME(Time):
    __visit_name__ = "TIME"


class DATETIME(DateTime):
    __visit_name__ = "DATETIME"


class TIMESTAMP(DateTime):
    __visit_name__ = "TIMESTAMP"


class BLOB(LargeBinary):
    __visit_name__ = "BLOB"


class BINARY(_Binary):
    __visit_name__ = "BINARY"


class VARBINARY(_Binary):
    __visit_name__ = "VARBINARY"


class UUID(Uuid):
    __visit_name__ = "UUID"


__all__ = [
    "ARRAY", "BIGINT", "BINARY", "BLOB", "BOOLEAN", "BigInteger", "Boolean", "CHAR", "CLOB",
    "DATE", "DATETIME", "DECIMAL", "DOUBLE", "DOUBLE_PRECISION", "Date", "DateTime", "Double",
    "Enum", "FLOAT", "Float", "INT", "INTEGER", "Integer", "Interval", "JSON", "LargeBinary",
    "NCHAR", "NUMERIC", "NVARCHAR", "NullType", "Numeric", "REAL", "SMALLINT", "SmallInteger",
    "String", "TEXT", "TIME", "TIMESTAMP", "Text", "Time", "TypeDecorator", "TypeEngine", "UUID",
    "Unicode", "UnicodeText", "Uuid", "VARBINARY", "VARCHAR", "Sequence",
]
__all__.remove("Sequence")
