"""The base of every SQL construct: a visit name for compiler dispatch and a structural cache key.

A statement is an immutable tree. The compiler dispatches on ``__visit_name__`` through a table built
once per compiler class. The cache key of a tree is a tuple of its structure (classes, columns,
tables, operators, type keys) without bound values; the bound parameters met while building it are
collected in traversal order so that a compiled form can be reused for a new statement object of the
same shape with new values.
"""

from __future__ import annotations

import threading
from typing import Any


class Visitable:
    """A node the compiler can visit."""

    __slots__ = ()
    __visit_name__: str = "visitable"


class HasCacheKey:
    """Mixin for nodes that take part in compiled-statement caching.

    Subclasses implement :meth:`_gen_cache_key`, appending every :class:`BindParameter` they hold
    to ``binds`` in traversal order. Return ``None`` from it (anywhere in the tree) to mark the
    statement uncacheable.
    """

    __slots__ = ()

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement _gen_cache_key")


class _PositionNumbers(threading.local):
    """The FROM elements numbered so far by the key computation that collects into ``binds``."""

    binds: list[Any] | None = None
    numbers: dict[int, tuple[int, Any]]

    def __init__(self) -> None:
        self.numbers = {}


_POSITIONS = _PositionNumbers()


def position_number(obj: Any, binds: list[Any]) -> tuple[int, bool]:
    """(n, first): ``obj`` is the n-th alias, subquery, CTE or VALUES met by the cache-key
    computation collecting into ``binds``; ``first`` is True at its first appearance.

    Such elements are keyed by their position in the statement, not by identity: the first
    appearance gives the element's structure, a later one only ``n``. Two statements of the same
    shape built separately then share a key (and a compiled form), while ``select(a.c.x, b.c.x)``
    (two aliases of one table) and ``select(a.c.x, a.c.x)`` (one alias) do not. The numbering
    belongs to the ``binds`` list (one per computation); it is kept per thread, and the list and
    the numbered objects are held until the next computation so their ids can't be reused.
    """
    st = _POSITIONS
    if st.binds is not binds:
        st.binds = binds
        st.numbers = {}
    numbers = st.numbers
    known = numbers.get(id(obj))
    if known is not None:
        return known[0], False
    n = len(numbers) + 1
    numbers[id(obj)] = (n, obj)
    return n, True


def cache_key_of(obj: Any, binds: list[Any]) -> Any:
    """The cache key of an element, or of a plain hashable value embedded in the tree."""
    gen = getattr(obj, "_gen_cache_key", None)
    if gen is not None:
        return gen(binds)
    return obj


def cache_key_of_seq(items: Any, binds: list[Any]) -> tuple[Any, ...]:
    """The cache key of a sequence of elements."""
    return tuple([item._gen_cache_key(binds) for item in items])
