"""PostgreSQL-specific types: ENUM (a named type with its own CREATE TYPE), JSONB, INTERVAL,
UUID, BYTEA, INET/CIDR, TSVECTOR, and the timestamp spellings.

``ARRAY`` is the generic :class:`sqlweave.core.types.ARRAY`, re-exported here.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import types as sqltypes
from sqlweave.core.types import ARRAY

__all__ = [
    "ARRAY", "BYTEA", "CIDR", "DOUBLE_PRECISION", "ENUM", "INET", "INTERVAL", "JSON", "JSONB",
    "TIMESTAMP", "TSVECTOR", "UUID", "enum_types_of",
]


class JSON(sqltypes.JSON):
    """PostgreSQL ``JSON`` (textual; keeps key order and duplicates)."""


class JSONB(sqltypes.JSON):
    """PostgreSQL ``JSONB`` (binary, indexable); same Python behaviour as ``JSON``."""

    __visit_name__ = "JSONB"


class INTERVAL(sqltypes.Interval):
    """``INTERVAL [fields] [(precision)]``; Python ``timedelta``."""

    __visit_name__ = "INTERVAL"

    def __init__(self, precision: int | None = None, fields: str | None = None) -> None:
        super().__init__(native=True, second_precision=precision)
        self.precision = precision
        self.fields = fields


class TIMESTAMP(sqltypes.TIMESTAMP):
    """``TIMESTAMP [(precision)] WITH[OUT] TIME ZONE``."""

    def __init__(self, timezone: bool = False, precision: int | None = None) -> None:
        super().__init__(timezone=timezone)
        self.precision = precision


class UUID(sqltypes.UUID):
    """Native ``UUID``; ``uuid.UUID`` in and out (``as_uuid=False`` for strings)."""


class BYTEA(sqltypes.LargeBinary):
    """``BYTEA``; Python ``bytes``."""

    __visit_name__ = "BYTEA"


class DOUBLE_PRECISION(sqltypes.DOUBLE_PRECISION):
    """``DOUBLE PRECISION``."""


class INET(sqltypes.TypeEngine):
    """``INET`` (host address); strings in and out."""

    __visit_name__ = "INET"
    python_type_ = str


class CIDR(sqltypes.TypeEngine):
    """``CIDR`` (network address); strings in and out."""

    __visit_name__ = "CIDR"
    python_type_ = str


class TSVECTOR(sqltypes.TypeEngine):
    """``TSVECTOR`` (full-text search document); strings in and out."""

    __visit_name__ = "TSVECTOR"
    python_type_ = str


class ENUM(sqltypes.Enum):
    """A PostgreSQL ENUM: ``CREATE TYPE name AS ENUM (...)``.

    Created before the tables that use it and dropped after the last of them (by ``create_all`` /
    ``drop_all`` / ``Table.create`` / ``Table.drop``), or explicitly with :meth:`create` /
    :meth:`drop`. ``create_type=False`` leaves the type's lifecycle to the application.
    """

    def __init__(self, *enums: Any, **kw: Any) -> None:
        self.create_type = kw.pop("create_type", True)
        super().__init__(*enums, **kw)

    def create(self, bind: Any, checkfirst: bool = True) -> None:
        """``CREATE TYPE`` (skipped when it exists and ``checkfirst``)."""
        with _connection(bind) as conn:
            conn.dialect._create_enum(conn, self, checkfirst)

    def drop(self, bind: Any, checkfirst: bool = True) -> None:
        """``DROP TYPE`` (skipped when missing and ``checkfirst``)."""
        with _connection(bind) as conn:
            conn.dialect._drop_enum(conn, self, checkfirst)


class _connection:
    """A connection from an Engine (committed on exit) or the given Connection as is."""

    def __init__(self, bind: Any) -> None:
        self.bind = bind
        self.ctx: Any = None

    def __enter__(self) -> Any:
        if hasattr(self.bind, "exec_driver_sql"):
            return self.bind
        self.ctx = self.bind.begin()
        return self.ctx.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        if self.ctx is not None:
            self.ctx.__exit__(*exc_info)


def enum_types_of(type_: Any) -> list[sqltypes.Enum]:
    """The named native Enums inside ``type_`` (itself, an ARRAY's item, a TypeDecorator's impl)."""
    if isinstance(type_, sqltypes.TypeDecorator):
        return enum_types_of(type_.impl)
    if isinstance(type_, ARRAY):
        return enum_types_of(type_.item_type)
    if isinstance(type_, sqltypes.Enum) and type_.native_enum and type_.name:
        if getattr(type_, "create_type", True):
            return [type_]
    return []
