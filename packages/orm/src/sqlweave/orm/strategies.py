"""Relationship loading strategies: lazy ("select"), selectin, joined (see context.py), raise,
noload. A many-to-one lazy load whose target is in the identity map issues no SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlweave.core.sql.elements import and_, bindparam, tuple_
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


def lazy_load(prop: Any, state: Any, obj: Any, mode: str, extra_options: tuple[Any, ...] = (),
              note: bool = True) -> Any:
    """Load ``prop`` for one persistent object (called from the attribute descriptor).

    Options that travel with the object's result (``with_loader_criteria``, options chained below
    a lazily loaded relationship) apply to the lazy-load SELECT. ``note`` reports the load to the
    session's N+1 detector.
    """
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
    ctx = state._load_result
    opts = extra_options
    if ctx is not None:
        if ctx.sub_options:
            opts = opts + tuple(ctx.sub_options.get((mapper, key), ()))
        if ctx.criteria:
            opts = opts + ctx.criteria
    if prop.direction == MANYTOONE and not (ctx is not None and ctx.criteria):
        vals = []
        for _src, dest in prop.synchronize_pairs:
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
            if note:
                sess._note_lazy_load(state, prop)
            o = sess._get_impl(target, tuple(vals), opts or None)
            d[key] = o
            return o
    if mode == "raise_on_sql":
        raise orm_exc.LazyLoadRaised(f"'{prop._name}' is not available due to lazy='raise_on_sql'")
    stmt, params = _lazy_statement(prop, mapper, obj)
    if stmt is None:
        value = prop._new_collection(obj, []) if prop.uselist else None
        d[key] = value
        return value
    if note:
        sess._note_lazy_load(state, prop)
    if opts:
        stmt = stmt.options(*opts)
    items = sess._orm_objects(stmt, params)
    if prop.uselist:
        value = prop._new_collection(obj, items)
    else:
        value = items[0] if items else None
    d[key] = value
    return value


def immediate_load(session: Any, prop: Any, objs: list[Any], sub_options: Iterable[Any] = (),
                   criteria: tuple[Any, ...] = ()) -> None:
    """``immediateload()``: one lazy-load SELECT per parent, right away (a many-to-one already in
    the identity map costs none)."""
    opts = tuple(sub_options)
    key = prop.key
    for o in objs:
        if key not in o.__dict__:
            lazy_load(prop, o.__dict__[STATE_ATTR], o, "select", opts, note=False)


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


def _val(o: Any, k: str) -> Any:
    d = o.__dict__
    return d[k] if k in d else getattr(o, k)


def _in(cols: list[Any], chunk: list[Any]) -> Any:
    """``col IN (...)``, or ``(a, b) IN ((..), (..))`` for composite keys."""
    if len(cols) == 1:
        return cols[0].in_([k[0] for k in chunk])
    return tuple_(*cols).in_(chunk)


def selectin_load(session: Any, prop: Any, objs: list[Any], sub_options: Iterable[Any] = (),
                  criteria: tuple[Any, ...] = (), batch: int | None = _BATCH) -> None:
    """Load ``prop`` for all ``objs`` with one IN query per batch of ``batch`` keys (all keys in
    one query when ``batch`` is None, for ``subqueryload``). Keys are tuples, so composite keys
    use a tuple IN. Many-to-one loads skip targets already in the identity map."""
    from sqlweave.core.sql.selectable import select

    key = prop.key
    parents = [o for o in objs if key not in o.__dict__]
    opts = tuple(sub_options)
    if not parents:
        if opts:
            apply_options_to_loaded(session, prop.mapper, _children_of(prop, objs), opts)
        return
    opts = opts + tuple(criteria)
    mapper = parents[0].__dict__[STATE_ATTR].mapper
    target = prop.mapper
    size = batch or max(len(parents), 1)

    def chunks(keys: list[Any]) -> Any:
        for i in range(0, len(keys), size):
            yield keys[i:i + size]

    if prop.direction == MANYTOONE:
        pairs = prop.synchronize_pairs
        fk_keys = [mapper._column_to_key[dest] for _, dest in pairs]
        tcols = [src for src, _ in pairs]
        tkeys = [target._column_to_key[c] for c in tcols]
        imap = session.identity_map._dict
        base = target.base_mapper
        pk = list(target.primary_key)
        by_pk = sorted(map(id, tcols)) == sorted(map(id, pk)) and not criteria
        order = [tcols.index(c) for c in pk] if by_pk else []
        need: dict[Any, list[Any]] = {}
        for o in parents:
            v = tuple(_val(o, k) for k in fk_keys)
            if None in v:
                o.__dict__[key] = None
                continue
            if by_pk:
                st = imap.get((base, tuple(v[i] for i in order)))
                if st is not None and not st._deleted:
                    found = st.obj()
                    if found is not None:
                        o.__dict__[key] = found
                        continue
            need.setdefault(v, []).append(o)
        for chunk in chunks(list(need)):
            stmt = select(target.class_).where(_in(tcols, chunk)).options(*opts)
            for child in session._orm_objects(stmt):
                for o in need.get(tuple(child.__dict__.get(k) for k in tkeys), ()):
                    o.__dict__[key] = child
        for os_ in need.values():
            for o in os_:
                o.__dict__.setdefault(key, None)
        return
    if prop.direction == MANYTOMANY:
        pcols = [p for p, _ in prop.local_pairs]
        scols = [s for _, s in prop.local_pairs]
    else:
        pcols = [src for src, _ in prop.synchronize_pairs]
        scols = [dest for _, dest in prop.synchronize_pairs]
    pkeys = [mapper._column_to_key[c] for c in pcols]
    groups: dict[Any, list[Any]] = {}
    for o in parents:
        groups.setdefault(tuple(_val(o, k) for k in pkeys), []).append(o)
    keys = [k for k in groups if None not in k]
    results: dict[Any, list[Any]] = {k: [] for k in keys}
    n = len(scols)
    for chunk in chunks(keys):
        if prop.direction == MANYTOMANY:
            stmt = (select(target.class_, *scols).join(prop.secondary, prop.secondaryjoin)
                    .where(_in(scols, chunk)).options(*opts))
        else:
            stmt = select(target.class_).where(_in(scols, chunk)).options(*opts)
        if prop.order_by:
            stmt = stmt.order_by(*prop.order_by)
        if prop.direction == MANYTOMANY:
            for row in session._orm_rows(stmt):
                lst = results.get(tuple(row[1:1 + n]))
                if lst is not None:
                    lst.append(row[0])
        else:
            dkeys = [target._column_to_key[c] for c in scols]
            for child in session._orm_objects(stmt):
                lst = results.get(tuple(child.__dict__.get(k) for k in dkeys))
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

        rest = [Load._from_steps(steps[1:])] if len(steps) > 1 else []
        if strategy in ("selectin", "joined", "subquery", "immediate"):
            selectin_load(session, prop, [o for o in objs if o is not None], rest)
        elif rest:
            apply_options_to_loaded(session, prop.mapper, _children_of(prop, objs), rest)
