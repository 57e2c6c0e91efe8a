"""Query helpers: :func:`aliased`, :func:`with_parent`, and the column adapter they share.

An :class:`AliasedClass` stands for a mapped class over another FROM element (an ``Alias`` of its
table, or a subquery/CTE selecting its columns). Its attributes are that FROM element's columns,
and its relationships join from it; ``select(alias)`` loads entities from the alias's columns.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql import elements, operators
from sqlweave.core.sql.elements import and_, not_
from sqlweave.core.sql.selectable import Alias
from sqlweave.core.sql.traversal import copy_with
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, MAPPER_ATTR, instance_state

# ---------------------------------------------------------------------------------------------
# column adaptation: copy an expression with some columns replaced
# ---------------------------------------------------------------------------------------------


def adapt_clause(expr: Any, mapping: dict[int, Any]) -> Any:
    """Copy ``expr`` with every column whose ``id`` is in ``mapping`` replaced by its value.

    Only column expressions are copied; FROM elements and subqueries are shared (a correlated
    subquery inside ``expr`` keeps its own columns).
    """
    if not mapping:
        return expr
    return _adapt(expr, mapping, {})


def table_adapter(table: Any, from_: Any) -> dict[int, Any]:
    """The mapping that re-points ``table``'s columns at the same-keyed columns of ``from_``."""
    out: dict[int, Any] = {}
    fc = from_.c
    for col in table.columns:
        if col.key in fc:
            out[id(col)] = fc[col.key]
    return out


def _adapt(element: Any, mapping: dict[int, Any], memo: dict[int, Any]) -> Any:
    rep = mapping.get(id(element))
    if rep is not None:
        return rep
    done = memo.get(id(element))
    if done is not None:
        return done
    if not isinstance(element, elements.ColumnElement) or getattr(element, "_is_from_clause", False) \
            or isinstance(element, (elements.ColumnClause, elements.BindParameter)):
        return element
    return copy_with(element, lambda v: _adapt_value(v, mapping, memo), memo)


def _adapt_value(v: Any, mapping: dict[int, Any], memo: dict[int, Any]) -> Any:
    if isinstance(v, elements.ClauseElement):
        return _adapt(v, mapping, memo)
    if isinstance(v, (list, tuple)) and v:
        items = [_adapt_value(x, mapping, memo) for x in v]
        if any(a is not b for a, b in zip(items, v)):
            return items if isinstance(v, list) else tuple(items)
    return v


# ---------------------------------------------------------------------------------------------
# aliased()
# ---------------------------------------------------------------------------------------------


class AliasedClass:
    """A mapped class over an alias or subquery: ``ua = aliased(User)``; ``ua.name``, ``ua.addresses``."""

    def __init__(self, mapper: Any, selectable: Any, name: str | None = None,
                 adapter: dict[int, Any] | None = None) -> None:
        mapper._check_configure()
        d = self.__dict__
        d["_sw_aliased_mapper"] = mapper
        d["_sw_selectable"] = selectable
        d["_sw_adapter"] = adapter if adapter is not None else table_adapter(mapper.local_table, selectable)
        d["_sw_name"] = name or mapper.class_.__name__
        d["_propagate_attrs"] = mapper._propagate_attrs
        d["_sw_attr_cache"] = {}

    @property
    def mapper(self) -> Any:
        return self._sw_aliased_mapper

    @property
    def entity(self) -> AliasedClass:
        return self

    @property
    def selectable(self) -> Any:
        return self._sw_selectable

    def __clause_element__(self) -> Any:
        return self._sw_selectable

    @property
    def _from_objects(self) -> list[Any]:
        return [self._sw_selectable]

    def _adapt(self, expr: Any) -> Any:
        return adapt_clause(expr, self._sw_adapter)

    def __getattr__(self, key: str) -> Any:
        cache = self.__dict__["_sw_attr_cache"]
        if key in cache:
            return cache[key]
        mapper = self._sw_aliased_mapper
        prop = mapper._props.get(key)
        if prop is None:
            if key.startswith("__"):
                raise AttributeError(key)
            attr = getattr(mapper.class_, key)
            # hybrids and other class-level expressions: adapt their SQL to this alias
            if hasattr(attr, "__clause_element__") and not isinstance(attr, type):
                out = self._adapt(attr.__clause_element__())
            else:
                out = attr
        elif getattr(prop, "_is_relationship", False):
            out = AliasedRelationship(self, prop)
        else:
            col = prop.columns[0]
            out = self._sw_adapter.get(id(col))
            if out is None:
                out = self._adapt(col)
        cache[key] = out
        return out

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("aliased classes are read-only")

    def __repr__(self) -> str:
        return f"<AliasedClass at 0x{id(self):x}; {self._sw_name}>"


class AliasedRelationship:
    """``ua.addresses``: a relationship joined from an alias of its parent (or from the mapped
    class itself, ``parent`` None, when only the target is aliased: ``User.addresses.of_type(aa)``)."""

    _is_relationship = True

    def __init__(self, parent: AliasedClass | None, prop: Any) -> None:
        self._parent_alias = parent
        self.prop = prop
        self.key = prop.key
        self.parent = prop.parent
        self.mapper = prop.parent
        self._propagate_attrs = prop.parent._propagate_attrs
        self._of_type: AliasedClass | None = None

    def of_type(self, target: Any) -> AliasedRelationship:
        out = AliasedRelationship(self._parent_alias, self.prop)
        out._of_type = target if isinstance(target, AliasedClass) else None
        return out

    def _join_target_hook(self, onclause: Any = None) -> tuple[Any, Any]:
        right, on = relationship_join(self.prop, self._parent_alias, self._of_type)
        return right, on

    def __clause_element__(self) -> Any:
        return self._join_target_hook()[0]

    @property
    def _from_objects(self) -> list[Any]:
        return []

    def _adapt(self, expr: Any) -> Any:
        return self._parent_alias._adapt(expr) if self._parent_alias is not None else expr

    def any(self, criterion: Any = None, **kwargs: Any) -> Any:
        return self._adapt(self.prop._exists(criterion, kwargs))

    has = any

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._adapt(self.prop._compare_to(other))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return not_(self.__eq__(other))

    __hash__ = object.__hash__

    # last: the name would shadow the builtin decorator for the methods above
    property = property(lambda self: self.prop)  # noqa: A003


