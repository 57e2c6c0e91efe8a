"""The short paths of ``engine.begin()`` / ``conn.execute()`` / commit: each must behave as the
general path does (listeners added later still fire, a DML result still answers after its cursor
is closed, the pool still hands out one proxy per checkout)."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    event,
    exc,
    insert,
    select,
    update,
)
from sqlweave.core.engine.base import Connection

pytestmark = pytest.mark.backend


@pytest.fixture
def tables(metadata: MetaData, engine: Any) -> tuple[Table, Table]:
    with_pk = Table("fp_items", metadata, Column("id", Integer, primary_key=True),
                    Column("name", String(20)))
    no_pk = Table("fp_log", metadata, Column("msg", String(20)))
    metadata.create_all(engine)
    return with_pk, no_pk


def test_dml_result_after_its_cursor_closed(engine: Any, tables: tuple[Table, Table]) -> None:
    items, log = tables
    with engine.begin() as conn:
        first = conn.execute(insert(items), {"name": "a"})
        second = conn.execute(insert(items), {"name": "b"})
        assert first.cursor is None and not first.returns_rows
        assert first.rowcount == 1
        # the key is built on demand, from what was captured before the cursor closed
        assert second.inserted_primary_key[0] > first.inserted_primary_key[0]
        assert first.inserted_primary_key == (first.inserted_primary_key[0],)
        given = conn.execute(insert(items), {"id": 100, "name": "c"})
        assert given.inserted_primary_key == (100,)
        # a table without a primary key: an empty key, single row or executemany
        assert conn.execute(insert(log), {"msg": "x"}).inserted_primary_key == ()
        assert conn.execute(insert(log), [{"msg": "y"}, {"msg": "z"}]).inserted_primary_key_rows == [()]
        assert conn.execute(update(items).values(name="q")).rowcount == 3
        names = conn.execute(select(items.c.name).order_by(items.c.id)).scalars().all()
        assert names == ["q", "q", "q"]


def test_dml_between_fetches_of_an_open_result(engine: Any, tables: tuple[Table, Table]) -> None:
    items, log = tables
    with engine.begin() as conn:
        conn.execute(insert(items), [{"id": i, "name": str(i)} for i in range(1, 4)])
        result = conn.execute(select(items.c.id).order_by(items.c.id))
        assert result.fetchone() == (1,)
        conn.execute(insert(log), {"msg": "between"})  # closes its own cursor only
        assert [r[0] for r in result] == [2, 3]


def test_listeners_added_after_connections_were_made(engine: Any, tables: tuple[Table, Table]) -> None:
    items, _ = tables
    eng = engine.execution_options()  # a copy: its listeners stay its own
    seen: list[str] = []

    def on_begin(conn: Any) -> None:
        seen.append("begin")

    def on_execute(conn: Any, *args: Any) -> None:
        seen.append("execute")

    with eng.begin() as conn:  # the joined dispatch is made (and remembered) before any listener
        conn.execute(insert(items), {"name": "a"})
    assert seen == []
    event.listen(eng, "begin", on_begin)
    event.listen(eng, "before_execute", on_execute)
    try:
        with eng.begin() as conn:
            conn.execute(insert(items), {"name": "b"})
        assert seen == ["begin", "execute"]
        with engine.begin() as conn:  # the engine it was copied from does not see them
            conn.execute(insert(items), {"name": "c"})
        assert seen == ["begin", "execute"]
    finally:
        event.remove(eng, "begin", on_begin)
        event.remove(eng, "before_execute", on_execute)
    with eng.begin() as conn:
        conn.execute(insert(items), {"name": "d"})
    assert seen == ["begin", "execute"]


def test_connection_subclass_gets_its_own_dispatch(engine: Any) -> None:
    fired: list[Any] = []

    class Audited(Connection):
        pass

    def on_begin(conn: Any) -> None:
        fired.append(type(conn))

    with engine.connect():  # the engine remembers Connection's joined dispatch
        pass
    event.listen(Audited, "begin", on_begin)
    eng = engine.execution_options()
    eng._connection_cls = Audited
    with eng.begin():
        pass
    with engine.begin():
        pass
    assert fired == [Audited]


def test_begin_block_ends_as_its_transaction_says(engine: Any, tables: tuple[Table, Table]) -> None:
    """``engine.begin()`` commits through the transaction directly; a block that committed or
    rolled back itself, or whose statement failed, takes the general path."""
    items, _ = tables
    with engine.begin() as conn:
        conn.execute(insert(items), {"id": 1, "name": "kept"})
        conn.commit()  # ended inside the block: nothing left to commit on exit
    with engine.begin() as conn:
        conn.execute(insert(items), {"id": 2, "name": "undone"})
        conn.rollback()
    with pytest.raises(exc.PendingRollbackError):
        with engine.begin() as conn:
            conn.execute(insert(items), {"id": 3, "name": "failed"})
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(items), {"id": 3, "name": "again"})
    with engine.connect() as conn:
        assert conn.execute(select(items.c.id).order_by(items.c.id)).scalars().all() == [1]
    checkedout = getattr(engine.pool, "checkedout", None)
    assert checkedout is None or checkedout() == 0  # every block gave its connection back


def test_context_kind_flags_per_execution(engine: Any, tables: tuple[Table, Table]) -> None:
    """The execution context's statement flags are stored per execution: one compiled INSERT run
    with one, then many, then one parameter set again reports each run's own kind."""
    items, _ = tables
    with engine.begin() as conn:
        one = conn.execute(insert(items), {"name": "a"})
        many = conn.execute(insert(items), [{"name": "b"}, {"name": "c"}])
        again = conn.execute(insert(items), {"name": "d"})
        upd = conn.execute(update(items).where(items.c.name == "a").values(name="z"))
    assert (one.context.executemany, many.context.executemany, again.context.executemany) == \
        (False, True, False)
    assert one.context.isinsert and not one.context.isupdate and upd.context.isupdate
    assert upd.rowcount == 1 and again.inserted_primary_key[0] > one.inserted_primary_key[0]


def test_instance_dispatch_is_made_once_and_sees_later_listeners(engine: Any) -> None:
    """The per-instance dispatch the descriptor creates is kept on the instance (a plain
    attribute store), and listeners added after it was made are seen through it."""
    pool = engine.pool.recreate()
    first = pool.dispatch
    assert pool.dispatch is first and "dispatch" in vars(pool)
    seen: list[str] = []
    event.listen(pool, "checkout", lambda *a: seen.append("checkout"))
    pool.connect().close()
    assert seen == ["checkout"]
    pool.dispose()
