"""The unit of work: order a flush by the mapper dependency graph and emit batched DML.

Saves run parents before children (topological order of mappers over relationships and table
foreign keys), rows of a self-referential mapper are inserted in waves (parents first), many-to-many
association rows are written after both ends exist, and deletes run children first. INSERTs and
UPDATEs are grouped by (table, column set) into executemany calls; objects whose primary key the
database generates are inserted with RETURNING in one batch where the dialect supports it, otherwise
one row at a time so that each object gets its own key.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Set
from itertools import repeat
from typing import Any, TypeVar

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.dml import delete, insert, update
from sqlweave.core.sql.elements import and_, bindparam
from sqlweave.orm import events as _orm_events
from sqlweave.orm import exc as orm_exc
from sqlweave.orm import inheritance as _inheritance  # inheritance: joined-table rows
from sqlweave.orm.base import (
    MANYTOMANY,
    MANYTOONE,
    NO_VALUE,
    ONETOMANY,
    STATE_ATTR,
    generated_function,
    instance_state,
)
from sqlweave.orm.state import NO_COMMITTED, commit_states


class _Ctx:
    """The minimal execution context handed to Python default callables at flush time."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.current_parameters = params

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self.current_parameters


#: which SessionEvents / MapperEvents were ever listened for (see sqlweave.core.event.base.Live)
_SESSION_EVENTS = _orm_events.SessionEvents.live
_MAPPER_EVENTS = _orm_events.MapperEvents.live


def _returning_batches(dialect: Any) -> bool:
    """Whether ``dialect`` runs an executemany ``INSERT ... RETURNING`` whose rows come back in
    the order of the parameter sets (one round trip per batch, each row tied to its object)."""
    return bool(dialect.insert_returning and dialect.insert_executemany_returning
                and getattr(dialect, "insert_executemany_returning_sort_by_parameter_order", False))


def _insert_listened(mapper: Any) -> bool:
    """Whether ``before_insert`` or ``after_insert`` listeners see ``mapper``'s INSERTs (the
    process-wide flags first: no dispatch read while nothing listens for either anywhere)."""
    return bool((_MAPPER_EVENTS.before_insert and mapper.dispatch.before_insert)
                or (_MAPPER_EVENTS.after_insert and mapper.dispatch.after_insert))


_NOTHING: frozenset[str] = frozenset()
_NO_STATES: list[Any] = []  # read only
_NO_POST: list[Any] = []  # read only: an empty post-insert plan


class _InsertShape:
    """What an INSERT of one column set needs, worked out once per (mapper, column set): the
    primary key columns the database generates, the columns fetched back, the statement and its
    RETURNING forms (built on first use)."""

    __slots__ = ("sig", "missing_pk", "fetch", "fetch_keys", "fetched", "stmt", "_returning", "_post",
                 "autoinc_key", "autoinc_col_key", "compiled", "many_compiled")

    def __init__(self, mapper: Any, sig: tuple[str, ...]) -> None:
        table = mapper.local_table
        c2k = mapper._column_to_key
        self.missing_pk = [c for c in mapper.primary_key if c.key not in sig]
        # server-generated values the object can't know: defaults, SQL-expression defaults
        missing_ids = {id(c) for c in self.missing_pk}
        server_cols = [c for c in table.columns if c.key not in sig and id(c) not in missing_ids
                       and c in c2k
                       and (c.server_default is not None
                            or (c.default is not None and c.default.is_clause_element))]
        self.fetch = self.missing_pk + (server_cols if mapper.eager_defaults else [])
        self.fetch_keys = [c2k[c] for c in self.fetch]
        # the attribute key (and column key) of the autoincrement primary key when it is the only
        # value to fetch: a single-row INSERT then takes it from the driver (see _insert_rows)
        autoinc = getattr(table, "_autoincrement_column", None)
        self.autoinc_key: str | None = None
        self.autoinc_col_key: str | None = None
        if autoinc is not None and len(self.fetch) == 1 and self.fetch[0] is autoinc:
            self.autoinc_key = c2k[autoinc]
            self.autoinc_col_key = autoinc.key
        self.fetched = frozenset(self.fetch_keys)
        self.stmt = insert(table)
        #: (dialect, compiled form, extracted binds) of ``stmt`` with this column set, from its
        #: first execution: the single-row INSERT runs it again without the cache lookup
        self.compiled: tuple[Any, Any, list[Any]] | None = None
        #: the same for the executemany INSERT ... RETURNING of this column set (returning(True))
        self.many_compiled: tuple[Any, Any, list[Any]] | None = None
        self.sig = sig
        self._returning: dict[bool, Any] = {}
        self._post: dict[frozenset[str], list[tuple[str, str | None, bool, bool]]] = {}

    def post_plan(self, plan: list[tuple[str, str | None, bool, bool]],
                  fetched: frozenset[str]) -> list[tuple[str, str | None, bool, bool]]:
        """The entries of the mapper's post-insert plan that can do anything for this column
        set: not fetched back, and not given in the parameters (or a SQL expression to expire).
        Usually empty, so that the per-object loop costs nothing."""
        post = self._post.get(fetched)
        if post is None:
            post = self._post[fetched] = [
                entry for entry in plan
                if entry[0] not in fetched and (entry[1] is None or entry[1] not in self.sig)]
        return post

    def returning(self, sort_by_parameter_order: bool) -> Any:
        """The INSERT with ``RETURNING`` the fetched columns (statements are immutable, so one
        object serves every flush and its compiled form is found by the engine's cache)."""
        stmt = self._returning.get(sort_by_parameter_order)
        if stmt is None:
            stmt = self._returning[sort_by_parameter_order] = self.stmt.returning(
                *self.fetch, sort_by_parameter_order=sort_by_parameter_order)
        return stmt


_P = TypeVar("_P", bound="_MapperPlan")


class _MapperPlan:
    """Base of the per-mapper flush plans: built once per mapper and kept in
    ``mapper._loader_cache`` (which the mapper resets when its properties change), with one
    *shape* (statement and fetch details) per column set, made on first use."""

    __slots__ = ("mapper", "shapes")
    _shape_cls: Any

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper
        self.shapes: dict[tuple[str, ...], Any] = {}

    @classmethod
    def of(cls: type[_P], mapper: Any) -> _P:
        plan = mapper._loader_cache.get(cls)
        if plan is None:
            plan = mapper._loader_cache[cls] = cls(mapper)
        return plan  # type: ignore[no-any-return]

    def shape(self, sig: tuple[str, ...]) -> Any:
        shape = self.shapes.get(sig)
        if shape is None:
            shape = self.shapes[sig] = self._shape_cls(self.mapper, sig)
        return shape


