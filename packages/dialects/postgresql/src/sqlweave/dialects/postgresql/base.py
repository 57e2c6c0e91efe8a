"""PostgreSQL dialect: compiler, DDL and type differences, capability flags, reflection.

Driver-independent; :mod:`sqlweave.dialects.postgresql.psycopg2` adds the DBAPI.
"""

from __future__ import annotations

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
from sqlweave.core.sql.ddl import DDLElement
from sqlweave.core.sql.upsert import OnConflictCompilerMixin
from sqlweave.dialects.postgresql import types as pgtypes

# -- types ---------------------------------------------------------------------------------------


class _PGArray(sqltypes.ARRAY):
    """ARRAY that parses the ``{a,b}`` string psycopg2 returns for arrays of types it doesn't
    know (ENUM arrays). The bind side gets a ``::name[]`` cast from PGCompiler.visit_bindparam."""

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        inner = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if isinstance(value, str):
                value = _parse_array(value)
            return inner(value) if inner else value

        return process


def _parse_array(text: str) -> Any:
    """Parse a one-dimensional PostgreSQL array literal ``{a,"b c",NULL}``."""
    if text == "{}":
        return []
    body = text[1:-1]
    out: list[Any] = []
    i, n = 0, len(body)
    while i <= n:
        if i < n and body[i] == '"':
            j, buf = i + 1, []
            while body[j] != '"':
                if body[j] == "\\":
                    j += 1
                buf.append(body[j])
                j += 1
            out.append("".join(buf))
            i = j + 2
        else:
            j = body.find(",", i)
            j = n if j < 0 else j
            item = body[i:j]
            out.append(None if item == "NULL" else item)
            i = j + 1
    return out


# -- compiler ------------------------------------------------------------------------------------

_JSON_CASTS = {"integer": "INTEGER", "float": "FLOAT", "boolean": "BOOLEAN"}


class PGCompiler(OnConflictCompilerMixin, SQLCompiler):
    """PostgreSQL SQL: ILIKE, ``~`` regexps, JSON operators, DISTINCT ON, FOR UPDATE variants."""

    def _ilike(self, binary: Any, **kw: Any) -> str:
        return self._like(binary, **kw)

    def _regexp(self, binary: Any, **kw: Any) -> str:
        flags = (binary.modifiers or {}).get("flags")
        negate = binary.operator is operators.not_regexp_match_op
        if flags is None or flags == "":
            op = " !~ " if negate else " ~ "
        elif flags == "i":
            op = " !~* " if negate else " ~* "
        else:
            # other flags go inline as an embedded options prefix: (?flags)pattern
            right = f"CONCAT('(?', {self.dialect.literal_renderer.render_string(flags)}, ')', {self.process(binary.right, **kw)})"
            return self.process(binary.left, **kw) + (" !~ " if negate else " ~ ") + right
        return self.process(binary.left, **kw) + op + self.process(binary.right, **kw)

    def _json_getitem(self, binary: Any, **kw: Any) -> str:
        path = binary.operator is operators.json_path_getitem_op
        cast_as = getattr(binary, "cast_as", None)
        as_text = cast_as is not None and cast_as != "json"
        if path:
            op = " #>> " if as_text else " #> "
        else:
            op = " ->> " if as_text else " -> "
        text = self.process(binary.left, **kw) + op + self.process(binary.right, **kw)
        if cast_as in _JSON_CASTS:
            return f"CAST({text} AS {_JSON_CASTS[cast_as]})"
        if cast_as == "numeric":
            return f"CAST({text} AS {self.dialect.type_compiler_instance.process(binary.type)})"
        return text

    def _mod(self, binary: Any, **kw: Any) -> str:
        return self.process(binary.left, **kw) + " % " + self.process(binary.right, **kw)

    def visit_bindparam(self, bindparam: Any, literal_binds: bool = False, **kw: Any) -> str:
        text = super().visit_bindparam(bindparam, literal_binds=literal_binds, **kw)
        t = bindparam.type
        if isinstance(t, sqltypes.ARRAY) and text.endswith("\x00") and pgtypes.enum_types_of(t):
            # psycopg2 sends a list as ARRAY['a', ...] (text[]); an enum[] column needs the cast
            text += "::" + self.dialect.type_compiler_instance.process(t)
        return text

    _binary_special = {
        **SQLCompiler._binary_special,
        operators.ilike_op: _ilike,
        operators.not_ilike_op: _ilike,
        operators.regexp_match_op: _regexp,
        operators.not_regexp_match_op: _regexp,
        operators.json_getitem_op: _json_getitem,
        operators.json_path_getitem_op: _json_getitem,
        operators.mod: _mod,
    }

    def visit_next_value(self, element: Any, **kw: Any) -> str:
        name = self.preparer.format_sequence(element.sequence)
        return f"nextval({self.dialect.literal_renderer.render_string(name)})"

    def distinct_clause(self, select: Any, **kw: Any) -> str:
        if select._distinct_on:
            return "DISTINCT ON (" + ", ".join(self.process(e, **kw) for e in select._distinct_on) + ") "
        return "DISTINCT "

    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        if select._limit is not None:
            text += " \nLIMIT " + self.process(select._limit, **kw)
        if select._offset is not None:
            text += " OFFSET " + self.process(select._offset, **kw)
        return text

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        fu = select._for_update
        if fu.read:
            text = " FOR KEY SHARE" if fu.key_share else " FOR SHARE"
        else:
            text = " FOR NO KEY UPDATE" if fu.key_share else " FOR UPDATE"
        if fu.of:
            names: list[str] = []
            for o in fu.of:
                name = self._for_update_of(o)
                if name not in names:
                    names.append(name)
            text += " OF " + ", ".join(names)
        if fu.nowait:
            text += " NOWAIT"
        if fu.skip_locked:
            text += " SKIP LOCKED"
        return text

    def _for_update_of(self, element: Any) -> str:
        # PostgreSQL names tables (never columns) after OF, without the schema
        table = element if element._is_from_clause else getattr(element, "table", None)
        if table is None:
            return self.process(element)
        return self.preparer.quote(table.name)  # type: ignore[no-any-return]

    def empty_insert_clause(self, table: Any) -> str:
        return " DEFAULT VALUES"

    def update_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        return " FROM " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)

    def delete_extra_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        return " USING " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)

    def visit_now_func(self, fn: Any, **kw: Any) -> str:
        return "now()"

    def visit_char_length_func(self, fn: Any, **kw: Any) -> str:
        return f"char_length({self.process(fn.clause_expr, **kw)})"

    def visit_extract(self, element: Any, **kw: Any) -> str:
        return f"EXTRACT({element.field.upper()} FROM {self.process(element.expr, **kw)})"


