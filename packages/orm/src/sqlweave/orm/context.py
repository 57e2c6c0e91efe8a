"""The ORM compile step: an ORM ``select()`` becomes a Core select plus a row → object plan.

``select(User)`` reaches Core as a SELECT of the mapped table (the class's ``__clause_element__``)
carrying ``_propagate_attrs["compile_state_plugin"]``. The Session calls :func:`compile_orm_select`
to get the Core statement it executes (deferred columns removed, joined eager loads added,
relationship joins resolved, loader criteria applied) and the plan that turns its rows into
entities; the Core compiler calls :func:`orm_compile_plugin` when an ORM select is compiled outside
a Session. The plan is built once per statement object (statements are immutable) and cached.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.elements import and_
from sqlweave.core.sql.selectable import Alias
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, MAPPER_ATTR, STATE_ATTR, generated_function
from sqlweave.orm.state import NO_COMMITTED, InstanceState, make_state

_LAZY_STRATEGIES = ("select", "raise", "raise_on_sql", "noload", "dynamic", "write_only")


def orm_compile_plugin(select: Any, compiler: Any) -> Any:
    """Compiler hook: the Core statement for an ORM select."""
    return compile_orm_select(select).statement


class _MapperEntity:
    __slots__ = ("mapper", "keys", "start", "pk_idx", "joined", "strategies", "sub_options", "name",
                 "contains_eager", "from_", "alias_entity", "innerjoin", "criteria_opts", "expressions")

    keys: list[str]
    start: int
    pk_idx: list[int]
    from_: Any

    def __init__(self, mapper: Any, alias_entity: Any = None) -> None:
        self.mapper = mapper
        self.alias_entity = alias_entity
        self.from_ = alias_entity._sw_selectable if alias_entity is not None else None
        self.name = alias_entity._sw_name if alias_entity is not None else mapper.class_.__name__
        self.joined: list[Any] = []
        self.strategies: dict[str, str] = {}
        self.sub_options: dict[str, list[Any]] = {}
        self.contains_eager: list[Any] = []
        self.innerjoin: dict[str, bool] = {}
        self.criteria_opts: tuple[Any, ...] = ()
        self.expressions: dict[str, Any] = {}  # with_expression(): attribute key -> SQL expression


class _ColumnEntity:
    __slots__ = ("idx", "name", "objects")

    def __init__(self, idx: int, name: str, objects: tuple[Any, ...] = ()) -> None:
        self.idx = idx
        self.name = name
        #: what else a row answers to for this column: ``row._mapping[User.name]``
        self.objects = objects


class _JoinedLoad:
    __slots__ = ("prop", "mapper", "keys", "start", "pk_idx", "alias", "joined", "strategies",
                 "sub_options")
    prop: Any
    mapper: Any
    keys: list[str]
    start: int
    pk_idx: list[int]
    alias: Any

    def __init__(self) -> None:
        self.joined: list[_JoinedLoad] = []
        self.strategies: dict[str, str] = {}
        self.sub_options: dict[str, list[Any]] = {}


class ORMCompileState:
    """The Core statement to run and how to turn its rows into entities and columns."""

    def __init__(self, statement: Any, entities: list[Any], single_entity: bool,
                 has_joined_collection: bool, criteria: tuple[Any, ...] = ()) -> None:
        self.statement = statement
        self.entities = entities
        self.single_entity = single_entity
        self.has_joined_collection = has_joined_collection
        self.keys = [e.name for e in entities]
        #: per result column, the objects it is also looked up by: the entity (class or alias)
        #: or the column expression / ORM attribute that was selected
        self.objects = [e.objects if isinstance(e, _ColumnEntity)
                        else (e.alias_entity if e.alias_entity is not None else e.mapper.class_,)
                        for e in entities]
        self._metadata: Any = None
        #: with_loader_criteria options: they travel with the loaded objects to later lazy loads
        self.criteria = criteria

    def result_metadata(self) -> Any:
        """The ResultMetaData of this statement's ORM results, built once (with its Row class)."""
        md = self._metadata
        if md is None:
            from sqlweave.core.engine.result import ResultMetaData

            md = self._metadata = ResultMetaData(self.keys, self.objects)
        return md


