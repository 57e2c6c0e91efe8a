"""SELECT features a dialect renders itself: LIMIT/OFFSET, ORDER BY, GROUP BY/HAVING, joins,
subqueries, CTEs (recursive too), set operations, window functions, CASE, LIKE escaping."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    desc,
    except_,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    union_all,
)
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestSelect"]


class TestSelect(ComplianceTest):
    """Queries over a small two-table schema return the expected rows."""

    @pytest.fixture
    def data(self, sw_engine: Any, sw_metadata: MetaData) -> tuple[Table, Table]:
        dept = Table("swc_sel_dept", sw_metadata,
                     Column("id", Integer, primary_key=True, autoincrement=False),
                     Column("name", String(20), nullable=False))
        emp = Table("swc_sel_emp", sw_metadata,
                    Column("id", Integer, primary_key=True, autoincrement=False),
                    Column("dept_id", ForeignKey("swc_sel_dept.id")),
                    Column("name", String(20), nullable=False),
                    Column("salary", Integer, nullable=False),
                    Column("boss_id", Integer))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(dept), [{"id": 1, "name": "eng"}, {"id": 2, "name": "ops"},
                                        {"id": 3, "name": "empty"}])
            conn.execute(insert(emp), [
                {"id": 1, "dept_id": 1, "name": "ada", "salary": 300, "boss_id": None},
                {"id": 2, "dept_id": 1, "name": "bob", "salary": 200, "boss_id": 1},
                {"id": 3, "dept_id": 2, "name": "cy", "salary": 150, "boss_id": 1},
                {"id": 4, "dept_id": 2, "name": "di_50%", "salary": 100, "boss_id": 3},
                {"id": 5, "dept_id": None, "name": "eve", "salary": 50, "boss_id": 4},
            ])
        return dept, emp

    def _rows(self, engine: Any, stmt: Any) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt)]

    def test_limit_offset(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        stmt = select(emp.c.name).order_by(emp.c.id).limit(2).offset(1)
        assert self._rows(sw_engine, stmt) == [("bob",), ("cy",)]
        assert self._rows(sw_engine, select(emp.c.id).order_by(emp.c.id).offset(4)) == [(5,)]

    def test_group_by_having(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        total = func.sum(emp.c.salary).label("total")
        stmt = (select(emp.c.dept_id, total).where(emp.c.dept_id.is_not(None))
                .group_by(emp.c.dept_id).having(func.sum(emp.c.salary) > 260)
                .order_by(desc(total)))
        assert self._rows(sw_engine, stmt) == [(1, 500)]

    def test_inner_and_outer_join(self, sw_engine: Any, data: Any) -> None:
        dept, emp = data
        inner = select(emp.c.name, dept.c.name).join_from(emp, dept).order_by(emp.c.id)
        assert len(self._rows(sw_engine, inner)) == 4
        outer = (select(dept.c.name, func.count(emp.c.id)).select_from(dept.outerjoin(emp))
                 .group_by(dept.c.name).order_by(dept.c.name))
        assert self._rows(sw_engine, outer) == [("empty", 0), ("eng", 2), ("ops", 2)]

    @requires("supports_full_outer_join")
    def test_full_outer_join(self, sw_engine: Any, data: Any) -> None:
        dept, emp = data
        stmt = select(dept.c.id, emp.c.id).select_from(emp.join(dept, emp.c.dept_id == dept.c.id,
                                                                 full=True))
        rows = self._rows(sw_engine, stmt)
        assert (None, 5) in rows and (3, None) in rows and len(rows) == 6

    def test_self_join_with_alias(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        boss = emp.alias("boss")
        stmt = (select(emp.c.name, boss.c.name).join(boss, emp.c.boss_id == boss.c.id)
                .where(boss.c.name == "ada").order_by(emp.c.name))
        assert self._rows(sw_engine, stmt) == [("bob", "ada"), ("cy", "ada")]

    def test_scalar_and_from_subqueries(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        avg = select(func.avg(emp.c.salary)).scalar_subquery()
        above = select(emp.c.name).where(emp.c.salary > avg).order_by(emp.c.name)
        assert self._rows(sw_engine, above) == [("ada",), ("bob",)]
        sub = select(emp.c.dept_id, func.max(emp.c.salary).label("top")).group_by(emp.c.dept_id).subquery()
        stmt = select(sub.c.top).where(sub.c.dept_id.is_not(None)).order_by(sub.c.top)
        assert self._rows(sw_engine, stmt) == [(150,), (300,)]

    def test_exists_and_in_subquery(self, sw_engine: Any, data: Any) -> None:
        dept, emp = data
        has_staff = exists().where(emp.c.dept_id == dept.c.id)
        assert self._rows(sw_engine, select(dept.c.name).where(~has_staff)) == [("empty",)]
        stmt = select(dept.c.name).where(dept.c.id.in_(select(emp.c.dept_id))).order_by(dept.c.id)
        assert self._rows(sw_engine, stmt) == [("eng",), ("ops",)]

    def test_empty_in(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        assert self._rows(sw_engine, select(emp.c.id).where(emp.c.id.in_([]))) == []
        assert len(self._rows(sw_engine, select(emp.c.id).where(emp.c.id.not_in([])))) == 5

    def test_cte(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        rich = select(emp.c.id, emp.c.name).where(emp.c.salary >= 200).cte("rich")
        assert self._rows(sw_engine, select(rich.c.name).order_by(rich.c.id)) == [("ada",), ("bob",)]

    def test_recursive_cte(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        chain = select(emp.c.id, emp.c.boss_id).where(emp.c.name == "eve").cte("chain", recursive=True)
        step = select(emp.c.id, emp.c.boss_id).join(chain, emp.c.id == chain.c.boss_id)
        chain = chain.union_all(step)
        assert sorted(self._rows(sw_engine, select(chain.c.id))) == [(1,), (3,), (4,), (5,)]

    def test_union_and_except(self, sw_engine: Any, data: Any) -> None:
        dept, emp = data
        u = union(select(dept.c.name), select(emp.c.name).where(emp.c.id < 3))
        assert sorted(self._rows(sw_engine, u)) == [("ada",), ("bob",), ("empty",), ("eng",), ("ops",)]
        ua = union_all(select(literal(1)), select(literal(1)))
        assert self._rows(sw_engine, ua) == [(1,), (1,)]
        ex = except_(select(dept.c.id), select(emp.c.dept_id).where(emp.c.dept_id.is_not(None)))
        assert self._rows(sw_engine, ex) == [(3,)]

    @requires("supports_window_functions")
    def test_window_functions(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        rank = func.rank().over(partition_by=emp.c.dept_id, order_by=emp.c.salary.desc())
        running = func.sum(emp.c.salary).over(order_by=emp.c.id)
        stmt = (select(emp.c.name, rank.label("r"), running.label("s"))
                .where(emp.c.dept_id == 1).order_by(emp.c.id))
        assert self._rows(sw_engine, stmt) == [("ada", 1, 300), ("bob", 2, 500)]

    def test_case_and_functions(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        band = case((emp.c.salary >= 200, "high"), (emp.c.salary >= 100, "mid"), else_="low")
        stmt = (select(emp.c.name, band, func.lower(func.upper(emp.c.name)), func.coalesce(emp.c.dept_id, 0))
                .where(and_(emp.c.id >= 3, emp.c.id <= 5)).order_by(emp.c.id))
        assert self._rows(sw_engine, stmt) == [("cy", "mid", "cy", 2), ("di_50%", "mid", "di_50%", 2),
                                               ("eve", "low", "eve", 0)]

    def test_like_with_escaped_wildcards(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        assert self._rows(sw_engine, select(emp.c.name).where(emp.c.name.contains("50%", autoescape=True))) == [("di_50%",)]
        assert self._rows(sw_engine, select(emp.c.name).where(emp.c.name.startswith("di_", autoescape=True))) == [("di_50%",)]
        assert self._rows(sw_engine, select(emp.c.name).where(emp.c.name.like("%_b%")).order_by(emp.c.name)) == [("bob",)]

    def test_distinct_and_count(self, sw_engine: Any, data: Any) -> None:
        _, emp = data
        with sw_engine.connect() as conn:
            assert conn.scalar(select(func.count(emp.c.dept_id.distinct()))) == 2
            assert conn.scalar(select(func.count()).select_from(emp)) == 5
