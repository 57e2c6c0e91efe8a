"""The generic event registry: :class:`Events`, :class:`dispatcher` and the dispatch objects.

How it fits together
====================

* An **Events class** (a subclass of :class:`Events`) declares one method per event. The method's
  name is the event name, its signature is the listener signature, its docstring the event's
  documentation, its body ``...``. Defining the subclass registers every event name in a global
  ``name -> [Events subclass]`` table (``__init_subclass__``), which is how :func:`listen` finds
  the Events class for ``(target, "checkout")``.
* A **target class** declares ``dispatch = dispatcher(SomeEvents)``. ``dispatcher.__set_name__``
  adds the class to ``SomeEvents._dispatch_target``.
* ``Target.dispatch`` (class access) is the class-level :class:`_ClassDispatch`; listening on it
  reaches every instance of ``Target`` and its subclasses, including instances that already exist.
  ``target.dispatch`` (instance access) is a per-instance :class:`_InstanceDispatch`, made lazily
  on first access and cached on the instance (see :class:`dispatcher` for ``__slots__`` targets).
* ``target.dispatch.<event>`` is a :class:`_Listeners` tuple: falsy when empty (a C-level tuple
  length check, no Python call), iterable in order, and callable (calls every listener).

The hot-path contract is ``if self.dispatch.checkout: self.dispatch.checkout(a, b, c)``. To make
the empty check cost one attribute lookup plus one ``bool``, every effective listener tuple is
*precomputed* and pushed on change: class-level tuples are class attributes of a per-target-class
dispatch class, and an instance dispatch only stores an override in its ``__dict__`` when it has
its own listeners or a joined parent. Listening is rare and takes a lock; dispatching never does.

On CPython 3.11 both reads in that check take the slow, unspecialized attribute lookup: the
instance's ``dispatch`` shadows the class's non-data ``dispatcher`` and the tuples are class
attributes of the dispatch. The hottest paths (a pool checkout, a connection's BEGIN and COMMIT,
a statement's execution, a Session's transaction and flush) therefore test a module-global flag
first: ``if _EVENTS.checkout and self.dispatch.checkout:``, where ``_EVENTS = PoolEvents.live``
is the Events class's :class:`Live` object, whose per-event flags turn True with the first
``listen()`` for that event on any target and never turn back. A program that never listens
for an event pays two specialized reads for it.

Ordering: class-level listeners (in registration order across the class hierarchy) come first,
then instance-level listeners. ``insert=True`` puts a listener first within its level. A joined
dispatch (see :meth:`_InstanceDispatch._join`) lists the parent's listeners before its own.

Extending: how the ORM adds MapperEvents, SessionEvents, InstanceEvents, AttributeEvents
========================================================================================

1. Subclass :class:`Events` and declare the events as methods (signature + docstring, body
   ``...``). Nothing else is needed for the names to become valid for :func:`listen`.
2. Put ``dispatch = dispatcher(MapperEvents)`` on the target class (``Mapper``, ``Session``...).
   That fills ``MapperEvents._dispatch_target`` and makes the default ``_accept_with`` work.
3. Override ``_accept_with(cls, target)`` when users pass something that is not the dispatch
   target itself, returning the normalized target (a class or an instance carrying a
   dispatcher) or ``None``. For example ``SessionEvents`` maps a ``sessionmaker`` instance to
   the sessionmaker's session class (or to the sessionmaker's own dispatch holder), and
   ``InstanceEvents`` maps a mapped user class to its ``ClassManager``.
4. Override ``_listen(cls, event_key, fn, **kw)`` to wrap ``fn`` (``retval``, ``raw``,
   ``active_history``, ...) and then call ``super()._listen(event_key, fn, **kw)``, which
   applies ``once``/retval-passthrough and finally ``event_key.base_listen(fn, ...)``.
   ``propagate`` is stored on each listener entry (:attr:`_Entry.propagate`) so mapper and
   attribute events can copy propagating listeners to subclasses that are mapped later
   (``_ClassDispatch.entries(name)`` lists them).
5. Events whose listeners may return a replacement value declare them in
   ``_retval_passthrough``: ``{event_name: fn(*args) -> value meaning "unchanged"}``. Listeners
   registered with ``retval=False`` are wrapped to return that value, so the caller may always
   use the return value of each listener.
6. An object created from a parent that has listeners (a ``Session`` from a ``sessionmaker``, a
   ``Connection`` from an ``Engine``) joins the parent's dispatch:
   ``self.dispatch = type(self).dispatch._join(parent.dispatch)``. The joined dispatch is
   shared per (parent dispatch, child class) and cached on the parent, so joining is a dict
   lookup; listening on one child instance first gives it a private copy (copy-on-listen).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from sqlweave.core import exc

__all__ = ["Events", "dispatcher"]

_ET = TypeVar("_ET", bound="Events")

#: Global ``event name -> [Events subclass]`` table, filled by ``Events.__init_subclass__``.
_registrars: dict[str, list[type[Events]]] = {}

# One lock for every mutation of the registry. Dispatching reads immutable tuples and never
# takes it. Re-entrant because a listener may be added from inside _accept_with or a refresh.
_lock = threading.RLock()

# Listener order keys: normal listens count up; insert=True listens count down, so a later
# insert sorts before an earlier one (it goes "first", like list.insert(0, fn)).
_append_counter = itertools.count(1)
_insert_counter = itertools.count(-1, -1)


def _positional_names(fn: Callable[..., Any]) -> tuple[str, ...]:
    """Names of ``fn``'s positional parameters (for ``named=True`` listeners).

    Read from the code object: every Events subclass computes these when its class is created,
    i.e. at import time, where importing and running :mod:`inspect` would cost more than the rest
    of the event system.
    """
    code = getattr(fn, "__code__", None)
    if code is None or hasattr(fn, "__wrapped__"):  # not a plain function: ask inspect
        import inspect

        return tuple(
            p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
    return tuple(code.co_varnames[: code.co_argcount])


class _Listeners(tuple[Callable[..., Any], ...]):
    """The listeners for one event on one target.

    A tuple, so emptiness is a C-level length check and iteration is C-level; calling it calls
    every listener in order with the same arguments (return values are discarded).
    """

    __slots__ = ()

    def __call__(self, *args: Any, **kw: Any) -> None:
        for fn in self:
            fn(*args, **kw)

    def __repr__(self) -> str:
        return f"<listeners {list(self)!r}>"


_EMPTY = _Listeners()


class _Entry:
    """One registration: the user's function (identity for remove/contains) and what runs."""

    __slots__ = ("fn", "listen_fn", "order", "propagate")

    def __init__(self, fn: Callable[..., Any], listen_fn: Callable[..., Any], order: int,
                 propagate: bool) -> None:
        self.fn = fn
        self.listen_fn = listen_fn
        self.order = order
        self.propagate = propagate


