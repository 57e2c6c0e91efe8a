"""``INSERT ... ON CONFLICT (target) DO NOTHING / DO UPDATE SET ...``: the upsert construct
shared by the dialects whose grammar has it (SQLite 3.24+, PostgreSQL 9.5+).

Each dialect re-exports :class:`Insert` / :func:`insert` from its own package; the dialect's
compiler mixes in :class:`OnConflictCompilerMixin` to render the clause.
"""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc
from sqlweave.core.sql import coercions
from sqlweave.core.sql.dml import Insert as _CoreInsert
from sqlweave.core.sql.elements import ClauseElement, ColumnClause
from sqlweave.core.sql.selectable import ColumnCollection


class Insert(_CoreInsert):
    """INSERT with ``on_conflict_do_nothing()`` / ``on_conflict_do_update()``."""

    @property
    def excluded(self) -> ColumnCollection:
        """The row proposed for insertion: ``stmt.excluded.name`` renders ``excluded.name``."""
        cols = []
        for c in self.table.columns:
            col = ColumnClause(c.name, c.type, _selectable=_Excluded())
            col.key = c.key
            cols.append(col)
        return ColumnCollection(cols)

    def on_conflict_do_nothing(self, index_elements: Any = None, index_where: Any = None,
                               constraint: Any = None) -> Insert:
        new = self._generate()
        new._post_values_clause = OnConflictDoNothing(index_elements, index_where, constraint)
        return new

    def on_conflict_do_update(self, index_elements: Any = None, index_where: Any = None,
                              set_: Any = None, where: Any = None, constraint: Any = None) -> Insert:
        if not set_:
            raise exc.ArgumentError("on_conflict_do_update() needs set_ (a dict of column: value)")
        new = self._generate()
        new._post_values_clause = OnConflictDoUpdate(self.table, index_elements, index_where, set_, where, constraint)
        return new

    def _post_values_key(self, binds: list[Any]) -> Any:
        clause = self._post_values_clause
        return clause._gen_cache_key(binds) if clause is not None else None


class _Excluded:
    name = "excluded"
    schema = None
    named_with_column = True
    _from_objects: list[Any] = []

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("excluded",)


class OnConflictClause(ClauseElement):
    def __init__(self, index_elements: Any, index_where: Any, constraint: Any) -> None:
        self.index_elements = [
            e if isinstance(e, str) else coercions.expect_column_expression(e) for e in (index_elements or [])
        ]
        self.index_where = coercions.expect_where(index_where) if index_where is not None else None
        self.constraint = getattr(constraint, "name", constraint)

    def _target_key(self, binds: list[Any]) -> Any:
        return (
            tuple(e if isinstance(e, str) else e._gen_cache_key(binds) for e in self.index_elements),
            self.index_where._gen_cache_key(binds) if self.index_where is not None else None,
            self.constraint,
        )


class OnConflictDoNothing(OnConflictClause):
    __visit_name__ = "on_conflict_do_nothing"

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("ocdn", self._target_key(binds))


class OnConflictDoUpdate(OnConflictClause):
    __visit_name__ = "on_conflict_do_update"

    def __init__(self, table: Any, index_elements: Any, index_where: Any, set_: Any, where: Any, constraint: Any) -> None:
        super().__init__(index_elements, index_where, constraint)
        if not self.index_elements and self.constraint is None:
            raise exc.ArgumentError("on_conflict_do_update() needs index_elements or constraint")
        items = set_.items() if isinstance(set_, dict) else set_
        self.update_values: list[tuple[Any, Any]] = []
        for k, v in items:
            col = table.c[k] if isinstance(k, str) else k
            self.update_values.append((col, coercions.expect_value(v, col)))
        self.update_where = coercions.expect_where(where) if where is not None else None

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "ocdu",
            self._target_key(binds),
            tuple((id(c), v._gen_cache_key(binds)) for c, v in self.update_values),
            self.update_where._gen_cache_key(binds) if self.update_where is not None else None,
        )


def insert(table: Any) -> Insert:
    """An INSERT supporting ``ON CONFLICT`` upserts."""
    return Insert(table)


class OnConflictCompilerMixin:
    """Renders :class:`OnConflictDoNothing` / :class:`OnConflictDoUpdate`; mix into a SQLCompiler."""

    # provided by SQLCompiler (list the mixin first: it must not shadow SQLCompiler's methods)
    preparer: Any
    process: Any

    def visit_on_conflict_do_nothing(self, clause: Any, **kw: Any) -> str:
        return "ON CONFLICT" + self._conflict_target(clause, **kw) + " DO NOTHING"

    def visit_on_conflict_do_update(self, clause: Any, **kw: Any) -> str:
        sets = ", ".join(
            f"{self.preparer.quote(c.name)} = {self.process(v.self_group(), include_table=True, **kw)}"
            for c, v in clause.update_values
        )
        text = "ON CONFLICT" + self._conflict_target(clause, **kw) + " DO UPDATE SET " + sets
        if clause.update_where is not None:
            text += " WHERE " + self.process(clause.update_where, **kw)
        return text

    def _conflict_target(self, clause: Any, **kw: Any) -> str:
        if clause.constraint is not None:
            return " ON CONSTRAINT " + self.preparer.quote(clause.constraint)
        if not clause.index_elements:
            return ""
        cols = ", ".join(
            self.preparer.quote(e) if isinstance(e, str) else self.process(e, include_table=False, **kw)
            for e in clause.index_elements
        )
        text = f" ({cols})"
        if clause.index_where is not None:
            text += " WHERE " + self.process(clause.index_where, include_table=False, **kw)
        return text