def relationship_join(prop: Any, parent: Any = None, target: Any = None) -> tuple[Any, Any]:
    """(right side, ON clause) joining ``prop`` from ``parent`` (an AliasedClass or None for the
    mapped table) to ``target`` (an AliasedClass or None for the target table)."""
    prop.parent._check_configure()
    mapping: dict[int, Any] = {}
    if parent is not None:
        mapping.update(parent._sw_adapter)
    right = prop.mapper.local_table
    if target is not None:
        right = target._sw_selectable
        tmap = target._sw_adapter
        if parent is not None and prop.parent.local_table is prop.mapper.local_table:
            # self-referential: the parent side keeps the parent adaptation, the remote side
            # columns (the foreign key for one-to-many, the pk for many-to-one) go to the target
            if prop.direction == MANYTOONE:
                remote = {id(s) for s, _ in prop.synchronize_pairs}
            else:
                remote = {id(d) for _, d in prop.synchronize_pairs}
            for k in remote:
                if k in tmap:
                    mapping[k] = tmap[k]
        else:
            for k, v in tmap.items():
                mapping.setdefault(k, v)
    if prop.secondary is not None:
        on = adapt_clause(prop.primaryjoin, mapping)
        right = prop.secondary.join(right, adapt_clause(prop.secondaryjoin, mapping))
        return right, on
    if parent is None and target is None:
        return right, prop.primaryjoin
    if parent is not None and target is None and prop.parent.local_table is prop.mapper.local_table:
        # self-referential from an alias to the plain table: only the parent side is adapted
        if prop.direction == MANYTOONE:
            parent_side = {id(d) for _, d in prop.synchronize_pairs}
        else:
            parent_side = {id(s) for s, _ in prop.synchronize_pairs}
        mapping = {k: v for k, v in mapping.items() if k in parent_side}
    return right, adapt_clause(prop.primaryjoin, mapping)


def aliased(element: Any, alias: Any = None, name: str | None = None, flat: bool = False,
            adapt_on_names: bool = False) -> AliasedClass:
    """An alias of a mapped class: ``aliased(User)`` (a new table alias) or ``aliased(User, subq)``
    (entities loaded from the columns of a subquery or CTE selecting the class's columns)."""
    mapper = getattr(element, MAPPER_ATTR, None) if isinstance(element, type) else None
    if mapper is None and isinstance(element, AliasedClass):
        mapper = element._sw_aliased_mapper
    if mapper is None:
        if hasattr(element, "alias"):
            return element.alias(name)  # type: ignore[no-any-return]
        raise sa_exc.ArgumentError(f"aliased() needs a mapped class, got {element!r}")
    if alias is None and len(getattr(mapper, "tables", ())) > 1:  # inheritance: joined subclass
        return _aliased_joined(mapper, name)
    if alias is None:
        alias = Alias(mapper.local_table, name)
    return AliasedClass(mapper, alias, name)


def _aliased_joined(mapper: Any, name: str | None) -> AliasedClass:
    """``aliased(Sub)`` of a joined-table subclass: a subquery over the join of its tables, each
    column labelled ``<table>_<column>`` (the tables share column names such as ``id``), so that
    every attribute of the alias, used alone or together, selects from that one subquery."""
    from sqlweave.core.sql.selectable import select

    labels: dict[int, str] = {}
    cols = []
    for table in mapper.tables:
        for col in table.columns:
            label = f"{table.name}_{col.name}"
            while label in labels.values():
                label += "_"
            labels[id(col)] = label
            cols.append(col.label(label))
    subq = select(*cols).select_from(mapper._sw_from).subquery(name)
    fc = subq.c
    adapter = {i: fc[label] for i, label in labels.items()}
    return AliasedClass(mapper, subq, name, adapter)


def with_parent(instance: Any, prop: Any, from_entity: Any = None) -> Any:
    """WHERE criterion selecting the objects related to ``instance`` through ``prop``:
    ``select(Address).where(with_parent(user, User.addresses))``."""
    if isinstance(prop, str):
        prop = getattr(type(instance), prop)
    rel = prop.prop
    rel.parent._check_configure()
    state = instance_state(instance)
    mapper = state.mapper

    def value(col: Any) -> Any:
        return elements.BindParameter(None, getattr(instance, mapper._column_to_key[col]), type_=col.type,
                                      unique=True)

    if rel.direction == MANYTOMANY:
        crit = [s == value(p) for p, s in rel.local_pairs]
        crit.append(rel.secondaryjoin)
    elif rel.direction == MANYTOONE:
        crit = [src == value(dest) for src, dest in rel.synchronize_pairs]
    else:
        crit = [dest == value(src) for src, dest in rel.synchronize_pairs]
    out = and_(*crit)
    if from_entity is not None and isinstance(from_entity, AliasedClass):
        out = from_entity._adapt(out)
    return out


def _is_aliased(obj: Any) -> bool:
    return isinstance(obj, AliasedClass)


_ = operators