class _InsertPlan(_MapperPlan):
    """Per mapper, built once and kept in ``mapper._loader_cache`` (which the mapper resets when
    its properties change): how an object's ``__dict__`` becomes INSERT parameters, what is done
    to the object afterwards, and an :class:`_InsertShape` per column set."""

    __slots__ = ("cols", "post", "plain", "plain_params", "optional", "special", "n_plain", "plain_sig",
                 "one_shape", "_row_fns")
    _shape_cls = _InsertShape

    def __init__(self, mapper: Any) -> None:
        super().__init__(mapper)
        table = mapper.local_table
        autoinc = table._autoincrement_column if hasattr(table, "_autoincrement_column") else None
        vcol = mapper.version_id_col
        vgen = mapper.version_id_generator
        # (key, column key, None means "use the default", is the version column, Python-side
        # default) for this table's columns; SQL expressions and other tables' are out
        self.cols: list[tuple[str, str, bool, bool, Any]] = []
        for key in mapper._column_keys:
            col = mapper._props[key].columns[0]
            if getattr(col, "table", None) is not table:
                continue
            dflt = col.default if col.default is not None and not getattr(col.default, "is_sequence", False) else None
            self.cols.append((key, col.key, col is autoinc or col.server_default is not None or col.default is not None,
                              vcol is not None and col is vcol and vgen is not False, dflt))
        self.post = UOWTransaction._post_insert_plan(mapper)
        # (key, column key) of the columns whose parameter is the attribute's value, whatever
        # it is (no default, not the version counter)
        plain = [(key, ckey) for key, ckey, none_is_default, is_version, _ in self.cols
                 if not none_is_default and not is_version]
        # ... of the columns given only when the attribute holds a value other than None (the
        # database decides otherwise: autoincrement keys, server defaults, SQL defaults)
        self.optional = [(key, ckey) for key, ckey, none_is_default, is_version, dflt in self.cols
                         if none_is_default and not is_version and dflt is None]
        self.plain = plain
        self.n_plain = len(plain)
        self.plain_sig = tuple(ckey for _, ckey in plain)
        self.plain_params = _plain_params(mapper, plain, self.optional)
        # the columns whose value may have to be made first (the version counter, Python-side
        # defaults): looked at one by one, after plain_params
        self.special = [entry for entry in self.cols if entry[3] or entry[4] is not None]
        self._row_fns: dict[tuple[str, ...], Callable[[dict[str, Any]], tuple[Any, ...] | None]] = {}
        # the shape of the plain column set when an object with exactly those values needs
        # nothing but its autoincrement key back (see UOWTransaction._insert_one and
        # _insert_many_rows)
        self.one_shape: _InsertShape | None = None
        if len(mapper.tables) == 1 and not self.special:
            shape = self.shape(self.plain_sig)
            if shape.autoinc_key is not None and len(mapper._pk_keys) == 1 \
                    and not shape.post_plan(self.post, shape.fetched):
                self.one_shape = shape

    def plain_row(self, keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...] | None]:
        """``d -> tuple`` of an object's plain column values in the order of ``keys`` (the
        column keys of a compiled INSERT, in DBAPI order): ``plain_params`` without the dict.
        None when one of the optional columns holds a value (its INSERT has more columns);
        KeyError when a plain attribute was never set."""
        fn = self._row_fns.get(keys)
        if fn is None:
            attr_of = {ckey: key for key, ckey in self.plain}
            values = ", ".join(f"d[{attr_of[ckey]!r}]" for ckey in keys)
            lines = ["def row(d):"]
            lines += [f"    if d.get({key!r}) is not None:\n        return None" for key, _ in self.optional]
            lines.append(f"    return ({values},)\n")
            fn = self._row_fns[keys] = generated_function(
                "\n".join(lines), "row", f"INSERT rows for {self.mapper.class_.__name__}")
        return fn  # type: ignore[no-any-return]

    def partial_params(self, d: dict[str, Any]) -> dict[str, Any]:
        """``plain_params`` of an object that lacks some of the plain attributes (never set):
        their columns are left out of its INSERT."""
        params = {ckey: d[key] for key, ckey in self.plain if key in d}
        for key, ckey in self.optional:
            v = d.get(key)
            if v is not None:
                params[ckey] = v
        return params


