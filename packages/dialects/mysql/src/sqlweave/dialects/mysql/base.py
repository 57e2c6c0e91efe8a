"""MySQL and MariaDB: compiler, DDL and type differences, quoting, capabilities by server version.

One dialect class serves both servers; ``is_mariadb`` (from the server version string on first
connect) switches the differences: RETURNING for INSERT/DELETE on MariaDB 10.5+, ``FOR UPDATE
OF`` and the ``AS new`` row alias on MySQL 8, JSON stored as checked LONGTEXT on MariaDB.
Reflection reads ``information_schema`` (see :mod:`sqlweave.dialects.mysql.reflection`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.engine.default import SELECT_LIKE, DefaultDialect, DefaultExecutionContext
from sqlweave.core.sql import elements, operators
from sqlweave.core.sql.compiler import SQLCompiler
from sqlweave.core.sql.compiler.ddl import DDLCompiler
from sqlweave.core.sql.compiler.literals import LiteralRenderer
from sqlweave.core.sql.compiler.quoting import IdentifierPreparer
from sqlweave.core.sql.compiler.types import GenericTypeCompiler
from sqlweave.dialects.mysql import types as mytypes
from sqlweave.dialects.mysql.reflection import MySQLReflectionMixin

#: ``LIMIT`` needs a row count; this is the largest one (MySQL documents it for "OFFSET only").
MAX_LIMIT = 18446744073709551615

RESERVED_WORDS = frozenset(
    """accessible add all alter analyze and as asc asensitive before between bigint binary blob both
    by call cascade case change char character check collate column condition constraint continue
    convert create cross cube cume_dist current_date current_role current_time current_timestamp
    current_user cursor database databases day_hour day_microsecond day_minute day_second dec
    decimal declare default delayed delete dense_rank desc describe deterministic distinct
    distinctrow div do_domain_ids double drop dual each else elseif empty enclosed escaped except
    exists exit explain false fetch first_value float float4 float8 for force foreign from fulltext
    function general generated get grant group grouping groups having high_priority
    hour_microsecond hour_minute hour_second if ignore ignore_domain_ids ignore_server_ids in index
    infile inner inout insensitive insert int int1 int2 int3 int4 int8 integer intersect interval
    into io_after_gtids io_before_gtids is iterate join json_table key keys kill lag last_value
    lateral lead leading leave left like limit linear lines load localtime localtimestamp lock long
    longblob longtext loop low_priority master_bind master_heartbeat_period
    master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext middleint
    minute_microsecond minute_second mod modifies natural not no_write_to_binlog nth_value ntile
    null numeric of offset on optimize optimizer_costs option optionally or order out outer outfile
    over page_checksum parse_vcol_expr partition percent_rank position precision primary procedure
    purge range rank read read_write reads real recursive ref_system_id references regexp release
    rename repeat replace require resignal restrict return returning revoke right rlike row
    row_number rows schema schemas second_microsecond select sensitive separator set show signal
    slow smallint spatial specific sql sql_big_result sql_calc_found_rows sql_small_result
    sqlexception sqlstate sqlwarning ssl starting stats_auto_recalc stats_persistent
    stats_sample_pages stored straight_join system table terminated then tinyblob tinyint tinytext
    to trailing trigger true undo union unique unlock unsigned update usage use using utc_date
    utc_time utc_timestamp values varbinary varchar varcharacter varying virtual when where while
    window with write xor year_month zerofill""".split()
)


# -- quoting and literals ----------------------------------------------------------------------------


class MySQLIdentifierPreparer(IdentifierPreparer):
    """Backtick quoting; a backtick inside a name is doubled."""

    reserved_words = RESERVED_WORDS
    initial_quote = "`"
    final_quote = "`"
    escape_quote = "`"
    escape_to_quote = "``"


class MySQLLiteralRenderer(LiteralRenderer):
    """String literals escape backslashes too (the server's default ``sql_mode`` treats ``\\`` as an
    escape character)."""

    backslash_escapes = True


# -- statement compiler ------------------------------------------------------------------------------


def _cast_target(compiler: Any, type_: Any) -> str | None:
    """The CAST target MySQL accepts for ``type_`` (its CAST takes only a few type names)."""
    t = type_
    if isinstance(t, sqltypes.TypeDecorator):
        t = t.load_dialect_impl(compiler.dialect)
    if isinstance(t, sqltypes.Boolean):
        return "SIGNED"
    if isinstance(t, sqltypes.Integer):
        return "UNSIGNED" if getattr(t, "unsigned", False) else "SIGNED"
    if isinstance(t, sqltypes.Float):
        return "DOUBLE"
    if isinstance(t, sqltypes.Numeric):
        if t.precision is None:
            return "DECIMAL"
        return f"DECIMAL({int(t.precision)}, {int(t.scale or 0)})"
    if isinstance(t, sqltypes.JSON):
        return None if compiler.dialect.is_mariadb else "JSON"
    if isinstance(t, sqltypes.Uuid):
        return "CHAR(32)"
    if isinstance(t, sqltypes.String):
        length = getattr(t, "length", None)
        return "CHAR" if length is None or isinstance(t, sqltypes.Text) else f"CHAR({int(length)})"
    if isinstance(t, sqltypes.DateTime):
        return "DATETIME(6)"
    if isinstance(t, sqltypes.Date):
        return "DATE"
    if isinstance(t, sqltypes.Time):
        return "TIME(6)"
    if isinstance(t, sqltypes.LargeBinary):
        length = getattr(t, "length", None)
        return "BINARY" if length is None else f"BINARY({int(length)})"
    if t._is_null_type:
        return None
    raise exc.CompileError(f"Can't CAST to {t!r} on the mysql dialect: CAST takes CHAR, SIGNED, "
                           "UNSIGNED, DECIMAL, DOUBLE, DATE, DATETIME, TIME, BINARY or JSON")


class MySQLCompiler(SQLCompiler):
    """The statement compiler for MySQL and MariaDB."""

    _insert_from_select = False

    def visit_true(self, element: Any, **kw: Any) -> str:
        return "true"

    def visit_false(self, element: Any, **kw: Any) -> str:
        return "false"

    def visit_empty_in(self, element: Any, **kw: Any) -> str:
        return "(SELECT 1 FROM DUAL WHERE 1!=1)"

    def visit_cast(self, cast: Any, **kw: Any) -> str:
        target = _cast_target(self, cast.type)
        inner = self.process(cast.clause, **kw)
        if target is None:
            return inner  # the value already has the wanted representation (JSON text on MariaDB)
        return f"CAST({inner} AS {target})"

    # -- operators ---------------------------------------------------------------------------------

    def _concat(self, binary: Any, **kw: Any) -> str:
        # `||` is logical OR in MySQL's default sql_mode
        return f"concat({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def _regexp(self, binary: Any, **kw: Any) -> str:
        negate = binary.operator is operators.not_regexp_match_op
        left = self.process(binary.left, **kw)
        right = self.process(binary.right, **kw)
        flags = (binary.modifiers or {}).get("flags")
        if not flags:
            return f"{left}{' NOT REGEXP ' if negate else ' REGEXP '}{right}"
        lit = self.dialect.literal_renderer.render_string
        if self.dialect.is_mariadb:
            # MariaDB's PCRE takes inline flags: (?i)pattern
            text = f"{left} REGEXP concat({lit('(?' + flags + ')')}, {right})"
        else:
            text = f"REGEXP_LIKE({left}, {right}, {lit(flags)})"
        return f"NOT {text}" if negate else text

    def _json_getitem(self, binary: Any, **kw: Any) -> str:
        inner = f"JSON_EXTRACT({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"
        cast_as = getattr(binary, "cast_as", None)
        if cast_as is None or cast_as == "json":
            return inner
        if cast_as == "string":
            return f"JSON_UNQUOTE({inner})"
        if cast_as == "integer":
            return f"CAST({inner} AS SIGNED)"
        if cast_as == "float":
            return f"CAST({inner} AS DOUBLE)"
        if cast_as == "numeric":
            t = binary.type
            return f"CAST({inner} AS DECIMAL({int(t.precision)}, {int(t.scale or 0)}))"
        if cast_as == "boolean":
            return f"CASE JSON_UNQUOTE({inner}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
        raise exc.CompileError(f"Unknown JSON element conversion {cast_as!r}")

    def _is_distinct(self, binary: Any, **kw: Any) -> str:
        # MySQL's NULL-safe equality operator <=> is IS NOT DISTINCT FROM
        text = f"{self.process(binary.left, **kw)} <=> {self.process(binary.right, **kw)}"
        return f"NOT ({text})" if binary.operator is operators.is_distinct_from else text

    _binary_special = {
        **SQLCompiler._binary_special,
        operators.is_distinct_from: _is_distinct,
        operators.is_not_distinct_from: _is_distinct,
        operators.concat_op: _concat,
        operators.regexp_match_op: _regexp,
        operators.not_regexp_match_op: _regexp,
        operators.json_getitem_op: _json_getitem,
        operators.json_path_getitem_op: _json_getitem,
    }

    # -- functions ---------------------------------------------------------------------------------

    def visit_now_func(self, fn: Any, **kw: Any) -> str:
        return "now()"

    def visit_extract(self, element: Any, **kw: Any) -> str:
        field = element.field.lower()
        expr = self.process(element.expr, **kw)
        if field == "dow":  # PostgreSQL numbering: Sunday is 0
            return f"(DAYOFWEEK({expr}) - 1)"
        if field == "doy":
            return f"DAYOFYEAR({expr})"
        if field == "epoch":
            return f"UNIX_TIMESTAMP({expr})"
        if field not in ("year", "quarter", "month", "week", "day", "hour", "minute", "second",
                         "microsecond"):
            raise exc.CompileError(f"MySQL can't EXTRACT {element.field!r}")
        return f"EXTRACT({field.upper()} FROM {expr})"

    # -- SELECT ------------------------------------------------------------------------------------

    def limit_clause(self, select: Any, **kw: Any) -> str:
        limit, offset = select._limit, select._offset
        if limit is None:
            # MySQL has no OFFSET without LIMIT: use the largest row count
            return f" \nLIMIT {MAX_LIMIT} OFFSET {self.process(offset, **kw)}"
        text = " \nLIMIT " + self.process(limit, **kw)
        if offset is not None:
            text += " OFFSET " + self.process(offset, **kw)
        return text

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        fu = select._for_update
        dialect = self.dialect
        if fu.read:
            text = " FOR SHARE" if dialect._supports_for_share else " LOCK IN SHARE MODE"
        else:
            text = " FOR UPDATE"
        if fu.of and dialect._supports_for_update_of:
            text += " OF " + ", ".join(self._for_update_of(o) for o in fu.of)
        # MariaDB: OF is not in the grammar; all rows read are locked, which is stricter
        if fu.nowait:
            text += " NOWAIT"
        if fu.skip_locked:
            text += " SKIP LOCKED"
        return text

    def visit_join(self, join: Any, asfrom: bool = False, **kw: Any) -> str:
        if join.full:
            raise exc.CompileError(
                f"FULL OUTER JOIN is not supported by the {self.dialect.name} dialect; "
                "use a UNION of a LEFT and a RIGHT join"
            )
        return super().visit_join(join, asfrom=asfrom, **kw)

    def visit_values(self, element: Any, asfrom: bool = False, **kw: Any) -> str:
        """``VALUES`` as a derived table: a UNION ALL of SELECTs, which names the columns on both
        servers (MariaDB has no column list on a derived table; MySQL 8 spells rows ``ROW()``)."""
        names = [self.preparer.quote(c.name) for c in element._column_args]
        selects: list[str] = []
        for chunk in element._data:
            for row in chunk:
                vals = [self.process(v, **kw) for v in row.clauses]
                if not selects:
                    vals = [f"{v} AS {n}" for v, n in zip(vals, names)]
                selects.append("SELECT " + ", ".join(vals))
        if not selects:
            raise exc.CompileError("VALUES needs at least one row")
        text = "(" + " UNION ALL ".join(selects) + ")"
        if asfrom and element.name:
            text += f" AS {self.format_from_name(element)}"
        return text

    # -- INSERT ------------------------------------------------------------------------------------

    def visit_insert(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        self._insert_from_select = stmt._select is not None
        text = super().visit_insert(stmt, toplevel=toplevel, **kw)
        if self._insert_from_select and toplevel and self.ctes:
            # MySQL: INSERT INTO t (cols) WITH ... SELECT ... (the WITH can't precede INSERT)
            pos = _after_column_list(text, f"INTO {self.preparer.format_table(stmt.table)} (")
            if pos >= 0:
                text = text[:pos] + self._render_with() + text[pos:]
                self.ctes.clear()
        return text

    def empty_insert_clause(self, table: Any) -> str:
        return " () VALUES ()"

    def _use_row_alias(self) -> bool:
        return bool(self.dialect._supports_row_alias) and not self._insert_from_select

    def visit_on_duplicate_key_update(self, clause: Any, **kw: Any) -> str:
        sets = ", ".join(
            f"{self.preparer.quote(col.name)} = {self.process(val.self_group(), include_table=True, **kw)}"
            for col, val in clause.update
        )
        prefix = "AS new " if self._use_row_alias() else ""
        return f"{prefix}ON DUPLICATE KEY UPDATE {sets}"

    def visit_mysql_inserted_column(self, col: Any, **kw: Any) -> str:
        name = self.preparer.quote(col.name)
        if self._use_row_alias():
            return f"new.{name}"
        return f"VALUES({name})"

    # -- UPDATE / DELETE ---------------------------------------------------------------------------

    def visit_update(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        extra = self._update_extra_froms(stmt)
        if not extra:
            text = super().visit_update(stmt, toplevel=toplevel, **kw)
        else:
            text = self._multi_table_update(stmt, extra, **kw)
        self._check_cte_dml("UPDATE", toplevel)
        return text

    def visit_delete(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        text = super().visit_delete(stmt, toplevel=toplevel, **kw)
        self._check_cte_dml("DELETE", toplevel)
        return text

    def _check_cte_dml(self, verb: str, toplevel: bool) -> None:
        if toplevel and self.ctes and not self.dialect.supports_cte_dml:
            raise exc.CompileError(
                f"WITH before {verb} is not supported by MariaDB; put the CTE's SELECT in a subquery"
            )

    def _multi_table_update(self, stmt: Any, extra: list[Any], **kw: Any) -> str:
        """``UPDATE t, other SET t.col = ... WHERE ...``: MySQL's form of UPDATE ... FROM. SET
        columns are qualified, since both tables may have a column of that name."""
        self.isupdate = True
        if stmt._returning:
            raise exc.CompileError("RETURNING is not supported with a multi-table UPDATE on MySQL/MariaDB")
        table = stmt.table
        markers = self._marker_positions()
        given = stmt._values or {}
        column_keys = self.column_keys
        tname = self.preparer.format_table(table)
        sets: list[str] = []
        for col in table.columns:
            target = f"{tname}.{self.preparer.quote(col.name)}"
            if col.key in given:
                sets.append(f"{target}={self._render_value(col, given[col.key], markers, **kw)}")
            elif column_keys is not None and col.key in column_keys:
                sets.append(f"{target}={self._param_bind(col, **kw)}")
            elif col.onupdate is not None:
                if col.onupdate.is_clause_element:
                    sets.append(f"{target}={self.process(col.onupdate.arg.self_group(), **kw)}")
                else:
                    self.update_prefetch.append(col)
                    sets.append(f"{target}={self._param_bind(col, required=False, **kw)}")
        if not sets:
            raise exc.CompileError(f"UPDATE of table {table.name!r} has no SET clause")
        text = "UPDATE "
        if stmt._prefixes:
            text += " ".join(stmt._prefixes) + " "
        text += ", ".join([tname] + [self.process(f, asfrom=True, **kw) for f in extra])
        text += " SET " + ", ".join(sets)
        if stmt._where:
            text += " WHERE " + self.process(elements.and_(*stmt._where), **kw)
        return text

    def delete_extra_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        # DELETE FROM t USING t, other WHERE ...: the target must be listed again
        return " USING " + ", ".join(
            [self.preparer.format_table(stmt.table)] + [self.process(f, asfrom=True, **kw) for f in froms]
        )


# -- DDL ---------------------------------------------------------------------------------------------

#: table options accepted as ``mysql_<option>`` / ``mariadb_<option>`` Table keyword arguments
_TABLE_OPTIONS = {
    "engine": "ENGINE", "charset": "DEFAULT CHARSET", "default_charset": "DEFAULT CHARSET",
    "collate": "COLLATE", "row_format": "ROW_FORMAT", "auto_increment": "AUTO_INCREMENT",
    "key_block_size": "KEY_BLOCK_SIZE", "stats_persistent": "STATS_PERSISTENT",
}


class MySQLDDLCompiler(DDLCompiler):
    """CREATE TABLE with AUTO_INCREMENT, inline comments, table options and MySQL's DROP spellings."""

    def get_column_specification(self, column: Any) -> str:
        text = super().get_column_specification(column)
        table = column.table
        if table is not None and table._autoincrement_column is column and column.server_default is None:
            text = _insert_before_comment(text, " AUTO_INCREMENT")
        t = column.type
        if isinstance(t, sqltypes.DateTime) and getattr(t, "__visit_name__", "") == "TIMESTAMP" \
                and column.nullable and " NULL" not in text:
            # without an explicit NULL, old servers make the first TIMESTAMP NOT NULL ON UPDATE ...
            text = _insert_before_comment(text, " NULL")
        return text

    def post_create_table(self, table: Any) -> str:
        opts: dict[str, str] = {"ENGINE": "InnoDB", "DEFAULT CHARSET": "utf8mb4"}
        for key, value in table.dialect_kwargs.items():
            prefix, _, name = key.partition("_")
            if prefix not in ("mysql", "mariadb"):
                continue
            keyword = _TABLE_OPTIONS.get(name)
            if keyword is None:
                raise exc.ArgumentError(
                    f"Unknown MySQL table option {key!r}; known: "
                    + ", ".join(f"mysql_{k}" for k in sorted(_TABLE_OPTIONS))
                )
            value = str(value)
            if not re.fullmatch(r"[\w]+", value):
                raise exc.ArgumentError(f"Invalid value for table option {key}: {value!r}")
            opts[keyword] = value
        text = "".join(f" {k}={v}" for k, v in opts.items())
        if table.comment:
            text += " COMMENT=" + self.dialect.literal_renderer.render_string(table.comment)
        return text

    def _index_expr(self, e: Any) -> str:
        plain = isinstance(e, elements.ColumnClause) and not e.is_literal
        if not plain and not self.dialect.supports_expression_indexes:
            raise exc.CompileError(
                f"Indexes on expressions need MySQL 8.0.13+; this server ({self.dialect.name}"
                f"{' MariaDB' if self.dialect.is_mariadb else ''}) has none. Index a generated column instead."
            )
        return super()._index_expr(e)

    def visit_drop_index(self, drop: Any, **kw: Any) -> str:
        index = drop.element
        text = "\nDROP INDEX "
        if drop.if_exists and self.dialect.is_mariadb:
            text += "IF EXISTS "
        return text + f"{self.preparer.format_index(index, self._index_name(index))} ON {self.preparer.format_table(index.table)}"

    def drop_constraint_keyword(self, con: Any) -> str:
        kind = con.__visit_name__
        if kind == "foreign_key_constraint":
            return "DROP FOREIGN KEY"
        if kind == "unique_constraint":
            return "DROP INDEX"
        if kind == "check_constraint" and not self.dialect.is_mariadb:
            return "DROP CHECK"
        return "DROP CONSTRAINT"

    def visit_drop_constraint(self, drop: Any, **kw: Any) -> str:
        if drop.element.__visit_name__ == "primary_key_constraint":
            return f"ALTER TABLE {self.preparer.format_table(drop.element.table)} DROP PRIMARY KEY"
        return super().visit_drop_constraint(drop, **kw)

    def visit_computed_column(self, computed: Any) -> str:
        text = f"GENERATED ALWAYS AS ({self._expr(computed.sqltext)})"
        text += " STORED" if computed.persisted else " VIRTUAL"
        return text


