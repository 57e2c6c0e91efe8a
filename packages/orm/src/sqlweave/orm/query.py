"""The legacy ``session.query(User).filter(...).first()`` API, built on ``select()``.

Every method returns a new Query wrapping a new ``select()``; results come from
``Session.execute()``. As in SQLAlchemy, a legacy Query de-duplicates entity rows when joined
eager loading of collections repeats them (2.0-style results ask for ``.unique()`` instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.functions import func
from sqlweave.core.sql.selectable import select


class Query:
    """A generative query over ``select()``; each method returns a new Query."""

    def __init__(self, entities: Any, session: Any = None, statement: Any = None) -> None:
        if len(entities) == 1 and isinstance(entities[0], (list, tuple)):
            entities = tuple(entities[0])
        self.session = session
        self._statement = statement if statement is not None else select(*entities)
        self._single = len(entities) == 1 and _is_entity(entities[0])
        self._exec_opts: dict[str, Any] = {}

    def _new(self, stmt: Any) -> Query:
        q = self.__class__.__new__(self.__class__)
        q.__dict__.update(self.__dict__)
        q._statement = stmt
        return q

    @property
    def statement(self) -> Any:
        """The ``select()`` this Query runs."""
        return self._statement

    def with_session(self, session: Any) -> Query:
        q = self._new(self._statement)
        q.session = session
        return q

    # -- building ---------------------------------------------------------------------------
    def filter(self, *crit: Any) -> Query:
        return self._new(self._statement.where(*crit))

    where = filter

    def filter_by(self, **kw: Any) -> Query:
        return self._new(self._statement.filter_by(**kw))

    def order_by(self, *c: Any) -> Query:
        if len(c) == 1 and c[0] is None:
            return self._new(self._statement.order_by(None))
        return self._new(self._statement.order_by(*c))

    def group_by(self, *c: Any) -> Query:
        return self._new(self._statement.group_by(*c))

    def having(self, *c: Any) -> Query:
        return self._new(self._statement.having(*c))

    def join(self, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False) -> Query:
        return self._new(self._statement.join(target, onclause, isouter=isouter, full=full))

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Query:
        return self._new(self._statement.outerjoin(target, onclause, full=full))

    def select_from(self, *froms: Any) -> Query:
        return self._new(self._statement.select_from(*froms))

    def options(self, *opts: Any) -> Query:
        return self._new(self._statement.options(*opts))

    def limit(self, n: Any) -> Query:
        return self._new(self._statement.limit(n))

    def offset(self, n: Any) -> Query:
        return self._new(self._statement.offset(n))

    def slice(self, start: int, stop: int) -> Query:
        return self.offset(start).limit(max(stop - start, 0))

    def distinct(self, *expr: Any) -> Query:
        return self._new(self._statement.distinct(*expr))

    def with_for_update(self, **kw: Any) -> Query:
        return self._new(self._statement.with_for_update(**kw))

    def execution_options(self, **kw: Any) -> Query:
        q = self._new(self._statement)
        q._exec_opts = {**self._exec_opts, **kw}
        return q

    def populate_existing(self) -> Query:
        return self.execution_options(populate_existing=True)

    def yield_per(self, n: int) -> Query:
        return self.execution_options(yield_per=n)

    def add_columns(self, *cols: Any) -> Query:
        q = self._new(self._statement.add_columns(*cols))
        q._single = False
        return q

    def with_entities(self, *entities: Any) -> Query:
        """The same FROM/WHERE/ORDER BY/GROUP BY with a different SELECT list."""
        q = self._new(self._statement.with_only_columns(*entities))
        propagate: dict[str, Any] = {}
        for e in entities:
            propagate.update(getattr(e, "_propagate_attrs", None) or {})
        q._statement._propagate_attrs = propagate
        q._single = len(entities) == 1 and _is_entity(entities[0])
        return q

    # -- running ----------------------------------------------------------------------------
    def _execute(self) -> Any:
        res = self.session.execute(self._statement, execution_options=self._exec_opts or None)
        if getattr(res, "_require_unique", False):
            res = res.unique()
        return res

    def _result(self) -> Any:
        res = self._execute()
        return res.scalars() if self._single else res

    def all(self) -> list[Any]:
        """All results: entities for a single-entity Query, Rows otherwise."""
        return list(self._result().all())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._result())

    def first(self) -> Any:
        """The first result (LIMIT 1), or None."""
        return self.limit(1)._result().first()

    def one(self) -> Any:
        """Exactly one result; NoResultFound / MultipleResultsFound otherwise."""
        return self._result().one()

    def one_or_none(self) -> Any:
        return self._result().one_or_none()

    def scalar(self) -> Any:
        """The first column of the first row (None if no rows; MultipleResultsFound if several)."""
        row = self._execute().one_or_none()
        return row[0] if row is not None else None

    def count(self) -> int:
        """``SELECT count(*) FROM (<this query>)``."""
        sub = self.subquery()
        return int(self.session.execute(select(func.count()).select_from(sub)).scalar())

    def get(self, ident: Any) -> Any:
        """Legacy; use ``Session.get()``."""
        ent = self._statement._entities[0]
        return self.session.get(ent, ident)

    def subquery(self, name: str | None = None) -> Any:
        """This query as a subquery (entity columns keyed by column key)."""
        from sqlweave.orm.context import compile_orm_select

        stmt = self._statement
        if stmt._propagate_attrs:
            stmt = compile_orm_select(stmt).statement
        return stmt.subquery(name)

    def cte(self, name: str | None = None, recursive: bool = False) -> Any:
        from sqlweave.orm.context import compile_orm_select

        stmt = self._statement
        if stmt._propagate_attrs:
            stmt = compile_orm_select(stmt).statement
        return stmt.cte(name, recursive=recursive)

    def exists(self) -> Any:
        """``EXISTS (<this query>)``: ``session.query(q.exists()).scalar()``."""
        return self._statement.exists()

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            if (item.start is not None and item.start < 0) or (item.stop is not None and item.stop < 0):
                return self.all()[item]
            start = item.start or 0
            q = self.offset(start) if start else self
            if item.stop is not None:
                q = q.limit(max(item.stop - start, 0))
            return q.all()
        if item < 0:
            return self.all()[item]
        res = self.offset(item).limit(1).all() if item else self.limit(1).all()
        if not res:
            raise IndexError(item)
        return res[0]

    # -- bulk DML ---------------------------------------------------------------------------
    def _dml_target(self) -> Any:
        ent = self._statement._entities[0]
        if self._statement._setup_joins:
            raise sa_exc.InvalidRequestError("Query.update()/delete() can't be used with joins")
        return ent

    def delete(self, synchronize_session: Any = "auto") -> int:
        """``DELETE FROM <entity> WHERE <criteria>``; returns the number of rows matched."""
        from sqlweave.core.sql.dml import delete

        stmt = delete(self._dml_target())
        if self._statement._where:
            stmt = stmt.where(*self._statement._where)
        stmt = stmt.execution_options(synchronize_session=synchronize_session)
        return int(self.session.execute(stmt).rowcount)

    def update(self, values: dict[Any, Any], synchronize_session: Any = "auto") -> int:
        """``UPDATE <entity> SET ... WHERE <criteria>``; returns the number of rows matched."""
        from sqlweave.core.sql.dml import update

        ent = self._dml_target()
        stmt = update(ent)
        if self._statement._where:
            stmt = stmt.where(*self._statement._where)
        mapper = getattr(ent, "_sw_mapper", None)
        vals = {}
        for k, v in values.items():
            key = getattr(k, "key", k)
            prop = mapper._props.get(key) if mapper is not None else None
            vals[prop.columns[0].key if prop is not None and hasattr(prop, "columns") else key] = v
        stmt = stmt.values(**vals).execution_options(synchronize_session=synchronize_session)
        return int(self.session.execute(stmt).rowcount)


def _is_entity(e: Any) -> bool:
    from sqlweave.orm.util import AliasedClass

    return isinstance(e, (type, AliasedClass)) or hasattr(e, "_sw_aliased_mapper")
