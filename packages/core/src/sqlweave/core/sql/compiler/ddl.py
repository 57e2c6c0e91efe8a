"""DDL compilation: CREATE/DROP TABLE, INDEX, SEQUENCE and constraints."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core import schema as sa_schema
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import elements
from sqlweave.core.sql.compiler import Compiled


class DDLCompiler(Compiled):
    """Compiles DDL elements. Dialects override column specs and constraint spellings."""

    isddl = True
    _dispatch: dict[str, Any] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._dispatch = {}

    def __init__(self, dialect: Any, statement: Any, schema_translate_map: Any = None, **kw: Any) -> None:
        super().__init__(dialect, statement)
        if schema_translate_map:
            self.preparer = self.preparer.with_schema_translate_map(schema_translate_map)
        self.type_compiler = dialect.type_compiler_instance
        self.bind_processors: dict[str, Any] = {}
        self.positiontup = [] if dialect.positional else None
        self.positional = dialect.positional
        self.binds: dict[str, Any] = {}
        self.returning: list[Any] = []
        self._result_columns: list[Any] = []
        self.string = self.process(statement)

    def process(self, element: Any, **kw: Any) -> str:
        name = element.__visit_name__
        table = type(self)._dispatch
        meth = table.get(name)
        if meth is None:
            meth = getattr(type(self), "visit_" + name, None)
            if meth is None:
                raise exc.UnsupportedCompilationError(element, self.dialect.name)
            table[name] = meth
        return meth(self, element, **kw)  # type: ignore[no-any-return]

    def construct_params(self, extracted: Any, params: Any) -> dict[str, Any]:
        return {}

    @property
    def sql_compiler(self) -> Any:
        """A SQL compiler for expressions inside DDL, with values rendered inline."""
        from sqlweave.core.sql.elements import literal_column

        return self.dialect.statement_compiler(self.dialect, literal_column("1"), compile_kwargs={"literal_binds": True})

    def _expr(self, clause: Any) -> str:
        return str(self.sql_compiler.process(clause, include_table=False, literal_binds=True))

    # -- tables -----------------------------------------------------------------------------------

    def visit_create_table(self, create: Any, **kw: Any) -> str:
        table = create.element
        prep = self.preparer
        prep.validate_identifier(table.name)
        text = "\nCREATE "
        if table._prefixes:
            text += " ".join(table._prefixes) + " "
        text += "TABLE "
        if create.if_not_exists:
            text += "IF NOT EXISTS "
        text += prep.format_table(table) + " ("
        lines = []
        for col in table.columns:
            prep.validate_identifier(col.name)
            lines.append("\t" + self.get_column_specification(col))
        constraints = self.create_table_constraints(table)
        if constraints:
            lines.append(constraints)
        text += "\n" + ", \n".join(lines) + "\n)" + self.post_create_table(table) + "\n\n"
        return text

    def create_table_constraints(self, table: Any) -> str:
        out = []
        pk = table.primary_key
        if pk.columns and not self._pk_inline(table):
            out.append(self.process(pk))
        for con in sorted(table.constraints, key=lambda c: (type(c).__name__, c.name or "", [x.name for x in getattr(c, "columns", [])])):
            if con is pk:
                continue
            if isinstance(con, sa_schema.ForeignKeyConstraint) and (con.use_alter and self.dialect.supports_alter):
                continue
            if isinstance(con, sa_schema.ForeignKeyConstraint) and not self.dialect.supports_foreign_keys_inline:
                continue
            rendered = self.process(con)
            if rendered:
                out.append(rendered)
        for col in table.columns:
            ck = self._type_check_constraint(col)
            if ck:
                out.append(ck)
        return ", \n".join("\t" + c for c in out)

    def _type_check_constraint(self, col: Any) -> str | None:
        t = col.type
        if isinstance(t, sqltypes.TypeDecorator):
            t = t.impl
        if isinstance(t, sqltypes.Enum) and t.create_constraint and not (t.native_enum and self.dialect.supports_native_enum):
            values = ", ".join(self.dialect.literal_renderer.render_string(v) for v in t.enums)
            return f"CHECK ({self.preparer.quote(col.name)} IN ({values}))"
        if isinstance(t, sqltypes.Boolean) and t.create_constraint and not self.dialect.supports_native_boolean:
            return f"CHECK ({self.preparer.quote(col.name)} IN (0, 1))"
        return None

    def _pk_inline(self, table: Any) -> bool:
        return False

    def post_create_table(self, table: Any) -> str:
        return ""

    def get_column_specification(self, column: Any) -> str:
        if column.type._is_null_type:
            for fk in column.foreign_keys:
                _ = fk.column  # resolving the target gives the column its type
        text = self.preparer.quote(column.name) + " " + self.type_compiler.process(column.type, type_expression=column)
        default = self.get_column_default_string(column)
        if column.computed is not None:
            text += " " + self.visit_computed_column(column.computed)
        elif default is not None:
            text += " DEFAULT " + default
        if column.identity is not None and self.dialect.supports_identity_columns:
            text += " " + self.visit_identity_column(column.identity)
        identity_inline = column.identity is not None and self.dialect.supports_identity_columns
        if not column.nullable and column.computed is None and not identity_inline:
            text += " NOT NULL"
        elif column.nullable and column.primary_key and not column.computed:
            text += " NULL"
        if column.comment and self.dialect.supports_comments and self.dialect.inline_comments:
            text += " COMMENT " + self.dialect.literal_renderer.render_string(column.comment)
        return text

    def get_column_default_string(self, column: Any) -> str | None:
        sd = column.server_default
        if isinstance(sd, sa_schema.DefaultClause):
            if isinstance(sd.arg, str):
                return self.dialect.literal_renderer.render_string(sd.arg)
            return self._expr(sd.arg)
        return None

    def visit_computed_column(self, computed: Any) -> str:
        text = f"GENERATED ALWAYS AS ({self._expr(computed.sqltext)})"
        if computed.persisted is True:
            text += " STORED"
        elif computed.persisted is False:
            text += " VIRTUAL"
        return text

    def visit_identity_column(self, identity: Any) -> str:
        text = "GENERATED ALWAYS AS IDENTITY" if identity.always else "GENERATED BY DEFAULT AS IDENTITY"
        opts = []
        if identity.start is not None:
            opts.append(f"START WITH {int(identity.start)}")
        if identity.increment is not None:
            opts.append(f"INCREMENT BY {int(identity.increment)}")
        if opts:
            text += " (" + " ".join(opts) + ")"
        return text

    def visit_drop_table(self, drop: Any, **kw: Any) -> str:
        text = "\nDROP TABLE "
        if drop.if_exists:
            text += "IF EXISTS "
        return text + self.preparer.format_table(drop.element)

    # -- constraints ------------------------------------------------------------------------------

    def _constraint_name(self, con: Any, kind: str, referred: Any = None) -> str | None:
        table = con.table
        md = getattr(table, "metadata", None)
        cols = list(con.columns) if hasattr(con, "columns") else []
        if md is None:
            return con.name  # type: ignore[no-any-return]
        return md.constraint_name_for(kind, table, cols, referred, con.name)  # type: ignore[no-any-return]

    def _named(self, con: Any, kind: str, referred: Any = None) -> str:
        name = self._constraint_name(con, kind, referred)
        return f"CONSTRAINT {self.preparer.format_constraint(con, name)} " if name else ""

    def visit_primary_key_constraint(self, con: Any, **kw: Any) -> str:
        if not con.columns:
            return ""
        cols = ", ".join(self.preparer.quote(c.name) for c in con.columns)
        return f"{self._named(con, 'pk')}PRIMARY KEY ({cols})"

    def visit_unique_constraint(self, con: Any, **kw: Any) -> str:
        if not con.columns:
            return ""
        cols = ", ".join(self.preparer.quote(c.name) for c in con.columns)
        return f"{self._named(con, 'uq')}UNIQUE ({cols})"

    def visit_check_constraint(self, con: Any, **kw: Any) -> str:
        return f"{self._named(con, 'ck')}CHECK ({self._expr(con.sqltext)})"

    def visit_foreign_key_constraint(self, con: Any, **kw: Any) -> str:
        remote = [fk.column for fk in con.elements]
        rtable = remote[0].table
        text = self._named(con, "fk", (rtable, remote))
        text += "FOREIGN KEY(" + ", ".join(self.preparer.quote(c.name) for c in con.columns) + ") "
        text += "REFERENCES " + self.preparer.format_table(rtable) + " ("
        text += ", ".join(self.preparer.quote(c.name) for c in remote) + ")"
        if con.ondelete:
            text += " ON DELETE " + _fk_action(con.ondelete)
        if con.onupdate:
            text += " ON UPDATE " + _fk_action(con.onupdate)
        if con.deferrable is not None and self.dialect.supports_deferrable:
            text += " DEFERRABLE" if con.deferrable else " NOT DEFERRABLE"
            if con.initially:
                text += " INITIALLY " + _initially(con.initially)
        return text

    def visit_add_constraint(self, add: Any, **kw: Any) -> str:
        con = add.element
        return f"ALTER TABLE {self.preparer.format_table(con.table)} ADD {self.process(con)}"

    def visit_drop_constraint(self, drop: Any, **kw: Any) -> str:
        con = drop.element
        kind = {"foreign_key_constraint": "fk", "unique_constraint": "uq", "check_constraint": "ck",
                "primary_key_constraint": "pk"}.get(con.__visit_name__, "ck")
        name = self._constraint_name(con, kind)
        if not name:
            raise exc.CompileError("Can't drop an unnamed constraint; give it a name or a naming_convention")
        return f"ALTER TABLE {self.preparer.format_table(con.table)} {self.drop_constraint_keyword(con)} {self.preparer.format_constraint(con, name)}"

    def drop_constraint_keyword(self, con: Any) -> str:
        return "DROP CONSTRAINT"

    # -- indexes and sequences --------------------------------------------------------------------

    def _index_name(self, index: Any) -> str:
        table = index.table
        name = index.name
        if name is None or index._column_flag and name is None:
            md = table.metadata
            name = md.constraint_name_for("ix", table, index.expressions, None, None)
        if name is None:
            raise exc.CompileError(f"Index on table {table.name!r} has no name and no naming_convention 'ix'")
        return name  # type: ignore[no-any-return]

    def visit_create_index(self, create: Any, **kw: Any) -> str:
        index = create.element
        name = self._index_name(index)
        text = "CREATE "
        if index.unique:
            text += "UNIQUE "
        text += "INDEX "
        if create.if_not_exists:
            text += "IF NOT EXISTS "
        text += f"{self.preparer.format_index(index, name)} ON {self.preparer.format_table(index.table)} ("
        text += ", ".join(self._index_expr(e) for e in index.expressions) + ")"
        return text

    def _index_expr(self, e: Any) -> str:
        if isinstance(e, elements.ColumnClause) and not e.is_literal:
            return self.preparer.quote(e.name)  # type: ignore[no-any-return]
        expr = self._expr(e)
        return expr if isinstance(e, elements.UnaryExpression) else f"({expr})"

    def visit_drop_index(self, drop: Any, **kw: Any) -> str:
        index = drop.element
        text = "\nDROP INDEX "
        if drop.if_exists:
            text += "IF EXISTS "
        name = self._index_name(index)
        return text + self.preparer.format_index(index, name)

    def visit_create_sequence(self, create: Any, **kw: Any) -> str:
        seq = create.element
        text = "CREATE SEQUENCE " + self.preparer.format_sequence(seq)
        if seq.increment is not None:
            text += f" INCREMENT BY {int(seq.increment)}"
        if seq.start is not None:
            text += f" START WITH {int(seq.start)}"
        if seq.minvalue is not None:
            text += f" MINVALUE {int(seq.minvalue)}"
        if seq.maxvalue is not None:
            text += f" MAXVALUE {int(seq.maxvalue)}"
        if seq.cycle:
            text += " CYCLE"
        return text

    def visit_drop_sequence(self, drop: Any, **kw: Any) -> str:
        return "DROP SEQUENCE " + self.preparer.format_sequence(drop.element)

    def visit_create_schema(self, create: Any, **kw: Any) -> str:
        return "CREATE SCHEMA " + self.preparer.quote_schema(create.element)

    def visit_drop_schema(self, drop: Any, **kw: Any) -> str:
        return "DROP SCHEMA " + self.preparer.quote_schema(drop.element)

    def visit_ddl(self, ddl: Any, **kw: Any) -> str:
        return ddl.statement  # type: ignore[no-any-return]


_ACTIONS = {"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"}


def _fk_action(action: str) -> str:
    a = action.upper()
    if a not in _ACTIONS:
        raise exc.CompileError(f"Unknown foreign key action {action!r}")
    return a


def _initially(value: str) -> str:
    v = value.upper()
    if v not in ("DEFERRED", "IMMEDIATE"):
        raise exc.CompileError(f"INITIALLY takes DEFERRED or IMMEDIATE, not {value!r}")
    return v