def _sorted_fns(entries: list[_Entry]) -> tuple[Callable[..., Any], ...]:
    return tuple(e.listen_fn for e in sorted(entries, key=_order_key))


def _order_key(entry: _Entry) -> int:
    return entry.order


class Live:
    """Which events of one Events class were ever listened for, on any target: one attribute
    per event name (and ``_any``), False until the first ``listen()`` for it, True from then
    on. Hot paths keep the object in a module global and test ``LIVE.<event>`` before looking
    at a dispatch (a global and a slot: two specialized reads), so that an event nobody
    listens for costs nothing. (On CPython 3.11 an instance's ``dispatch``, which shadows the
    class's non-data ``dispatcher``, and the listener tuples, class attributes of the dispatch,
    are both read the slow, unspecialized way.)"""

    __slots__ = ("_any",)

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, False)
        self._any = False

    if TYPE_CHECKING:
        # For type checkers only: one bool per event name (slots of the generated subclass).
        def __getattr__(self, name: str) -> bool: ...

    @classmethod
    def for_events(cls, events: type[Events]) -> Live:
        """A Live with one flag per event of ``events``."""
        return type(f"{events.__name__}Live", (cls,), {"__slots__": events._event_names})()


class Events:
    """Base class of every event declaration class (``PoolEvents``, ``ConnectionEvents``...).

    Subclasses declare events as methods; see the module docstring for the extension recipe.
    """

    #: Classes that declared ``dispatch = dispatcher(ThisEvents)``; filled by ``__set_name__``.
    _dispatch_target: ClassVar[tuple[type, ...]] = ()
    #: Event names declared by this class (and its Events superclasses).
    _event_names: ClassVar[tuple[str, ...]] = ()
    #: Listener parameter names per event, introspected once for ``named=True``.
    _arg_names: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: ``event -> fn(*args)`` giving the "unchanged" return value of a retval-capable event.
    _retval_passthrough: ClassVar[dict[str, Callable[..., Any]]] = {}
    #: Class-level dispatch per target class (weak: test-local subclasses may go away).
    _class_dispatches: ClassVar[weakref.WeakKeyDictionary[type, _ClassDispatch]]
    #: Attribute name of the dispatcher on each declaring target class.
    _dispatch_attrs: ClassVar[dict[type, str]]
    #: Name under which a target class caches its _ClassDispatch for this Events class.
    _cd_attr: ClassVar[str]
    #: Which of this class's events were ever listened for (see :class:`Live`).
    live: ClassVar[Live]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        names: dict[str, None] = {}
        arg_names: dict[str, tuple[str, ...]] = {}
        for klass in reversed(cls.__mro__):
            if not (isinstance(klass, type) and issubclass(klass, Events)):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or not callable(value):
                    continue
                names[name] = None
                arg_names[name] = _positional_names(value)[1:]  # drop self
        cls._event_names = tuple(names)
        cls._arg_names = arg_names
        cls._dispatch_target = ()
        cls._class_dispatches = weakref.WeakKeyDictionary()
        cls._dispatch_attrs = {}
        cls._cd_attr = f"_sw_dispatch_{cls.__name__}_{id(cls):x}"
        cls.live = Live.for_events(cls)
        with _lock:
            for name in names:
                _registrars.setdefault(name, []).append(cls)

    # -- hooks for subclasses ------------------------------------------------------------------

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        """Return the normalized target this Events class handles for ``target``, or None.

        Default: accept ``target`` itself when it is an instance or a subclass of one of the
        classes in ``_dispatch_target``.
        """
        targets = cls._dispatch_target
        if not targets:
            return None
        if isinstance(target, type):
            return target if issubclass(target, targets) else None
        return target if isinstance(target, targets) else None

    @classmethod
    def _listen(cls, event_key: _EventKey, fn: Callable[..., Any], *, retval: bool = False,
                once: bool = False, propagate: bool = False, insert: bool = False,
                **kw: Any) -> None:
        """Install ``fn`` (already wrapped for ``named``) for ``event_key``.

        Subclasses wrap ``fn`` and call ``super()._listen``. Here: listeners of events in
        ``_retval_passthrough`` registered without ``retval=True`` are wrapped to return the
        "unchanged" value, and ``once=True`` listeners are wrapped to run a single time.
        """
        passthrough = cls._retval_passthrough.get(event_key.identifier)
        if passthrough is not None and not retval:
            fn = _returning_args(fn, passthrough)
        if once:
            fn = _only_once(fn, passthrough)
        event_key.base_listen(fn, propagate=propagate, insert=insert)

    @classmethod
    def _dispatch_for(cls, target: Any, modify: bool = False
                      ) -> _ClassDispatch | _InstanceDispatch:
        """The dispatch object owning listeners for a normalized ``target``.

        With ``modify``, an instance holding a shared joined dispatch first gets its own copy,
        so a listener added to one Connection does not reach its siblings.
        """
        if isinstance(target, type):
            return _class_dispatch_for(cls, target)
        for klass in type(target).__mro__:
            attr = cls._dispatch_attrs.get(klass)
            if attr is not None:
                d: _InstanceDispatch = getattr(target, attr)
                if modify and d._shared:
                    d = d._unshare()
                    od = getattr(target, "__dict__", None)
                    if od is not None:
                        od[attr] = d
                    else:
                        target._dispatch_instance = d
                return d
        raise exc.InvalidRequestError(
            f"{target!r} accepted by {cls.__name__} but has no dispatcher for it"
        )


