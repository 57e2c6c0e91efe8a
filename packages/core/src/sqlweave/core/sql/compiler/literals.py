"""Rendering Python values as SQL literals: the single place that does it.

Used only where the user asks for inline values (``literal_binds``, DDL defaults); execution
always sends values as bound parameters. A dialect subclasses :class:`LiteralRenderer` to change
string escaping (MySQL's backslashes) and date/time spellings.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlweave.core import exc


class LiteralRenderer:
    """Renders literals for one dialect."""

    #: True where the database treats backslash as an escape inside string literals (MySQL)
    backslash_escapes = False

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect

    def render_string(self, value: Any) -> str:
        """A quoted string literal with quotes doubled (and backslashes where needed)."""
        if not isinstance(value, str):
            value = str(value)
        if "\x00" in value:
            raise exc.CompileError("a string containing NUL can't be rendered as a SQL literal; bind it instead")
        if self.backslash_escapes:
            value = value.replace("\\", "\\\\")
        return "'" + value.replace("'", "''") + "'"

    def render_value(self, value: Any, type_: Any = None) -> str:
        """Render ``value`` using ``type_``'s literal processor where it has one."""
        if value is None:
            return "NULL"
        if type_ is not None and not type_._is_null_type:
            proc = type_.dialect_impl(self.dialect).literal_processor(self.dialect)
            if proc is not None:
                return str(proc(value))
        if isinstance(value, bool):
            return ("true" if value else "false") if self.dialect.supports_native_boolean else ("1" if value else "0")
        if isinstance(value, (int, float, decimal.Decimal)):
            return str(value)
        if isinstance(value, str):
            return self.render_string(value)
        if isinstance(value, dt.datetime):
            return self.render_string(value.isoformat(sep=" "))
        if isinstance(value, (dt.date, dt.time)):
            return self.render_string(value.isoformat())
        if isinstance(value, uuid.UUID):
            return self.render_string(str(value))
        raise exc.CompileError(f"Don't know how to render literal SQL value: {value!r}")
