"""ORM-enabled ``insert()``, ``update()`` and ``delete()`` executed through a Session.

* ``session.execute(insert(User), [{"name": ...}, ...])``: bulk INSERT from dicts keyed by
  attribute name (one executemany).
* ``session.execute(update(User), [{"id": 1, "name": ...}, ...])``: bulk UPDATE by primary key
  (one executemany ``UPDATE ... WHERE pk = ?``); objects of those keys in the identity map get
  the new values.
* ``update(User).where(...).values(...)`` / ``delete(User).where(...)`` with the execution option
  ``synchronize_session``: ``"evaluate"`` (apply the WHERE clause in Python to the objects in the
  identity map), ``"fetch"`` (learn the matched primary keys with RETURNING, or a SELECT first
  where the backend can't), ``False`` (leave the session alone) or ``"auto"`` (the default:
  evaluate, falling back to fetch when the criteria can't be evaluated in Python).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql import elements, operators
from sqlweave.core.sql.elements import and_, bindparam
from sqlweave.orm.base import MAPPER_ATTR, STATE_ATTR


class UnevaluatableError(sa_exc.InvalidRequestError):
    """The WHERE clause of an ORM UPDATE/DELETE can't be evaluated in Python."""


_BINARY: dict[Any, Callable[[Any, Any], Any]] = {
    operators.eq: operator.eq, operators.ne: operator.ne, operators.lt: operator.lt,
    operators.le: operator.le, operators.gt: operator.gt, operators.ge: operator.ge,
    operators.add: operator.add, operators.sub: operator.sub, operators.mul: operator.mul,
}


def _evaluator(expr: Any, mapper: Any) -> Callable[[Any], Any]:
    """A Python function of an object that computes ``expr`` (columns of ``mapper``, literals,
    comparisons, AND/OR/NOT, IN, IS NULL); raises UnevaluatableError for anything else."""
    col_to_key = mapper._column_to_key
    if isinstance(expr, elements.Grouping):
        return _evaluator(expr.element, mapper)
    if isinstance(expr, elements.BindParameter):
        v = expr.callable() if expr.callable is not None else expr.value
        return lambda o: v
    if isinstance(expr, elements.Null):
        return lambda o: None
    if isinstance(expr, elements.True_):
        return lambda o: True
    if isinstance(expr, elements.False_):
        return lambda o: False
    if isinstance(expr, elements.ColumnClause):
        key = col_to_key.get(expr)
        if key is None:
            raise UnevaluatableError(f"Cannot evaluate column {expr} of another table in Python")
        return lambda o: getattr(o, key)
    if isinstance(expr, elements.BooleanClauseList):
        subs = [_evaluator(c, mapper) for c in expr.clauses]
        if expr.operator is operators.and_:
            return lambda o: all(f(o) for f in subs)
        if expr.operator is operators.or_:
            return lambda o: any(f(o) for f in subs)
    if isinstance(expr, elements.UnaryExpression) and expr.operator is operators.inv:
        sub = _evaluator(expr.element, mapper)
        return lambda o: not sub(o)
    if isinstance(expr, elements.BinaryExpression):
        op = expr.operator
        left = _evaluator(expr.left, mapper)
        if op in (operators.in_op, operators.not_in_op):
            right_el = expr.right
            while isinstance(right_el, elements.Grouping):
                right_el = right_el.element
            if isinstance(right_el, elements.BindParameter):
                vals = list(right_el.value or ())
            elif isinstance(right_el, elements.ClauseList):
                vals = [_evaluator(c, mapper)(None) for c in right_el.clauses]
            else:
                raise UnevaluatableError(f"Cannot evaluate IN {right_el!r} in Python")
            if op is operators.in_op:
                return lambda o: left(o) in vals
            return lambda o: left(o) not in vals
        right = _evaluator(expr.right, mapper)
        if op is operators.is_:
            return lambda o: left(o) is right(o)
        if op is operators.is_not:
            return lambda o: left(o) is not right(o)
        fn = _BINARY.get(op)
        if fn is not None:
            def cmp(o: Any, fn: Any = fn) -> Any:
                a, b = left(o), right(o)
                if a is None or b is None:
                    return None  # SQL NULL semantics: no match
                return fn(a, b)
            return cmp
    raise UnevaluatableError(f"Cannot evaluate {type(expr).__name__} in Python")


