"""Scenarios 6 and 7: many small lookups by primary key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness import Scenario, expect, item_rows
from scenarios.selects import seed_items

Thunk = Callable[[], Any]


def _check(_c: Any, n: int, answer: Any) -> None:
    expect("(rows found, sum x)", answer, (n, sum(r[2] for r in item_rows(n))))


def _raw_by_id(c: Any, n: int) -> Thunk:
    def run() -> tuple[int, int]:
        cur, found, sx = c.conn.cursor(), 0, 0
        sql = f"SELECT id, name, x, y FROM bench_item WHERE id = {c.ph}"
        for i in range(1, n + 1):
            cur.execute(sql, (i,))
            row = cur.fetchone()
            if row is not None:
                found += 1
                sx += row[2]
        c.conn.commit()
        return found, sx

    return run


# --- 6: session.get() on n distinct ids (identity-map misses) --------------------------------

S6 = Scenario("6", "ORM session.get() misses", 5_000, check=_check, seed=seed_items)
S6.impl("raw")(_raw_by_id)


@S6.impl("orm")
def _orm_get(c: Any, n: int) -> Thunk:
    Item, Session = c.m.Item, c.orm.Session

    def run() -> tuple[int, int]:
        found = sx = 0
        with Session(c.engine) as session:
            for i in range(1, n + 1):
                obj = session.get(Item, i)
                if obj is not None:
                    found += 1
                    sx += obj.x
        return found, sx

    return run


@S6.impl("peewee")
def _pw_get(c: Any, n: int) -> Thunk:
    Item = c.m.Item

    def run() -> tuple[int, int]:
        found = sx = 0
        for i in range(1, n + 1):
            obj = Item.get_or_none(Item.id == i)
            if obj is not None:
                found += 1
                sx += obj.x
        return found, sx

    return run


# --- 7: n Core selects by id, a new statement object each time --------------------------------

S7 = Scenario("7", "Core select by id, new statement each", 5_000, check=_check, seed=seed_items)
S7.impl("raw")(_raw_by_id)


@S7.impl("core")
def _core_by_id(c: Any, n: int) -> Thunk:
    item, select = c.t.item, c.core.select

    def run() -> tuple[int, int]:
        found = sx = 0
        with c.engine.connect() as conn:
            for i in range(1, n + 1):
                row = conn.execute(select(item).where(item.c.id == i)).one_or_none()
                if row is not None:
                    found += 1
                    sx += row.x
        return found, sx

    return run


@S7.impl("peewee")
def _pw_by_id(c: Any, n: int) -> Thunk:
    Item = c.m.Item

    def run() -> tuple[int, int]:
        found = sx = 0
        for i in range(1, n + 1):
            rows = list(Item.select().where(Item.id == i).namedtuples())
            if rows:
                found += 1
                sx += rows[0].x
        return found, sx

    return run


SCENARIOS = [S6, S7]