# -- listener wrappers -----------------------------------------------------------------------


def _returning_args(fn: Callable[..., Any], passthrough: Callable[..., Any]) -> Callable[..., Any]:
    def wrap(*args: Any, **kw: Any) -> Any:
        fn(*args, **kw)
        return passthrough(*args, **kw)

    wrap.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrap


def _only_once(fn: Callable[..., Any], passthrough: Callable[..., Any] | None
               ) -> Callable[..., Any]:
    fired = False
    mutex = threading.Lock()

    def wrap(*args: Any, **kw: Any) -> Any:
        nonlocal fired
        # The lock makes "once" hold under concurrent dispatch; it is only taken by this one
        # listener, never by the dispatch loop.
        with mutex:
            if fired:
                return passthrough(*args, **kw) if passthrough is not None else None
            fired = True
        return fn(*args, **kw)

    wrap.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrap


def _named(fn: Callable[..., Any], arg_names: tuple[str, ...]) -> Callable[..., Any]:
    def wrap(*args: Any, **kw: Any) -> Any:
        kw.update(zip(arg_names, args, strict=False))  # trailing args may come as keywords
        return fn(**kw)

    wrap.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrap


# -- dispatch objects ------------------------------------------------------------------------


class _InstanceDispatch:
    """Per-instance dispatch; one generated subclass per (Events class, target class).

    The generated subclass carries the class-level listener tuples as class attributes; an
    instance stores an override in its ``__dict__`` only for events where it has its own
    listeners or a joined parent with listeners, so the common case is a plain attribute read.
    """

    # No __getattr__ here on purpose: defining one routes every attribute read through a
    # slower slot wrapper, and event reads are the hot path.
    __slots__ = ("__dict__", "__weakref__", "_cd", "_parent", "_own", "_children", "_joined",
                 "_shared")

    _cd: _ClassDispatch
    _parent: _InstanceDispatch | None
    _own: dict[str, list[_Entry]] | None
    _children: weakref.WeakSet[_InstanceDispatch] | None
    #: Shared joined dispatches made from this one as a parent, per child target class.
    _joined: dict[_ClassDispatch, _InstanceDispatch] | None
    #: True for a shared joined dispatch (see _ClassDispatch._join); copied on first listen.
    _shared: bool
    #: Event names that have at least one effective listener (overridden per instance).
    _nonempty: frozenset[str] = frozenset()

    def __init__(self, cd: _ClassDispatch, parent: _InstanceDispatch | None = None) -> None:
        self._cd = cd
        self._parent = None
        self._own = None
        self._children = None
        self._joined = None
        self._shared = False
        if parent is not None:
            self._set_parent(parent)

    def __bool__(self) -> bool:
        return bool(self._nonempty)

    if TYPE_CHECKING:
        # For type checkers only: event attributes are listener tuples. At runtime there is no
        # __getattr__ (see __slots__ above), so unknown names raise a plain AttributeError.
        def __getattr__(self, name: str) -> _Listeners: ...

    def _set_parent(self, parent: _InstanceDispatch) -> None:
        with _lock:
            self._parent = parent
            if parent._children is None:
                parent._children = weakref.WeakSet()
            parent._children.add(self)
            # Both depend on their class-level tuples now: a class-level listen must reach the
            # parent (to push to its children) and the child (which may hold overrides).
            parent._cd.overridden.add(parent)
            self._cd.overridden.add(self)
            # Only events where the parent actually has listeners need an override now; a
            # later listen on the parent pushes a refresh through parent._children.
            if parent._nonempty:
                self._refresh(parent._nonempty)

    def _join(self, parent: _InstanceDispatch) -> _InstanceDispatch:
        """Return a dispatch for the same target class that also sees ``parent``'s listeners
        (parent's first). Listeners added to ``parent`` later are seen too.

        Without own listeners this is the shared joined dispatch of
        :meth:`_ClassDispatch._join`; with them, a new dispatch carrying copies of them.
        """
        if not self._own:
            return self._cd._join(parent)
        new = type(self)(self._cd)
        if self._own:
            new._own = {k: list(v) for k, v in self._own.items()}
            self._cd.overridden.add(new)
            new._refresh(new._own)
        new._set_parent(parent)
        return new

    def _unshare(self) -> _InstanceDispatch:
        """A private copy of a shared joined dispatch, for a target about to get its own
        listeners."""
        return type(self)(self._cd, self._parent)

    def _update(self, other: _InstanceDispatch) -> None:
        """Copy ``other``'s own instance-level listeners into this dispatch (pool recreate)."""
        if not other._own:
            return
        with _lock:
            own = self._own if self._own is not None else {}
            for name, entries in other._own.items():
                own.setdefault(name, []).extend(entries)
            self._own = own
            self._cd.overridden.add(self)
            self._refresh(other._own)

    def _refresh(self, names: Any) -> None:
        """Recompute the effective tuples for ``names`` and push to joined children."""
        cls = type(self)
        d = self.__dict__
        nonempty = set(self._nonempty)
        for name in names:
            parent_fns: tuple[Any, ...] = (
                getattr(self._parent, name) if self._parent is not None else ()
            )
            own = self._own.get(name) if self._own else None
            if not parent_fns and not own:
                d.pop(name, None)
                value: tuple[Any, ...] = getattr(cls, name)
            else:
                value = _Listeners(
                    parent_fns + getattr(cls, name) + (_sorted_fns(own) if own else ())
                )
                d[name] = value
            if value:
                nonempty.add(name)
            else:
                nonempty.discard(name)
        d["_nonempty"] = frozenset(nonempty)
        if self._children:
            for child in list(self._children):
                child._refresh(names)

    def _entries(self, name: str) -> list[_Entry]:
        if self._own is None:
            self._own = {}
        return self._own.setdefault(name, [])

    def _add(self, name: str, entry: _Entry) -> None:
        with _lock:
            self._entries(name).append(entry)
            self._cd.overridden.add(self)
            self._refresh((name,))

    def _remove(self, name: str, fn: Callable[..., Any]) -> bool:
        with _lock:
            entries = self._own.get(name) if self._own else None
            if not entries:
                return False
            kept = [e for e in entries if e.fn is not fn]
            if len(kept) == len(entries):
                return False
            entries[:] = kept
            self._refresh((name,))
            return True

    def _contains(self, name: str, fn: Callable[..., Any]) -> bool:
        entries = self._own.get(name) if self._own else None
        return bool(entries) and any(e.fn is fn for e in entries)  # type: ignore[union-attr]


