"""ORM event declarations: :class:`MapperEvents`, :class:`InstanceEvents`, :class:`SessionEvents`,
:class:`AttributeEvents`, and the :func:`validates` decorator built on attribute events.

Re-export plan (for ``sqlweave.orm.__init__``): ``validates`` from here; the Events classes are
reachable as ``sqlweave.orm.events.MapperEvents`` etc. (SQLAlchemy exposes them the same way).
Users listen through the one Core entry point: ``from sqlweave.core import event``.

How the ORM fires them (the contract for mapper.py / session.py / unitofwork.py / attributes.py)
================================================================================================

Every firing point is ``if <dispatch>.<event>: <dispatch>.<event>(args...)``: one attribute read
and one ``bool`` of a tuple when nobody listens.

* ``mapper.dispatch`` -- MapperEvents listeners that apply to this mapper (the class-level
  dispatch of ``mapper.class_`` seen through a per-mapper instance dispatch, created on first
  access by :class:`_MapperDispatcher`, which ``Mapper`` declares as ``dispatch``).
* ``mapper.class_dispatch`` -- InstanceEvents listeners for instances of this mapper's class.
* ``session.dispatch`` -- SessionEvents (``Session`` declares ``dispatch = dispatcher(SessionEvents)``).
* ``attr.dispatch`` -- AttributeEvents on one instrumented attribute (``User.name``); the
  retval-capable events (``set``, ``append``, ``init_scalar``) are fired through
  :func:`fire_set` / :func:`fire_append` / :func:`fire_init_scalar`, which thread the value.

Targets: how a ``listen()`` target is normalized
=================================================

Mapper and instance listeners are stored as *class-level* listeners on the user's class, so
``listen(User, ...)`` works before ``User`` is mapped, after it, and on a declarative base whose
subclasses are mapped later. Class-level listeners reach subclasses through the MRO; listeners
registered without ``propagate=True`` are wrapped to fire only for the exact class (SQLAlchemy
semantics). A ``Mapper`` instance normalizes to its class; the ``Mapper`` class itself means "all
mappers" and normalizes to ``object`` (the root of every MRO).
A ``sessionmaker`` normalizes to a ``Session`` subclass made for it (its ``class_`` is swapped
for that subclass on first listen), so its sessions and only those see the listeners.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlweave.core.event.base import (
    Events,
    _class_dispatch_for,
    _EventKey,
    _InstanceDispatch,
    dispatcher,
)

__all__ = [
    "AttributeEventToken",
    "AttributeEvents",
    "ORMExecuteState",
    "InstanceEvents",
    "MapperEvents",
    "SessionEvents",
    "validates",
]

# Marker attribute of classes already holding class-level listeners for an Events class.
_MAPPER_ATTR = "_sw_mapper"
_STATE_ATTR = "_sw_instance_state"


def _is_mapper(obj: Any) -> bool:
    return hasattr(obj, "class_") and hasattr(obj, "local_table") and hasattr(obj, "_props")


def _is_mapper_class(obj: Any) -> bool:
    return isinstance(obj, type) and obj.__name__ == "Mapper" and hasattr(obj, "_instrument")


def _exact_class(fn: Callable[..., Any], cls: type, classof: Callable[[Any], Any],
                 passthrough: Callable[..., Any] | None) -> Callable[..., Any]:
    """Wrap ``fn`` so it runs only when the event's subject is exactly ``cls``."""

    def wrap(*args: Any, **kw: Any) -> Any:
        if args and classof(args[0]) is not cls:
            return passthrough(*args, **kw) if passthrough is not None else None
        return fn(*args, **kw)

    wrap.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrap


