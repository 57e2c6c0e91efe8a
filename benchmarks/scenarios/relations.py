"""Scenario 9: parents with ten children each, loaded with selectinload and with joinedload."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from harness import Scenario, chunks, expect

Thunk = Callable[[], Any]
CHILDREN = 10
Answer = tuple[int, int, int, int]


def _seed(c: Any, parents: int) -> None:
    c.seed("bench_parent", ("id", "name"), [(p, f"parent {p}") for p in range(1, parents + 1)])
    c.seed(
        "bench_child",
        ("id", "parent_id", "name"),
        [
            (p * CHILDREN + k, p, f"child {p}.{k}")
            for p in range(1, parents + 1)
            for k in range(CHILDREN)
        ],
    )


def _check(_c: Any, parents: int, answer: Any) -> None:
    child_ids = [p * CHILDREN + k for p in range(1, parents + 1) for k in range(CHILDREN)]
    want = (
        parents,
        len(child_ids),
        sum(child_ids),
        sum(p * CHILDREN for p in range(1, parents + 1)),
    )
    expect("(parents, children, sum child id, sum parent id x len(children))", answer, want)


def _tally(parents: Iterable[Any]) -> Answer:
    """Walks parent.children the way application code does."""
    np = nc = sid = weighted = 0
    for p in parents:
        np += 1
        kids = p.children
        weighted += p.id * len(kids)
        for ch in kids:
            nc += 1
            sid += ch.id
            len(ch.name)
    return np, nc, sid, weighted


def _tally_raw(parents: list[tuple[int, str]], kids: dict[int, list[tuple[int, str]]]) -> Answer:
    np = nc = sid = weighted = 0
    for pid, _name in parents:
        np += 1
        ks = kids.get(pid, [])
        weighted += pid * len(ks)
        for cid, cname in ks:
            nc += 1
            sid += cid
            len(cname)
    return np, nc, sid, weighted


S9s = Scenario("9s", "ORM parents+10 children, selectinload", 1_000, check=_check, seed=_seed)
S9j = Scenario("9j", "ORM parents+10 children, joinedload", 1_000, check=_check, seed=_seed)


@S9s.impl("raw")
def _raw_selectin(c: Any, _n: int) -> Thunk:
    def run() -> Answer:
        cur = c.conn.cursor()
        cur.execute("SELECT id, name FROM bench_parent")
        parents = cur.fetchall()
        kids: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for batch in chunks([p[0] for p in parents], 500):
            marks = ", ".join([c.ph] * len(batch))
            cur.execute(
                f"SELECT id, parent_id, name FROM bench_child WHERE parent_id IN ({marks})", batch
            )
            for cid, pid, cname in cur.fetchall():
                kids[pid].append((cid, cname))
        c.conn.commit()
        return _tally_raw(parents, kids)

    return run


@S9j.impl("raw")
def _raw_joined(c: Any, _n: int) -> Thunk:
    def run() -> Answer:
        cur = c.conn.cursor()
        cur.execute(
            "SELECT p.id, p.name, c.id, c.name FROM bench_parent p"
            " LEFT OUTER JOIN bench_child c ON c.parent_id = p.id"
        )
        parents: dict[int, tuple[int, str]] = {}
        kids: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pid, pname, cid, cname in cur.fetchall():
            if pid not in parents:
                parents[pid] = (pid, pname)
            if cid is not None:
                kids[pid].append((cid, cname))
        c.conn.commit()
        return _tally_raw(list(parents.values()), kids)

    return run


@S9s.impl("orm")
def _orm_selectin(c: Any, _n: int) -> Thunk:
    Parent, Session, select = c.m.Parent, c.orm.Session, c.core.select
    option = c.orm.selectinload(Parent.children)

    def run() -> Answer:
        with Session(c.engine) as session:
            return _tally(session.scalars(select(Parent).options(option)).all())

    return run


@S9j.impl("orm")
def _orm_joined(c: Any, _n: int) -> Thunk:
    Parent, Session, select = c.m.Parent, c.orm.Session, c.core.select
    option = c.orm.joinedload(Parent.children)

    def run() -> Answer:
        with Session(c.engine) as session:
            return _tally(session.scalars(select(Parent).options(option)).unique().all())

    return run


@S9s.impl("peewee")
def _pw_prefetch(c: Any, _n: int) -> Thunk:
    # peewee's prefetch() is its selectin loading; it has no joined eager loading of collections.
    import peewee as pw

    Parent, Child = c.m.Parent, c.m.Child
    return lambda: _tally(pw.prefetch(Parent.select(), Child.select()))


SCENARIOS = [S9s, S9j]
