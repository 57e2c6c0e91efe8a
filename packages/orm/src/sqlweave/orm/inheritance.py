"""Mapped class inheritance: single-table and joined-table, with a discriminator column.

**Single-table** (a mapped subclass without its own ``__tablename__``/``__table__``) shares its
parent's table; columns it declares are added to that table. **Joined-table** (a subclass with
its own table whose primary key is a foreign key to the parent's primary key) stores each level's
own columns in that level's table. The base declares ``__mapper_args__ = {"polymorphic_on":
<column or attribute name>, "polymorphic_identity": v}`` and each subclass its own
``polymorphic_identity``.

* Joined subclass mappers: ``mapper.tables`` is the tables from the base down (root first),
  ``mapper.local_table`` the class's own table, ``mapper.persist_selectable`` the inner JOIN of
  them, ``mapper.primary_key`` the base table's key (one identity space for the hierarchy), and
  ``mapper.attrs`` the parent's properties plus the subclass's own (an attribute named like a
  parent column, usually ``id``, maps both columns, own column first).
* Flush: the discriminator is written from the class's identity on INSERT (a ``before_insert``
  listener of each mapper). Joined: INSERT writes each table root first (the parent's generated
  key is copied into the child's key columns), batched per table; UPDATE writes only the tables
  whose columns changed; DELETE removes rows leaf table first.
* ``select(Base)`` returns instances of the subclass named by each row's discriminator;
  attributes only the subclass maps are loaded on first access (one SELECT by primary key for
  all of them) or up front with :func:`with_polymorphic` (LEFT OUTER JOINs for joined tables).
* ``select(Sub)``: single-table adds ``WHERE discriminator IN (<Sub and descendants'
  identities>)``; joined-table selects FROM the inner join of Sub's tables.
* Subclass mappers share the parent's relationships and identity map key space.

Not supported: concrete-table inheritance (``__mapper_args__ = {"concrete": True}``, or a
subclass table without a foreign key to its parent's primary key) is refused with an
:class:`~sqlweave.orm.exc.ORMConfigurationError`. ``version_id_col`` is set on the base class
and inherited (its column is in the base table; a joined subclass's UPDATE always writes and
checks the base row's version, its DELETE checks it).
``aliased()`` of a joined subclass is a labelled subquery over the join (``orm.util``).

Hooks (called from the ORM core, marked ``# inheritance:`` there): ``decl._as_declarative`` calls
:func:`mapped_parent`, :func:`subclass_table` and :func:`setup`; ``context.compile_orm_select``
calls :func:`joined_froms` and :func:`single_table_criteria`; ``context.load_instances`` hands
polymorphic mappers to :func:`load_polymorphic`; ``unitofwork`` hands joined mappers to
:func:`insert_joined`, :func:`update_joined` and :func:`delete_joined`; ``Session._load_columns``
selects from ``mapper.persist_selectable`` when ``len(mapper.tables) > 1``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MAPPER_ATTR, NO_VALUE, STATE_ATTR

__all__ = ["with_polymorphic"]


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


def mapped_parent(cls: type) -> Any:
    """The mapper of the nearest mapped superclass of ``cls``, or None."""
    for base in cls.__mro__[1:]:
        m = base.__dict__.get(MAPPER_ATTR)
        if m is not None:
            return m
    return None


def _refuse_concrete(cls: type, parent: Any, why: str) -> None:
    raise orm_exc.ORMConfigurationError(
        f"Class {cls.__name__!r} inherits mapped class {parent.class_.__name__!r} {why}: "
        "concrete-table inheritance is not supported; for joined-table inheritance give the "
        "subclass's primary key a ForeignKey to the parent's primary key, or remove "
        "__tablename__ to use single-table inheritance")


def check_table(cls: type, parent: Any) -> None:
    """Refuse concrete-table inheritance (``concrete=True``) with a clear message."""
    if parent is not None and (cls.__dict__.get("__mapper_args__") or {}).get("concrete"):
        _refuse_concrete(cls, parent, "with concrete=True")


def subclass_table(cls: type, parent: Any) -> tuple[Any, Any]:
    """``(table, tablename)`` for the class body reader: the subclass's own (joined-table) or
    the parent's table (single-table, ``tablename`` None so no table is created)."""
    check_table(cls, parent)
    if "__tablename__" in cls.__dict__ or "__table__" in cls.__dict__:
        return cls.__dict__.get("__table__"), cls.__dict__.get("__tablename__")
    return parent.local_table, None


