"""Scenarios 8 and 10: updating and deleting rows already loaded (ORM) or known (Core)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness import ITEM_COLS, Scenario, as_int, expect, item_rows
from scenarios.selects import seed_items

Thunk = Callable[[], Any]


def _raw_load(c: Any, sql: str) -> list[tuple[Any, ...]]:
    cur = c.conn.cursor()
    cur.execute(sql)
    rows = list(cur.fetchall())
    c.conn.commit()
    return rows


# --- 8: change one attribute of n loaded objects and commit / Core executemany UPDATE ---------


def _check_update(c: Any, n: int, _answer: Any) -> None:
    want = sum(r[2] for r in item_rows(n)) + n
    got = c.row("SELECT COUNT(*), SUM(x) FROM bench_item")
    expect("(count, sum x) after update", tuple(map(as_int, got)), (n, want))


S8o = Scenario(
    "8o", "ORM update 1 attribute of loaded objects", 10_000, check=_check_update, seed=seed_items
)
S8c = Scenario("8c", "Core executemany UPDATE", 10_000, check=_check_update, seed=seed_items)


@S8o.impl("raw")
@S8c.impl("raw")
def _raw_update(c: Any, _n: int) -> Thunk:
    rows = _raw_load(c, "SELECT id, x FROM bench_item")

    def run() -> None:
        c.executemany(
            f"UPDATE bench_item SET x = {c.ph} WHERE id = {c.ph}", [(x + 1, id_) for id_, x in rows]
        )
        c.conn.commit()

    return run


@S8o.impl("orm")
def _orm_update(c: Any, _n: int) -> Thunk:
    session = c.orm.Session(c.engine)
    c.defer(session.close)
    objs = session.scalars(c.core.select(c.m.Item)).all()

    def run() -> None:
        for o in objs:
            o.x = o.x + 1
        session.commit()

    return run


@S8c.impl("core")
def _core_update(c: Any, _n: int) -> Thunk:
    item, core = c.t.item, c.core
    with c.engine.connect() as conn:
        rows = conn.execute(core.select(item.c.id, item.c.x)).all()

    def run() -> None:
        stmt = (
            core.update(item)
            .where(item.c.id == core.bindparam("b_id"))
            .values(x=core.bindparam("b_x"))
        )
        with c.engine.begin() as conn:
            conn.execute(stmt, [{"b_id": r.id, "b_x": r.x + 1} for r in rows])

    return run


@S8o.impl("peewee")
def _pw_update_objects(c: Any, _n: int) -> Thunk:
    Item = c.m.Item
    objs = list(Item.select())

    def run() -> None:
        with c.pdb.atomic():
            for o in objs:
                o.x = o.x + 1
                o.save(only=[Item.x])

    return run


@S8c.impl("peewee")
def _pw_update_rows(c: Any, _n: int) -> Thunk:
    # peewee has no executemany for UPDATE: one statement per row in one transaction.
    Item = c.m.Item
    rows = list(Item.select(Item.id, Item.x).tuples())

    def run() -> None:
        with c.pdb.atomic():
            for id_, x in rows:
                Item.update(x=x + 1).where(Item.id == id_).execute()

    return run


# --- 10: delete n loaded objects in one flush / Core executemany DELETE -----------------------


def _keep(n: int) -> int:
    return max(1, n // 100)  # rows past n that must survive the delete


def _seed_for_delete(c: Any, n: int) -> None:
    c.seed("bench_item", ITEM_COLS, item_rows(n + _keep(n)))


def _check_delete(c: Any, n: int, _answer: Any) -> None:
    got = c.row("SELECT COUNT(*), MIN(id) FROM bench_item")
    expect("(rows left, lowest id left) after delete", tuple(map(as_int, got)), (_keep(n), n + 1))


S10o = Scenario(
    "10o",
    "ORM delete loaded objects, one flush",
    10_000,
    check=_check_delete,
    seed=_seed_for_delete,
)
S10c = Scenario(
    "10c", "Core executemany DELETE", 10_000, check=_check_delete, seed=_seed_for_delete
)


@S10o.impl("raw")
@S10c.impl("raw")
def _raw_delete(c: Any, n: int) -> Thunk:
    ids = [r[0] for r in _raw_load(c, f"SELECT id FROM bench_item WHERE id <= {n}")]

    def run() -> None:
        c.executemany(f"DELETE FROM bench_item WHERE id = {c.ph}", [(i,) for i in ids])
        c.conn.commit()

    return run


@S10o.impl("orm")
def _orm_delete(c: Any, n: int) -> Thunk:
    Item = c.m.Item
    session = c.orm.Session(c.engine)
    c.defer(session.close)
    objs = session.scalars(c.core.select(Item).where(Item.id <= n)).all()

    def run() -> None:
        for o in objs:
            session.delete(o)
        session.commit()

    return run


@S10c.impl("core")
def _core_delete(c: Any, n: int) -> Thunk:
    item, core = c.t.item, c.core
    with c.engine.connect() as conn:
        ids = conn.execute(core.select(item.c.id).where(item.c.id <= n)).scalars().all()

    def run() -> None:
        stmt = core.delete(item).where(item.c.id == core.bindparam("b_id"))
        with c.engine.begin() as conn:
            conn.execute(stmt, [{"b_id": i} for i in ids])

    return run


@S10o.impl("peewee")
def _pw_delete_objects(c: Any, n: int) -> Thunk:
    Item = c.m.Item
    objs = list(Item.select().where(Item.id <= n))

    def run() -> None:
        with c.pdb.atomic():
            for o in objs:
                o.delete_instance()

    return run


@S10c.impl("peewee")
def _pw_delete_rows(c: Any, n: int) -> Thunk:
    # peewee has no executemany for DELETE: one statement per row in one transaction.
    Item = c.m.Item
    ids = [r[0] for r in Item.select(Item.id).where(Item.id <= n).tuples()]

    def run() -> None:
        with c.pdb.atomic():
            for i in ids:
                Item.delete().where(Item.id == i).execute()

    return run


SCENARIOS = [S8o, S8c, S10o, S10c]