class LoadContext:
    """What the objects of one result share: N+1 bookkeeping and options that propagate to their
    lazy loads. Each loaded object's state points at the context of the result that loaded it."""

    __slots__ = ("size", "counts", "reported", "criteria", "sub_options", "__weakref__")

    def __init__(self, size: int, criteria: tuple[Any, ...] = (),
                 sub_options: dict[Any, list[Any]] | None = None) -> None:
        self.size = size
        self.counts: dict[Any, int] = {}
        self.reported: set[Any] = set()
        self.criteria = criteria
        self.sub_options = sub_options


def _entity_matches(ent: _MapperEntity, attr: Any) -> bool:
    """Does the option attribute ``attr`` (``User.x`` or ``ua.x``) belong to entity ``ent``?"""
    pa = getattr(attr, "_parent_alias", None)
    if pa is not None:
        return pa is ent.alias_entity
    parent = getattr(attr, "parent", None)
    if parent is None:
        return False
    mapper = ent.mapper
    return parent is mapper or issubclass(mapper.class_, parent.class_)


def _bound_entity_matches(ent: _MapperEntity, entity: Any) -> bool:
    if entity is None:
        return True
    if ent.alias_entity is not None:
        return entity is ent.alias_entity
    return getattr(entity, MAPPER_ATTR, None) is ent.mapper


def _apply_options(ent: _MapperEntity, options: tuple[Any, ...]) -> list[str]:
    """Resolve loader options for one mapper entity (or joined-load target); returns the column
    keys to load. Sets strategies / sub-options / contains_eager on ``ent``."""
    mapper = ent.mapper
    keys = list(mapper._load_keys)
    wildcard: str | None = None
    for opt in options:
        for load in (opt._flatten() if hasattr(opt, "_flatten") else ()):
            steps = load.steps
            if not steps or not _bound_entity_matches(ent, getattr(load, "entity", None)):
                continue
            attr, strategy, extra = steps[0]
            if strategy == "load_only":
                wanted = {a.key for a in attr if _entity_matches(ent, a)}
                if not wanted and attr:
                    continue
                keys = [k for k in mapper._column_keys if k in wanted or k in mapper._pk_keys]
                continue
            if isinstance(attr, str):
                if attr == "*" or attr.endswith(".*"):
                    if strategy not in ("defer", "undefer"):
                        wildcard = strategy
                    elif strategy == "undefer":
                        keys = list(mapper._column_keys)
                    continue
                prop = mapper._props.get(attr)
            else:
                if not _entity_matches(ent, attr):
                    continue
                prop = attr.prop
            if prop is None:
                continue
            if not getattr(prop, "_is_relationship", False):
                if strategy == "defer":
                    keys = [k for k in keys if k != prop.key]
                elif strategy == "undefer" and prop.key not in keys:
                    keys.append(prop.key)
                elif strategy == "with_expression":  # mapping extras (orm/properties.py)
                    ent.expressions[prop.key] = extra["expression"].label(prop.key)
                    if prop.key not in keys:
                        keys.append(prop.key)
                continue
            if strategy != "default":
                ent.strategies[prop.key] = strategy
                if strategy == "joined":
                    ent.innerjoin[prop.key] = bool(extra.get("innerjoin"))
                if strategy == "contains_eager":
                    ent.contains_eager.append((prop, extra.get("alias")))
            if len(steps) > 1:
                from sqlweave.orm.strategy_options import Load

                ent.sub_options.setdefault(prop.key, []).append(Load._from_steps(steps[1:]))
    if wildcard is not None:
        for key in mapper._relationship_keys:
            ent.strategies.setdefault(key, wildcard)
    for k in mapper._pk_keys:
        if k not in keys:
            keys.insert(0, k)
    return keys


_cache: weakref.WeakKeyDictionary[Any, ORMCompileState] = weakref.WeakKeyDictionary()


def compile_orm_select(stmt: Any) -> ORMCompileState:
    """Build (or fetch from the per-statement cache) the Core statement and loading plan."""
    cs = _cache.get(stmt)
    if cs is None:
        cs = _cache[stmt] = _compile_orm_select(stmt)
    return cs