def _resolve_col(mapper: Any, on: Any) -> Any:
    if isinstance(on, str):
        prop = mapper._props.get(on)
        if prop is not None and getattr(prop, "_is_column", False):
            return prop.columns[-1]
        return mapper.local_table.c[on]
    ce = getattr(on, "__clause_element__", None)
    if ce is not None:
        return ce()
    col = getattr(on, "column", None)  # a MappedColumn
    return col if col is not None else on


def _chain(mapper: Any) -> list[tuple[Any, list[tuple[Any, Any]]]]:
    """``[(table, [(parent column, child column)...])]`` root first (no pairs for the root)."""
    chain = mapper.__dict__.get("_sw_chain")
    return chain if chain is not None else [(mapper.local_table, [])]


def setup(mapper: Any, parent: Any, cls: type) -> None:
    """Configure a new mapper's inheritance from ``__mapper_args__`` (own dict for the identity)."""
    own_args = cls.__dict__.get("__mapper_args__") or {}
    all_args = getattr(cls, "__mapper_args__", None) or {}
    identity = own_args.get("polymorphic_identity")
    if parent is None:
        on = own_args.get("polymorphic_on")
        if on is None:
            return
        mapper.polymorphic_on = _resolve_col(mapper, on)
        mapper.polymorphic_identity = identity
        mapper.polymorphic_map = {}
        mapper._sw_descendants = [mapper]
        if identity is not None:
            mapper.polymorphic_map[identity] = mapper
        _add_discriminator_writer(mapper)
        return
    mapper.inherits = parent
    mapper.base_mapper = parent.base_mapper
    _inherit_versioning(mapper, parent, cls)
    joined = mapper.local_table is not parent.local_table
    mapper.single = not joined
    if joined:
        _setup_joined(mapper, parent, cls)
    elif len(parent.tables) > 1:
        # single-table subclass of a joined subclass: it stores in the parent's tables
        _merge_parent_props(mapper, parent)
        mapper.tables = list(parent.tables)
        mapper._sw_chain = _chain(parent)
        mapper._sw_pk_map = parent._sw_pk_map
        mapper.persist_selectable = mapper.mapped_table = parent.persist_selectable
        mapper._sw_from = parent._sw_from
        mapper.primary_key = parent.primary_key
        mapper._pk_keys = [mapper._column_to_key[c] for c in mapper.primary_key]
        mapper._refresh_loader_cache()
        cls.__clause_element__ = _JoinedClause(mapper)  # type: ignore[attr-defined]
    mapper.polymorphic_on = parent.polymorphic_on
    mapper.polymorphic_identity = identity
    pmap = getattr(parent.base_mapper, "polymorphic_map", None)
    if pmap is None and mapper.polymorphic_on is None and all_args.get("polymorphic_on") is None:
        pmap = parent.base_mapper.polymorphic_map = {}
    mapper.polymorphic_map = pmap
    if identity is not None and pmap is not None:
        pmap[identity] = mapper
    mapper._sw_descendants = [mapper]
    p = parent
    while p is not None:
        p.__dict__.setdefault("_sw_descendants", [p]).append(mapper)
        p = p.inherits
    if not joined:
        # share the parent's relationships (their props stay configured for the parent)
        for key in parent._relationship_keys:
            if key in mapper._props:
                continue
            prop = parent._props[key]
            mapper._props[key] = prop
            mapper._relationship_keys.append(key)
            mapper._setattr_impls[key] = prop.class_attribute._set
    if mapper.polymorphic_on is not None:
        _add_discriminator_writer(mapper)