def _after_column_list(text: str, head: str) -> int:
    """The position just after ``head ... ) `` in ``text`` (skipping backtick-quoted names), or -1."""
    start = text.find(head)
    if start < 0:
        return -1
    i, quoted = start + len(head), False
    while i < len(text):
        ch = text[i]
        if ch == "`":
            quoted = not quoted
        elif ch == ")" and not quoted:
            return i + 2 if text[i + 1:i + 2] == " " else i + 1
        i += 1
    return -1


def _insert_before_comment(text: str, addition: str) -> str:
    pos = text.find(" COMMENT '")
    return text + addition if pos < 0 else text[:pos] + addition + text[pos:]


# -- types -------------------------------------------------------------------------------------------


class MySQLTypeCompiler(GenericTypeCompiler):
    """MySQL type names: required VARCHAR lengths, BOOL, DATETIME(6), ENUM, the BLOB/TEXT sizes."""

    def _int(self, name: str, t: Any) -> str:
        width = getattr(t, "display_width", None)
        text = name if width is None else f"{name}({int(width)})"
        if getattr(t, "unsigned", False):
            text += " UNSIGNED"
        if getattr(t, "zerofill", False):
            text += " ZEROFILL"
        return text

    def visit_INTEGER(self, t: Any, **kw: Any) -> str:
        return self._int("INTEGER", t)

    def visit_TINYINT(self, t: Any, **kw: Any) -> str:
        return self._int("TINYINT", t)

    def visit_SMALLINT(self, t: Any, **kw: Any) -> str:
        return self._int("SMALLINT", t)

    def visit_MEDIUMINT(self, t: Any, **kw: Any) -> str:
        return self._int("MEDIUMINT", t)

    def visit_BIGINT(self, t: Any, **kw: Any) -> str:
        return self._int("BIGINT", t)

    def _unsigned(self, text: str, t: Any) -> str:
        if getattr(t, "unsigned", False):
            text += " UNSIGNED"
        if getattr(t, "zerofill", False):
            text += " ZEROFILL"
        return text

    def visit_NUMERIC(self, t: Any, **kw: Any) -> str:
        return self._unsigned(super().visit_NUMERIC(t), t)

    def visit_DECIMAL(self, t: Any, **kw: Any) -> str:
        return self._unsigned("DECIMAL" + GenericTypeCompiler.visit_NUMERIC(self, t)[len("NUMERIC"):], t)

    def visit_FLOAT(self, t: Any, **kw: Any) -> str:
        return self._unsigned(super().visit_FLOAT(t), t)

    def visit_DOUBLE(self, t: Any, **kw: Any) -> str:
        return self._unsigned("DOUBLE", t)

    def visit_REAL(self, t: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_DOUBLE_PRECISION(self, t: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_BIT(self, t: Any, **kw: Any) -> str:
        return "BIT" if t.length is None else f"BIT({int(t.length)})"

    def visit_YEAR(self, t: Any, **kw: Any) -> str:
        return "YEAR"

    def visit_BOOLEAN(self, t: Any, **kw: Any) -> str:
        return "BOOL"

    # strings: MySQL needs VARCHAR lengths
    def _string(self, name: str, t: Any, **kw: Any) -> str:
        if t.length is None:
            raise exc.CompileError(f"{name} requires a length on dialect {self.dialect.name}")
        return self._len(name, t)

    def visit_VARCHAR(self, t: Any, **kw: Any) -> str:
        return self._string("VARCHAR", t, **kw)

    def visit_NVARCHAR(self, t: Any, **kw: Any) -> str:
        return self._string("NATIONAL VARCHAR", t, **kw)

    def visit_CHAR(self, t: Any, **kw: Any) -> str:
        return self._len("CHAR", t)

    def visit_NCHAR(self, t: Any, **kw: Any) -> str:
        return self._len("NATIONAL CHAR", t)

    def visit_TINYTEXT(self, t: Any, **kw: Any) -> str:
        return self._sized_text("TINYTEXT", t)

    def visit_MEDIUMTEXT(self, t: Any, **kw: Any) -> str:
        return self._sized_text("MEDIUMTEXT", t)

    def visit_LONGTEXT(self, t: Any, **kw: Any) -> str:
        return self._sized_text("LONGTEXT", t)

    def visit_CLOB(self, t: Any, **kw: Any) -> str:
        return "LONGTEXT"

    def _sized_text(self, name: str, t: Any) -> str:
        # the size is in the name, so no length argument
        if t.collation:
            name += f" COLLATE {self.dialect.identifier_preparer.quote(t.collation)}"
        return name

    def visit_enum(self, t: Any, **kw: Any) -> str:
        if not t.native_enum:
            return self._len("VARCHAR", t)
        return self.visit_ENUM(t, **kw)

    def visit_ENUM(self, t: Any, **kw: Any) -> str:
        render = self.dialect.literal_renderer.render_string
        text = "ENUM(" + ", ".join(render(v) for v in t.enums) + ")"
        if t.collation:
            text += f" COLLATE {self.dialect.identifier_preparer.quote(t.collation)}"
        return text

    def visit_SET(self, t: Any, **kw: Any) -> str:
        render = self.dialect.literal_renderer.render_string
        return "SET(" + ", ".join(render(v) for v in t.values) + ")"

    # date and time: generic types keep microseconds
    def _fsp(self, name: str, t: Any) -> str:
        fsp = getattr(t, "fsp", None)
        return name if fsp is None else f"{name}({int(fsp)})"

    def visit_datetime(self, t: Any, **kw: Any) -> str:
        return "DATETIME(6)"

    def visit_time(self, t: Any, **kw: Any) -> str:
        return "TIME(6)"

    def visit_interval(self, t: Any, **kw: Any) -> str:
        return "DATETIME(6)"

    def visit_DATETIME(self, t: Any, **kw: Any) -> str:
        return self._fsp("DATETIME", t)

    def visit_TIMESTAMP(self, t: Any, **kw: Any) -> str:
        return self._fsp("TIMESTAMP", t)

    def visit_TIME(self, t: Any, **kw: Any) -> str:
        return self._fsp("TIME", t)

    # binary
    def visit_large_binary(self, t: Any, **kw: Any) -> str:
        length = t.length
        if length is None:
            return "BLOB"
        if length <= 255:
            return "TINYBLOB"
        if length <= 65535:
            return "BLOB"
        if length <= 16777215:
            return "MEDIUMBLOB"
        return "LONGBLOB"

    def visit_TINYBLOB(self, t: Any, **kw: Any) -> str:
        return "TINYBLOB"

    def visit_MEDIUMBLOB(self, t: Any, **kw: Any) -> str:
        return "MEDIUMBLOB"

    def visit_LONGBLOB(self, t: Any, **kw: Any) -> str:
        return "LONGBLOB"

    def visit_uuid(self, t: Any, **kw: Any) -> str:
        return "CHAR(32)"

    def visit_UUID(self, t: Any, **kw: Any) -> str:
        return "CHAR(32)"


# -- execution context -------------------------------------------------------------------------------


class MySQLExecutionContext(DefaultExecutionContext):
    """Streams with a server-side cursor for ``stream_results`` and ``yield_per``."""

    def create_cursor(self) -> Any:
        opts = self.execution_options
        if (opts.get("stream_results") or opts.get("yield_per")) and self.dialect.supports_server_side_cursors \
                and self.compiled is not None and self.compiled.returns_rows and not self.compiled.isinsert \
                and not self.compiled.isupdate and not self.compiled.isdelete:
            self._is_server_side = True
            return self.create_server_side_cursor()
        if opts.get("stream_results") and self.dialect.supports_server_side_cursors and (
                self.compiled is None or (self.compiled.statement.__visit_name__ == "textclause"
                                          and SELECT_LIKE.match(self.statement))):
            # a driver-level string as asked; a text() construct when it reads as a SELECT
            self._is_server_side = True
            return self.create_server_side_cursor()
        return self._dbapi_connection.cursor()

    def create_server_side_cursor(self) -> Any:
        return self._dbapi_connection.cursor(self.dialect._ss_cursor_class())


# -- dialect -----------------------------------------------------------------------------------------


def parse_server_version(text: str) -> tuple[tuple[int, ...], bool]:
    """``"10.11.6-MariaDB-0+deb12u1"`` → ``((10, 11, 6), True)``; ``"8.0.36"`` → ``((8, 0, 36),
    False)``. The ``5.5.5-`` prefix old MariaDB servers sent for replication compatibility is
    skipped."""
    is_mariadb = "mariadb" in text.lower()
    if is_mariadb and text.startswith("5.5.5-"):
        text = text[len("5.5.5-"):]
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0,), is_mariadb
    return tuple(int(g) for g in m.groups() if g is not None), is_mariadb


class MySQLDialect(MySQLReflectionMixin, DefaultDialect):
    """MySQL 5.7+/8 and MariaDB 10.3+. Version-dependent features are switched on in
    :meth:`initialize` from the server version of the first connection."""

    name = "mysql"
    paramstyle = "format"
    default_paramstyle = "format"
    statement_compiler = MySQLCompiler
    ddl_compiler = MySQLDDLCompiler
    type_compiler = MySQLTypeCompiler
    preparer = MySQLIdentifierPreparer
    literal_renderer_cls = MySQLLiteralRenderer
    execution_ctx_cls = MySQLExecutionContext
    colspecs: dict[type, type] = {
        sqltypes.DateTime: mytypes._MyDateTime,
        sqltypes.Time: mytypes._MyTime,
    }

    supports_native_boolean = False
    supports_native_enum = True
    supports_native_decimal = True
    supports_sequences = False
    supports_comments = True
    inline_comments = True
    supports_default_values = False
    supports_default_keyword = True
    supports_multivalues_insert = True
    supports_aggregate_filter = False
    supports_regexp = True
    supports_full_outer_join = False
    supports_server_side_cursors = True
    server_side_cursor_blocks_connection = True
    supports_schemas = True
    supports_json = True
    supports_for_update = True
    supports_window_functions = True
    supports_sane_rowcount = True  # CLIENT.FOUND_ROWS: UPDATE counts matched rows, not changed ones
    supports_sane_multi_rowcount = True
    supports_empty_in_subquery = True
    implicit_pk_returning = False  # the driver's lastrowid gives the AUTO_INCREMENT value
    insert_executemany_returning = False
    max_identifier_length = 64
    default_isolation_level: str | None = "REPEATABLE READ"

    #: True on MariaDB (found from the server version string; forced by the mariadb dialect)
    is_mariadb = False
    #: ``CREATE INDEX ... ((expr))``: MySQL 8.0.13+, never MariaDB
    supports_expression_indexes = False
    #: ``WITH ... UPDATE`` / ``WITH ... DELETE`` (MySQL 8; not MariaDB)
    supports_cte_dml = False
    #: the session sql_mode seen on the first connection
    sql_mode = ""
    _supports_row_alias = False
    _supports_for_update_of = False
    _supports_for_share = False

    def __init__(self, is_mariadb: bool | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self._forced_mariadb = is_mariadb
        if is_mariadb is not None:
            self.is_mariadb = is_mariadb
            self._set_version_flags((0,))

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        raw = self._server_version_string(connection.connection.dbapi_connection)
        version, is_mariadb = parse_server_version(raw)
        if self._forced_mariadb and not is_mariadb:
            raise exc.InvalidRequestError(
                f"The mariadb dialect was asked for but the server is not MariaDB (version {raw!r}); "
                "use a mysql:// URL"
            )
        self.is_mariadb = is_mariadb
        return version

    def _server_version_string(self, dbapi_connection: Any) -> str:
        cur = dbapi_connection.cursor()
        try:
            cur.execute("SELECT VERSION()")
            return str(cur.fetchone()[0])
        finally:
            cur.close()

    def initialize(self, connection: Any) -> None:
        super().initialize(connection)
        self._set_version_flags(self.server_version_info or (0,))
        self._detect_sql_mode(connection.connection.dbapi_connection)

    def _detect_sql_mode(self, dbapi_connection: Any) -> None:
        """Literal strings escape backslashes unless the session runs with NO_BACKSLASH_ESCAPES
        (then a backslash is an ordinary character and doubling it would change the value)."""
        cur = dbapi_connection.cursor()
        try:
            cur.execute("SELECT @@SESSION.sql_mode")
            mode = cur.fetchone()[0] or ""
        finally:
            cur.close()
        if isinstance(mode, bytes):
            mode = mode.decode()
        self.sql_mode = str(mode)
        self.literal_renderer.backslash_escapes = "NO_BACKSLASH_ESCAPES" not in self.sql_mode.upper()

    def _set_version_flags(self, version: tuple[int, ...]) -> None:
        maria = self.is_mariadb
        # RETURNING: MariaDB 10.5 has INSERT/REPLACE ... RETURNING (DELETE since 10.0.5); no UPDATE
        self.insert_returning = self.delete_returning = maria and version >= (10, 5)
        # executemany INSERT ... RETURNING runs as multi-row VALUES batches (the engine's
        # insertmanyvalues), so the ORM's flush fetches keys one round trip per batch
        self.insert_executemany_returning = self.insert_returning
        self.update_returning = False
        self.supports_fetch_with_ties = maria and version >= (10, 6)  # OFFSET/FETCH syntax
        self._supports_row_alias = not maria and version >= (8, 0, 20)
        self._supports_for_update_of = not maria and version >= (8,)
        self._supports_for_share = not maria and version >= (8,)
        self.supports_window_functions = version >= ((10, 2) if maria else (8,))
        self.cte_recursive_keyword = True
        self.supports_check_constraints = version >= ((10, 2) if maria else (8, 0, 16))
        self.supports_expression_indexes = not maria and version >= (8, 0, 13)
        self.supports_cte_dml = not maria  # MariaDB: WITH only inside INSERT ... SELECT and subqueries

    def _ss_cursor_class(self) -> Any:
        """The driver's unbuffered cursor class (server-side cursor)."""
        raise exc.InvalidRequestError(f"The {self.driver} driver has no server-side cursor")

    # -- errors --------------------------------------------------------------------------------------

    @staticmethod
    def _error_code(err: BaseException) -> int | None:
        args = getattr(err, "args", ())
        if args and isinstance(args[0], int):
            return args[0]
        return None


__all__ = [
    "MAX_LIMIT", "MySQLCompiler", "MySQLDDLCompiler", "MySQLDialect", "MySQLExecutionContext",
    "MySQLIdentifierPreparer", "MySQLLiteralRenderer", "MySQLTypeCompiler", "parse_server_version",
]
