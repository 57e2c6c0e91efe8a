"""R13 – flush ordering, property-based (Hypothesis, at most 200 examples).

Random object graphs over: a parent/child pair with ``relationship()`` (one-to-many and
many-to-one), a class tied to the child by a foreign key only (no ``relationship()``), a
self-referential tree, and a two-class cycle broken by ``post_update``. Objects are added in a
random order and flushed, then all deleted in a random order and flushed, with foreign keys
enforced (``PRAGMA foreign_keys=ON`` on SQLite). No flush may violate a foreign key; parents go
in before children and children go out before parents; the same graph gives the same statement
sequence twice. ``SQLWEAVE_R13_EXAMPLES`` overrides the example count.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlweave.core import ForeignKey, String, delete, event, update
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

EXAMPLES = int(os.environ.get("SQLWEAVE_R13_EXAMPLES", "200"))


def _models() -> dict[str, Any]:
    class Base(DeclarativeBase):
        pass

    p_t, k_t, f_t, n_t, x_t, y_t = (rel(f"rel_r13_{n}") for n in "pkfnxy")

    class P(Base):
        __tablename__ = p_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        kids: Mapped[list[K]] = relationship(back_populates="p")

    class K(Base):
        __tablename__ = k_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        p_id: Mapped[int | None] = mapped_column(ForeignKey(f"{p_t}.id"))
        p: Mapped[P | None] = relationship(back_populates="kids")

    class F(Base):  # foreign key only: no relationship() anywhere
        __tablename__ = f_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        k_id: Mapped[int] = mapped_column(ForeignKey(f"{k_t}.id"))

    class N(Base):
        __tablename__ = n_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey(f"{n_t}.id"))
        name: Mapped[str] = mapped_column(String(10), default="n")
        parent: Mapped[N | None] = relationship(remote_side=lambda: [N.id], back_populates="children")
        children: Mapped[list[N]] = relationship(back_populates="parent")

    class X(Base):
        __tablename__ = x_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        y_id: Mapped[int | None] = mapped_column(
            ForeignKey(f"{y_t}.id", use_alter=True, name=f"{x_t}_fk_y"))
        y: Mapped[Y | None] = relationship(foreign_keys="X.y_id", post_update=True)

    class Y(Base):
        __tablename__ = y_t
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        x_id: Mapped[int | None] = mapped_column(ForeignKey(f"{x_t}.id"))
        x: Mapped[X | None] = relationship(foreign_keys="Y.x_id")

    return {"Base": Base, "P": P, "K": K, "F": F, "N": N, "X": X, "Y": Y}


@st.composite
def graphs(draw: Any) -> dict[str, Any]:
    n_p = draw(st.integers(1, 3))
    kids = draw(st.lists(st.integers(0, n_p - 1), max_size=5))
    fks = draw(st.lists(st.integers(0, max(len(kids) - 1, 0)), max_size=3)) if kids else []
    n_n = draw(st.integers(0, 6))
    tree = [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1)))
            for i in range(n_n)]
    cycles = draw(st.integers(0, 2))
    total = n_p + len(kids) + len(fks) + n_n + 2 * cycles
    add_order = draw(st.permutations(range(total)))
    delete_order = draw(st.permutations(range(total)))
    return {"n_p": n_p, "kids": kids, "fks": fks, "tree": tree, "cycles": cycles,
            "add_order": add_order, "delete_order": delete_order}


def _build(m: dict[str, Any], g: dict[str, Any]) -> list[Any]:
    ps = [m["P"](id=i + 1) for i in range(g["n_p"])]
    ks = [m["K"](id=i + 1, p=ps[pi]) for i, pi in enumerate(g["kids"])]
    fs = [m["F"](id=i + 1, k_id=ks[ki].id) for i, ki in enumerate(g["fks"])]
    ns = [m["N"](id=i + 1) for i in range(len(g["tree"]))]
    for i, parent in enumerate(g["tree"]):
        if parent is not None:
            ns[i].parent = ns[parent]
    xys: list[Any] = []
    for i in range(g["cycles"]):
        x, y = m["X"](id=i + 1), m["Y"](id=i + 1)
        x.y, y.x = y, x
        xys += [x, y]
    return ps + ks + fs + ns + xys


def _table_of(statement: str) -> tuple[str, str]:
    words = statement.replace('"', " ").replace("`", " ").split()
    verb = words[0].upper()
    if verb == "INSERT":
        return verb, words[2]
    if verb == "DELETE":
        return verb, words[2]
    return verb, words[1]


def _check_order(seq: list[tuple[str, Any]], m: dict[str, Any]) -> None:
    kinds = [_table_of(s) for s, _ in seq]
    p, k, f = (m[c].__tablename__ for c in "PKF")

    def positions(verb: str, table: str) -> list[int]:
        return [i for i, (v, t) in enumerate(kinds) if v == verb and t == table]

    for parent, child in ((p, k), (k, f)):
        pi, ci = positions("INSERT", parent), positions("INSERT", child)
        if pi and ci:
            assert max(pi) < min(ci), f"INSERT {child} before its parent {parent}"
        pd, cd = positions("DELETE", parent), positions("DELETE", child)
        if pd and cd:
            assert max(cd) < min(pd), f"DELETE {parent} before its child {child}"


def _run_graph(eng: Any, m: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, Any]]:
    seq: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *a: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seq.append((" ".join(statement.split()), repr(parameters)))

    objs = _build(m, g)
    event.listen(eng, "before_cursor_execute", capture)
    try:
        with Session(eng) as s:
            for i in g["add_order"]:
                s.add(objs[i])
            s.flush()
            for i in g["delete_order"]:
                s.delete(objs[i])
            s.flush()
            s.commit()
    finally:
        event.remove(eng, "before_cursor_execute", capture)
    return seq


def _wipe(eng: Any, m: dict[str, Any]) -> None:
    with eng.begin() as conn:
        conn.execute(update(m["X"].__table__).values(y_id=None))
        for c in ("F", "K", "P", "Y", "X"):
            conn.execute(delete(m[c].__table__))
        n = m["N"].__table__
        conn.execute(update(n).values(parent_id=None))
        conn.execute(delete(n))


@pytest.mark.timeout(420)
def test_r13_flush_ordering(make_engine: Any, db_name: str, figures: Any) -> None:
    eng = make_engine(pool_size=2, max_overflow=0)
    if db_name == "sqlite":
        @event.listens_for(eng.pool, "connect")
        def _fk_on(dbapi_conn: Any, rec: Any) -> None:
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
    m = _models()
    md = m["Base"].metadata
    md.drop_all(eng)
    md.create_all(eng)
    stats = {"graphs": 0, "failures": 0, "nondeterministic": 0}
    try:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(graphs())
        def check(g: dict[str, Any]) -> None:
            stats["graphs"] += 1
            try:
                first = _run_graph(eng, m, g)
                _check_order(first, m)
                _wipe(eng, m)
                second = _run_graph(eng, m, g)
            except Exception:
                stats["failures"] += 1
                _wipe(eng, m)
                raise
            _wipe(eng, m)
            if first != second:
                stats["nondeterministic"] += 1
            assert first == second, "the same graph flushed in a different statement order"

        check()
    finally:
        figures(scenario="R13", graphs_tested=stats["graphs"], failures=stats["failures"],
                nondeterministic_sequences=stats["nondeterministic"])
        md.drop_all(eng)
