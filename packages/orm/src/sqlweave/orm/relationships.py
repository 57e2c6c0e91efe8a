"""``relationship()``: join conditions, direction, cascades and in-memory bidirectional sync."""

from __future__ import annotations

from typing import Any

from sqlweave.core.sql import operators
from sqlweave.core.sql.elements import BinaryExpression, BooleanClauseList, ClauseList, and_
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MANYTOMANY, MANYTOONE, NO_VALUE, ONETOMANY, STATE_ATTR, instance_state
from sqlweave.orm.collections import InstrumentedList, InstrumentedSet, collection_members
from sqlweave.orm.mapper import MapperProperty

# foreign() / remote() marks: made while a join condition is evaluated, read by the relationship
# that the condition belongs to (the next relationship() call, or the one resolving a string)
_marks: dict[str, list[Any]] = {"foreign": [], "remote": []}


def foreign(expr: Any) -> Any:
    """Mark ``expr`` as the foreign (referencing) side in a ``primaryjoin`` (instead of
    ``foreign_keys=``): ``primaryjoin="User.id == foreign(Address.user_id)"``."""
    col = _col(expr)
    _marks["foreign"].append(col)
    return col


def remote(expr: Any) -> Any:
    """Mark ``expr`` as the remote side in a ``primaryjoin`` (instead of ``remote_side=``)."""
    col = _col(expr)
    _marks["remote"].append(col)
    return col


def _take_marks() -> tuple[list[Any], list[Any]]:
    f, r = list(_marks["foreign"]), list(_marks["remote"])
    _marks["foreign"].clear()
    _marks["remote"].clear()
    return f, r


_ALL_CASCADES = {"save-update", "merge", "refresh-expire", "expunge", "delete", "delete-orphan"}


class CascadeOptions(frozenset):  # type: ignore[type-arg]
    """The parsed ``cascade=`` setting of a relationship."""

    def __new__(cls, spec: str | None) -> CascadeOptions:
        names = {s.strip() for s in (spec or "").split(",") if s.strip()}
        if "all" in names:
            names.discard("all")
            names |= {"save-update", "merge", "refresh-expire", "expunge", "delete"}
        if "none" in names:
            names.discard("none")
        unknown = names - _ALL_CASCADES
        if unknown:
            raise orm_exc.ORMConfigurationError(f"Invalid cascade option(s): {', '.join(sorted(unknown))}")
        self = super().__new__(cls, names)
        return self

    @property
    def save_update(self) -> bool:
        return "save-update" in self

    @property
    def delete(self) -> bool:
        return "delete" in self

    @property
    def delete_orphan(self) -> bool:
        return "delete-orphan" in self

    @property
    def merge(self) -> bool:
        return "merge" in self

    @property
    def expunge(self) -> bool:
        return "expunge" in self


class _Backref:
    def __init__(self, name: str, **kwargs: Any) -> None:
        self.name = name
        self.kwargs = kwargs


def backref(name: str, **kwargs: Any) -> Any:
    """Create the reverse relationship ``name`` on the target class, with its own options."""
    return _Backref(name, **kwargs)


