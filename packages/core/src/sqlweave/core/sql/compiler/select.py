"""SELECT, FROM elements, joins, subqueries, CTEs and set operations (a mixin of SQLCompiler)."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql import elements


class SelectCompilerMixin:
    """Visits for SELECT and FROM elements. Relies on SQLCompiler for ``process`` and binds."""

    # attributes provided by SQLCompiler
    dialect: Any
    preparer: Any
    stack: list[dict[str, Any]]
    ctes: dict[Any, str]
    ctes_visiting: set[int]
    returns_rows: bool
    _ctes_recursive: bool

    def process(self, element: Any, **kw: Any) -> str:  # pragma: no cover - provided by SQLCompiler
        raise NotImplementedError

    def _add_result_column(self, keyname: str, column: Any, type_: Any, extra: tuple[Any, ...] = ()) -> None:
        raise NotImplementedError

    def format_from_name(self, element: Any) -> str:  # pragma: no cover - provided by SQLCompiler
        raise NotImplementedError

    # -- SELECT -----------------------------------------------------------------------------------

    def visit_select(self, select: Any, toplevel: bool = False, asfrom: bool = False,
                     compound_index: int | None = None, **kw: Any) -> str:
        plugin = self._orm_plugin(select)
        if plugin is not None:
            select = plugin(select, self)
        is_result = toplevel or (compound_index == 0 and kw.get("compound_toplevel"))
        if toplevel:
            self.returns_rows = True
        froms = select.get_final_froms()
        enclosing = self.stack[-1]["correlate_froms"] if self.stack else None
        lateral = kw.pop("lateral", False)
        if enclosing and (not asfrom or lateral):
            froms = self._correlate(select, froms, enclosing)
        all_froms: set[int] = set(enclosing or ())
        for f in froms:
            for sub in f._from_objects:
                all_froms.add(id(sub))
        self.stack.append({"correlate_froms": all_froms, "select": select})
        try:
            return self._compose_select(select, froms, bool(is_result), **kw)
        finally:
            self.stack.pop()

    def _orm_plugin(self, select: Any) -> Any:
        attrs = select._propagate_attrs
        if attrs and "compile_state_plugin" in attrs:
            return attrs["compile_state_plugin"]
        return None

    def _correlate(self, select: Any, froms: list[Any], enclosing: set[int]) -> list[Any]:
        if select._correlate:
            explicit = {id(f) for c in select._correlate for f in c._from_objects}
            return [f for f in froms if id(f) not in explicit] or froms
        if select._correlate_except is not None:
            keep = {id(f) for c in select._correlate_except for f in c._from_objects}
            return [f for f in froms if id(f) in keep or id(f) not in enclosing] or froms
        if not select._auto_correlate:
            return froms
        remaining = [f for f in froms if id(f) not in enclosing]
        if not remaining and froms:
            # everything correlated away: a subquery needs a FROM of its own
            return froms
        return remaining

    def _compose_select(self, select: Any, froms: list[Any], is_result: bool, **kw: Any) -> str:
        kw.pop("toplevel", None)
        kw.pop("compound_toplevel", None)
        text = "SELECT "
        if select._prefixes:
            text += " ".join(select._prefixes) + " "
        if select._distinct:
            text += self.distinct_clause(select, **kw)
        labels_in_scope: set[str] = set()
        cols = []
        exported = select._exported_columns()
        for name, col in exported:
            cols.append(self._select_column(name, col, is_result, labels_in_scope, **kw))
        label_map = {name: col for name, col in exported}
        text += ", ".join(cols)
        if froms:
            text += " \nFROM " + ", ".join(self.process(f, asfrom=True, **kw) for f in froms)
        elif self.dialect.requires_from_for_select and not select._where:
            text += self.default_from()
        if select._where:
            text += " \nWHERE " + self.process(elements.and_(*select._where), **kw)
        if select._group_by:
            text += " GROUP BY " + ", ".join(self.process(g, _label_map=label_map, **kw) for g in select._group_by)
        if select._having:
            text += " \nHAVING " + self.process(elements.and_(*select._having), _label_map=label_map, **kw)
        if select._order_by:
            text += " ORDER BY " + self.order_by_list(select._order_by, labels_in_scope, _label_map=label_map, **kw)
        if select._fetch_options is not None:
            text += self.fetch_clause(select, **kw)
        elif select._limit is not None or select._offset is not None:
            text += self.limit_clause(select, **kw)
        if select._for_update is not None:
            text += self.for_update_clause(select, **kw)
        if select._suffixes:
            text += " " + " ".join(select._suffixes)
        return text

    def order_by_list(self, clauses: Any, labels_in_scope: set[str], **kw: Any) -> str:
        return ", ".join(
            self.process(o, within_order_by=True, _labels_in_scope=labels_in_scope, **kw) for o in clauses
        )

    def distinct_clause(self, select: Any, **kw: Any) -> str:
        if select._distinct_on:
            raise exc.CompileError(
                f"DISTINCT ON is supported only by PostgreSQL, not by the {self.dialect.name} dialect"
            )
        return "DISTINCT "

    def default_from(self) -> str:
        return ""

    def _select_column(self, name: str, col: Any, is_result: bool, labels_in_scope: set[str], **kw: Any) -> str:
        extra: tuple[Any, ...] = ()
        if isinstance(col, elements.Label):
            inner = self.process(col.element, **kw)
            text = f"{inner} AS {self.preparer.format_label_name(name)}"
            label_name = name if col._anonymous else col.name
            labels_in_scope.add(label_name)
            extra = (col.element, label_name)
        elif isinstance(col, elements.ColumnClause) and (col.is_literal or col.table is None and name == col.name):
            text = self.process(col, **kw)
            if col.is_literal and name != col.name:
                text += " AS " + self.preparer.format_label_name(name)
            extra = (col.key,)
        elif isinstance(col, elements.ColumnClause) and col.name == name:
            text = self.process(col, **kw)
            extra = (col.key,) if col.key != name else ()
        else:
            col_expr = col.type.column_expression(col)
            inner = self.process(col_expr if col_expr is not None else col, **kw)
            text = f"{inner} AS {self.preparer.format_label_name(name)}"
            if getattr(col, "key", None) and col.key != name:
                extra = (col.key,)
        if is_result:
            self._add_result_column(name, col, col.type, extra)
        return text

    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        if select._limit is not None:
            text += " \nLIMIT " + self.process(select._limit, **kw)
        if select._offset is not None:
            if select._limit is None:
                text += " \nLIMIT -1"
            text += " OFFSET " + self.process(select._offset, **kw)
        return text

    def fetch_clause(self, select: Any, **kw: Any) -> str:
        """``[OFFSET n ROWS] FETCH FIRST m [PERCENT] ROWS {ONLY | WITH TIES}`` (SQL:2008), for
        ``fetch(with_ties=...)`` / ``fetch(percent=...)``; refused where the dialect lacks it."""
        with_ties, percent = select._fetch_options
        d = self.dialect
        missing = [what for what, asked, has in (("WITH TIES", with_ties, d.supports_fetch_with_ties),
                                                  ("PERCENT", percent, d.supports_fetch_percent))
                   if asked and not has]
        if missing:
            version = ".".join(map(str, d.server_version_info)) if d.server_version_info else ""
            raise exc.CompileError(
                f"FETCH FIRST ... {' and '.join(missing)} is not supported by the {d.name} dialect"
                f"{' at server version ' + version if version else ''}; use limit() (with a "
                "window function such as rank() for ties)")
        if with_ties and not select._order_by:
            raise exc.CompileError("fetch(with_ties=True) needs order_by(): ties are rows equal "
                                   "to the last one in the ORDER BY")
        text = ""
        if select._offset is not None:
            text += " \nOFFSET " + self.process(select._offset, **kw) + " ROWS"
        text += " \nFETCH FIRST " + self.process(select._limit, **kw)
        text += (" PERCENT" if percent else "") + " ROWS " + ("WITH TIES" if with_ties else "ONLY")
        return text

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        fu = select._for_update
        text = " FOR SHARE" if fu.read else " FOR UPDATE"
        if fu.of:
            text += " OF " + ", ".join(self._for_update_of(o) for o in fu.of)
        if fu.nowait:
            text += " NOWAIT"
        if fu.skip_locked:
            text += " SKIP LOCKED"
        return text

    def _for_update_of(self, element: Any) -> str:
        table = getattr(element, "table", None) if not element._is_from_clause else element
        if table is None:
            return self.process(element)
        return self.preparer.format_table(table) if not hasattr(table, "element") else self.format_from_name(table)

    # -- FROM elements ----------------------------------------------------------------------------

    def visit_table(self, table: Any, asfrom: bool = False, **kw: Any) -> str:
        if asfrom or kw.get("dml_target"):
            return self.preparer.format_table(table)  # type: ignore[no-any-return]
        return self.preparer.format_table(table)  # type: ignore[no-any-return]

    def visit_join(self, join: Any, asfrom: bool = False, **kw: Any) -> str:
        if join.full:
            kind = " FULL OUTER JOIN "
        elif join.isouter:
            kind = " LEFT OUTER JOIN "
        else:
            kind = " JOIN "
        right = self.process(join.right, asfrom=True, **kw)
        if getattr(join.right, "__visit_name__", None) == "join":
            right = f"({right})"  # a nested join on the right needs parentheses (SQLite requires them)
        return (self.process(join.left, asfrom=True, **kw) + kind + right
                + " ON " + self.process(join.onclause, **kw))

    def visit_alias(self, alias: Any, asfrom: bool = False, **kw: Any) -> str:
        if not asfrom:
            return self.format_from_name(alias)  # type: ignore[no-any-return]
        inner = alias.element
        if inner._is_from_clause and not getattr(inner, "_is_select_statement", False):
            if isinstance(inner, type(alias)) or hasattr(inner, "recursive"):
                return self.process(inner, asfrom=True, **kw) + " AS " + self.format_from_name(alias)
            return self.process(inner, asfrom=True, **kw) + " AS " + self.format_from_name(alias)
        return f"({self.process(inner, asfrom=True, **kw)}) AS {self.format_from_name(alias)}"

    def visit_subquery(self, subquery: Any, asfrom: bool = False, **kw: Any) -> str:
        if not asfrom:
            return self.format_from_name(subquery)  # type: ignore[no-any-return]
        if getattr(subquery, "_lateral", False):
            # a LATERAL subquery correlates to the FROM elements before it
            inner = self.process(subquery.element, asfrom=True, lateral=True, **kw)
            return f"LATERAL ({inner}) AS {self.format_from_name(subquery)}"
        kw.pop("lateral", None)
        return f"({self.process(subquery.element, asfrom=True, **kw)}) AS {self.format_from_name(subquery)}"

    def visit_cte(self, cte: Any, asfrom: bool = False, **kw: Any) -> str:
        name = self.format_from_name(cte)
        key = getattr(cte, "_aliased_from", None) or cte
        if cte.recursive:
            self._ctes_recursive = True
        if cte not in self.ctes and key not in self.ctes and id(cte) not in self.ctes_visiting:
            self.ctes_visiting.add(id(cte))
            if getattr(cte, "_aliased_from", None) is not None:
                self.ctes_visiting.add(id(cte._aliased_from))
            saved = self.stack
            self.stack = []
            try:
                body = self.process(cte.element, asfrom=True)
            finally:
                self.stack = saved
            colnames = ""
            if cte.recursive:
                colnames = "(" + ", ".join(self.preparer.quote(c.name) for c in cte.columns) + ")"
            self.ctes[cte] = f"{name}{colnames} AS \n({body})"
        return name  # type: ignore[no-any-return]

    def visit_table_valued_alias(self, element: Any, asfrom: bool = False, **kw: Any) -> str:
        text = self.process(element.element, **kw)
        if asfrom:
            return f"{text} AS {self.format_from_name(element)}"
        return text

    def visit_values(self, element: Any, asfrom: bool = False, **kw: Any) -> str:
        rows = ", ".join(
            "(" + self.process(row, **kw) + ")" for chunk in element._data for row in chunk
        )
        text = f"(VALUES {rows})"
        if asfrom and element.name:
            cols = ", ".join(self.preparer.quote(c.name) for c in element._column_args)
            text += f" AS {self.format_from_name(element)} ({cols})"
        return text

    def visit_values_as_union(self, element: Any, asfrom: bool = False, **kw: Any) -> str:
        """VALUES for backends without ``AS name (columns)``: ``(SELECT ? AS a, ? AS b UNION ALL
        SELECT ?, ?) AS name``."""
        names = [self.preparer.quote(c.name) for c in element._column_args]
        selects = []
        for i, row in enumerate(r for chunk in element._data for r in chunk):
            parts = [self.process(v, **kw) for v in row.clauses]
            if i == 0:
                parts = [f"{p} AS {n}" for p, n in zip(parts, names)]
            selects.append("SELECT " + ", ".join(parts))
        text = "(" + " UNION ALL ".join(selects) + ")"
        if asfrom and element.name:
            text += f" AS {self.format_from_name(element)}"
        return text

    def visit_alias_name_column(self, element: Any, **kw: Any) -> str:
        return self.format_from_name(element.alias)

    def visit_scalar_select(self, element: Any, **kw: Any) -> str:
        kw.pop("asfrom", None)
        return "(" + self.process(element.element, **kw) + ")"

    def visit_exists(self, element: Any, **kw: Any) -> str:
        kw.pop("asfrom", None)
        return "EXISTS " + self.process(element.element, **kw)

    def visit_label_reference(self, ref: Any, _label_map: Any = None, **kw: Any) -> str:
        """A label or column named by a str in ORDER BY / GROUP BY."""
        col = (_label_map or {}).get(ref._name)
        if col is None:
            raise exc.CompileError(
                f"Can't resolve label reference for {ref.clause} {ref._name!r}: the SELECT has no "
                f"column or label of that name (it has: {', '.join(_label_map or {}) or 'none'}). "
                "Pass a column object, or text() for trusted SQL."
            )
        if isinstance(col, elements.Label) or kw.get("_compound_ref"):
            return self.preparer.format_label_name(ref._name)  # type: ignore[no-any-return]
        return self.process(col, **kw)

    def visit_compound_select(self, cs: Any, toplevel: bool = False, asfrom: bool = False, **kw: Any) -> str:
        if toplevel:
            self.returns_rows = True
            for name, col in cs._exported_columns():
                self._add_result_column(name, col, col.type, (getattr(col, "key", None),))
        parts = []
        for s in cs.selects:
            inner = self.process(s, asfrom=True, **kw)
            if getattr(s, "_order_by", ()) or getattr(s, "_limit", None) is not None or s.__visit_name__ == "compound_select":
                if not self.dialect.supports_parenthesized_compound:
                    inner = f"SELECT * FROM ({inner})"
                else:
                    inner = f"({inner})"
            parts.append(inner)
        text = f" {cs.keyword} ".join(parts)
        if cs._order_by:
            exported = cs._exported_columns()
            names = {name: col for name, col in exported}
            text += " ORDER BY " + ", ".join(
                self.process(_compound_order_ref(o, exported), _label_map=names, _compound_ref=True, **kw)
                for o in cs._order_by
            )
        if cs._fetch_options is not None:
            text += self.fetch_clause(cs, **kw)
        elif cs._limit is not None or cs._offset is not None:
            text += self.limit_clause(cs, **kw)
        return text


def _compound_order_ref(clause: Any, exported: list[tuple[str, Any]]) -> Any:
    """ORDER BY of a UNION names result columns: a column of the first SELECT becomes its name."""
    inner = clause
    modifiers = []
    while isinstance(inner, elements.UnaryExpression) and inner.operator is None and inner.modifier is not None:
        modifiers.append(inner.modifier)
        inner = inner.element
    for name, col in exported:
        if col is inner or (isinstance(inner, elements.ColumnElement) and isinstance(col, elements.ColumnElement)
                            and col.shares_lineage(inner)):
            out: Any = elements.LabelReference(name)
            for m in reversed(modifiers):
                out = elements.UnaryExpression(out, modifier=m)
            return out
    return clause