class _ClassTargetEvents(Events):
    """Shared target handling of MapperEvents and InstanceEvents (listeners on user classes)."""

    #: how to get the class an event is about from the first listener argument
    @staticmethod
    def _classof(arg: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        if cls is _ClassTargetEvents:
            return None
        if _is_mapper_class(target):
            return object  # every mapper
        if _is_mapper(target):
            return target.class_
        if isinstance(target, type) and target is not object:
            # a class that carries some other dispatcher (Engine, Session...) is not a mapped
            # class; any other class may be mapped now or later
            if "dispatch" in dir(target) and getattr(target, _MAPPER_ATTR, None) is None:
                return None
            return target
        return None

    @classmethod
    def _listen(cls, event_key: _EventKey, fn: Callable[..., Any], *, retval: bool = False,
                once: bool = False, propagate: bool = False, insert: bool = False,
                raw: bool = False, **kw: Any) -> None:
        kw.pop("named", None)
        kw.pop("restore_load_context", None)
        target = event_key.dispatch_target
        if not propagate and target is not object and event_key.identifier not in (
                "before_configured", "after_configured", "before_mapper_configured"):
            # without propagate=True a listener is for the target class only, not subclasses
            fn = _exact_class(fn, target, cls._classof,
                              cls._retval_passthrough.get(event_key.identifier))
        super()._listen(event_key, fn, retval=retval, once=once, propagate=propagate,
                        insert=insert, **kw)
        cls._after_listen(event_key)

    @classmethod
    def _after_listen(cls, event_key: _EventKey) -> None:
        pass

    @classmethod
    def _dispatch_for(cls, target: Any, modify: bool = False) -> Any:
        return _class_dispatch_for(cls, target)


# ---------------------------------------------------------------------------------------------
# mapper events
# ---------------------------------------------------------------------------------------------


class MapperEvents(_ClassTargetEvents):
    """Events of a mapper: flush-time persistence of its rows, and configuration.

    Targets: a mapped class, a class not mapped yet (a declarative base with ``propagate=True``
    reaches every mapped subclass), a :class:`~sqlweave.orm.Mapper`, or the ``Mapper`` class for
    all mappers. ``before_insert``/``before_update`` listeners may change the target's column
    attributes; the same flush writes the change.
    """

    @staticmethod
    def _classof(arg: Any) -> Any:
        return getattr(arg, "class_", None)

    def before_insert(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the INSERT of ``target``'s row(s) in a flush."""

    def after_insert(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the INSERT of ``target``; primary key and server defaults are known."""

    def before_update(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the UPDATE of ``target`` (fires for every modified object, even when no
        column changed, as in SQLAlchemy)."""

    def after_update(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the UPDATE of ``target``."""

    def before_delete(self, mapper: Any, connection: Any, target: Any) -> None:
        """Before the DELETE of ``target``'s row."""

    def after_delete(self, mapper: Any, connection: Any, target: Any) -> None:
        """After the DELETE of ``target``'s row."""

    def mapper_configured(self, mapper: Any, class_: type) -> None:
        """After ``configure_mappers()`` configured ``mapper`` (relationships resolved)."""

    def before_mapper_configured(self, mapper: Any, class_: type) -> None:
        """Before ``configure_mappers()`` configures ``mapper``."""

    def before_configured(self) -> None:
        """Before a ``configure_mappers()`` run that has new mappers to configure."""

    def after_configured(self) -> None:
        """After such a ``configure_mappers()`` run finished."""

    def instrument_class(self, mapper: Any, class_: type) -> None:
        """When ``class_`` is first instrumented by its mapper (fires for listeners registered
        before mapping)."""


class _MapperDispatcher:
    """``Mapper.dispatch`` / ``Mapper.class_dispatch``: per-mapper dispatch of the class-level
    listeners of ``mapper.class_`` (and its MRO), cached on the mapper after first access."""

    def __init__(self, events: type[Events]) -> None:
        self.events = events
        self.name = "dispatch"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, mapper: Any, owner: Any = None) -> Any:
        if mapper is None:
            return _class_dispatch_for(self.events, object)
        d = _class_dispatch_for(self.events, mapper.class_)._new_instance()
        mapper.__dict__[self.name] = d
        return d


# ---------------------------------------------------------------------------------------------
# instance events
# ---------------------------------------------------------------------------------------------


class InstanceEvents(_ClassTargetEvents):
    """Events of mapped instances: construction, load, refresh, expiry.

    Targets as for :class:`MapperEvents`; the first listener argument is the instance.
    """

    @staticmethod
    def _classof(arg: Any) -> Any:
        return type(arg)

    @classmethod
    def _after_listen(cls, event_key: _EventKey) -> None:
        if event_key.identifier in ("init", "init_failure"):
            _instrument_init(event_key.dispatch_target)

    def init(self, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The constructor was called, before its body runs (``kwargs`` may be changed)."""

    def init_failure(self, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The constructor raised; the exception propagates after the listeners ran."""

    def load(self, target: Any, context: Any) -> None:
        """``target`` was created from a row (first load into the identity map)."""

    def refresh(self, target: Any, context: Any, attrs: Any) -> None:
        """Attributes of ``target`` were reloaded (``refresh()``, expired-attribute load,
        ``populate_existing``); ``attrs`` names them (None: all)."""

    def expire(self, target: Any, attrs: Any) -> None:
        """Attributes of ``target`` were expired (``attrs`` None: all of them)."""


#: classes whose ``__init__`` was wrapped to fire init events (class -> original __init__)
_wrapped_inits: dict[type, Any] = {}


def _instrument_init(cls: type) -> None:
    """Wrap ``__init__`` of ``cls`` (``object``: of every mapped class, now and later) so that
    ``init``/``init_failure`` fire. Done only once someone listens: no cost otherwise."""
    if cls is object:
        global _all_inits
        _all_inits = True
        from sqlweave.orm.mapper import _all_mappers

        for m in list(_all_mappers):
            _wrap_init(m.class_)
        return
    _wrap_init(cls)
    for sub in _subclasses(cls):
        _wrap_init(sub)


_all_inits = False


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    stack: list[type] = list(cls.__subclasses__())
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.__subclasses__())
    return out


def _wrap_init(cls: type) -> None:
    # Unmapped classes are wrapped when mapped (_new_mapper): the mapper must still see the
    # class's own __init__ (it installs the keyword constructor in place of object.__init__).
    if cls in _wrapped_inits or not isinstance(cls, type) or _MAPPER_ATTR not in cls.__dict__:
        return
    original = cls.__init__  # type: ignore[misc]
    if "__init__" not in cls.__dict__ and getattr(original, "_sw_init_wrapper", False):
        return  # the inherited wrapper already fires for this class
    _wrapped_inits[cls] = original

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        # Only the wrapper nearest to type(self) fires: a subclass __init__ calling
        # super().__init__() must not fire init twice.
        owner = next((c for c in type(self).__mro__ if c in _wrapped_inits), None)
        if owner is not cls:
            original(self, *args, **kwargs)
            return
        mapper = getattr(type(self), _MAPPER_ATTR, None)
        disp = mapper.class_dispatch if mapper is not None else None
        if disp is not None and disp.init:
            if _STATE_ATTR not in self.__dict__ and mapper is not None:
                mapper._new_state(self)
            disp.init(self, args, kwargs)
        try:
            original(self, *args, **kwargs)
        except BaseException:
            if disp is not None and disp.init_failure:
                disp.init_failure(self, args, kwargs)
            raise

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    __init__._sw_init_wrapper = True  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = getattr(original, "__doc__", None)
    cls.__init__ = __init__  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# session events
# ---------------------------------------------------------------------------------------------


class SessionEvents(Events):
    """Events of a Session: flush, transaction lifecycle, object state transitions, execute.

    Targets: a ``Session`` instance, a ``sessionmaker`` (sessions it makes), the ``Session``
    class or a subclass (every session of that class).
    """

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        maker_cls = getattr(target, "class_", None)
        if not isinstance(target, type) and isinstance(maker_cls, type) \
                and cls._is_session_class(maker_cls) and callable(target):
            # a sessionmaker: listeners go on a Session subclass made for this maker
            sub = target.__dict__.get("_sw_events_class")
            if sub is None:
                sub = type(maker_cls.__name__, (maker_cls,), {"__module__": maker_cls.__module__})
                target.__dict__["_sw_events_class"] = sub
                target.class_ = sub
            return sub
        return super()._accept_with(target)

    @classmethod
    def _is_session_class(cls, klass: type) -> bool:
        return any(issubclass(klass, t) for t in cls._dispatch_target)

    @classmethod
    def _listen(cls, event_key: _EventKey, fn: Callable[..., Any], *, retval: bool = False,
                once: bool = False, propagate: bool = False, insert: bool = False,
                raw: bool = False, restore_load_context: bool = False, **kw: Any) -> None:
        kw.pop("named", None)
        super()._listen(event_key, fn, retval=retval, once=once, propagate=propagate,
                        insert=insert, **kw)

    def before_flush(self, session: Any, flush_context: Any, instances: Any) -> None:
        """Before a flush computes its work; the listener may add, change or delete objects,
        which this flush then handles."""

    def after_flush(self, session: Any, flush_context: Any) -> None:
        """After the flush's SQL ran, before the flush's bookkeeping finished (difference from
        SQLAlchemy: inserted objects have already left ``session.new`` here; the flush
        context's ``inserted``/``updated`` lists name them)."""

    def after_flush_postexec(self, session: Any, flush_context: Any) -> None:
        """After the flush finished and object states were updated."""

    def before_commit(self, session: Any) -> None:
        """Before the commit, before the final flush."""

    def after_commit(self, session: Any) -> None:
        """After the database COMMIT (no SQL may be emitted on this session's connection)."""

    def after_rollback(self, session: Any) -> None:
        """After the database ROLLBACK of the root or a nested transaction."""

    def after_soft_rollback(self, session: Any, previous_transaction: Any) -> None:
        """After ``Session.rollback()``, whether or not a database rollback happened."""

    def after_begin(self, session: Any, transaction: Any, connection: Any) -> None:
        """A transaction began on ``connection`` for this session."""

    def after_transaction_create(self, session: Any, transaction: Any) -> None:
        """A SessionTransaction (root or nested) was created."""

    def after_transaction_end(self, session: Any, transaction: Any) -> None:
        """A SessionTransaction ended (committed or rolled back)."""

    def after_attach(self, session: Any, instance: Any) -> None:
        """``instance`` was attached to the session (``add()``, cascade, load)."""

    def before_attach(self, session: Any, instance: Any) -> None:
        """``instance`` is about to be attached to the session."""

    def transient_to_pending(self, session: Any, instance: Any) -> None:
        """A transient object became pending (``add()``)."""

    def pending_to_persistent(self, session: Any, instance: Any) -> None:
        """A pending object was inserted by a flush."""

    def pending_to_transient(self, session: Any, instance: Any) -> None:
        """A pending object was expunged, or its INSERT was rolled back."""

    def persistent_to_deleted(self, session: Any, instance: Any) -> None:
        """A persistent object's DELETE was flushed."""

    def deleted_to_detached(self, session: Any, instance: Any) -> None:
        """A deleted object left the session (commit, expunge)."""

    def deleted_to_persistent(self, session: Any, instance: Any) -> None:
        """A deleted object came back (rollback)."""

    def persistent_to_detached(self, session: Any, instance: Any) -> None:
        """A persistent object left the session (``expunge()``, ``close()``)."""

    def detached_to_persistent(self, session: Any, instance: Any) -> None:
        """A detached object was attached again (``add()``)."""

    def loaded_as_persistent(self, session: Any, instance: Any) -> None:
        """An object was loaded from a row into the identity map."""

    def persistent_to_transient(self, session: Any, instance: Any) -> None:
        """A persistent object was made transient (``make_transient()``)."""

    def do_orm_execute(self, orm_execute_state: Any) -> Any:
        """An ORM statement is about to run through ``Session.execute()``.

        ``orm_execute_state`` carries ``statement`` (assignable), ``parameters``,
        ``execution_options``, ``is_select``... and ``invoke_statement()``; a listener returning
        a Result replaces the execution (the first non-None result wins).
        """


class ORMExecuteState:
    """What a ``do_orm_execute`` listener receives: the statement about to run, and how to run it.

    ``statement``, ``parameters`` and ``execution_options`` may be replaced by listeners (later
    listeners and the final execution see the change). ``invoke_statement()`` runs the
    statement now (the listeners after the current one still run) and returns its Result,
    which a listener may return, possibly transformed, to replace the execution.
    """

    def __init__(self, session: Any, statement: Any, parameters: Any,
                 execution_options: Any, bind_arguments: Any, listeners: tuple[Any, ...]) -> None:
        self.session = session
        self.statement = statement
        self.parameters = parameters
        self.execution_options = dict(execution_options or {})
        self.local_execution_options = dict(execution_options or {})
        self.bind_arguments = dict(bind_arguments or {})
        self._listeners = listeners
        self._idx = 0

    @property
    def is_select(self) -> bool:
        """True for a SELECT."""
        return bool(getattr(self.statement, "_is_select_statement", False))

    @property
    def is_orm_statement(self) -> bool:
        """True when the statement involves mapped entities."""
        attrs = getattr(self.statement, "_propagate_attrs", None)
        return bool(attrs and "compile_state_plugin" in attrs)

    @property
    def is_insert(self) -> bool:
        return getattr(self.statement, "__visit_name__", None) == "insert"

    @property
    def is_update(self) -> bool:
        return getattr(self.statement, "__visit_name__", None) == "update"

    @property
    def is_delete(self) -> bool:
        return getattr(self.statement, "__visit_name__", None) == "delete"

    @property
    def is_column_load(self) -> bool:
        """True when attributes of an existing object are being (re)loaded."""
        return bool(self.execution_options.get("_sw_column_load"))

    @property
    def is_relationship_load(self) -> bool:
        """True for a lazy or eager relationship load."""
        return bool(self.execution_options.get("_sw_relationship_load"))

    @property
    def all_mappers(self) -> list[Any]:
        """Mappers of the entities the statement selects (for ``select(User, Address)``: both)."""
        out: list[Any] = []
        stmt = self.statement
        for col in getattr(stmt, "_entities", None) or getattr(stmt, "_raw_columns", ()) or ():
            m = getattr(col, _MAPPER_ATTR, None) if isinstance(col, type) else None
            if m is None:
                m = getattr(getattr(col, "class_", None), _MAPPER_ATTR, None)
            if m is not None and m not in out:
                out.append(m)
        subject = (getattr(stmt, "_propagate_attrs", None) or {}).get("plugin_subject")
        if subject is not None and hasattr(subject, "class_") and subject not in out:
            out.append(subject)
        return out

    @property
    def bind_mapper(self) -> Any:
        ms = self.all_mappers
        return ms[0] if ms else None

    def update_execution_options(self, **opts: Any) -> None:
        """Add execution options for this execution."""
        self.execution_options.update(opts)
        self.local_execution_options.update(opts)

    def invoke_statement(self, statement: Any = None, params: Any = None,
                         execution_options: Any = None, bind_arguments: Any = None) -> Any:
        """Run the statement (the remaining listeners run first) and return its Result."""
        opts = dict(self.execution_options)
        if execution_options:
            opts.update(execution_options)
        return _run_orm_execute(
            self.session, self.statement if statement is None else statement,
            self.parameters if params is None else params, opts,
            bind_arguments if bind_arguments is not None else self.bind_arguments,
            self._listeners[self._idx + 1:])


def orm_execute(session: Any, statement: Any, params: Any, execution_options: Any,
                bind_arguments: Any) -> Any:
    """``Session.execute()`` with ``do_orm_execute`` listeners: called by the Session when
    ``session.dispatch.do_orm_execute`` is non-empty. The statement finally runs through
    ``session.execute(..., _sw_skip_events=True)``."""
    return _run_orm_execute(session, statement, params, execution_options, bind_arguments,
                            tuple(session.dispatch.do_orm_execute))


def _run_orm_execute(session: Any, statement: Any, params: Any, execution_options: Any,
                     bind_arguments: Any, listeners: tuple[Any, ...]) -> Any:
    state = ORMExecuteState(session, statement, params, execution_options, bind_arguments,
                            listeners)
    for idx, fn in enumerate(listeners):
        state._idx = idx
        result = fn(state)
        if result is not None:
            return result
    return session.execute(state.statement, state.parameters,
                           execution_options=state.execution_options or None,
                           bind_arguments=state.bind_arguments or None, _sw_skip_events=True)


# ---------------------------------------------------------------------------------------------
# attribute events
# ---------------------------------------------------------------------------------------------


class AttributeEventToken:
    """The ``initiator`` passed to attribute listeners: which attribute and which operation."""

    __slots__ = ("impl", "op", "key", "parent_token")

    def __init__(self, attribute: Any, op: str) -> None:
        self.impl = attribute
        self.op = op
        self.key = attribute.key
        self.parent_token = attribute

    def __repr__(self) -> str:
        return f"<AttributeEventToken {self.key} {self.op}>"


def _value_arg1(target: Any, value: Any, *args: Any, **kw: Any) -> Any:
    return value


class AttributeEvents(Events):
    """Events of one instrumented attribute (``User.name``, ``User.addresses``).

    ``retval=True`` listeners of ``set``/``append``/``init_scalar`` return the value to use.
    ``active_history=True`` loads the old value before ``set`` fires when it is not loaded.
    ``propagate=True`` also applies the listener to the same attribute of mapped subclasses.
    """

    _retval_passthrough = {
        "set": _value_arg1,
        "append": _value_arg1,
        "init_scalar": _value_arg1,
    }

    @classmethod
    def _accept_with(cls, target: Any) -> Any | None:
        # An instrumented attribute: a QueryableAttribute (duck-typed: the ORM is not imported
        # at Core import time, and this class never imports it at all).
        if isinstance(target, type):
            return None
        if hasattr(target, "prop") and hasattr(target, "class_") and hasattr(target, "key") \
                and hasattr(type(target), "dispatch"):
            return target
        return None

    @classmethod
    def _listen(cls, event_key: _EventKey, fn: Callable[..., Any], *, retval: bool = False,
                once: bool = False, propagate: bool = False, insert: bool = False,
                raw: bool = False, active_history: bool = False, **kw: Any) -> None:
        kw.pop("named", None)
        attr = event_key.dispatch_target
        if active_history:
            attr.__dict__["_sw_active_history"] = True
        if raw:
            pass  # targets are always instances here; "raw" would pass InstanceState
        super()._listen(event_key, fn, retval=retval, once=once, propagate=propagate,
                        insert=insert, **kw)
        if propagate:
            # the same attribute on already-mapped subclasses gets the listener too
            for sub in _subclasses(attr.class_):
                sub_attr = sub.__dict__.get(attr.key)
                if sub_attr is not None and sub_attr is not attr \
                        and hasattr(type(sub_attr), "dispatch"):
                    if active_history:
                        sub_attr.__dict__["_sw_active_history"] = True
                    k = _EventKey(sub_attr, event_key.identifier, event_key.fn, cls, sub_attr)
                    super()._listen(k, fn, retval=retval, once=once, propagate=True,
                                    insert=insert, **kw)
        # the default constructor copies the arguments of listener-free column attributes
        # without instrumentation; the mappers that may share this attribute work that out again
        for sub in (attr.class_, *_subclasses(attr.class_)):
            mapper = sub.__dict__.get(_MAPPER_ATTR)
            if mapper is not None:
                mapper._attribute_listened()

    def set(self, target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        """A scalar attribute or many-to-one is being set (before the change is recorded);
        with ``retval=True`` the listener returns the value to set."""

    def append(self, target: Any, value: Any, initiator: Any) -> Any:
        """An item is being appended to a collection; ``retval=True`` may replace it."""

    def remove(self, target: Any, value: Any, initiator: Any) -> None:
        """An item was removed from a collection."""

    def init_scalar(self, target: Any, value: Any, dict_: dict[str, Any]) -> Any:
        """A scalar attribute with no value was read on an object that has no row yet.
        ``value`` is None; a ``retval=True`` listener returns the value to read and may store
        it in ``dict_`` to make it the attribute's value (and so get it inserted)."""

    def init_collection(self, target: Any, collection: Any, collection_adapter: Any) -> None:
        """A new empty collection was created for ``target``."""

    def modified(self, target: Any, initiator: Any) -> None:
        """``flag_modified()`` marked the attribute as changed."""


# -- firing helpers used by the instrumentation (value-threading events) ----------------------

_NO_VALUE: Any = None


def _no_value() -> Any:
    global _NO_VALUE
    if _NO_VALUE is None:
        from sqlweave.orm.base import NO_VALUE

        _NO_VALUE = NO_VALUE
    return _NO_VALUE


def fire_set(attr: Any, obj: Any, value: Any) -> Any:
    """Run ``set`` listeners of ``attr`` for ``obj``; return the (possibly replaced) value."""
    d = obj.__dict__
    key = attr.key
    if key in d:
        old = d[key]
    elif attr.__dict__.get("_sw_active_history"):
        state = d.get(_STATE_ATTR)
        old = attr.__get__(obj, type(obj)) if state is not None and state.key is not None \
            else _no_value()
    else:
        old = _no_value()
    token = AttributeEventToken(attr, "set")
    for fn in attr.dispatch.set:
        value = fn(obj, value, old, token)
    return value


def fire_append(attr: Any, obj: Any, value: Any) -> Any:
    """Run ``append`` listeners; return the (possibly replaced) item."""
    token = AttributeEventToken(attr, "append")
    for fn in attr.dispatch.append:
        value = fn(obj, value, token)
    return value


def fire_remove(attr: Any, obj: Any, value: Any) -> None:
    """Run ``remove`` listeners."""
    attr.dispatch.remove(obj, value, AttributeEventToken(attr, "remove"))


def fire_init_scalar(attr: Any, obj: Any, value: Any) -> Any:
    """Run ``init_scalar`` listeners for a read of an unset attribute; return the value."""
    d = obj.__dict__
    for fn in attr.dispatch.init_scalar:
        value = fn(obj, value, d)
    return value


def fire_modified(attr: Any, obj: Any) -> None:
    """Run ``modified`` listeners (``flag_modified``)."""
    attr.dispatch.modified(obj, AttributeEventToken(attr, "modified"))


# ---------------------------------------------------------------------------------------------
# validates()
# ---------------------------------------------------------------------------------------------


def validates(*names: str, include_removes: bool = False, include_backrefs: bool = True
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method as validator of the named attributes.

    The method is called as ``fn(self, key, value)`` when a value is set or appended and
    returns the value to use (or raises to reject it). With ``include_removes=True`` it is
    called as ``fn(self, key, value, is_remove)`` for removals as well.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__sw_validators__ = (names, include_removes, include_backrefs)  # type: ignore[attr-defined]
        return fn

    return decorate


def _setup_validators(mapper: Any) -> None:
    """Register the ``@validates`` methods of ``mapper.class_`` as attribute listeners."""
    from sqlweave.core import event

    cls = mapper.class_
    seen: set[str] = set()
    for klass in cls.__mro__:
        for name, fn in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            spec = getattr(fn, "__sw_validators__", None)
            if spec is None:
                continue
            keys, include_removes, _include_backrefs = spec
            for key in keys:
                attr = cls.__dict__.get(key) or getattr(cls, key, None)
                if attr is None or not hasattr(type(attr), "dispatch"):
                    from sqlweave.orm import exc as orm_exc

                    raise orm_exc.ORMConfigurationError(
                        f"@validates({key!r}) on {cls.__name__}.{name}: {cls.__name__} has no "
                        f"mapped attribute {key!r}")
                _install_validator(event, attr, key, fn, include_removes)


def _install_validator(event: Any, attr: Any, key: str, fn: Callable[..., Any],
                       include_removes: bool) -> None:
    if include_removes:
        def on_set(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
            return fn(target, key, value, False)

        def on_append(target: Any, value: Any, initiator: Any) -> Any:
            return fn(target, key, value, False)

        def on_remove(target: Any, value: Any, initiator: Any) -> None:
            fn(target, key, value, True)

        event.listen(attr, "remove", on_remove)
    else:
        def on_set(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
            return fn(target, key, value)

        def on_append(target: Any, value: Any, initiator: Any) -> Any:
            return fn(target, key, value)

    # uselist of a relationship is known only after configure: a relationship gets both
    # (set fires for scalar relationships, append for collections)
    if getattr(attr, "_is_relationship", False):
        event.listen(attr, "append", on_append, retval=True)
    event.listen(attr, "set", on_set, retval=True)


# ---------------------------------------------------------------------------------------------
# the mapper's hook: called once per new Mapper
# ---------------------------------------------------------------------------------------------


def _new_mapper(mapper: Any) -> None:
    """Called by ``Mapper.__init__`` after instrumentation: validators, init-event wrapping
    for classes listened to before mapping, propagated attribute listeners."""
    _setup_validators(mapper)
    cls = mapper.class_
    disp = mapper.class_dispatch
    if _all_inits or disp.init or disp.init_failure:
        _wrap_init(cls)
    md = mapper.dispatch
    if md.instrument_class:
        md.instrument_class(mapper, cls)
    # propagate=True attribute listeners of a mapped superclass's attribute of the same name
    for base in cls.__mro__[1:]:
        if getattr(base, _MAPPER_ATTR, None) is None:
            continue
        for key, attr in vars(cls).items():
            battr = base.__dict__.get(key)
            if battr is None or battr is attr or not hasattr(type(battr), "dispatch") \
                    or not hasattr(type(attr), "dispatch"):
                continue
            own = battr.dispatch._own or {}
            for name, entries in own.items():
                for entry in entries:
                    if entry.propagate:
                        if battr.__dict__.get("_sw_active_history"):
                            attr.__dict__["_sw_active_history"] = True
                        attr.dispatch._add(name, entry)
        break


def _dispatch_of(obj: Any) -> _InstanceDispatch:
    return obj.dispatch  # type: ignore[no-any-return]


_ = dispatcher  # re-exported for the ORM's target classes (Session, QueryableAttribute)


# ---------------------------------------------------------------------------------------------
# firing helpers for the Session and configure_mappers (called only when a listener exists)
# ---------------------------------------------------------------------------------------------


def fire_configured(name: str, mappers: list[Any]) -> None:
    """Fire ``before_configured``/``after_configured`` once per listener: listeners on the
    ``Mapper`` class and on any class in the MRO of the mappers being configured."""
    fns: list[Any] = []
    for fn in getattr(_class_dispatch_for(MapperEvents, object), name):
        fns.append(fn)
    for m in mappers:
        for fn in getattr(m.dispatch, name):
            if fn not in fns:
                fns.append(fn)
    for fn in fns:
        fn()


def fire_state_event(session: Any, name: str, states: Any) -> None:
    """Fire a SessionEvents state-transition event for each state's object."""
    listeners = getattr(session.dispatch, name)
    if not listeners:
        return
    for state in list(states):
        obj = state.obj() if hasattr(state, "obj") else state
        if obj is not None:
            listeners(session, obj)


def fire_loaded(session: Any, mapper: Any, objs: list[Any]) -> None:
    """``InstanceEvents.load`` and ``SessionEvents.loaded_as_persistent`` for new objects."""
    sd = session.dispatch
    for obj in objs:
        cd = type(obj)._sw_mapper.class_dispatch
        if cd.load:
            cd.load(obj, None)
        if sd.loaded_as_persistent:
            sd.loaded_as_persistent(session, obj)