class RelationshipProperty(MapperProperty):
    """A relationship between two mapped classes (see :func:`relationship`)."""

    _is_relationship = True

    def __init__(self, argument: Any = None, secondary: Any = None, *, primaryjoin: Any = None,
                 secondaryjoin: Any = None, foreign_keys: Any = None, remote_side: Any = None,
                 uselist: bool | None = None, back_populates: str | None = None, backref: Any = None,
                 order_by: Any = False, cascade: str = "save-update, merge", passive_deletes: Any = False,
                 viewonly: bool = False, lazy: str = "select", innerjoin: bool = False,
                 single_parent: bool = False, post_update: bool = False, overlaps: Any = None,
                 collection_class: Any = None, info: Any = None, doc: str | None = None,
                 cascade_backrefs: bool = False, sync_backref: Any = None, join_depth: Any = None,
                 enable_typechecks: bool = True, passive_updates: bool = True, **kw: Any) -> None:
        if kw:
            raise TypeError(f"relationship() got unexpected arguments: {', '.join(sorted(kw))}")
        # foreign()/remote() used in a primaryjoin expression given directly (evaluated just before)
        self._marked_foreign, self._marked_remote = _take_marks()
        self.argument = argument
        self._secondary_arg = secondary
        self._primaryjoin_arg = primaryjoin
        self._secondaryjoin_arg = secondaryjoin
        self._foreign_keys_arg = foreign_keys
        self._remote_side_arg = remote_side
        self._uselist_arg = uselist
        self.back_populates = back_populates
        self.backref = backref
        self._order_by_arg = order_by
        self.cascade = CascadeOptions("" if viewonly else cascade)
        self.passive_deletes = passive_deletes
        self.viewonly = viewonly
        self.lazy = lazy if lazy is not True else "select"
        if lazy is False:
            self.lazy = "joined"
        elif lazy is None:
            self.lazy = "noload"
        self.innerjoin = innerjoin
        self.single_parent = single_parent
        self.post_update = post_update
        self.collection_class = collection_class
        # write-only / dynamic collections never load in full; their value is a statement builder
        self._writeonly = self.lazy in ("write_only", "dynamic")
        self.info = dict(info or {})
        self.doc = doc
        self._configured = False
        self.back_prop: RelationshipProperty | None = None
        self._annotation_uselist: bool | None = None
        self._dc: dict[str, Any] = {}  # MappedAsDataclass field options (see relationship())

    def __repr__(self) -> str:
        parent = getattr(self, "parent", None)
        return f"{parent.class_.__name__}.{self.key}" if parent is not None else "relationship()"

    @property
    def _name(self) -> str:
        return f"{self.parent.class_.__name__}.{self.key}"

    # -- configuration ----------------------------------------------------------------------
    def _resolve(self, arg: Any, what: str) -> Any:
        if callable(arg) and not isinstance(arg, type) and not hasattr(arg, "__clause_element__") \
                and not hasattr(arg, "_is_clause_element"):
            arg = arg()
        if isinstance(arg, str):
            reg = self.parent.registry
            try:
                return reg._resolve_name(arg) if reg is not None else _eval_global(arg)
            except Exception as err:
                detail = getattr(err, "_sw_name_error", None) or err
                raise orm_exc.ORMConfigurationError(
                    f"When initializing mapper {self.parent}, expression {arg!r} for {what} of "
                    f"relationship {self._name} failed to locate a name ({detail}). If this is a class "
                    "name, make sure the class is defined and mapped in the same registry."
                ) from err
        return arg

    def _configure(self) -> None:
        from sqlweave.orm.base import class_mapper

        if self._configured:
            return
        self._configured = True
        target = self._resolve(self.argument, "the target class")
        if target is None:
            raise orm_exc.ORMConfigurationError(f"relationship {self._name} has no target class")
        if isinstance(target, type):
            try:
                self.mapper = class_mapper(target, configure=False)
            except orm_exc.UnmappedClassError:
                raise orm_exc.ORMConfigurationError(
                    f"relationship {self._name} refers to class {target.__name__!r}, which is not mapped"
                ) from None
        else:
            self.mapper = getattr(target, "mapper", target)
        self.entity = self.mapper
        self.target = self.mapper.local_table
        self.secondary = self._resolve(self._secondary_arg, "secondary") if self._secondary_arg is not None else None
        if isinstance(self.secondary, str):
            raise orm_exc.ORMConfigurationError(f"secondary table {self.secondary!r} of {self._name} not found")
        _take_marks()
        pj = self._resolve(self._primaryjoin_arg, "primaryjoin") if self._primaryjoin_arg is not None else None
        sj = self._resolve(self._secondaryjoin_arg, "secondaryjoin") if self._secondaryjoin_arg is not None else None
        mf, mr = _take_marks()  # foreign()/remote() inside string or lambda join conditions
        mf += self._marked_foreign
        mr += self._marked_remote
        fks = self._resolve(self._foreign_keys_arg, "foreign_keys") if self._foreign_keys_arg is not None else None
        rs = self._resolve(self._remote_side_arg, "remote_side") if self._remote_side_arg is not None else None
        self._foreign_keys = {_col(c) for c in _as_list(fks)} if fks is not None else (set(mf) if mf else None)
        self.remote_side = {_col(c) for c in _as_list(rs)} if rs is not None else set(mr)
        self._setup_join(pj, sj)
        ob = self._order_by_arg
        if ob is not False and ob is not None:
            ob = self._resolve(ob, "order_by")
            self.order_by: list[Any] | None = [_col(o) if hasattr(o, "__clause_element__") else o
                                               for o in _as_list(ob)]
        else:
            self.order_by = None
        if self._uselist_arg is not None:
            self.uselist = self._uselist_arg
        elif self._annotation_uselist is not None:
            self.uselist = self._annotation_uselist
        else:
            self.uselist = self.direction != MANYTOONE
        if self.cascade.delete_orphan and self.direction == MANYTOONE and not self.single_parent:
            raise orm_exc.ORMConfigurationError(
                f"On {self._name}, delete-orphan cascade is normally configured only on the 'one' side "
                "of a one-to-many relationship; set single_parent=True to use it on a many-to-one"
            )
        self._setup_backref()

    def _setup_join(self, pj: Any, sj: Any) -> None:
        parent_t = self.parent.local_table
        target_t = self.target
        fkset = self._foreign_keys
        if self.secondary is not None:
            sec = self.secondary
            if pj is not None:
                self.local_pairs = _pairs_from_expr(pj, fkset, prefer_table=sec)
            else:
                self.local_pairs = _fk_pairs(sec, parent_t, fkset)
            if sj is not None:
                self.remote_pairs = _pairs_from_expr(sj, fkset, prefer_table=sec)
            else:
                self.remote_pairs = _fk_pairs(sec, target_t, fkset)
            if parent_t is target_t and (pj is None or sj is None):
                raise orm_exc.ORMConfigurationError(
                    f"Could not determine join conditions of self-referential many-to-many {self._name}; "
                    "pass primaryjoin= and secondaryjoin="
                )
            if not self.local_pairs or not self.remote_pairs:
                raise orm_exc.ORMConfigurationError(
                    f"Could not determine join condition between parent/child tables on relationship "
                    f"{self._name} through secondary table {sec.name!r}: no foreign keys link them. "
                    "Give the secondary table ForeignKey columns, or pass primaryjoin= and secondaryjoin="
                )
            self.direction = MANYTOMANY
            self.primaryjoin = pj if pj is not None else and_(*[p == s for p, s in self.local_pairs])
            self.secondaryjoin = sj if sj is not None else and_(*[t == s for t, s in self.remote_pairs])
            self.synchronize_pairs = []
            return
        self.secondaryjoin = None
        if pj is not None:
            pairs = _pairs_from_expr(pj, fkset, None)  # (referenced, fk) pairs
            if not pairs:
                raise orm_exc.ORMConfigurationError(
                    f"Could not locate any relevant foreign key columns for primary join condition "
                    f"'{pj}' on relationship {self._name}; pass foreign_keys= naming them"
                )
            fk_cols = {f for _, f in pairs}
            if parent_t is target_t:
                direction = MANYTOONE if self.remote_side and not (self.remote_side & fk_cols) else ONETOMANY
            elif all(_belongs(f, target_t) for f in fk_cols):
                direction = ONETOMANY
            else:
                direction = MANYTOONE
            self.primaryjoin = pj
        else:
            m2o = _fk_pairs(parent_t, target_t, fkset)  # fk on parent -> target
            o2m = _fk_pairs(target_t, parent_t, fkset)  # fk on target -> parent
            if parent_t is target_t:
                if self.remote_side and not ({f for _, f in o2m} & self.remote_side):
                    direction, pairs = MANYTOONE, m2o
                else:
                    direction, pairs = ONETOMANY, o2m
            elif o2m and m2o:
                raise orm_exc.ORMConfigurationError(
                    f"Could not determine join condition between parent/child tables on relationship "
                    f"{self._name}: foreign keys run both ways; pass foreign_keys= to say which to use"
                )
            elif o2m:
                direction, pairs = ONETOMANY, o2m
            elif m2o:
                direction, pairs = MANYTOONE, m2o
            else:
                raise orm_exc.ORMConfigurationError(
                    f"Could not determine join condition between parent/child tables on relationship "
                    f"{self._name} - there are no foreign keys linking these tables "
                    f"({parent_t.name!r}, {target_t.name!r}). Ensure that referencing columns are "
                    "associated with a ForeignKey or ForeignKeyConstraint, or specify a 'primaryjoin' expression."
                )
            fk_constraints = {id(getattr(fk, "constraint", None) or fk)
                              for _, f in pairs for fk in f.foreign_keys}
            if len(fk_constraints) > 1 and fkset is None:
                raise orm_exc.ORMConfigurationError(
                    f"Could not determine join condition between parent/child tables on relationship "
                    f"{self._name} - there are multiple foreign key paths linking the tables. Specify "
                    "the 'foreign_keys' argument, providing a list of those columns which should be "
                    "counted as containing a foreign key reference to the parent table."
                )
            self.primaryjoin = and_(*[r == f for r, f in pairs])
        self.direction = direction
        # (source, dest): the referenced column and the foreign key column it fills
        self.synchronize_pairs = pairs

    def _setup_backref(self) -> None:
        if self.back_populates:
            other = self.mapper._props.get(self.back_populates)
            if other is None:
                raise orm_exc.ORMConfigurationError(
                    f"back_populates on relationship {self._name} refers to attribute "
                    f"{self.mapper.class_.__name__}.{self.back_populates}, which does not exist"
                )
            if not getattr(other, "_is_relationship", False):
                raise orm_exc.ORMConfigurationError(
                    f"back_populates on relationship {self._name} refers to "
                    f"{self.mapper.class_.__name__}.{self.back_populates}, which is not a relationship"
                )
            if other.back_populates is not None and other.back_populates != self.key:
                raise orm_exc.ORMConfigurationError(
                    f"relationship {other._name} back_populates {other.back_populates!r}, not "
                    f"{self.key!r} as {self._name} expects"
                )
            if other._configured and other.mapper is not self.parent:
                raise orm_exc.ORMConfigurationError(
                    f"relationship {self._name} back_populates {other._name}, which targets "
                    f"{other.mapper.class_.__name__}, not {self.parent.class_.__name__}"
                )
            self.back_prop = other
            other.back_prop = self
        elif self.backref:
            br = self.backref if isinstance(self.backref, _Backref) else _Backref(self.backref)
            if br.name in self.mapper._props:
                raise orm_exc.ORMConfigurationError(
                    f"Error creating backref {br.name!r} on relationship {self._name}: property of "
                    f"that name exists on mapper {self.mapper}"
                )
            kw = dict(br.kwargs)
            if self.secondary is not None:
                kw.setdefault("secondary", self.secondary)
                kw.setdefault("primaryjoin", self.secondaryjoin)
                kw.setdefault("secondaryjoin", self.primaryjoin)
            else:
                kw.setdefault("primaryjoin", self.primaryjoin)
                if self.parent.local_table is self.target:
                    fkcols = [f for _, f in self.synchronize_pairs]
                    if self.direction == ONETOMANY:
                        kw.setdefault("remote_side", [r for r, _ in self.synchronize_pairs])
                    else:
                        kw.setdefault("remote_side", fkcols)
                kw.setdefault("foreign_keys", [f for _, f in self.synchronize_pairs])
            kw.setdefault("viewonly", self.viewonly)
            other = RelationshipProperty(self.parent.class_, back_populates=self.key, **kw)
            self.back_populates = br.name
            self.mapper.add_property(br.name, other)
            other._configure()
            self.back_prop = other

    # -- collection helpers ---------------------------------------------------------------
    def _new_collection(self, owner: Any, items: Any) -> Any:
        """A new instrumented collection of ``collection_class`` holding ``items``."""
        if self._writeonly:
            from sqlweave.orm.writeonly import AppenderQuery, WriteOnlyCollection

            wo = (AppenderQuery if self.lazy == "dynamic" else WriteOnlyCollection)(owner, self)
            wo._pending_added.extend(collection_members(items))
            return wo
        cc = self.collection_class
        coll: Any
        if cc is None or cc is list or (isinstance(cc, type) and issubclass(cc, list)):
            coll = InstrumentedList(collection_members(items))
        elif cc is set or (isinstance(cc, type) and issubclass(cc, set)):
            coll = InstrumentedSet(collection_members(items))
        else:
            coll = cc(items)
        coll._owner = owner
        coll._prop = self
        return coll

    def _cascade_members(self, value: Any) -> list[Any]:
        """Related objects held in memory by ``value`` (no SQL; pending adds of write-only)."""
        if value is None or value is NO_VALUE:
            return []
        return collection_members(value) if self.uselist else [value]

    def _members_of(self, value: Any) -> list[Any]:
        """Every related object of ``value``; a write-only collection is loaded (delete cascade)."""
        if self._writeonly and value is not None and hasattr(value, "_load_all"):
            return value._load_all()  # type: ignore[no-any-return]
        return self._cascade_members(value)

    def _lazy_mode(self, state: Any) -> str:
        """The lazy-load mode for ``state`` (its query's loader options win over ``lazy=``)."""
        from sqlweave.orm.strategies import _LOADERS

        lazy = self.lazy
        lp = getattr(state, "load_path", None)
        if lp:
            lazy = lp.get(self.key, lazy)
        return _LOADERS.get(lazy, "select")  # type: ignore[no-any-return]

    # -- in-memory writes and bidirectional sync ---------------------------------------------
    def _set(self, obj: Any, value: Any) -> None:
        if self.uselist:
            self._set_collection(obj, value)
            return
        d = obj.__dict__
        state = d.get(STATE_ATTR) or instance_state(obj)
        key = self.key
        old = d.get(key, NO_VALUE)
        if old is NO_VALUE and state.key is not None and state.session_id is not None:
            old = getattr(obj, key)
        if key not in state.committed_state:
            state._own_committed()[key] = old
        d[key] = value
        if not state.modified:
            state._modified_event(obj)
        bp = self.back_prop
        if bp is not None:
            if old is not None and old is not NO_VALUE and old is not value:
                bp._remove_backref(old, obj)
            if value is not None and old is not value:
                bp._add_backref(value, obj)
        if value is not None:
            self._cascade_into_session(state, value)

    def _set_collection(self, obj: Any, value: Any) -> None:
        d = obj.__dict__
        state = d.get(STATE_ATTR) or instance_state(obj)
        key = self.key
        if self._writeonly:
            if state.key is not None:
                raise orm_exc.InvalidRequestError(
                    f"Collection {self._name} is write-only: it can't be assigned on a persistent "
                    "object; use .add() / .remove()")
            coll = getattr(obj, key)
            for item in collection_members(value):
                coll.add(item)
            return
        old = getattr(obj, key) if (state.key is not None or key in d) else []
        old_list = collection_members(old)
        new_list = collection_members(value)
        if key not in state.committed_state:
            state._own_committed()[key] = old_list
        d[key] = self._new_collection(obj, new_list)
        if not state.modified:
            state._modified_event(obj)
        new_ids = {id(x) for x in new_list}
        old_ids = {id(x) for x in old_list}
        for item in old_list:
            if id(item) not in new_ids:
                self._collection_remove_event(obj, item)
        for item in new_list:
            if id(item) not in old_ids:
                self._collection_append_event(obj, item)

    def _collection_append_event(self, owner: Any, item: Any) -> None:
        bp = self.back_prop
        if bp is not None:
            if bp.uselist:
                bp._add_backref(item, owner)
            else:
                idict = item.__dict__
                istate = idict.get(STATE_ATTR) or instance_state(item)
                old = idict.get(bp.key, NO_VALUE)
                if old is NO_VALUE:
                    old = bp._identity_lookup(item, istate)
                if old is not owner:
                    if bp.key not in istate.committed_state:
                        istate._own_committed()[bp.key] = old
                    idict[bp.key] = owner
                    if not istate.modified:
                        istate._modified_event(item)
                    if old is not None and old is not NO_VALUE:
                        coll = old.__dict__.get(self.key)
                        if coll is not None and not self._writeonly:
                            coll._remove_no_event(item)
        self._cascade_into_session(owner.__dict__[STATE_ATTR], item)

    def _collection_remove_event(self, owner: Any, item: Any) -> None:
        bp = self.back_prop
        if bp is None:
            return
        if bp.uselist:
            bp._remove_backref(item, owner)
        else:
            idict = item.__dict__
            cur = idict.get(bp.key, NO_VALUE)
            if cur is NO_VALUE:
                cur = bp._identity_lookup(item, idict.get(STATE_ATTR) or instance_state(item))
            if cur is owner:
                istate = idict.get(STATE_ATTR) or instance_state(item)
                if bp.key not in istate.committed_state:
                    istate._own_committed()[bp.key] = owner
                idict[bp.key] = None
                if not istate.modified:
                    istate._modified_event(item)

    def _identity_lookup(self, obj: Any, state: Any) -> Any:
        """The current many-to-one target of a persistent ``obj`` whose attribute isn't loaded,
        if its foreign key is loaded and the target is in the identity map (no SQL); else NO_VALUE."""
        if self.direction != MANYTOONE or state.key is None:
            return NO_VALUE
        sess = state.session
        if sess is None:
            return NO_VALUE
        d = obj.__dict__
        pm = self.parent
        vals = []
        for _, dest in self.synchronize_pairs:
            k = pm._column_to_key.get(dest)
            if k is None or k not in d:
                return NO_VALUE
            vals.append(d[k])
        if all(v is None for v in vals):
            return None
        if [s for s, _ in self.synchronize_pairs] != list(self.mapper.primary_key):
            return NO_VALUE
        return sess.identity_map.get((self.mapper.base_mapper, tuple(vals)), NO_VALUE)

    def _add_backref(self, target: Any, item: Any) -> None:
        """``item`` now refers to ``target`` through the reverse side: mirror it here."""
        tdict = target.__dict__
        tstate = tdict.get(STATE_ATTR) or instance_state(target)
        key = self.key
        if self._writeonly:
            return  # the foreign key is written from the other side; nothing is loaded here
        if self.uselist:
            if key in tdict:
                coll = tdict[key]
                if not any(x is item for x in collection_members(coll)):
                    coll._append_no_event(item)
            elif tstate.key is None:
                getattr(target, key)._append_no_event(item)
        else:
            old = tdict.get(key, NO_VALUE)
            if old is item:
                return
            if key not in tstate.committed_state:
                tstate._own_committed()[key] = old
            tdict[key] = item
            if not tstate.modified:
                tstate._modified_event(target)

    def _remove_backref(self, target: Any, item: Any) -> None:
        tdict = target.__dict__
        key = self.key
        if self._writeonly:
            return
        if self.uselist:
            coll = tdict.get(key)
            if coll is not None:
                coll._remove_no_event(item)
        elif tdict.get(key, NO_VALUE) is item:
            tstate = tdict.get(STATE_ATTR) or instance_state(target)
            if key not in tstate.committed_state:
                tstate._own_committed()[key] = item
            tdict[key] = None
            if not tstate.modified:
                tstate._modified_event(target)

    def _cascade_into_session(self, state: Any, item: Any) -> None:
        if state.session_id is None or not self.cascade.save_update:
            return
        istate = item.__dict__.get(STATE_ATTR) or instance_state(item)
        if istate.session_id is None and istate.key is None:
            sess = state.session
            if sess is not None:
                sess._save_or_update_state(istate, item)

    # -- SQL comparisons ----------------------------------------------------------------------
    def _compare_to(self, other: Any) -> Any:
        self.parent._check_configure()
        if self.direction == MANYTOONE:
            if other is None:
                return and_(*[f.is_(None) for _, f in self.synchronize_pairs])
            od = other.__dict__
            tm = self.mapper
            return and_(*[f == getattr(other, tm._column_to_key[r]) if r in tm._column_to_key else f == od.get(r.key)
                          for r, f in self.synchronize_pairs])
        raise orm_exc.InvalidRequestError(
            f"Can't compare a collection to an object or collection; use {self._name}.contains()"
        )

    def _exists(self, criterion: Any, kwargs: dict[str, Any]) -> Any:
        from sqlweave.core.sql.selectable import exists

        self.parent._check_configure()
        crit = [self.primaryjoin]
        if self.secondary is not None:
            crit.append(self.secondaryjoin)
        if criterion is not None:
            crit.append(criterion)
        for k, v in kwargs.items():
            crit.append(getattr(self.mapper.class_, k) == v)
        return exists().where(and_(*crit)).correlate_except(
            *([self.secondary, self.target] if self.secondary is not None else [self.target]))

    def _contains(self, other: Any) -> Any:
        self.parent._check_configure()
        tm = self.mapper
        if self.direction == ONETOMANY:
            return and_(*[r == getattr(other, tm._column_to_key[f]) for r, f in self.synchronize_pairs])
        crit = [self.primaryjoin]
        crit += [s == getattr(other, tm._column_to_key[t]) for t, s in self.remote_pairs]
        return and_(*crit)