def _aliased_column(alias_entity: Any, col: Any) -> Any:
    """``col`` of the mapper as a column of the aliased() class's selectable."""
    adapted = alias_entity._sw_adapter.get(id(col))
    return adapted if adapted is not None else alias_entity._sw_selectable.c[col.key]


def _crit_for(criteria: list[Any], mapper: Any, from_: Any = None) -> list[Any]:
    """with_loader_criteria conditions for ``mapper``, re-pointed at ``from_``: an aliased()
    class (through its adapter) or an alias of the mapper's table."""
    from sqlweave.orm.util import adapt_clause, table_adapter

    out = []
    for opt in criteria:
        if opt.applies_to(mapper):
            c = opt.criteria_for(mapper)
            if from_ is not None:
                adapter = getattr(from_, "_sw_adapter", None)
                c = adapt_clause(c, adapter if adapter is not None else table_adapter(mapper.local_table, from_))
            out.append(c)
    return out


def _compile_orm_select(stmt: Any) -> ORMCompileState:
    from sqlweave.core.sql import coercions
    from sqlweave.orm.strategy_options import LoaderCriteriaOption
    from sqlweave.orm.util import AliasedClass, relationship_join

    options = tuple(o for o in stmt._with_options if not isinstance(o, LoaderCriteriaOption))
    criteria = [o for o in stmt._with_options if isinstance(o, LoaderCriteriaOption)]
    cols: list[Any] = []
    entities: list[Any] = []
    joins: list[Any] = []
    extra_where: list[Any] = []
    has_joined_collection = False
    for raw_ent, raw_col in zip(stmt._entities, stmt._raw_columns):
        alias_ent = raw_ent if isinstance(raw_ent, AliasedClass) else None
        mapper = getattr(raw_ent, MAPPER_ATTR, None) if isinstance(raw_ent, type) else None
        if alias_ent is not None:
            mapper = alias_ent._sw_aliased_mapper
        if mapper is not None:
            mapper._check_configure()
            ent = _MapperEntity(mapper, alias_ent)
            keys = _apply_options(ent, options)
            colmap = mapper._props
            ent.keys = keys
            ent.start = len(cols)
            if alias_ent is not None:
                cols.extend(_aliased_column(alias_ent, colmap[k].columns[0]) for k in keys)  # type: ignore[attr-defined]
            else:
                cols.extend(ent.expressions[k] if k in ent.expressions else colmap[k].columns[0] for k in keys)  # type: ignore[attr-defined]
            ent.pk_idx = [ent.start + keys.index(k) for k in mapper._pk_keys]
            if criteria and (alias_ent is None or any(c.include_aliases for c in criteria)):
                extra_where.extend(_crit_for(criteria, mapper, alias_ent))
            for key in mapper._relationship_keys:
                prop = colmap[key]
                strategy = ent.strategies.get(key, prop.lazy)  # type: ignore[attr-defined]
                if strategy == "joined":
                    inner = ent.innerjoin.get(key, bool(prop.innerjoin))  # type: ignore[attr-defined]
                    jl = _setup_joined(prop, ent.from_, cols, joins, inner, ent.sub_options.get(key, ()),
                                       criteria)
                    ent.joined.append(jl)
                    has_joined_collection = has_joined_collection or _any_collection(jl)
            for prop, alias in ent.contains_eager:
                jl = _setup_contains_eager(prop, alias, cols)
                ent.joined.append(jl)
                if prop.uselist:
                    has_joined_collection = True
            ent.criteria_opts = tuple(criteria)
            entities.append(ent)
        else:
            idx = len(cols)
            col = raw_col
            if hasattr(col, "_select_iterable") and not hasattr(col, "type"):
                for c in col._select_iterable:
                    entities.append(_ColumnEntity(len(cols), getattr(c, "key", None) or c.name, (c,)))
                    cols.append(c)
                continue
            cols.append(col)
            name = getattr(raw_ent, "key", None) or getattr(col, "name", None) or f"col{idx}"
            if isinstance(name, str) is False:
                name = f"col{idx}"
            entities.append(_ColumnEntity(idx, name, (raw_ent, col) if raw_ent is not col else (col,)))
    new = stmt._generate()
    new._raw_columns = tuple(cols)
    from sqlweave.orm.inheritance import joined_froms  # inheritance: joined-table FROM
    new = joined_froms(new, stmt._entities)
    new._propagate_attrs = {}
    new._with_options = ()
    if stmt._setup_joins:
        sj = []
        for target, onclause, flags in stmt._setup_joins:
            flags = dict(flags)
            if flags.get("from_") is not None:
                flags["from_"] = coercions.expect_from(flags["from_"])
            hook = getattr(target, "_join_target_hook", None)
            tmapper = None
            tfrom = None
            if hook is not None:
                prop = target.prop
                tmapper = prop.mapper
                target, on = hook()
                if onclause is None:
                    onclause = on
                else:
                    onclause = and_(on, onclause)
            else:
                ohook = getattr(onclause, "_join_target_hook", None)
                if ohook is not None:
                    prop = onclause.prop
                    tmapper = prop.mapper
                    parent_alias = getattr(onclause, "_parent_alias", None)
                    if isinstance(target, AliasedClass):
                        right, onclause = relationship_join(prop, parent_alias, target)
                        tfrom = target  # the aliased class: its adapter re-points criteria
                        target = right if prop.secondary is not None else target._sw_selectable
                    else:
                        right, onclause = relationship_join(prop, parent_alias, None)
                        target = right
                else:
                    if isinstance(target, AliasedClass):
                        tmapper = None
                    elif isinstance(target, type):
                        tmapper = getattr(target, MAPPER_ATTR, None)
                    target = coercions.expect_from(target)
            if criteria and tmapper is not None:
                extra = _crit_for(criteria, tmapper, tfrom)
                if extra:
                    onclause = and_(onclause, *extra) if onclause is not None else and_(*extra)
            sj.append((target, onclause, flags))
        new._setup_joins = tuple(sj)
    if extra_where:
        new._where = new._where + tuple(extra_where)
    if joins:
        froms = list(new.get_final_froms()) if not new._from_obj and not new._setup_joins else None
        base = froms[0] if froms else None
        for jl_alias, on, inner in joins:
            if base is not None:
                base = base.join(jl_alias, on, isouter=not inner)
            else:
                new = new.join(jl_alias, on, isouter=not inner)
        if base is not None:
            new._from_obj = (base,)
    if any(getattr(e.mapper, "single", False) for e in entities if isinstance(e, _MapperEntity)) or \
            any(getattr(getattr(e, "mapper", None), "single", False) for e in stmt._entities
                if hasattr(e, "prop")):
        from sqlweave.orm.inheritance import single_table_criteria  # inheritance: discriminator

        new = single_table_criteria(new, stmt._entities)
    single = len(entities) == 1 and isinstance(entities[0], _MapperEntity)
    return ORMCompileState(new, entities, single, has_joined_collection, tuple(criteria))