# -- DDL -----------------------------------------------------------------------------------------


class SetTableComment(DDLElement):
    """``COMMENT ON TABLE t IS '...'`` (emitted after CREATE TABLE)."""

    __visit_name__ = "set_table_comment"


class SetColumnComment(DDLElement):
    """``COMMENT ON COLUMN t.c IS '...'`` (emitted after CREATE TABLE)."""

    __visit_name__ = "set_column_comment"


class PGDDLCompiler(DDLCompiler):
    """PostgreSQL DDL: SERIAL/BIGSERIAL, IDENTITY, sequences with CACHE, COMMENT ON, ENUM types."""

    def get_column_specification(self, column: Any) -> str:
        table = column.table
        autoinc = table is not None and table._autoincrement_column is column
        impl = column.type.dialect_impl(self.dialect)
        if (
            autoinc and column.identity is None and column.server_default is None
            and (column.default is None or (getattr(column.default, "is_sequence", False) and column.default.optional))
            and isinstance(impl, sqltypes.Integer)
        ):
            if isinstance(impl, sqltypes.BigInteger):
                coltype = "BIGSERIAL"
            elif isinstance(impl, sqltypes.SmallInteger):
                coltype = "SMALLSERIAL"
            else:
                coltype = "SERIAL"
            text = self.preparer.quote(column.name) + " " + coltype
            if not column.nullable:
                text += " NOT NULL"
            return text
        return super().get_column_specification(column)

    def visit_identity_column(self, identity: Any) -> str:
        text = "GENERATED ALWAYS AS IDENTITY" if identity.always else "GENERATED BY DEFAULT AS IDENTITY"
        opts = []
        for label, value in (("START WITH", identity.start), ("INCREMENT BY", identity.increment),
                             ("MINVALUE", identity.minvalue), ("MAXVALUE", identity.maxvalue),
                             ("CACHE", identity.cache)):
            if value is not None:
                opts.append(f"{label} {int(value)}")
        if identity.cycle:
            opts.append("CYCLE")
        if opts:
            text += " (" + " ".join(opts) + ")"
        return text

    def visit_computed_column(self, computed: Any) -> str:
        if computed.persisted is False:
            raise exc.CompileError("PostgreSQL computed columns are always STORED (persisted=False given)")
        return f"GENERATED ALWAYS AS ({self._expr(computed.sqltext)}) STORED"

    def visit_create_sequence(self, create: Any, **kw: Any) -> str:
        text = super().visit_create_sequence(create, **kw)
        if create.element.cache is not None:
            text += f" CACHE {int(create.element.cache)}"
        return text

    def visit_set_table_comment(self, ddl: Any, **kw: Any) -> str:
        table = ddl.element
        return (f"COMMENT ON TABLE {self.preparer.format_table(table)} IS "
                f"{self.dialect.literal_renderer.render_string(table.comment)}")

    def visit_set_column_comment(self, ddl: Any, **kw: Any) -> str:
        col = ddl.element
        return (f"COMMENT ON COLUMN {self.preparer.format_table(col.table)}.{self.preparer.quote(col.name)} IS "
                f"{self.dialect.literal_renderer.render_string(col.comment)}")


