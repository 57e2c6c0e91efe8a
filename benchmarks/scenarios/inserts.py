"""Scenarios 1-3: inserting rows (ORM objects with their PKs fetched, Core executemany, and
single-row transactions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee as pw

from harness import Scenario, WrongAnswer, check_items_stored, chunks, expect, item_rows

Thunk = Callable[[], Any]


def _values(n: int) -> list[tuple[str, int, int]]:
    return [(name, x, y) for _id, name, x, y in item_rows(n)]


def _dicts(n: int) -> list[dict[str, Any]]:
    return [{"name": name, "x": x, "y": y} for name, x, y in _values(n)]


def _check_stored(c: Any, n: int, _answer: Any) -> None:
    check_items_stored(c, item_rows(n))


# --- 1: ORM insert of n objects in one commit, database-generated PKs fetched ----------------


def _check_ids(c: Any, n: int, ids: Any) -> None:
    ids = list(ids)
    expect("number of PKs fetched", len(ids), n)
    if not all(isinstance(i, int) for i in ids):
        raise WrongAnswer(f"PKs fetched are not all integers: {ids[:5]!r}...")
    expect("distinct PKs fetched", len(set(ids)), n)
    check_items_stored(c, item_rows(n))
    stored = c.row("SELECT MIN(id), MAX(id) FROM bench_item")
    expect("PK range stored vs fetched", stored, (min(ids), max(ids)))


S1 = Scenario("1", "ORM insert, one commit, PKs fetched", 20_000, check=_check_ids)


@S1.impl("raw")
def _raw_insert_returning(c: Any, n: int) -> Thunk:
    # The floor: multi-row VALUES with RETURNING (SQLite >= 3.35, PostgreSQL, MariaDB >= 10.5).
    values = _values(n)

    def run() -> list[int]:
        cur, ids = c.conn.cursor(), list[int]()
        for batch in chunks(values, 500):
            marks = ", ".join([f"({c.ph}, {c.ph}, {c.ph})"] * len(batch))
            params = [v for row in batch for v in row]
            cur.execute(f"INSERT INTO bench_item (name, x, y) VALUES {marks} RETURNING id", params)
            ids.extend(r[0] for r in cur.fetchall())
        c.conn.commit()
        return ids

    return run


@S1.impl("orm")
def _orm_insert(c: Any, n: int) -> Thunk:
    Item, Session, values = c.m.Item, c.orm.Session, _values(n)

    def run() -> list[int]:
        with Session(c.engine) as session:
            objs = [Item(name=name, x=x, y=y) for name, x, y in values]
            session.add_all(objs)
            session.flush()
            ids = [o.id for o in objs]
            session.commit()
        return ids

    return run


@S1.impl("peewee")
def _pw_insert(c: Any, n: int) -> Thunk:
    # bulk_create() does not fetch PKs on SQLite/MySQL, so each object is saved (peewee's way).
    Item, values = c.m.Item, _values(n)

    def run() -> list[int]:
        with c.pdb.atomic():
            objs = [Item(name=name, x=x, y=y) for name, x, y in values]
            for o in objs:
                o.save(force_insert=True)
        return [o.id for o in objs]

    return run


# --- 2: Core executemany insert --------------------------------------------------------------

S2 = Scenario("2", "Core executemany insert", 20_000, check=_check_stored)


@S2.impl("raw")
def _raw_executemany(c: Any, n: int) -> Thunk:
    values = _values(n)

    def run() -> None:
        c.executemany(
            f"INSERT INTO bench_item (name, x, y) VALUES ({c.ph}, {c.ph}, {c.ph})", values
        )
        c.conn.commit()

    return run


@S2.impl("core")
def _core_executemany(c: Any, n: int) -> Thunk:
    item, insert, params = c.t.item, c.core.insert, _dicts(n)

    def run() -> None:
        with c.engine.begin() as conn:
            conn.execute(insert(item), params)

    return run


@S2.impl("peewee")
def _pw_insert_many(c: Any, n: int) -> Thunk:
    Item, values = c.m.Item, _values(n)
    fields = [Item.name, Item.x, Item.y]

    def run() -> None:
        with c.pdb.atomic():
            for batch in pw.chunked(values, 1000):  # SQLite's bound-variable limit
                Item.insert_many(batch, fields=fields).execute()

    return run


# --- 3: single-row inserts, each in its own transaction --------------------------------------

S3o = Scenario("3o", "ORM single-row inserts, one transaction each", 1_000, check=_check_stored)
S3c = Scenario("3c", "Core single-row inserts, one transaction each", 1_000, check=_check_stored)


@S3o.impl("raw")
@S3c.impl("raw")
def _raw_single(c: Any, n: int) -> Thunk:
    values = _values(n)

    def run() -> None:
        sql = f"INSERT INTO bench_item (name, x, y) VALUES ({c.ph}, {c.ph}, {c.ph})"
        cur = c.conn.cursor()
        for row in values:
            cur.execute(sql, row)
            c.conn.commit()

    return run


@S3o.impl("orm")
def _orm_single(c: Any, n: int) -> Thunk:
    Item, Session, values = c.m.Item, c.orm.Session, _values(n)

    def run() -> None:
        with Session(c.engine) as session:
            for name, x, y in values:
                session.add(Item(name=name, x=x, y=y))
                session.commit()

    return run


@S3c.impl("core")
def _core_single(c: Any, n: int) -> Thunk:
    item, insert, params = c.t.item, c.core.insert, _dicts(n)

    def run() -> None:
        for p in params:
            with c.engine.begin() as conn:
                conn.execute(insert(item), p)

    return run


@S3o.impl("peewee")
def _pw_create(c: Any, n: int) -> Thunk:
    Item, values = c.m.Item, _values(n)

    def run() -> None:
        for name, x, y in values:
            with c.pdb.atomic():
                Item.create(name=name, x=x, y=y)

    return run


@S3c.impl("peewee")
def _pw_insert_one(c: Any, n: int) -> Thunk:
    Item, values = c.m.Item, _values(n)

    def run() -> None:
        for name, x, y in values:
            with c.pdb.atomic():
                Item.insert(name=name, x=x, y=y).execute()

    return run


SCENARIOS = [S1, S2, S3o, S3c]
