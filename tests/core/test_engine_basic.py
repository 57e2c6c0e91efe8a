"""The thin vertical slice: schema → DDL → DML → results → transactions, on the backend under test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    exc,
    func,
    insert,
    select,
    text,
    update,
)

pytestmark = pytest.mark.backend


@pytest.fixture
def users(metadata: MetaData, engine: Any) -> Table:
    t = Table(
        "sw_users", metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False, unique=True),
        Column("age", Integer, default=18),
        Column("created", DateTime),
    )
    Table("sw_addresses", metadata,
          Column("id", Integer, primary_key=True),
          Column("user_id", ForeignKey("sw_users.id"), nullable=False),
          Column("email", String(100)))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return t


def test_insert_select_roundtrip(engine: Any, users: Table) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9)
    with engine.begin() as conn:
        r = conn.execute(insert(users).values(name="ann", created=when))
        assert r.inserted_primary_key == (1,)
        conn.execute(insert(users), [{"name": "bob", "age": 40}, {"name": "cy", "age": 18}])
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.id)).all()
    assert [tuple(r) for r in rows] == [(1, "ann", 18, when), (2, "bob", 40, None), (3, "cy", 18, None)]
    assert rows[1].name == "bob"
    assert rows[1]._mapping[users.c.age] == 40
    assert rows[0]._mapping["created"] == when


def test_rollback_discards_and_commit_keeps(engine: Any, users: Table) -> None:
    with engine.connect() as conn:
        conn.execute(insert(users).values(name="temp"))
        conn.rollback()
        conn.execute(insert(users).values(name="kept"))
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(select(users.c.name)).scalars().all() == ["kept"]


def test_connect_block_rolls_back_uncommitted(engine: Any, users: Table) -> None:
    with engine.connect() as conn:
        conn.execute(insert(users).values(name="lost"))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(users)) == 0


def test_savepoint_rollback_keeps_outer(engine: Any, users: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users).values(name="outer"))
        sp = conn.begin_nested()
        conn.execute(insert(users).values(name="inner"))
        sp.rollback()
        with conn.begin_nested():
            conn.execute(insert(users).values(name="inner2"))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(users.c.name)).scalars()) == ["inner2", "outer"]


def test_integrity_error_then_rollback_connection_usable(engine: Any, users: Table) -> None:
    with engine.connect() as conn:
        conn.execute(insert(users).values(name="dup"))
        conn.commit()
        with pytest.raises(exc.IntegrityError) as info:
            conn.execute(insert(users).values(name="dup"))
        assert info.value.orig is not None
        assert "INSERT INTO" in str(info.value)
        conn.rollback()
        assert conn.scalar(select(func.count()).select_from(users)) == 1


def test_update_delete_rowcount(engine: Any, users: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users), [{"name": f"u{i}", "age": i} for i in range(10)])
        r = conn.execute(update(users).where(users.c.age >= 5).values(age=users.c.age + 100))
        assert r.rowcount == 5
        r = conn.execute(delete(users).where(users.c.age < 3))
        assert r.rowcount == 3
    with engine.connect() as conn:
        ages = conn.execute(select(users.c.age).order_by(users.c.age)).scalars().all()
    assert ages == [3, 4, 105, 106, 107, 108, 109]


def test_compiled_cache_reused_with_new_values(engine: Any, users: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users), [{"name": f"n{i}"} for i in range(5)])
    with engine.connect() as conn:
        before = len(engine._compiled_cache)
        names = [conn.execute(select(users.c.name).where(users.c.id == i)).scalar_one() for i in range(1, 6)]
        assert names == [f"n{i}" for i in range(5)]
        assert len(engine._compiled_cache) == before + 1


def test_text_with_params(engine: Any, users: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users).values(name="t1", age=7))
        row = conn.execute(text("SELECT name, age FROM sw_users WHERE age = :a"), {"a": 7}).one()
    assert tuple(row) == ("t1", 7)
    assert row.name == "t1"


def test_plain_string_is_refused(engine: Any, users: Table) -> None:
    with pytest.raises(exc.ArgumentError, match="text\\(\\)"):
        select(users).where("1=1")  # type: ignore[arg-type]
    with engine.connect() as conn:
        with pytest.raises(exc.ObjectNotExecutableError):
            conn.execute("SELECT 1")  # type: ignore[arg-type]


def test_values_travel_as_parameters(engine: Any, users: Table) -> None:
    hostile = "x'); DROP TABLE sw_users; --"
    with engine.begin() as conn:
        conn.execute(insert(users).values(name=hostile))
        assert conn.execute(select(users.c.name).where(users.c.name == hostile)).scalar_one() == hostile
    compiled = select(users).where(users.c.name == hostile).compile(engine)
    assert hostile not in compiled.string


def test_inserted_primary_key_given_in_values(engine: Any, users: Table) -> None:
    with engine.begin() as conn:
        r = conn.execute(insert(users).values(id=10, name="given"))
        assert r.inserted_primary_key == (10,)
