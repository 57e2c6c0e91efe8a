"""``lazy="write_only"`` and ``lazy="dynamic"`` relationships: collections that never load in full.

A :class:`WriteOnlyCollection` records ``add()`` / ``remove()`` calls as pending history, which the
flush turns into foreign key updates (one-to-many) or association rows (many-to-many); reading goes
through an explicit ``select()``. :class:`AppenderQuery` (``lazy="dynamic"``) is the legacy form: a
Query of the related rows that also accepts ``append()`` / ``remove()``; iterating it autoflushes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.elements import and_
from sqlweave.orm.base import MANYTOMANY, NO_VALUE, STATE_ATTR, instance_state


class WriteOnlyCollection:
    """The value of a ``write_only`` relationship: pending adds/removes plus statement builders."""

    def __init__(self, owner: Any, prop: Any) -> None:
        self._owner = owner
        self._prop = prop
        self._pending_added: list[Any] = []
        self._pending_removed: list[Any] = []

    # -- history ---------------------------------------------------------------------------------
    def _sw_members(self) -> list[Any]:
        """Members known in memory (pending adds); the persisted rows are not loaded."""
        return list(self._pending_added)

    def _sw_reset(self) -> None:
        self._pending_added.clear()
        self._pending_removed.clear()

    def _note_change(self) -> None:
        owner = self._owner
        state = owner.__dict__.get(STATE_ATTR) or instance_state(owner)
        if self._prop.key not in state.committed_state:
            state._own_committed()[self._prop.key] = NO_VALUE
        if not state.modified:
            state._modified_event(owner)

    # -- writes ------------------------------------------------------------------------------------
    def add(self, item: Any) -> None:
        """Add ``item`` to the collection; written at the next flush."""
        if any(x is item for x in self._pending_added):
            return
        self._note_change()
        self._pending_removed[:] = [x for x in self._pending_removed if x is not item]
        self._pending_added.append(item)
        self._prop._collection_append_event(self._owner, item)

    def add_all(self, items: Iterable[Any]) -> None:
        """Add each of ``items``."""
        for item in items:
            self.add(item)

    append = add
    extend = add_all

    def remove(self, item: Any) -> None:
        """Remove ``item`` from the collection (its foreign key is cleared at the next flush, or the
        row deleted with ``delete-orphan``)."""
        self._note_change()
        if any(x is item for x in self._pending_added):
            self._pending_added[:] = [x for x in self._pending_added if x is not item]
        else:
            self._pending_removed.append(item)
        self._prop._collection_remove_event(self._owner, item)

    # -- statements -----------------------------------------------------------------------------
    def _criteria(self) -> list[Any]:
        prop = self._prop
        owner = self._owner
        pm = prop.parent
        if prop.direction == MANYTOMANY:
            return [s == getattr(owner, pm._column_to_key[p]) for p, s in prop.local_pairs]
        return [dest == getattr(owner, pm._column_to_key[src]) for src, dest in prop.synchronize_pairs]

    def select(self) -> Any:
        """``SELECT`` of the related objects that are persisted (execute it with the Session)."""
        from sqlweave.core.sql.selectable import select

        prop = self._prop
        stmt = select(prop.mapper.class_)
        if prop.direction == MANYTOMANY:
            stmt = stmt.join(prop.secondary, prop.secondaryjoin)
        stmt = stmt.where(and_(*self._criteria()))
        if prop.order_by:
            stmt = stmt.order_by(*prop.order_by)
        return stmt

    def insert(self) -> Any:
        """``INSERT`` into the related table with the parent's foreign key values filled in."""
        from sqlweave.core.sql.dml import insert

        prop = self._prop
        self._require_o2m("insert")
        vals = {dest.key: getattr(self._owner, prop.parent._column_to_key[src])
                for src, dest in prop.synchronize_pairs}
        return insert(prop.mapper.local_table).values(**vals)

    def update(self) -> Any:
        """``UPDATE`` of the related rows of this parent."""
        from sqlweave.core.sql.dml import update

        self._require_o2m("update")
        return update(self._prop.mapper.local_table).where(and_(*self._criteria()))

    def delete(self) -> Any:
        """``DELETE`` of the related rows of this parent."""
        from sqlweave.core.sql.dml import delete

        self._require_o2m("delete")
        return delete(self._prop.mapper.local_table).where(and_(*self._criteria()))

    def _require_o2m(self, what: str) -> None:
        if self._prop.direction == MANYTOMANY:
            raise sa_exc.InvalidRequestError(
                f"{what}() of write-only collection {self._prop._name} needs a one-to-many relationship")

    def _load_all(self) -> list[Any]:
        """Every member: the persisted rows (one SELECT) plus pending adds, minus pending removes."""
        state = self._owner.__dict__[STATE_ATTR]
        items: list[Any] = []
        if state.key is not None and state.session is not None:
            sess = state.session
            with sess.no_autoflush:
                items = sess.scalars(self.select()).all()
        removed = {id(x) for x in self._pending_removed}
        out = [x for x in items if id(x) not in removed]
        ids = {id(x) for x in out}
        out += [x for x in self._pending_added if id(x) not in ids]
        return out

    def __repr__(self) -> str:
        return f"<WriteOnlyCollection {self._prop._name}>"


class AppenderQuery(WriteOnlyCollection):
    """The value of a ``lazy="dynamic"`` relationship: a Query of the related rows that also
    accepts ``append()`` / ``remove()``. Query methods (``filter``, ``order_by``, ``count`` ...)
    run against the database after an autoflush."""

    def _query(self) -> Any:
        from sqlweave.orm.query import Query

        state = self._owner.__dict__[STATE_ATTR]
        sess = state.session
        if sess is None or state.key is None:
            raise sa_exc.InvalidRequestError(
                f"Dynamic collection {self._prop._name} of {state._repr()} can't be queried: the "
                "object is not persistent in a Session")
        return Query((self._prop.mapper.class_,), sess, statement=self.select())

    def __iter__(self) -> Iterator[Any]:
        state = self._owner.__dict__[STATE_ATTR]
        if state.key is None or state.session is None:
            return iter(list(self._pending_added))
        return iter(self._query().all())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        return self._query()[index]

    def all(self) -> list[Any]:
        return list(self)

    def count(self) -> int:
        state = self._owner.__dict__[STATE_ATTR]
        if state.key is None or state.session is None:
            return len(self._pending_added)
        return self._query().count()  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        # filter / filter_by / order_by / limit / first / one ... come from the Query
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._query(), name)

    def __repr__(self) -> str:
        return f"<AppenderQuery {self._prop._name}>"


__all__ = ["AppenderQuery", "WriteOnlyCollection"]
