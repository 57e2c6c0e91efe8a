"""Scenarios 4, 5 and 11: reading many rows (as ORM objects, as Core rows, and streamed)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from harness import ITEM_COLS, Scenario, expect, item_checksum, item_rows

Thunk = Callable[[], Any]
Checksum = tuple[int, int, int, int, int]
SELECT_ITEMS = "SELECT id, name, x, y FROM bench_item"


def seed_items(c: Any, n: int) -> None:
    c.seed("bench_item", ITEM_COLS, item_rows(n))


def check_checksum(_c: Any, n: int, answer: Any) -> None:
    expect("(count, sum id, sum x, sum y, sum len(name)) read", answer, item_checksum(item_rows(n)))


def sum_tuples(rows: Iterable[Any]) -> Checksum:
    count = sid = sx = sy = lname = 0
    for row in rows:
        count += 1
        sid += row[0]
        lname += len(row[1])
        sx += row[2]
        sy += row[3]
    return count, sid, sx, sy, lname


def sum_attrs(objs: Iterable[Any]) -> Checksum:
    """Reads four attributes by name: ORM objects, Row objects and named tuples alike."""
    count = sid = sx = sy = lname = 0
    for o in objs:
        count += 1
        sid += o.id
        lname += len(o.name)
        sx += o.x
        sy += o.y
    return count, sid, sx, sy, lname


def _raw_select_all(c: Any, _n: int) -> Thunk:
    def run() -> Checksum:
        cur = c.conn.cursor()
        cur.execute(SELECT_ITEMS)
        answer = sum_tuples(cur.fetchall())
        c.conn.commit()
        return answer

    return run


# --- 4: n rows as ORM objects, four attributes read -------------------------------------------

S4 = Scenario("4", "ORM select, 4 attributes read", 50_000, check=check_checksum, seed=seed_items)
S4.impl("raw")(_raw_select_all)


@S4.impl("orm")
def _orm_select(c: Any, _n: int) -> Thunk:
    Item, Session, select = c.m.Item, c.orm.Session, c.core.select

    def run() -> Checksum:
        with Session(c.engine) as session:
            return sum_attrs(session.scalars(select(Item)).all())

    return run


@S4.impl("peewee")
def _pw_select(c: Any, _n: int) -> Thunk:
    Item = c.m.Item
    return lambda: sum_attrs(Item.select())


# --- 5: n Core rows, four columns read by name ------------------------------------------------

S5 = Scenario("5", "Core select, 4 columns read", 50_000, check=check_checksum, seed=seed_items)
S5.impl("raw")(_raw_select_all)


@S5.impl("core")
def _core_select(c: Any, _n: int) -> Thunk:
    item, select = c.t.item, c.core.select

    def run() -> Checksum:
        with c.engine.connect() as conn:
            return sum_attrs(conn.execute(select(item)))

    return run


@S5.impl("peewee")
def _pw_select_rows(c: Any, _n: int) -> Thunk:
    Item = c.m.Item
    return lambda: sum_attrs(Item.select().namedtuples())


# --- 11: n rows streamed 1,000 at a time: time and peak memory --------------------------------

S11o = Scenario(
    "11o",
    "ORM stream, yield_per(1000)",
    100_000,
    check=check_checksum,
    seed=seed_items,
    measure_memory=True,
)
S11c = Scenario(
    "11c",
    "Core stream, yield_per(1000)",
    100_000,
    check=check_checksum,
    seed=seed_items,
    measure_memory=True,
)


@S11o.impl("raw")
@S11c.impl("raw")
def _raw_stream(c: Any, _n: int) -> Thunk:
    def run() -> Checksum:
        if c.db.kind == "postgresql":
            cur = c.conn.cursor(name="bench_stream")  # server-side cursor
        elif c.db.kind == "mysql":
            import pymysql.cursors

            cur = c.conn.cursor(pymysql.cursors.SSCursor)  # unbuffered
        else:
            cur = c.conn.cursor()
        cur.execute(SELECT_ITEMS)
        totals = [0, 0, 0, 0, 0]
        while rows := cur.fetchmany(1000):
            for i, v in enumerate(sum_tuples(rows)):
                totals[i] += v
        cur.close()
        c.conn.commit()
        count, sid, sx, sy, lname = totals
        return count, sid, sx, sy, lname

    return run


@S11o.impl("orm")
def _orm_stream(c: Any, _n: int) -> Thunk:
    Item, Session, select = c.m.Item, c.orm.Session, c.core.select

    def run() -> Checksum:
        with Session(c.engine) as session:
            return sum_attrs(session.scalars(select(Item).execution_options(yield_per=1000)))

    return run


@S11c.impl("core")
def _core_stream(c: Any, _n: int) -> Thunk:
    item, select = c.t.item, c.core.select

    def run() -> Checksum:
        with c.engine.connect() as conn:
            return sum_attrs(conn.execute(select(item).execution_options(yield_per=1000)))

    return run


@S11o.impl("peewee")
def _pw_stream(c: Any, _n: int) -> Thunk:
    Item = c.m.Item
    return lambda: sum_attrs(Item.select().iterator())


@S11c.impl("peewee")
def _pw_stream_rows(c: Any, _n: int) -> Thunk:
    Item = c.m.Item
    return lambda: sum_attrs(Item.select().namedtuples().iterator())


SCENARIOS = [S4, S5, S11o, S11c]