class PGTypeCompiler(GenericTypeCompiler):
    """PostgreSQL type names."""

    def visit_datetime(self, t: Any, **kw: Any) -> str:
        return self.visit_TIMESTAMP(t, **kw)

    def visit_DATETIME(self, t: Any, **kw: Any) -> str:
        return self.visit_TIMESTAMP(t, **kw)

    def visit_TIMESTAMP(self, t: Any, **kw: Any) -> str:
        precision = getattr(t, "precision", None)
        p = f"({int(precision)})" if precision is not None else ""
        return f"TIMESTAMP{p} {'WITH' if getattr(t, 'timezone', False) else 'WITHOUT'} TIME ZONE"

    def visit_time(self, t: Any, **kw: Any) -> str:
        return f"TIME {'WITH' if getattr(t, 'timezone', False) else 'WITHOUT'} TIME ZONE"

    def visit_TIME(self, t: Any, **kw: Any) -> str:
        return self.visit_time(t, **kw)

    def visit_interval(self, t: Any, **kw: Any) -> str:
        return self.visit_INTERVAL(t, **kw)

    def visit_INTERVAL(self, t: Any, **kw: Any) -> str:
        text = "INTERVAL"
        if getattr(t, "fields", None):
            text += " " + _interval_fields(t.fields)
        precision = getattr(t, "precision", None)
        if precision is None:
            precision = getattr(t, "second_precision", None)
        if precision is not None:
            text += f"({int(precision)})"
        return text

    def visit_large_binary(self, t: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_BLOB(self, t: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_BYTEA(self, t: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_BINARY(self, t: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_VARBINARY(self, t: Any, **kw: Any) -> str:
        return "BYTEA"

    def visit_float(self, t: Any, **kw: Any) -> str:
        return "FLOAT" if t.precision is None else f"FLOAT({int(t.precision)})"

    def visit_double(self, t: Any, **kw: Any) -> str:
        return "DOUBLE PRECISION"

    def visit_DOUBLE(self, t: Any, **kw: Any) -> str:
        return "DOUBLE PRECISION"

    def visit_NVARCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("VARCHAR", t)

    def visit_NCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("CHAR", t)

    def visit_CLOB(self, t: Any, **kw: Any) -> str:
        return "TEXT"

    def visit_JSONB(self, t: Any, **kw: Any) -> str:
        return "JSONB"

    def visit_uuid(self, t: Any, **kw: Any) -> str:
        return "UUID" if t.native_uuid else "CHAR(32)"

    def visit_INET(self, t: Any, **kw: Any) -> str:
        return "INET"

    def visit_CIDR(self, t: Any, **kw: Any) -> str:
        return "CIDR"

    def visit_TSVECTOR(self, t: Any, **kw: Any) -> str:
        return "TSVECTOR"

    def visit_enum(self, t: Any, **kw: Any) -> str:
        if not t.native_enum:
            return self.visit_VARCHAR(t, **kw)
        if not t.name:
            raise exc.CompileError("PostgreSQL ENUM type requires a name (Enum(..., name='...'))")
        return self.dialect.identifier_preparer.format_type(t)  # type: ignore[no-any-return]

    def visit_ARRAY(self, t: Any, **kw: Any) -> str:
        inner = self.process(t.item_type, **kw)
        return inner + "[]" * (t.dimensions or 1)


def _interval_fields(fields: str) -> str:
    allowed = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "YEAR TO MONTH", "DAY TO HOUR",
               "DAY TO MINUTE", "DAY TO SECOND", "HOUR TO MINUTE", "HOUR TO SECOND", "MINUTE TO SECOND"}
    f = " ".join(fields.upper().split())
    if f not in allowed:
        raise exc.CompileError(f"Unknown INTERVAL fields {fields!r}")
    return f


class PGIdentifierPreparer(IdentifierPreparer):
    """Double-quoted identifiers; also names types (ENUMs), optionally schema-qualified."""

    def format_type(self, type_: Any) -> str:
        name = self.quote(type_.name)
        schema = getattr(type_, "schema", None)
        if schema:
            name = self.quote_schema(schema) + "." + name
        return name


# -- dialect -------------------------------------------------------------------------------------


class PGDialect(DefaultDialect):
    """PostgreSQL (10+). Native booleans, UUID, INTERVAL, ENUM, arrays, JSON/JSONB, RETURNING."""

    name = "postgresql"
    paramstyle = "format"
    statement_compiler = PGCompiler
    ddl_compiler = PGDDLCompiler
    type_compiler = PGTypeCompiler
    preparer = PGIdentifierPreparer
    colspecs: dict[type, type] = {sqltypes.ARRAY: _PGArray}

    json_path_style = "pg"
    supports_native_boolean = True
    supports_native_decimal = True
    supports_native_uuid = True
    supports_native_enum = True
    supports_native_interval = True
    supports_sequences = True
    supports_identity_columns = True
    insert_returning = update_returning = delete_returning = True
    implicit_pk_returning = True
    insert_executemany_returning = True
    supports_multivalues_insert = True
    supports_comments = True
    inline_comments = False
    supports_default_values = True
    supports_default_keyword = True
    supports_aggregate_filter = True
    supports_deferrable = True
    supports_server_side_cursors = True
    supports_regexp = True
    supports_distinct_on = True
    supports_ilike = True
    supports_schemas = True
    supports_json = True
    supports_arrays = True
    supports_full_outer_join = True
    supports_for_update = True
    max_identifier_length = 63
    identifier_length_in_bytes = True
    default_isolation_level = "READ COMMITTED"

    # -- tables' companion objects: ENUM types, comments -----------------------------------------

    def before_create_tables(self, connection: Any, tables: list[Any], checkfirst: bool) -> None:
        seen: set[tuple[Any, Any]] = set()
        for t in tables:
            for col in t.columns:
                for e in pgtypes.enum_types_of(col.type):
                    key = (e.schema or t.schema, e.name)
                    if key in seen:
                        continue
                    seen.add(key)
                    # always checked: a type shared with tables that already exist is already there
                    self._create_enum(connection, e, True, schema=key[0])

    def after_create_tables(self, connection: Any, tables: list[Any], checkfirst: bool) -> None:
        """COMMENT ON TABLE / COLUMN for the tables just created."""
        for t in tables:
            if t.comment:
                connection.execute(SetTableComment(t))
            for col in t.columns:
                if col.comment:
                    connection.execute(SetColumnComment(col))

    def after_drop_tables(self, connection: Any, tables: list[Any], checkfirst: bool) -> None:
        seen: set[tuple[Any, Any]] = set()
        for t in tables:
            for col in t.columns:
                for e in pgtypes.enum_types_of(col.type):
                    key = (e.schema or t.schema, e.name)
                    if key in seen:
                        continue
                    seen.add(key)
                    # drop only when no remaining column uses the type (ENUMs are often shared)
                    if not self._enum_in_use(connection, str(e.name), key[0]):
                        self._drop_enum(connection, e, True, schema=key[0])

    def _type_oid(self, connection: Any, name: str, schema: str | None) -> int | None:
        schema = self._translate(connection, schema)
        if schema is None:
            row = connection.exec_driver_sql(
                "SELECT t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
                "WHERE t.typname = %s AND pg_catalog.pg_type_is_visible(t.oid)", (name,)).first()
        else:
            row = connection.exec_driver_sql(
                "SELECT t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
                "WHERE t.typname = %s AND n.nspname = %s", (name, schema)).first()
        return None if row is None else int(row[0])

    def has_type(self, connection: Any, name: str, schema: str | None = None) -> bool:
        """True when a type (ENUM, domain ...) named ``name`` is visible."""
        return self._type_oid(connection, name, schema) is not None

    def _enum_in_use(self, connection: Any, name: str, schema: str | None) -> bool:
        oid = self._type_oid(connection, name, schema)
        if oid is None:
            return False
        row = connection.exec_driver_sql(
            "SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
            "WHERE NOT a.attisdropped AND (t.oid = %s OR t.typelem = %s) LIMIT 1", (oid, oid)).first()
        return row is not None

    def _create_enum(self, connection: Any, enum: Any, checkfirst: bool, schema: str | None = None) -> None:
        schema = schema or enum.schema
        if checkfirst and self.has_type(connection, enum.name, schema):
            return
        prep = self.identifier_preparer
        name = (prep.quote_schema(schema) + "." if schema else "") + prep.quote(enum.name)
        values = ", ".join(self.literal_renderer.render_string(v) for v in enum.enums)
        connection.exec_driver_sql(f"CREATE TYPE {name} AS ENUM ({values})")

    def _drop_enum(self, connection: Any, enum: Any, checkfirst: bool, schema: str | None = None) -> None:
        schema = schema or enum.schema
        if checkfirst and not self.has_type(connection, enum.name, schema):
            return
        prep = self.identifier_preparer
        name = (prep.quote_schema(schema) + "." if schema else "") + prep.quote(enum.name)
        connection.exec_driver_sql(f"DROP TYPE {name}")

    # -- version, isolation ------------------------------------------------------------------------

    def initialize(self, connection: Any) -> None:
        super().initialize(connection)
        version = self.server_version_info or (0,)
        self.supports_identity_columns = version >= (10,)
        self.supports_fetch_with_ties = version >= (13,)

    def get_isolation_level_values(self) -> tuple[str, ...]:
        return ("AUTOCOMMIT", "READ COMMITTED", "READ UNCOMMITTED", "REPEATABLE READ", "SERIALIZABLE")

    # -- schema queries ----------------------------------------------------------------------------

    def _get_default_schema_name(self, connection: Any) -> str:
        return str(connection.exec_driver_sql("SELECT current_schema()").scalar())

    @staticmethod
    def _translate(connection: Any, schema: str | None) -> str | None:
        """Apply ``execution_options(schema_translate_map=...)`` to a schema name."""
        opts = connection.get_execution_options() if hasattr(connection, "get_execution_options") else {}
        mapping = opts.get("schema_translate_map")
        if mapping and schema in mapping:
            return mapping[schema]  # type: ignore[no-any-return]
        return schema

    def _schema(self, connection: Any, schema: str | None) -> str:
        schema = self._translate(connection, schema)
        if schema is not None:
            return schema
        cached = getattr(self, "default_schema_name", None)
        if cached is None:
            cached = self.default_schema_name = self._get_default_schema_name(connection)
        return cached

    def _rows(self, connection: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(connection.exec_driver_sql(sql, params).all())

    def get_schema_names(self, connection: Any) -> list[str]:
        return [r[0] for r in self._rows(connection,
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE %s AND nspname <> %s ORDER BY nspname",
            ("pg\\_%", "information_schema"))]

    def _relnames(self, connection: Any, schema: str | None, kinds: tuple[str, ...]) -> list[str]:
        return [r[0] for r in self._rows(connection,
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = ANY(%s) ORDER BY c.relname",
            (self._schema(connection, schema), list(kinds)))]

    def get_table_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return self._relnames(connection, schema, ("r", "p"))

    def get_view_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return self._relnames(connection, schema, ("v", "m"))

    def get_sequence_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return self._relnames(connection, schema, ("S",))

    def _table_oid(self, connection: Any, table_name: str, schema: str | None) -> int | None:
        schema = self._translate(connection, schema)
        if schema is None:
            row = connection.exec_driver_sql(
                "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = %s "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_catalog.pg_table_is_visible(c.oid)",
                (table_name,)).first()
        else:
            row = connection.exec_driver_sql(
                "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = %s AND n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                (table_name, schema)).first()
        return None if row is None else int(row[0])

    def _require_oid(self, connection: Any, table_name: str, schema: str | None) -> int:
        oid = self._table_oid(connection, table_name, schema)
        if oid is None:
            raise exc.NoSuchTableError(f"{schema}.{table_name}" if schema else table_name)
        return oid

    def has_table(self, connection: Any, table_name: str, schema: str | None = None) -> bool:
        return self._table_oid(connection, table_name, schema) is not None

    def has_sequence(self, connection: Any, sequence_name: str, schema: str | None = None) -> bool:
        row = connection.exec_driver_sql(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND c.relname = %s AND n.nspname = %s",
            (sequence_name, self._schema(connection, schema))).first()
        return row is not None

    def get_columns(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        oid = self._table_oid(connection, table_name, schema)
        if oid is None:
            return []
        rows = self._rows(connection, """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                   pg_catalog.col_description(a.attrelid, a.attnum), t.typtype,
                   et.typtype, t.typname, et.typname, a.attndims
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""", (oid,))
        enums = self._enum_labels(connection)
        out = []
        for name, fmt, notnull, default, identity, generated, comment, typtype, etyptype, typname, etypname, _ndims in rows:
            if typtype == "e":
                coltype: Any = pgtypes.ENUM(*enums.get(typname, []), name=typname)
            elif etyptype == "e":
                coltype = sqltypes.ARRAY(pgtypes.ENUM(*enums.get(etypname, []), name=etypname))
            else:
                coltype = _resolve_type(fmt)
            autoinc = False
            col: dict[str, Any] = {"name": name, "type": coltype, "nullable": not notnull, "comment": comment}
            if identity:
                autoinc = True
                col["identity"] = {"always": identity == "a"}
                default = None
            elif default is not None and default.startswith("nextval(") and isinstance(coltype, sqltypes.Integer):
                autoinc = True
                default = None  # SERIAL: the sequence is an implementation detail
            if generated == "s":
                col["computed"] = {"sqltext": default, "persisted": True}
                default = None
            col["default"] = default
            col["autoincrement"] = autoinc
            out.append(col)
        return out

    def _enum_labels(self, connection: Any) -> dict[str, list[str]]:
        rows = self._rows(connection,
            "SELECT t.typname, e.enumlabel FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid "
            "WHERE pg_catalog.pg_type_is_visible(t.oid) ORDER BY t.typname, e.enumsortorder", ())
        out: dict[str, list[str]] = {}
        for name, label in rows:
            out.setdefault(name, []).append(label)
        return out

    def _constraints(self, connection: Any, table_name: str, schema: str | None, kind: str) -> list[Any]:
        oid = self._require_oid(connection, table_name, schema)
        return self._rows(connection, """
            SELECT c.conname, c.conkey, c.confrelid, c.confkey, c.confupdtype, c.confdeltype,
                   pg_catalog.pg_get_constraintdef(c.oid, true), c.condeferrable, c.condeferred,
                   pg_catalog.obj_description(c.oid, 'pg_constraint')
            FROM pg_catalog.pg_constraint c
            WHERE c.conrelid = %s AND c.contype = %s ORDER BY c.conname""", (oid, kind))

    def _attnames(self, connection: Any, oid: int) -> dict[int, str]:
        return {r[0]: r[1] for r in self._rows(connection,
            "SELECT attnum, attname FROM pg_catalog.pg_attribute WHERE attrelid = %s AND attnum > 0", (oid,))}

    def get_pk_constraint(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        rows = self._constraints(connection, table_name, schema, "p")
        if not rows:
            return {"constrained_columns": [], "name": None}
        names = self._attnames(connection, self._require_oid(connection, table_name, schema))
        return {"constrained_columns": [names[k] for k in rows[0][1]], "name": rows[0][0]}

    def get_foreign_keys(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        oid = self._require_oid(connection, table_name, schema)
        names = self._attnames(connection, oid)
        default_schema = self._schema(connection, None)
        out = []
        for conname, conkey, confrelid, confkey, upd, dele, _, deferrable, deferred, _c in \
                self._constraints(connection, table_name, schema, "f"):
            ref = connection.exec_driver_sql(
                "SELECT c.relname, n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.oid = %s", (confrelid,)).first()
            rnames = self._attnames(connection, confrelid)
            options: dict[str, Any] = {}
            for key, code in (("onupdate", upd), ("ondelete", dele)):
                action = _FK_ACTIONS.get(code)
                if action:
                    options[key] = action
            if deferrable:
                options["deferrable"] = True
                options["initially"] = "DEFERRED" if deferred else "IMMEDIATE"
            rschema = ref[1]
            if schema is None and rschema == default_schema:
                rschema = None
            out.append({
                "name": conname,
                "constrained_columns": [names[k] for k in conkey],
                "referred_schema": rschema,
                "referred_table": ref[0],
                "referred_columns": [rnames[k] for k in confkey],
                "options": options,
            })
        return out

    def get_unique_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        oid = self._require_oid(connection, table_name, schema)
        names = self._attnames(connection, oid)
        return [{"name": r[0], "column_names": [names[k] for k in r[1]]}
                for r in self._constraints(connection, table_name, schema, "u")]

    def get_check_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        out = []
        for r in self._constraints(connection, table_name, schema, "c"):
            m = re.match(r"^CHECK *\((.+)\)( NOT VALID)?$", r[6], re.S)
            sqltext = m.group(1) if m else r[6]
            out.append({"name": r[0], "sqltext": sqltext})
        return out

    def get_indexes(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        oid = self._require_oid(connection, table_name, schema)
        names = self._attnames(connection, oid)
        rows = self._rows(connection, """
            SELECT ic.relname, i.indisunique, i.indkey::int2[], i.indnkeyatts,
                   pg_catalog.pg_get_expr(i.indpred, i.indrelid),
                   EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid
                           AND c.contype IN ('p', 'u', 'x')) AS is_constraint
            FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = %s ORDER BY ic.relname""", (oid,))
        out = []
        for name, unique, indkey, nkeyatts, pred, is_constraint in rows:
            if is_constraint:
                continue  # the PRIMARY KEY / UNIQUE constraint reports it
            keys = list(indkey)[:nkeyatts]
            ix: dict[str, Any] = {"name": name, "unique": bool(unique),
                                  "column_names": [names.get(k) if k else None for k in keys]}
            if pred:
                ix["dialect_options"] = {"postgresql_where": pred}
            out.append(ix)
        return out

    def get_table_comment(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        oid = self._require_oid(connection, table_name, schema)
        text = connection.exec_driver_sql("SELECT pg_catalog.obj_description(%s, 'pg_class')", (oid,)).scalar()
        return {"text": text}


_FK_ACTIONS = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT", "r": "RESTRICT"}

_SIMPLE_TYPES: dict[str, Any] = {
    "integer": sqltypes.INTEGER, "bigint": sqltypes.BIGINT, "smallint": sqltypes.SMALLINT,
    "boolean": sqltypes.BOOLEAN, "text": sqltypes.TEXT, "date": sqltypes.DATE,
    "real": sqltypes.REAL, "double precision": pgtypes.DOUBLE_PRECISION, "bytea": pgtypes.BYTEA,
    "json": pgtypes.JSON, "jsonb": pgtypes.JSONB, "uuid": pgtypes.UUID, "inet": pgtypes.INET,
    "cidr": pgtypes.CIDR, "tsvector": pgtypes.TSVECTOR,
}

_TYPE_RE = re.compile(r"^(?P<name>[a-z ]+?)(?:\((?P<args>[\d, ]+)\))?(?P<rest>( with(out)? time zone)?)(?P<arr>(\[\])*)$")


def _resolve_type(fmt: str) -> sqltypes.TypeEngine:
    """``format_type()`` output → a sqlweave type (``character varying(30)[]`` → ARRAY(VARCHAR(30)))."""
    m = _TYPE_RE.match(fmt)
    if m is None:
        return sqltypes.NullType()
    name = m.group("name").strip()
    args = [int(a) for a in (m.group("args") or "").replace(" ", "").split(",") if a]
    tz = m.group("rest") == " with time zone"
    t: sqltypes.TypeEngine
    if name in _SIMPLE_TYPES:
        t = _SIMPLE_TYPES[name]()
    elif name == "character varying":
        t = sqltypes.VARCHAR(args[0] if args else None)
    elif name in ("character", "char"):
        t = sqltypes.CHAR(args[0] if args else None)
    elif name == "numeric":
        t = sqltypes.NUMERIC(args[0] if args else None, args[1] if len(args) > 1 else None)
    elif name == "timestamp":
        t = pgtypes.TIMESTAMP(timezone=tz, precision=args[0] if args else None)
    elif name == "time":
        t = sqltypes.TIME(timezone=tz)
    elif name.startswith("interval"):
        fields = name[len("interval"):].strip().upper() or None
        t = pgtypes.INTERVAL(precision=args[0] if args else None, fields=fields)
    else:
        return sqltypes.NullType()
    dims = len(m.group("arr")) // 2
    if dims:
        t = sqltypes.ARRAY(t, dimensions=dims if dims > 1 else None)
    return t
