"""InstanceState: what the ORM knows about one mapped object.

States are small (slots) and created without per-attribute work. The object itself is referenced
weakly so that a clean object can be garbage collected while it sits in an identity map; while it
has pending changes the state holds it strongly (``_strong``). The state *is* that weak reference
(a ``weakref.ref`` subclass: ``state()`` or ``state.obj()`` is the object): one object, and one
container for the cycle collector, per instance instead of two, and no state <-> weakref cycle.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlweave.orm.base import NO_VALUE, STATE_ATTR
from sqlweave.orm.collections import collection_members
from sqlweave.orm.events import InstanceEvents

#: which InstanceEvents were ever listened for (see sqlweave.core.event.base.Live)
_INSTANCE_EVENTS = InstanceEvents.live

#: ``expired_attributes`` of a state with nothing expired: one shared, immutable empty set (a
#: state gets its own set only when a key is expired or loaded one at a time, see
#: :meth:`InstanceState._mutable_expired`); a fully expired state shares its mapper's frozenset
NO_KEYS: frozenset[str] = frozenset()

#: ``committed_state`` of a state with no old values recorded: one shared, read-only empty
#: mapping. A state gets its own dict on its first change (:meth:`InstanceState._own_committed`);
#: a new object made by the default constructor shares its mapper's read-only mapping of the
#: keys it was given (see ``attributes._init_kwargs``). No dict is allocated per loaded or
#: constructed object, and none is left for the cycle collector to scan.
NO_COMMITTED: Mapping[str, Any] = MappingProxyType({})

#: session id -> weak reference to the Session, so states can find their session without a
#: strong cycle (a plain dict of weakrefs: a lookup is a dict get and a call, no Python frames)
_session_refs: dict[int, weakref.ref[Any]] = {}


def _register_session(session: Any) -> None:
    """Make ``session`` findable by its ``hash_key``, until it is garbage collected."""
    key = session.hash_key
    _session_refs[key] = weakref.ref(session, lambda _ref: _session_refs.pop(key, None))


def _session_of(session_id: int | None) -> Any:
    """The live Session with this id, or None."""
    ref = _session_refs.get(session_id) if session_id is not None else None
    return ref() if ref is not None else None


class History(NamedTuple):
    """Attribute history: values added, unchanged and deleted since the last flush."""

    added: list[Any]
    unchanged: list[Any]
    deleted: list[Any]

    def has_changes(self) -> bool:
        return bool(self.added or self.deleted)

    def empty(self) -> bool:
        return not (self.added or self.unchanged or self.deleted)

    def sum(self) -> list[Any]:
        return self.added + self.unchanged + self.deleted

    def non_deleted(self) -> list[Any]:
        return self.added + self.unchanged


def _state_gone(state: InstanceState) -> None:
    """The weakref callback of a state: its object was garbage collected. Runs once per dropped
    object (50,000 times when a loaded list goes away), so it reads the weak session registry's
    dict directly instead of through WeakValueDictionary.get and IdentityMap._gc (two Python calls
    each)."""
    key = state.key
    if key is None or state.session_id is None:
        return
    sref = _session_refs.get(state.session_id)
    sess = sref() if sref is not None else None
    if sess is not None:
        d = sess.identity_map._dict
        if d.get(key) is state:
            del d[key]


_new_ref = weakref.ref.__new__


class InstanceState(weakref.ref):  # type: ignore[type-arg]
    """ORM bookkeeping for one instance: identity, session, committed values, expiry.

    A weak reference to the instance: ``state()`` (or ``state.obj()``) is the object, or None
    once it was garbage collected."""

    __slots__ = (
        "class_", "mapper", "key", "session_id", "committed_state", "modified",
        "expired_attributes", "_deleted", "_strong", "_orphan_check", "load_path", "_load_result",
        "__weakref__",
    )

    class_: type[Any]
    mapper: Any
    key: Any  # the identity key, (base mapper, primary key tuple); None until flushed or loaded
    session_id: int | None
    committed_state: Mapping[str, Any]
    modified: bool
    expired_attributes: AbstractSet[str]
    _deleted: bool
    _strong: Any
    _load_result: Any
    load_path: Any  # loader strategies of the query that loaded it (set only when there are some)
    _orphan_check: Any

    # states are dict keys and set members by identity (weakref.ref would hash and compare the
    # objects, which may be unhashable or define their own equality)
    __hash__ = object.__hash__
    __eq__ = object.__eq__  # type: ignore[assignment]
    __ne__ = object.__ne__  # type: ignore[assignment]
    # everything is set up in __new__ (the weak reference is made there); the C no-op __init__
    # saves a second Python call per state
    __init__ = object.__init__  # type: ignore[assignment]
    #: the object, or None once it was garbage collected (``state()`` is the same, and quicker)
    obj = weakref.ref.__call__

    def __new__(cls, obj: Any, mapper: Any, gc_callback: bool = True) -> InstanceState:
        # gc_callback is positional: a keyword makes every call build a kwargs dict. Without it
        # (the bulk loader), the identity map sweeps dead states itself
        self = _new_ref(cls, obj, _state_gone if gc_callback else None)
        self.class_ = obj.__class__
        self.mapper = mapper
        self.key = None
        self.session_id = None
        self.committed_state = NO_COMMITTED
        self.modified = False
        self.expired_attributes = NO_KEYS
        self._deleted = False
        self._strong = None
        self._load_result = None
        return self

    # -- state predicates --------------------------------------------------------------------
    @property
    def transient(self) -> bool:
        """Not in a session and not persisted."""
        return self.key is None and self.session_id is None

    @property
    def pending(self) -> bool:
        """Added to a session, not yet flushed."""
        return self.key is None and self.session_id is not None

    @property
    def persistent(self) -> bool:
        """In a session, with a row in the database."""
        return self.key is not None and self.session_id is not None and not self._deleted

    @property
    def deleted(self) -> bool:
        """Deleted in a flush; the transaction is not yet committed."""
        return self.key is not None and self.session_id is not None and self._deleted

    @property
    def was_deleted(self) -> bool:
        return self._deleted

    @property
    def detached(self) -> bool:
        """Has an identity, but belongs to no session."""
        return self.key is not None and self.session_id is None

    @property
    def has_identity(self) -> bool:
        return self.key is not None

    @property
    def identity(self) -> tuple[Any, ...] | None:
        return self.key[1] if self.key is not None else None

    @property
    def identity_key(self) -> Any:
        return self.key

    @property
    def session(self) -> Any:
        """The owning Session, or None."""
        return _session_of(self.session_id)

    @property
    def object(self) -> Any:
        return self.obj()

    @property
    def dict(self) -> dict[str, Any]:
        o = self.obj()
        return o.__dict__ if o is not None else {}

    @property
    def unloaded(self) -> set[str]:
        """Mapped attribute names with no loaded value."""
        d = self.dict
        return {k for k in self.mapper.attrs.keys() if k not in d}

    @property
    def attrs(self) -> _AttrsView:
        return _AttrsView(self)

    # -- changes -----------------------------------------------------------------------------
    def _modified_event(self, obj: Any) -> None:
        """First change since the last flush: hold the object strongly and tell the session."""
        self.modified = True
        if self.session_id is not None:
            self._strong = obj
            sess = _session_of(self.session_id)
            if sess is not None and self.key is not None:
                sess._modified.add(self)

    def _commit_all(self) -> None:
        """After a flush: current values become the committed ones."""
        commit_states((self,))

    def _reset_writeonly(self) -> None:
        obj = self.obj()
        if obj is not None:
            for key in self.mapper._writeonly_keys:
                coll = obj.__dict__.get(key)
                if coll is not None:
                    coll._sw_reset()

    def _expire(self, keys: Any = None) -> None:
        """Drop loaded values so that the next access reloads them."""
        if keys is None:
            expire_states((self,))
            return
        obj = self.obj()
        if obj is None:
            return
        d = obj.__dict__
        mapper = self.mapper
        if mapper.class_dispatch.expire:  # events: expire
            mapper.class_dispatch.expire(obj, list(keys))
        for key in keys:
            d.pop(key, None)
            if key in self.committed_state:
                self._own_committed().pop(key)
            if key in mapper._column_keys:
                self._mutable_expired().add(key)

    def _own_committed(self) -> MutableMapping[str, Any]:  # a dict ("dict" is a property here)
        """``committed_state`` as this state's own dict, to record old values in (copied from
        the shared read-only mapping on the first change)."""
        committed = self.committed_state
        if type(committed) is not dict:
            # dict() of a mappingproxy goes through the generic mapping protocol: skip it for
            # the shared empty one (a loaded object's first change)
            committed = self.committed_state = {} if committed is NO_COMMITTED else dict(committed)
        return committed  # type: ignore[return-value]

    def _mutable_expired(self) -> set[str]:
        """``expired_attributes`` as this state's own mutable set (copied on first change)."""
        exp = self.expired_attributes
        if type(exp) is not set:
            exp = self.expired_attributes = set(exp)
        return exp  # type: ignore[return-value]

    def _unexpire(self, key: str) -> None:
        """``key`` holds a loaded value again."""
        if key in self.expired_attributes:
            self._mutable_expired().discard(key)

    def _clear_expired(self) -> None:
        self.expired_attributes = NO_KEYS

    def _repr(self) -> str:
        obj = self()
        return f"<{self.class_.__name__} at 0x{id(obj):x}>"

    def __repr__(self) -> str:
        return f"<InstanceState {self._repr()} key={self.key}>"