class _ClassDispatch:
    """Class-level dispatch for one (Events class, target class).

    Holds the listeners registered on that class and computes, for the class and every known
    subclass, the effective class-level tuples stored on the generated instance-dispatch class.
    """

    __slots__ = ("events", "target", "own", "inst_cls", "overridden", "__weakref__")

    def __init__(self, events: type[Events], target: type) -> None:
        self.events = events
        self.target = target
        self.own: dict[str, list[_Entry]] = {}
        self.inst_cls: type[_InstanceDispatch] = type(
            f"{target.__name__}{events.__name__}Dispatch", (_InstanceDispatch,),
            {"__slots__": (), **{name: _EMPTY for name in events._event_names}},
        )
        #: Instance dispatches that store overrides and so need a push on class-level change.
        self.overridden: weakref.WeakSet[_InstanceDispatch] = weakref.WeakSet()

    def __getattr__(self, name: str) -> Any:
        # Class-level ``Target.dispatch.checkout`` reads the effective class-level tuple.
        try:
            return getattr(self.inst_cls, name)
        except AttributeError:
            raise AttributeError(
                f"{self.events.__name__} has no event {name!r}; "
                f"valid events: {', '.join(sorted(self.events._event_names))}"
            ) from None

    def __bool__(self) -> bool:
        return bool(self.inst_cls._nonempty)

    def _new_instance(self) -> _InstanceDispatch:
        return self.inst_cls(self)

    def _join(self, parent: _InstanceDispatch) -> _InstanceDispatch:
        """An instance dispatch for this target class that sees ``parent``'s listeners first,
        then this class's, then its own.

        The result is shared by every caller joining the same parent (one per parent and
        child class, cached on the parent), so joining costs a dict lookup: this runs for
        every ``Connection`` an ``Engine`` makes. Listening on an instance that holds a shared
        dispatch first gives that instance a private copy (see ``Events._dispatch_for``).
        """
        joined = parent._joined
        if joined is not None:
            d = joined.get(self)
            if d is not None:
                return d
        with _lock:
            if parent._joined is None:
                parent._joined = {}
            d = parent._joined.get(self)
            if d is None:
                d = self.inst_cls(self, parent)
                d._shared = True
                parent._joined[self] = d
        return d

    def entries(self, name: str) -> list[_Entry]:
        """The registrations made directly on this class for ``name`` (read-only use)."""
        return list(self.own.get(name, ()))

    def _recompute(self, names: Any) -> None:
        """Recompute class-level tuples for ``names`` from this class's MRO."""
        chain = [
            cd for cd in (self.events._class_dispatches.get(k) for k in self.target.__mro__)
            if cd is not None
        ]
        nonempty = set(self.inst_cls._nonempty)
        for name in names:
            entries: list[_Entry] = []
            for cd in chain:
                entries.extend(cd.own.get(name, ()))
            value = _Listeners(_sorted_fns(entries)) if entries else _EMPTY
            setattr(self.inst_cls, name, value)
            if value:
                nonempty.add(name)
            else:
                nonempty.discard(name)
        self.inst_cls._nonempty = frozenset(nonempty)
        for inst in list(self.overridden):
            inst._refresh(names)

    def _affected(self) -> list[_ClassDispatch]:
        return [
            cd for klass, cd in list(self.events._class_dispatches.items())
            if issubclass(klass, self.target)
        ]

    def _add(self, name: str, entry: _Entry) -> None:
        with _lock:
            self.own.setdefault(name, []).append(entry)
            for cd in self._affected():
                cd._recompute((name,))

    def _remove(self, name: str, fn: Callable[..., Any]) -> bool:
        with _lock:
            entries = self.own.get(name)
            if not entries:
                return False
            kept = [e for e in entries if e.fn is not fn]
            if len(kept) == len(entries):
                return False
            entries[:] = kept
            for cd in self._affected():
                cd._recompute((name,))
            return True

    def _contains(self, name: str, fn: Callable[..., Any]) -> bool:
        return any(e.fn is fn for e in self.own.get(name, ()))


