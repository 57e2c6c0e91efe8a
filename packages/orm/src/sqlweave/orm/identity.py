"""IdentityMap: one object per (mapper, primary key) per session, held weakly while clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: a map smaller than this is never swept (bounds the dead states a streamed load leaves behind)
_MIN_SWEEP = 1024


class IdentityMap:
    """Maps identity keys to InstanceStates; the states reference their objects weakly.

    Most states leave the map as their object is garbage collected (the state is the weakref's
    callback). States made by the bulk loader do not: a Python callback per collected object costs
    about a third of what loading the object did, so their weakrefs have none and a collected
    object's state stays in ``_dict``, dead (``obj()`` is None), until a sweep. The loader calls
    :meth:`_sweep_if_grown` before each batch (as do ``_add`` and ``Session.get()``), which sweeps
    once the map has doubled since the last sweep: at an amortised cost of one check per loaded
    object, dead states stay fewer than live ones plus ``_MIN_SWEEP`` while the session keeps
    loading, and never outnumber the map's largest size (a session that loads 100,000 objects,
    drops them and then only reads keeps their states, ~0.7 KB each, until its next insert, load or
    ``close()``). Readers of ``_dict`` check ``state.obj()``, and every public view
    (``keys()``, ``len()``, ``all_states()`` ...) leaves dead states out.
    """

    def __init__(self) -> None:
        self._dict: dict[Any, Any] = {}  # identity key -> InstanceState
        self._sweep_at = _MIN_SWEEP

    def _sweep_if_grown(self) -> None:
        if len(self._dict) >= self._sweep_at:
            self._sweep()

    def _sweep(self) -> None:
        """Drop the states of collected objects."""
        d = self._dict
        for key in [k for k, st in d.items() if st() is None]:
            del d[key]
        self._sweep_at = max(2 * len(d), _MIN_SWEEP)

    def _gc(self, state: Any) -> None:
        key = state.key
        if self._dict.get(key) is state:
            del self._dict[key]

    def get(self, key: Any, default: Any = None) -> Any:
        st = self._dict.get(key)
        if st is None:
            return default
        obj = st()
        return default if obj is None else obj

    def __getitem__(self, key: Any) -> Any:
        obj = self.get(key)
        if obj is None:
            raise KeyError(key)
        return obj

    def __contains__(self, key: Any) -> bool:
        st = self._dict.get(key)
        return st is not None and st() is not None

    def keys(self) -> list[Any]:
        return [k for k, st in self._dict.items() if st() is not None]

    def values(self) -> list[Any]:
        return [o for o in (st() for st in list(self._dict.values())) if o is not None]

    def items(self) -> list[tuple[Any, Any]]:
        return [(k, st()) for k, st in list(self._dict.items()) if st() is not None]

    def all_states(self) -> list[Any]:
        """The states of the objects present (not those of collected objects)."""
        return [st for st in self._dict.values() if st() is not None]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def _add(self, state: Any) -> None:
        self._dict[state.key] = state
        self._sweep_if_grown()

    def _remove(self, state: Any) -> None:
        key = state.key
        if self._dict.get(key) is state:
            del self._dict[key]