def _any_collection(jl: _JoinedLoad) -> bool:
    return bool(jl.prop.uselist) or any(_any_collection(j) for j in jl.joined)


def _setup_joined(prop: Any, parent_from: Any, cols: list[Any], joins: list[Any], innerjoin: bool,
                  sub_options: Any, criteria: list[Any]) -> _JoinedLoad:
    """Add the LEFT OUTER (or INNER) JOIN and columns of a joined eager load; nested joined
    loads (``joinedload(A.b).joinedload(B.c)``) join from this load's alias."""
    prop.parent._check_configure()
    target = prop.mapper
    alias = Alias(target.local_table)
    jl = _JoinedLoad()
    jl.prop = prop
    jl.mapper = target
    jl.alias = alias

    def pcol(c: Any) -> Any:
        return parent_from.c[c.key] if parent_from is not None else c

    sub = _MapperEntity(target)
    keys = _apply_options(sub, tuple(sub_options))
    jl.strategies = sub.strategies
    jl.sub_options = sub.sub_options
    jl.keys = keys
    jl.start = len(cols)
    cols.extend(alias.c[target._props[k].columns[0].key] for k in keys)
    jl.pk_idx = [jl.start + keys.index(k) for k in target._pk_keys]
    extra = _crit_for(criteria, target, alias)
    if prop.direction == MANYTOMANY:
        sec = Alias(prop.secondary)
        on1 = and_(*[sec.c[s.key] == pcol(p) for p, s in prop.local_pairs])
        on2 = and_(*[sec.c[s.key] == alias.c[t.key] for t, s in prop.remote_pairs], *extra)
        joins.append((sec, on1, innerjoin))
        joins.append((alias, on2, innerjoin))
    elif prop.direction == MANYTOONE:
        on = and_(*[alias.c[src.key] == pcol(dest) for src, dest in prop.synchronize_pairs], *extra)
        joins.append((alias, on, innerjoin))
    else:
        on = and_(*[pcol(src) == alias.c[dest.key] for src, dest in prop.synchronize_pairs], *extra)
        joins.append((alias, on, innerjoin))
    for key in target._relationship_keys:
        if sub.strategies.get(key) == "joined":
            p = target._props[key]
            # a nested join below an outer join stays outer, or it would drop the parent rows
            inner = sub.innerjoin.get(key, False) and innerjoin
            jl.joined.append(_setup_joined(p, alias, cols, joins, inner, sub.sub_options.get(key, ()),
                                           criteria))
    return jl