def _class_dispatch_for(events: type[Events], cls: type) -> _ClassDispatch:
    # Fast path: cached in the class's own __dict__ (a mappingproxy read, much cheaper than
    # the WeakKeyDictionary); must not be inherited, hence vars() rather than getattr().
    key = events._cd_attr
    cd: _ClassDispatch | None = vars(cls).get(key)
    if cd is None:
        with _lock:
            cd = events._class_dispatches.get(cls)
            if cd is None:
                cd = _ClassDispatch(events, cls)
                events._class_dispatches[cls] = cd
                try:
                    setattr(cls, key, cd)
                except TypeError:  # pragma: no cover - immutable (builtin) target class
                    pass
                # Pick up listeners already registered on base classes.
                cd._recompute(events._event_names)
    return cd


class dispatcher(Generic[_ET]):  # noqa: N801 - SQLAlchemy's name
    """Descriptor giving a target class its ``dispatch`` attribute.

    ``Target.dispatch`` is the class-level dispatch; ``target.dispatch`` is the per-instance
    dispatch, created on first access. Where the instance has a ``__dict__`` the dispatch is
    cached there under the descriptor's name, so later reads skip this descriptor entirely
    (this is a non-data descriptor) and cost one dict lookup. Classes using ``__slots__`` must
    declare a slot named ``_dispatch_instance``; the descriptor stores the dispatch there (reads
    then cost one Python-level ``__get__`` call, so hot-path classes should keep a ``__dict__``).

    To give an instance a dispatch joined to a parent's (see :meth:`_InstanceDispatch._join`),
    assign it before first use: ``self.dispatch = type(self).dispatch._join(parent.dispatch)``
    (``self._dispatch_instance = ...`` for slotted classes).
    """

    def __init__(self, events: type[_ET]) -> None:
        self.events = events
        self.name = "dispatch"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        events = self.events
        with _lock:
            if owner not in events._dispatch_target:
                events._dispatch_target = (*events._dispatch_target, owner)
            events._dispatch_attrs[owner] = name

    @overload
    def __get__(self, obj: None, owner: type) -> _ClassDispatch: ...

    @overload
    def __get__(self, obj: object, owner: type) -> _InstanceDispatch: ...

    def __get__(self, obj: object | None, owner: type) -> _ClassDispatch | _InstanceDispatch:
        if obj is None:
            cd: _ClassDispatch | None = vars(owner).get(self.events._cd_attr)
            return cd if cd is not None else _class_dispatch_for(self.events, owner)
        d: _InstanceDispatch | None = getattr(obj, "_dispatch_instance", None)
        if d is not None:
            return d
        d = _class_dispatch_for(self.events, type(obj))._new_instance()
        try:
            # an attribute store, not ``obj.__dict__[name] = d``: reading ``__dict__`` would
            # turn the instance's inline attribute values into a real dict, and CPython 3.11
            # then looks up every other attribute of that object (an engine, a pool) the slow
            # way; this descriptor has no __set__, so the store lands in the instance
            object.__setattr__(obj, self.name, d)
        except AttributeError:  # no __dict__: a slotted class
            try:
                obj._dispatch_instance = d  # type: ignore[attr-defined]
            except AttributeError:
                raise TypeError(
                    f"{type(obj).__name__} uses __slots__ and must declare a "
                    f"'_dispatch_instance' slot to carry a per-instance event dispatch"
                ) from None
        return d