def _mapper_of(stmt: Any) -> Any:
    mapper = stmt._propagate_attrs.get("plugin_subject")
    if mapper is None:
        raise sa_exc.InvalidRequestError("Not an ORM-enabled DML statement")
    mapper._check_configure()
    return mapper


def _attr_values(mapper: Any, row: dict[Any, Any]) -> dict[str, Any]:
    """{column key: value} from a dict keyed by attribute names, columns or attributes."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        key = getattr(k, "key", k)
        prop = mapper._props.get(key)
        if prop is not None and hasattr(prop, "columns"):
            out[prop.columns[0].key] = v
        else:
            out[key] = v
    return out


def execute_orm_dml(session: Any, stmt: Any, params: Any, opts: dict[str, Any]) -> Any:
    """Execute an ORM-enabled INSERT/UPDATE/DELETE (see the module docstring)."""
    from sqlweave.core.sql.dml import Delete, Insert, Update

    mapper = _mapper_of(stmt)
    opts = {**stmt._execution_options, **opts}
    sync = opts.pop("synchronize_session", "auto")
    if session.autoflush and not session._flushing and not session._no_autoflush:
        session._autoflush()
    conn = session.connection()
    core_opts = opts or None
    returned = _returning_plan(stmt)
    if returned is not None:  # returning(User): the Core statement returns User's columns
        stmt = returned.statement
    if isinstance(stmt, Insert):
        if isinstance(params, list):
            params = [_attr_values(mapper, p) for p in params]
        elif isinstance(params, dict):
            params = _attr_values(mapper, params)
        result = conn.execute(stmt, params, execution_options=core_opts)
        return _load_returned(session, returned, result, True) if returned is not None else result
    if returned is not None and isinstance(params, list):
        raise sa_exc.InvalidRequestError(
            "returning() of an entity is not available for an ORM UPDATE/DELETE with a list of "
            "parameter sets; run one statement with WHERE criteria, or return columns instead")
    if isinstance(params, list) and isinstance(stmt, Update) and not stmt._where:
        return _bulk_update_by_pk(session, conn, stmt, mapper, params, core_opts)
    if sync not in ("auto", "evaluate", "fetch", False, None):
        raise sa_exc.ArgumentError(
            f"synchronize_session must be 'auto', 'evaluate', 'fetch' or False, got {sync!r}")
    is_delete = isinstance(stmt, Delete)
    where = and_(*stmt._where) if stmt._where else None
    matched: list[Any] = []
    if sync in ("auto", "evaluate"):
        try:
            test = _evaluator(where, mapper) if where is not None else (lambda o: True)
            values = _evaluated_values(stmt, mapper) if not is_delete else {}
            matched = [o for o in _mapper_objects(session, mapper) if _safe(test, o)]
        except UnevaluatableError:
            if sync == "evaluate":
                raise
            sync = "fetch"
    pks: list[tuple[Any, ...]] = []
    if sync == "fetch":
        dialect = conn.dialect
        can_return = getattr(dialect, "delete_returning" if is_delete else "update_returning", False)
        pk_cols = list(mapper.primary_key)
        if can_return and not stmt._returning:
            result = conn.execute(stmt.returning(*pk_cols), params, execution_options=core_opts)
            pks = [tuple(r) for r in result.all()]
            _sync_fetched(session, mapper, pks, stmt, is_delete)
            return _RowcountResult(len(pks))
        from sqlweave.core.sql.selectable import select

        sel = select(*pk_cols)
        if stmt._where:
            sel = sel.where(*stmt._where)
        pks = [tuple(r) for r in conn.execute(sel, params).all()]
    result = conn.execute(stmt, params, execution_options=core_opts)
    if returned is not None:
        # objects first: a DELETE's rows must still find their objects in the identity map
        result = _load_returned(session, returned, result, not is_delete)
    if sync in ("auto", "evaluate"):
        if is_delete:
            for o in matched:
                _mark_deleted(session, o)
        else:
            for o in matched:
                _apply_values(session, o, values)
    elif sync == "fetch":
        _sync_fetched(session, mapper, pks, stmt, is_delete)
    if returned is not None and is_delete:
        for obj in returned.objects:
            if not obj.__dict__[STATE_ATTR]._deleted:
                _mark_deleted(session, obj)
    return result


class _ReturnedEntities:
    """How to turn the rows of ``returning(User, User.name, ...)`` into objects and values."""

    def __init__(self, statement: Any, compile_state: Any) -> None:
        self.statement = statement  # the Core statement: entities expanded to their columns
        self.compile_state = compile_state
        self.objects: list[Any] = []  # set by _load_returned


def _returning_plan(stmt: Any) -> _ReturnedEntities | None:
    """None unless ``returning()`` names a mapped class; otherwise the statement returning that
    class's loaded columns (in place of the class's whole table) and the loading plan."""
    from sqlweave.orm.context import ORMCompileState, _ColumnEntity, _MapperEntity

    args = stmt._returning_args
    if not any(isinstance(a, type) and getattr(a, MAPPER_ATTR, None) is not None for a in args):
        return None
    cols: list[Any] = []
    entities: list[Any] = []
    for arg, col in zip(args, stmt._returning):
        mapper = getattr(arg, MAPPER_ATTR, None) if isinstance(arg, type) else None
        if mapper is None:
            entities.append(_ColumnEntity(len(cols), getattr(arg, "key", None) or getattr(col, "name", None)
                                          or f"col{len(cols)}", (arg, col) if arg is not col else (col,)))
            cols.append(col)
            continue
        mapper._check_configure()
        if len(mapper.tables) > 1:
            raise sa_exc.InvalidRequestError(
                f"returning({mapper.class_.__name__}) is not available for a joined-table inheritance "
                "mapper: its attributes span several tables; return columns instead")
        table = mapper.local_table
        keys = [k for k in mapper._load_keys
                if getattr(mapper._props[k].columns[0], "table", None) is table]
        ent = _MapperEntity(mapper)
        ent.keys = keys
        ent.start = len(cols)
        ent.pk_idx = [ent.start + keys.index(k) for k in mapper._pk_keys]
        cols.extend(mapper._props[k].columns[0] for k in keys)
        entities.append(ent)
    core = stmt._generate()
    core._returning = ()
    core._returning_args = ()
    core._propagate_attrs = stmt._propagate_attrs
    core = core.returning(*cols, sort_by_parameter_order=stmt._sort_by_parameter_order)
    single = len(entities) == 1 and isinstance(entities[0], _MapperEntity)
    return _ReturnedEntities(core, ORMCompileState(core, entities, single, False))


def _load_returned(session: Any, plan: _ReturnedEntities, result: Any, refresh: bool) -> Any:
    """The ORM result of a DML statement with ``returning(User)``: the returned rows are the
    database's truth, so objects already in the identity map are refreshed from them (``refresh``;
    a DELETE's objects are only looked up)."""
    from sqlweave.orm.context import _MapperEntity, process_rows
    from sqlweave.orm.loading import make_result

    cs = plan.compile_state
    rows = result._fetchall_tuples()
    out = process_rows(session, cs, rows, populate_existing=refresh, entities=True)
    for i, ent in enumerate(cs.entities):
        if isinstance(ent, _MapperEntity):
            plan.objects.extend(out if cs.single_entity else [r[i] for r in out])
    return make_result(cs.keys, out, False, single=cs.single_entity, objects=cs.objects)


