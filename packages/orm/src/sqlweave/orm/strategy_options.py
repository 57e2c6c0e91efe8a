"""Loader options: ``selectinload()``, ``joinedload()``, ``subqueryload()``, ``immediateload()``,
``lazyload()``, ``raiseload()``, ``noload()``, ``defaultload()``, ``defer()``, ``undefer()``,
``load_only()``, ``contains_eager()``, ``with_loader_criteria()``; ``Load(Entity)`` for options
bound to one entity of the statement.

An option is a path of (attribute, strategy, extra) steps; chaining (``selectinload(A.b)
.joinedload(B.c)``) extends the path. The attribute ``"*"`` is a wildcard: every relationship of
the entity that no other option names. Options are data: the ORM compile step
(:mod:`sqlweave.orm.context`) reads them, Core ignores them.
"""

from __future__ import annotations

from typing import Any

Step = tuple[Any, str, dict[str, Any]]


class Load:
    """A loader option: a chain of (attribute, strategy, extra) steps.

    ``Load(User)`` starts an option bound to the ``User`` entity of the statement:
    ``Load(User).selectinload(User.addresses)``.
    """

    def __init__(self, entity: Any = None) -> None:
        if isinstance(entity, tuple):  # internal: Load(steps)
            self.steps: tuple[Step, ...] = entity
            self.entity: Any = None
        else:
            self.steps = ()
            self.entity = entity

    @classmethod
    def _from_steps(cls, steps: tuple[Step, ...], entity: Any = None) -> Load:
        out = cls.__new__(cls)
        out.steps = steps
        out.entity = entity
        return out

    def _chain(self, attr: Any, strategy: str, **extra: Any) -> Load:
        return Load._from_steps(self.steps + ((attr, strategy, extra),), self.entity)

    def selectinload(self, attr: Any) -> Load:
        return self._chain(attr, "selectin")

    def joinedload(self, attr: Any, innerjoin: bool = False) -> Load:
        return self._chain(attr, "joined", innerjoin=innerjoin)

    def lazyload(self, attr: Any) -> Load:
        return self._chain(attr, "select")

    def raiseload(self, attr: Any, sql_only: bool = False) -> Load:
        return self._chain(attr, "raise_on_sql" if sql_only else "raise")

    def noload(self, attr: Any) -> Load:
        return self._chain(attr, "noload")

    def subqueryload(self, attr: Any) -> Load:
        return self._chain(attr, "subquery")

    def immediateload(self, attr: Any) -> Load:
        return self._chain(attr, "immediate")

    def contains_eager(self, attr: Any, alias: Any = None) -> Load:
        return self._chain(attr, "contains_eager", alias=alias)

    def defaultload(self, attr: Any) -> Load:
        return self._chain(attr, "default")

    def defer(self, *attrs: Any, raiseload: bool = False) -> Load:
        out = self
        for a in attrs:
            out = out._chain(a, "defer")
        return out

    def undefer(self, *attrs: Any) -> Load:
        out = self
        for a in attrs:
            out = out._chain(a, "undefer")
        return out

    def load_only(self, *attrs: Any, raiseload: bool = False) -> Load:
        return Load._from_steps(self.steps + ((tuple(attrs), "load_only", {}),), self.entity)

    def options(self, *opts: Any) -> Load:
        """``defaultload(A.b).options(selectinload(B.c), defer(B.x))``: sub-options under this path."""
        out = [Load._from_steps(self.steps + o.steps, self.entity) for o in opts if isinstance(o, Load)]
        return _LoadGroup(out) if len(out) != 1 else out[0]

    def _flatten(self) -> list[Load]:
        return [self]

    def __repr__(self) -> str:
        return "Load(" + ".".join(f"{s}({a})" for a, s, _ in self.steps) + ")"


class _LoadGroup(Load):
    """Several options sharing a prefix (from ``Load.options()``)."""

    def __init__(self, loads: list[Load]) -> None:
        self.loads = loads
        self.steps = ()
        self.entity = None

    def _flatten(self) -> list[Load]:
        return list(self.loads)


