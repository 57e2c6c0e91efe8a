"""Instrumented collections: a list that reports appends and removals to its relationship.

The first change since the last flush snapshots the collection's committed contents, from which
history (added / deleted) is computed at flush time; each change also keeps the other side of a
bidirectional relationship in sync and cascades the new member into the owner's session.
"""

from __future__ import annotations

from typing import Any, Iterable, SupportsIndex

from sqlweave.orm.base import STATE_ATTR


class InstrumentedList(list):  # type: ignore[type-arg]
    """A ``list`` whose mutations are tracked by the owning relationship."""

    __slots__ = ("_owner", "_prop")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._owner: Any = None
        self._prop: Any = None

    # -- bookkeeping --------------------------------------------------------------------------
    def _before_change(self) -> Any:
        owner = self._owner
        if owner is None:
            return None
        state = owner.__dict__[STATE_ATTR]
        key = self._prop.key
        if key not in state.committed_state:
            state.committed_state[key] = list(self)
        if not state.modified:
            state._modified_event(owner)
        return state

    def _added(self, item: Any) -> None:
        if self._owner is not None:
            self._prop._collection_append_event(self._owner, item)

    def _removed(self, item: Any) -> None:
        if self._owner is not None:
            self._prop._collection_remove_event(self._owner, item)
            if self._prop.class_attribute.dispatch.remove:  # events: remove
                _fire_remove(self, item)

    # -- list API ----------------------------------------------------------------------------
    def append(self, item: Any) -> None:
        if self._owner is not None and self._prop.class_attribute.dispatch.append:  # events: append
            item = _fire_append(self, item)
        self._before_change()
        super().append(item)
        self._added(item)

    def _append_no_event(self, item: Any) -> None:
        self._before_change()
        super().append(item)

    def _remove_no_event(self, item: Any) -> None:
        for i, x in enumerate(self):
            if x is item:
                self._before_change()
                super().__delitem__(i)
                return

    def extend(self, items: Iterable[Any]) -> None:
        for item in list(items):
            self.append(item)

    def __iadd__(self, items: Iterable[Any]) -> InstrumentedList:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def insert(self, index: SupportsIndex, item: Any) -> None:
        self._before_change()
        super().insert(index, item)
        self._added(item)

    def remove(self, item: Any) -> None:
        self._before_change()
        super().remove(item)
        self._removed(item)

    def pop(self, index: SupportsIndex = -1) -> Any:
        self._before_change()
        item = super().pop(index)
        self._removed(item)
        return item

    def clear(self) -> None:
        self._before_change()
        items = list(self)
        super().clear()
        for item in items:
            self._removed(item)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._before_change()
        if isinstance(index, slice):
            old = self[index]
            super().__setitem__(index, value)
            for item in old:
                self._removed(item)
            for item in value:
                self._added(item)
        else:
            old = self[index]
            super().__setitem__(index, value)
            self._removed(old)
            self._added(value)

    def __delitem__(self, index: Any) -> None:
        self._before_change()
        old = self[index]
        super().__delitem__(index)
        for item in (old if isinstance(index, slice) else [old]):
            self._removed(item)

    def __reduce__(self) -> Any:
        return (list, (list(self),))


def _fire_append(coll: InstrumentedList, item: Any) -> Any:  # events: append
    from sqlweave.orm.events import fire_append

    return fire_append(coll._prop.class_attribute, coll._owner, item)


def _fire_remove(coll: InstrumentedList, item: Any) -> None:  # events: remove
    from sqlweave.orm.events import fire_remove

    fire_remove(coll._prop.class_attribute, coll._owner, item)
