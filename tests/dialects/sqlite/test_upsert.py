"""SQLite upserts: INSERT ... ON CONFLICT DO NOTHING / DO UPDATE, executed and compiled."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, create_engine, select
from sqlweave.dialects.sqlite import insert


@pytest.fixture
def kv() -> Any:
    engine = create_engine("sqlite://")
    md = MetaData()
    t = Table("kv", md, Column("k", String(10), primary_key=True), Column("v", Integer, nullable=False))
    md.create_all(engine)
    return engine, t


def test_do_nothing_and_do_update(kv: Any) -> None:
    engine, t = kv
    with engine.begin() as conn:
        conn.execute(insert(t).values(k="a", v=1))
        conn.execute(insert(t).values(k="a", v=99).on_conflict_do_nothing(index_elements=[t.c.k]))
        assert conn.scalar(select(t.c.v)) == 1
        stmt = insert(t).values(k="a", v=5)
        conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.k], set_={"v": t.c.v + stmt.excluded.v}))
        assert conn.execute(select(t.c.k, t.c.v)).all() == [("a", 6)]


def test_compiled_sql(kv: Any) -> None:
    engine, t = kv
    stmt = insert(t).values(k="a", v=1)
    sql = str(stmt.on_conflict_do_update(index_elements=["k"], set_={"v": stmt.excluded.v},
                                         where=t.c.v < 10).compile(engine))
    assert sql == ("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v "
                   "WHERE kv.v < ?")