def _plain_params(mapper: Any, plain: list[tuple[str, str]],
                  optional: list[tuple[str, str]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``d -> {column key: d[key], ...}`` for the (key, column key) pairs of ``plain``, plus
    the ``optional`` ones whose attribute holds a value other than None: the INSERT parameters
    of an object that has all of the plain attributes (KeyError when one is missing).
    Generated as one dict display, which costs about half of a comprehension."""
    body = ", ".join(f"{ckey!r}: d[{key!r}]" for key, ckey in plain)
    lines = ["def params(d):", f"    p = {{{body}}}"]
    for key, ckey in optional:
        lines.append(f"    v = d.get({key!r})")
        lines.append("    if v is not None:")
        lines.append(f"        p[{ckey!r}] = v")
    lines.append("    return p\n")
    return generated_function("\n".join(lines), "params", f"INSERT parameters for {mapper.class_.__name__}")


def _add_to_group(groups: dict[tuple[Any, ...], tuple[list[Any], list[dict[str, Any]]]], state: Any,
                  params: dict[str, Any]) -> None:
    """Put ``state`` and its INSERT ``params`` in the group of its column set."""
    sig = tuple(params)
    group = groups.get(sig)
    if group is None:
        groups[sig] = ([state], [params])
    else:
        group[0].append(state)
        group[1].append(params)


def _key_criteria(mapper: Any) -> Any:
    """``pk_0 = :pk_0 AND ...`` (and ``version = :ver_old`` for a versioned mapper)."""
    crit = [c == bindparam(f"pk_{i}") for i, c in enumerate(mapper.primary_key)]
    if mapper.version_id_col is not None:
        crit.append(mapper.version_id_col == bindparam("ver_old"))
    return and_(*crit)


class _UpdateShape:
    """Per (mapper, column set), built once: the UPDATE ... WHERE key (and version) = ... and the
    server-side values it may fetch back with RETURNING."""

    __slots__ = ("stmt", "fetch", "fetch_ids", "want_returning", "_returning")

    def __init__(self, mapper: Any, sig: tuple[str, ...]) -> None:
        table = mapper.local_table
        vcol = mapper.version_id_col
        self.stmt = update(table).where(_key_criteria(mapper))
        # server-side values of the UPDATE (SQL onupdate, server_onupdate, server versioning)
        self.fetch = [c for c in table.columns if c.key not in sig and c in mapper._column_to_key
                      and (c.server_onupdate is not None
                           or (c.onupdate is not None and c.onupdate.is_clause_element))]
        self.fetch_ids = {id(c) for c in self.fetch}
        # RETURNING (where the dialect has it) when asked for, or to learn a server-side version
        self.want_returning = bool(self.fetch) and (
            mapper.eager_defaults is True or (vcol is not None and id(vcol) in self.fetch_ids))
        self._returning: Any = None

    def returning(self) -> Any:
        if self._returning is None:
            self._returning = self.stmt.returning(*self.fetch)
        return self._returning


class _UpdatePlan(_MapperPlan):
    """Per mapper, built once and kept in ``mapper._loader_cache``: the attributes that are
    columns of the mapper's table (attribute key -> column key), the primary key parameter names,
    onupdate and expression bookkeeping, and an :class:`_UpdateShape` per column set."""

    __slots__ = ("cols", "pk_params", "vkey", "py_onupdate", "srv_onupdate", "expr_keys", "_delete_stmt")
    _shape_cls = _UpdateShape

    def __init__(self, mapper: Any) -> None:
        super().__init__(mapper)
        table = mapper.local_table
        props = mapper._props
        vcol = mapper.version_id_col
        c2k = mapper._column_to_key
        self.cols: dict[str, str] = {}
        for key, prop in props.items():
            if prop._is_column:
                col = prop.columns[0]
                if getattr(col, "table", None) is table:
                    self.cols[key] = col.key
        self.pk_params = [f"pk_{i}" for i in range(len(mapper.primary_key))]
        self.vkey: str = c2k[vcol] if vcol is not None else ""
        self.py_onupdate = [(c, c2k[c]) for c in table.columns if c.onupdate is not None and c is not vcol
                            and (c.onupdate.is_scalar or c.onupdate.is_callable) and c in c2k]
        self.srv_onupdate = [(c, c2k[c]) for c in table.columns
                             if (c.onupdate is not None or c.server_onupdate is not None) and c in c2k]
        self.expr_keys = [k for k in mapper._column_keys if props[k]._is_expression
                          and props[k].expire_on_flush and not props[k]._query_expression]
        self._delete_stmt: Any = None

    def delete_stmt(self) -> Any:
        """DELETE ... WHERE key (and version) = ... (the same parameters as the UPDATE's)."""
        if self._delete_stmt is None:
            self._delete_stmt = delete(self.mapper.local_table).where(_key_criteria(self.mapper))
        return self._delete_stmt


class UOWTransaction:
    """One flush."""

    def __init__(self, session: Any, trans: Any) -> None:
        self.session = session
        self.trans = trans
        conn = session._conn  # the flush has autobegun (and checked) the transaction already
        self.conn = conn if conn is not None else session._begin_connection()
        self.dialect = self.conn.dialect
        self.inserted: list[Any] = []
        self.updated: list[Any] = []

    def _conn_for(self, mapper: Any) -> Any:
        """The connection holding ``mapper``'s table (``Session(binds=...)``); the session's own
        connection otherwise."""
        if mapper is None or not self.session.binds:
            return self.conn
        return self.session.connection(bind_arguments={"mapper": mapper})

    # -- entry point -------------------------------------------------------------------------------
    def execute(self) -> None:
        sess = self.session
        if not sess._modified and not sess._deleted and self._insert_only():
            return
        new_states, dirty, deleted, new_by, mappers = self._gather()
        # relationship work (cascades, foreign key sync, post_update, many-to-many) only when a
        # mapper in this flush has relationships: a flush of plain rows skips all of it
        rels = False
        for m in mappers:
            if m._relationship_keys:
                rels = True
                break
        if rels:
            self._cascades()
            new_states, dirty, deleted, new_by, mappers = self._gather()
            for m in list(mappers):
                for key in m._relationship_keys:
                    prop = m._props[key]
                    if prop.direction == ONETOMANY and prop.mapper not in mappers and not prop.viewonly:
                        mappers.append(prop.mapper)
        order = _sort_mappers(mappers) if len(mappers) > 1 else mappers
        # the dirty objects by mapper, while nothing else is marked modified (the set only grows
        # during a flush, so an unchanged size means unchanged contents)
        n_modified = len(sess._modified)
        dirty_by: dict[Any, list[Any]] = {}
        for s in dirty:
            group = dirty_by.get(s.mapper)
            if group is None:
                dirty_by[s.mapper] = [s]
            else:
                group.append(s)
        parents_by_child = self._collection_parents(new_states + dirty + deleted) if rels else {}
        # saves, parents first
        sess_deleted = sess._deleted
        for m in order:
            has_rels = rels and bool(m._relationship_keys)
            if rels:
                self._sync_children_of(m, parents_by_child)
            ins = new_by.get(m)
            if ins:
                if has_rels:
                    for s in ins:
                        self._sync_many_to_one(s)
                if m._relationship_keys:
                    self._insert(m, ins, parents_by_child)
                else:  # no self-referential waves to order
                    self._insert_batch(m, ins)
            if not sess._modified:
                continue
            if len(sess._modified) == n_modified:
                upd = dirty_by.get(m, [])
            else:
                # re-read: foreign key sync and before_* listeners changed more objects
                just_inserted = self.inserted_set()
                upd = [s for s in sess._modified if s.mapper is m and s.key is not None
                       and s not in sess_deleted and s not in just_inserted]
            if has_rels:
                for s in upd:
                    self._sync_many_to_one(s)
            if upd:
                self._update(m, upd)
        if rels:
            self._post_updates(new_states + dirty)
            self._many_to_many(new_states + dirty, deleted)
            self._post_update_deletes(deleted)
        if deleted:
            dels_by: dict[Any, list[Any]] = {}
            for s in deleted:
                dels_by.setdefault(s.mapper, []).append(s)
            for m in reversed(order):
                dels = dels_by.get(m)
                if dels:
                    self._delete(m, dels)
        self._flushed(deleted)

    def _insert_only(self) -> bool:
        """The flush of a session holding only new objects of mappers without relationships (rows
        to insert, nothing to cascade, sync, update or delete): done in one pass here. False,
        having done nothing, when the flush needs the general path."""
        new = self.session._new
        if len(new) == 1:  # one new object (a web request's flush)
            (s,) = new
            m = s.mapper
            if m._relationship_keys:
                return False
            plan = m._loader_cache.get(_InsertPlan) or _InsertPlan.of(m)
            if plan.one_shape is None or not self._insert_one(m, plan, s):
                self._insert_batch(m, [s])
            elif not _SESSION_EVENTS._any:  # _flushed() with no one to tell: commit the one state
                commit_states(self.inserted)
                return True
            self._flushed(_NO_STATES)
            return True
        new_by: dict[Any, list[Any]] = {}
        last = group = None  # runs of one mapper (the usual case) skip the checks and the lookup
        for s in new:
            m = s.mapper
            if m is not last:
                if m._relationship_keys:
                    return False
                last = m
                group = new_by.get(m)
                if group is None:
                    group = new_by[m] = []
            group.append(s)  # type: ignore[union-attr]
        for m in _sort_mappers(list(new_by)) if len(new_by) > 1 else new_by:
            self._insert_batch(m, new_by[m])
        self._flushed(_NO_STATES)
        return True

    def _flushed(self, deleted: list[Any]) -> None:
        """The end of a flush: ``after_flush``, the states' bookkeeping, the state events."""
        sess = self.session
        if not _SESSION_EVENTS._any:  # no session listeners (the usual case)
            self._finish(deleted)
            return
        if sess.dispatch.after_flush:  # events: after_flush
            sess.dispatch.after_flush(sess, self)
        self._finish(deleted)
        if sess.dispatch:  # events: pending_to_persistent, persistent_to_deleted, after_flush_postexec
            _orm_events.fire_state_event(sess, "pending_to_persistent", self.inserted)
            _orm_events.fire_state_event(sess, "persistent_to_deleted", deleted)
            if sess.dispatch.after_flush_postexec:
                sess.dispatch.after_flush_postexec(sess, self)

    def _gather(self) -> tuple[list[Any], list[Any], list[Any], dict[Any, list[Any]], list[Any]]:
        """(pending states, dirty persistent states, states to delete, pending states by mapper,
        the mappers involved in first-seen order); objects marked for deletion are neither saved
        nor updated."""
        sess = self.session
        sess_deleted = sess._deleted
        new_states = [s for s in sess._new if s not in sess_deleted] if sess_deleted else list(sess._new)
        new_by: dict[Any, list[Any]] = {}
        last = group = None  # runs of one mapper (the usual case) skip the dict lookup
        for s in new_states:
            m = s.mapper
            if m is not last:
                last = m
                group = new_by.get(m)
                if group is None:
                    group = new_by[m] = []
            group.append(s)  # type: ignore[union-attr]
        dirty = [s for s in sess._modified if s.key is not None and s not in sess_deleted]
        deleted = list(sess_deleted)
        mappers = list(new_by)
        for s in dirty:
            if s.mapper not in mappers:
                mappers.append(s.mapper)
        for s in deleted:
            if s.mapper not in mappers:
                mappers.append(s.mapper)
        return new_states, dirty, deleted, new_by, mappers

    def inserted_set(self) -> set[Any]:
        s = self.__dict__.get("_ins_set")
        if s is None or len(s) != len(self.inserted):
            s = self.__dict__["_ins_set"] = set(self.inserted)
        return s

    # -- cascades and orphans ------------------------------------------------------------------------
    def _cascades(self) -> None:
        sess = self.session
        seen: set[int] = set()
        work = list(sess._new) + list(sess._modified)
        while work:
            state = work.pop()
            if id(state) in seen:
                continue
            seen.add(id(state))
            obj = state.obj()
            if obj is None:
                continue
            d = obj.__dict__
            for key in state.mapper._relationship_keys:
                prop = state.mapper._props[key]
                if prop.viewonly:
                    continue
                if prop.cascade.save_update and key in d and d[key] is not None:
                    for item in prop._cascade_members(d[key]):
                        ist = item.__dict__.get(STATE_ATTR) or instance_state(item)
                        if ist.session_id is None:
                            sess._save_or_update_state(ist, item)
                            work.append(ist)
                if prop.cascade.delete_orphan and key in state.committed_state and state.key is not None:
                    old = state.committed_state[key]
                    if prop._writeonly:
                        old_items = list(d[key]._pending_removed) if key in d else []
                        cur_ids: set[int] = set()
                    else:
                        old_items = prop._cascade_members(old)
                        cur_ids = {id(x) for x in prop._cascade_members(d.get(key))}
                    for item in old_items:
                        if id(item) in cur_ids:
                            continue
                        if self._has_other_parent(prop, item):
                            continue
                        ist = instance_state(item)
                        if ist.key is not None:
                            sess._delete_state(ist, item, set())
                        elif ist in sess._new:
                            sess.expunge(item)
        # parents being deleted: null out children's foreign keys (no delete cascade)
        for state in list(sess._deleted):
            obj = state.obj()
            for key in state.mapper._relationship_keys:
                prop = state.mapper._props[key]
                if prop.viewonly or prop.direction != ONETOMANY or prop.cascade.delete:
                    continue
                if prop.passive_deletes == "all" or (prop.passive_deletes and key not in obj.__dict__):
                    continue  # the database (ON DELETE ...) takes care of the children
                with sess.no_autoflush:
                    v = getattr(obj, key)
                    children = prop._members_of(v)
                for child in children:
                    cst = instance_state(child)
                    if cst in sess._deleted:
                        continue
                    cd = child.__dict__
                    for src, dest in prop.synchronize_pairs:
                        ck = prop.mapper._column_to_key[dest]
                        if cd.get(ck) == _value(obj, state.mapper._column_to_key[src]):
                            _set_fk(cst, child, ck, None)

    def _has_other_parent(self, prop: Any, item: Any) -> bool:
        bp = prop.back_prop
        if bp is not None and not bp.uselist:
            v = item.__dict__.get(bp.key, NO_VALUE)
            return v is not None and v is not NO_VALUE
        return False

    # -- foreign key synchronisation ------------------------------------------------------------------
    def _collection_parents(self, states: list[Any]) -> dict[Any, list[tuple[Any, Any, list[Any], list[Any]]]]:
        """child mapper -> [(prop, parent_state, added children, removed children)] for one-to-many."""
        out: dict[Any, list[Any]] = {}
        from sqlweave.orm.state import get_history

        for state in states:
            obj = state.obj()
            if obj is None:
                continue
            d = obj.__dict__
            for key in state.mapper._relationship_keys:
                prop = state.mapper._props[key]
                if prop.direction != ONETOMANY or prop.viewonly or prop.post_update:
                    continue
                if key not in state.committed_state and not (state.key is None and key in d):
                    continue
                h = get_history(state, key)
                added = [x for x in h.added if x is not None]
                removed = [x for x in h.deleted if x is not None]
                if added or removed:
                    out.setdefault(prop.mapper, []).append((prop, state, added, removed))
        return out

    def _sync_children_of(self, child_mapper: Any, parents_by_child: dict[Any, Any]) -> None:
        for prop, pstate, added, removed in parents_by_child.get(child_mapper, ()):
            pobj = pstate.obj()
            pm = pstate.mapper
            for child in removed:
                cst = instance_state(child)
                if cst in self.session._deleted or cst._deleted:
                    continue
                cd = child.__dict__
                for src, dest in prop.synchronize_pairs:
                    ck = prop.mapper._column_to_key[dest]
                    if cd.get(ck) == _value(pobj, pm._column_to_key[src]) and not _attached_elsewhere(prop, child, pobj):
                        _set_fk(cst, child, ck, None)
            for child in added:
                cst = instance_state(child)
                for src, dest in prop.synchronize_pairs:
                    ck = prop.mapper._column_to_key[dest]
                    v = _value(pobj, pm._column_to_key[src])
                    if v is not None:
                        _set_fk(cst, child, ck, v)

    def _sync_many_to_one(self, state: Any) -> None:
        obj = state.obj()
        d = obj.__dict__
        mapper = state.mapper
        for key in mapper._relationship_keys:
            prop = mapper._props[key]
            if prop.direction != MANYTOONE or prop.viewonly or prop.post_update:
                continue
            if key not in state.committed_state and not (state.key is None and key in d):
                continue
            parent = d.get(key)
            tm = prop.mapper
            for src, dest in prop.synchronize_pairs:
                ck = mapper._column_to_key[dest]
                if parent is None:
                    if state.committed_state.get(key, NO_VALUE) not in (None, NO_VALUE) or state.key is None:
                        if state.key is None and ck in d and key not in state.committed_state:
                            continue
                        _set_fk(state, obj, ck, None)
                else:
                    _set_fk(state, obj, ck, _value(parent, tm._column_to_key[src]))

    # -- INSERT ---------------------------------------------------------------------------------------------
    def _insert(self, mapper: Any, states: list[Any], parents_by_child: dict[Any, Any]) -> None:
        waves = self._self_ref_waves(mapper, states) if mapper._relationship_keys else [states]
        for wave in waves:
            if len(waves) > 1:
                self._sync_children_of(mapper, parents_by_child)
                for s in wave:
                    self._sync_many_to_one(s)
            self._insert_batch(mapper, wave)

    def _self_ref_waves(self, mapper: Any, states: list[Any]) -> list[list[Any]]:
        self_props = [mapper._props[k] for k in mapper._relationship_keys
                      if mapper._props[k].mapper is mapper and mapper._props[k].direction != MANYTOMANY
                      and not mapper._props[k].viewonly and not mapper._props[k].post_update]
        if not self_props:
            return [states]
        pending = set(states)
        deps: dict[Any, set[Any]] = {s: set() for s in states}
        for s in states:
            d = s.obj().__dict__
            for prop in self_props:
                v = d.get(prop.key)
                if v is None:
                    continue
                if prop.direction == MANYTOONE:
                    pst = instance_state(v)
                    if pst in pending and pst is not s:
                        deps[s].add(pst)
                else:
                    for child in prop._cascade_members(v):
                        cst = instance_state(child)
                        if cst in pending and cst is not s:
                            deps[cst].add(s)
        waves = []
        done: set[Any] = set()
        remaining = list(states)
        while remaining:
            wave = [s for s in remaining if deps[s] <= done]
            if not wave:
                raise orm_exc.FlushError(
                    f"Circular dependency among pending {mapper.class_.__name__} objects "
                    f"({', '.join(s._repr() for s in remaining[:3])}): each row needs another's key "
                    "first; set post_update=True on one of the relationships to break the cycle")
            waves.append(wave)
            done.update(wave)
            remaining = [s for s in remaining if s not in done]
        return waves

    def _insert_batch(self, mapper: Any, states: list[Any]) -> None:
        if len(mapper.tables) > 1:  # inheritance: joined-table subclass
            return _inheritance.insert_joined(self, mapper, states)
        plan = _InsertPlan.of(mapper)
        if plan.special or mapper.dispatch.before_insert:
            groups = self._insert_params_each(mapper, plan, states)
        elif len(states) == 1 and plan.one_shape is not None and self._insert_one(mapper, plan, states[0]):
            return
        elif len(states) > 1 and self._insert_many_rows(mapper, plan, states):
            return
        else:
            groups = self._insert_params(plan, states)
        conn = self._conn_for(mapper)
        dialect = conn.dialect
        for sig, (gstates, gparams) in groups.items():
            shape = plan.shape(sig)
            fetched, rows = self._insert_rows(mapper, conn, dialect, shape, gstates, gparams)
            self._post_insert_many(mapper, conn, gstates, gparams, fetched, shape.post_plan(plan.post, fetched),
                                   rows, shape.fetch_keys)

    def _insert_many_rows(self, mapper: Any, plan: _InsertPlan, states: list[Any]) -> bool:
        """The INSERT of many new objects that give exactly the plain columns and get only their
        autoincrement key back (the usual bulk ``add_all()``): the executemany ``INSERT ...
        RETURNING`` of the plain columns, compiled through the engine's cache and remembered per
        dialect, runs with DBAPI tuples made straight from the objects (no parameter dict per
        object) on a driver with positional parameters. False, having done nothing, when that
        does not apply (the general path then runs)."""
        shape = plan.one_shape  # the plain column set; None unless only the key comes back
        if shape is None or (_MAPPER_EVENTS._any and _insert_listened(mapper)):
            return False
        conn = self._conn_for(mapper)
        dialect = conn.dialect
        run = shape.many_compiled
        if run is None or run[0] is not dialect:
            if not _returning_batches(dialect) or not conn._runs_compiled(dialect):
                return False
            compiled, extracted = conn._compiled_for(shape.returning(True), plan.plain_sig, True)
            run = shape.many_compiled = (dialect, compiled, extracted)
        elif not conn._runs_compiled(dialect):
            return False
        compiled = run[1]
        keys = compiled._fast_many_keys
        if keys is None:  # named parameters (psycopg2): dicts it is
            return False
        row_of = plan.plain_row(keys)
        try:
            rows = [row_of(s().__dict__) for s in states]
        except KeyError:  # an attribute never set: its column is left out of that INSERT
            return False
        if None in rows:  # an optional column (a key given, a server default overridden) is set
            return False
        fetched = conn._execute_compiled_rows(compiled, rows, run[2])._fetchall_tuples()
        if len(fetched) != len(states):
            raise orm_exc.FlushError(
                f"INSERT into {mapper.local_table.name!r} returned {len(fetched)} rows for "
                f"{len(states)} objects")
        self._post_insert_many(mapper, conn, states, rows, shape.fetched, _NO_POST, fetched, shape.fetch_keys)
        return True

    def _insert_one(self, mapper: Any, plan: _InsertPlan, state: Any) -> bool:
        """The INSERT of a lone new object that gives every plain column and leaves only its
        autoincrement key to the database (the one-object flush of a web request):
        :meth:`_insert_batch` for one row, without its grouping and batching. False, having
        done nothing, when the object needs more (the general path then runs)."""
        obj = state()
        d = obj.__dict__
        try:
            params = plan.plain_params(d)
        except KeyError:
            return False
        if len(params) != plan.n_plain or (_MAPPER_EVENTS._any and _insert_listened(mapper)):
            return False
        shape: _InsertShape = plan.one_shape  # type: ignore[assignment]  # callers check it
        conn = self.conn if not self.session.binds else self._conn_for(mapper)
        run = shape.compiled
        if run is not None and conn._runs_compiled(run[0]):
            result = conn._execute_compiled(run[1], params, run[2])
        else:
            result = conn.execute(shape.stmt, params)
            ctx = result.context
            shape.compiled = (conn.dialect, ctx.compiled, ctx._extracted)
        ctx = result.context
        returned = ctx.returned_defaults  # _autoinc_key(), inline
        pk = returned.get(shape.autoinc_col_key) if returned is not None else ctx.lastrowid or None
        if pk is None:
            self._autoinc_key(ctx, mapper, shape, state)  # raises FlushError
        d[shape.autoinc_key] = pk
        ident = (mapper.base_mapper, (pk,))
        sess = self.session
        imap = sess.identity_map._dict
        existing = imap.setdefault(ident, state)
        if existing is not state:
            self._post_insert_failed(state, existing, ident, imap)
        state.key = ident
        sess._new.pop(state, None)
        for t in sess._trans_stack:
            t._inserted[state] = obj
        self.inserted.append(state)
        return True

    @staticmethod
    def _autoinc_key(ctx: Any, mapper: Any, shape: _InsertShape, state: Any) -> Any:
        """The autoincrement key of the one row a plain INSERT made: from the driver
        (``lastrowid``, or PostgreSQL's implicit RETURNING), as the execution context has it."""
        returned = ctx.returned_defaults
        pk = returned.get(shape.autoinc_col_key) if returned is not None else ctx.lastrowid or None
        if pk is None:
            raise orm_exc.FlushError(
                f"INSERT into {mapper.local_table.name!r} gave no autoincrement key for "
                f"{state._repr()}; check that the primary key is generated by the database")
        return pk

    @staticmethod
    def _insert_params(plan: _InsertPlan, states: list[Any]) -> dict[tuple[Any, ...], tuple[list[Any], list[dict[str, Any]]]]:
        """The INSERT parameters of ``states`` grouped by column set (parallel lists of states and
        parameters, groups in first-seen order), for a mapper whose columns need no values made
        at flush time and no ``before_insert`` listener: the usual case, one generated call per
        object and no column-set tuple unless an object's columns differ from the plain ones."""
        params_of, n_plain = plan.plain_params, plan.n_plain
        groups: dict[tuple[Any, ...], tuple[list[Any], list[dict[str, Any]]]] = {}
        gstates: list[Any] | None = None
        gparams: list[dict[str, Any]] = []
        for state in states:
            try:
                params = params_of(state().__dict__)
            except KeyError:  # some attributes were never set: their columns are left out
                params = plan.partial_params(state().__dict__)
            else:
                if len(params) == n_plain:  # exactly the plain columns
                    if gstates is None:
                        gstates, gparams = groups[plan.plain_sig] = ([], [])
                    gstates.append(state)
                    gparams.append(params)
                    continue
            _add_to_group(groups, state, params)
        return groups

    def _insert_params_each(self, mapper: Any, plan: _InsertPlan,
                            states: list[Any]) -> dict[tuple[Any, ...], tuple[list[Any], list[dict[str, Any]]]]:
        """:meth:`_insert_params` with ``before_insert`` listeners and the values made at
        flush time (the version counter, Python-side column defaults), object by object."""
        params_of, special = plan.plain_params, plan.special
        vgen = mapper.version_id_generator
        before_insert = mapper.dispatch.before_insert
        groups: dict[tuple[Any, ...], tuple[list[Any], list[dict[str, Any]]]] = {}
        for state in states:
            obj = state()
            if before_insert:  # events: before_insert
                mapper.dispatch.before_insert(mapper, self._conn_for(mapper), obj)
            d = obj.__dict__
            try:
                params = params_of(d)
            except KeyError:  # some attributes were never set: their columns are left out
                params = plan.partial_params(d)
            for key, ckey, none_is_default, is_version, dflt in special:
                if key in d:
                    v = d[key]
                    if v is None and none_is_default:
                        continue
                    params[ckey] = v
                elif is_version:
                    v = vgen(None)
                    d[key] = v
                    params[ckey] = v
                elif dflt is not None:
                    if dflt.is_scalar:
                        v = dflt.arg
                    elif dflt.is_callable:
                        v = dflt.arg(_Ctx(params))
                    else:
                        continue  # a SQL expression: rendered by Core, fetched below
                    d[key] = v
                    params[ckey] = v
            _add_to_group(groups, state, params)
        return groups

    def _insert_rows(self, mapper: Any, conn: Any, dialect: Any, shape: _InsertShape,
                     states: list[Any], plist: list[dict[str, Any]]) -> tuple[frozenset[str], list[Any] | None]:
        """Run the INSERT(s) of one column set: one round trip with RETURNING where the dialect
        can tie rows to parameters, otherwise one row at a time when keys must come back,
        otherwise one executemany. Returns the keys of the attributes fetched by RETURNING, and
        the fetched rows (one per object, in ``shape.fetch_keys`` order) when they are still to
        be put on the objects (:meth:`_post_insert_many` does, in its loop over them)."""
        fetch = shape.fetch
        many = len(states) > 1
        if not many and shape.autoinc_key is not None:
            # one row whose only unknown is the autoincrement key: the plain INSERT, the key from
            # the driver (lastrowid, or the implicit RETURNING of PostgreSQL), no result rows
            pk = self._autoinc_key(conn.execute(shape.stmt, plist[0]).context, mapper, shape, states[0])
            return shape.fetched, [(pk,)]  # put on the object by _post_insert_many
        if fetch and dialect.insert_returning:
            fetch_keys = shape.fetch_keys
            batch = many and _returning_batches(dialect)
            if not many or batch:
                # keys and server defaults come back with the INSERT; with several rows,
                # sort_by_parameter_order ties each returned row to its parameters
                if many:
                    result = conn.execute(shape.returning(True), plist)
                else:
                    result = conn.execute(shape.returning(False), plist[0])
                rows = result._fetchall_tuples()  # plain tuples: no Row object per row
                if len(rows) != len(states):
                    raise orm_exc.FlushError(
                        f"INSERT into {mapper.local_table.name!r} returned {len(rows)} rows for "
                        f"{len(states)} objects")
                return shape.fetched, rows
            if shape.missing_pk or mapper.eager_defaults is True:
                # RETURNING, but not for executemany: one row at a time, values in the same trip
                rstmt = shape.returning(False)
                for state, params in zip(states, plist):
                    row = conn.execute(rstmt, params).first()
                    d = state().__dict__
                    for k, v in zip(fetch_keys, row):
                        d[k] = v
                return shape.fetched, None
        if not shape.missing_pk:
            conn.execute(shape.stmt, plist if many else plist[0])
            return _NOTHING, None
        # no RETURNING: one row at a time, so that each object gets its own key
        pk_keys = mapper._pk_keys
        for state, params in zip(states, plist):
            pk = conn.execute(shape.stmt, params).inserted_primary_key
            d = state().__dict__
            for k, v in zip(pk_keys, pk):
                if d.get(k) is None:
                    d[k] = v
        return _NOTHING, None

    @staticmethod
    def _post_insert_plan(mapper: Any) -> list[tuple[str, str | None, bool, bool]]:
        """Per column attribute, once per batch: (key, column key or None for a SQL expression to
        expire, has a server default, expire when missing)."""
        table = mapper.local_table
        plan: list[tuple[str, str | None, bool, bool]] = []
        for key in mapper._column_keys:
            prop = mapper._props[key]
            col = prop.columns[0]
            if getattr(col, "table", None) is not table:
                if prop._is_expression and prop.expire_on_flush and not prop._query_expression:
                    plan.append((key, None, False, True))
                continue
            srv = col.server_default is not None
            plan.append((key, col.key, srv, srv or col.default is not None or bool(col.primary_key)))
        return plan

    def _post_insert(self, mapper: Any, state: Any, params: dict[str, Any], fetched: Set[str] = _NOTHING,
                     plan: list[tuple[str, str | None, bool, bool]] | None = None) -> None:
        """:meth:`_post_insert_many` for one object (joined-table inheritance)."""
        self._post_insert_many(mapper, None, [state], [params], fetched,
                               plan if plan is not None else self._post_insert_plan(mapper))

    def _post_insert_many(self, mapper: Any, conn: Any, states: list[Any], plist: list[Any],
                          fetched: Set[str], plan: list[tuple[str, str | None, bool, bool]],
                          rows: list[Any] | None = None, fetch_keys: list[str] | None = None) -> None:
        """After the INSERT of ``states`` (with parameters ``plist``, dicts; only read when the
        mapper expires attributes after an INSERT, and tuples from _insert_many_rows, which has
        no such attributes): the values fetched back
        (``rows``, in ``fetch_keys`` order) are set, values left to the database are expired (or
        set to None), each object gets its identity key and enters the identity map, and
        ``after_insert`` fires (when ``conn`` is given)."""
        sess = self.session
        imap = sess.identity_map._dict
        new = sess._new
        trans_stack = sess._trans_stack
        inserted = self.inserted
        pk_keys = mapper._pk_keys
        pk0 = pk_keys[0] if len(pk_keys) == 1 else None
        fetch0 = fetch_keys[0] if fetch_keys is not None and len(fetch_keys) == 1 else None
        base = mapper.base_mapper
        after_insert = mapper.dispatch.after_insert if conn is not None else None
        if fetch0 is not None and fetch0 == pk0 and rows and type(rows[0]) is tuple \
                and not plan and not after_insert:
            # the usual INSERT: only the database's key came back, and each fetched row is a
            # tuple of it, which serves as the identity key's primary key part. ``ins``: the
            # objects inserted in the transaction; ``nested``: in each savepoint under way
            ins, *nested = [t._inserted for t in trans_stack]
            for state, row in zip(states, rows):
                obj = state()
                pk = row[0]
                if pk is None:
                    self._post_insert_failed(state, None, (base, row), imap)
                obj.__dict__[pk0] = pk
                ident = (base, row)
                existing = imap.setdefault(ident, state)
                if existing is not state:
                    self._post_insert_failed(state, existing, ident, imap)
                state.key = ident
                new.pop(state, None)
                ins[state] = obj
            for savepoint_ins in nested:
                for state in states:
                    savepoint_ins[state] = ins[state]
            inserted.extend(states)
            return
        for state, params, row in zip(states, plist, rows if rows is not None else repeat(None)):
            obj = state()
            d = obj.__dict__
            if row is not None:
                if fetch0 is not None:
                    d[fetch0] = row[0]
                else:
                    d.update(zip(fetch_keys, row))  # type: ignore[arg-type]
            if plan:
                _expire_unset(state, d, params, fetched, plan)
            pk = (d.get(pk0),) if pk0 is not None else tuple(map(d.get, pk_keys))
            ident = (base, pk)
            if None in pk:
                self._post_insert_failed(state, None, ident, imap)
            existing = imap.get(ident)
            if existing is not None and existing is not state:
                self._post_insert_failed(state, existing, ident, imap)
            state.key = ident
            imap[ident] = state
            new.pop(state, None)
            for t in trans_stack:
                t._inserted[state] = obj
            inserted.append(state)
            if after_insert:  # events: after_insert
                mapper.dispatch.after_insert(mapper, conn, obj)

    @staticmethod
    def _post_insert_failed(state: Any, existing: Any, ident: Any, imap: dict[Any, Any]) -> None:
        """An inserted object's identity key is incomplete (``existing`` None), or is held in the
        identity map by another state: refused unless that state's object is gone, in which case
        ``state`` takes its place."""
        if existing is None:
            raise orm_exc.FlushError(
                f"Instance {state._repr()} has a NULL identity key after INSERT; check that the "
                "primary key is generated by the database or assigned before flush")
        if existing.obj() is not None:
            raise orm_exc.FlushError(
                f"New instance {state._repr()} with identity key {ident} conflicts with persistent "
                f"instance {existing._repr()}")
        imap[ident] = state

    # -- UPDATE ----------------------------------------------------------------------------------------------
    def _update(self, mapper: Any, states: list[Any]) -> None:
        if len(mapper.tables) > 1:  # inheritance: joined-table subclass
            return _inheritance.update_joined(self, mapper, states)
        plan = _UpdatePlan.of(mapper)
        cols = plan.cols
        py_onupdate = plan.py_onupdate
        pk_params = plan.pk_params
        one_column = len(pk_params) + 1  # size of the parameters of a one-column UPDATE
        vcol = mapper.version_id_col
        vkey = plan.vkey
        before_update = mapper.dispatch.before_update
        groups: dict[tuple[Any, ...], list[tuple[Any, dict[str, Any]]]] = {}
        for state in states:
            obj = state()
            if obj is None:
                continue
            if before_update:  # events: before_update
                mapper.dispatch.before_update(mapper, self._conn_for(mapper), obj)
            d = obj.__dict__
            committed = state.committed_state
            params: dict[str, Any] = {}
            for key in committed:
                ckey = cols.get(key)
                if ckey is None or key not in d:
                    continue
                old = committed[key]
                new = d[key]
                if old is not NO_VALUE:
                    try:
                        same = bool(old == new) and type(old) is type(new)
                    except Exception:  # incomparable: write it
                        same = False
                    if same:
                        continue
                params[ckey] = new
            if not params:
                continue
            for c, k in py_onupdate:
                # Python-side onupdate values are computed here so the object knows them
                if c.key not in params:
                    v = c.onupdate.arg if c.onupdate.is_scalar else c.onupdate.arg(_Ctx(params))
                    params[c.key] = v
                    d[k] = v
            for name, v in zip(pk_params, state.key[1]):
                params[name] = v
            if vcol is not None:
                cur = version_of(state, obj, vkey)
                params["ver_old"] = cur
                if mapper.version_id_generator is not False:
                    newv = mapper.version_id_generator(cur)
                    d[vkey] = newv
                    params[vcol.key] = newv
            # one changed column: the order is fixed (column, then the key); otherwise sorted,
            # so that the same column set changed in another order shares the batch
            sig = tuple(params) if len(params) == one_column else tuple(sorted(params))
            group = groups.get(sig)
            if group is None:
                groups[sig] = [(state, params)]
            else:
                group.append((state, params))
        conn = self._conn_for(mapper)
        for sig, items in groups.items():
            shape = plan.shape(sig)
            fetched = self._update_rows(mapper, conn, shape, items)
            self._after_update(mapper, conn, plan, shape, items, fetched)

    def _update_rows(self, mapper: Any, conn: Any, shape: _UpdateShape,
                     items: list[tuple[Any, dict[str, Any]]]) -> dict[Any, Any]:
        """Run the UPDATE(s) of one column set, checking the matched row counts; returns the rows
        fetched back by RETURNING, by state."""
        table = mapper.local_table
        versioned = mapper.version_id_col is not None
        fetched: dict[Any, Any] = {}
        if shape.want_returning and conn.dialect.update_returning:
            # RETURNING works per statement, so these rows go one at a time
            rstmt = shape.returning()
            for state, p in items:
                row = conn.execute(rstmt, p).first()
                self._check_rowcount(0 if row is None else 1, 1, "UPDATE", table, versioned, True)
                fetched[state] = row
        elif len(items) > 1 and conn.dialect.supports_sane_multi_rowcount:
            res = conn.execute(shape.stmt, [p for _, p in items])
            self._check_rowcount(res.rowcount, len(items), "UPDATE", table, versioned, True)
        else:
            for _, p in items:
                res = conn.execute(shape.stmt, p)
                self._check_rowcount(res.rowcount, 1, "UPDATE", table, versioned, True)
        return fetched

    def _after_update(self, mapper: Any, conn: Any, plan: _UpdatePlan, shape: _UpdateShape,
                      items: list[tuple[Any, dict[str, Any]]], fetched: dict[Any, Any]) -> None:
        """Bookkeeping after an UPDATE batch: fetched and expired values, identity changes,
        transaction records and ``after_update``."""
        expr_keys = plan.expr_keys
        srv_onupdate = plan.srv_onupdate
        pk_keys = mapper._pk_keys
        c2k = mapper._column_to_key
        trans_stack = self.session._trans_stack
        updated = self.updated
        after_update = mapper.dispatch.after_update
        for state, p in items:
            obj = state.obj()
            d = obj.__dict__
            row = fetched.get(state) if fetched else None
            if row is not None:
                for c, v in zip(shape.fetch, row):
                    k = c2k[c]
                    d[k] = v
                    state._unexpire(k)
            for key in expr_keys:
                d.pop(key, None)
                state._mutable_expired().add(key)
            for c, k in srv_onupdate:
                if c.key not in p and not (row is not None and id(c) in shape.fetch_ids):
                    d.pop(k, None)
                    state._mutable_expired().add(k)
            committed = state.committed_state
            for k in pk_keys:
                if k in committed:
                    self._rekey(state, d, pk_keys)
                    break
            for t in trans_stack:
                t._updated[state] = obj
            updated.append(state)
            if after_update:  # events: after_update
                mapper.dispatch.after_update(mapper, conn, obj)

    def _rekey(self, state: Any, d: dict[str, Any], pk_keys: list[str]) -> None:
        """A primary key change moves the identity; an expired key column keeps it."""
        new_key = (state.key[0], tuple(d[k] if k in d else state.key[1][i] for i, k in enumerate(pk_keys)))
        if new_key != state.key:
            self.session.identity_map._remove(state)
            state.key = new_key
            self.session.identity_map._add(state)

    def _check_rowcount(self, got: int, expected: int, verb: str, table: Any, versioned: bool, strict: bool) -> None:
        if got == -1 or got == expected:
            return
        msg = (f"{verb} statement on table '{table.name}' expected to "
               f"{'update' if verb == 'UPDATE' else 'delete'} {expected} row(s); {got} were matched.")
        if verb == "DELETE" and not versioned:
            warnings.warn(msg, sa_exc.SAWarning, stacklevel=4)
            return
        raise orm_exc.StaleDataError(msg)

    # -- post_update -----------------------------------------------------------------------------------------
    def _post_updates(self, states: list[Any]) -> None:
        """Foreign keys of ``post_update=True`` relationships, written by UPDATEs after every row
        exists (this is what breaks a cycle of rows referring to each other)."""
        from sqlweave.orm.state import get_history

        rows: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]] = {}

        def write(target_state: Any, tobj: Any, values: dict[Any, Any]) -> None:
            tm = target_state.mapper
            td = tobj.__dict__
            params: dict[str, Any] = {}
            for col, v in values.items():
                k = tm._column_to_key[col]
                td[k] = v
                if k in target_state.committed_state:
                    target_state._own_committed().pop(k)
                params[col.key] = v
            for i, v in enumerate(target_state.key[1]):
                params[f"pk_{i}"] = v
            rows.setdefault((tm, tuple(sorted(params))), []).append(params)

        with_post: dict[Any, bool] = {}
        for state in states:
            m = state.mapper
            if m not in with_post:
                with_post[m] = any(m._props[k].post_update for k in m._relationship_keys)
        if not any(with_post.values()):
            return
        inserted = self.inserted_set()
        deleted = self.session._deleted
        for state in states:
            obj = state.obj()
            if obj is None or state in deleted or state.key is None or not with_post[state.mapper]:
                continue
            d = obj.__dict__
            m = state.mapper
            for key in m._relationship_keys:
                prop = m._props[key]
                if not prop.post_update or prop.viewonly:
                    continue
                is_new = state in inserted
                if key not in state.committed_state and not (is_new and key in d):
                    continue
                if prop.direction == MANYTOONE:
                    target = d.get(key)
                    if target is None and is_new:
                        continue
                    tm = prop.mapper
                    write(state, obj, {dest: (None if target is None else
                                              _value(target, tm._column_to_key[src]))
                                       for src, dest in prop.synchronize_pairs})
                elif prop.direction == ONETOMANY:
                    h = get_history(state, key)
                    for child in h.added:
                        cst = instance_state(child)
                        write(cst, child, {dest: _value(obj, m._column_to_key[src]) for src, dest in prop.synchronize_pairs})
                    for child in h.deleted:
                        cst = instance_state(child)
                        if cst in deleted or cst.key is None or _attached_elsewhere(prop, child, obj):
                            continue
                        write(cst, child, {dest: None for _, dest in prop.synchronize_pairs})
        self._run_post_update_rows(rows)

    def _post_update_deletes(self, deleted: list[Any]) -> None:
        """Before deleting rows: clear their ``post_update`` foreign keys (the other half of a cycle
        may be deleted first)."""
        rows: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]] = {}
        for state in deleted:
            if not any(state.mapper._props[k].post_update for k in state.mapper._relationship_keys):
                continue
            obj = state.obj()
            m = state.mapper
            d = obj.__dict__
            for key in m._relationship_keys:
                prop = m._props[key]
                if not prop.post_update or prop.direction != MANYTOONE or prop.viewonly:
                    continue
                fks = [dest for _, dest in prop.synchronize_pairs]
                if all(d.get(m._column_to_key[c]) is None for c in fks if m._column_to_key[c] in d) \
                        and all(m._column_to_key[c] in d for c in fks):
                    continue
                params: dict[str, Any] = {c.key: None for c in fks}
                for i, v in enumerate(state.key[1]):
                    params[f"pk_{i}"] = v
                rows.setdefault((m, tuple(sorted(params))), []).append(params)
        self._run_post_update_rows(rows)

    def _run_post_update_rows(self, rows: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]]) -> None:
        for (m, _), plist in rows.items():
            conn = self._conn_for(m)
            table = m.local_table
            stmt = update(table).where(and_(*[c == bindparam(f"pk_{i}") for i, c in enumerate(m.primary_key)]))
            if len(plist) > 1:
                res = conn.execute(stmt, plist)
                if conn.dialect.supports_sane_multi_rowcount:
                    self._check_rowcount(res.rowcount, len(plist), "UPDATE", table, False, True)
            else:
                res = conn.execute(stmt, plist[0])
                self._check_rowcount(res.rowcount, 1, "UPDATE", table, False, True)

    # -- many-to-many ----------------------------------------------------------------------------------------
    def _many_to_many(self, states: list[Any], deleted: list[Any]) -> None:
        from sqlweave.orm.state import get_history

        inserts: dict[Any, dict[tuple[Any, ...], dict[str, Any]]] = {}
        deletes: dict[Any, dict[tuple[Any, ...], dict[str, Any]]] = {}
        deleted_set = set(deleted)
        sec_owner: dict[Any, Any] = {}  # association table -> mapper whose bind holds it
        for state in states:
            obj = state.obj()
            if obj is None:
                continue
            d = obj.__dict__
            for key in state.mapper._relationship_keys:
                prop = state.mapper._props[key]
                if prop.direction != MANYTOMANY or prop.viewonly:
                    continue
                if key not in state.committed_state and not (key in d and state in self.inserted_set()):
                    continue
                h = get_history(state, key)
                sec_owner[prop.secondary] = prop.parent
                for item in h.added:
                    row = _m2m_row(prop, obj, item)
                    inserts.setdefault(prop.secondary, {})[tuple(sorted(row.items()))] = row
                for item in h.deleted:
                    if instance_state(item) in deleted_set:
                        continue
                    row = _m2m_row(prop, obj, item)
                    deletes.setdefault(prop.secondary, {})[tuple(sorted(row.items()))] = row
        for sec, rows in deletes.items():
            conn = self._conn_for(sec_owner.get(sec))
            rs = list(rows.values())
            cols = list(rs[0])
            stmt = delete(sec).where(and_(*[sec.c[c] == bindparam(f"m_{c}") for c in cols]))
            conn.execute(stmt, [{f"m_{k}": v for k, v in r.items()} for r in rs])
        # rows of deleted objects go before the objects themselves
        for state in deleted:
            obj = state.obj()
            for key in state.mapper._relationship_keys:
                prop = state.mapper._props[key]
                if prop.direction != MANYTOMANY or prop.viewonly:
                    continue
                sec = prop.secondary
                crit = [s == _value(obj, state.mapper._column_to_key[p]) for p, s in prop.local_pairs]
                self._conn_for(prop.parent).execute(delete(sec).where(and_(*crit)))
        for sec, rows in inserts.items():
            conn = self._conn_for(sec_owner.get(sec))
            rs = list(rows.values())
            conn.execute(insert(sec), rs) if len(rs) > 1 else conn.execute(insert(sec), rs[0])

    # -- DELETE ----------------------------------------------------------------------------------------------
    def _delete(self, mapper: Any, states: list[Any]) -> None:
        if len(mapper.tables) > 1:  # inheritance: joined-table subclass
            return _inheritance.delete_joined(self, mapper, states)
        table = mapper.local_table
        vcol = mapper.version_id_col
        versioned = vcol is not None
        vk = mapper._column_to_key[vcol] if versioned else ""
        plan = _UpdatePlan.of(mapper)
        pk_params = plan.pk_params
        stmt = plan.delete_stmt()
        waves = self._delete_waves(mapper, states) if mapper._relationship_keys else [states]
        conn = self._conn_for(mapper)
        before_delete = mapper.dispatch.before_delete
        for wave in waves:
            params = []
            for state in wave:
                if before_delete:  # events: before_delete
                    mapper.dispatch.before_delete(mapper, conn, state.obj())
                p = dict(zip(pk_params, state.key[1]))
                if versioned:
                    p["ver_old"] = version_of(state, state.obj(), vk)
                params.append(p)
            if len(params) > 1 and conn.dialect.supports_sane_multi_rowcount:
                res = conn.execute(stmt, params)
                self._check_rowcount(res.rowcount, len(params), "DELETE", table, versioned, False)
            else:
                for p in params:
                    res = conn.execute(stmt, p)
                    self._check_rowcount(res.rowcount, 1, "DELETE", table, versioned, False)
            if mapper.dispatch.after_delete:  # events: after_delete
                for state in wave:
                    mapper.dispatch.after_delete(mapper, conn, state.obj())

    def _delete_waves(self, mapper: Any, states: list[Any]) -> list[list[Any]]:
        self_m2o = [mapper._props[k] for k in mapper._relationship_keys
                    if mapper._props[k].mapper is mapper and mapper._props[k].direction == MANYTOONE]
        self_o2m = [mapper._props[k] for k in mapper._relationship_keys
                    if mapper._props[k].mapper is mapper and mapper._props[k].direction == ONETOMANY]
        if not (self_m2o or self_o2m):
            return [states]
        pending = set(states)
        # parent -> must wait for its children
        waits: dict[Any, set[Any]] = {s: set() for s in states}
        for s in states:
            d = s.obj().__dict__
            for prop in self_o2m:
                for child in prop._cascade_members(d.get(prop.key)):
                    cst = instance_state(child)
                    if cst in pending and cst is not s:
                        waits[s].add(cst)
            for prop in self_m2o:
                parent = d.get(prop.key)
                if parent is None:
                    # fall back to the foreign key value
                    fk_vals = tuple(d.get(mapper._column_to_key[dest]) for _, dest in prop.synchronize_pairs)
                    for other in states:
                        if other.key[1] == fk_vals and other is not s:
                            waits[other].add(s)
                    continue
                pst = instance_state(parent)
                if pst in pending and pst is not s:
                    waits[pst].add(s)
        waves = []
        done: set[Any] = set()
        remaining = list(states)
        while remaining:
            wave = [s for s in remaining if waits[s] <= done]
            if not wave:
                wave = remaining
            waves.append(wave)
            done.update(wave)
            remaining = [s for s in remaining if s not in done]
        return waves

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def _finish(self, deleted: list[Any]) -> None:
        sess = self.session
        modified = sess._modified
        for done in (self.inserted, self.updated):
            if done:
                commit_states(done)
                if modified:
                    for state in done:
                        modified.discard(state)
        if modified:
            commit_states([s for s in modified if s.key is not None and s not in sess._deleted])
            modified.clear()
        if not deleted:
            return
        imap = sess.identity_map._dict
        sess_deleted = sess._deleted
        trans_stack = sess._trans_stack
        for state in deleted:
            obj = state.obj()
            state._deleted = True
            state.committed_state = NO_COMMITTED
            state.modified = False
            if imap.get(state.key) is state:
                del imap[state.key]
            sess_deleted.pop(state, None)
            for t in trans_stack:
                t._deleted[state] = obj