def _setup_contains_eager(prop: Any, alias: Any, cols: list[Any]) -> _JoinedLoad:
    target = prop.mapper
    table = alias if alias is not None else target.local_table
    table = getattr(table, "_sw_selectable", table)  # an aliased() class
    jl = _JoinedLoad()
    jl.prop = prop
    jl.mapper = target
    jl.alias = table
    keys = list(target._load_keys)
    jl.keys = keys
    jl.start = len(cols)
    cols.extend(table.c[target._props[k].columns[0].key] for k in keys)
    jl.pk_idx = [jl.start + keys.index(k) for k in target._pk_keys]
    return jl


# ---------------------------------------------------------------------------------------------
# rows -> objects
# ---------------------------------------------------------------------------------------------


def load_instances(session: Any, rows: Sequence[Any], keys: list[str], start: int, pk_idx: list[int],
                   mapper: Any, populate_existing: bool = False, strategies: dict[str, str] | None = None,
                   ctx: LoadContext | None = None) -> list[Any]:
    """One object per row (None where the primary key is NULL), from the identity map when present.

    A new object costs one ``__new__``, one state, the attribute values stored into its
    ``__dict__`` by the mapper's :func:`_dict_filler` and one identity-map insert. An identity-map
    hit keeps the object's unflushed changes unless ``populate_existing``. ``rows`` are plain
    tuples or Rows; only positions are used.
    """
    if getattr(mapper, "polymorphic_on", None) is not None:  # inheritance: one class per row
        from sqlweave.orm.inheritance import load_polymorphic

        objs = load_polymorphic(session, rows, keys, start, pk_idx, mapper, populate_existing, strategies)
        if ctx is not None:
            for o in objs:
                if o is not None:
                    o.__dict__[STATE_ATTR]._load_result = ctx
        return objs
    out: list[Any] = []
    lp = dict(strategies) if strategies else None
    loaded_ev: list[Any] | None = (  # events: load, loaded_as_persistent
        [] if mapper.class_dispatch.load or session.dispatch.loaded_as_persistent else None)
    # A batch of new objects allocates several GC-tracked objects per row (object, __dict__,
    # state, weakref, identity key) and none of them forms a cycle the collector must find, yet
    # the allocation count alone triggers collection passes that rescan everything alive. Pause the
    # collector for the batch (it runs as usual right after).
    # before the batch, so a sweep looks at earlier states (those a stream has dropped by now)
    session.identity_map._sweep_if_grown()
    pause_gc = len(rows) > 256 and gc.isenabled()
    if pause_gc:
        gc.disable()
    try:
        _fill(session, rows, out, mapper, keys, start, pk_idx, populate_existing, ctx, lp, loaded_ev)
    finally:
        if pause_gc:
            gc.enable()
    if loaded_ev:
        from sqlweave.orm.events import fire_loaded

        fire_loaded(session, mapper, loaded_ev)
    return out


