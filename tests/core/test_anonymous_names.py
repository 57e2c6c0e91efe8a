"""Anonymous aliases, subqueries, CTEs and VALUES are named when a statement is compiled
(``anon_1``, ``anon_2``, ... in order of appearance), and their cache key is structural: a
statement built again in the same shape reuses the compiled form, while statements that differ
only in which alias object a column comes from do not share one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    column,
    func,
    insert,
    select,
    values,
)
from tests.core.test_engine_result_cache import _counting

md = MetaData()
t = Table("core_anon", md, Column("id", Integer, primary_key=True), Column("name", String(20)),
          Column("grp", Integer))


def _key(stmt: Any) -> Any:
    return stmt._gen_cache_key([])


def _in_subquery() -> Any:
    sub = select(t.c.id).where(t.c.grp == 1).subquery()
    return select(t.c.name).where(t.c.id.in_(select(sub.c.id))).order_by(t.c.id)


def _two_aliases() -> Any:
    a, b = t.alias(), t.alias()
    return select(a.c.id, b.c.id).where(a.c.id == b.c.grp)


def _one_alias() -> Any:
    a = t.alias()
    return select(a.c.id, a.c.id).where(a.c.id == a.c.grp)


def _cte() -> Any:
    c = select(t.c.id).where(t.c.grp == 2).cte()
    return select(c.c.id)


def _values() -> Any:
    v = values(column("a", Integer), column("b", String)).data([(1, "x")])
    return select(v.c.a, v.c.b)


def _table_valued() -> Any:
    return select(func.json_each("[1,2]").table_valued("value"))


SHAPES: list[Callable[[], Any]] = [_in_subquery, _two_aliases, _one_alias, _cte, _values, _table_valued]


@pytest.mark.parametrize("build", SHAPES, ids=lambda f: f.__name__)
def test_same_shape_same_sql_and_key(build: Callable[[], Any]) -> None:
    first, second = build(), build()
    assert str(first) == str(second)
    assert "anon_1" in str(first)
    assert _key(first) == _key(second)


def test_names_follow_order_of_appearance() -> None:
    sql = str(_two_aliases())
    assert "AS anon_1" in sql and "AS anon_2" in sql
    assert sql.index("anon_1") < sql.index("anon_2")
    assert "anon_2" not in str(_one_alias())


def test_one_alias_and_two_aliases_have_different_keys() -> None:
    assert _key(_two_aliases()) != _key(_one_alias())
    sub = select(t.c.id).subquery()
    other = select(t.c.id).subquery()
    assert _key(select(sub.c.id, other.c.id)) != _key(select(sub.c.id, sub.c.id))
    # a named alias used twice vs two named aliases of the same name (FROM lists differ)
    n1, n2 = t.alias("x"), t.alias("x")
    assert _key(select(n1.c.id, n2.c.id)) != _key(select(n1.c.id, n1.c.id))


def test_alias_details_are_part_of_the_key() -> None:
    base = select(t.c.id)
    assert _key(select(base.subquery().c.id)) != _key(select(base.lateral().c.id))
    assert _key(select(t.alias().c.id)) != _key(select(t.alias("a").c.id))
    tv1 = func.json_each("[1]").table_valued("value")
    tv2 = func.json_each("[1]").table_valued("key")
    assert _key(select(tv1)) != _key(select(tv2))


def test_recursive_cte_is_keyed_and_rendered_once() -> None:
    def build() -> Any:
        c = select(t.c.id, t.c.grp).where(t.c.id == 1).cte(recursive=True)
        c = c.union_all(select(t.c.id, t.c.grp).where(t.c.grp == c.c.id))
        return select(c.c.id)

    a, b = build(), build()
    assert _key(a) == _key(b)
    sql = str(a)
    assert sql.startswith("WITH RECURSIVE anon_1(id, grp) AS")
    assert str(b) == sql


@pytest.fixture(scope="module")
def eng(engine: Any) -> Iterator[Any]:
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": i, "name": n, "grp": g}
                                 for i, n, g in [(1, "a", 1), (2, "b", 1), (3, "c", 2)]])
    yield engine
    md.drop_all(engine)


@pytest.mark.backend
def test_fresh_statement_with_subquery_compiles_once(eng: Any) -> None:
    compiles = _counting(eng)
    try:
        with eng.connect() as c:
            assert c.execute(_in_subquery()).scalars().all() == ["a", "b"]
            n = len(compiles)
            for _ in range(3):
                assert c.execute(_in_subquery()).scalars().all() == ["a", "b"]
            assert len(compiles) == n
            # one alias vs two aliases: same tables and columns, different SQL
            assert c.execute(_one_alias()).all() == [(1, 1)]
            assert sorted(c.execute(_two_aliases()).all()) == [(1, 1), (1, 2), (2, 3)]
            assert len(compiles) == n + 2
    finally:
        del eng.dialect.statement_compiler


@pytest.mark.backend
def test_rows_keyed_by_the_executed_statements_objects(eng: Any) -> None:
    """A cache hit runs the compiled form of an earlier statement: the rows must still answer
    to this statement's own subquery columns and labels (by position), and to names."""
    with eng.connect() as c:
        for _ in range(3):
            sub = select(t.c.id, t.c.name.label("nm")).where(t.c.id < 3).subquery()
            total = func.count(sub.c.id).label("total")
            row = c.execute(select(sub.c.nm, total).group_by(sub.c.nm).order_by(sub.c.nm)).first()
            assert row is not None
            assert row._mapping[sub.c.nm] == "a" and row.nm == "a"
            assert row._mapping[total] == 1 and row.total == 1
            assert list(row._mapping) == ["nm", "total"]
            assert sub.c.nm.name == "nm" and "nm" in sub.c


@pytest.mark.backend
def test_anonymous_values_and_cte_execute(eng: Any) -> None:
    with eng.connect() as c:
        for _ in range(2):
            cte = select(t.c.id).where(t.c.grp == 2).cte()
            assert c.execute(select(cte.c.id)).scalars().all() == [3]
            sub = select(t.c.grp, func.count().label("n")).group_by(t.c.grp).subquery()
            rows = c.execute(select(t.c.name, sub.c.n).join(sub, sub.c.grp == t.c.grp).order_by(t.c.id)).all()
            assert [(r.name, r.n) for r in rows] == [("a", 2), ("b", 2), ("c", 1)]