def _expire_unset(state: Any, d: dict[str, Any], params: dict[str, Any], fetched: Set[str],
                  plan: list[tuple[str, str | None, bool, bool]]) -> None:
    """After an INSERT: the attributes whose values the database decided (not given, not fetched
    back) are expired so that the next access loads them; SQL expressions are expired too."""
    expired = state._mutable_expired()
    for key, ckey, srv, expire_missing in plan:
        if key in fetched:
            continue
        if ckey is None:  # column_property expression: reloaded on access
            d.pop(key, None)
            expired.add(key)
        elif ckey not in params:
            if key not in d:
                if expire_missing:
                    expired.add(key)
                else:
                    d[key] = None
            elif srv and d[key] is None:
                del d[key]
                expired.add(key)


def version_of(state: Any, obj: Any, vkey: str) -> Any:
    """The version an UPDATE or DELETE of ``obj`` expects in its row: the committed value
    (loaded if expired)."""
    committed = state.committed_state
    if vkey in committed and committed[vkey] is not NO_VALUE:
        return committed[vkey]
    d = obj.__dict__
    return d[vkey] if vkey in d else getattr(obj, vkey)


def _value(obj: Any, key: str) -> Any:
    """A column attribute's value; an expired one (e.g. after commit) is loaded, not taken as None."""
    d = obj.__dict__
    if key in d:
        return d[key]
    state = d.get(STATE_ATTR)
    if state is None or state.key is None or state.session_id is None:
        return None
    return getattr(obj, key)