def _inherit_versioning(mapper: Any, parent: Any, cls: type) -> None:
    """A subclass counts versions with its base's ``version_id_col`` and generator (the column
    lives in the base table, which every UPDATE of a joined subclass then touches)."""
    if parent.version_id_col is None:
        if mapper.version_id_col is not None and mapper.local_table is not parent.local_table \
                and getattr(mapper.version_id_col, "table", None) is mapper.local_table:
            raise orm_exc.ORMConfigurationError(
                f"Class {cls.__name__!r}: version_id_col must be a column of the base class's "
                f"table {mapper.base_mapper.local_table.name!r}, where every object of the "
                "hierarchy has its row; set it on the base class")
        return
    if mapper.version_id_col is not None and mapper.version_id_col is not parent.version_id_col:
        raise orm_exc.ORMConfigurationError(
            f"Class {cls.__name__!r}: version_id_col differs from the one its base class "
            f"{parent.class_.__name__!r} counts versions with; set it on the base class only")
    if mapper.version_id_col is None:
        mapper.version_id_col = parent.version_id_col
        mapper.version_id_generator = parent.version_id_generator


class _JoinedClause:
    """``Sub.__clause_element__()`` of a joined subclass: the join of its tables (class level
    only, like the mapper's own descriptor, so an instance is never mistaken for SQL)."""

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is not None:
            raise AttributeError("__clause_element__")
        sel = self.mapper.persist_selectable
        return lambda: sel


def _inherit_pairs(cls: type, table: Any, parent: Any) -> list[tuple[Any, Any]]:
    """(parent column, child column) pairs: the child's primary key columns that reference a
    primary key column of one of the parent's tables."""
    pairs: list[tuple[Any, Any]] = []
    ptables = list(parent.tables)
    for col in table.primary_key.columns:
        for fk in col.foreign_keys:
            try:
                target = fk.column
            except Exception as err:
                raise orm_exc.ORMConfigurationError(
                    f"Class {cls.__name__!r}: foreign key {fk.target_fullname!r} of "
                    f"{table.name}.{col.name} can't be resolved ({err})") from err
            if target.table in ptables and target.primary_key:
                pairs.append((target, col))
    if not pairs:
        _refuse_concrete(cls, parent, f"and its table {table.name!r} has no primary key column "
                         f"with a ForeignKey to {parent.local_table.name!r}")
    return pairs


def _setup_joined(mapper: Any, parent: Any, cls: type) -> None:
    from sqlweave.core.sql.elements import and_

    table = mapper.local_table
    pairs = _inherit_pairs(cls, table, parent)
    mapper._sw_chain = [*_chain(parent), (table, pairs)]
    mapper.tables = [*parent.tables, table]
    cond = and_(*[pc == cc for pc, cc in pairs])
    mapper.persist_selectable = mapper.mapped_table = parent.persist_selectable.join(table, cond)
    mapper._sw_from = mapper.persist_selectable
    _merge_parent_props(mapper, parent)
    mapper.primary_key = parent.primary_key
    mapper._pk_keys = [mapper._column_to_key[c] for c in mapper.primary_key]
    # each table's key columns and the position of the base key value they hold
    pk_map = dict(parent.__dict__.get("_sw_pk_map") or
                  {parent.local_table: [(c, i) for i, c in enumerate(parent.primary_key)]})
    via = {id(cc): pc for pc, cc in pairs}
    entries = []
    for col in table.primary_key.columns:
        src = via.get(id(col))
        idx = next((i for pc, i in pk_map.get(src.table, ()) if pc is src), None) if src is not None else None
        if idx is None:
            raise orm_exc.ORMConfigurationError(
                f"Class {cls.__name__!r}: primary key column {table.name}.{col.name} must be a "
                "ForeignKey to the parent's primary key (joined-table inheritance)")
        entries.append((col, idx))
    pk_map[table] = entries
    mapper._sw_pk_map = pk_map
    mapper._refresh_loader_cache()
    cls.__clause_element__ = _JoinedClause(mapper)  # type: ignore[attr-defined]