# -- the event key ---------------------------------------------------------------------------


class _EventKey:
    """A (normalized target, identifier, user function) triple being listened or removed."""

    __slots__ = ("target", "identifier", "fn", "events", "dispatch_target")

    def __init__(self, target: Any, identifier: str, fn: Callable[..., Any],
                 events: type[Events], dispatch_target: Any) -> None:
        self.target = target
        self.identifier = identifier
        self.fn = fn
        self.events = events
        self.dispatch_target = dispatch_target

    def base_listen(self, listen_fn: Callable[..., Any], *, propagate: bool = False,
                    insert: bool = False) -> None:
        """Register ``listen_fn`` (the possibly wrapped ``self.fn``) on the target."""
        order = next(_insert_counter) if insert else next(_append_counter)
        entry = _Entry(self.fn, listen_fn, order, propagate)
        live = self.events.live  # set before the listener is reachable: hot paths look from now on
        live._any = True
        setattr(live, self.identifier, True)
        self.events._dispatch_for(self.dispatch_target, modify=True)._add(self.identifier, entry)


def _event_key(target: Any, identifier: str, fn: Callable[..., Any]) -> _EventKey:
    for events in _registrars.get(identifier, ()):
        normalized = events._accept_with(target)
        if normalized is not None:
            return _EventKey(target, identifier, fn, events, normalized)
    valid = sorted({
        name
        for regs in list(_registrars.values()) for events in regs
        if events._accept_with(target) is not None
        for name in events._event_names
    })
    what = target.__name__ if isinstance(target, type) else type(target).__name__
    if valid:
        raise exc.InvalidRequestError(
            f"No such event {identifier!r} for target {target!r}; "
            f"valid events for {what}: {', '.join(valid)}"
        )
    raise exc.InvalidRequestError(
        f"No event support for target {target!r} (event {identifier!r}); {what} declares no "
        f"dispatcher and no Events class accepts it"
    )
