"""Loader options: ``selectinload()``, ``joinedload()``, ``lazyload()``, ``raiseload()``,
``noload()``, ``defer()``, ``undefer()``, ``load_only()``, ``contains_eager()``.

An option is a path of (attribute, strategy) steps; chaining (``selectinload(A.b).joinedload(B.c)``)
extends the path. Options are data: the ORM compile step reads them, Core ignores them.
"""

from __future__ import annotations

from typing import Any


class Load:
    """A loader option: a chain of (attribute, strategy, extra) steps."""

    def __init__(self, steps: tuple[tuple[Any, str, dict[str, Any]], ...] = ()) -> None:
        self.steps = steps

    def _chain(self, attr: Any, strategy: str, **extra: Any) -> Load:
        return Load(self.steps + ((attr, strategy, extra),))

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
        return self._chain(attr, "selectin")

    def immediateload(self, attr: Any) -> Load:
        return self._chain(attr, "selectin")

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
        return Load(self.steps + ((tuple(attrs), "load_only", {}),))

    def options(self, *opts: Any) -> Load:
        return self

    def __repr__(self) -> str:
        return "Load(" + ".".join(f"{s}({a})" for a, s, _ in self.steps) + ")"


def selectinload(attr: Any) -> Load:
    """Load the relationship with one ``SELECT ... WHERE fk IN (...)`` per batch of parents."""
    return Load().selectinload(attr)


def joinedload(attr: Any, innerjoin: bool = False) -> Load:
    """Load the relationship in the same statement through a LEFT OUTER JOIN."""
    return Load().joinedload(attr, innerjoin=innerjoin)


def lazyload(attr: Any) -> Load:
    """Load the relationship on first access (the default)."""
    return Load().lazyload(attr)


def raiseload(attr: Any, sql_only: bool = False) -> Load:
    """Raise instead of lazy loading the relationship."""
    return Load().raiseload(attr, sql_only=sql_only)


def noload(attr: Any) -> Load:
    """Never load the relationship (empty / None)."""
    return Load().noload(attr)


def subqueryload(attr: Any) -> Load:
    """Treated as :func:`selectinload` (same statement count, simpler SQL)."""
    return Load().subqueryload(attr)


def immediateload(attr: Any) -> Load:
    return Load().immediateload(attr)


def contains_eager(attr: Any, alias: Any = None) -> Load:
    """Fill the relationship from columns the statement already joins and selects."""
    return Load().contains_eager(attr, alias=alias)


def defaultload(attr: Any) -> Load:
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