def _merge_parent_props(mapper: Any, parent: Any) -> None:
    """Parent's properties first, then the subclass's own; a subclass column named like a parent
    column maps both (own column first, so ``Sub.id`` renders the subclass table's column)."""
    own = dict(mapper._props)
    merged: dict[str, Any] = {}
    for key, pprop in parent._props.items():
        oprop = own.get(key)
        if oprop is None:
            merged[key] = pprop
            continue
        if oprop._is_column and pprop._is_column:
            oprop.columns.extend(c for c in pprop.columns if c not in oprop.columns)
        merged[key] = oprop
    for key, oprop in own.items():
        merged.setdefault(key, oprop)
    mapper._props.clear()
    mapper._props.update(merged)
    ck: list[str] = []
    rk: list[str] = []
    wk: list[str] = []
    c2k: dict[Any, str] = {}
    for key, prop in merged.items():
        if prop._is_column:
            ck.append(key)
            for c in prop.columns:
                c2k.setdefault(c, key)
        elif prop._is_relationship:
            rk.append(key)
            if prop._writeonly:
                wk.append(key)
        if key not in mapper._setattr_impls:
            mapper._setattr_impls[key] = prop.class_attribute._set
    mapper._column_keys[:] = ck
    mapper._relationship_keys[:] = rk
    mapper._writeonly_keys[:] = wk
    mapper._column_to_key.clear()
    mapper._column_to_key.update(c2k)


def _add_discriminator_writer(mapper: Any) -> None:
    from sqlweave.core import event

    key = mapper._column_to_key.get(mapper.polymorphic_on)
    if key is None or mapper.polymorphic_identity is None:
        return
    ident = mapper.polymorphic_identity

    def write_identity(m: Any, conn: Any, target: Any) -> None:
        if target.__dict__.get(key) is None:
            target.__dict__[key] = ident

    event.listen(mapper, "before_insert", write_identity)


def _identities(mapper: Any) -> list[Any]:
    return [m.polymorphic_identity for m in getattr(mapper, "_sw_descendants", [mapper])
            if m.polymorphic_identity is not None]


def _isa(mapper: Any, other: Any) -> bool:
    m = mapper
    while m is not None:
        if m is other:
            return True
        m = m.inherits
    return False


# ---------------------------------------------------------------------------------------------
# SELECT
# ---------------------------------------------------------------------------------------------


def joined_froms(stmt: Any, raw_entities: Any) -> Any:
    """Add the join of a joined subclass's tables (or a :func:`with_polymorphic` outer join)
    to the FROM list of ``select(Sub)`` / ``select(Sub.own_column)``."""
    for ent in raw_entities:
        if isinstance(ent, type):
            mapper = getattr(ent, MAPPER_ATTR, None)
        elif hasattr(ent, "prop") and not hasattr(ent, "_parent_alias"):
            mapper = getattr(ent, "parent", None)
        else:
            mapper = None
        sel = getattr(mapper, "__dict__", {}).get("_sw_from") if mapper is not None else None
        if sel is None or any(f is sel for f in stmt._from_obj):
            continue
        stmt = stmt.select_from(sel)
    return stmt


def single_table_criteria(stmt: Any, raw_entities: Any) -> Any:
    """``select(Sub)`` / ``select(Sub.attr)`` of a single-table subclass: restrict the rows to
    Sub's (and its descendants') discriminator values."""
    done: list[Any] = []
    for ent in raw_entities:
        mapper = ent.__dict__.get(MAPPER_ATTR) if isinstance(ent, type) else None
        if mapper is None:
            mapper = getattr(ent, "mapper", None) if hasattr(ent, "prop") else None
        if mapper is None or not getattr(mapper, "single", False) or mapper in done \
                or mapper.polymorphic_on is None:
            continue
        done.append(mapper)
        stmt = stmt.where(mapper.polymorphic_on.in_(_identities(mapper)))
    return stmt


def single_table_criterion(stmt: Any, mapper: Any) -> Any:
    """One mapper's form of :func:`single_table_criteria` (kept for older callers)."""
    return single_table_criteria(stmt, (mapper.class_,))


