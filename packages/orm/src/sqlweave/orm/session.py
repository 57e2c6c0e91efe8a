"""Session: identity map, unit of work and transactions (SQLAlchemy 2.0 semantics)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.elements import and_, bindparam
from sqlweave.orm import events as _orm_events
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MAPPER_ATTR, NO_VALUE, STATE_ATTR, class_mapper, instance_state
from sqlweave.orm.identity import IdentityMap
from sqlweave.orm.state import NO_COMMITTED, _register_session, expire_states, get_history

_ids = itertools.count(1)
_DEFAULT: Any = object()


#: which SessionEvents were ever listened for (see sqlweave.core.event.base.Live)
_EVENTS = _orm_events.SessionEvents.live


class SessionTransaction:
    """One level of Session transaction: the root, or a SAVEPOINT from ``begin_nested()``."""

    # what every transaction starts with (class attributes: a Session that commits after each
    # change makes one transaction per commit, so the constructor sets only what varies)
    _conn_trans: Any = None
    _failed: BaseException | None = None
    is_active = True

    def __init__(self, session: Session, parent: SessionTransaction | None = None, nested: bool = False) -> None:
        self.session = session
        self.parent = parent
        self.nested = nested
        self._failed = None  # stored, not left to the class default: read on every autobegin check
        self._inserted: dict[Any, Any] = {}   # state -> obj inserted in this transaction
        self._deleted: dict[Any, Any] = {}    # state -> obj deleted in this transaction
        self._updated: dict[Any, Any] = {}    # state -> obj updated in this transaction
        if nested:
            conn = session.connection()
            self._conn_trans = conn.begin_nested()

    def __enter__(self) -> SessionTransaction:
        return self

    def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
        if not self.is_active:
            return
        if type_ is None:
            self.commit()
        else:
            self.rollback()

    def commit(self) -> None:
        if self.nested:
            self.session.flush()
            self._conn_trans.commit()
            self.is_active = False
            parent = self.parent
            assert parent is not None
            parent._inserted.update(self._inserted)
            parent._deleted.update(self._deleted)
            parent._updated.update(self._updated)
            self.session._trans_stack.remove(self)
            self.session._transaction_ended(self)
        else:
            self.session.commit()

    def rollback(self) -> None:
        if self.nested:
            self.session._rollback_nested(self)
        else:
            self.session.rollback()


class Session:
    """Persistence and identity for mapped objects over one connection per transaction."""

    dispatch = _orm_events.dispatcher(_orm_events.SessionEvents)  # events: SessionEvents
    #: whether ``_conn`` was checked out by the session (closed when the transaction ends) or is
    #: a Connection the session was bound to (left open)
    _owns_conn = True

    def __init__(self, bind: Any = None, *, autoflush: bool = True, expire_on_commit: bool = True,
                 autobegin: bool = True, binds: dict[Any, Any] | None = None, info: Any = None,
                 twophase: bool = False, query_cls: Any = None, join_transaction_mode: Any = None,
                 close_resets_only: Any = None, n_plus_one: Any = _DEFAULT, **kw: Any) -> None:
        self.bind = bind
        self.binds = dict(binds or {})
        if bind is None and self.binds:
            self.bind = next(iter(self.binds.values()))
        self.autoflush = autoflush
        self.expire_on_commit = expire_on_commit
        self.autobegin = autobegin
        self.info = dict(info or {})
        self.hash_key = next(_ids)
        _register_session(self)
        self.identity_map = IdentityMap()
        self._new: dict[Any, Any] = {}
        self._deleted: dict[Any, Any] = {}
        self._modified: set[Any] = set()
        self._trans_stack: list[SessionTransaction] = []
        self._conn: Any = None
        self._root_conn_trans: Any = None
        #: bind -> Connection of the binds other than the main one (``binds=``), this transaction
        self._extra_conns: dict[Any, Any] | None = None
        self._owns_conn = True
        self._flushing = False
        self._no_autoflush = 0
        from sqlweave.orm import loading

        #: N+1 detection: "warn", "raise" or None (see sqlweave.orm.loading)
        self.n_plus_one = loading.default_n_plus_one() if n_plus_one is _DEFAULT else loading.check_mode(n_plus_one)
        self._query_cls = query_cls
        self._n1_off = 0

    # -- context manager --------------------------------------------------------------------
    def __enter__(self) -> Session:
        return self

    def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
        self.close()

    def __contains__(self, obj: Any) -> bool:
        state = instance_state(obj)
        return state.session_id == self.hash_key and not state._deleted

    def __iter__(self) -> Any:
        return iter(list(self._new.values()) + self.identity_map.values())

    # -- transactions -------------------------------------------------------------------------
    def _autobegin_t(self) -> SessionTransaction:
        stack = self._trans_stack
        if stack:  # the usual case: a healthy transaction is under way
            top = stack[-1]
            if top._failed is None and stack[0]._failed is None:
                return top
        return self._autobegin_checked()

    def _autobegin_checked(self) -> SessionTransaction:
        if not self._trans_stack:
            if not self.autobegin:
                raise sa_exc.InvalidRequestError(
                    "Autobegin is disabled on this Session; call session.begin() first")
            t = SessionTransaction(self)
            self._trans_stack.append(t)  # _push_transaction(), inline: once per transaction
            if _EVENTS.after_transaction_create and self.dispatch.after_transaction_create:  # events
                self.dispatch.after_transaction_create(self, t)
            return t  # new: nothing has failed in it
        root = self._trans_stack[0]
        if root._failed is not None:
            raise sa_exc.PendingRollbackError(
                "This Session's transaction has been rolled back due to a previous exception during "
                f"flush. To begin a new transaction with this Session, first issue Session.rollback(). "
                f"Original exception was: {root._failed}", code="7s2a")
        top = self._trans_stack[-1]
        if top._failed is not None:
            raise sa_exc.PendingRollbackError(
                "A flush inside this SAVEPOINT (begin_nested()) failed; roll the savepoint back "
                "(leaving the `with session.begin_nested():` block does) before using the Session "
                f"again. Original exception was: {top._failed}", code="7s2a")
        return top

    def begin(self) -> SessionTransaction:
        """Begin the root transaction explicitly (``with session.begin():`` commits on success)."""
        if self._trans_stack:
            raise sa_exc.InvalidRequestError(
                "A transaction is already begun on this Session; use begin_nested() for a SAVEPOINT")
        t = SessionTransaction(self)
        self._push_transaction(t)
        return t

    def _push_transaction(self, t: SessionTransaction) -> None:
        self._trans_stack.append(t)
        if _EVENTS.after_transaction_create and self.dispatch.after_transaction_create:  # events
            self.dispatch.after_transaction_create(self, t)

    def _transaction_ended(self, t: SessionTransaction) -> None:
        if self.dispatch.after_transaction_end:  # events: after_transaction_end
            self.dispatch.after_transaction_end(self, t)

    def begin_nested(self) -> SessionTransaction:
        """Start a SAVEPOINT; rolling it back restores the objects changed inside it."""
        self._autobegin_t()
        self.flush()
        t = SessionTransaction(self, self._trans_stack[-1], nested=True)
        self._push_transaction(t)
        return t

    def in_transaction(self) -> bool:
        return bool(self._trans_stack)

    def in_nested_transaction(self) -> bool:
        return len(self._trans_stack) > 1

    def get_transaction(self) -> SessionTransaction | None:
        return self._trans_stack[0] if self._trans_stack else None

    def get_nested_transaction(self) -> SessionTransaction | None:
        return self._trans_stack[-1] if len(self._trans_stack) > 1 else None

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Any:
        if self.binds and mapper is not None:
            cls = getattr(mapper, "class_", mapper)
            for k, v in self.binds.items():
                if k is cls or (isinstance(k, type) and isinstance(cls, type) and issubclass(cls, k)):
                    return v
            # binds keyed by Table (or Mapper): the mapped class's table decides
            m = getattr(cls, MAPPER_ATTR, None) if isinstance(cls, type) else None
            if m is not None:
                for k, v in self.binds.items():
                    if k is m or k is m.local_table:
                        return v
        if self.bind is None:
            raise sa_exc.InvalidRequestError("This Session is not bound to an engine or connection")
        return self.bind

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Any:
        """The Connection of the current transaction (begun on first use).

        ``bind_arguments={"mapper": M}`` gives the connection of M's bind when ``binds=`` names
        another engine for it; each such connection joins the session's transaction (committed and
        rolled back with it, one after the other: not two-phase)."""
        self._autobegin_t()
        if bind_arguments and self.binds:
            bind = self.get_bind(bind_arguments.get("mapper"), bind_arguments.get("clause"))
            if bind is not self.get_bind():
                return self._extra_connection(bind)
        conn = self._conn
        return conn if conn is not None else self._begin_connection()

    def _begin_connection(self) -> Any:
        """Check a connection out of the bind (or join the bound Connection) for the session's
        transaction, beginning a database transaction on it unless one is already under way."""
        bind = self.bind if self.bind is not None and not self.binds else self.get_bind()
        if hasattr(bind, "begin_nested") and hasattr(bind, "engine"):  # a Connection: join it
            conn = self._conn = bind
            self._owns_conn = False
            self._root_conn_trans = conn.begin() if not conn.in_transaction() else None
        else:
            conn = self._conn = bind.connect()
            self._owns_conn = True
            self._root_conn_trans = conn.begin()
        if _EVENTS.after_begin and self.dispatch.after_begin:  # events: after_begin
            self.dispatch.after_begin(self, self._trans_stack[0], conn)
        return conn

    def _extra_connection(self, bind: Any) -> Any:
        """The connection of a bind other than the session's main one (``binds=``)."""
        extra = self._extra_conns
        if extra is None:
            extra = self._extra_conns = {}
        conn = extra.get(bind)
        if conn is None:
            conn = extra[bind] = bind.connect() if not hasattr(bind, "begin_nested") else bind
            if not conn.in_transaction():
                conn.begin()
        return conn

    def _bind_conn(self, mapper: Any) -> Any:
        """The connection that ``mapper``'s rows live on (the main one unless ``binds=`` says)."""
        if not self.binds or mapper is None:
            return self.connection()
        return self.connection(bind_arguments={"mapper": mapper})

    def commit(self) -> None:
        """Flush, commit the transaction; with ``expire_on_commit`` every object is expired."""
        if not self._trans_stack and not self.autobegin:
            raise sa_exc.InvalidRequestError("No transaction is begun")
        # changes made after the last commit are pending without a transaction: begin one so
        # they are flushed and committed (SQLAlchemy does the same)
        self._autobegin_t()
        if _EVENTS.before_commit and self.dispatch.before_commit:  # events: before_commit
            self.dispatch.before_commit(self)
        stack = self._trans_stack
        while len(stack) > 1:
            stack[-1].commit()
        root = stack[0]
        if self._new or self._modified or self._deleted:
            if self._flushing:
                raise sa_exc.InvalidRequestError("Session is already flushing")
            self._flush(root, None)
        conn = self._conn
        if conn is not None:
            if self._root_conn_trans is not None:
                self._root_conn_trans.commit()
            elif conn.in_transaction():
                conn.commit()
        extra = self._extra_conns
        if extra:  # binds= connections
            for conn in extra.values():
                if conn.in_transaction():
                    conn.commit()
        if root._deleted:
            for state in root._deleted:
                state.session_id = None
                state._strong = None
            if _EVENTS.deleted_to_detached and self.dispatch.deleted_to_detached:  # events
                _orm_events.fire_state_event(self, "deleted_to_detached", root._deleted)
        if self.expire_on_commit:
            expire_states(list(self.identity_map._dict.values()))
        self._end_transaction()
        if _EVENTS.after_commit and self.dispatch.after_commit:  # events: after_commit
            self.dispatch.after_commit(self)

    def _end_transaction(self) -> None:
        if _EVENTS.after_transaction_end and self.dispatch.after_transaction_end:
            ended = list(reversed(self._trans_stack))
            self._trans_stack.clear()
            for t in ended:
                self._transaction_ended(t)
        else:
            self._trans_stack.clear()
        if self._extra_conns is not None:
            self._end_extra_connections()
        conn = self._conn
        if conn is not None:
            self._conn = self._root_conn_trans = None
            if self._owns_conn:
                conn.close()

    def _end_extra_connections(self) -> None:
        extra, self._extra_conns = self._extra_conns or {}, None
        for bind, conn in extra.items():  # binds= connections
            if conn.in_transaction():
                conn.rollback()  # not committed: rollback() / close() / failed flush
            if conn is not bind:
                conn.close()

    def rollback(self) -> None:
        """Roll back: pending objects are expunged, persistent ones expired, deleted ones restored."""
        if not self._trans_stack:
            return
        root = self._trans_stack[0]
        ev_pending = list(self._new.values()) if self.dispatch.pending_to_transient else None  # events
        if self._conn is not None:
            try:
                if self._root_conn_trans is not None:
                    self._root_conn_trans.rollback()
                elif self._conn.in_transaction():
                    self._conn.rollback()
            finally:
                self._restore_after_rollback(root)
                self._end_transaction()
        else:
            self._restore_after_rollback(root)
            self._end_transaction()
        if ev_pending:  # events: pending_to_transient
            _orm_events.fire_state_event(self, "pending_to_transient", ev_pending)
        if self.dispatch.after_rollback:  # events: after_rollback
            self.dispatch.after_rollback(self)
        if self.dispatch.after_soft_rollback:  # events: after_soft_rollback
            self.dispatch.after_soft_rollback(self, root)

    def _restore_after_rollback(self, t: SessionTransaction, all_: bool = True) -> None:
        imap = self.identity_map
        # objects inserted in the rolled-back transaction go back to transient
        ev_p2t = list(t._inserted) if self.dispatch.persistent_to_transient else None  # events
        for state in list(t._inserted):
            imap._remove(state)
            state.key = None
            state.session_id = None
            state._deleted = False
            state._strong = None
            state.committed_state = NO_COMMITTED
            state.modified = False
            self._modified.discard(state)
        ev_d2p = list(t._deleted) if self.dispatch.deleted_to_persistent else None  # events
        for state in list(t._deleted):
            state._deleted = False
            state.session_id = self.hash_key
            imap._add(state)
            state._strong = None
        for state in list(self._new):
            state.session_id = None
            state._strong = None
        self._new.clear()
        for state in list(self._deleted):
            state._strong = None
        self._deleted.clear()
        if all_:
            expire_states(imap.all_states())
        else:
            expire_states(list(t._updated) + list(self._modified) + list(t._deleted))
        self._modified.clear()
        if ev_p2t:  # events: persistent_to_transient
            _orm_events.fire_state_event(self, "persistent_to_transient", ev_p2t)
        if ev_d2p:  # events: deleted_to_persistent
            _orm_events.fire_state_event(self, "deleted_to_persistent", ev_d2p)

    def _rollback_nested(self, t: SessionTransaction) -> None:
        while self._trans_stack and self._trans_stack[-1] is not t:
            self._rollback_nested(self._trans_stack[-1])
        try:
            t._conn_trans.rollback()
        finally:
            t.is_active = False
            self._restore_after_rollback(t, all_=False)
            if t in self._trans_stack:
                self._trans_stack.remove(t)
                self._transaction_ended(t)
            root = self._trans_stack[0] if self._trans_stack else None
            if root is not None:
                for st in t._inserted:
                    root._inserted.pop(st, None)
                for st in t._deleted:
                    root._deleted.pop(st, None)

    def close(self) -> None:
        """End the transaction (rolling back what was not committed) and expunge every object.

        Unlike ``rollback()``, objects are not expired: what was loaded stays readable on the
        now-detached objects, as in SQLAlchemy.
        """
        if self._trans_stack:
            conn = self._conn
            try:
                if conn is not None:
                    if self._root_conn_trans is not None:
                        self._root_conn_trans.rollback()
                    elif conn.in_transaction():
                        conn.rollback()
            finally:
                self._end_transaction()
        self.expunge_all()

    def reset(self) -> None:
        self.close()

    # -- object registration ------------------------------------------------------------------
    def add(self, instance: Any, _warn: bool = True) -> None:
        """Place an object in the session: transient → pending (cascading save-update)."""
        try:
            state = instance.__dict__[STATE_ATTR]  # instance_state(), without its call
        except (KeyError, AttributeError):
            state = instance_state(instance)  # made on first use, or UnmappedInstanceError
        if state.session_id is None and state.key is None and not state.mapper._relationship_keys \
                and not (_EVENTS.before_attach or _EVENTS.transient_to_pending or _EVENTS.after_attach):
            # transient -> pending with no listener to tell and no cascade to follow
            self._autobegin_t()
            state.session_id = self.hash_key
            self._new[state] = instance
            return
        self._save_or_update_state(state, instance)

    def add_all(self, instances: Iterable[Any]) -> None:
        """``add()`` each object."""
        if type(self).add is not Session.add:  # a subclass's own add() sees every object
            for obj in instances:
                self.add(obj)
            return
        objs = list(instances)
        if not objs:
            return
        self._autobegin_t()
        save = self._save_or_update_state
        d = self.dispatch
        # transient -> pending with no listener to tell and no cascade to follow is two writes;
        # anything else takes the general step
        plain = not (d.before_attach or d.transient_to_pending or d.after_attach)
        new = self._new
        key = self.hash_key
        for obj in objs:
            try:
                state = obj.__dict__[STATE_ATTR]  # instance_state(), without its call
            except (KeyError, AttributeError):
                state = instance_state(obj)  # made on first use, or UnmappedInstanceError
            if plain and state.session_id is None and state.key is None and not state.mapper._relationship_keys:
                state.session_id = key
                new[state] = obj
            else:
                save(state, obj)

    def _save_or_update_state(self, state: Any, obj: Any) -> None:
        self._autobegin_t()
        if state.session_id is not None and state.session_id != self.hash_key:
            other = state.session
            if other is not None:
                raise sa_exc.InvalidRequestError(
                    f"Object '{state._repr()}' is already attached to session '{other.hash_key}' "
                    f"(this is '{self.hash_key}')")
        if self.dispatch.before_attach and state.session_id is None:  # events: before_attach
            self.dispatch.before_attach(self, obj)
        if state.key is None:
            if state.session_id is None:
                state.session_id = self.hash_key
                self._new[state] = obj
                if self.dispatch.transient_to_pending:  # events: transient_to_pending
                    self.dispatch.transient_to_pending(self, obj)
        elif state.session_id is None:
            existing = self.identity_map._dict.get(state.key)
            if existing is not None and existing is not state and existing.obj() is not None:
                raise sa_exc.InvalidRequestError(
                    f"Can't attach instance {state._repr()}; another instance with key {state.key} is "
                    "already present in this session.")
            state.session_id = self.hash_key
            self.identity_map._add(state)
            if state.modified:
                state._strong = obj
                self._modified.add(state)
            if self.dispatch.detached_to_persistent:  # events: detached_to_persistent
                self.dispatch.detached_to_persistent(self, obj)
        else:
            return
        if self.dispatch.after_attach:  # events: after_attach
            self.dispatch.after_attach(self, obj)
        if state.mapper._relationship_keys:
            self._cascade_save(state, obj)

    def _cascade_save(self, state: Any, obj: Any) -> None:
        d = obj.__dict__
        for key in state.mapper._relationship_keys:
            prop = state.mapper._props[key]
            if not prop.cascade.save_update or key not in d:
                continue
            v = d[key]
            if v is None:
                continue
            for item in prop._cascade_members(v):
                ist = item.__dict__.get(STATE_ATTR) or instance_state(item)
                if ist.session_id is None:
                    self._save_or_update_state(ist, item)

    def delete(self, instance: Any) -> None:
        """Mark a persistent object for deletion at the next flush (cascading delete)."""
        state = instance_state(instance)
        if state.key is None:
            raise sa_exc.InvalidRequestError(f"Instance '{state._repr()}' is not persisted")
        self._delete_state(state, instance, None)

    def _delete_state(self, state: Any, obj: Any, seen: set[int] | None) -> None:
        """Mark ``state`` deleted and cascade; ``seen`` (ids of states visited by this cascade)
        is made only when there are relationships to cascade along."""
        if seen is not None:
            if id(state) in seen:
                return
            seen.add(id(state))
        if state.session_id is None:
            self._save_or_update_state(state, obj)
        if state in self._deleted or state._deleted:
            return
        self._deleted[state] = obj
        state._strong = obj
        if not state.mapper._relationship_keys:
            return
        if seen is None:
            seen = {id(state)}
        for key in state.mapper._relationship_keys:
            prop = state.mapper._props[key]
            if not prop.cascade.delete:
                continue
            if prop.passive_deletes and key not in obj.__dict__:
                continue
            with self.no_autoflush:  # the parent is already marked; don't flush half a cascade
                self._n1_off += 1  # cascade loads are the ORM's own, not the caller's N+1
                try:
                    v = getattr(obj, key)
                finally:
                    self._n1_off -= 1
            if v is None:
                continue
            for item in prop._members_of(v):
                ist = instance_state(item)
                if ist.key is not None:
                    self._delete_state(ist, item, seen)
                elif ist in self._new:
                    self.expunge(item)

    def expunge(self, instance: Any) -> None:
        """Remove an object from the session (cascading expunge)."""
        state = instance_state(instance)
        if state.session_id != self.hash_key:
            raise sa_exc.InvalidRequestError(f"Instance {state._repr()} is not present in this Session")
        self._expunge_state(state, instance, set())

    def _expunge_state(self, state: Any, obj: Any, seen: set[int]) -> None:
        if id(state) in seen or state.session_id != self.hash_key:
            return
        seen.add(id(state))
        self._new.pop(state, None)
        self._deleted.pop(state, None)
        self._modified.discard(state)
        if state.key is not None:
            self.identity_map._remove(state)
        state.session_id = None
        state._strong = None
        if state.key is not None and self.dispatch.persistent_to_detached:  # events: persistent_to_detached
            self.dispatch.persistent_to_detached(self, obj)
        for key in state.mapper._relationship_keys:
            prop = state.mapper._props[key]
            if "expunge" in prop.cascade and key in obj.__dict__:
                v = obj.__dict__[key]
                for item in prop._cascade_members(v):
                    self._expunge_state(instance_state(item), item, seen)

    def expunge_all(self) -> None:
        if _EVENTS.persistent_to_detached and self.dispatch.persistent_to_detached:  # events
            _orm_events.fire_state_event(self, "persistent_to_detached", self.identity_map.all_states())
        # every state, those of collected objects too (a copy: dropping _strong may collect an
        # object, whose weakref callback edits the map)
        for state in list(self.identity_map._dict.values()):
            state.session_id = None
            state._strong = None
        for state in self._new:
            state.session_id = None
            state._strong = None
        self.identity_map = IdentityMap()
        self._new.clear()
        self._deleted.clear()
        self._modified.clear()

    # -- state views -------------------------------------------------------------------------
    @property
    def new(self) -> list[Any]:
        """Pending objects."""
        return list(self._new.values())

    @property
    def dirty(self) -> list[Any]:
        """Persistent objects with changed attributes."""
        return [o for o in (st.obj() for st in self._modified if st not in self._deleted) if o is not None]

    @property
    def deleted(self) -> list[Any]:
        """Objects marked for deletion."""
        return list(self._deleted.values())

    @property
    def no_autoflush(self) -> Any:
        """``with session.no_autoflush:`` suspends autoflush."""
        sess = self

        class _NoAutoflush:
            def __enter__(self) -> Session:
                sess._no_autoflush += 1
                return sess

            def __exit__(self, *a: Any) -> None:
                sess._no_autoflush -= 1

        return _NoAutoflush()

    def is_modified(self, instance: Any, include_collections: bool = True) -> bool:
        state = instance_state(instance)
        for key in state.committed_state:
            prop = state.mapper._props[key]
            if not include_collections and getattr(prop, "uselist", False):
                continue
            if get_history(state, key).has_changes():
                return True
        return False

    # -- expiry and refresh ---------------------------------------------------------------------
    def expire(self, instance: Any, attribute_names: Iterable[str] | None = None) -> None:
        state = instance_state(instance)
        if state.key is None:
            raise sa_exc.InvalidRequestError(f"Instance {state._repr()} is not persistent within this Session")
        if attribute_names is None:
            from sqlweave.orm.relationships import cascade_iterator

            for _, st in cascade_iterator(instance, "refresh-expire"):  # cascade: refresh-expire
                if st.key is not None and st.session_id == self.hash_key:
                    st._expire()
                    self._modified.discard(st)
        state._expire(list(attribute_names) if attribute_names is not None else None)
        if attribute_names is None:
            self._modified.discard(state)

    def expire_all(self) -> None:
        for state in self.identity_map.all_states():
            state._expire()
        self._modified.clear()

    def refresh(self, instance: Any, attribute_names: Iterable[str] | None = None,
                with_for_update: Any = None) -> None:
        """Reload attributes from the database now."""
        state = instance_state(instance)
        if state.key is None or state.session_id != self.hash_key:
            raise sa_exc.InvalidRequestError(f"Instance '{state._repr()}' is not persistent within this Session")
        names = list(attribute_names) if attribute_names is not None else None
        if names is None:
            from sqlweave.orm.relationships import cascade_iterator

            for _, st in cascade_iterator(instance, "refresh-expire"):  # cascade: refresh-expire
                if st.key is not None and st.session_id == self.hash_key:
                    st._expire()
                    self._modified.discard(st)
        state._expire(names)
        if names is None:
            self._modified.discard(state)
        col_keys = [k for k in (names or state.mapper._load_keys) if k in state.mapper._column_keys]
        if col_keys:
            self._load_columns(state, col_keys, with_for_update)
        for k in (names or []):
            if k in state.mapper._relationship_keys:
                getattr(instance, k)

    def _load_unloaded(self, state: Any, key: str) -> None:
        keys = set(state.expired_attributes)
        keys.add(key)
        self._load_columns(state, [k for k in state.mapper._column_keys if k in keys])

    def _load_columns(self, state: Any, keys: list[str], with_for_update: Any = None) -> None:
        from sqlweave.core.sql.selectable import select

        mapper = state.mapper
        if self.autoflush and not self._flushing and not self._no_autoflush:
            self._autoflush()
        cols = [mapper._props[k].columns[0] for k in keys]
        crit = [c == bindparam(f"pk_{i}") for i, c in enumerate(mapper.primary_key)]
        stmt = select(*cols).where(and_(*crit))
        if len(mapper.tables) > 1:  # inheritance: joined-table subclass columns
            stmt = stmt.select_from(mapper.persist_selectable)
        if with_for_update:
            stmt = stmt.with_for_update(**(with_for_update if isinstance(with_for_update, dict) else {}))
        params = {f"pk_{i}": v for i, v in enumerate(state.key[1])}
        row = self._bind_conn(mapper).execute(stmt, params).first()
        if row is None:
            raise orm_exc.ObjectDeletedError(state)
        obj = state.obj()
        d = obj.__dict__
        for k, v in zip(keys, row):
            if k not in state.committed_state:
                d[k] = v
            state._unexpire(k)
        if mapper.class_dispatch.refresh:  # events: refresh
            mapper.class_dispatch.refresh(obj, None, keys)

    # -- querying ------------------------------------------------------------------------------
    def _autoflush(self) -> None:
        if self._new or self._modified or self._deleted:
            try:
                self.flush()
            except sa_exc.StatementError as err:
                err.add_detail = getattr(err, "add_detail", None)  # type: ignore[attr-defined]
                raise

    def execute(self, statement: Any, params: Any = None, *, execution_options: Any = None,
                bind_arguments: Any = None, **kw: Any) -> Any:
        """Execute a statement; ORM selects return entities (rows of objects and columns)."""
        if self.dispatch.do_orm_execute and not kw.get("_sw_skip_events"):  # events: do_orm_execute
            return _orm_events.orm_execute(self, statement, params, execution_options, bind_arguments)
        attrs = getattr(statement, "_propagate_attrs", None)
        if attrs and ("compile_state_plugin" in attrs or "orm_join" in attrs):
            if getattr(statement, "_is_select_statement", False):
                return self._execute_orm_select(statement, params, execution_options or {})
            if getattr(statement, "is_dml", False):
                from sqlweave.orm.dml import execute_orm_dml

                return execute_orm_dml(self, statement, params, execution_options or {})
        if self.autoflush and not self._flushing and not self._no_autoflush:
            self._autoflush()
        return self.connection().execute(statement, params, execution_options=execution_options)

    def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        """``execute(...).scalars()``: the first column (or entity) of each row."""
        return self.execute(statement, params, **kw).scalars()

    def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        """The first column of the first row, or None."""
        return self.execute(statement, params, **kw).scalar()

    def _compile(self, statement: Any) -> Any:
        from sqlweave.orm.context import compile_orm_select

        return compile_orm_select(statement)

    def _execute_orm_select(self, statement: Any, params: Any, opts: dict[str, Any]) -> Any:
        """Run an ORM select: autoflush, execute the compiled Core statement, build entities.

        With ``yield_per`` the rows are fetched and turned into objects ``yield_per`` at a time
        (eager loaders run per batch), so memory stays bounded by the batch size.
        """
        from sqlweave.orm.context import process_rows
        from sqlweave.orm.loading import make_result

        if self.autoflush and not self._flushing and not self._no_autoflush:
            self._autoflush()
        cs = self._compile(statement)
        sopts = statement._execution_options
        if sopts:
            opts = {**sopts, **opts}
        # a locking read refreshes identities already loaded (reliability rule R12): the row it
        # locked is the truth the caller is about to act on
        populate = bool(opts.get("populate_existing")) or getattr(statement, "_for_update", None) is not None
        yield_per = opts.get("yield_per")
        conn = self._bind_conn(statement._propagate_attrs.get("plugin_subject"))
        core_opts = {k: v for k, v in opts.items() if k not in ("populate_existing", "yield_per")} or None
        if yield_per and cs.has_joined_collection:
            raise sa_exc.InvalidRequestError(
                "The yield_per option is not compatible with joined eager loading of collections: "
                "a parent's related rows may span batches. Use selectinload() instead.")
        if yield_per:
            # Core streams the rows (a server-side cursor where the dialect has one), so memory
            # stays flat in the row count. The eager loads of each batch, lazy loads and
            # autoflushes by the caller still run on the same connection: a PostgreSQL named
            # cursor is a portal that leaves the connection free, SQLite steps its cursor
            # lazily, and on MySQL the Connection first buffers the rest of the unbuffered
            # result (Connection._unblock) when another statement is sent.
            core_opts = {**(core_opts or {}), "yield_per": yield_per, "stream_results": True}
        result = conn.execute(cs.statement, params, execution_options=core_opts)
        if yield_per:

            # rows are read from the cursor yield_per at a time and turned into objects batch by
            # batch
            def batch(chunk: Any) -> list[Any]:
                return process_rows(self, cs, chunk, populate, entities=True)

            # chunks fetched and turned into objects lazily, chained at C speed
            chunks = iter(functools.partial(result._fetchmany_tuples, yield_per), [])
            batches = itertools.chain.from_iterable(map(batch, chunks))
            res = make_result(cs.keys, batches, False, result.close, single=cs.single_entity,
                              metadata=cs.result_metadata())
            res._yield_per = yield_per
            return res
        rows = result._fetchall_tuples()  # plain tuples: the ORM reads positions, not Rows
        out = process_rows(self, cs, rows, populate, entities=True)
        return make_result(cs.keys, out, cs.has_joined_collection, single=cs.single_entity,
                           metadata=cs.result_metadata())

    def _orm_objects(self, statement: Any, params: Any = None) -> list[Any]:
        """Entities of a single-entity ORM select (used by loaders; no Result wrapper)."""
        from sqlweave.orm.context import process_rows

        if self.dispatch.do_orm_execute:  # events: do_orm_execute sees relationship loads
            return list(self._relationship_load(statement, params).scalars())
        if self.autoflush and not self._flushing and not self._no_autoflush:
            self._autoflush()
        cs = self._compile(statement)
        rows = self._bind_conn(statement._propagate_attrs.get("plugin_subject")).execute(
            cs.statement, params)._fetchall_tuples()
        return process_rows(self, cs, rows, unique=True, entities=True)  # type: ignore[return-value]

    def _orm_rows(self, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
        from sqlweave.orm.context import process_rows

        if self.dispatch.do_orm_execute:  # events: do_orm_execute sees relationship loads
            return [tuple(r) for r in self._relationship_load(statement, params)]
        cs = self._compile(statement)
        rows = self._bind_conn(statement._propagate_attrs.get("plugin_subject")).execute(
            cs.statement, params)._fetchall_tuples()
        return process_rows(self, cs, rows, unique=True)

    def _relationship_load(self, statement: Any, params: Any) -> Any:
        """A lazy/selectin relationship load through ``execute()``, so that ``do_orm_execute``
        listeners see it (``orm_execute_state.is_relationship_load`` is True)."""
        return self.execute(statement, params,
                            execution_options={"_sw_relationship_load": True}).unique()

    def _note_lazy_load(self, state: Any, prop: Any) -> None:
        """N+1 detection: called before each lazy load that issues SQL (see sqlweave.orm.loading)."""
        mode = self.n_plus_one
        if mode is not None and state._load_result is not None and not self._n1_off and not self._flushing:
            from sqlweave.orm.loading import note_lazy_load

            note_lazy_load(mode, state, prop)

    def get(self, entity: Any, ident: Any, *, options: Any = None, populate_existing: bool = False,
            with_for_update: Any = None, identity_token: Any = None, execution_options: Any = None) -> Any:
        """The object with this primary key: from the identity map, else one SELECT."""
        mapper = class_mapper(entity)
        if isinstance(ident, dict):
            ident = tuple(ident[k] for k in mapper._pk_keys)
        elif not isinstance(ident, tuple):
            ident = (ident,)
        if len(ident) != len(mapper.primary_key):
            raise sa_exc.InvalidRequestError(
                f"Incorrect number of values in identifier formed from argument; primary key for "
                f"{mapper.class_.__name__} has {len(mapper.primary_key)} columns, got {len(ident)}")
        if not populate_existing and not options and with_for_update is None:
            st = self.identity_map._dict.get((mapper.base_mapper, ident))
            if st is not None:
                obj = st.obj()
                if obj is not None:
                    if st._deleted or st in self._deleted:
                        return None
                    if st.expired_attributes:
                        try:
                            self._load_columns(st, [k for k in mapper._column_keys if k in st.expired_attributes])
                        except orm_exc.ObjectDeletedError:
                            return None
                    return obj
        return self._get_impl(mapper, ident, options, populate_existing, with_for_update)

    def _get_impl(self, mapper: Any, ident: tuple[Any, ...], options: Any = None,
                  populate_existing: bool = False, with_for_update: Any = None) -> Any:
        if self.dispatch.do_orm_execute:  # events: do_orm_execute sees get() (as in SQLAlchemy)
            return self._get_via_execute(mapper, ident, options, populate_existing, with_for_update)
        if not options and not populate_existing and not with_for_update:
            # the per-mapper prepared lookup (see sqlweave.orm.context.GetPlan)
            plan = mapper._loader_cache.get("get_plan")
            if plan is None:
                from sqlweave.orm.context import GetPlan

                plan = mapper._loader_cache["get_plan"] = GetPlan(mapper)
            if self.autoflush and not self._flushing and not self._no_autoflush:
                self._autoflush()
            return plan.load(self, ident)
        from sqlweave.core.sql.selectable import select

        stmt = mapper._get_stmt
        if stmt is None:
            crit = [c == bindparam(f"pk_{i}") for i, c in enumerate(mapper.primary_key)]
            stmt = mapper._get_stmt = select(mapper.class_).where(and_(*crit))
        if options:
            stmt = stmt.options(*options)
        if with_for_update:
            stmt = stmt.with_for_update(**(with_for_update if isinstance(with_for_update, dict) else {}))
        params = {f"pk_{i}": v for i, v in enumerate(ident)}
        if populate_existing:
            stmt = stmt.execution_options(populate_existing=True)
            res = self._execute_orm_select(stmt, params, {"populate_existing": True})
            row = res.first()
            return row[0] if row is not None else None
        objs = self._orm_objects(stmt, params)
        return objs[0] if objs else None

    def _get_via_execute(self, mapper: Any, ident: tuple[Any, ...], options: Any,
                         populate_existing: bool, with_for_update: Any) -> Any:
        """get() as an ORM select through execute(), so do_orm_execute listeners see it."""
        from sqlweave.core.sql.selectable import select

        crit = [c == bindparam(f"pk_{i}") for i, c in enumerate(mapper.primary_key)]
        stmt = select(mapper.class_).where(and_(*crit))
        if options:
            stmt = stmt.options(*options)
        if with_for_update:
            stmt = stmt.with_for_update(**(with_for_update if isinstance(with_for_update, dict) else {}))
        if populate_existing:
            stmt = stmt.execution_options(populate_existing=True)
        params = {f"pk_{i}": v for i, v in enumerate(ident)}
        return self.execute(stmt, params).scalars().first()

    def get_one(self, entity: Any, ident: Any, **kw: Any) -> Any:
        obj = self.get(entity, ident, **kw)
        if obj is None:
            raise sa_exc.NoResultFound("No row was found when one was required")
        return obj

    def query(self, *entities: Any, **kw: Any) -> Any:
        """The legacy Query API over ``select()``."""
        from sqlweave.orm.query import Query

        return (self._query_cls or Query)(entities, self)

    # -- merge -----------------------------------------------------------------------------------
    def merge(self, instance: Any, *, load: bool = True, options: Any = None) -> Any:
        """Copy the state of ``instance`` onto the persistent object with the same identity."""
        return self._merge(instance, load, {})

    def _merge(self, instance: Any, load: bool, memo: dict[int, Any]) -> Any:
        if id(instance) in memo:
            return memo[id(instance)]
        state = instance_state(instance)
        mapper = state.mapper
        if state.session_id == self.hash_key:
            return instance
        d = instance.__dict__
        # a detached object knows its identity even when its key attributes are expired
        pk = state.key[1] if state.key is not None else tuple(d.get(k) for k in mapper._pk_keys)
        if not load and state.key is None:
            raise sa_exc.InvalidRequestError(
                "merge() with load=False option does not support objects transient (i.e. unpersisted) "
                "objects. flush() all changes on mapped instances before merging with load=False.")
        target = None
        if None not in pk:
            key = (mapper.base_mapper, pk)
            target = self.identity_map.get(key)
            if target is None and load:
                target = self.get(mapper.class_, pk)
            elif target is None and not load:
                if state.modified or state.committed_state:
                    raise sa_exc.InvalidRequestError(
                        "merge() with load=False option does not support objects marked as 'dirty'. "
                        "flush() all changes on mapped instances before merging with load=False.")
                target = mapper.class_.__new__(mapper.class_)
                tstate = mapper._new_state(target)
                for k in mapper._column_keys:
                    if k in d:
                        target.__dict__[k] = d[k]
                tstate.key = key
                tstate.session_id = self.hash_key
                self.identity_map._add(tstate)
                memo[id(instance)] = target
                return target
        if target is None:
            target = mapper.class_.__new__(mapper.class_)
            mapper._new_state(target)
            self.add(target)
        memo[id(instance)] = target
        for k in mapper._column_keys:
            if k in d and (k not in target.__dict__ or target.__dict__[k] != d[k]):
                setattr(target, k, d[k])
        for k in mapper._relationship_keys:
            prop = mapper._props[k]
            if k not in d or not prop.cascade.merge:
                continue
            v = d[k]
            if prop.uselist:
                setattr(target, k, [self._merge(x, load, memo) for x in v])
            else:
                setattr(target, k, self._merge(v, load, memo) if v is not None else None)
        return target

    # -- flush -------------------------------------------------------------------------------------
    def flush(self, objects: Any = None) -> None:
        """Write pending changes to the database (inside the current transaction)."""
        if self._flushing:
            raise sa_exc.InvalidRequestError("Session is already flushing")
        if not (self._new or self._modified or self._deleted):
            return
        self._flush(self._autobegin_t(), objects)

    def _flush(self, t: SessionTransaction, objects: Any) -> None:
        """The flush proper, in the (checked) transaction ``t``."""
        if _EVENTS.before_flush and self.dispatch.before_flush:  # events: before_flush
            self.dispatch.before_flush(self, None, objects)
        self._flushing = True
        try:
            (_UOW or _uow_class())(self, t).execute()
        except BaseException as err:
            self._flushing = False
            self._flush_failed(err)
            raise
        self._flushing = False

    def _flush_failed(self, err: BaseException) -> None:
        """Roll the database transaction back; the session needs ``rollback()`` before reuse.

        Inside a SAVEPOINT only the savepoint is lost (as in SQLAlchemy): the innermost nested
        transaction is marked failed, and rolling it back makes the Session usable again.
        """
        if len(self._trans_stack) > 1:
            self._trans_stack[-1]._failed = err
            return
        root = self._trans_stack[0]
        if self._conn is not None:
            try:
                if self._root_conn_trans is not None:
                    self._root_conn_trans.rollback()
                elif self._conn.in_transaction():
                    self._conn.rollback()
            except Exception:  # the original error is what matters
                pass
        root._failed = err


def _uow_class() -> Any:
    """``UOWTransaction``, imported on the first flush (unitofwork imports this module's
    neighbours; a module global keeps later flushes free of the import statement)."""
    global _UOW
    if _UOW is None:
        from sqlweave.orm.unitofwork import UOWTransaction

        _UOW = UOWTransaction
    return _UOW


_UOW: Any = None


class sessionmaker:  # noqa: N801 - SQLAlchemy's name
    """A configured Session factory: ``Session = sessionmaker(engine)``; ``with Session.begin() as s:``."""

    def __init__(self, bind: Any = None, *, class_: type = Session, autoflush: bool = True,
                 expire_on_commit: bool = True, info: Any = None, **kw: Any) -> None:
        self.class_ = class_
        self.kw = {"bind": bind, "autoflush": autoflush, "expire_on_commit": expire_on_commit, "info": info, **kw}

    def __call__(self, **local_kw: Any) -> Session:
        return self.class_(**{**self.kw, **local_kw})  # type: ignore[no-any-return]

    def begin(self) -> Any:
        sess = self()

        class _Begin:
            def __enter__(self) -> Session:
                sess.begin()
                return sess

            def __exit__(self, type_: Any, value: Any, tb: Any) -> None:
                try:
                    if type_ is None:
                        sess.commit()
                    else:
                        sess.rollback()
                finally:
                    sess.close()

        return _Begin()

    def configure(self, **kw: Any) -> None:
        self.kw.update(kw)


def object_session(instance: Any) -> Session | None:
    return instance_state(instance).session  # type: ignore[no-any-return]


def make_transient(instance: Any) -> None:
    state = instance_state(instance)
    sess = state.session
    if sess is not None:
        sess._expunge_state(state, instance, set())
    state.key = None
    state._deleted = False
    state._clear_expired()


_ = (MAPPER_ATTR, NO_VALUE)
