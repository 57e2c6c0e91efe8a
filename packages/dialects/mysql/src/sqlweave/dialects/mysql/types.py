"""MySQL/MariaDB types: the integer family with UNSIGNED/ZEROFILL, the TEXT and BLOB sizes,
ENUM and SET, fractional-second DATETIME/TIMESTAMP/TIME, YEAR and BIT.

Each class subclasses the generic sqlweave type it behaves like, so ``_type_affinity`` (used by
reflection comparisons and expression typing) stays the generic one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes

# -- numeric ---------------------------------------------------------------------------------------


class _IntegerMixin:
    """``display_width``, ``unsigned`` and ``zerofill`` for the integer family."""

    def __init__(self, display_width: int | None = None, unsigned: bool = False, zerofill: bool = False) -> None:
        self.display_width = display_width
        self.unsigned = unsigned
        self.zerofill = zerofill


class TINYINT(_IntegerMixin, sqltypes.Integer):
    """``TINYINT`` (1 byte). ``TINYINT(1)`` is how MySQL spells BOOL; sqlweave reflects that as
    :class:`BOOLEAN`."""

    __visit_name__ = "TINYINT"


class SMALLINT(_IntegerMixin, sqltypes.SmallInteger):
    """``SMALLINT`` (2 bytes)."""

    __visit_name__ = "SMALLINT"


class MEDIUMINT(_IntegerMixin, sqltypes.Integer):
    """``MEDIUMINT`` (3 bytes)."""

    __visit_name__ = "MEDIUMINT"


class INTEGER(_IntegerMixin, sqltypes.Integer):
    """``INTEGER`` (4 bytes)."""

    __visit_name__ = "INTEGER"


INT = INTEGER


class BIGINT(_IntegerMixin, sqltypes.BigInteger):
    """``BIGINT`` (8 bytes)."""

    __visit_name__ = "BIGINT"


class BOOLEAN(sqltypes.Boolean):
    """``BOOL`` (a ``TINYINT(1)``); Python ``bool`` in and out."""

    __visit_name__ = "BOOLEAN"


class _NumericMixin:
    unsigned = False
    zerofill = False


class DECIMAL(_NumericMixin, sqltypes.Numeric):
    """``DECIMAL(precision, scale) [UNSIGNED]``; Python ``Decimal``."""

    __visit_name__ = "DECIMAL"

    def __init__(self, precision: int | None = None, scale: int | None = None, asdecimal: bool = True,
                 unsigned: bool = False, zerofill: bool = False, **kw: Any) -> None:
        super().__init__(precision, scale, asdecimal=asdecimal, **kw)
        self.unsigned = unsigned
        self.zerofill = zerofill


NUMERIC = DECIMAL


class FLOAT(_NumericMixin, sqltypes.Float):
    """``FLOAT`` (single precision)."""

    __visit_name__ = "FLOAT"

    def __init__(self, precision: int | None = None, asdecimal: bool = False, unsigned: bool = False, **kw: Any) -> None:
        super().__init__(precision, asdecimal=asdecimal, **kw)
        self.unsigned = unsigned


class DOUBLE(_NumericMixin, sqltypes.Double):
    """``DOUBLE`` (double precision)."""

    __visit_name__ = "DOUBLE"

    def __init__(self, precision: int | None = None, asdecimal: bool = False, unsigned: bool = False, **kw: Any) -> None:
        super().__init__(precision, asdecimal=asdecimal, **kw)
        self.unsigned = unsigned


REAL = DOUBLE


class BIT(sqltypes.TypeEngine):
    """``BIT(length)``; read back as an ``int``."""

    __visit_name__ = "BIT"
    python_type_ = int

    def __init__(self, length: int | None = None) -> None:
        self.length = length

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if isinstance(value, (bytes, bytearray)):
                return int.from_bytes(value, "big")
            return value

        return process


class YEAR(sqltypes.TypeEngine):
    """``YEAR``; Python ``int``."""

    __visit_name__ = "YEAR"
    python_type_ = int

    def __init__(self, display_width: int | None = None) -> None:
        self.display_width = display_width


# -- strings ---------------------------------------------------------------------------------------


class VARCHAR(sqltypes.String):
    """``VARCHAR(length)``: the length is required by MySQL."""

    __visit_name__ = "VARCHAR"


class CHAR(sqltypes.String):
    """``CHAR(length)``."""

    __visit_name__ = "CHAR"


class TEXT(sqltypes.Text):
    """``TEXT`` (up to 64 KiB); ``TEXT(n)`` lets the server pick the smallest fitting type."""

    __visit_name__ = "TEXT"


class TINYTEXT(sqltypes.Text):
    """``TINYTEXT`` (up to 255 bytes)."""

    __visit_name__ = "TINYTEXT"


class MEDIUMTEXT(sqltypes.Text):
    """``MEDIUMTEXT`` (up to 16 MiB)."""

    __visit_name__ = "MEDIUMTEXT"


class LONGTEXT(sqltypes.Text):
    """``LONGTEXT`` (up to 4 GiB)."""

    __visit_name__ = "LONGTEXT"


class ENUM(sqltypes.Enum):
    """A native ``ENUM('a', 'b')`` column; same arguments as :class:`sqlweave.core.Enum`."""

    __visit_name__ = "ENUM"


class SET(sqltypes.String):
    """``SET('a', 'b', ...)``: Python ``set`` of strings in and out (stored comma-separated)."""

    __visit_name__ = "SET"
    python_type_ = set  # type: ignore[assignment]

    def __init__(self, *values: str, **kw: Any) -> None:
        if not values:
            raise exc.ArgumentError("SET needs at least one value")
        for v in values:
            if "," in v:
                raise exc.ArgumentError(f"SET values can't contain a comma: {v!r}")
        self.values = tuple(values)
        super().__init__(length=max(len(v) for v in values), **kw)

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, str):
                return value
            return ",".join(sorted(value, key=self.values.index) if all(v in self.values for v in value) else value)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, (set, frozenset)):
                return set(value)
            return set(value.split(",")) if value else set()

        return process


# -- binary ----------------------------------------------------------------------------------------


class BLOB(sqltypes.LargeBinary):
    """``BLOB`` (up to 64 KiB)."""

    __visit_name__ = "BLOB"


class TINYBLOB(sqltypes.LargeBinary):
    """``TINYBLOB`` (up to 255 bytes)."""

    __visit_name__ = "TINYBLOB"


class MEDIUMBLOB(sqltypes.LargeBinary):
    """``MEDIUMBLOB`` (up to 16 MiB)."""

    __visit_name__ = "MEDIUMBLOB"


class LONGBLOB(sqltypes.LargeBinary):
    """``LONGBLOB`` (up to 4 GiB)."""

    __visit_name__ = "LONGBLOB"


BINARY = sqltypes.BINARY
VARBINARY = sqltypes.VARBINARY


# -- date and time ---------------------------------------------------------------------------------


class DATETIME(sqltypes.DateTime):
    """``DATETIME(fsp)``: ``fsp`` fractional-second digits (0-6). Generic ``DateTime`` uses 6."""

    __visit_name__ = "DATETIME"

    def __init__(self, timezone: bool = False, fsp: int | None = None) -> None:
        super().__init__(timezone=timezone)
        self.fsp = fsp


class TIMESTAMP(sqltypes.DateTime):
    """``TIMESTAMP(fsp)``: stored in UTC and shown in the session time zone by the server."""

    __visit_name__ = "TIMESTAMP"

    def __init__(self, timezone: bool = False, fsp: int | None = None) -> None:
        super().__init__(timezone=timezone)
        self.fsp = fsp


class TIME(sqltypes.Time):
    """``TIME(fsp)``; Python ``time`` (the driver's ``timedelta`` is converted)."""

    __visit_name__ = "TIME"

    def __init__(self, timezone: bool = False, fsp: int | None = None) -> None:
        super().__init__(timezone=timezone)
        self.fsp = fsp


DATE = sqltypes.DATE


class JSON(sqltypes.JSON):
    """``JSON``: native on MySQL; on MariaDB an alias of ``LONGTEXT`` with a ``JSON_VALID`` check."""

    __visit_name__ = "JSON"


# -- driver value adapters (used through the dialect's colspecs) ------------------------------------


class _MyDateTime(sqltypes.DateTime):
    """Naive datetimes pass through. ``timezone=True``: aware values are converted to UTC before
    they are stored (DATETIME keeps no offset) and come back as aware UTC datetimes."""

    def bind_processor(self, dialect: Any) -> Any:
        if not self.timezone:
            return None

        def process(value: Any) -> Any:
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return value

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if not self.timezone:
            return None

        def process(value: Any) -> Any:
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                return value.replace(tzinfo=dt.timezone.utc)
            return value

        return process


class _MyTime(sqltypes.Time):
    """pymysql reads TIME as ``timedelta`` (TIME spans -838:59:59..838:59:59); values within a
    day become ``datetime.time``, others stay ``timedelta``."""

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if isinstance(value, dt.timedelta):
                if dt.timedelta(0) <= value < dt.timedelta(days=1):
                    micro = value.microseconds
                    secs = value.seconds
                    return dt.time(secs // 3600, secs % 3600 // 60, secs % 60, micro)
                return value
            return value

        return process


__all__ = [
    "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL", "DOUBLE",
    "ENUM", "FLOAT", "INT", "INTEGER", "JSON", "LONGBLOB", "LONGTEXT", "MEDIUMBLOB", "MEDIUMINT",
    "MEDIUMTEXT", "NUMERIC", "REAL", "SET", "SMALLINT", "TEXT", "TIME", "TIMESTAMP", "TINYBLOB",
    "TINYINT", "TINYTEXT", "VARBINARY", "VARCHAR", "YEAR",
]
