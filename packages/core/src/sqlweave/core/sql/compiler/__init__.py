"""The SQL compiler: statement tree → SQL string + parameter plan, once per statement shape.

Dispatch: ``process(element)`` calls ``visit_<element.__visit_name__>``, looked up once per
compiler class and name and kept in a per-class table. A dialect's compiler subclasses
:class:`SQLCompiler` and overrides only the visits that differ.

Parameters: while compiling, a bound parameter is written as an internal marker
``\\x00name\\x00``. A final pass turns markers into the dialect's paramstyle in textual order, which
gives positional paramstyles their parameter order for free (CTEs and subqueries included), and
doubles ``%`` for the ``format``/``pyformat`` styles.

The result, a :class:`Compiled`, carries everything execution needs: the SQL, the mapping from
the statement's bound parameters (by position in the cache-key traversal) to parameter names,
bind processors, and the result-column map with result processors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import elements, operators
from sqlweave.core.sql.compiler.dml import DMLCompilerMixin
from sqlweave.core.sql.compiler.select import SelectCompilerMixin

_MARKER = re.compile("\x00([^\x00]+)\x00")
_CTE_SLOT = "\x01WITH\x01"
_BIND_NAME_SANITIZE = re.compile(r"[^\w]")

BIND_TEMPLATES = {
    "qmark": "?",
    "format": "%s",
    "numeric": ":{pos}",
    "named": ":{name}",
    "pyformat": "%({name})s",
}


class Compiled:
    """A compiled statement: SQL text plus what execution needs to bind and read it."""

    string: str = ""
    positional = False
    positiontup: list[str] | None = None
    returns_rows = False
    isinsert = isupdate = isdelete = isddl = False

    def __init__(self, dialect: Any, statement: Any) -> None:
        self.dialect = dialect
        self.statement = statement
        self.preparer = dialect.identifier_preparer

    def __str__(self) -> str:
        return self.string

    #: What every execution context of this compiled statement starts with: ``compiled,
    #: isinsert, isupdate, isdelete, isddl, statement``, which
    #: ``DefaultExecutionContext.for_compiled`` unpacks into plain attribute stores. Made by
    #: :meth:`_make_ctx_attrs` on the first execution (a plain attribute, not a cached
    #: property: CPython 3.11 reads an attribute shadowing a descriptor the slow way).
    _ctx_attrs: tuple[Any, bool, bool, bool, bool, str] | None = None

    def _make_ctx_attrs(self) -> tuple[Any, bool, bool, bool, bool, str]:
        attrs = self._ctx_attrs = (self, self.isinsert, self.isupdate, self.isdelete, self.isddl, self.string)
        return attrs


class SQLCompiler(SelectCompilerMixin, DMLCompilerMixin, Compiled):
    """Compiles SQL expressions and statements for a dialect."""

    _dispatch: dict[str, Callable[..., str]] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._dispatch = {}  # each compiler class builds its own table lazily

    def __init__(
        self,
        dialect: Any,
        statement: Any,
        column_keys: Any = None,
        for_executemany: bool = False,
        compile_kwargs: dict[str, Any] | None = None,
        linting: Any = None,
        cache_key: Any = None,
        schema_translate_map: dict[Any, Any] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(dialect, statement)
        if schema_translate_map:
            self.preparer = self.preparer.with_schema_translate_map(schema_translate_map)
        ckw = compile_kwargs or {}
        self.literal_binds = bool(ckw.get("literal_binds", False))
        self.column_keys = column_keys
        self.for_executemany = for_executemany
        self.binds: dict[str, elements.BindParameter] = {}
        self._bind_names: dict[int, str] = {}
        self._bind_counter: dict[str, int] = {}
        #: execute() parameter key → parameter name (they differ when the key needs sanitizing)
        self.param_key_map: dict[str, str] = {}
        #: INSERT column key → parameter name of a value given with .values()
        self.insert_col_params: dict[str, str] = {}
        #: parameter name → position in the statement's extracted bind list
        self.bind_index: dict[str, int] = {}
        self._result_columns: list[tuple[str, tuple[Any, ...], Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.ctes: dict[Any, str] = {}
        self._ctes_recursive = False
        self.ctes_visiting: set[int] = set()
        #: id of an anonymous FROM element → its name in this statement (anon_1, anon_2, ...)
        self._anon_names: dict[int, str] = {}
        self.insert_prefetch: list[Any] = []
        self.update_prefetch: list[Any] = []
        self.postfetch: list[Any] = []
        self.returning: list[Any] = []
        self.implicit_pk_returning = False
        self.has_out_params = False
        self.execution_options = dict(getattr(statement, "_execution_options", {}) or {})
        # bound parameters of the statement in cache-key traversal order
        extracted: list[Any] = []
        statement._gen_cache_key(extracted)
        # a bind replaced by ``params()`` is found in the tree under its original's id
        self._extracted_positions = {id(getattr(b, "_override_of", b)): i for i, b in enumerate(extracted)}
        self._value_markers = {
            id(b): i for i, b in enumerate(extracted) if not isinstance(b, elements.BindParameter)
        }
        self._extracted = extracted
        #: names of ``expanding`` parameters (IN lists), expanded per execution
        self._expanding: list[str] = []
        self._expanded_cache: dict[Any, Any] = {}
        text = self.process(statement, toplevel=True)
        if self.ctes:
            if _CTE_SLOT in text:
                # dialects with ``cte_follows_insert``: INSERT INTO t (cols) WITH ... SELECT ...
                text = text.replace(_CTE_SLOT, self._render_with(), 1)
            else:
                text = self._render_with() + text
        else:
            text = text.replace(_CTE_SLOT, "")
        self._marked_text = text
        self.string = self._finalize_params(text)
        self._setup_processors()
        self._setup_insertmanyvalues()

    #: (prefix, one VALUES row, suffix) when an executemany INSERT with RETURNING can run as
    #: multi-row VALUES batches; None otherwise
    insertmanyvalues: tuple[str, str, str] | None = None

    def _setup_insertmanyvalues(self) -> None:
        if "\x01" not in self.string:
            return
        prefix, rest = self.string.split("\x01", 1)
        row, suffix = rest.split("\x02", 1)
        self.string = prefix + row + suffix
        placeholder = BIND_TEMPLATES[self.dialect.paramstyle]
        if self.positional and self.dialect.paramstyle in ("qmark", "format") and \
                row.count(placeholder) == len(self.positiontup or ()):
            self.insertmanyvalues = (prefix, row, suffix)

    # -- dispatch -------------------------------------------------------------------------------

    def process(self, element: Any, **kw: Any) -> str:
        """Render ``element`` (any clause element) to SQL."""
        name = element.__visit_name__
        table = type(self)._dispatch
        meth = table.get(name)
        if meth is None:
            meth = getattr(type(self), "visit_" + name, None)
            if meth is None:
                raise exc.UnsupportedCompilationError(element, self.dialect.name, f"no visit_{name}")
            table[name] = meth
        return meth(self, element, **kw)  # type: ignore[no-any-return]

    # -- parameters -------------------------------------------------------------------------------

    def _bind_name(self, bindparam: elements.BindParameter) -> str:
        known = self._bind_names.get(id(bindparam))
        if known is not None:
            return known
        key: str = bindparam.key or "param"
        base = _BIND_NAME_SANITIZE.sub("_", key) if not key.isidentifier() or not key.isascii() else key
        if bindparam.unique:
            n = self._bind_counter.get(base, 0) + 1
            self._bind_counter[base] = n
            name = f"{base}_{n}"
            while name in self.binds:
                n += 1
                self._bind_counter[base] = n
                name = f"{base}_{n}"
        else:
            name = base
            self.param_key_map[key] = name
        self._bind_names[id(bindparam)] = name
        return name

    def visit_bindparam(self, bindparam: elements.BindParameter, literal_binds: bool = False, **kw: Any) -> str:
        if (literal_binds or self.literal_binds or bindparam.literal_execute) and not bindparam.required:
            if bindparam.expanding:
                return self._render_literal_list(bindparam)
            return self.render_literal_value(bindparam.effective_value(), bindparam.type)
        name = self._bind_name(bindparam)
        self.binds[name] = bindparam
        pos = self._extracted_positions.get(id(bindparam))
        if pos is not None:
            self.bind_index[name] = pos
        if bindparam.expanding:
            if name not in self._expanding:
                self._expanding.append(name)
            return f"(\x00{name}\x00)"
        marker = f"\x00{name}\x00"
        if self.dialect.bind_casts and bindparam.type.render_bind_cast:
            marker = self.render_bind_cast(bindparam.type, marker)
        return marker

    def _render_literal_list(self, bindparam: elements.BindParameter) -> str:
        values = list(bindparam.effective_value() or ())
        if not values:
            return self.render_empty_in(bindparam)
        tuple_types = getattr(bindparam, "_tuple_types", None)
        if tuple_types is not None:
            return "(" + ", ".join(
                "(" + ", ".join(self.render_literal_value(v, t) for v, t in zip(row, tuple_types)) + ")"
                for row in values
            ) + ")"
        return "(" + ", ".join(self.render_literal_value(v, bindparam.type) for v in values) + ")"

    def render_bind_cast(self, type_: Any, marker: str) -> str:
        return marker

    def _bind_for_value(self, key: str, value: Any, type_: Any, marker_id: int | None) -> str:
        """Render a plain value from ``.values()`` as a parameter tied to its cache-key position."""
        bp = elements.BindParameter(key, value, type_=type_, unique=True)
        if marker_id is not None:
            self._extracted_positions[id(bp)] = marker_id
        return self.process(bp)

    def render_literal_value(self, value: Any, type_: Any) -> str:
        """Render ``value`` inline (``literal_binds``; DDL defaults)."""
        return str(self.dialect.literal_renderer.render_value(value, type_))

    def _finalize_params(self, text: str) -> str:
        text, order = self._render_paramstyle(text)
        self.positiontup = order if self.positional else None
        self._param_names = list(dict.fromkeys(order))
        return text

    def _render_paramstyle(self, text: str, expanded: bool = False) -> tuple[str, list[str]]:
        """Turn bind markers into the dialect's paramstyle; returns the SQL and the marker order.

        Until expanded at execution, an expanding parameter shows as ``__[POSTCOMPILE_name]``."""
        style = self.dialect.paramstyle
        if style in ("format", "pyformat"):
            text = text.replace("%", "%%")
        order: list[str] = []
        template = BIND_TEMPLATES[style]
        if style in ("qmark", "format"):
            self.positional = True

            def repl(m: re.Match[str]) -> str:
                order.append(m.group(1))
                return template
        elif style == "numeric":
            self.positional = True

            def repl(m: re.Match[str]) -> str:
                order.append(m.group(1))
                return template.format(pos=len(order))
        else:
            def repl(m: re.Match[str]) -> str:
                order.append(m.group(1))
                return template.format(name=m.group(1))

        if self._expanding and not expanded:
            inner = repl
            expanding = set(self._expanding)

            def repl(m: re.Match[str]) -> str:
                if m.group(1) in expanding:
                    order.append(m.group(1))
                    return f"__[POSTCOMPILE_{m.group(1)}]"
                return inner(m)

        text = _MARKER.sub(repl, text)
        return text, order

    # -- expanding parameters ---------------------------------------------------------------------

    def _expand_parameters(
        self, params: list[dict[str, Any]]
    ) -> tuple[str, list[dict[str, Any]], list[str]]:
        """Render each expanding parameter as one placeholder per list element.

        Returns the SQL for this execution and the parameter dicts with the list values replaced
        by one entry per element (bind-processed by the element type). Every parameter set of an
        executemany must expand to the same shape."""
        first = params[0]
        shape = tuple(_expanded_shape(first.get(n)) for n in self._expanding)
        for p in params[1:]:
            if tuple(_expanded_shape(p.get(n)) for n in self._expanding) != shape:
                raise exc.InvalidRequestError(
                    "An expanding (IN list) parameter must have the same length in every parameter "
                    "set of an executemany"
                )
        cached = self._expanded_cache.get(shape)
        if cached is None:
            text = self._marked_text
            new_names: dict[str, list[Any]] = {}
            for name, shp in zip(self._expanding, shape):
                marker = f"(\x00{name}\x00)"
                if shp[0] == 0:
                    bp = self.binds[name]
                    text = text.replace(marker, self.render_empty_in(bp))
                    new_names[name] = []
                    continue
                n, width = shp
                if width is None:
                    names = [f"{name}_{i + 1}" for i in range(n)]
                    text = text.replace(marker, "(" + ", ".join(f"\x00{x}\x00" for x in names) + ")")
                    new_names[name] = names
                else:
                    rows = [[f"{name}_{i + 1}_{j + 1}" for j in range(width)] for i in range(n)]
                    text = text.replace(marker, "(" + ", ".join(
                        "(" + ", ".join(f"\x00{x}\x00" for x in row) + ")" for row in rows) + ")")
                    new_names[name] = rows
            sql, order = self._render_paramstyle(text, expanded=True)
            cached = (sql, order, new_names)
            if len(self._expanded_cache) < 100:
                self._expanded_cache[shape] = cached
        sql, order, new_names = cached
        dialect = self.dialect
        out = []
        for p in params:
            q = dict(p)
            for name in self._expanding:
                values = q.pop(name, None) or ()
                bp = self.binds[name]
                names = new_names[name]
                if not names:
                    continue
                if isinstance(names[0], list):
                    types = getattr(bp, "_tuple_types", None) or [None] * len(names[0])
                    procs = [_bind_proc(t or bp.type, dialect) for t in types]
                    for row_names, row in zip(names, values):
                        for nm, v, proc in zip(row_names, row, procs):
                            q[nm] = proc(v) if proc is not None and v is not None else v
                else:
                    proc = _bind_proc(bp.type, dialect)
                    for nm, v in zip(names, values):
                        q[nm] = proc(v) if proc is not None and v is not None else v
            out.append(q)
        return sql, out, order

    def render_empty_in(self, bindparam: elements.BindParameter) -> str:
        """What ``IN (<empty list>)`` renders as: a subquery that returns no row."""
        return self.process(elements.EmptyIn(False))

    def _setup_processors(self) -> None:
        dialect = self.dialect
        procs: dict[str, Any] = {}
        for name in self._param_names:
            bp = self.binds.get(name)
            if bp is None:
                continue
            proc = bp.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                procs[name] = proc
        for name in self._expanding:
            procs.pop(name, None)  # applied per element when the list expands
        self.bind_processors = procs
        # which parameters come from the statement (by extracted position) vs. from execute()
        self._static_params = [
            (name, self.bind_index[name]) for name in self._param_names if name in self.bind_index
        ]
        self._static_required = [
            name for name, _ in self._static_params
            if getattr(self.binds.get(name), "required", False) and not self.binds[name].unique
        ]
        self._required = [
            name for name in self._param_names
            if name not in self.bind_index and self.binds.get(name) is not None
        ]
        # fast path for the common execution: every parameter comes from the statement itself,
        # positional, no processors: the DBAPI tuple is read straight from the extracted binds
        self._fast_positions: list[int] | None = None
        if (self.positional and not procs and not self._required and not self._static_required
                and not self._expanding and not self.insert_prefetch and not self.update_prefetch
                and not self.isinsert and all(n in self.bind_index for n in self.positiontup or ())):
            self._fast_positions = [self.bind_index[n] for n in self.positiontup or ()]
        # and for execute()/executemany() whose parameters are all named ones the caller gives
        # (bindparam("x") in the statement counts too: a parameter set that lacks one of them
        # makes the itemgetter fail, and for_compiled() then takes the general path, which
        # fills in the statement's own value or reports the missing one): the DBAPI tuples come
        # from one C-level itemgetter per parameter set
        self._fast_many_getter: Any = None
        #: the parameter names the getter reads, in DBAPI order (see Connection._execute_compiled_rows)
        self._fast_many_keys: tuple[str, ...] | None = None
        if (self.positional and not procs and not self._expanding
                and not self.insert_prefetch and not self.update_prefetch and self.positiontup):
            by_name = {name: key for key, name in self.param_key_map.items()}
            if all(n in by_name for n in self.positiontup):
                import operator

                keys = [by_name[n] for n in self.positiontup]
                self._fast_many_keys = tuple(keys)
                if len(keys) == 1:
                    key0 = keys[0]
                    self._fast_many_getter = lambda p: (p[key0],)
                else:
                    self._fast_many_getter = operator.itemgetter(*keys)

    def construct_params(
        self, extracted: list[Any] | None, params: dict[str, Any] | None, _check_required: bool = True
    ) -> dict[str, Any]:
        """Parameter values by name: the statement's own values, overlaid by ``params``."""
        out: dict[str, Any] = {}
        if extracted is None:
            extracted = self._extracted
        for name, pos in self._static_params:
            out[name] = extracted[pos].effective_value()
        binds = self.binds
        for name in self._static_required if _check_required else ():
            if (not params or binds[name].key not in params) and getattr(
                extracted[self.bind_index[name]], "required", False
            ):
                raise exc.StatementError(
                    f"A value is required for bind parameter {binds[name].key!r}", None, None, None,
                    code="cd3x",
                )
        if params:
            keymap = self.param_key_map
            for k, v in params.items():
                pname = keymap.get(k)
                if pname is not None:
                    out[pname] = v
        for name in self._required:
            if name not in out:
                bp = binds[name]
                if bp.required:
                    raise exc.StatementError(
                        f"A value is required for bind parameter {bp.key!r}", None, None, None,
                        code="cd3x",
                    )
                out[name] = bp.effective_value()
        return out

    @property
    def params(self) -> dict[str, Any]:
        """The parameter values of the compiled statement itself."""
        return self.construct_params(None, None, _check_required=False)

    # -- result columns ---------------------------------------------------------------------------

    def _add_result_column(self, keyname: str, column: Any, type_: Any, extra: tuple[Any, ...] = ()) -> None:
        objs: tuple[Any, ...] = (column,) + extra
        self._result_columns.append((keyname, objs, type_))

    # -- names of FROM elements ------------------------------------------------------------------

    def format_from_name(self, element: Any) -> str:
        """The quoted name of an alias, subquery, CTE or VALUES. An anonymous one is named here,
        not when it was built: ``anon_1``, ``anon_2``, ... in order of first appearance in this
        statement, so the same statement shape always gives the same SQL (and one compiled form
        serves every statement of that shape)."""
        if not getattr(element, "_anonymous", False):
            return self.preparer.quote(element.name)  # type: ignore[no-any-return]
        # a recursive CTE made by .union() is the CTE it extends, under the same name
        while getattr(element, "_aliased_from", None) is not None:
            element = element._aliased_from
        names = self._anon_names
        name = names.get(id(element))
        if name is None:
            name = names[id(element)] = f"anon_{len(names) + 1}"
        return name

    # -- WITH -------------------------------------------------------------------------------------

    def _render_with(self) -> str:
        kw = "WITH RECURSIVE " if self._ctes_recursive and self.dialect.cte_recursive_keyword else "WITH "
        return kw + ", ".join(self.ctes.values()) + " "

    # -- leaves -----------------------------------------------------------------------------------

    def visit_column(self, column: Any, include_table: bool = True, **kw: Any) -> str:
        name = column.name
        if column.is_literal:
            text = name
        else:
            text = self.preparer.quote(name)
        table = column.table
        if table is None or not include_table or not getattr(table, "named_with_column", False):
            return text  # type: ignore[no-any-return]
        tname = kw.get("_table_alias_names", {}).get(id(table)) if kw else None
        if tname is None:
            if not isinstance(table, _aliases()):
                tname = self.preparer.format_table(table)
            else:
                tname = self.format_from_name(table)
        return f"{tname}.{text}"

    def visit_textclause(self, textclause: elements.TextClause, **kw: Any) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            bp = textclause._bindparams.get(name)
            if bp is None:
                return m.group(0)
            return self.process(bp, **kw)

        text = elements._bind_re.sub(repl, textclause.text)
        # "\:" escapes a literal colon in text()
        return text.replace("\\:", ":")

    def visit_textual_select(self, stmt: Any, toplevel: bool = False, **kw: Any) -> str:
        if toplevel or not self.stack:
            self.returns_rows = True
            for name, col in stmt._exported_columns():
                self._add_result_column(name, col, col.type)
        return self.process(stmt.element, **kw)

    def visit_null(self, element: Any, **kw: Any) -> str:
        return "NULL"

    def visit_true(self, element: Any, **kw: Any) -> str:
        return "true" if self.dialect.supports_native_boolean else "1"

    def visit_false(self, element: Any, **kw: Any) -> str:
        return "false" if self.dialect.supports_native_boolean else "0"

    def visit_empty_in(self, element: Any, **kw: Any) -> str:
        # x IN () is never true; x NOT IN () is always true (NULLs included, as SQLAlchemy does)
        return "(SELECT 1 WHERE 1!=1)" if self.dialect.supports_empty_in_subquery else "(NULL)"

    def visit_collation(self, element: Any, **kw: Any) -> str:
        return self.preparer.quote(element.collation)

    # -- composites -------------------------------------------------------------------------------

    def visit_clauselist(self, clauselist: Any, **kw: Any) -> str:
        sep = operators.OPERATOR_SQL.get(clauselist.operator, ", ")
        if clauselist.operator is operators.comma_op:
            sep = ", "
        parts = [self.process(c, **kw) for c in clauselist.clauses]
        return sep.join(p for p in parts if p)

    def visit_tuple(self, element: Any, **kw: Any) -> str:
        return "(" + ", ".join(self.process(c, **kw) for c in element.clauses) + ")"

    def visit_grouping(self, grouping: Any, **kw: Any) -> str:
        return "(" + self.process(grouping.element, **kw) + ")"

    def visit_label(self, label: Any, within_columns_clause: bool = False, render_label_as_label: Any = None, **kw: Any) -> str:
        if within_columns_clause or render_label_as_label is label:
            return f"{self.process(label.element, **kw)} AS {self.preparer.format_label_name(label.name)}"
        if kw.get("within_order_by") and kw.get("_labels_in_scope", ()) and label.name in kw["_labels_in_scope"]:
            return self.preparer.format_label_name(label.name)
        return self.process(label.element, **kw)

    def visit_binary(self, binary: Any, **kw: Any) -> str:
        op = binary.operator
        special = self._binary_special.get(op)
        if special is not None:
            return special(self, binary, **kw)  # type: ignore[no-any-return]
        if isinstance(op, operators.custom_op):
            opstring = f" {op.opstring} "
        else:
            opstring = operators.OPERATOR_SQL.get(op)  # type: ignore[assignment]
            if opstring is None:
                raise exc.UnsupportedCompilationError(binary, self.dialect.name, f"operator {op!r}")
        return self.process(binary.left, **kw) + opstring + self.process(binary.right, **kw)

    def _like(self, binary: Any, **kw: Any) -> str:
        text = (self.process(binary.left, **kw) + operators.OPERATOR_SQL[binary.operator]
                + self.process(binary.right, **kw))
        escape = (binary.modifiers or {}).get("escape")
        if escape:
            text += " ESCAPE " + self.dialect.literal_renderer.render_string(escape)
        return text

    def _ilike(self, binary: Any, **kw: Any) -> str:
        # emulated with lower() where the database has no ILIKE
        op = " LIKE " if binary.operator is operators.ilike_op else " NOT LIKE "
        text = f"lower({self.process(binary.left, **kw)}){op}lower({self.process(binary.right, **kw)})"
        escape = (binary.modifiers or {}).get("escape")
        if escape:
            text += " ESCAPE " + self.dialect.literal_renderer.render_string(escape)
        return text

    def _is_distinct(self, binary: Any, **kw: Any) -> str:
        return self.process(binary.left, **kw) + operators.OPERATOR_SQL[binary.operator] + self.process(binary.right, **kw)

    def _between(self, binary: Any, **kw: Any) -> str:
        right = binary.right
        if isinstance(right, elements.Grouping):  # the AND list is grouped against BETWEEN
            right = right.element
        lo, hi = right.clauses
        op = " BETWEEN " if binary.operator is operators.between_op else " NOT BETWEEN "
        return f"{self.process(binary.left, **kw)}{op}{self.process(lo, **kw)} AND {self.process(hi, **kw)}"

    def _regexp(self, binary: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(binary, self.dialect.name, "regular expressions")

    def _json_getitem(self, binary: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(binary, self.dialect.name, "JSON index operations")

    def _getitem(self, binary: Any, **kw: Any) -> str:
        return f"{self.process(binary.left, **kw)}[{self.process(binary.right, **kw)}]"

    def _concat(self, binary: Any, **kw: Any) -> str:
        return self.process(binary.left, **kw) + " || " + self.process(binary.right, **kw)

    def _mod(self, binary: Any, **kw: Any) -> str:
        return self.process(binary.left, **kw) + " % " + self.process(binary.right, **kw)

    def _floordiv(self, binary: Any, **kw: Any) -> str:
        return f"FLOOR({self.process(binary.left, **kw)} / {self.process(binary.right, **kw)})"

    def _match(self, binary: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(binary, self.dialect.name, "MATCH")

    _binary_special: dict[Any, Callable[..., str]] = {
        operators.like_op: _like,
        operators.not_like_op: _like,
        operators.ilike_op: _ilike,
        operators.not_ilike_op: _ilike,
        operators.between_op: _between,
        operators.not_between_op: _between,
        operators.regexp_match_op: _regexp,
        operators.not_regexp_match_op: _regexp,
        operators.json_getitem_op: _json_getitem,
        operators.json_path_getitem_op: _json_getitem,
        operators.getitem: _getitem,
        operators.concat_op: _concat,
        operators.mod: _mod,
        operators.floordiv: _floordiv,
        operators.match_op: _match,
    }

    def visit_slice(self, element: Any, **kw: Any) -> str:
        return f"{self.process(element.start, **kw)}:{self.process(element.stop, **kw)}"

    def visit_unary(self, unary: Any, **kw: Any) -> str:
        text = self.process(unary.element, **kw)
        if unary.operator is not None:
            text = operators.UNARY_PREFIX[unary.operator] + text
        if unary.modifier is not None:
            text += operators.UNARY_SUFFIX[unary.modifier]
        return text

    def visit_cast(self, cast: Any, **kw: Any) -> str:
        return f"CAST({self.process(cast.clause, **kw)} AS {self.dialect.type_compiler_instance.process(cast.type, for_cast=True)})"

    def visit_type_coerce(self, element: Any, **kw: Any) -> str:
        return self.process(element.clause, **kw)

    def visit_case(self, case: Any, **kw: Any) -> str:
        parts = ["CASE"]
        if case.value is not None:
            parts.append(self.process(case.value, **kw))
        for cond, result in case.whens:
            parts.append(f"WHEN {self.process(cond, **kw)} THEN {self.process(result, **kw)}")
        if case.else_ is not None:
            parts.append(f"ELSE {self.process(case.else_, **kw)}")
        parts.append("END")
        return " ".join(parts)

    def visit_extract(self, element: Any, **kw: Any) -> str:
        return f"EXTRACT({element.field.upper()} FROM {self.process(element.expr, **kw)})"

    def visit_function(self, fn: Any, **kw: Any) -> str:
        renderer = getattr(self, f"visit_{fn.name.lower()}_func", None)
        if renderer is not None:
            return renderer(fn, **kw)  # type: ignore[no-any-return]
        name = self._function_name(fn)
        if not fn._has_args:
            return name
        return f"{name}({self.process(fn.clause_expr, **kw)})"

    def _function_name(self, fn: Any) -> str:
        name = fn.name
        if not name.replace("_", "").isalnum() or not name.isascii():
            name = self.preparer.quote_identifier(name)
        elif name.lower() != name and not name.isupper():
            name = self.preparer.quote(name)
        if fn.packagenames:
            name = ".".join(self.preparer.quote(p) for p in fn.packagenames) + "." + name
        return name  # type: ignore[no-any-return]

    def visit_over(self, over: Any, **kw: Any) -> str:
        parts = []
        if over.partition_by:
            parts.append("PARTITION BY " + ", ".join(self.process(p, **kw) for p in over.partition_by))
        if over.order_by:
            parts.append("ORDER BY " + ", ".join(self.process(o, **kw) for o in over.order_by))
        frame = over.rows or over.range_
        if frame is not None:
            kind = "ROWS" if over.rows is not None else "RANGE"
            parts.append(f"{kind} BETWEEN {_frame_bound(frame[0], True)} AND {_frame_bound(frame[1], False)}")
        return f"{self.process(over.element, **kw)} OVER ({' '.join(parts)})"

    def visit_within_group(self, element: Any, **kw: Any) -> str:
        return (f"{self.process(element.element, **kw)} WITHIN GROUP (ORDER BY "
                + ", ".join(self.process(o, **kw) for o in element.order_by) + ")")

    def visit_funcfilter(self, element: Any, **kw: Any) -> str:
        if self.dialect.supports_aggregate_filter:
            return f"{self.process(element.func, **kw)} FILTER (WHERE {self.process(element.criterion, **kw)})"
        # emulate: agg(CASE WHEN criterion THEN arg END)
        fn = element.func
        args = fn.clause_expr.clauses
        name = self._function_name(fn)
        if not args or getattr(args[0], "is_literal", False) and args[0].name == "*":
            inner = f"CASE WHEN {self.process(element.criterion, **kw)} THEN 1 END"
        else:
            inner = ", ".join(
                f"CASE WHEN {self.process(element.criterion, **kw)} THEN {self.process(a, **kw)} END" for a in args
            )
        return f"{name}({inner})"

    def visit_next_value(self, element: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(element, self.dialect.name, "sequences")

    def visit_json_path(self, element: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(element, self.dialect.name, "JSON paths")

    def visit_column_element(self, element: Any, **kw: Any) -> str:
        raise exc.UnsupportedCompilationError(element, self.dialect.name)


def _expanded_shape(value: Any) -> tuple[int, int | None]:
    if value is None:
        return (0, None)
    if isinstance(value, (str, bytes)):
        raise exc.ArgumentError(f"An expanding IN parameter takes a list of values, got {value!r}")
    values = list(value)
    if not values:
        return (0, None)
    first = values[0]
    if isinstance(first, (tuple, list)):
        return (len(values), len(first))
    return (len(values), None)


def _bind_proc(type_: Any, dialect: Any) -> Any:
    return sqltypes.to_instance(type_).dialect_impl(dialect).bind_processor(dialect)


def _frame_bound(value: Any, lower: bool) -> str:
    if value is None:
        return "UNBOUNDED PRECEDING" if lower else "UNBOUNDED FOLLOWING"
    if value == 0:
        return "CURRENT ROW"
    if value < 0:
        return f"{abs(int(value))} PRECEDING"
    return f"{int(value)} FOLLOWING"


def _aliases() -> tuple[type, ...]:
    from sqlweave.core.sql.selectable import Alias

    return (Alias,)


class StrSQLCompiler(SQLCompiler):
    """Compiler for ``str(statement)`` with no dialect: renders everything it can, generically."""

    def _regexp(self, binary: Any, **kw: Any) -> str:
        op = " <regexp> " if binary.operator is operators.regexp_match_op else " <not regexp> "
        return self.process(binary.left, **kw) + op + self.process(binary.right, **kw)

    def _json_getitem(self, binary: Any, **kw: Any) -> str:
        return f"{self.process(binary.left, **kw)}[{self.process(binary.right, **kw)}]"

    _binary_special = {
        **SQLCompiler._binary_special,
        operators.regexp_match_op: _regexp,
        operators.not_regexp_match_op: _regexp,
        operators.json_getitem_op: _json_getitem,
        operators.json_path_getitem_op: _json_getitem,
    }

    def visit_next_value(self, element: Any, **kw: Any) -> str:
        return f"<next sequence value: {self.preparer.format_sequence(element.sequence)}>"

    def visit_json_path(self, element: Any, **kw: Any) -> str:
        return "<json path>"
