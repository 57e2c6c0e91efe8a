"""Reflection for MySQL and MariaDB from ``information_schema``.

Column types are parsed from ``COLUMN_TYPE`` (``int(10) unsigned``, ``enum('a','b')``,
``datetime(6)`` ...) into the types of :mod:`sqlweave.dialects.mysql.types`. Two MySQL spellings
are read back as what they stand for: ``tinyint(1)`` as :class:`~.types.BOOLEAN`, and on MariaDB a
``longtext`` column guarded by the automatic ``json_valid(col)`` check as :class:`~.types.JSON`
(that check is then not reported by ``get_check_constraints``).

Unique constraints and unique indexes are the same thing in MySQL: both are reported by
``get_unique_constraints`` and by ``get_indexes`` (there with ``duplicates_constraint``). The
indexes InnoDB creates by itself for foreign keys are not reported.
"""

from __future__ import annotations

import re
from typing import Any

from sqlweave.core import types as sqltypes
from sqlweave.dialects.mysql import types as mytypes

_COLTYPE = re.compile(r"^(\w+)(?:\((.*)\))?\s*(.*)$", re.S)
_JSON_CHECK = re.compile(r"^json_valid\(`((?:[^`]|``)+)`\)$", re.I)

_SIMPLE: dict[str, type[sqltypes.TypeEngine]] = {
    "tinytext": mytypes.TINYTEXT, "text": mytypes.TEXT, "mediumtext": mytypes.MEDIUMTEXT,
    "longtext": mytypes.LONGTEXT, "tinyblob": mytypes.TINYBLOB, "blob": mytypes.BLOB,
    "mediumblob": mytypes.MEDIUMBLOB, "longblob": mytypes.LONGBLOB, "date": mytypes.DATE,
    "json": mytypes.JSON, "year": mytypes.YEAR,
}
_INTS: dict[str, type[sqltypes.TypeEngine]] = {
    "tinyint": mytypes.TINYINT, "smallint": mytypes.SMALLINT, "mediumint": mytypes.MEDIUMINT,
    "int": mytypes.INTEGER, "integer": mytypes.INTEGER, "bigint": mytypes.BIGINT,
}


def _enum_values(args: str) -> list[str]:
    return [v.replace("''", "'").replace("\\\\", "\\") for v in re.findall(r"'((?:[^']|'')*)'", args)]


def parse_column_type(coltype: str) -> sqltypes.TypeEngine:
    """``COLUMN_TYPE`` text → a sqlweave type (``NullType`` for types sqlweave does not know)."""
    m = _COLTYPE.match(coltype.strip())
    if not m:
        return sqltypes.NullType()
    name, args, rest = m.group(1).lower(), m.group(2), m.group(3).lower()
    unsigned = "unsigned" in rest
    zerofill = "zerofill" in rest
    nums = [int(a) for a in re.findall(r"\d+", args)] if args and name not in ("enum", "set") else []
    if name in _INTS:
        if name == "tinyint" and nums == [1] and not unsigned:
            return mytypes.BOOLEAN()
        return _INTS[name](display_width=nums[0] if nums else None,  # type: ignore[call-arg]
                           unsigned=unsigned, zerofill=zerofill)
    if name in ("decimal", "numeric", "dec", "fixed"):
        return mytypes.DECIMAL(nums[0] if nums else None, nums[1] if len(nums) > 1 else None,
                               unsigned=unsigned, zerofill=zerofill)
    if name == "float":
        return mytypes.FLOAT(unsigned=unsigned)
    if name in ("double", "real"):
        return mytypes.DOUBLE(unsigned=unsigned)
    if name == "bit":
        return mytypes.BIT(nums[0] if nums else None)
    if name == "varchar":
        return mytypes.VARCHAR(nums[0] if nums else None)
    if name == "char":
        return mytypes.CHAR(nums[0] if nums else None)
    if name == "binary":
        return mytypes.BINARY(nums[0] if nums else None)
    if name == "varbinary":
        return mytypes.VARBINARY(nums[0] if nums else None)
    if name == "enum":
        return mytypes.ENUM(*_enum_values(args or ""))
    if name == "set":
        return mytypes.SET(*_enum_values(args or ""))
    if name in ("datetime", "timestamp", "time"):
        cls = {"datetime": mytypes.DATETIME, "timestamp": mytypes.TIMESTAMP, "time": mytypes.TIME}[name]
        return cls(fsp=nums[0] if nums else None)  # type: ignore[call-arg]
    simple = _SIMPLE.get(name)
    if simple is not None:
        return simple()
    if name == "uuid":  # MariaDB 10.7+ native UUID
        return sqltypes.Uuid()
    return sqltypes.NullType()