def load_polymorphic(session: Any, rows: Sequence[Any], keys: list[str], start: int,
                     pk_idx: list[int], mapper: Any, populate_existing: bool = False,
                     strategies: dict[str, str] | None = None) -> list[Any]:
    """Like ``context.load_instances`` but one class per row, from the discriminator.

    Each class takes the row's values of the attributes it maps; with a
    :func:`with_polymorphic` entity the row also carries subclass columns (each given only to
    instances of the class that maps it)."""
    from sqlweave.orm.context import _populate_existing
    from sqlweave.orm.state import InstanceState

    imap = session.identity_map._dict
    sid = session.hash_key
    base = mapper.base_mapper
    real = mapper.__dict__.get("_sw_wp_of", mapper)
    owners: dict[str, tuple[str, Any]] = mapper.__dict__.get("_sw_wp_owner") or {}
    pmap = mapper.polymorphic_map or {}
    disc_key = mapper._column_to_key.get(mapper.polymorphic_on)
    disc_pos = start + keys.index(disc_key) if disc_key in keys else None
    lp = dict(strategies) if strategies else None
    plans: dict[Any, tuple[list[int], list[str]]] = {}

    def plan(sub: Any) -> tuple[list[int], list[str]]:
        p = plans.get(sub)
        if p is None:
            pos: list[int] = []
            names: list[str] = []
            for i, k in enumerate(keys):
                own = owners.get(k)
                if own is not None:
                    if not _isa(sub, own[1]):
                        continue  # another subclass's column: not this object's attribute
                    k = own[0]
                pos.append(start + i)
                names.append(k)
            p = plans[sub] = (pos, names)
        return p

    out: list[Any] = []
    new_objs: list[Any] = []
    for row in rows:
        pk = tuple(row[i] for i in pk_idx)
        if None in pk:
            out.append(None)
            continue
        ident = (base, pk)
        state = imap.get(ident)
        if state is not None:
            obj = state.obj()
            if obj is not None:
                if populate_existing or state.expired_attributes:
                    pos, names = plan(state.mapper)
                    _populate_existing(state, obj, names, [row[i] for i in pos], 0, populate_existing)
                out.append(obj)
                continue
        sub = real
        if disc_pos is not None:
            sub = pmap.get(row[disc_pos], real)
        obj = sub.class_.__new__(sub.class_)
        d = obj.__dict__
        pos, names = plan(sub)
        d.update(zip(names, [row[i] for i in pos]))
        state = InstanceState(obj, sub)
        state.key = ident
        state.session_id = sid
        if lp is not None:
            state.load_path = lp  # type: ignore[attr-defined]
        if sub is not real or owners:
            # columns the query didn't select (subclass-only): loaded on first access
            state._mutable_expired().update(k for k in sub._load_keys if k not in d)
        d[STATE_ATTR] = state
        imap[ident] = state
        out.append(obj)
        new_objs.append(obj)
    if new_objs and (real.class_dispatch.load or session.dispatch.loaded_as_persistent):
        from sqlweave.orm.events import fire_loaded

        fire_loaded(session, real, new_objs)
    return out


