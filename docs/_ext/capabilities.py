"""Sphinx directive ``sqlweave-capabilities``: a table of dialect capability flags, generated from
the dialect classes themselves so that it cannot drift from the code.

Usage (MyST)::

    ```{sqlweave-capabilities}
    :dialects: sqlite postgresql mysql
    ```

Each column is a dialect loaded through the plugin registry (``name`` or ``name+driver``); each
row a boolean flag of :class:`~sqlweave.core.engine.default.DefaultDialect`. Values are the class
attributes, except for flags a dialect's own methods assign on the instance (``initialize()`` and
its helpers, found by reading their source), which are shown as "by server version".
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from docutils import nodes  # type: ignore[import-untyped]
from docutils.parsers.rst import directives  # type: ignore[import-untyped]
from sphinx.util.docutils import SphinxDirective

#: One line per flag: what the test suite and the compiler read it for.
FLAG_DOCS: dict[str, str] = {
    "insert_returning": "INSERT ... RETURNING",
    "supports_fetch_with_ties": "FETCH FIRST n ROWS WITH TIES (`fetch(with_ties=True)`)",
    "supports_fetch_percent": "FETCH FIRST n PERCENT ROWS (`fetch(percent=True)`)",
    "update_returning": "UPDATE ... RETURNING",
    "delete_returning": "DELETE ... RETURNING",
    "insert_executemany_returning": "RETURNING with a many-row INSERT",
    "implicit_pk_returning": "new primary keys fetched with RETURNING rather than lastrowid",
    "supports_multivalues_insert": "INSERT ... VALUES (...), (...)",
    "supports_default_values": "INSERT ... DEFAULT VALUES",
    "supports_default_keyword": "DEFAULT as a value in VALUES",
    "supports_empty_in_subquery": "empty IN lists rendered as an empty subquery",
    "supports_savepoints": "SAVEPOINT (Connection.begin_nested)",
    "supports_alter": "ALTER TABLE (constraints added after CREATE, use_alter FKs)",
    "supports_sequences": "CREATE SEQUENCE / Sequence columns",
    "supports_identity_columns": "GENERATED ... AS IDENTITY",
    "supports_comments": "table and column comments",
    "inline_comments": "comments inline in CREATE TABLE",
    "supports_native_boolean": "a BOOLEAN column type",
    "supports_native_decimal": "the driver returns Decimal for NUMERIC",
    "supports_native_uuid": "a UUID column type",
    "supports_native_enum": "a native ENUM type",
    "supports_native_interval": "an INTERVAL column type",
    "supports_json": "the JSON type",
    "supports_arrays": "the ARRAY type",
    "supports_schemas": "schema-qualified tables",
    "supports_window_functions": "window functions (OVER)",
    "supports_full_outer_join": "FULL OUTER JOIN",
    "supports_aggregate_filter": "aggregate FILTER (WHERE ...)",
    "supports_distinct_on": "SELECT DISTINCT ON (...)",
    "supports_regexp": "regexp_match() / regexp_replace()",
    "supports_ilike": "a native ILIKE operator",
    "supports_for_update": "SELECT ... FOR UPDATE",
    "supports_server_side_cursors": "stream_results with server-side cursors",
    "server_side_cursor_blocks_connection": "a streamed result holds the connection until read (buffered first when another statement runs)",
    "supports_parenthesized_compound": "parenthesized SELECTs inside UNION",
    "cte_recursive_keyword": "WITH RECURSIVE keyword",
    "requires_from_for_select": "SELECT without FROM needs a dummy table",
    "supports_deferrable": "DEFERRABLE constraints",
    "supports_statement_cache": "compiled statements cached per engine",
    "supports_sane_rowcount": "rowcount of UPDATE/DELETE is the number of matched rows",
    "supports_sane_multi_rowcount": "rowcount is right for executemany",
    "supports_foreign_keys_inline": "REFERENCES inline in column definitions",
    "supports_unicode_binds": "the driver takes str parameters as they are",
    "supports_expression_indexes": "indexes on expressions (CREATE INDEX ... ((expr)))",
}

_SELF_ASSIGN = re.compile(r"\bself\.(\w+)\s*=(?!=)")


def flags_set_on_connect(cls: Any) -> set[str]:
    """Flags that a method of ``cls`` (or of a base below ``DefaultDialect``) assigns on the
    instance: ``initialize()`` and the helpers it calls set them from the server version."""
    from sqlweave.core.engine.default import DefaultDialect

    found: set[str] = set()
    for klass in cls.__mro__:
        if klass is DefaultDialect or klass is object:
            continue
        for member in vars(klass).values():
            if not inspect.isfunction(member):
                continue
            try:
                found.update(_SELF_ASSIGN.findall(inspect.getsource(member)))
            except (OSError, TypeError):  # no source available: fall back to the class values
                continue
    return found


def dialect_flags() -> list[str]:
    """Every boolean capability flag declared on ``DefaultDialect``, in declaration order."""
    from sqlweave.core.engine.default import DefaultDialect

    return [k for k, v in vars(DefaultDialect).items()
            if isinstance(v, bool) and not k.startswith("_") and k in FLAG_DOCS]


def _load(spec: str) -> Any:
    from sqlweave.core.plugins import registry

    name, _, driver = spec.partition("+")
    return registry.load(name, driver or None)


class CapabilitiesDirective(SphinxDirective):
    """Render the capability table for the dialects named in ``:dialects:``."""

    has_content = False
    option_spec = {"dialects": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        specs = self.options["dialects"].replace(",", " ").split()
        classes = []
        for spec in specs:
            try:
                classes.append((spec, _load(spec)))
            except Exception as err:  # a dialect distribution that is not installed here
                classes.append((spec, None))
                self.env.note_dependency(__file__)
                _ = err
        header = ["flag", "meaning"] + [
            (f"{cls.name}+{cls.driver}" if cls is not None else f"{spec} (not installed)")
            for spec, cls in classes
        ]
        on_connect = {spec: flags_set_on_connect(cls) for spec, cls in classes if cls is not None}
        rows = []
        for flag in dialect_flags():
            row = [flag, FLAG_DOCS[flag]]
            for spec, cls in classes:
                if cls is None:
                    row.append("")
                elif flag in on_connect[spec]:
                    row.append("by server version")
                else:
                    row.append("yes" if getattr(cls, flag) else "no")
            rows.append(row)
        return [_table(header, rows)]


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table(classes=["sqlweave-capabilities"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for i in range(len(header)):
        group += nodes.colspec(colwidth=30 if i == 1 else 12)

    def make_row(cells: list[str], literal_first: bool) -> nodes.row:
        row = nodes.row()
        for i, text in enumerate(cells):
            entry = nodes.entry()
            para = nodes.paragraph()
            para += nodes.literal(text=text) if (i == 0 and literal_first) else nodes.Text(text)
            entry += para
            row += entry
        return row

    thead = nodes.thead()
    thead += make_row(header, False)
    group += thead
    tbody = nodes.tbody()
    for r in rows:
        tbody += make_row(r, True)
    group += tbody
    return table


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("sqlweave-capabilities", CapabilitiesDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
