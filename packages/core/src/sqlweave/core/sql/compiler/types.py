"""Type names in DDL and CAST (``TypeCompiler``); dialects override the visits that differ."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc


class GenericTypeCompiler:
    """Renders a type's SQL name: ``process(Integer())`` → ``INTEGER``."""

    _dispatch: dict[str, Any] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._dispatch = {}

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect

    def process(self, type_: Any, **kw: Any) -> str:
        name = type_.__visit_name__
        table = type(self)._dispatch
        meth = table.get(name)
        if meth is None:
            meth = getattr(type(self), "visit_" + name, None)
            if meth is None:
                raise exc.UnsupportedCompilationError(type_, self.dialect.name, f"type {type(type_).__name__}")
            table[name] = meth
        return meth(self, type_, **kw)  # type: ignore[no-any-return]

    # generic names → the SQL-standard uppercase types
    def visit_integer(self, t: Any, **kw: Any) -> str:
        return self.visit_INTEGER(t, **kw)

    def visit_small_integer(self, t: Any, **kw: Any) -> str:
        return self.visit_SMALLINT(t, **kw)

    def visit_big_integer(self, t: Any, **kw: Any) -> str:
        return self.visit_BIGINT(t, **kw)

    def visit_numeric(self, t: Any, **kw: Any) -> str:
        return self.visit_NUMERIC(t, **kw)

    def visit_float(self, t: Any, **kw: Any) -> str:
        return self.visit_FLOAT(t, **kw)

    def visit_double(self, t: Any, **kw: Any) -> str:
        return self.visit_DOUBLE(t, **kw)

    def visit_string(self, t: Any, **kw: Any) -> str:
        return self.visit_VARCHAR(t, **kw)

    def visit_unicode(self, t: Any, **kw: Any) -> str:
        return self.visit_VARCHAR(t, **kw)

    def visit_text(self, t: Any, **kw: Any) -> str:
        return self.visit_TEXT(t, **kw)

    def visit_unicode_text(self, t: Any, **kw: Any) -> str:
        return self.visit_TEXT(t, **kw)

    def visit_boolean(self, t: Any, **kw: Any) -> str:
        return self.visit_BOOLEAN(t, **kw)

    def visit_date(self, t: Any, **kw: Any) -> str:
        return self.visit_DATE(t, **kw)

    def visit_time(self, t: Any, **kw: Any) -> str:
        return self.visit_TIME(t, **kw)

    def visit_datetime(self, t: Any, **kw: Any) -> str:
        return self.visit_DATETIME(t, **kw)

    def visit_interval(self, t: Any, **kw: Any) -> str:
        return self.visit_DATETIME(t, **kw)

    def visit_large_binary(self, t: Any, **kw: Any) -> str:
        return self.visit_BLOB(t, **kw)

    def visit_enum(self, t: Any, **kw: Any) -> str:
        return self.visit_VARCHAR(t, **kw)

    def visit_uuid(self, t: Any, **kw: Any) -> str:
        if t.native_uuid and self.dialect.supports_native_uuid:
            return self.visit_UUID(t, **kw)
        return "CHAR(32)"

    def visit_null(self, t: Any, **kw: Any) -> str:
        raise exc.CompileError(
            "Can't generate DDL for a column of NullType; did you forget to give the Column a type?"
        )

    def visit_type_decorator(self, t: Any, **kw: Any) -> str:
        return self.process(t.load_dialect_impl(self.dialect), **kw)

    def visit_json_path(self, t: Any, **kw: Any) -> str:
        return "TEXT"

    # the SQL-standard names
    def visit_INTEGER(self, t: Any, **kw: Any) -> str:
        return "INTEGER"

    def visit_SMALLINT(self, t: Any, **kw: Any) -> str:
        return "SMALLINT"

    def visit_BIGINT(self, t: Any, **kw: Any) -> str:
        return "BIGINT"

    def visit_NUMERIC(self, t: Any, **kw: Any) -> str:
        if t.precision is None:
            return "NUMERIC"
        if t.scale is None:
            return f"NUMERIC({int(t.precision)})"
        return f"NUMERIC({int(t.precision)}, {int(t.scale)})"

    def visit_DECIMAL(self, t: Any, **kw: Any) -> str:
        return "DECIMAL" + self.visit_NUMERIC(t)[len("NUMERIC"):]

    def visit_FLOAT(self, t: Any, **kw: Any) -> str:
        return "FLOAT" if t.precision is None else f"FLOAT({int(t.precision)})"

    def visit_REAL(self, t: Any, **kw: Any) -> str:
        return "REAL"

    def visit_DOUBLE(self, t: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_DOUBLE_PRECISION(self, t: Any, **kw: Any) -> str:
        return "DOUBLE PRECISION"

    def _len(self, name: str, t: Any) -> str:
        text = name if t.length is None else f"{name}({int(t.length)})"
        if getattr(t, "collation", None):
            text += f" COLLATE {self.dialect.identifier_preparer.quote(t.collation)}"
        return text

    def visit_VARCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("VARCHAR", t)

    def visit_NVARCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("NVARCHAR", t)

    def visit_CHAR(self, t: Any, **kw: Any) -> str:
        return self._len("CHAR", t)

    def visit_NCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("NCHAR", t)

    def visit_TEXT(self, t: Any, **kw: Any) -> str:
        return self._len("TEXT", t)

    def visit_CLOB(self, t: Any, **kw: Any) -> str:
        return "CLOB"

    def visit_BOOLEAN(self, t: Any, **kw: Any) -> str:
        return "BOOLEAN"

    def visit_DATE(self, t: Any, **kw: Any) -> str:
        return "DATE"

    def visit_TIME(self, t: Any, **kw: Any) -> str:
        return "TIME"

    def visit_DATETIME(self, t: Any, **kw: Any) -> str:
        return "DATETIME"

    def visit_TIMESTAMP(self, t: Any, **kw: Any) -> str:
        return "TIMESTAMP"

    def visit_BLOB(self, t: Any, **kw: Any) -> str:
        return "BLOB"

    def visit_BINARY(self, t: Any, **kw: Any) -> str:
        return "BINARY" if t.length is None else f"BINARY({int(t.length)})"

    def visit_VARBINARY(self, t: Any, **kw: Any) -> str:
        return "VARBINARY" if t.length is None else f"VARBINARY({int(t.length)})"

    def visit_JSON(self, t: Any, **kw: Any) -> str:
        return "JSON"

    def visit_UUID(self, t: Any, **kw: Any) -> str:
        return "UUID"

    def visit_ARRAY(self, t: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(t, self.dialect.name, "ARRAY (PostgreSQL only)")
