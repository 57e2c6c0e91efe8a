"""Mapped class inheritance: single-table inheritance with a discriminator column.

Supported: **single-table inheritance** (a mapped subclass without its own ``__tablename__``
shares its parent's table; columns it declares are added to that table). The base declares
``__mapper_args__ = {"polymorphic_on": <column or attribute name>, "polymorphic_identity": v}``
and each subclass its own ``polymorphic_identity``.

* Flush: the discriminator is written from the class's identity on INSERT (an internal
  ``before_insert`` listener of each mapper).
* ``select(Base)`` returns instances of the subclass named by each row's discriminator;
  attributes only the subclass maps are loaded on first access (one SELECT by primary key) or
  up front with :func:`with_polymorphic`.
* ``select(Sub)`` adds ``WHERE discriminator IN (<Sub and its descendants' identities>)``.
* Subclass mappers share the parent's relationships and identity map key space.

Not supported yet: joined-table inheritance (a subclass with its own ``__tablename__``) is
refused with an :class:`~sqlweave.orm.exc.ORMConfigurationError`; concrete-table inheritance is
not supported.

Hooks (called from the ORM core): ``decl._as_declarative`` calls :func:`mapped_parent` and
:func:`setup`; ``context.compile_orm_select`` calls :func:`single_table_criteria`;
``context.load_instances`` hands polymorphic mappers to :func:`load_polymorphic`.
"""

from __future__ import annotations

from typing import Any

from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MAPPER_ATTR, STATE_ATTR

__all__ = ["with_polymorphic"]


def mapped_parent(cls: type) -> Any:
    """The mapper of the nearest mapped superclass of ``cls``, or None."""
    for base in cls.__mro__[1:]:
        m = base.__dict__.get(MAPPER_ATTR)
        if m is not None:
            return m
    return None


def check_table(cls: type, parent: Any) -> None:
    """Refuse joined-table inheritance (not implemented) with a clear message."""
    if parent is not None and ("__tablename__" in cls.__dict__ or "__table__" in cls.__dict__):
        raise orm_exc.ORMConfigurationError(
            f"Class {cls.__name__!r} inherits mapped class {parent.class_.__name__!r} and declares "
            "its own table: joined-table and concrete-table inheritance are not supported yet; "
            "remove __tablename__ to use single-table inheritance")


def _resolve_col(mapper: Any, on: Any) -> Any:
    if isinstance(on, str):
        return mapper.local_table.c[on]
    ce = getattr(on, "__clause_element__", None)
    if ce is not None:
        return ce()
    col = getattr(on, "column", None)  # a MappedColumn
    return col if col is not None else on


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
    mapper.single = True
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


def load_polymorphic(session: Any, rows: list[Any], keys: list[str], start: int,
                     pk_idx: list[int], mapper: Any, populate_existing: bool = False,
                     strategies: dict[str, str] | None = None) -> list[Any]:
    """Like ``context.load_instances`` but one class per row, from the discriminator."""
    from sqlweave.orm.context import _populate_existing
    from sqlweave.orm.state import InstanceState

    imap = session.identity_map._dict
    sid = session.hash_key
    base = mapper.base_mapper
    pmap = mapper.polymorphic_map or {}
    disc_key = mapper._column_to_key.get(mapper.polymorphic_on)
    disc_pos = start + keys.index(disc_key) if disc_key in keys else None
    lp = dict(strategies) if strategies else None
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
                    _populate_existing(state, obj, keys, row, start, populate_existing)
                out.append(obj)
                continue
        sub = mapper
        if disc_pos is not None:
            sub = pmap.get(row[disc_pos], mapper)
        obj = sub.class_.__new__(sub.class_)
        d = obj.__dict__
        d.update(zip(keys, row[start:start + len(keys)]))
        state = InstanceState(obj, sub)
        state.key = ident
        state.session_id = sid
        if lp is not None:
            state.load_path = lp  # type: ignore[attr-defined]
        if sub is not mapper:
            # columns only the subclass maps: loaded on first access
            state.expired_attributes.update(k for k in sub._load_keys if k not in d)
        d[STATE_ATTR] = state
        imap[ident] = state
        out.append(obj)
        new_objs.append(obj)
    if new_objs and (mapper.class_dispatch.load or session.dispatch.loaded_as_persistent):
        from sqlweave.orm.events import fire_loaded

        fire_loaded(session, mapper, new_objs)
    return out


def with_polymorphic(base: Any, classes: Any, **kw: Any) -> Any:
    """``select(with_polymorphic(Employee, [Manager]))``: with single-table inheritance the
    subclass columns live in the same table; the subclass attributes are loaded with the row.

    Returns the base class after making the named subclasses' columns part of the base
    entity's load (single-table inheritance only).
    """
    from sqlweave.orm.base import class_mapper

    bm = class_mapper(base)
    subs = list(bm.polymorphic_map.values()) if classes == "*" else \
        [class_mapper(c) for c in classes]
    for sm in subs:
        if not sm.single and sm is not bm:
            raise orm_exc.InvalidRequestError(
                f"with_polymorphic(): {sm.class_.__name__} is not a single-table subclass")
        for k in sm._load_keys:
            if k not in bm._props:
                # the base mapper loads the column too (stored under the subclass's key)
                from sqlweave.orm.mapper import ColumnProperty

                bm._add_property(k, ColumnProperty(sm._props[k].columns[0]))
                bm._column_keys.append(k)
                bm._column_to_key.setdefault(sm._props[k].columns[0], k)
        bm._refresh_loader_cache()
    return base
