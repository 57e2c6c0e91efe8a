"""Relationship loading strategies: lazy ("select"), selectin, joined (see context.py), raise,
noload. A many-to-one lazy load whose target is in the identity map issues no SQL."""

from __future__ import annotations

from typing import Any, Iterable

from sqlweave.core.sql.elements import and_, bindparam
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, STATE_ATTR

_BATCH = 500


class _Loader:
    sql = True
    raises = False
    noload = False

    def load(self, state: Any, obj: Any) -> Any:
        prop = state.mapper._props  # pragma: no cover - replaced per instance
        raise NotImplementedError(prop)


class LazyLoader:
    """Load on first access; ``raise``/``raise_on_sql``/``noload`` variants."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def load(self, state: Any, obj: Any, prop: Any = None) -> Any:
        raise NotImplementedError


def loader_for(lazy: str) -> Any:
    return _LOADERS.get(lazy, _LOADERS["select"])


class _Strategy:
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def load(self, state: Any, obj: Any) -> Any:  # pragma: no cover - bound per property below
        raise NotImplementedError


def lazy_load(prop: Any, state: Any, obj: Any, mode: str) -> Any:
    """Load ``prop`` for one persistent object (called from the attribute descriptor)."""
    d = obj.__dict__
    key = prop.key
    if mode == "noload":
        value: Any = prop._new_collection(obj, []) if prop.uselist else None
        d[key] = value
        return value
    if mode == "raise":
        raise orm_exc.LazyLoadRaised(f"'{prop._name}' is not available due to lazy='raise'")
    sess = state.session
    if sess is None:
        raise orm_exc.DetachedInstanceError(
            f"Parent instance {state._repr()} is not bound to a Session; lazy load operation of "
            f"attribute '{prop.key}' cannot proceed. Load it before the session closes (for example "
            f"with selectinload({prop._name})), or attach the object with session.add()/merge()."
        )
    mapper = state.mapper
    if prop.direction == MANYTOONE:
        vals = []
        for src, dest in prop.synchronize_pairs:
            k = mapper._column_to_key[dest]
            v = d[k] if k in d else getattr(obj, k)
            if v is None:
                d[key] = None
                return None
            vals.append(v)
        target = prop.mapper
        if [s for s, _ in prop.synchronize_pairs] == list(target.primary_key):
            ident = (target.base_mapper, tuple(vals))
            st = sess.identity_map._dict.get(ident)
            if st is not None:
                o = st.obj()
                if o is not None and not st._deleted:
                    d[key] = o
                    return o
            if mode == "raise_on_sql":
                raise orm_exc.LazyLoadRaised(f"'{prop._name}' is not available due to lazy='raise_on_sql'")
            sess._note_lazy_load(state, prop)
            o = sess._get_impl(target, tuple(vals))
            d[key] = o
            return o
    if mode == "raise_on_sql":
        raise orm_exc.LazyLoadRaised(f"'{prop._name}' is not available due to lazy='raise_on_sql'")
    stmt, params = _lazy_statement(prop, mapper, obj)
    if stmt is None:
        value = prop._new_collection(obj, []) if prop.uselist else None
        d[key] = value
        return value
    sess._note_lazy_load(state, prop)
    items = sess._orm_objects(stmt, params)
    if prop.uselist:
        value = prop._new_collection(obj, items)
    else:
        value = items[0] if items else None
    d[key] = value
    return value


def _lazy_statement(prop: Any, mapper: Any, obj: Any) -> tuple[Any, dict[str, Any]]:
    from sqlweave.core.sql.selectable import select

    stmt = prop.__dict__.get("_lazy_stmt")
    if stmt is None:
        target = prop.mapper.class_
        if prop.direction == MANYTOMANY:
            crit = [s == bindparam(f"lz_{i}") for i, (p, s) in enumerate(prop.local_pairs)]
            stmt = select(target).join(prop.secondary, prop.secondaryjoin).where(and_(*crit))
        elif prop.direction == MANYTOONE:
            crit = [src == bindparam(f"lz_{i}") for i, (src, dest) in enumerate(prop.synchronize_pairs)]
            stmt = select(target).where(and_(*crit))
        else:
            crit = [dest == bindparam(f"lz_{i}") for i, (src, dest) in enumerate(prop.synchronize_pairs)]
            stmt = select(target).where(and_(*crit))
        if prop.order_by:
            stmt = stmt.order_by(*prop.order_by)
        prop._lazy_stmt = stmt
    params = {}
    if prop.direction == MANYTOMANY:
        cols = [p for p, _ in prop.local_pairs]
    elif prop.direction == MANYTOONE:
        cols = [dest for _, dest in prop.synchronize_pairs]
    else:
        cols = [src for src, _ in prop.synchronize_pairs]
    for i, c in enumerate(cols):
        v = getattr(obj, mapper._column_to_key[c])
        if v is None:
            return None, {}
        params[f"lz_{i}"] = v
    return stmt, params


class _BoundStrategy:
    __slots__ = ("mode",)

    def __init__(self, mode: str) -> None:
        self.mode = mode


_LOADERS: dict[str, Any] = {}


class _ModeLoader:
    """Per-mode loader object returned by RelationshipProperty._strategy_for()."""

    __slots__ = ("mode",)

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def load(self, state: Any, obj: Any, prop: Any = None) -> Any:
        raise NotImplementedError


for _mode in ("select", "raise", "raise_on_sql", "noload"):
    _LOADERS[_mode] = _mode
# eager strategies fall back to a lazy select when the attribute was not loaded eagerly
for _mode in ("selectin", "joined", "subquery", "immediate", "contains_eager", "dynamic", "write_only"):
    _LOADERS[_mode] = "select"


# ---------------------------------------------------------------------------------------------
# selectin
# ---------------------------------------------------------------------------------------------


def selectin_load(session: Any, prop: Any, objs: list[Any], sub_options: Iterable[Any] = ()) -> None:
    """Load ``prop`` for all ``objs`` with one IN query per batch of 500 keys."""
    from sqlweave.core.sql.selectable import select

    key = prop.key
    parents = [o for o in objs if key not in o.__dict__]
    if not parents:
        if sub_options:
            apply_options_to_loaded(session, prop.mapper, _children_of(prop, objs), sub_options)
        return
    mapper = parents[0].__dict__[STATE_ATTR].mapper
    target = prop.mapper
    opts = tuple(sub_options)
    if prop.direction == MANYTOONE:
        if len(prop.synchronize_pairs) != 1:
            for o in parents:
                getattr(o, key)
            return
        src, dest = prop.synchronize_pairs[0]
        fk_key = mapper._column_to_key[dest]
        imap = session.identity_map._dict
        base = target.base_mapper
        by_pk = src in target.primary_key and len(target.primary_key) == 1
        need: dict[Any, list[Any]] = {}
        for o in parents:
            v = o.__dict__.get(fk_key)
            if v is None:
                o.__dict__[key] = None
                continue
            if by_pk:
                st = imap.get((base, (v,)))
                if st is not None and st.obj() is not None:
                    o.__dict__[key] = st.obj()
                    continue
            need.setdefault(v, []).append(o)
        keys = list(need)
        src_key = target._column_to_key[src]
        for i in range(0, len(keys), _BATCH):
            chunk = keys[i:i + _BATCH]
            stmt = select(target.class_).where(src.in_(chunk)).options(*opts)
            for child in session._orm_objects(stmt):
                for o in need.get(child.__dict__.get(src_key), ()):
                    o.__dict__[key] = child
        for v, os_ in need.items():
            for o in os_:
                o.__dict__.setdefault(key, None)
        return
    if prop.direction == MANYTOMANY:
        if len(prop.local_pairs) != 1:
            for o in parents:
                getattr(o, key)
            return
        pcol, scol = prop.local_pairs[0]
        pkey = mapper._column_to_key[pcol]
        groups: dict[Any, list[Any]] = {}
        for o in parents:
            groups.setdefault(o.__dict__.get(pkey), []).append(o)
        keys = [k for k in groups if k is not None]
        results: dict[Any, list[Any]] = {k: [] for k in keys}
        for i in range(0, len(keys), _BATCH):
            chunk = keys[i:i + _BATCH]
            stmt = (select(target.class_, scol).join(prop.secondary, prop.secondaryjoin)
                    .where(scol.in_(chunk)).options(*opts))
            if prop.order_by:
                stmt = stmt.order_by(*prop.order_by)
            for child, pk in session._orm_rows(stmt):
                results[pk].append(child)
        for k, os_ in groups.items():
            for o in os_:
                o.__dict__[key] = prop._new_collection(o, list(results.get(k, ())))
        return
    # one-to-many (collection or uselist=False)
    if len(prop.synchronize_pairs) != 1:
        for o in parents:
            getattr(o, key)
        return
    src, dest = prop.synchronize_pairs[0]
    pkey = mapper._column_to_key[src]
    dkey = target._column_to_key[dest]
    groups = {}
    for o in parents:
        groups.setdefault(o.__dict__.get(pkey), []).append(o)
    keys = [k for k in groups if k is not None]
    results = {k: [] for k in keys}
    for i in range(0, len(keys), _BATCH):
        chunk = keys[i:i + _BATCH]
        stmt = select(target.class_).where(dest.in_(chunk)).options(*opts)
        if prop.order_by:
            stmt = stmt.order_by(*prop.order_by)
        for child in session._orm_objects(stmt):
            lst = results.get(child.__dict__.get(dkey))
            if lst is not None:
                lst.append(child)
    for k, os_ in groups.items():
        items = results.get(k, [])
        for o in os_:
            if prop.uselist:
                o.__dict__[key] = prop._new_collection(o, list(items))
            else:
                o.__dict__[key] = items[0] if items else None


def _children_of(prop: Any, objs: list[Any]) -> list[Any]:
    out: list[Any] = []
    for o in objs:
        v = o.__dict__.get(prop.key)
        if v is None:
            continue
        out.extend(v if prop.uselist else [v])
    return out


def apply_options_to_loaded(session: Any, mapper: Any, objs: list[Any], options: Iterable[Any]) -> None:
    """Run chained eager options (``selectinload(A.b).selectinload(B.c)``) on loaded objects."""
    for opt in options:
        steps = getattr(opt, "steps", ())
        if not steps:
            continue
        attr, strategy, _ = steps[0]
        prop = getattr(attr, "prop", None)
        if prop is None or not prop._is_relationship:
            continue
        from sqlweave.orm.strategy_options import Load

        rest = [Load(steps[1:])] if len(steps) > 1 else []
        if strategy in ("selectin", "joined", "subquery", "immediate"):
            selectin_load(session, prop, [o for o in objs if o is not None], rest)
        elif rest:
            apply_options_to_loaded(session, prop.mapper, _children_of(prop, objs), rest)
