"""INSERT, UPDATE and DELETE (a mixin of SQLCompiler)."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql import elements


class DMLCompilerMixin:
    """Visits for DML. Relies on SQLCompiler for ``process``, binds and result columns."""

    dialect: Any
    preparer: Any
    column_keys: Any
    for_executemany: bool
    insert_prefetch: list[Any]
    update_prefetch: list[Any]
    postfetch: list[Any]
    returning: list[Any]
    implicit_pk_returning: bool
    returns_rows: bool
    isinsert: bool
    isupdate: bool
    isdelete: bool
    stack: list[dict[str, Any]]
    _value_markers: dict[int, int]
    insert_col_params: dict[str, str]
    _extracted: list[Any]

    def process(self, element: Any, **kw: Any) -> str:  # pragma: no cover - provided by SQLCompiler
        raise NotImplementedError

    def _add_result_column(self, keyname: str, column: Any, type_: Any, extra: tuple[Any, ...] = ()) -> None:
        raise NotImplementedError

    def _bind_for_value(self, key: str, value: Any, type_: Any, marker_id: int | None) -> str:
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------------------

    def _marker_positions(self) -> Any:
        """Cache-key positions of the plain values given to ``.values()``, by column key.

        The values were collected in the order the user gave them; the compiler renders them in
        table-column order, so each value is found by its key (and row), never by position."""
        positions = [i for i, b in enumerate(self._extracted) if not isinstance(b, elements.BindParameter)]
        return _KeyedMarkers(getattr(self, "statement", None), positions)

    def _render_value(self, col: Any, value: Any, markers: Any, **kw: Any) -> str:
        if isinstance(value, elements.ClauseElement):
            if isinstance(value, elements.BindParameter):
                return self.process(value, **kw)
            return self.process(value.self_group(), **kw)
        ce = getattr(value, "__clause_element__", None)
        if ce is not None:
            return self.process(ce().self_group(), **kw)
        marker = markers.take(col.key) if isinstance(markers, _KeyedMarkers) else (markers.pop(0) if markers else None)
        text = self._bind_for_value(col.key, value, col.type, marker)
        if text.startswith("\x00") and text.endswith("\x00"):
            # remembered so inserted_primary_key can find a key given through .values()
            self.insert_col_params[col.key] = text[1:-1]
        return text

    def _param_bind(self, col: Any, required: bool = True, **kw: Any) -> str:
        bp = elements.BindParameter(col.key, None, type_=col.type, required=required)
        return self.process(bp, **kw)

    def _returning_clause(self, stmt: Any, **kw: Any) -> str:
        cols = stmt._exported_columns()
        if not cols:
            return ""
        if not self.dialect.update_returning and (stmt.__visit_name__ == "update") or \
           not self.dialect.delete_returning and stmt.__visit_name__ == "delete" or \
           not self.dialect.insert_returning and stmt.__visit_name__ == "insert":
            raise exc.CompileError(
                f"RETURNING is not supported by the {self.dialect.name} dialect"
                f"{' at server version ' + '.'.join(map(str, self.dialect.server_version_info)) if self.dialect.server_version_info else ''}"
                f" for {stmt.__visit_name__.upper()}"
            )
        self.returns_rows = True
        parts = []
        for name, col in cols:
            text = self.process(col, include_table=False, **kw) if isinstance(col, elements.ColumnClause) else self.process(col, **kw)
            if not (isinstance(col, elements.ColumnClause) and col.name == name):
                text += " AS " + self.preparer.format_label_name(name)
            parts.append(text)
            self.returning.append(col)
            self._add_result_column(name, col, col.type, (getattr(col, "key", None),))
        return " RETURNING " + ", ".join(parts)

    # -- INSERT -----------------------------------------------------------------------------------

    def visit_insert(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        self.isinsert = True
        table = stmt.table
        markers = self._marker_positions()
        text = "INSERT "
        if stmt._prefixes:
            text += " ".join(stmt._prefixes) + " "
        text += "INTO " + self.preparer.format_table(table)

        if stmt._select is not None:
            cols = list(stmt._select_names)
            select = stmt._select
            if stmt._select_include_defaults:
                # columns with a scalar or SQL-expression default are added to the SELECT
                extra = []
                for c in table.columns:
                    d = c.default
                    if any(c is x for x in cols) or d is None or getattr(d, "is_sequence", False):
                        continue
                    if d.is_scalar:
                        extra.append(elements.literal(d.arg, c.type))
                    elif d.is_clause_element:
                        extra.append(d.arg)
                    else:
                        continue  # Python callables have no per-row hook in INSERT ... SELECT
                    cols.append(c)
                if extra and hasattr(select, "add_columns"):
                    select = select.add_columns(*extra)
            colnames = ", ".join(self.preparer.quote(c.name) for c in cols)
            body = self.process(select, asfrom=True, **kw)
            if getattr(self.dialect, "cte_follows_insert", False):
                body = "\x01WITH\x01" + body  # the WITH clause goes here, not before INSERT
            text += f" ({colnames}) {body}"
            text += self._post_values(stmt, **kw)
            if stmt._returning:
                text += self._returning_clause(stmt, **kw)
            return text

        if stmt._multi_values:
            rows = [r for chunk in stmt._multi_values for r in chunk]
            keys = [c for c in table.columns if any(c.key in r for r in rows)]
            value_rows = []
            for row_index, r in enumerate(rows):
                if isinstance(markers, _KeyedMarkers):
                    markers.row = row_index
                vals = []
                for c in keys:
                    if c.key in r:
                        vals.append(self._render_value(c, r[c.key], markers, **kw))
                    elif c.default is not None and c.default.is_scalar:
                        vals.append(self._bind_for_value(c.key, c.default.arg, c.type, None))
                    else:
                        vals.append("DEFAULT" if self.dialect.supports_default_keyword else "NULL")
                value_rows.append("(" + ", ".join(vals) + ")")
            text += " (" + ", ".join(self.preparer.quote(c.name) for c in keys) + ") VALUES " + ", ".join(value_rows)
            text += self._post_values(stmt, **kw)
            if stmt._returning:
                text += self._returning_clause(stmt, **kw)
            return text

        given = stmt._values or {}
        column_keys = self.column_keys
        names: list[str] = []
        values: list[str] = []
        autoinc = table._autoincrement_column if hasattr(table, "_autoincrement_column") else None
        pk_given = False
        for col in table.columns:
            key = col.key
            if key in given:
                names.append(self.preparer.quote(col.name))
                values.append(self._render_value(col, given[key], markers, **kw))
                if col is autoinc:
                    pk_given = True
            elif column_keys is not None and key in column_keys:
                names.append(self.preparer.quote(col.name))
                values.append(self._param_bind(col, **kw))
                if col is autoinc:
                    pk_given = True
            elif col.default is not None and not getattr(col.default, "is_sequence", False):
                d = col.default
                names.append(self.preparer.quote(col.name))
                if d.is_clause_element:
                    values.append(self.process(d.arg.self_group(), **kw))
                else:
                    self.insert_prefetch.append(col)
                    values.append(self._param_bind(col, required=False, **kw))
            elif getattr(col.default, "is_sequence", False) and self.dialect.supports_sequences:
                names.append(self.preparer.quote(col.name))
                values.append(self.process(col.default.next_value(), **kw))
                if col is autoinc:
                    self.postfetch.append(col)
            elif col.server_default is not None or col.server_onupdate is not None:
                self.postfetch.append(col)
        if column_keys is not None:
            unknown = [k for k in column_keys if k not in table.columns and k not in given]
            if unknown and not self.dialect._ignore_unknown_insert_keys:
                pass  # extra keys are ignored for INSERT, as SQLAlchemy does

        if names:
            row = "(" + ", ".join(values) + ")"
            if self.for_executemany and stmt._returning and self.dialect.insert_executemany_returning:
                # marked so the engine can repeat the VALUES row per parameter set
                # ("insertmanyvalues": executemany with RETURNING, in batches)
                row = "\x01" + row + "\x02"
            text += " (" + ", ".join(names) + ") VALUES " + row
        else:
            text += self.empty_insert_clause(table)
        text += self._post_values(stmt, **kw)

        if stmt._returning:
            text += self._returning_clause(stmt, **kw)
        elif (
            autoinc is not None and not pk_given and not self.for_executemany
            and (self.dialect.implicit_pk_returning or stmt._return_defaults)
            and self.dialect.insert_returning and getattr(table, "implicit_returning", True)
        ):
            text += self.implicit_returning_clause(autoinc, stmt, **kw)
        elif stmt._return_defaults and self.dialect.insert_returning and not self.for_executemany:
            cols = [c for c in self.postfetch if c is not autoinc]
            if cols:
                text += self._return_defaults_clause(cols, **kw)
        return text

    def implicit_returning_clause(self, autoinc: Any, stmt: Any, **kw: Any) -> str:
        self.implicit_pk_returning = True
        cols = [autoinc]
        if stmt._return_defaults:
            cols += [c for c in self.postfetch if c is not autoinc]
        return self._return_defaults_clause(cols, **kw)

    def _return_defaults_clause(self, cols: list[Any], **kw: Any) -> str:
        self.implicit_pk_returning = True
        self.implicit_returning_cols = cols
        return " RETURNING " + ", ".join(self.preparer.quote(c.name) for c in cols)

    def empty_insert_clause(self, table: Any) -> str:
        return " DEFAULT VALUES"

    def _post_values(self, stmt: Any, **kw: Any) -> str:
        clause = stmt._post_values_clause
        if clause is None:
            return ""
        return " " + self.process(clause, **kw)

    # -- UPDATE -----------------------------------------------------------------------------------

    def visit_update(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        # subqueries in SET and WHERE correlate to the target table (and UPDATE ... FROM tables)
        froms = {id(stmt.table)} | {id(f) for f in self._update_extra_froms(stmt)}
        self.stack.append({"correlate_froms": froms, "select": stmt})
        try:
            return self._visit_update(stmt, **kw)
        finally:
            self.stack.pop()

    def _visit_update(self, stmt: Any, **kw: Any) -> str:
        self.isupdate = True
        table = stmt.table
        markers = self._marker_positions()
        given = stmt._values or {}
        column_keys = self.column_keys
        sets: list[str] = []
        order = list(table.columns)
        if stmt._ordered_values:
            wanted = [table.c[k] if isinstance(k, str) else k for k in stmt._ordered_values]
            order = wanted + [c for c in order if not any(c is w for w in wanted)]
        for col in order:
            key = col.key
            if key in given:
                sets.append(f"{self.preparer.quote(col.name)}={self._render_value(col, given[key], markers, **kw)}")
            elif column_keys is not None and key in column_keys:
                sets.append(f"{self.preparer.quote(col.name)}={self._param_bind(col, **kw)}")
            elif col.onupdate is not None:
                d = col.onupdate
                if d.is_clause_element:
                    sets.append(f"{self.preparer.quote(col.name)}={self.process(d.arg.self_group(), **kw)}")
                else:
                    self.update_prefetch.append(col)
                    sets.append(f"{self.preparer.quote(col.name)}={self._param_bind(col, required=False, **kw)}")
            elif col.server_onupdate is not None:
                self.postfetch.append(col)
        if not sets:
            raise exc.CompileError(
                f"UPDATE of table {table.name!r} has no SET clause: give values with .values() or in the "
                "execute() parameters"
            )
        text = "UPDATE "
        if stmt._prefixes:
            text += " ".join(stmt._prefixes) + " "
        text += self.preparer.format_table(table) + " SET " + ", ".join(sets)
        extra_froms = self._update_extra_froms(stmt)
        if extra_froms:
            text += self.update_from_clause(stmt, extra_froms, **kw)
        if stmt._where:
            text += " WHERE " + self.process(elements.and_(*stmt._where), **kw)
        if stmt._returning:
            text += self._returning_clause(stmt, **kw)
        return text

    def _update_extra_froms(self, stmt: Any) -> list[Any]:
        out: list[Any] = []
        for w in stmt._where:
            for f in w._from_objects:
                if f is not stmt.table and not any(f is o for o in out) and not getattr(f, "_is_select_statement", False):
                    if f.__visit_name__ in ("table", "alias", "subquery"):
                        out.append(f)
        return out

    def update_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        return " FROM " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)

    # -- DELETE -----------------------------------------------------------------------------------

    def visit_delete(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        froms = {id(stmt.table)} | {id(f) for f in self._update_extra_froms(stmt)}
        self.stack.append({"correlate_froms": froms, "select": stmt})
        try:
            return self._visit_delete(stmt, **kw)
        finally:
            self.stack.pop()

    def _visit_delete(self, stmt: Any, **kw: Any) -> str:
        self.isdelete = True
        text = "DELETE "
        if stmt._prefixes:
            text += " ".join(stmt._prefixes) + " "
        text += "FROM " + self.preparer.format_table(stmt.table)
        extra_froms = self._update_extra_froms(stmt)
        if extra_froms:
            text += self.delete_extra_from_clause(stmt, extra_froms, **kw)
        if stmt._where:
            text += " WHERE " + self.process(elements.and_(*stmt._where), **kw)
        if stmt._returning:
            text += self._returning_clause(stmt, **kw)
        return text

    def delete_extra_from_clause(self, stmt: Any, froms: list[Any], **kw: Any) -> str:
        return " USING " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)


def _is_plain(value: Any) -> bool:
    return not isinstance(value, elements.ClauseElement) and getattr(value, "__clause_element__", None) is None


class _KeyedMarkers:
    """Value-marker positions of a DML statement by (row, column key); see ``_marker_positions``."""

    def __init__(self, stmt: Any, positions: list[int]) -> None:
        self.row: int | None = None
        self.single: dict[str, int] = {}
        self.rows: list[dict[str, int]] = []
        it = iter(positions)
        values = getattr(stmt, "_values", None)
        if values:
            for k, v in values.items():
                if _is_plain(v):
                    self.single[k] = next(it, None)  # type: ignore[assignment]
        for chunk in getattr(stmt, "_multi_values", ()) or ():
            for r in chunk:
                self.rows.append({k: next(it, None) for k, v in r.items() if _is_plain(v)})  # type: ignore[misc]
        self.rest = list(it)

    def take(self, key: str) -> int | None:
        if self.row is not None and self.row < len(self.rows):
            return self.rows[self.row].get(key)
        if key in self.single:
            return self.single[key]
        return self.rest.pop(0) if self.rest else None

    def pop(self, index: int = 0) -> int | None:
        return self.rest.pop(index) if self.rest else None

    def __bool__(self) -> bool:
        return bool(self.single or self.rows or self.rest)