class _RowcountResult:
    """The result of a DML statement whose rows were consumed to synchronize the session."""

    def __init__(self, n: int) -> None:
        self.rowcount = n

    def close(self) -> None:
        pass


def _safe(test: Callable[[Any], Any], o: Any) -> bool:
    return bool(test(o))


def _mapper_objects(session: Any, mapper: Any) -> list[Any]:
    out = []
    for st in list(session.identity_map._dict.values()):
        if st.mapper is mapper or issubclass(st.class_, mapper.class_):
            o = st.obj()
            if o is not None and not st._deleted:
                out.append(o)
    return out


def _evaluated_values(stmt: Any, mapper: Any) -> dict[str, Callable[[Any], Any]]:
    vals = stmt._values or {}
    out: dict[str, Callable[[Any], Any]] = {}
    ckey = {c.key: k for c, k in mapper._column_to_key.items()}
    for col_key, v in vals.items():
        k = ckey.get(getattr(col_key, "key", col_key), col_key)
        if isinstance(v, elements.ClauseElement):
            v = getattr(v, "value", v) if isinstance(v, elements.BindParameter) else v
        if isinstance(v, elements.ClauseElement):
            out[k] = _evaluator(v, mapper)
        else:
            out[k] = (lambda val: lambda o: val)(v)
    return out