#: ``make_state(InstanceState, obj, mapper[, gc_callback])`` is ``InstanceState(obj, mapper
#: [, gc_callback])`` without type.__call__'s dispatch (the __init__ does nothing): about 100 ns
#: less per object where objects are made by the thousand (the default constructor, the loader)
make_state = InstanceState.__new__


def commit_states(states: Iterable[InstanceState]) -> None:
    """``_commit_all()`` of many states (after a flush), in one loop."""
    for state in states:
        state.committed_state = NO_COMMITTED
        state.modified = False
        state._strong = None
        if state.mapper._writeonly_keys:
            state._reset_writeonly()


def expire_states(states: Iterable[InstanceState]) -> None:
    """Expire every attribute of many states (commit, rollback), in one loop: loaded values are
    dropped so that the next access reloads them, and pending changes are forgotten."""
    last = None
    for state in states:
        obj = state()
        if obj is None:
            continue
        mapper = state.mapper
        if mapper is not last:  # runs of one mapper (the usual order) look nothing up
            last = mapper
            plan = mapper._loader_cache.get("expire_all")
            if plan is None:
                rels = mapper._relationship_keys
                keys = mapper._column_keys + rels if rels else mapper._column_keys
                plan = mapper._loader_cache["expire_all"] = (keys, (None,) * len(keys), mapper._column_keys_set)
            keys, nones, every = plan
            expire = mapper.class_dispatch.expire if _INSTANCE_EVENTS.expire else None
        if expire:  # events: expire
            expire(obj, None)
        # dict.pop(key, None) of every key, iterated in C
        _drain(map(obj.__dict__.pop, keys, nones))
        exp = state.expired_attributes
        state.expired_attributes = every if not exp or exp is every else every | exp
        state.committed_state = NO_COMMITTED
        state.modified = False
        state._strong = None