def _fill(session: Any, rows: Sequence[Any], out: list[Any], mapper: Any, keys: list[str], start: int,
          pk_idx: list[int], populate_existing: bool, ctx: Any, lp: Any, loaded_ev: list[Any] | None) -> None:
    imap = session.identity_map._dict
    get = imap.get
    append = out.append
    sid = session.hash_key
    base = mapper.base_mapper
    cls = mapper.class_
    new = cls.__new__
    fill = _dict_filler(mapper, keys, start)
    single = len(pk_idx) == 1
    p0 = pk_idx[0]
    for row in rows:
        if single:
            pkv = row[p0]
            if pkv is None:
                append(None)
                continue
            ident = (base, (pkv,))
        else:
            pk = tuple([row[i] for i in pk_idx])
            if None in pk:
                append(None)
                continue
            ident = (base, pk)
        state = get(ident)
        if state is not None:
            obj = state()
            if obj is not None:
                if populate_existing or state.expired_attributes:
                    _populate_existing(state, obj, keys, row, start, populate_existing)
                if ctx is not None:
                    state._load_result = ctx
                append(obj)
                continue
        obj = new(cls)
        state = make_state(InstanceState, obj, mapper, False)  # no gc callback: swept by the map (identity.py)
        state.key = ident
        state.session_id = sid
        state._load_result = ctx
        if lp is not None:
            state.load_path = lp
        fill(obj.__dict__, row, state)
        imap[ident] = state
        append(obj)
        if loaded_ev is not None:
            loaded_ev.append(obj)


def _dict_filler(mapper: Any, keys: list[str], start: int) -> Callable[[dict[str, Any], Any, Any], None]:
    """The function that stores one row's values into a new object's ``__dict__`` (attribute
    ``keys[i]`` from row position ``start + i``) together with its state.

    Built once per (mapper, keys, start) and kept in ``mapper._loader_cache`` (reset when the
    mapper's properties change). Generated as straight-line code, like ``namedtuple`` and
    ``dataclasses`` do: a subscript store per attribute costs about half of
    ``d.update(zip(keys, row))``, which allocates a pair per value.
    """
    ck = ("dict_filler", tuple(keys), start)
    fn = mapper._loader_cache.get(ck)
    if fn is None:
        body = "".join(f"    d[{k!r}] = r[{start + i}]\n" for i, k in enumerate(keys))
        src = f"def fill(d, r, state):\n{body}    d[{STATE_ATTR!r}] = state\n"
        fn = mapper._loader_cache[ck] = generated_function(src, "fill", f"loader for {mapper.class_.__name__}")
    return fn  # type: ignore[no-any-return]


