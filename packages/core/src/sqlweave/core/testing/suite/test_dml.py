"""DML: INSERT (single, executemany, multi-VALUES, from SELECT, defaults), UPDATE, DELETE, rowcount."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestDML"]


class TestDML(ComplianceTest):
    """Rows written by Core DML statements read back as written."""

    @pytest.fixture
    def items(self, sw_engine: Any, sw_metadata: MetaData) -> Table:
        t = Table("swc_dml_items", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("name", String(30), nullable=False),
                  Column("qty", Integer, default=1))
        sw_metadata.create_all(sw_engine)
        return t

    def _all(self, engine: Any, t: Table) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))]

    def test_insert_single_returns_primary_key(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            first = conn.execute(insert(items).values(name="a")).inserted_primary_key
            second = conn.execute(insert(items).values(name="b", qty=5)).inserted_primary_key
        assert first[0] is not None and second[0] is not None and first[0] != second[0]
        assert self._all(sw_engine, items) == [(first[0], "a", 1), (second[0], "b", 5)]

    def test_insert_explicit_primary_key(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            r = conn.execute(insert(items).values(id=10, name="ten"))
            assert r.inserted_primary_key == (10,)
        assert self._all(sw_engine, items) == [(10, "ten", 1)]

    def test_executemany(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": f"n{i}", "qty": i} for i in range(1, 51)])
        rows = self._all(sw_engine, items)
        assert len(rows) == 50
        assert [(r[1], r[2]) for r in rows] == [(f"n{i}", i) for i in range(1, 51)]

    @requires("supports_multivalues_insert")
    def test_multivalues_insert(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items).values([{"name": "x", "qty": 2}, {"name": "y", "qty": 3}]))
        assert [(r[1], r[2]) for r in self._all(sw_engine, items)] == [("x", 2), ("y", 3)]

    def test_insert_from_select(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}])
            src = select(items.c.name + "2", items.c.qty * 10).where(items.c.qty > 1)
            conn.execute(insert(items).from_select(["name", "qty"], src))
        assert sorted((r[1], r[2]) for r in self._all(sw_engine, items)) == [
            ("a", 1), ("b", 2), ("b2", 20)]

    def test_update_with_where_and_rowcount(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": n, "qty": q} for n, q in
                                         [("a", 1), ("b", 2), ("c", 3)]])
            r = conn.execute(update(items).where(items.c.qty >= 2).values(qty=items.c.qty + 100))
            if sw_engine.dialect.supports_sane_rowcount:
                assert r.rowcount == 2
        assert [(r[1], r[2]) for r in self._all(sw_engine, items)] == [
            ("a", 1), ("b", 102), ("c", 103)]

    @requires("supports_sane_multi_rowcount")
    def test_executemany_update_rowcount(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": n} for n in "abc"])
            stmt = update(items).where(items.c.name == bindparam("old")).values(qty=bindparam("q"))
            r = conn.execute(stmt, [{"old": "a", "q": 7}, {"old": "c", "q": 9}])
            assert r.rowcount == 2
        assert [(r[1], r[2]) for r in self._all(sw_engine, items)] == [
            ("a", 7), ("b", 1), ("c", 9)]

    def test_delete(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": n} for n in "abcd"])
            r = conn.execute(delete(items).where(items.c.name.in_(["b", "d"])))
            if sw_engine.dialect.supports_sane_rowcount:
                assert r.rowcount == 2
        assert [r[1] for r in self._all(sw_engine, items)] == ["a", "c"]

    def test_update_with_subquery(self, sw_engine: Any, items: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": n, "qty": q} for n, q in [("a", 1), ("b", 5)]])
            biggest = select(func.max(items.c.qty)).scalar_subquery()
            conn.execute(update(items).where(items.c.name == "a").values(qty=biggest))
        assert [(r[1], r[2]) for r in self._all(sw_engine, items)] == [("a", 5), ("b", 5)]

    def test_python_default_applied_to_each_row(self, sw_engine: Any, items: Table) -> None:
        # executemany: the first parameter set decides the column list (as in SQLAlchemy)
        with sw_engine.begin() as conn:
            conn.execute(insert(items), [{"name": "a"}, {"name": "b"}])
            conn.execute(insert(items), [{"name": "c", "qty": 4}, {"name": "d", "qty": 5}])
        assert [(r[1], r[2]) for r in self._all(sw_engine, items)] == [
            ("a", 1), ("b", 1), ("c", 4), ("d", 5)]