class _PolymorphicMeta(type):
    """``wp.Manager`` is the Manager class; other attributes are the base class's."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        subs = type.__getattribute__(cls, "_sw_wp_classes")
        if name in subs:
            return subs[name]
        return getattr(type.__getattribute__(cls, "_sw_wp_base"), name)

    def __repr__(cls) -> str:
        return f"with_polymorphic({type.__getattribute__(cls, '_sw_wp_base').__name__}, ...)"


def with_polymorphic(base: Any, classes: Any, aliased: bool = False, flat: bool = False,
                     **kw: Any) -> Any:
    """``select(with_polymorphic(Employee, [Manager, Engineer]))`` (or ``"*"`` for every
    subclass): one SELECT whose rows carry the named subclasses' columns, so the subclass
    attributes are loaded with the row. Joined-table subclasses' tables are added with LEFT
    OUTER JOINs. ``wp.Manager.manager_data`` refers to a subclass column in criteria.

    Returns an entity for ``select()``; the mappers themselves are not changed."""
    from sqlweave.orm.base import class_mapper
    from sqlweave.orm.context import orm_compile_plugin

    bm = class_mapper(base)
    if classes == "*":
        subs = [m for m in getattr(bm, "_sw_descendants", [bm]) if m is not bm]
    else:
        subs = [class_mapper(c) for c in classes]
    for sm in subs:
        if not _isa(sm, bm):
            raise orm_exc.InvalidRequestError(
                f"with_polymorphic(): {sm.class_.__name__} is not a subclass of {bm.class_.__name__}")
    subs.sort(key=lambda m: len(_chain(m)))
    wp = copy.copy(bm)
    wp._props = dict(bm._props)
    wp._column_keys = list(bm._column_keys)
    wp._column_to_key = dict(bm._column_to_key)
    owners: dict[str, tuple[str, Any]] = {}
    sel = bm.__dict__.get("_sw_from")
    tables = [t for t, _ in _chain(bm)]
    for sm in subs:
        for t, pairs in _chain(sm):
            if t in tables:
                continue
            from sqlweave.core.sql.elements import and_

            left = sel if sel is not None else bm.local_table
            sel = left.outerjoin(t, and_(*[pc == cc for pc, cc in pairs]))
            tables.append(t)
        for k in sm._column_keys:
            prop = sm._props[k]
            if getattr(prop, "deferred", False) or any(c in wp._column_to_key for c in prop.columns):
                continue
            owner = prop.parent if _isa(sm, prop.parent) else sm
            wkey = k if k not in wp._props else f"_sw_{owner.class_.__name__}_{k}"
            wp._props[wkey] = prop
            wp._column_keys.append(wkey)
            for c in prop.columns:
                wp._column_to_key.setdefault(c, wkey)
            owners[wkey] = (k, owner)
    wp._sw_from = sel
    wp._sw_wp_of = bm
    wp._sw_wp_owner = owners
    wp._refresh_loader_cache()
    wp._propagate_attrs = {"compile_state_plugin": orm_compile_plugin, "plugin_subject": wp}
    selectable = sel if sel is not None else bm.local_table
    return _PolymorphicMeta(f"with_polymorphic_{bm.class_.__name__}", (), {
        MAPPER_ATTR: wp,
        "_propagate_attrs": wp._propagate_attrs,
        "__clause_element__": staticmethod(lambda: selectable),
        "_sw_wp_classes": {m.class_.__name__: m.class_ for m in subs},
        "_sw_wp_base": bm.class_,
    })


# ---------------------------------------------------------------------------------------------
# flush: joined-table rows
# ---------------------------------------------------------------------------------------------


def _insert_params(mapper: Any, table: Any, d: dict[str, Any]) -> dict[str, Any]:
    """One object's INSERT parameters for one of its tables (Python-side defaults applied)."""
    autoinc = getattr(table, "_autoincrement_column", None)
    params: dict[str, Any] = {}
    for key in mapper._column_keys:
        prop = mapper._props[key]
        if prop._is_expression:
            continue
        for col in prop.columns:
            if getattr(col, "table", None) is not table:
                continue
            if key in d:
                v = d[key]
                if v is None and (col is autoinc or col.server_default is not None or col.default is not None):
                    break
                params[col.key] = v
            elif col is mapper.version_id_col and mapper.version_id_generator is not False:
                v = mapper.version_id_generator(None)
                d[key] = v
                params[col.key] = v
            elif col.default is not None and not getattr(col.default, "is_sequence", False):
                dflt = col.default
                if dflt.is_scalar:
                    v = dflt.arg
                elif dflt.is_callable:
                    from sqlweave.orm.unitofwork import _Ctx

                    v = dflt.arg(_Ctx(params))
                else:
                    break  # a SQL expression: rendered by Core, expired below
                d[key] = v
                params[col.key] = v
            break
    return params


def insert_joined(uow: Any, mapper: Any, states: list[Any]) -> None:
    """INSERT objects of a joined subclass: each table root first, batched per table; the
    parent's key (generated or assigned) is copied into the child table's key columns."""
    from sqlweave.core.sql.dml import insert

    conn = uow.conn
    dialect = uow.dialect
    c2k = mapper._column_to_key
    if mapper.dispatch.before_insert:  # events: before_insert
        for state in states:
            mapper.dispatch.before_insert(mapper, conn, state.obj())
    written: dict[Any, set[str]] = {s: set() for s in states}
    for table, pairs in _chain(mapper):
        groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
        for state in states:
            d = state.obj().__dict__
            for pc, cc in pairs:
                pk_, ck_ = c2k[pc], c2k[cc]
                if pk_ != ck_:
                    d[ck_] = d.get(pk_)
            params = _insert_params(mapper, table, d)
            written[state].update(params)
            groups.setdefault(tuple(params), []).append((state, params))
        pk_cols = list(table.primary_key.columns)
        for sig, items in groups.items():
            missing = [c for c in pk_cols if c.key not in sig]
            stmt = insert(table)
            many = len(items) > 1
            batch_returning = (many and dialect.insert_executemany_returning and dialect.insert_returning
                               and getattr(dialect, "insert_executemany_returning_sort_by_parameter_order", False))
            if missing and dialect.insert_returning and (not many or batch_returning):
                res = conn.execute(stmt.returning(*missing, sort_by_parameter_order=many),
                                   [p for _, p in items] if many else items[0][1])
                rows = res.all()
                if len(rows) != len(items):
                    raise orm_exc.FlushError(
                        f"INSERT into {table.name!r} returned {len(rows)} rows for {len(items)} objects")
                for (state, _), row in zip(items, rows):
                    d = state.obj().__dict__
                    for c, v in zip(missing, row):
                        d[c2k[c]] = v
            elif not missing:
                conn.execute(stmt, [p for _, p in items]) if many else conn.execute(stmt, items[0][1])
            else:
                for state, params in items:  # no RETURNING: one row at a time for the keys
                    pk = conn.execute(stmt, params).inserted_primary_key
                    d = state.obj().__dict__
                    for c, v in zip(pk_cols, pk):
                        if d.get(c2k[c]) is None:
                            d[c2k[c]] = v
    for state in states:
        _after_insert_columns(mapper, state, written[state])
        # identity key, identity map and transaction bookkeeping: the unit of work's own step
        uow._post_insert(mapper, state, {}, set(mapper._column_keys))
        if mapper.dispatch.after_insert:  # events: after_insert
            mapper.dispatch.after_insert(mapper, conn, state.obj())