class GetPlan:
    """The prepared lookup behind ``Session.get()`` on an identity-map miss, one per mapper.

    Built once (kept in ``mapper._loader_cache``, which the mapper resets when its properties
    change): the ORM select by primary key with bind parameters, its ORM compile state, and the
    dialect's compiled form of the Core statement (for the last dialect seen). A lookup then runs
    the compiled statement with the key values (no select() built, no cache key computed, no ORM
    compile) and turns the row straight into an object.
    """

    __slots__ = ("mapper", "stmt", "cs", "names", "simple", "dialect", "compiled", "extracted")

    def __init__(self, mapper: Any) -> None:
        from sqlweave.core.sql.elements import bindparam
        from sqlweave.core.sql.selectable import select

        self.mapper = mapper
        self.names = [f"pk_{i}" for i in range(len(mapper.primary_key))]
        crit = [c == bindparam(n) for n, c in zip(self.names, mapper.primary_key)]
        self.stmt = select(mapper.class_).where(and_(*crit))
        cs = self.cs = compile_orm_select(self.stmt)
        ent = cs.entities[0]
        # one object straight from the row when nothing else is loaded with it: no joined or
        # post-row eager loads (selectin/subquery/immediate), no per-row class choice
        self.simple = (cs.single_entity and not ent.joined and not ent.strategies
                       and getattr(mapper, "polymorphic_on", None) is None
                       and not any(_post_strategy(mapper._props[k]) for k in mapper._relationship_keys))
        self.dialect: Any = None
        self.compiled: Any = None
        #: the statement's own bind values (e.g. a discriminator), as Core extracts them
        self.extracted: list[Any] = []
        self.cs.statement._gen_cache_key(self.extracted)

    def rows(self, conn: Any, ident: tuple[Any, ...]) -> list[Any]:
        """The rows for ``ident`` (at most one): the cached compiled statement when the
        connection runs statements plainly (no execute events, no schema translation or
        compiled-cache options), else the ordinary ``Connection.execute()``."""
        params = dict(zip(self.names, ident))
        compiled = self.compiled
        if compiled is not None and conn._runs_compiled(self.dialect):
            return conn._execute_compiled(compiled, params, self.extracted).fetchall()  # type: ignore[no-any-return]
        result = conn.execute(self.cs.statement, params)
        if self.compiled is None or conn.dialect is not self.dialect:
            self.compiled = result.context.compiled
            self.dialect = conn.dialect
        return result.fetchall()  # type: ignore[no-any-return]

    def load(self, session: Any, ident: tuple[Any, ...]) -> Any:
        """The object with primary key ``ident`` (None when there is no such row)."""
        rows = self.rows(session._bind_conn(self.mapper), ident)
        if not rows:
            return None
        if not self.simple:
            return process_rows(session, self.cs, rows, unique=True, entities=True)[0]
        mapper = self.mapper
        ent = self.cs.entities[0]
        row = rows[0]
        pk = tuple([row[i] for i in ent.pk_idx])
        if None in pk:
            return None
        key = (mapper.base_mapper, pk)
        state = session.identity_map._dict.get(key)
        if state is not None:  # the key was given in another form (e.g. "5" for 5), or expired
            obj = state.obj()
            if obj is not None:
                if state.expired_attributes:
                    _populate_existing(state, obj, ent.keys, row, 0, False)
                return obj
        cls = mapper.class_
        obj = cls.__new__(cls)
        d = obj.__dict__
        d.update(zip(ent.keys, row))
        state = InstanceState(obj, mapper)
        state.key = key
        state.session_id = session.hash_key
        d[STATE_ATTR] = state
        imap = session.identity_map
        imap._dict[key] = state
        imap._sweep_if_grown()
        if mapper.class_dispatch.load or session.dispatch.loaded_as_persistent:  # events
            from sqlweave.orm.events import fire_loaded

            fire_loaded(session, mapper, [obj])
        return obj


def _post_strategy(prop: Any) -> bool:
    return prop.lazy in ("joined", "selectin", "subquery", "immediate")


def _populate_existing(state: Any, obj: Any, keys: list[str], row: Any, start: int, all_: bool) -> None:
    d = obj.__dict__
    if all_:
        if state.modified:
            state.committed_state = NO_COMMITTED
            state.modified = False
            state._strong = None
        for i, k in enumerate(keys):
            d[k] = row[start + i]
        for k in state.mapper._relationship_keys:
            d.pop(k, None)
        state._clear_expired()
        return
    exp = state.expired_attributes
    for i, k in enumerate(keys):
        if k in exp:
            d[k] = row[start + i]
            state._unexpire(k)