class LoaderCriteriaOption:
    """``with_loader_criteria(Entity, criteria)``: extra WHERE criteria for every load of
    ``Entity`` — the statement's own entities, relationship joins, eager loads and, because the
    option propagates to the loaded objects, later lazy loads."""

    steps: tuple[Step, ...] = ()
    propagate_to_loaders = True

    def __init__(self, entity: Any, where_criteria: Any, loader_only: bool = False,
                 include_aliases: bool = False, propagate_to_loaders: bool = True,
                 track_closure_variables: bool = True) -> None:
        from sqlweave.orm.base import MAPPER_ATTR

        self.entity = entity
        self.where_criteria = where_criteria
        self.include_aliases = include_aliases
        self.loader_only = loader_only
        self.propagate_to_loaders = propagate_to_loaders
        self.mapper = getattr(entity, MAPPER_ATTR, None) if isinstance(entity, type) else None
        # a plain class (mixin / base class): the criteria apply to mapped subclasses of it
        self.base_class = entity if isinstance(entity, type) else None

    def applies_to(self, mapper: Any) -> bool:
        if self.mapper is not None:
            return mapper is self.mapper or mapper.class_ is self.mapper.class_ or \
                issubclass(mapper.class_, self.mapper.class_)
        return self.base_class is not None and issubclass(mapper.class_, self.base_class)

    def criteria_for(self, mapper: Any) -> Any:
        from sqlweave.core.sql import coercions

        crit = self.where_criteria
        if callable(crit) and not hasattr(crit, "__clause_element__") and not hasattr(crit, "_is_clause_element"):
            crit = crit(mapper.class_)
        return coercions.expect_where(crit)


def with_loader_criteria(entity_or_base: Any, where_criteria: Any, loader_only: bool = False,
                         include_aliases: bool = False, propagate_to_loaders: bool = True,
                         track_closure_variables: bool = True) -> LoaderCriteriaOption:
    """Add criteria to every load of ``entity_or_base`` (a mapped class, or a base/mixin class
    whose mapped subclasses are meant); ``where_criteria`` may be a lambda taking the class."""
    return LoaderCriteriaOption(entity_or_base, where_criteria, loader_only, include_aliases,
                                propagate_to_loaders, track_closure_variables)


def selectinload(attr: Any) -> Load:
    """Load the relationship with one ``SELECT ... WHERE key IN (...)`` per batch of 500 parents."""
    return Load().selectinload(attr)


def joinedload(attr: Any, innerjoin: bool = False) -> Load:
    """Load the relationship in the same statement through a LEFT OUTER JOIN (INNER with
    ``innerjoin=True``)."""
    return Load().joinedload(attr, innerjoin=innerjoin)


def lazyload(attr: Any) -> Load:
    """Load the relationship on first access (the default)."""
    return Load().lazyload(attr)


def raiseload(attr: Any, sql_only: bool = False) -> Load:
    """Raise instead of lazy loading the relationship (``sql_only``: only when SQL is needed)."""
    return Load().raiseload(attr, sql_only=sql_only)


def noload(attr: Any) -> Load:
    """Never load the relationship (empty / None)."""
    return Load().noload(attr)


def subqueryload(attr: Any) -> Load:
    """Load the relationship for all parents with one more SELECT (issued as an IN query over the
    parents' keys, without selectinload's 500-key batching)."""
    return Load().subqueryload(attr)


def immediateload(attr: Any) -> Load:
    """Load the relationship right after the parents load, one lazy-load SELECT per parent."""
    return Load().immediateload(attr)


def contains_eager(attr: Any, alias: Any = None) -> Load:
    """Fill the relationship from columns the statement already joins and selects."""
    return Load().contains_eager(attr, alias=alias)


def defaultload(attr: Any) -> Load:
    """Keep the relationship's configured loading; used to reach deeper paths."""
    return Load().defaultload(attr)


def defer(*attrs: Any, raiseload: bool = False) -> Load:
    """Leave the column attribute(s) out of the SELECT; load on first access."""
    return Load().defer(*attrs)


def undefer(*attrs: Any) -> Load:
    """Load deferred column attribute(s) in the main SELECT."""
    return Load().undefer(*attrs)


def load_only(*attrs: Any, raiseload: bool = False) -> Load:
    """Load only these column attributes (plus the primary key); defer the rest."""
    return Load().load_only(*attrs)
