"""Every expression-language construct executed on the backend under test, with asserted rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exc,
    except_,
    exists,
    func,
    insert,
    intersect,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    union,
    union_all,
    update,
)
from sqlweave.core.sql.elements import column
from sqlweave.core.sql.selectable import values

pytestmark = pytest.mark.backend

md = MetaData()
users = Table("core_users", md, Column("id", Integer, primary_key=True, autoincrement=False),
              Column("name", String(50)), Column("age", Integer))
addr = Table("core_addr", md, Column("id", Integer, primary_key=True, autoincrement=False),
             Column("user_id", ForeignKey("core_users.id")), Column("email", String(100)))
scratch = Table("core_scratch", md, Column("id", Integer, primary_key=True),
                Column("name", String(50)), Column("age", Integer, default=18),
                Column("note", String(50), server_default="srv"))
u, a = users.c, addr.c

USERS = [(1, "ann", 30), (2, "bob", 40), (3, "cy", 30), (4, "dee_%", None)]
ADDRS = [(1, 1, "ann@a"), (2, 1, "ann@b"), (3, 2, "bob@a")]


@pytest.fixture(scope="module")
def eng(engine: Any) -> Iterator[Any]:
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(users), [dict(zip(("id", "name", "age"), r)) for r in USERS])
        conn.execute(insert(addr), [dict(zip(("id", "user_id", "email"), r)) for r in ADDRS])
    yield engine
    md.drop_all(engine)


@pytest.fixture
def conn(eng: Any) -> Iterator[Any]:
    with eng.connect() as c:
        yield c
        c.rollback()


def rows(conn: Any, stmt: Any, params: Any = None) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(stmt, params)]


def test_joins(conn: Any) -> None:
    assert rows(conn, select(u.name, a.email).join_from(users, addr).order_by(a.id)) == [
        ("ann", "ann@a"), ("ann", "ann@b"), ("bob", "bob@a")]
    assert rows(conn, select(u.name, a.email).outerjoin(addr).order_by(u.id, a.id)) == [
        ("ann", "ann@a"), ("ann", "ann@b"), ("bob", "bob@a"), ("cy", None), ("dee_%", None)]
    assert sorted(rows(conn, select(u.name).select_from(users).join(addr, a.email == "bob@a"))) == [
        ("ann",), ("bob",), ("cy",), ("dee_%",)]


def test_full_outer_join(conn: Any, eng: Any) -> None:
    stmt = select(u.id, a.id).join(addr, u.id == a.id - 1, full=True).order_by(u.id, a.id)
    if not eng.dialect.supports_full_outer_join:
        # a database without FULL OUTER JOIN gets a clear error before anything is sent
        with pytest.raises(exc.CompileError, match="FULL"):
            conn.execute(stmt)
        return
    r = rows(conn, stmt)
    assert (1, 2) in r and (2, 3) in r and len(r) == 5


def test_alias_self_join(conn: Any) -> None:
    u2 = users.alias("u2")
    stmt = select(u.name, u2.c.name).join(u2, and_(u.age == u2.c.age, u.id < u2.c.id))
    assert rows(conn, stmt) == [("ann", "cy")]


def test_subqueries(conn: Any) -> None:
    sq = select(u.id, u.name).where(u.age > 35).subquery("sq")
    assert rows(conn, select(sq.c.name)) == [("bob",)]
    n = select(func.count(a.id)).where(a.user_id == u.id).scalar_subquery()
    assert rows(conn, select(u.name, n.label("n")).order_by(u.id)) == [
        ("ann", 2), ("bob", 1), ("cy", 0), ("dee_%", 0)]
    assert rows(conn, select(u.id).where(u.id.in_(select(a.user_id))).order_by(u.id)) == [(1,), (2,)]
    assert rows(conn, select(u.id).where(exists().where(a.user_id == u.id)).order_by(u.id)) == [(1,), (2,)]
    assert rows(conn, select(u.id).where(~select(a.id).where(a.user_id == u.id).exists()).order_by(u.id)) == [
        (3,), (4,)]
    corr = select(a.id).where(a.user_id == u.id).correlate(users).exists()
    assert rows(conn, select(u.id).where(corr).order_by(u.id)) == [(1,), (2,)]
    mx = select(func.max(a.id)).where(a.user_id == u.id).correlate_except(addr).scalar_subquery()
    assert rows(conn, select(u.id).where(mx == 3)) == [(2,)]


def test_ctes(conn: Any) -> None:
    c = select(u.id, u.age).where(u.age.is_not(None)).cte("c")
    assert rows(conn, select(c.c.id).where(c.c.age == 30).order_by(c.c.id)) == [(1,), (3,)]
    c1 = select(u.id).cte("c1")
    c2 = select(c1.c.id).where(c1.c.id > 2).cte("c2")
    assert rows(conn, select(c1.c.id, c2.c.id).where(c1.c.id == c2.c.id).order_by(c1.c.id)) == [(3, 3), (4, 4)]


def test_recursive_cte(conn: Any) -> None:
    c = select(literal(1, Integer).label("n")).cte("cnt", recursive=True)
    c = c.union_all(select(c.c.n + 1).where(c.c.n < 5))
    assert rows(conn, select(c.c.n).order_by(c.c.n)) == [(1,), (2,), (3,), (4,), (5,)]


def test_cte_in_dml(conn: Any) -> None:
    c = select(u.id, u.name).where(u.id == 3).cte("src")
    conn.execute(insert(scratch).from_select(["id", "name"], select(c.c.id, c.c.name)))
    assert rows(conn, select(scratch.c.id, scratch.c.name, scratch.c.age)) == [(3, "cy", 18)]
    if not getattr(conn.dialect, "supports_cte_dml", True):
        return  # e.g. MariaDB: no WITH before UPDATE/DELETE
    c2 = select(u.id).where(u.age == 30).cte("c2")
    conn.execute(update(scratch).values(age=5).where(scratch.c.id.in_(select(c2.c.id))))
    assert rows(conn, select(scratch.c.age)) == [(5,)]
    c3 = select(u.id).cte("c3")
    r = conn.execute(delete(scratch).where(scratch.c.id.in_(select(c3.c.id))))
    assert r.rowcount == 1


def test_set_operations(conn: Any) -> None:
    s1, s2 = select(u.id).where(u.id <= 2), select(a.id)
    assert rows(conn, union(s1, s2).order_by(u.id)) == [(1,), (2,), (3,)]
    assert rows(conn, union_all(s1, s2).order_by(u.id).limit(4)) == [(1,), (1,), (2,), (2,)]
    assert rows(conn, intersect(select(u.id), select(a.user_id)).order_by(u.id)) == [(1,), (2,)]
    assert rows(conn, except_(select(u.id), select(a.user_id)).order_by(u.id)) == [(3,), (4,)]


def test_group_having_distinct(conn: Any) -> None:
    n = func.count().label("n")
    stmt = select(u.age, n).where(u.age.is_not(None)).group_by(u.age).having(func.count() > 1).order_by(n)
    assert rows(conn, stmt) == [(30, 2)]
    assert rows(conn, select(u.age).distinct().where(u.age.is_not(None)).order_by(u.age)) == [(30,), (40,)]
    assert conn.scalar(select(func.count(u.age.distinct()))) == 2


def test_window_functions(conn: Any) -> None:
    rn = func.row_number().over(partition_by=u.age, order_by=u.id)
    stmt = select(u.id, rn.label("rn")).where(u.age.is_not(None)).order_by(u.id)
    assert rows(conn, stmt) == [(1, 1), (2, 1), (3, 2)]
    running = func.sum(u.id).over(order_by=u.id, rows=(None, 0))
    assert rows(conn, select(running).order_by(u.id)) == [(1,), (3,), (6,), (10,)]
    moving = func.sum(u.id).over(order_by=u.id, rows=(-1, 1))
    assert [r[0] for r in rows(conn, select(moving).order_by(u.id))] == [3, 6, 9, 7]


def test_case_cast_coerce_literals(conn: Any) -> None:
    stmt = select(u.id, case((u.age > 35, "old"), (u.age.is_(None), "?"), else_="young")).order_by(u.id)
    assert [r[1] for r in rows(conn, stmt)] == ["young", "old", "young", "?"]
    assert conn.scalar(select(cast(u.age, String(10))).where(u.id == 1)) == "30"
    assert conn.scalar(select(cast("12", Integer))) == 12
    assert conn.scalar(select(type_coerce(u.age, Integer) + 1).where(u.id == 1)) == 31
    assert conn.execute(select(literal(5), literal("x"), null(), literal_column("2") + 1)).one() == (5, "x", None, 3)
    assert conn.scalar(select(func.coalesce(u.age, 7)).where(u.id == 4)) == 7


def test_like_family(conn: Any) -> None:
    def ids(crit: Any) -> list[int]:
        return [r[0] for r in rows(conn, select(u.id).where(crit).order_by(u.id))]

    assert ids(u.name.like("a%")) == [1]
    assert ids(u.name.not_like("a%")) == [2, 3, 4]
    assert ids(u.name.ilike("A%")) == [1]
    assert ids(u.name.startswith("b")) == [2]
    assert ids(u.name.endswith("y")) == [3]
    assert ids(u.name.contains("n")) == [1]
    assert ids(u.name.contains("_%", autoescape=True)) == [4]
    assert ids(u.name.contains("e_")) == [4]   # unescaped: "_" matches any char
    assert ids(u.name.like("dee!_!%", escape="!")) == [4]
    assert ids(u.name.startswith(u.name)) == [1, 2, 3, 4]


def test_in_between_is(conn: Any) -> None:
    def ids(crit: Any, params: Any = None) -> list[int]:
        return [r[0] for r in rows(conn, select(u.id).where(crit).order_by(u.id), params)]

    assert ids(u.id.in_([1, 3])) == [1, 3]
    assert ids(u.id.in_([1, 2, 3, 4])) == [1, 2, 3, 4]
    assert ids(u.id.in_([])) == []
    assert ids(u.id.not_in([])) == [1, 2, 3, 4]
    assert ids(u.id.not_in([1])) == [2, 3, 4]
    assert ids(u.name.in_(["bob", "cy"])) == [2, 3]
    assert ids(tuple_(u.id, u.name).in_([(1, "ann"), (2, "x")])) == [1]
    assert ids(u.id.in_(bindparam("ids", expanding=True)), {"ids": [2, 4]}) == [2, 4]
    assert ids(u.id.in_(bindparam("ids", expanding=True)), {"ids": []}) == []
    assert ids(u.id.between(2, 3)) == [2, 3]
    assert ids(u.age.is_(None)) == [4]
    assert ids(u.age.is_not(None)) == [1, 2, 3]
    assert ids(u.age == None) == [4]  # noqa: E711
    assert ids(u.age.is_distinct_from(30)) == [2, 4]
    assert ids(u.age.is_not_distinct_from(None)) == [4]


def test_in_list_compiles_once(eng: Any) -> None:
    compiles: list[Any] = []
    cls = eng.dialect.statement_compiler

    def counting(*args: Any, **kw: Any) -> Any:
        compiles.append(1)
        return cls(*args, **kw)

    eng.dialect.statement_compiler = counting
    try:
        with eng.connect() as c:
            for n in (1, 2, 3, 0):
                c.execute(select(u.id).where(u.id.in_(list(range(1, n + 1))), u.name != "zz")).all()
    finally:
        del eng.dialect.statement_compiler
    assert len(compiles) == 1


def test_operators(conn: Any) -> None:
    r = conn.execute(select((u.id + 2) * 3 - u.id / (u.id + 1) * 0, -(u.id + 1), u.id % 3,
                            u.name.concat("!"), u.name + "?").where(u.id == 2)).one()
    assert r[0] == 12 and r[1] == -3 and r[2] == 2 and r[3] == "bob!" and r[4] == "bob?"
    assert conn.scalar(select(u.id.bitwise_and(6)).where(u.id == 3)) == 2
    assert conn.scalar(select(u.id.op("*")(10)).where(u.id == 3)) == 30
    stmt = select(u.id).where(or_(u.id == 1, and_(u.id == 2, u.age == 40)), not_(u.id == 2) | (u.age > 0))
    assert [r[0] for r in rows(conn, stmt.order_by(u.id))] == [1, 2]


def test_collate(conn: Any, eng: Any) -> None:
    name = {"sqlite": "NOCASE", "postgresql": "C", "mysql": "utf8mb4_bin"}.get(eng.dialect.name)
    if name is None:
        pytest.skip("no known collation")
    got = rows(conn, select(u.name).where(u.id <= 2).order_by(u.name.collate(name)))
    assert got == [("ann",), ("bob",)]


def test_labels_and_keys(conn: Any) -> None:
    r = conn.execute(select(u.id, a.id, u.name.label("who")).join_from(users, addr).where(a.id == 3))
    assert r.keys() == ["id", "id_1", "who"]
    row = r.one()
    assert row.id == 2 and row.id_1 == 3 and row.who == "bob"
    assert row._mapping[a.id] == 3 and row._mapping[u.id] == 2


def test_limit_offset_fetch(conn: Any) -> None:
    assert rows(conn, select(u.id).order_by(u.id).limit(2).offset(1)) == [(2,), (3,)]
    assert rows(conn, select(u.id).order_by(u.id).offset(3)) == [(4,)]
    assert rows(conn, select(u.id).order_by(u.id).fetch(1)) == [(1,)]


def test_fetch_with_ties_and_percent(conn: Any, eng: Any) -> None:
    d = eng.dialect
    ties = select(u.id).where(u.age.is_not(None)).order_by(u.age).fetch(1, with_ties=True)
    if d.supports_fetch_with_ties:
        # ann and cy are both 30: the row tied with the first comes too
        assert sorted(rows(conn, ties)) == [(1,), (3,)]
        assert rows(conn, ties.offset(2)) == [(2,)]
        with pytest.raises(exc.CompileError, match="needs order_by"):
            conn.execute(select(u.id).fetch(1, with_ties=True))
    else:
        with pytest.raises(exc.CompileError, match=f"WITH TIES is not supported by the {d.name} dialect"):
            conn.execute(ties)
    half = select(u.id).order_by(u.id).fetch(50, percent=True)
    if d.supports_fetch_percent:
        assert rows(conn, half) == [(1,), (2,)]
    else:
        with pytest.raises(exc.CompileError, match="PERCENT is not supported"):
            conn.execute(half)
    conn.rollback()  # the connection stays usable after a refused statement
    assert rows(conn, select(u.id).order_by(u.id).limit(1)) == [(1,)]


def test_for_update(eng: Any) -> None:
    with eng.begin() as c:
        assert c.execute(select(u.id).where(u.id == 1).with_for_update()).scalar() == 1


def test_insert_forms_and_defaults(conn: Any, eng: Any) -> None:
    conn.execute(insert(scratch).values(name="one"))
    conn.execute(insert(scratch).values([{"name": "two", "age": 2}, {"name": "three", "age": 3}]))
    conn.execute(insert(scratch), [{"name": "four"}, {"name": "five"}])
    conn.execute(update(scratch).values(age=5).where(scratch.c.name == "five"))
    conn.execute(insert(scratch).values(name=func.upper("six"), age=literal(1) + 5))
    conn.execute(insert(scratch).from_select(["name"], select(u.name).where(u.id == 1)))
    got = rows(conn, select(scratch.c.name, scratch.c.age, scratch.c.note).order_by(scratch.c.id))
    assert got == [("one", 18, "srv"), ("two", 2, "srv"), ("three", 3, "srv"), ("four", 18, "srv"),
                   ("five", 5, "srv"), ("SIX", 6, "srv"), ("ann", 18, "srv")]


def test_insert_callable_default(eng: Any) -> None:
    m = MetaData()
    counter = iter(range(100, 200))
    t = Table("core_calldef", m, Column("id", Integer, primary_key=True),
              Column("n", Integer, default=lambda: next(counter)),
              Column("m", Integer, default=lambda ctx: ctx.get_current_parameters()["id"] * 10),
              Column("u", Integer, onupdate=lambda: 7))
    m.drop_all(eng)
    m.create_all(eng)
    try:
        with eng.begin() as c:
            c.execute(insert(t), [{"id": 1}, {"id": 2}])
            c.execute(update(t).where(t.c.id == 2).values(n=0))
            assert [tuple(r) for r in c.execute(select(t).order_by(t.c.id))] == [(1, 100, 10, None), (2, 0, 20, 7)]
    finally:
        m.drop_all(eng)


def test_returning(conn: Any, eng: Any) -> None:
    d = eng.dialect
    if not d.insert_returning:
        with pytest.raises(exc.CompileError, match="RETURNING"):
            conn.execute(insert(scratch).values(name="r").returning(scratch.c.id))
        return
    r = conn.execute(insert(scratch).values(name="r").returning(scratch.c.id, scratch.c.age, scratch.c.note))
    rid, age, note = r.one()
    assert (age, note) == (18, "srv")
    if d.update_returning:
        assert conn.execute(update(scratch).values(age=scratch.c.age + 1).where(scratch.c.id == rid)
                            .returning(scratch.c.age)).scalar_one() == 19
    if d.delete_returning:
        assert conn.execute(delete(scratch).where(scratch.c.id == rid).returning(scratch.c.name)).scalars().all() == ["r"]


def test_update_forms(conn: Any) -> None:
    conn.execute(insert(scratch), [{"id": 1, "name": "ann", "age": 0}, {"id": 2, "name": "x", "age": 0}])
    r = conn.execute(update(scratch).values(age=scratch.c.age + 10).where(scratch.c.id == 1))
    assert r.rowcount == 1
    conn.execute(update(scratch).ordered_values((scratch.c.age, 3), (scratch.c.name, "y")).where(scratch.c.id == 2))
    n = select(func.count(a.id)).where(a.user_id == scratch.c.id).scalar_subquery()
    conn.execute(update(scratch).values(note=cast(n, String(10))))
    assert rows(conn, select(scratch.c.id, scratch.c.name, scratch.c.age, scratch.c.note).order_by(scratch.c.id)) == [
        (1, "ann", 10, "2"), (2, "y", 3, "1")]
    stmt = update(scratch).where(scratch.c.id == bindparam("b_id")).values(age=bindparam("b_age"))
    conn.execute(stmt, [{"b_id": 1, "b_age": 100}, {"b_id": 2, "b_age": 200}])
    assert rows(conn, select(scratch.c.age).order_by(scratch.c.id)) == [(100,), (200,)]


def test_update_from_other_table(conn: Any, eng: Any) -> None:
    conn.execute(insert(scratch), [{"id": 1, "name": "?"}, {"id": 2, "name": "?"}])
    stmt = update(scratch).values(name=u.name).where(scratch.c.id == u.id)
    conn.execute(stmt)  # UPDATE ... FROM (SQLite 3.33+, PostgreSQL) or multi-table UPDATE (MySQL)
    assert rows(conn, select(scratch.c.name).order_by(scratch.c.id)) == [("ann",), ("bob",)]


def test_delete_forms(conn: Any) -> None:
    conn.execute(insert(scratch), [{"id": i, "name": str(i)} for i in range(1, 6)])
    assert conn.execute(delete(scratch).where(scratch.c.id > 3)).rowcount == 2
    conn.execute(delete(scratch).where(~exists().where(a.user_id == scratch.c.id)))
    assert rows(conn, select(scratch.c.id).order_by(scratch.c.id)) == [(1,), (2,)]


def test_values_construct(conn: Any) -> None:
    v = values(column("k", Integer), column("label", String(10)), name="v").data([(1, "one"), (2, "two")])
    stmt = select(u.name, v.c.label).join(v, u.id == v.c.k).order_by(u.id)
    assert rows(conn, stmt) == [("ann", "one"), ("bob", "two")]


def test_params_and_bindparam(conn: Any) -> None:
    s = select(u.name).where(u.id == bindparam("x"))
    assert conn.scalar(s.params(x=2)) == "bob"
    assert conn.scalar(s, {"x": 3}) == "cy"
    with pytest.raises(exc.StatementError, match="'x'"):
        conn.execute(s)
    t = text("SELECT name FROM core_users WHERE id = :i").bindparams(i=1)
    assert conn.scalar(t) == "ann"
    assert conn.execute(text("SELECT id, name FROM core_users WHERE id < :i ORDER BY id")
                        .columns(column("id", Integer), column("name", String)), {"i": 3}).all() == [
        (1, "ann"), (2, "bob")]


def test_hostile_values_travel_as_parameters(conn: Any) -> None:
    evil = ["'; DROP TABLE core_users; --", "O'Brien", 'a"b', "back\\slash", "%_", "\x01"]
    for i, s in enumerate(evil, start=1):
        conn.execute(insert(scratch).values(id=i, name=s))
    got = [r[0] for r in rows(conn, select(scratch.c.name).where(scratch.c.name.in_(evil)).order_by(scratch.c.id))]
    assert got == evil
    conn.execute(update(scratch).values(note=scratch.c.name).where(scratch.c.name == evil[1]))
    assert conn.scalar(select(scratch.c.note).where(scratch.c.id == 2)) == "O'Brien"
    conn.execute(delete(scratch).where(scratch.c.name == evil[0]))
    assert conn.scalar(select(func.count()).select_from(users)) == 4


def test_values_in_any_keyword_order(conn: Any) -> None:
    # values are matched to columns by key, not by the order they were given in
    for i in range(2):  # the second statement hits the compiled cache
        conn.execute(insert(scratch).values(note="n" + str(i), age=i, name="x" + str(i), id=10 + i))
    conn.execute(insert(scratch).values([{"age": 5, "id": 20, "name": "m"}, {"name": "k", "id": 21, "age": 6}]))
    conn.execute(update(scratch).values(note="u", age=99).where(scratch.c.id == 21))
    assert rows(conn, select(scratch.c.id, scratch.c.name, scratch.c.age, scratch.c.note).order_by(scratch.c.id)) == [
        (10, "x0", 0, "n0"), (11, "x1", 1, "n1"), (20, "m", 5, "srv"), (21, "k", 99, "u")]