def process_rows(session: Any, cs: ORMCompileState, rows: list[Any], populate_existing: bool = False,
                 unique: bool = False, entities: bool = False) -> list[Any]:
    """Turn Core rows into result tuples of entities and column values; run eager loaders.

    ``unique`` drops duplicate result tuples (joined eager loading of collections repeats the
    parent); the Session's Result leaves that to ``Result.unique()``, the loaders ask for it.
    With ``entities``, a single-entity statement gives the entities themselves, not 1-tuples.
    """
    columns: list[list[Any]] = []
    for ent in cs.entities:
        if isinstance(ent, _MapperEntity):
            ctx = LoadContext(len(rows), cs.criteria, _sub_option_map(ent))
            objs = load_instances(session, rows, ent.keys, ent.start, ent.pk_idx, ent.mapper,
                                  populate_existing, ent.strategies or None, ctx)
            for jl in ent.joined:
                _populate_joined(session, jl, objs, rows, ctx)
            _run_post_loaders(session, ent.mapper, ent.strategies, ent.sub_options, objs, cs.criteria)
            columns.append(objs)
        else:
            i = ent.idx
            columns.append([r[i] for r in rows])
    if entities and cs.single_entity:
        objs = columns[0]
        if unique and cs.has_joined_collection:
            objs = list({id(o): o for o in objs}.values())
        return objs
    out = list(zip(*columns)) if columns else []
    if unique and cs.has_joined_collection:
        seen: set[Any] = set()
        uniq = []
        for r in out:
            k = tuple(id(x) for x in r)
            if k not in seen:
                seen.add(k)
                uniq.append(r)
        out = uniq
    return out


def _sub_option_map(ent: _MapperEntity) -> dict[Any, list[Any]] | None:
    """Chained options under lazily loaded relationships (``defaultload(A.b).selectinload(B.c)``),
    kept for the lazy load that will happen later."""
    if not ent.sub_options:
        return None
    m = ent.mapper
    return {(m, k): v for k, v in ent.sub_options.items()}


def _populate_joined(session: Any, jl: _JoinedLoad, parents: list[Any], rows: list[Any],
                     ctx: LoadContext | None) -> None:
    prop = jl.prop
    key = prop.key
    children = load_instances(session, rows, jl.keys, jl.start, jl.pk_idx, jl.mapper,
                              strategies=jl.strategies or None, ctx=ctx)
    if prop.uselist:
        collected: dict[int, tuple[Any, list[Any] | None, set[int]]] = {}
        for parent, child in zip(parents, children):
            if parent is None:
                continue
            entry = collected.get(id(parent))
            if entry is None:
                if key in parent.__dict__:
                    # already loaded (identity map hit): keep it, with any unflushed changes
                    entry = collected[id(parent)] = (parent, None, set())
                else:
                    entry = collected[id(parent)] = (parent, [], set())
            lst = entry[1]
            if lst is not None and child is not None and id(child) not in entry[2]:
                entry[2].add(id(child))
                lst.append(child)
        for parent, lst, _ in collected.values():
            if lst is not None:
                parent.__dict__[key] = prop._new_collection(parent, lst)
    else:
        for parent, child in zip(parents, children):
            if parent is not None and key not in parent.__dict__:
                parent.__dict__[key] = child
    for sub in jl.joined:
        _populate_joined(session, sub, children, rows, ctx)
    if jl.sub_options or jl.strategies:
        uniq = list({id(c): c for c in children if c is not None}.values())
        _run_post_loaders(session, jl.mapper, jl.strategies, jl.sub_options, uniq, ctx.criteria if ctx else (),
                          skip_joined=True)


def _run_post_loaders(session: Any, mapper: Any, strategies_: dict[str, str], sub_options: dict[str, list[Any]],
                      objs: list[Any], criteria: tuple[Any, ...] = (), skip_joined: bool = False) -> None:
    """Eager loads that run after the rows are turned into objects: selectin, subquery,
    immediate, and options chained below a joined load."""
    from sqlweave.orm import strategies

    live = None
    for key in mapper._relationship_keys:
        prop = mapper._props[key]
        strategy = strategies_.get(key, prop.lazy)  # type: ignore[attr-defined]
        if strategy in ("selectin", "subquery", "immediate"):
            if live is None:
                live = [o for o in objs if o is not None]
                if len(live) != len(objs) or len({id(o) for o in live}) != len(live):
                    live = list({id(o): o for o in live}.values())
            if not live:
                return
            subs = sub_options.get(key, ())
            if strategy == "selectin":
                strategies.selectin_load(session, prop, live, subs, criteria)
            elif strategy == "subquery":
                strategies.selectin_load(session, prop, live, subs, criteria, batch=None)
            elif strategy == "immediate":
                strategies.immediate_load(session, prop, live, subs, criteria)


_ = sa_exc
