"""SQLite dialect: compiler, DDL and type differences, capabilities by server version."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.engine.default import DefaultDialect
from sqlweave.core.sql import operators
from sqlweave.core.sql.compiler import SQLCompiler
from sqlweave.core.sql.compiler.ddl import DDLCompiler
from sqlweave.core.sql.compiler.quoting import IdentifierPreparer
from sqlweave.core.sql.compiler.types import GenericTypeCompiler
from sqlweave.core.sql.upsert import OnConflictCompilerMixin

# -- types ---------------------------------------------------------------------------------------


class _SQLiteDateTime(sqltypes.DateTime):
    """Stored as ISO-8601 text (``2024-01-31 12:00:00.000000``), read back as ``datetime``."""

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dt.datetime):
                return value.isoformat(sep=" ", timespec="microseconds")
            if isinstance(value, dt.date):
                return dt.datetime(value.year, value.month, value.day).isoformat(sep=" ", timespec="microseconds")
            raise TypeError(f"SQLite DateTime type only accepts Python datetime objects as input, got {value!r}")

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, dt.datetime):
                return value
            return dt.datetime.fromisoformat(value)

        return process


class _SQLiteDate(sqltypes.Date):
    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, dt.date):
                return value.isoformat()
            raise TypeError(f"SQLite Date type only accepts Python date objects as input, got {value!r}")

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(value[:10])

        return process


class _SQLiteTime(sqltypes.Time):
    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dt.time):
                return value.isoformat(timespec="microseconds")
            raise TypeError(f"SQLite Time type only accepts Python time objects as input, got {value!r}")

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, dt.time):
                return value
            return dt.time.fromisoformat(value)

        return process


# -- compiler ------------------------------------------------------------------------------------


class SQLiteCompiler(OnConflictCompilerMixin, SQLCompiler):
    def visit_cast(self, cast: Any, **kw: Any) -> str:
        # dates and times are stored as ISO text; CAST(.. AS DATE) would give NUMERIC affinity
        if isinstance(cast.type, (sqltypes.Date, sqltypes.DateTime, sqltypes.Time)):
            return f"CAST({self.process(cast.clause, **kw)} AS TEXT)"
        return super().visit_cast(cast, **kw)

    def visit_values(self, element: Any, asfrom: bool = False, **kw: Any) -> str:
        # SQLite has no column-name list after "(VALUES ...) AS v"
        return self.visit_values_as_union(element, asfrom=asfrom, **kw)

    def visit_true(self, element: Any, **kw: Any) -> str:
        return "1"

    def visit_false(self, element: Any, **kw: Any) -> str:
        return "0"

    def _regexp(self, binary: Any, **kw: Any) -> str:
        # REGEXP calls the regexp() function sqlweave registers on each connection
        op = " REGEXP " if binary.operator is operators.regexp_match_op else " NOT REGEXP "
        flags = (binary.modifiers or {}).get("flags")
        right = self.process(binary.right, **kw)
        if flags:
            right = f"'(?' || {self.dialect.literal_renderer.render_string(flags)} || ')' || {right}"
        return self.process(binary.left, **kw) + op + right

    def _json_getitem(self, binary: Any, **kw: Any) -> str:
        inner = f"JSON_EXTRACT({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"
        cast_as = getattr(binary, "cast_as", None)
        if cast_as is None or cast_as == "json":
            return f"JSON_QUOTE({inner})"
        if cast_as == "numeric":
            return f"CAST({inner} AS NUMERIC)"
        return inner

    def _floordiv(self, binary: Any, **kw: Any) -> str:
        return f"({self.process(binary.left, **kw)} / {self.process(binary.right, **kw)})"

    _binary_special = {
        **SQLCompiler._binary_special,
        operators.regexp_match_op: _regexp,
        operators.not_regexp_match_op: _regexp,
        operators.json_getitem_op: _json_getitem,
        operators.json_path_getitem_op: _json_getitem,
        operators.floordiv: _floordiv,
    }

    def visit_now_func(self, fn: Any, **kw: Any) -> str:
        return "CURRENT_TIMESTAMP"

    def visit_char_length_func(self, fn: Any, **kw: Any) -> str:
        return f"length({self.process(fn.clause_expr, **kw)})"

    def visit_extract(self, element: Any, **kw: Any) -> str:
        fmt = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M",
               "second": "%S", "dow": "%w", "doy": "%j", "week": "%W", "epoch": "%s"}.get(element.field)
        if fmt is None:
            raise exc.CompileError(f"SQLite can't EXTRACT {element.field!r}")
        return f"CAST(STRFTIME('{fmt}', {self.process(element.expr, **kw)}) AS INTEGER)"

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        return ""  # SQLite locks the whole database; FOR UPDATE is not part of its grammar

    def empty_insert_clause(self, table: Any) -> str:
        return " DEFAULT VALUES"

    def update_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        return " FROM " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)

    def delete_extra_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        raise exc.CompileError("SQLite does not support DELETE with extra FROM tables; use a subquery")


class SQLiteDDLCompiler(DDLCompiler):
    def get_column_specification(self, column: Any) -> str:
        table = column.table
        if table is not None and table._autoincrement_column is column and self._single_int_pk(table):
            # INTEGER PRIMARY KEY makes the column the rowid alias (server-generated)
            text = f"{self.preparer.quote(column.name)} INTEGER NOT NULL PRIMARY KEY"
            if column.dialect_kwargs.get("sqlite_autoincrement") or table.dialect_kwargs.get("sqlite_autoincrement"):
                text += " AUTOINCREMENT"
            return text
        return super().get_column_specification(column)

    def _single_int_pk(self, table: Any) -> bool:
        pk = list(table.primary_key.columns)
        return len(pk) == 1 and issubclass(pk[0].type._type_affinity, sqltypes.Integer)

    def _pk_inline(self, table: Any) -> bool:
        ai = table._autoincrement_column
        return ai is not None and self._single_int_pk(table)

    def visit_identity_column(self, identity: Any) -> str:
        return ""

    def visit_computed_column(self, computed: Any) -> str:
        text = f"GENERATED ALWAYS AS ({self._expr(computed.sqltext)})"
        if computed.persisted:
            text += " STORED"
        return text


class SQLiteTypeCompiler(GenericTypeCompiler):
    def visit_large_binary(self, t: Any, **kw: Any) -> str:
        return "BLOB"

    def visit_DATETIME(self, t: Any, **kw: Any) -> str:
        return "DATETIME"

    def visit_JSON(self, t: Any, **kw: Any) -> str:
        return "JSON"

    def visit_big_integer(self, t: Any, **kw: Any) -> str:
        return "BIGINT"


class SQLiteIdentifierPreparer(IdentifierPreparer):
    reserved_words = IdentifierPreparer.reserved_words | frozenset(
        "abort action add after attach autoincrement before begin by cascade conflict database "
        "deferred delete detach each exclusive exists explain fail glob if ignore immediate index "
        "indexed insert instead key match no of offset plan pragma query raise recursive regexp "
        "reindex release rename replace restrict row rollback savepoint set temp temporary "
        "transaction trigger update vacuum view virtual".split()
    )


class SQLiteDialect(DefaultDialect):
    """SQLite. RETURNING, upserts with RETURNING and a few functions are switched on by the
    SQLite library version found on first connect."""

    name = "sqlite"
    paramstyle = "qmark"
    statement_compiler = SQLiteCompiler
    ddl_compiler = SQLiteDDLCompiler
    type_compiler = SQLiteTypeCompiler
    preparer = SQLiteIdentifierPreparer
    colspecs = {
        sqltypes.DateTime: _SQLiteDateTime,
        sqltypes.Date: _SQLiteDate,
        sqltypes.Time: _SQLiteTime,
    }

    supports_native_boolean = False
    supports_native_decimal = False
    float_needs_coercion = False
    supports_alter = False
    supports_sequences = False
    supports_comments = False
    supports_default_keyword = False
    supports_parenthesized_compound = False
    supports_aggregate_filter = True
    supports_regexp = True
    supports_schemas = False
    supports_full_outer_join = False
    max_identifier_length = 0  # no limit
    supports_for_update = False
    default_isolation_level = "SERIALIZABLE"

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        return tuple(self.loaded_dbapi.sqlite_version_info)

    def initialize(self, connection: Any) -> None:
        super().initialize(connection)
        version = self.server_version_info or (0,)
        returning = version >= (3, 35)
        self.insert_returning = self.update_returning = self.delete_returning = returning
        self.insert_executemany_returning = returning
        self.supports_full_outer_join = version >= (3, 39)

    def get_isolation_level_values(self) -> tuple[str, ...]:
        return ("READ UNCOMMITTED", "SERIALIZABLE", "AUTOCOMMIT")

    # -- schema queries --------------------------------------------------------------------------

    def _quote_pragma(self, name: str) -> str:
        return self.identifier_preparer.quote_identifier(name)

    def has_table(self, connection: Any, table_name: str, schema: str | None = None) -> bool:
        row = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table_name,)
        ).first()
        if row is None:
            row = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name = ?", (table_name,)
            ).first()
        return row is not None

    def get_table_names(self, connection: Any, schema: str | None = None) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
        ).all()
        return [r[0] for r in rows]

    def get_view_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return [r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='view' ORDER BY name").all()]

    def get_columns(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        rows = connection.exec_driver_sql(f"PRAGMA table_xinfo({self._quote_pragma(table_name)})").all()
        pk_count = sum(1 for r in rows if r[5])
        out = []
        for _cid, name, type_, notnull, default, pk, *hidden in rows:
            if hidden and hidden[0] in (1,):
                continue
            coltype = _resolve_type(type_)
            out.append({
                "name": name,
                "type": coltype,
                "nullable": not notnull and not (pk and pk_count == 1 and isinstance(coltype, sqltypes.Integer)),
                "default": default,
                "autoincrement": bool(pk and pk_count == 1 and type_.upper() == "INTEGER"),
                "primary_key": pk,
            })
        return out

    def get_pk_constraint(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        rows = connection.exec_driver_sql(f"PRAGMA table_info({self._quote_pragma(table_name)})").all()
        pks = sorted((r[5], r[1]) for r in rows if r[5])
        return {"constrained_columns": [n for _, n in pks], "name": None}

    def get_foreign_keys(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        rows = connection.exec_driver_sql(f"PRAGMA foreign_key_list({self._quote_pragma(table_name)})").all()
        fks: dict[int, dict[str, Any]] = {}
        for id_, _seq, table, from_, to, on_update, on_delete, _match in rows:
            fk = fks.setdefault(id_, {
                "name": None, "constrained_columns": [], "referred_schema": None,
                "referred_table": table, "referred_columns": [],
                "options": {k: v for k, v in (("onupdate", on_update), ("ondelete", on_delete)) if v and v != "NO ACTION"},
            })
            fk["constrained_columns"].append(from_)
            fk["referred_columns"].append(to)
        names = self._constraint_names(connection, table_name, "FOREIGN KEY")
        for fk in fks.values():
            fk["name"] = names.get(tuple(fk["constrained_columns"]))
        return [fks[k] for k in sorted(fks)]

    def _constraint_names(self, connection: Any, table_name: str, kind: str) -> dict[tuple[str, ...], str]:
        """Names of ``CONSTRAINT name <kind> (cols)`` clauses, parsed from the table's CREATE SQL
        (SQLite's PRAGMAs don't report constraint names)."""
        row = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name = ?", (table_name,)).first()
        if row is None or not row[0]:
            return {}
        ident = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
        pattern = re.compile(rf"CONSTRAINT\s+({ident})\s+{kind}\s*\(([^)]*)\)", re.I)
        out: dict[tuple[str, ...], str] = {}
        for m in pattern.finditer(row[0]):
            cols = tuple(_unquote_ident(c.strip()) for c in m.group(2).split(","))
            out[cols] = _unquote_ident(m.group(1))
        return out

    def get_indexes(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        rows = connection.exec_driver_sql(f"PRAGMA index_list({self._quote_pragma(table_name)})").all()
        out = []
        for row in rows:
            name, unique, origin = row[1], row[2], row[3] if len(row) > 3 else "c"
            if name.startswith("sqlite_autoindex") or origin != "c":
                continue
            cols = connection.exec_driver_sql(f"PRAGMA index_info({self._quote_pragma(name)})").all()
            out.append({"name": name, "column_names": [c[2] for c in cols], "unique": bool(unique)})
        return sorted(out, key=lambda i: i["name"])

    def get_unique_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        rows = connection.exec_driver_sql(f"PRAGMA index_list({self._quote_pragma(table_name)})").all()
        out: list[dict[str, Any]] = []
        for row in rows:
            name, unique, origin = row[1], row[2], row[3] if len(row) > 3 else "c"
            if unique and origin == "u":
                cols = connection.exec_driver_sql(f"PRAGMA index_info({self._quote_pragma(name)})").all()
                out.append({"name": None, "column_names": [c[2] for c in cols]})
        if out:
            names = self._constraint_names(connection, table_name, "UNIQUE")
            for uc in out:
                uc["name"] = names.get(tuple(uc["column_names"]))
        return out

    def get_check_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        row = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name = ?", (table_name,)).first()
        if row is None or not row[0]:
            return []
        return [{"name": m.group(1), "sqltext": m.group(2)}
                for m in re.finditer(r"CONSTRAINT\s+\"?(\w+)\"?\s+CHECK\s*\((.+?)\)(?:,|\s*\n|\s*\))", row[0], re.I)]

    def get_table_comment(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        return {"text": None}

    def _get_default_schema_name(self, connection: Any) -> str:
        return "main"

    def get_schema_names(self, connection: Any) -> list[str]:
        return [r[1] for r in connection.exec_driver_sql("PRAGMA database_list").all()]


_TYPE_MAP: list[tuple[str, Any]] = [
    ("BIGINT", sqltypes.BigInteger), ("SMALLINT", sqltypes.SmallInteger), ("INT", sqltypes.Integer),
    ("CHAR", sqltypes.String), ("CLOB", sqltypes.Text), ("TEXT", sqltypes.Text),
    ("BLOB", sqltypes.LargeBinary), ("REAL", sqltypes.Float), ("FLOA", sqltypes.Float),
    ("DOUB", sqltypes.Double), ("BOOL", sqltypes.Boolean), ("DATETIME", sqltypes.DateTime),
    ("TIMESTAMP", sqltypes.DateTime), ("DATE", sqltypes.Date), ("TIME", sqltypes.Time),
    ("JSON", sqltypes.JSON), ("NUMERIC", sqltypes.Numeric), ("DECIMAL", sqltypes.Numeric),
]


def _resolve_type(type_: str) -> sqltypes.TypeEngine:
    m = re.match(r"([\w ]+)(?:\((\d+)(?:,\s*(\d+))?\))?", type_ or "")
    if not m:
        return sqltypes.NullType()
    name = m.group(1).upper().strip()
    args: list[Any] = [int(a) for a in m.groups()[1:] if a]
    if name in ("VARCHAR", "CHAR", "NVARCHAR", "NCHAR"):
        return sqltypes.String(*args[:1])
    for prefix, cls in _TYPE_MAP:
        if prefix in name:
            if cls is sqltypes.Numeric:
                return sqltypes.Numeric(*args)
            if cls is sqltypes.String:
                return sqltypes.String(*args[:1])
            return cls()  # type: ignore[no-any-return]
    return sqltypes.NullType()


def _unquote_ident(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    if len(text) >= 2 and (text[0], text[-1]) in (("`", "`"), ("[", "]")):
        return text[1:-1]
    return text