def _apply_values(session: Any, obj: Any, values: dict[str, Callable[[Any], Any]]) -> None:
    """Set new values as committed (no history): the database already has them."""
    d = obj.__dict__
    state = d[STATE_ATTR]
    new = {k: f(obj) for k, f in values.items()}
    for k, v in new.items():
        if k in state.committed_state:
            continue  # an unflushed change of the user's own wins
        d[k] = v
        state._unexpire(k)


def _mark_deleted(session: Any, obj: Any) -> None:
    state = obj.__dict__[STATE_ATTR]
    session.identity_map._remove(state)
    session._modified.discard(state)
    state._deleted = True
    state.session_id = None
    state._strong = None


def _sync_fetched(session: Any, mapper: Any, pks: list[tuple[Any, ...]], stmt: Any, is_delete: bool) -> None:
    imap = session.identity_map._dict
    base = mapper.base_mapper
    keys = None
    if not is_delete:
        ckey = {c.key: k for c, k in mapper._column_to_key.items()}
        keys = [ckey.get(getattr(c, "key", c), c) for c in (stmt._values or {})]
    for pk in pks:
        st = imap.get((base, pk))
        if st is None:
            continue
        o = st.obj()
        if o is None:
            continue
        if is_delete:
            _mark_deleted(session, o)
        else:
            st._expire([k for k in keys if k not in st.committed_state] if keys else None)


def _bulk_update_by_pk(session: Any, conn: Any, stmt: Any, mapper: Any, rows: list[dict[Any, Any]],
                       core_opts: Any) -> Any:
    """``session.execute(update(User), [{"id": 1, "name": "x"}, ...])``: executemany by primary key,
    one statement per distinct set of columns."""
    from sqlweave.core.sql.dml import update

    table = mapper.local_table
    pk_cols = list(mapper.primary_key)
    pk_keys = [c.key for c in pk_cols]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        vals = _attr_values(mapper, r)
        missing = [k for k in pk_keys if k not in vals]
        if missing:
            raise sa_exc.InvalidRequestError(
                f"No primary key value supplied for column(s) {', '.join(missing)}; per-row ORM Bulk "
                "UPDATE by Primary Key requires that records contain primary key values")
        cols = tuple(k for k in vals if k not in pk_keys)
        groups.setdefault(cols, []).append(vals)
    total = 0
    imap = session.identity_map._dict
    ckey = {c.key: k for c, k in mapper._column_to_key.items()}
    for cols, group in groups.items():
        if not cols:
            continue
        u = update(table).where(and_(*[c == bindparam(f"pk_{c.key}") for c in pk_cols])).values(
            {table.c[k]: bindparam(f"v_{k}") for k in cols})
        params = [{**{f"pk_{k}": g[k] for k in pk_keys}, **{f"v_{k}": g[k] for k in cols}} for g in group]
        res = conn.execute(u, params, execution_options=core_opts)
        total += max(res.rowcount, 0)
        for g in group:
            st = imap.get((mapper.base_mapper, tuple(g[k] for k in pk_keys)))
            o = st.obj() if st is not None else None
            if o is not None:
                for k in cols:
                    ak = ckey.get(k, k)
                    if ak not in st.committed_state:
                        o.__dict__[ak] = g[k]
    return _RowcountResult(total)