def _attached_elsewhere(prop: Any, child: Any, parent: Any) -> bool:
    bp = prop.back_prop
    if bp is not None and not bp.uselist:
        v = child.__dict__.get(bp.key, NO_VALUE)
        return v is not NO_VALUE and v is not None and v is not parent
    return False


def _set_fk(state: Any, obj: Any, key: str, value: Any) -> None:
    d = obj.__dict__
    if key in d and d[key] == value and type(d[key]) is type(value):
        return
    if key not in state.committed_state:
        state._own_committed()[key] = d.get(key, NO_VALUE)
    d[key] = value
    state._unexpire(key)
    if state.key is not None:
        state.modified = True
        state._strong = obj
        sess = state.session
        if sess is not None:
            sess._modified.add(state)


def _m2m_row(prop: Any, parent: Any, child: Any) -> dict[str, Any]:
    pm = prop.parent
    tm = prop.mapper
    row = {}
    for p, s in prop.local_pairs:
        row[s.key] = _value(parent, pm._column_to_key[p])
    for t, s in prop.remote_pairs:
        row[s.key] = _value(child, tm._column_to_key[t])
    return row


def _sort_mappers(mappers: list[Any]) -> list[Any]:
    """Parents before children (relationships and table foreign keys); stable otherwise."""
    if len(mappers) < 2:
        return list(mappers)  # nothing to order (the common single-class flush)
    index = {m: i for i, m in enumerate(mappers)}
    deps: dict[Any, set[Any]] = {m: set() for m in mappers}
    tables = {m.local_table: m for m in mappers}
    # foreign key columns written after the inserts (post_update) don't order the mappers
    post_cols: set[int] = set()
    for m in mappers:
        for key in m._relationship_keys:
            prop = m._props[key]
            if prop.post_update and prop.direction != MANYTOMANY:
                post_cols.update(id(dest) for _, dest in prop.synchronize_pairs)
    for m in mappers:
        for key in m._relationship_keys:
            prop = m._props[key]
            other = prop.mapper
            if other is m or other not in index or prop.viewonly or prop.post_update:
                continue
            if prop.direction == MANYTOONE:
                deps[m].add(other)
            elif prop.direction == ONETOMANY:
                deps[other].add(m)
        for col in m.local_table.columns:
            if id(col) in post_cols:
                continue
            for fk in col.foreign_keys:
                try:
                    t = fk.column.table
                except Exception:  # unresolvable FK: not part of the ordering
                    continue
                om = tables.get(t)
                if om is not None and om is not m:
                    deps[m].add(om)
    out: list[Any] = []
    done: set[Any] = set()
    visiting: set[Any] = set()

    def visit(m: Any) -> None:
        if m in done or m in visiting:
            return
        visiting.add(m)
        for dep in sorted(deps[m], key=lambda x: index[x]):
            visit(dep)
        visiting.discard(m)
        done.add(m)
        out.append(m)

    for m in mappers:
        visit(m)
    return out
