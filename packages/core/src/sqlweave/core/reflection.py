"""Reflection: reading table definitions back from the database.

:class:`Inspector` (``inspect(engine)``) asks the dialect; a dialect implements ``get_table_names``,
``get_view_names``, ``get_columns``, ``get_pk_constraint``, ``get_foreign_keys``, ``get_indexes``,
``get_unique_constraints``, ``get_check_constraints``, ``get_table_comment`` and ``has_table``.
Each returns plain dicts shaped as SQLAlchemy's do (``{"name", "type", "nullable", "default",
"autoincrement", "comment"}`` for columns and so on).
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes


class Inspector:
    """Reads schema information through one connection (or a connection per call from an engine)."""

    def __init__(self, bind: Any) -> None:
        self.bind = bind
        self.dialect = bind.dialect
        self.info_cache: dict[Any, Any] = {}

    def _call(self, name: str, *args: Any, **kw: Any) -> Any:
        meth = getattr(self.dialect, name, None)
        if meth is None:
            raise exc.InvalidRequestError(f"The {self.dialect.name} dialect does not implement {name}()")
        if hasattr(self.bind, "execute"):
            return meth(self.bind, *args, **kw)
        with self.bind.connect() as conn:
            return meth(conn, *args, **kw)

    @property
    def default_schema_name(self) -> str | None:
        return self._call("_get_default_schema_name")  # type: ignore[no-any-return]

    def get_schema_names(self) -> list[str]:
        return self._call("get_schema_names")  # type: ignore[no-any-return]

    def get_table_names(self, schema: str | None = None) -> list[str]:
        """Names of the tables in ``schema`` (the default schema if None), sorted."""
        return sorted(self._call("get_table_names", schema=schema))

    def get_view_names(self, schema: str | None = None) -> list[str]:
        return sorted(self._call("get_view_names", schema=schema))

    def has_table(self, table_name: str, schema: str | None = None) -> bool:
        return bool(self._call("has_table", table_name, schema=schema))

    def get_columns(self, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        """Column dicts: name, type, nullable, default, autoincrement, comment."""
        cols = self._call("get_columns", table_name, schema=schema)
        if not cols and not self.has_table(table_name, schema):
            raise exc.NoSuchTableError(table_name)
        return cols  # type: ignore[no-any-return]

    def get_pk_constraint(self, table_name: str, schema: str | None = None) -> dict[str, Any]:
        return self._call("get_pk_constraint", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_foreign_keys(self, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        return self._call("get_foreign_keys", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_indexes(self, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        return self._call("get_indexes", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_unique_constraints(self, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        return self._call("get_unique_constraints", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_check_constraints(self, table_name: str, schema: str | None = None) -> list[dict[str, Any]]:
        return self._call("get_check_constraints", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_table_comment(self, table_name: str, schema: str | None = None) -> dict[str, Any]:
        return self._call("get_table_comment", table_name, schema=schema)  # type: ignore[no-any-return]

    def get_sequence_names(self, schema: str | None = None) -> list[str]:
        return self._call("get_sequence_names", schema=schema)  # type: ignore[no-any-return]

    def reflect_table(self, table: Any, include_columns: Any = None) -> None:
        """Fill ``table`` (columns, primary key, foreign keys, indexes, unique constraints)."""
        from sqlweave.core import schema as sa_schema

        name, schema = table.name, table.schema
        if not self.has_table(name, schema):
            raise exc.NoSuchTableError(name)
        for col in self.get_columns(name, schema):
            if include_columns and col["name"] not in include_columns:
                continue
            if col["name"] in table.c:
                continue
            kw: dict[str, Any] = {"nullable": col.get("nullable", True)}
            default = col.get("default")
            if default is not None:
                from sqlweave.core.sql.elements import text

                kw["server_default"] = sa_schema.DefaultClause(text(default))
                kw["server_default"].reflected = True
            if col.get("comment"):
                kw["comment"] = col["comment"]
            if "autoincrement" in col:
                kw["autoincrement"] = col["autoincrement"]
            typ = col.get("type") or sqltypes.NULLTYPE
            sa_schema.Column(col["name"], typ, **kw)._set_parent(table)
        pk = self.get_pk_constraint(name, schema)
        pk_cols = [table.c[c] for c in pk.get("constrained_columns", []) if c in table.c]
        if pk_cols:
            table.append_constraint(sa_schema.PrimaryKeyConstraint(*pk_cols, name=pk.get("name")))
        table._reset_caches()
        for fk in self.get_foreign_keys(name, schema):
            cols = fk["constrained_columns"]
            if not all(c in table.c for c in cols):
                continue
            rschema = fk.get("referred_schema")
            rtable = fk["referred_table"]
            target = f"{rschema}.{rtable}" if rschema else rtable
            if target not in table.metadata.tables:
                sa_schema.Table(rtable, table.metadata, schema=rschema, autoload_with=self.bind)
            refs = [f"{target}.{c}" for c in fk["referred_columns"]]
            opts = fk.get("options") or {}
            table.append_constraint(sa_schema.ForeignKeyConstraint(
                cols, refs, name=fk.get("name"), ondelete=opts.get("ondelete"), onupdate=opts.get("onupdate")))
        for uc in self.get_unique_constraints(name, schema):
            if all(c in table.c for c in uc["column_names"]):
                table.append_constraint(sa_schema.UniqueConstraint(*uc["column_names"], name=uc.get("name")))
        for ix in self.get_indexes(name, schema):
            if ix.get("duplicates_constraint"):
                continue  # the index behind a unique constraint reflected above (MySQL, PostgreSQL)
            cols = [c for c in ix.get("column_names", []) if c is not None]
            if cols and all(c in table.c for c in cols):
                sa_schema.Index(ix["name"], *[table.c[c] for c in cols], unique=ix.get("unique", False))._set_parent(table)


def inspect_connection(bind: Any) -> Inspector:
    return Inspector(bind)


def reflect_table(bind: Any, table: Any, include_columns: Any = None) -> None:
    Inspector(bind).reflect_table(table, include_columns)


def reflect_metadata(bind: Any, metadata: Any, schema: str | None = None, only: Any = None,
                     views: bool = False, extend_existing: bool = False) -> None:
    from sqlweave.core.schema import Table

    insp = Inspector(bind)
    names = insp.get_table_names(schema)
    if views:
        names += insp.get_view_names(schema)
    if only is not None:
        if callable(only):
            names = [n for n in names if only(n, metadata)]
        else:
            missing = set(only) - set(names)
            if missing:
                raise exc.InvalidRequestError(
                    f"Could not reflect: requested table(s) not available in {bind.dialect.name}: {', '.join(sorted(missing))}"
                )
            names = [n for n in names if n in only]
    for n in names:
        key = f"{schema}.{n}" if schema else n
        if key in metadata.tables and not extend_existing:
            continue
        Table(n, metadata, schema=schema, autoload_with=bind)
