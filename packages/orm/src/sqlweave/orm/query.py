"""The legacy ``session.query(User).filter(...).first()`` API, built on ``select()``."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.sql.functions import func
from sqlweave.core.sql.selectable import select


class Query:
    """A generative query over ``select()``; each method returns a new Query."""

    def __init__(self, entities: Any, session: Any, statement: Any = None) -> None:
        self.session = session
        self._statement = statement if statement is not None else select(*entities)
        self._single = len(entities) == 1 and isinstance(entities[0], type) if statement is None else True

    def _new(self, stmt: Any) -> Query:
        q = Query.__new__(Query)
        q.session = self.session
        q._statement = stmt
        q._single = self._single
        return q

    @property
    def statement(self) -> Any:
        return self._statement

    def filter(self, *crit: Any) -> Query:
        return self._new(self._statement.where(*crit))

    where = filter

    def filter_by(self, **kw: Any) -> Query:
        return self._new(self._statement.filter_by(**kw))

    def order_by(self, *c: Any) -> Query:
        return self._new(self._statement.order_by(*c))

    def group_by(self, *c: Any) -> Query:
        return self._new(self._statement.group_by(*c))

    def having(self, *c: Any) -> Query:
        return self._new(self._statement.having(*c))

    def join(self, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False) -> Query:
        return self._new(self._statement.join(target, onclause, isouter=isouter, full=full))

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Query:
        return self._new(self._statement.outerjoin(target, onclause, full=full))

    def options(self, *opts: Any) -> Query:
        return self._new(self._statement.options(*opts))

    def limit(self, n: Any) -> Query:
        return self._new(self._statement.limit(n))

    def offset(self, n: Any) -> Query:
        return self._new(self._statement.offset(n))

    def distinct(self, *expr: Any) -> Query:
        return self._new(self._statement.distinct(*expr))

    def populate_existing(self) -> Query:
        return self._new(self._statement.execution_options(populate_existing=True))

    def with_entities(self, *entities: Any) -> Query:
        q = Query(entities, self.session)
        st = self._statement
        new = q._statement
        for attr in ("_where", "_order_by", "_group_by", "_having", "_setup_joins", "_from_obj"):
            if attr in st.__dict__:
                setattr(new, attr, getattr(st, attr))
        return q

    def _result(self) -> Any:
        res = self.session.execute(self._statement)
        return res.scalars() if self._single else res

    def all(self) -> list[Any]:
        return list(self._result().all())

    def __iter__(self) -> Any:
        return iter(self.all())

    def first(self) -> Any:
        return self.limit(1)._result().first()

    def one(self) -> Any:
        return self._result().one()

    def one_or_none(self) -> Any:
        return self._result().one_or_none()

    def scalar(self) -> Any:
        row = self.session.execute(self._statement).first()
        return row[0] if row is not None else None

    def count(self) -> int:
        sub = self._statement.subquery()
        return int(self.session.execute(select(func.count()).select_from(sub)).scalar())

    def get(self, ident: Any) -> Any:
        ent = self._statement._entities[0]
        return self.session.get(ent, ident)

    def subquery(self, name: str | None = None) -> Any:
        from sqlweave.orm.context import compile_orm_select

        return compile_orm_select(self._statement).statement.subquery(name)

    def exists(self) -> Any:
        return self._statement.exists()

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            start = item.start or 0
            q = self.offset(start) if start else self
            if item.stop is not None:
                q = q.limit(item.stop - start)
            return q.all()
        res = self.offset(item).limit(1).all() if item else self.limit(1).all()
        if not res:
            raise IndexError(item)
        return res[0]

    def delete(self, synchronize_session: Any = "auto") -> int:
        from sqlweave.core.sql.dml import delete

        ent = self._statement._entities[0]
        stmt = delete(ent.__table__ if hasattr(ent, "__table__") else ent).where(*self._statement._where)
        return int(self.session.execute(stmt).rowcount)

    def update(self, values: dict[Any, Any], synchronize_session: Any = "auto") -> int:
        from sqlweave.core.sql.dml import update

        ent = self._statement._entities[0]
        vals = {getattr(k, "key", k): v for k, v in values.items()}
        stmt = update(ent.__table__).where(*self._statement._where).values(**vals)
        n = int(self.session.execute(stmt).rowcount)
        self.session.expire_all()
        return n


_ = sa_exc