class MySQLReflectionMixin:
    """The ``get_*`` methods the Inspector calls, for MySQL and MariaDB."""

    is_mariadb: bool
    name: str

    # -- helpers -----------------------------------------------------------------------------------

    def _schema(self, connection: Any, schema: str | None) -> str:
        return schema if schema is not None else self._get_default_schema_name(connection)

    def _rows(self, connection: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(connection.exec_driver_sql(sql, params).all())

    def _get_default_schema_name(self, connection: Any) -> str:
        return str(connection.exec_driver_sql("SELECT DATABASE()").scalar())

    def _json_check_columns(self, connection: Any, schema: str, table_name: str) -> set[str]:
        """MariaDB: columns whose JSON type became LONGTEXT + CHECK (json_valid(col))."""
        if not self.is_mariadb:
            return set()
        out = set()
        for name, clause in self._check_rows(connection, schema, table_name):
            m = _JSON_CHECK.match(clause.strip())
            if m and m.group(1).replace("``", "`") == name:
                out.add(name)
        return out

    def _check_rows(self, connection: Any, schema: str, table_name: str) -> list[Any]:
        if self.is_mariadb:
            return self._rows(
                connection,
                "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s ORDER BY CONSTRAINT_NAME",
                (schema, table_name),
            )
        return self._rows(
            connection,
            "SELECT cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc "
            "JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA "
            "AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME WHERE tc.TABLE_SCHEMA = %s AND tc.TABLE_NAME = %s "
            "AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY cc.CONSTRAINT_NAME",
            (schema, table_name),
        )

    # -- names -------------------------------------------------------------------------------------

    def get_schema_names(self, connection: Any) -> list[str]:
        return [r[0] for r in self._rows(
            connection, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME", ())]

    def get_table_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return [r[0] for r in self._rows(
            connection,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME",
            (self._schema(connection, schema),),
        )]

    def get_view_names(self, connection: Any, schema: str | None = None) -> list[str]:
        return [r[0] for r in self._rows(
            connection,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE = 'VIEW' ORDER BY TABLE_NAME",
            (self._schema(connection, schema),),
        )]

    def has_table(self, connection: Any, table_name: str, schema: str | None = None) -> bool:
        return bool(self._rows(
            connection,
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            (self._schema(connection, schema), table_name),
        ))

    # -- columns -----------------------------------------------------------------------------------

    def get_columns(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        schema = self._schema(connection, schema)
        rows = self._rows(
            connection,
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, "
            "GENERATION_EXPRESSION, DATA_TYPE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            (schema, table_name),
        )
        json_cols = self._json_check_columns(connection, schema, table_name) if rows else set()
        out = []
        for name, coltype, nullable, default, extra, comment, generated, _data_type in rows:
            extra = (extra or "").lower()
            typ = mytypes.JSON() if name in json_cols else parse_column_type(coltype)
            col: dict[str, Any] = {
                "name": name,
                "type": typ,
                "nullable": nullable == "YES",
                "default": self._reflect_default(default, extra, typ),
                "autoincrement": "auto_increment" in extra,
                "comment": comment or None,
            }
            if generated:
                col["computed"] = {"sqltext": generated, "persisted": "stored" in extra or "persistent" in extra}
                col["default"] = None
            out.append(col)
        return out

    def _reflect_default(self, default: Any, extra: str, typ: Any) -> str | None:
        """The default as SQL text (what ``server_default=text(...)`` would take)."""
        if default is None:
            return None
        if self.is_mariadb:
            # MariaDB 10.2.7+ reports defaults as SQL expressions: 'NULL', 'abc' quoted, now()...
            return None if default == "NULL" else str(default)
        if "default_generated" in extra:
            return str(default) if re.fullmatch(r"(?i)current_timestamp(\(\d*\))?", default) else f"({default})"
        if isinstance(typ, (sqltypes.Integer, sqltypes.Numeric, sqltypes.Boolean)) and \
                re.fullmatch(r"-?\d+(\.\d+)?", default):
            return str(default)
        return "'" + str(default).replace("\\", "\\\\").replace("'", "''") + "'"

    # -- constraints -------------------------------------------------------------------------------

    def get_pk_constraint(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        rows = self._rows(
            connection,
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "
            "AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
            (self._schema(connection, schema), table_name),
        )
        return {"constrained_columns": [r[0] for r in rows], "name": None}

    def get_foreign_keys(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        schema = self._schema(connection, schema)
        rows = self._rows(
            connection,
            "SELECT kcu.CONSTRAINT_NAME, kcu.COLUMN_NAME, kcu.REFERENCED_TABLE_SCHEMA, "
            "kcu.REFERENCED_TABLE_NAME, kcu.REFERENCED_COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE "
            "FROM information_schema.KEY_COLUMN_USAGE kcu "
            "JOIN information_schema.REFERENTIAL_CONSTRAINTS rc "
            "ON rc.CONSTRAINT_SCHEMA = kcu.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = kcu.CONSTRAINT_NAME "
            "AND rc.TABLE_NAME = kcu.TABLE_NAME "
            "WHERE kcu.TABLE_SCHEMA = %s AND kcu.TABLE_NAME = %s AND kcu.REFERENCED_TABLE_NAME IS NOT NULL "
            "ORDER BY kcu.CONSTRAINT_NAME, kcu.ORDINAL_POSITION",
            (schema, table_name),
        )
        fks: dict[str, dict[str, Any]] = {}
        for name, col, rschema, rtable, rcol, on_update, on_delete in rows:
            fk = fks.get(name)
            if fk is None:
                options = {}
                # RESTRICT and NO ACTION behave the same in InnoDB and are the default
                if on_update and on_update not in ("RESTRICT", "NO ACTION"):
                    options["onupdate"] = on_update
                if on_delete and on_delete not in ("RESTRICT", "NO ACTION"):
                    options["ondelete"] = on_delete
                fk = fks[name] = {
                    "name": name, "constrained_columns": [], "referred_schema": None if rschema == schema else rschema,
                    "referred_table": rtable, "referred_columns": [], "options": options,
                }
            fk["constrained_columns"].append(col)
            fk["referred_columns"].append(rcol)
        return list(fks.values())

    def _index_rows(self, connection: Any, schema: str, table_name: str) -> dict[str, dict[str, Any]]:
        rows = self._rows(
            connection,
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND INDEX_NAME <> 'PRIMARY' "
            "ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (schema, table_name),
        )
        out: dict[str, dict[str, Any]] = {}
        for name, non_unique, col, sub_part, index_type in rows:
            ix = out.setdefault(name, {"name": name, "unique": not int(non_unique), "column_names": [],
                                       "type": index_type, "lengths": {}})
            ix["column_names"].append(col)
            if sub_part is not None and col is not None:
                ix["lengths"][col] = int(sub_part)
        return out

    def get_indexes(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        schema = self._schema(connection, schema)
        fk_cols = {fk["name"]: fk["constrained_columns"] for fk in self.get_foreign_keys(connection, table_name, schema)}
        out = []
        for ix in self._index_rows(connection, schema, table_name).values():
            if not ix["unique"] and fk_cols.get(ix["name"]) == ix["column_names"]:
                continue  # created by InnoDB for the foreign key of that name
            item: dict[str, Any] = {"name": ix["name"], "column_names": ix["column_names"], "unique": ix["unique"]}
            if ix["unique"]:
                item["duplicates_constraint"] = ix["name"]
            opts = {}
            if ix["type"] in ("FULLTEXT", "SPATIAL"):
                opts["mysql_prefix"] = ix["type"]
            if ix["lengths"]:
                opts["mysql_length"] = ix["lengths"]
            if opts:
                item["dialect_options"] = opts
            out.append(item)
        return out

    def get_unique_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        schema = self._schema(connection, schema)
        return [
            {"name": ix["name"], "column_names": ix["column_names"]}
            for ix in self._index_rows(connection, schema, table_name).values() if ix["unique"]
        ]

    def get_check_constraints(self, connection: Any, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        schema = self._schema(connection, schema)
        json_cols = self._json_check_columns(connection, schema, table_name)
        out = []
        for name, clause in self._check_rows(connection, schema, table_name):
            m = _JSON_CHECK.match(clause.strip())
            if m and name in json_cols and m.group(1).replace("``", "`") == name:
                continue
            out.append({"name": name, "sqltext": clause})
        return out

    def get_table_comment(self, connection: Any, table_name: str, schema: str | None = None) -> dict[str, Any]:
        rows = self._rows(
            connection,
            "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            (self._schema(connection, schema), table_name),
        )
        return {"text": rows[0][0] or None if rows else None}