def _after_insert_columns(mapper: Any, state: Any, written: set[str]) -> None:
    """Columns the INSERT didn't write: server-generated ones expire (loaded on access),
    the others are NULL."""
    d = state.obj().__dict__
    for key in mapper._column_keys:
        prop = mapper._props[key]
        if prop._is_expression:
            if prop.expire_on_flush and not prop._query_expression:
                d.pop(key, None)
                state._mutable_expired().add(key)
            continue
        cols = [c for c in prop.columns if getattr(c, "table", None) is not None]
        if any(c.key in written for c in cols if c.table in mapper.tables):
            continue
        if key not in d:
            if any(c.server_default is not None or c.default is not None or c.primary_key for c in cols):
                state._mutable_expired().add(key)
            else:
                d[key] = None
        elif d.get(key) is None and any(c.server_default is not None for c in cols):
            d.pop(key, None)
            state._mutable_expired().add(key)


def update_joined(uow: Any, mapper: Any, states: list[Any]) -> None:
    """UPDATE objects of a joined subclass: only the tables whose columns changed, root first;
    objects with the same changed columns go in one executemany per table."""
    from sqlweave.core.sql.dml import update
    from sqlweave.core.sql.elements import and_, bindparam
    from sqlweave.orm.unitofwork import version_of

    conn = uow.conn
    props = mapper._props
    pk_map = mapper._sw_pk_map
    tables = [t for t, _ in _chain(mapper)]
    vcol = mapper.version_id_col
    vkey = mapper._column_to_key[vcol] if vcol is not None else ""
    groups: dict[tuple[Any, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    changed: list[tuple[Any, dict[Any, dict[str, Any]]]] = []
    for state in states:
        obj = state.obj()
        if obj is None:
            continue
        if mapper.dispatch.before_update:  # events: before_update
            mapper.dispatch.before_update(mapper, conn, obj)
        d = obj.__dict__
        committed = state.committed_state
        per_table: dict[Any, dict[str, Any]] = {}
        for key in committed:
            prop = props.get(key)
            if prop is None or not prop._is_column or prop._is_expression or key not in d:
                continue
            old, new = committed[key], d[key]
            if old is not NO_VALUE:
                try:
                    if bool(old == new) and type(old) is type(new):
                        continue
                except Exception:  # incomparable: write it
                    pass
            for col in prop.columns:
                if getattr(col, "table", None) in tables:
                    per_table.setdefault(col.table, {})[col.key] = new
        if not per_table:
            continue
        if vcol is not None:
            cur = version_of(state, obj, vkey)
            vparams = per_table.setdefault(vcol.table, {})
            vparams["ver_old"] = cur
            if mapper.version_id_generator is not False:
                newv = mapper.version_id_generator(cur)
                d[vkey] = newv
                vparams[vcol.key] = newv
        for table, params in per_table.items():
            for c in table.columns:
                # Python-side onupdate values are computed here so the object knows them
                if c.key not in params and c.onupdate is not None \
                        and (c.onupdate.is_scalar or c.onupdate.is_callable):
                    k = mapper._column_to_key.get(c)
                    if k is not None:
                        from sqlweave.orm.unitofwork import _Ctx

                        v = c.onupdate.arg if c.onupdate.is_scalar else c.onupdate.arg(_Ctx(params))
                        params[c.key] = v
                        d[k] = v
            for j, (_, idx) in enumerate(pk_map[table]):
                params[f"pk_{j}"] = state.key[1][idx]
        changed.append((state, per_table))
    for table in tables:
        for state, per_table in changed:
            if table in per_table:
                p = per_table[table]
                groups.setdefault((table, tuple(sorted(p))), []).append((state, p))
    sane_multi = uow.dialect.supports_sane_multi_rowcount
    for (table, _sig), items in groups.items():
        crit = [c == bindparam(f"pk_{j}") for j, (c, _) in enumerate(pk_map[table])]
        versioned = vcol is not None and table is vcol.table
        if versioned:
            crit.append(vcol == bindparam("ver_old"))
        stmt = update(table).where(and_(*crit))
        if len(items) > 1 and sane_multi:
            res = conn.execute(stmt, [p for _, p in items])
            uow._check_rowcount(res.rowcount, len(items), "UPDATE", table, versioned, True)
        else:
            for _, p in items:
                res = conn.execute(stmt, p)
                uow._check_rowcount(res.rowcount, 1, "UPDATE", table, versioned, True)
    for state, per_table in changed:
        obj = state.obj()
        d = obj.__dict__
        for key in mapper._column_keys:
            prop = props[key]
            if prop._is_expression and prop.expire_on_flush and not prop._query_expression:
                d.pop(key, None)
                state._mutable_expired().add(key)
        for table in tables:
            p = per_table.get(table, {})
            for c in table.columns:
                if c.key not in p and (c.onupdate is not None or c.server_onupdate is not None) \
                        and table in per_table:
                    k = mapper._column_to_key.get(c)
                    if k is not None:
                        d.pop(k, None)
                        state._mutable_expired().add(k)
        for t in uow.session._trans_stack:
            t._updated[state] = obj
        uow.updated.append(state)
        if mapper.dispatch.after_update:  # events: after_update
            mapper.dispatch.after_update(mapper, conn, obj)


def delete_joined(uow: Any, mapper: Any, states: list[Any]) -> None:
    """DELETE objects of a joined subclass: the leaf table's rows first, the base table's last."""
    from sqlweave.core.sql.dml import delete
    from sqlweave.core.sql.elements import and_, bindparam
    from sqlweave.orm.unitofwork import version_of

    conn = uow.conn
    pk_map = mapper._sw_pk_map
    sane_multi = uow.dialect.supports_sane_multi_rowcount
    vcol = mapper.version_id_col
    vkey = mapper._column_to_key[vcol] if vcol is not None else ""
    for wave in uow._delete_waves(mapper, states):
        if mapper.dispatch.before_delete:  # events: before_delete
            for state in wave:
                mapper.dispatch.before_delete(mapper, conn, state.obj())
        # the versions first: reading an expired one needs the rows of every table
        versions = [version_of(state, state.obj(), vkey) for state in wave] if vcol is not None else []
        for table, _ in reversed(_chain(mapper)):
            entries = pk_map[table]
            params = [{f"pk_{j}": state.key[1][idx] for j, (_, idx) in enumerate(entries)}
                      for state in wave]
            crit = [c == bindparam(f"pk_{j}") for j, (c, _) in enumerate(entries)]
            versioned = vcol is not None and table is vcol.table
            if versioned:
                crit.append(vcol == bindparam("ver_old"))
                for p, v in zip(params, versions):
                    p["ver_old"] = v
            stmt = delete(table).where(and_(*crit))
            if len(params) > 1 and sane_multi:
                res = conn.execute(stmt, params)
                uow._check_rowcount(res.rowcount, len(params), "DELETE", table, versioned, False)
            else:
                for p in params:
                    res = conn.execute(stmt, p)
                    uow._check_rowcount(res.rowcount, 1, "DELETE", table, versioned, False)
        if mapper.dispatch.after_delete:  # events: after_delete
            for state in wave:
                mapper.dispatch.after_delete(mapper, conn, state.obj())
