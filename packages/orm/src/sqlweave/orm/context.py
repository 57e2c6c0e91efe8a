"""The ORM compile step: an ORM ``select()`` becomes a Core select plus a row → object plan.

``select(User)`` reaches Core as a SELECT of the mapped table (the class's ``__clause_element__``)
carrying ``_propagate_attrs["compile_state_plugin"]``. The Session calls :func:`compile_orm_select`
to get the Core statement it executes (deferred columns removed, joined eager loads added,
relationship joins resolved) and the plan that turns its rows into entities; the Core compiler
calls :func:`orm_compile_plugin` when an ORM select is compiled outside a Session.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core.sql.elements import and_
from sqlweave.core.sql.selectable import Alias
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, MAPPER_ATTR, STATE_ATTR
from sqlweave.orm.state import InstanceState


def orm_compile_plugin(select: Any, compiler: Any) -> Any:
    """Compiler hook: the Core statement for an ORM select."""
    return compile_orm_select(select).statement


class _MapperEntity:
    __slots__ = ("mapper", "keys", "start", "pk_idx", "joined", "strategies", "sub_options", "name",
                 "contains_eager")

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper
        self.name = mapper.class_.__name__
        self.joined: list[Any] = []
        self.strategies: dict[str, str] = {}
        self.sub_options: dict[str, list[Any]] = {}
        self.contains_eager: list[Any] = []


class _ColumnEntity:
    __slots__ = ("idx", "name")

    def __init__(self, idx: int, name: str) -> None:
        self.idx = idx
        self.name = name


class _JoinedLoad:
    __slots__ = ("prop", "mapper", "keys", "start", "pk_idx", "alias")


class ORMCompileState:
    """The Core statement to run and how to turn its rows into entities and columns."""

    def __init__(self, statement: Any, entities: list[Any], single_entity: bool, has_joined_collection: bool) -> None:
        self.statement = statement
        self.entities = entities
        self.single_entity = single_entity
        self.has_joined_collection = has_joined_collection
        self.keys = [e.name for e in entities]


def _apply_options(ent: _MapperEntity, options: tuple[Any, ...]) -> tuple[list[str], bool]:
    """Resolve loader options for one mapper entity; returns (column keys to load, changed)."""
    mapper = ent.mapper
    keys = list(mapper._load_keys)
    for opt in options:
        steps = getattr(opt, "steps", None)
        if not steps:
            continue
        attr, strategy, extra = steps[0]
        if strategy == "load_only":
            wanted = {a.key for a in attr if getattr(a, "class_", None) is not None and
                      getattr(a.class_, MAPPER_ATTR, None) is mapper}
            if not wanted and attr:
                continue
            keys = [k for k in mapper._column_keys if k in wanted or k in mapper._pk_keys]
            continue
        if isinstance(attr, str):
            prop = mapper._props.get(attr)
        else:
            if getattr(attr, "mapper", None) is not mapper and getattr(attr, "parent", None) is not mapper:
                continue
            prop = attr.prop
        if prop is None:
            continue
        if prop._is_column:
            if strategy == "defer":
                keys = [k for k in keys if k != prop.key]
            elif strategy == "undefer" and prop.key not in keys:
                keys.append(prop.key)
            continue
        if strategy != "default":
            ent.strategies[prop.key] = strategy
            if strategy == "contains_eager":
                ent.contains_eager.append((prop, extra.get("alias")))
        if len(steps) > 1:
            from sqlweave.orm.strategy_options import Load

            ent.sub_options.setdefault(prop.key, []).append(Load(steps[1:]))
    for k in mapper._pk_keys:
        if k not in keys:
            keys.insert(0, k)
    return keys, True


def compile_orm_select(stmt: Any) -> ORMCompileState:
    """Build the Core statement and the loading plan for an ORM select."""
    from sqlweave.core.sql import coercions

    options = stmt._with_options
    cols: list[Any] = []
    entities: list[Any] = []
    joins: list[Any] = []
    has_joined_collection = False
    for raw_ent, raw_col in zip(stmt._entities, stmt._raw_columns):
        mapper = getattr(raw_ent, MAPPER_ATTR, None) if isinstance(raw_ent, type) else None
        if mapper is not None:
            mapper._check_configure()
            ent = _MapperEntity(mapper)
            keys, _ = _apply_options(ent, options)
            colmap = mapper._props
            ent.keys = keys
            ent.start = len(cols)
            cols.extend(colmap[k].columns[0] for k in keys)  # type: ignore[attr-defined]
            ent.pk_idx = [ent.start + keys.index(k) for k in mapper._pk_keys]
            for key in mapper._relationship_keys:
                prop = colmap[key]
                strategy = ent.strategies.get(key, prop.lazy)  # type: ignore[attr-defined]
                if strategy == "joined":
                    jl = _setup_joined(prop, cols, joins, bool(prop.innerjoin))  # type: ignore[attr-defined]
                    ent.joined.append(jl)
                    if prop.uselist:  # type: ignore[attr-defined]
                        has_joined_collection = True
            for prop, alias in ent.contains_eager:
                jl = _setup_contains_eager(prop, alias, cols)
                ent.joined.append(jl)
                if prop.uselist:
                    has_joined_collection = True
            entities.append(ent)
        else:
            idx = len(cols)
            col = raw_col
            if hasattr(col, "_select_iterable") and not hasattr(col, "type"):
                for c in col._select_iterable:
                    entities.append(_ColumnEntity(len(cols), getattr(c, "key", None) or c.name))
                    cols.append(c)
                continue
            cols.append(col)
            name = getattr(raw_ent, "key", None) or getattr(col, "name", None) or f"col{idx}"
            if isinstance(name, str) is False:
                name = f"col{idx}"
            entities.append(_ColumnEntity(idx, name))
    new = stmt._generate()
    new._raw_columns = tuple(cols)
    new._propagate_attrs = {}
    new._with_options = ()
    if stmt._setup_joins:
        sj = []
        for target, onclause, flags in stmt._setup_joins:
            hook = getattr(target, "_join_target_hook", None)
            if hook is not None:
                target, on = hook()
                if onclause is None:
                    onclause = on
            else:
                ohook = getattr(onclause, "_join_target_hook", None)
                if ohook is not None:
                    onclause = ohook()[1]
                target = coercions.expect_from(target)
            sj.append((target, onclause, flags))
        new._setup_joins = tuple(sj)
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
    single = len(entities) == 1 and isinstance(entities[0], _MapperEntity)
    return ORMCompileState(new, entities, single, has_joined_collection)


def _setup_joined(prop: Any, cols: list[Any], joins: list[Any], innerjoin: bool) -> _JoinedLoad:
    target = prop.mapper
    alias = Alias(target.local_table)
    jl = _JoinedLoad()
    jl.prop = prop
    jl.mapper = target
    jl.alias = alias
    keys = list(target._load_keys)
    jl.keys = keys
    jl.start = len(cols)
    cols.extend(alias.c[target._props[k].columns[0].key] for k in keys)
    jl.pk_idx = [jl.start + keys.index(k) for k in target._pk_keys]
    if prop.direction == MANYTOMANY:
        sec = Alias(prop.secondary)
        on1 = and_(*[sec.c[s.key] == p for p, s in prop.local_pairs])
        on2 = and_(*[sec.c[s.key] == alias.c[t.key] for t, s in prop.remote_pairs])
        joins.append((sec, on1, False))
        joins.append((alias, on2, False))
    elif prop.direction == MANYTOONE:
        on = and_(*[alias.c[src.key] == dest for src, dest in prop.synchronize_pairs])
        joins.append((alias, on, innerjoin))
    else:
        on = and_(*[src == alias.c[dest.key] for src, dest in prop.synchronize_pairs])
        joins.append((alias, on, innerjoin))
    return jl


def _setup_contains_eager(prop: Any, alias: Any, cols: list[Any]) -> _JoinedLoad:
    target = prop.mapper
    table = alias if alias is not None else target.local_table
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


def load_instances(session: Any, rows: list[Any], keys: list[str], start: int, pk_idx: list[int],
                   mapper: Any, populate_existing: bool = False, strategies: dict[str, str] | None = None) -> list[Any]:
    """One object per row (None where the primary key is NULL), from the identity map when present.

    A new object costs one ``__new__``, one ``__dict__`` update and one identity-map insert.
    """
    imap = session.identity_map._dict
    sid = session.hash_key
    base = mapper.base_mapper
    cls = mapper.class_
    new = cls.__new__
    n = len(keys)
    end = start + n
    out: list[Any] = []
    append = out.append
    single = len(pk_idx) == 1
    p0 = pk_idx[0]
    whole = start == 0
    lp = dict(strategies) if strategies else None
    loaded_ev: list[Any] | None = (  # events: load, loaded_as_persistent
        [] if mapper.class_dispatch.load or session.dispatch.loaded_as_persistent else None)
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
        state = imap.get(ident)
        if state is not None:
            obj = state.obj()
            if obj is not None:
                if populate_existing or state.expired_attributes:
                    _populate_existing(state, obj, keys, row, start, populate_existing)
                append(obj)
                continue
        obj = new(cls)
        d = obj.__dict__
        d.update(zip(keys, row if whole and len(row) == n else row[start:end]))
        state = InstanceState(obj, mapper)
        state.key = ident
        state.session_id = sid
        if lp is not None:
            state.load_path = lp
        d[STATE_ATTR] = state
        imap[ident] = state
        append(obj)
        if loaded_ev is not None:
            loaded_ev.append(obj)
    if loaded_ev:
        from sqlweave.orm.events import fire_loaded

        fire_loaded(session, mapper, loaded_ev)
    return out


def _populate_existing(state: Any, obj: Any, keys: list[str], row: Any, start: int, all_: bool) -> None:
    d = obj.__dict__
    if all_:
        if state.modified:
            state.committed_state.clear()
            state.modified = False
            state._strong = None
        for i, k in enumerate(keys):
            d[k] = row[start + i]
        for k in state.mapper._relationship_keys:
            d.pop(k, None)
        state.expired_attributes.clear()
        return
    exp = state.expired_attributes
    for i, k in enumerate(keys):
        if k in exp:
            d[k] = row[start + i]
            exp.discard(k)


def process_rows(session: Any, cs: ORMCompileState, rows: list[Any], populate_existing: bool = False) -> list[tuple[Any, ...]]:
    """Turn Core rows into result tuples of entities and column values; run eager loaders."""
    columns: list[list[Any]] = []
    for ent in cs.entities:
        if isinstance(ent, _MapperEntity):
            objs = load_instances(session, rows, ent.keys, ent.start, ent.pk_idx, ent.mapper,
                                  populate_existing, ent.strategies or None)
            for jl in ent.joined:
                _populate_joined(session, jl, objs, rows)
            _run_post_loaders(session, ent, objs)
            columns.append(objs)
        else:
            i = ent.idx
            columns.append([r[i] for r in rows])
    out = list(zip(*columns)) if columns else []
    if cs.has_joined_collection:
        seen: set[Any] = set()
        uniq = []
        for r in out:
            k = tuple(id(x) for x in r)
            if k not in seen:
                seen.add(k)
                uniq.append(r)
        out = uniq
    return out


def _populate_joined(session: Any, jl: _JoinedLoad, parents: list[Any], rows: list[Any]) -> None:
    prop = jl.prop
    key = prop.key
    children = load_instances(session, rows, jl.keys, jl.start, jl.pk_idx, jl.mapper)
    if prop.uselist:
        collected: dict[int, tuple[Any, list[Any], set[int]]] = {}
        for parent, child in zip(parents, children):
            if parent is None:
                continue
            entry = collected.get(id(parent))
            if entry is None:
                if key in parent.__dict__ and not _is_fresh(parent):
                    entry = collected[id(parent)] = (parent, None, set())  # type: ignore[assignment]
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


def _is_fresh(obj: Any) -> bool:
    return False


def _run_post_loaders(session: Any, ent: _MapperEntity, objs: list[Any]) -> None:
    mapper = ent.mapper
    from sqlweave.orm import strategies

    for key in mapper._relationship_keys:
        prop = mapper._props[key]
        strategy = ent.strategies.get(key, prop.lazy)  # type: ignore[attr-defined]
        if strategy == "selectin":
            strategies.selectin_load(session, prop, [o for o in objs if o is not None],
                                     ent.sub_options.get(key, ()))
        elif strategy == "joined" and key in ent.sub_options:
            children: list[Any] = []
            for o in objs:
                if o is None:
                    continue
                v = o.__dict__.get(key)
                if v is None:
                    continue
                children.extend(v if prop.uselist else [v])  # type: ignore[attr-defined]
            strategies.apply_options_to_loaded(session, prop.mapper, children, ent.sub_options[key])  # type: ignore[attr-defined]
