"""Instrumented collections: list, set and keyed dict that report changes to their relationship.

The first change since the last flush snapshots the collection's committed members, from which
history (added / deleted) is computed at flush time; each change also keeps the other side of a
bidirectional relationship in sync and cascades the new member into the owner's session.
``collection_class=set`` gives :class:`InstrumentedSet`; ``attribute_keyed_dict("name")`` gives a
:class:`KeyFuncDict` keyed by each member's attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, SupportsIndex

from sqlweave.orm.base import NO_VALUE, STATE_ATTR


def collection_members(value: Any) -> list[Any]:
    """The member objects of a collection value (a dict's values; pending members of a
    write-only collection); ``[]`` for None / unloaded."""
    if value is None or value is NO_VALUE:
        return []
    if isinstance(value, dict):
        return list(value.values())
    members = getattr(value, "_sw_members", None)
    if members is not None:
        return members()  # type: ignore[no-any-return]
    return list(value)


class _Tracked:
    """Bookkeeping shared by the instrumented collection types."""

    __slots__ = ()
    _owner: Any
    _prop: Any

    def _before_change(self) -> Any:
        owner = self._owner
        if owner is None:
            return None
        state = owner.__dict__[STATE_ATTR]
        key = self._prop.key
        if key not in state.committed_state:
            state._own_committed()[key] = collection_members(self)
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
                _fire_remove(self, item)  # type: ignore[arg-type]

    def _fire_append_ev(self, item: Any) -> Any:
        if self._owner is not None and self._prop.class_attribute.dispatch.append:  # events: append
            return _fire_append(self, item)  # type: ignore[arg-type]
        return item


class InstrumentedList(_Tracked, list):  # type: ignore[type-arg]
    """A ``list`` whose mutations are tracked by the owning relationship."""

    __slots__ = ("_owner", "_prop")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._owner: Any = None
        self._prop: Any = None

    # -- list API ----------------------------------------------------------------------------
    def append(self, item: Any) -> None:
        item = self._fire_append_ev(item)
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


class InstrumentedSet(_Tracked, set):  # type: ignore[type-arg]
    """A ``set`` whose mutations are tracked by the owning relationship (``collection_class=set``)."""

    __slots__ = ("_owner", "_prop")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._owner: Any = None
        self._prop: Any = None

    def _append_no_event(self, item: Any) -> None:
        if item not in self:
            self._before_change()
            super().add(item)

    def _remove_no_event(self, item: Any) -> None:
        if item in self:
            self._before_change()
            super().discard(item)

    def add(self, item: Any) -> None:
        if item in self:
            return
        item = self._fire_append_ev(item)
        self._before_change()
        super().add(item)
        self._added(item)

    def discard(self, item: Any) -> None:
        if item in self:
            self._before_change()
            super().discard(item)
            self._removed(item)

    def remove(self, item: Any) -> None:
        if item not in self:
            raise KeyError(item)
        self.discard(item)

    def pop(self) -> Any:
        self._before_change()
        item = super().pop()
        self._removed(item)
        return item

    def clear(self) -> None:
        for item in list(self):
            self.discard(item)

    def update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for item in list(other):
                self.add(item)

    def difference_update(self, *others: Iterable[Any]) -> None:
        for other in others:
            for item in list(other):
                self.discard(item)

    def intersection_update(self, *others: Iterable[Any]) -> None:
        keep = set(self).intersection(*others)
        for item in list(self):
            if item not in keep:
                self.discard(item)

    def symmetric_difference_update(self, other: Iterable[Any]) -> None:
        for item in list(other):
            if item in self:
                self.discard(item)
            else:
                self.add(item)

    def __ior__(self, other: Any) -> InstrumentedSet:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __isub__(self, other: Any) -> InstrumentedSet:  # type: ignore[override,misc]
        self.difference_update(other)
        return self

    def __iand__(self, other: Any) -> InstrumentedSet:  # type: ignore[override,misc]
        self.intersection_update(other)
        return self

    def __ixor__(self, other: Any) -> InstrumentedSet:  # type: ignore[override,misc]
        self.symmetric_difference_update(other)
        return self

    def __reduce__(self) -> Any:
        return (set, (set(self),))


class KeyFuncDict(_Tracked, dict):  # type: ignore[type-arg]
    """A ``dict`` of related objects keyed by ``keyfunc(obj)`` (see :func:`attribute_keyed_dict`)."""

    __slots__ = ("_owner", "_prop", "keyfunc")

    def __init__(self, keyfunc: Callable[[Any], Any], items: Any = ()) -> None:
        super().__init__()
        self.keyfunc = keyfunc
        self._owner: Any = None
        self._prop: Any = None
        for item in collection_members(items):
            dict.__setitem__(self, keyfunc(item), item)

    def _append_no_event(self, item: Any) -> None:
        self._before_change()
        dict.__setitem__(self, self.keyfunc(item), item)

    def _remove_no_event(self, item: Any) -> None:
        for k, v in list(self.items()):
            if v is item:
                self._before_change()
                dict.__delitem__(self, k)

    def set(self, item: Any) -> None:
        """Add ``item`` under its own key (the key function of the collection)."""
        self[self.keyfunc(item)] = item

    def remove(self, item: Any) -> None:
        """Remove ``item`` (by its key)."""
        del self[self.keyfunc(item)]

    def __setitem__(self, key: Any, item: Any) -> None:
        old = self.get(key, NO_VALUE)
        if old is item:
            return
        item = self._fire_append_ev(item)
        self._before_change()
        dict.__setitem__(self, key, item)
        if old is not NO_VALUE:
            self._removed(old)
        self._added(item)

    def __delitem__(self, key: Any) -> None:
        item = self[key]
        self._before_change()
        dict.__delitem__(self, key)
        self._removed(item)

    def pop(self, key: Any, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        item = self[key]
        del self[key]
        return item

    def popitem(self) -> tuple[Any, Any]:
        key = next(reversed(list(self.keys())))
        return key, self.pop(key)

    def clear(self) -> None:
        for key in list(self.keys()):
            del self[key]

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kw: Any) -> None:  # type: ignore[override]
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


def attribute_keyed_dict(attr_name: str, *, ignore_unpopulated_attribute: bool = False) -> Any:
    """``collection_class=attribute_keyed_dict("keyword")``: a dict keyed by each member's attribute."""

    def keyfunc(obj: Any) -> Any:
        return getattr(obj, attr_name)

    def factory(items: Any = ()) -> KeyFuncDict:
        return KeyFuncDict(keyfunc, items)

    factory._sw_keyed = True  # type: ignore[attr-defined]
    return factory


def keyfunc_mapping(keyfunc: Callable[[Any], Any], *, ignore_unpopulated_attribute: bool = False) -> Any:
    """``collection_class=keyfunc_mapping(fn)``: a dict keyed by ``fn(member)``."""

    def factory(items: Any = ()) -> KeyFuncDict:
        return KeyFuncDict(keyfunc, items)

    factory._sw_keyed = True  # type: ignore[attr-defined]
    return factory


def column_keyed_dict(column: Any, *, ignore_unpopulated_attribute: bool = False) -> Any:
    """``collection_class=column_keyed_dict(Table.c.col)``: keyed by the mapped attribute of ``column``."""
    from sqlweave.orm.base import object_mapper

    def keyfunc(obj: Any) -> Any:
        return getattr(obj, object_mapper(obj)._column_to_key[column])

    return keyfunc_mapping(keyfunc)


def _fire_append(coll: Any, item: Any) -> Any:  # events: append
    from sqlweave.orm.events import fire_append

    return fire_append(coll._prop.class_attribute, coll._owner, item)


def _fire_remove(coll: Any, item: Any) -> None:  # events: remove
    from sqlweave.orm.events import fire_remove

    fire_remove(coll._prop.class_attribute, coll._owner, item)