def relationship(argument: Any = None, secondary: Any = None, **kwargs: Any) -> Any:
    """Map a relationship to another mapped class (SQLAlchemy 2.0 semantics)."""
    dc: dict[str, Any] = {k: kwargs.pop(k) for k in ("init", "repr", "default", "default_factory", "compare", "kw_only", "hash")
          if k in kwargs}
    prop = RelationshipProperty(argument, secondary, **kwargs)
    prop._dc = dc  # MappedAsDataclass field options
    return prop


# -- join analysis helpers ---------------------------------------------------------------------


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, (list, tuple, set, frozenset)):
        return list(v)
    return [v]


def _col(c: Any) -> Any:
    ce = getattr(c, "__clause_element__", None)
    return ce() if ce is not None else c


def _belongs(col: Any, table: Any) -> bool:
    return getattr(col, "table", None) is table


def _fk_pairs(from_t: Any, to_t: Any, fkset: Any) -> list[tuple[Any, Any]]:
    """[(referenced column of to_t, fk column of from_t)] for foreign keys from ``from_t`` to ``to_t``."""
    out = []
    for col in from_t.columns:
        if fkset is not None and col not in fkset:
            continue
        for fk in col.foreign_keys:
            try:
                ref = fk.column
            except Exception:  # unresolvable FK target: not part of this join
                continue
            if ref.table is to_t:
                out.append((ref, col))
    return out


