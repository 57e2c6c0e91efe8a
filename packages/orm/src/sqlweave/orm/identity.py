"""IdentityMap: one object per (mapper, primary key) per session, held weakly while clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class IdentityMap:
    """Maps identity keys to InstanceStates; the states reference their objects weakly."""

    def __init__(self) -> None:
        self._dict: dict[Any, Any] = {}  # identity key -> InstanceState

    def _gc(self, state: Any) -> None:
        key = state.key
        if self._dict.get(key) is state:
            del self._dict[key]

    def get(self, key: Any, default: Any = None) -> Any:
        st = self._dict.get(key)
        if st is None:
            return default
        obj = st.obj()
        return default if obj is None else obj

    def __getitem__(self, key: Any) -> Any:
        obj = self.get(key)
        if obj is None:
            raise KeyError(key)
        return obj

    def __contains__(self, key: Any) -> bool:
        st = self._dict.get(key)
        return st is not None and st.obj() is not None

    def keys(self) -> list[Any]:
        return [k for k, st in self._dict.items() if st.obj() is not None]

    def values(self) -> list[Any]:
        return [o for o in (st.obj() for st in list(self._dict.values())) if o is not None]

    def items(self) -> list[tuple[Any, Any]]:
        return [(k, st.obj()) for k, st in list(self._dict.items()) if st.obj() is not None]

    def all_states(self) -> list[Any]:
        return list(self._dict.values())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def _add(self, state: Any) -> None:
        self._dict[state.key] = state

    def _remove(self, state: Any) -> None:
        key = state.key
        if self._dict.get(key) is state:
            del self._dict[key]