#: runs an iterator to its end in C, keeping nothing
_drain: Callable[[Iterable[Any]], None] = deque(maxlen=0).extend


class AttributeState:
    """``inspect(obj).attrs.<name>``: value, loaded value and history of one attribute."""

    def __init__(self, state: InstanceState, key: str) -> None:
        self.state = state
        self.key = key

    @property
    def value(self) -> Any:
        return getattr(self.state.obj(), self.key)

    @property
    def loaded_value(self) -> Any:
        return self.state.dict.get(self.key, NO_VALUE)

    @property
    def history(self) -> History:
        """(added, unchanged, deleted) since the last flush, without loading anything."""
        return get_history(self.state, self.key)

    def load_history(self) -> History:
        getattr(self.state.obj(), self.key)
        return get_history(self.state, self.key)


class _AttrsView:
    def __init__(self, state: InstanceState) -> None:
        self._state = state

    def __getattr__(self, key: str) -> AttributeState:
        if key not in self._state.mapper.attrs:
            raise AttributeError(f"{self._state.class_.__name__} has no mapped attribute {key!r}")
        return AttributeState(self._state, key)

    def __getitem__(self, key: str) -> AttributeState:
        return self.__getattr__(key)

    def keys(self) -> list[str]:
        return list(self._state.mapper.attrs.keys())

    def __iter__(self) -> Any:
        return iter(AttributeState(self._state, k) for k in self.keys())


def get_history(state: InstanceState, key: str) -> History:
    """The History of ``key`` on ``state``."""
    d = state.dict
    prop = state.mapper.attrs[key]
    current = d.get(key, NO_VALUE)
    if getattr(prop, "_writeonly", False):
        if current is NO_VALUE:
            return History([], [], [])
        return History(list(current._pending_added), [], list(current._pending_removed))
    if getattr(prop, "uselist", False):
        cur = collection_members(current)
        if key in state.committed_state:
            orig = collection_members(state.committed_state[key])
            orig_ids = {id(o) for o in orig}
            cur_ids = {id(o) for o in cur}
            return History(
                [o for o in cur if id(o) not in orig_ids],
                [o for o in cur if id(o) in orig_ids],
                [o for o in orig if id(o) not in cur_ids],
            )
        if state.key is None:
            return History(cur, [], [])
        return History([], cur, [])
    if key in state.committed_state:
        orig = state.committed_state[key]
        if current is NO_VALUE:
            return History([], [], [] if orig is NO_VALUE else [orig])
        if orig is NO_VALUE:
            return History([current], [], [])
        if _same(orig, current, prop):
            return History([], [current], [])
        return History([current], [], [] if orig is None and state.key is None else [orig])
    if current is NO_VALUE:
        return History([], [], [])
    if state.key is None:
        return History([current], [], [])
    return History([], [current], [])


def _same(a: Any, b: Any, prop: Any) -> bool:
    if getattr(prop, "_is_relationship", False):
        return a is b
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # incomparable values count as changed
        return False


def is_instance_state(obj: Any) -> bool:
    return isinstance(obj, InstanceState)


STATE_KEY = STATE_ATTR
