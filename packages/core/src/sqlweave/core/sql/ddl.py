"""DDL statements (CREATE/DROP TABLE, INDEX, SEQUENCE, constraints) and the create_all/drop_all
drivers that order them by foreign-key dependency."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql.elements import ClauseElement


class DDLElement(ClauseElement):
    """Base of DDL statements; executed like any statement, compiled by the DDL compiler."""

    is_executable = True
    is_ddl = True
    _execution_options: dict[str, Any] = {}

    def __init__(self, element: Any, if_exists: bool = False, if_not_exists: bool = False) -> None:
        self.element = element
        self.if_exists = if_exists
        self.if_not_exists = if_not_exists

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return None  # DDL is not cached

    def compile(self, bind: Any = None, dialect: Any = None, **kw: Any) -> Any:
        if dialect is None:
            if bind is not None:
                dialect = bind.dialect
            else:
                from sqlweave.core.engine.default import StrCompileDialect

                dialect = StrCompileDialect()
        return dialect.ddl_compiler(dialect, self, **kw)

    def _execute_on_connection(self, connection: Any, distilled_params: Any, execution_options: Any) -> Any:
        return connection._execute_ddl(self, distilled_params, execution_options)


class CreateTable(DDLElement):
    """``CREATE TABLE``."""

    __visit_name__ = "create_table"


class DropTable(DDLElement):
    """``DROP TABLE``."""

    __visit_name__ = "drop_table"


class CreateIndex(DDLElement):
    """``CREATE INDEX``."""

    __visit_name__ = "create_index"


class DropIndex(DDLElement):
    """``DROP INDEX``."""

    __visit_name__ = "drop_index"


class AddConstraint(DDLElement):
    """``ALTER TABLE ... ADD CONSTRAINT`` (used for ``use_alter`` foreign keys)."""

    __visit_name__ = "add_constraint"


class DropConstraint(DDLElement):
    """``ALTER TABLE ... DROP CONSTRAINT``."""

    __visit_name__ = "drop_constraint"


class CreateSequence(DDLElement):
    __visit_name__ = "create_sequence"


class DropSequence(DDLElement):
    __visit_name__ = "drop_sequence"


class CreateSchema(DDLElement):
    __visit_name__ = "create_schema"


class DropSchema(DDLElement):
    __visit_name__ = "drop_schema"


class DDL(DDLElement):
    """A literal DDL statement.

    .. warning:: trusted SQL — do not pass untrusted input.
    """

    __visit_name__ = "ddl"

    def __init__(self, statement: str) -> None:
        if not isinstance(statement, str):
            raise exc.ArgumentError("DDL() takes a str")
        super().__init__(None)
        self.statement = statement


def _translated_schema(conn: Any, schema: str | None) -> str | None:
    """``schema`` as the connection's ``schema_translate_map`` renders it."""
    stm = getattr(conn, "_execution_options", {}).get("schema_translate_map")
    return stm.get(schema, schema) if stm else schema


class SchemaGenerator:
    """Runs CREATE for a MetaData in dependency order (sequences, tables, indexes, ALTERs)."""

    def __init__(self, connection: Any, metadata: Any, checkfirst: bool) -> None:
        self.conn = connection
        self.metadata = metadata
        self.checkfirst = checkfirst
        self.dialect = connection.dialect

    def create(self, tables: Any = None) -> None:
        from sqlweave.core._util.topological import sort_tables

        all_tables = list(self.metadata.tables.values()) if tables is None else list(tables)
        ordered = sort_tables(all_tables)
        todo = [t for t in ordered if not (self.checkfirst and self.dialect.has_table(self.conn, t.name, schema=_translated_schema(self.conn, t.schema)))]
        if self.dialect.supports_sequences:
            seqs = {}
            for t in todo:
                for c in t.columns:
                    if getattr(c.default, "is_sequence", False):
                        seqs[c.default.name] = c.default
            if tables is None:
                seqs.update(self.metadata._sequences)
            for seq in seqs.values():
                if seq.optional and self.dialect.supports_identity_columns:
                    continue
                if not self.dialect.has_sequence(self.conn, seq.name, schema=seq.schema):
                    self.conn.execute(CreateSequence(seq))
        self.dialect.before_create_tables(self.conn, todo, self.checkfirst)
        for t in todo:
            self.conn.execute(CreateTable(t))
            for idx in sorted(t.indexes, key=lambda i: i.name or ""):
                self.conn.execute(CreateIndex(idx))
        # optional dialect hook for statements that follow CREATE TABLE (PostgreSQL COMMENT ON)
        after = getattr(self.dialect, "after_create_tables", None)
        if after is not None:
            after(self.conn, todo, self.checkfirst)
        if self.dialect.supports_alter:
            for t in todo:
                for fkc in t.foreign_key_constraints:
                    if fkc.use_alter:
                        self.conn.execute(AddConstraint(fkc))


class SchemaDropper:
    """Runs DROP for a MetaData in reverse dependency order."""

    def __init__(self, connection: Any, metadata: Any, checkfirst: bool) -> None:
        self.conn = connection
        self.metadata = metadata
        self.checkfirst = checkfirst
        self.dialect = connection.dialect

    def drop(self, tables: Any = None) -> None:
        from sqlweave.core._util.topological import sort_tables

        all_tables = list(self.metadata.tables.values()) if tables is None else list(tables)
        ordered = list(reversed(sort_tables(all_tables)))
        todo = [t for t in ordered if not self.checkfirst or self.dialect.has_table(self.conn, t.name, schema=_translated_schema(self.conn, t.schema))]
        if self.dialect.supports_alter:
            for t in todo:
                for fkc in t.foreign_key_constraints:
                    if fkc.use_alter and fkc.name:
                        self.conn.execute(DropConstraint(fkc))
        for t in todo:
            self.conn.execute(DropTable(t))
        self.dialect.after_drop_tables(self.conn, todo, self.checkfirst)
        if self.dialect.supports_sequences:
            seqs = {}
            for t in todo:
                for c in t.columns:
                    if getattr(c.default, "is_sequence", False):
                        seqs[c.default.name] = c.default
            if tables is None:
                seqs.update(self.metadata._sequences)
            for seq in seqs.values():
                if self.dialect.has_sequence(self.conn, seq.name, schema=seq.schema):
                    self.conn.execute(DropSequence(seq))