def _binaries(expr: Any) -> list[Any]:
    if isinstance(expr, (BooleanClauseList, ClauseList)):
        return [b for c in expr.clauses for b in _binaries(c)]
    inner = getattr(expr, "element", None)
    if inner is not None and type(expr).__name__ == "Grouping":
        return _binaries(inner)
    if isinstance(expr, BinaryExpression) and expr.operator is operators.eq:
        return [expr]
    return []


def _pairs_from_expr(expr: Any, fkset: Any, prefer_table: Any) -> list[tuple[Any, Any]]:
    """(referenced, foreign) column pairs of the ``a == b`` terms of a join condition."""
    out = []
    for b in _binaries(expr):
        left, right = b.left, b.right
        if not (hasattr(left, "table") and hasattr(right, "table")):
            continue
        if getattr(left, "table", None) is None or getattr(right, "table", None) is None:
            continue
        if fkset is not None:
            if left in fkset:
                out.append((right, left))
            elif right in fkset:
                out.append((left, right))
            continue
        if prefer_table is not None:
            if left.table is prefer_table:
                out.append((right, left))
            elif right.table is prefer_table:
                out.append((left, right))
            continue
        if any(fk.column is right for fk in left.foreign_keys if _resolvable(fk)):
            out.append((right, left))
        elif any(fk.column is left for fk in right.foreign_keys if _resolvable(fk)):
            out.append((left, right))
    return out


def _resolvable(fk: Any) -> bool:
    try:
        return fk.column is not None
    except Exception:  # unresolvable target table
        return False


def _eval_global(arg: str) -> Any:
    raise orm_exc.ORMConfigurationError(f"Can't resolve {arg!r} without a registry")


def cascade_iterator(obj: Any, cascade: str) -> list[tuple[Any, Any]]:
    """(object, state) of every related object reachable from ``obj`` through relationships whose
    ``cascade`` includes ``cascade``, following only loaded values (no SQL)."""
    out: list[tuple[Any, Any]] = []
    seen = {id(obj)}
    work = [obj]
    while work:
        cur = work.pop()
        d = cur.__dict__
        mapper = instance_state(cur).mapper
        for key in mapper._relationship_keys:
            prop = mapper._props[key]
            if cascade not in prop.cascade or key not in d:
                continue
            for item in prop._cascade_members(d[key]):
                if id(item) in seen:
                    continue
                seen.add(id(item))
                out.append((item, instance_state(item)))
                work.append(item)
    return out
