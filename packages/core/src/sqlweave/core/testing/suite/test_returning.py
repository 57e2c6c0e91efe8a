"""RETURNING for INSERT, UPDATE and DELETE, run only where the dialect declares it."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, delete, insert, select, update
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestReturning"]


class TestReturning(ComplianceTest):
    """RETURNING gives back the rows the statement touched."""

    @pytest.fixture
    def things(self, sw_engine: Any, sw_metadata: MetaData) -> Table:
        t = Table("swc_ret_things", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("name", String(30), nullable=False),
                  Column("n", Integer, server_default="7"))
        sw_metadata.create_all(sw_engine)
        return t

    @requires("insert_returning")
    def test_insert_returning_server_values(self, sw_engine: Any, things: Table) -> None:
        with sw_engine.begin() as conn:
            row = conn.execute(insert(things).values(name="a").returning(things.c.id, things.c.n)).one()
            stored = conn.execute(select(things.c.id, things.c.n)).one()
        assert tuple(row) == tuple(stored)
        assert row.n == 7

    @requires("insert_executemany_returning")
    def test_insert_many_returning(self, sw_engine: Any, things: Table) -> None:
        with sw_engine.begin() as conn:
            rows = conn.execute(insert(things).returning(things.c.id, things.c.name),
                                [{"name": "a"}, {"name": "b"}, {"name": "c"}]).all()
            stored = conn.execute(select(things.c.id, things.c.name).order_by(things.c.id)).all()
        assert sorted(tuple(r) for r in rows) == [tuple(r) for r in stored]
        assert [r.name for r in stored] == ["a", "b", "c"]

    @requires("update_returning")
    def test_update_returning(self, sw_engine: Any, things: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(things), [{"name": "a", "n": 1}, {"name": "b", "n": 2}])
            rows = conn.execute(update(things).where(things.c.n == 2).values(n=things.c.n * 10)
                                .returning(things.c.name, things.c.n)).all()
        assert [tuple(r) for r in rows] == [("b", 20)]

    @requires("delete_returning")
    def test_delete_returning(self, sw_engine: Any, things: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(things), [{"name": "a"}, {"name": "b"}])
            rows = conn.execute(delete(things).where(things.c.name == "a").returning(things.c.name)).all()
            left = conn.execute(select(things.c.name)).scalars().all()
        assert [r.name for r in rows] == ["a"]
        assert left == ["b"]
