"""Tree operations over statements: supplying values to named bound parameters (``params()``).

Statements are immutable and compiled forms are cached by structure, so ``stmt.params(x=5)`` does
not rebuild the tree: it returns a copy of the statement that carries the new values, and they
replace the values of the matching named ``bindparam()`` objects when the statement's bound
parameters are collected (the same step that builds the cache key). The compiled form of the
original statement is therefore reused, and a nested statement keeps its own values wherever it is
embedded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlweave.core.sql import elements


def replace_binds(element: Any, values: dict[str, Any]) -> Any:
    """A copy of ``element`` whose named bound parameters take ``values``."""
    if not values:
        return element
    if _supports_overrides(element):
        new = element._generate()
        new._bind_overrides = {**(element.__dict__.get("_bind_overrides") or {}), **values}
        return new
    return _clone_with_values(element, values, {})


def _supports_overrides(element: Any) -> bool:
    return getattr(type(element)._gen_cache_key, "_applies_bind_overrides", False)


def apply_bind_overrides(fn: Callable[[Any, list[Any]], Any]) -> Callable[[Any, list[Any]], Any]:
    """Wrap a statement class's ``_gen_cache_key`` so that values given with ``params()`` replace
    the collected named bound parameters (a copy of each, remembering its original)."""

    def _gen_cache_key(self: Any, binds: list[Any]) -> Any:
        overrides = self.__dict__.get("_bind_overrides")
        if overrides is None:
            return fn(self, binds)
        start = len(binds)
        key = fn(self, binds)
        override_binds(binds, start, overrides)
        return key

    _gen_cache_key._applies_bind_overrides = True  # type: ignore[attr-defined]
    _gen_cache_key.__doc__ = fn.__doc__
    return _gen_cache_key


def override_binds(binds: list[Any], start: int, overrides: dict[str, Any]) -> None:
    """Replace, in ``binds[start:]``, each named bound parameter that ``overrides`` gives a value
    for by a copy with that value (remembering its original). A statement class whose
    ``_gen_cache_key`` calls this itself marks it with :func:`applies_bind_overrides`."""
    for i in range(start, len(binds)):
        b = binds[i]
        if isinstance(b, elements.BindParameter) and not b.unique and b.key in overrides:
            nb = b._with_value(overrides[b.key])
            nb._override_of = getattr(b, "_override_of", b)  # type: ignore[attr-defined]
            binds[i] = nb


def applies_bind_overrides(fn: Callable[[Any, list[Any]], Any]) -> Callable[[Any, list[Any]], Any]:
    """Mark a ``_gen_cache_key`` that applies ``params()`` values itself (no wrapper needed)."""
    fn._applies_bind_overrides = True  # type: ignore[attr-defined]
    return fn


def install(cls: type) -> None:
    """Make ``params()`` work on ``cls`` and (through ``__init_subclass__``) its subclasses."""
    own = cls.__dict__.get("_gen_cache_key")
    if own is not None and not getattr(own, "_applies_bind_overrides", False):
        cls._gen_cache_key = apply_bind_overrides(own)  # type: ignore[attr-defined]


def _clone_with_values(element: Any, values: dict[str, Any], memo: dict[int, Any]) -> Any:
    """Copy a column expression, replacing named bound parameters; FROM elements are shared."""
    done = memo.get(id(element))
    if done is not None:
        return done
    if isinstance(element, elements.BindParameter):
        out = element._with_value(values[element.key]) if (not element.unique and element.key in values) else element
        memo[id(element)] = out
        return out
    if _supports_overrides(element):
        out = replace_binds(element, values)
        memo[id(element)] = out
        return out
    if not isinstance(element, elements.ColumnElement) or getattr(element, "_is_from_clause", False) \
            or isinstance(element, elements.ColumnClause):
        return element
    return copy_with(element, lambda v: _clone_value(v, values, memo), memo)


def copy_with(element: Any, child: Any, memo: dict[int, Any]) -> Any:
    """A copy of ``element`` whose attribute values went through ``child`` (the element itself
    when nothing changed), remembered in ``memo``. Shared by bind replacement here and by the
    ORM's column adaptation."""
    changed = False
    new_dict: dict[str, Any] = {}
    for k, v in element.__dict__.items():
        if k == "_memo_key":
            continue  # the execution memo of the original (see ClauseElement._generate)
        nv = child(v)
        changed = changed or nv is not v
        new_dict[k] = nv
    if not changed:
        memo[id(element)] = element
        return element
    new = element._generate()
    new.__dict__.update(new_dict)
    memo[id(element)] = new
    return new


def _clone_value(v: Any, values: dict[str, Any], memo: dict[int, Any]) -> Any:
    if isinstance(v, elements.ClauseElement):
        return _clone_with_values(v, values, memo)
    if isinstance(v, (list, tuple)):
        items = [_clone_value(x, values, memo) for x in v]
        if any(a is not b for a, b in zip(items, v)):
            return type(v)(items) if isinstance(v, list) else tuple(items)
    return v
