"""Result API with asserted values, and the compiled-statement cache (compilations counted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, exc, insert, select, update

pytestmark = pytest.mark.backend

md = MetaData()
t = Table("core_res", md, Column("id", Integer, primary_key=True), Column("name", String(20)),
          Column("grp", Integer), Column("note", String(20), server_default="s"))


@pytest.fixture(scope="module")
def eng(engine: Any) -> Iterator[Any]:
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"name": n, "grp": g} for n, g in [("a", 1), ("b", 1), ("c", 2), ("a", 2)]])
    yield engine
    md.drop_all(engine)


def q(conn: Any, *cols: Any) -> Any:
    return conn.execute(select(*(cols or (t,))).order_by(t.c.id))


def test_result_api(eng: Any) -> None:
    with eng.connect() as c:
        assert [tuple(r) for r in q(c, t.c.id, t.c.name).all()] == [(1, "a"), (2, "b"), (3, "c"), (4, "a")]
        assert tuple(q(c, t.c.id).first()) == (1,)
        assert c.execute(select(t.c.name).where(t.c.id == 2)).one() == ("b",)
        with pytest.raises(exc.MultipleResultsFound):
            q(c).one()
        with pytest.raises(exc.NoResultFound):
            c.execute(select(t).where(t.c.id == 99)).one()
        assert c.execute(select(t).where(t.c.id == 99)).one_or_none() is None
        assert q(c, t.c.name).scalar() == "a"
        assert c.execute(select(t.c.name).where(t.c.id == 3)).scalar_one() == "c"
        assert q(c, t.c.name).scalars().all() == ["a", "b", "c", "a"]
        assert q(c, t.c.id, t.c.name).scalars(1).all() == ["a", "b", "c", "a"]
        assert q(c, t.c.name).scalars().unique().all() == ["a", "b", "c"]
        assert [dict(m) for m in q(c, t.c.id, t.c.name).mappings()][:1] == [{"id": 1, "name": "a"}]
        assert [tuple(r) for r in q(c, t.c.id, t.c.name, t.c.grp).columns("grp", "id")] == [
            (1, 1), (1, 2), (2, 3), (2, 4)]
        assert [tuple(r) for r in q(c, t.c.name).unique()] == [("a",), ("b",), ("c",)]
        parts = [[r[0] for r in p] for p in q(c, t.c.id).partitions(3)]
        assert parts == [[1, 2, 3], [4]]
        r = q(c, t.c.id)
        assert [x[0] for x in r.fetchmany(2)] == [1, 2]
        assert [x[0] for x in r.fetchmany(5)] == [3, 4]
        assert r.fetchmany(1) == []
        r = q(c, t.c.id, t.c.name)
        assert r.keys() == ["id", "name"]
        row = r.first()
        assert row.id == 1 and row[1] == "a" and row._mapping["name"] == "a"
        assert row._mapping[t.c.name] == "a" and row._asdict() == {"id": 1, "name": "a"}
        assert row == (1, "a")


def test_iteration_buffered_streamed_and_closed(eng: Any) -> None:
    with eng.connect() as c:
        # iterating a buffered result: Rows made as reached, the cursor released at once
        r = q(c, t.c.id, t.c.name)
        it = iter(r)
        assert next(it) == (1, "a") and next(it).name == "b"
        assert [row.id for row in it] == [3, 4]
        # streamed, with chunks smaller than the result: every row exactly once, in order
        r = c.execution_options(yield_per=3).execute(select(t.c.id, t.c.grp).order_by(t.c.id))
        assert [(row.id, row.grp) for row in r] == [(1, 1), (2, 1), (3, 2), (4, 2)]
        # iterating a streamed result after close() raises, as fetching does
        r = c.execution_options(yield_per=1).execute(select(t.c.id).order_by(t.c.id))
        it = iter(r)
        assert next(it) == (1,)
        r.close()
        with pytest.raises(exc.ResourceClosedError):
            list(it)
        # a statement without rows cannot be iterated
        res = c.execute(update(t).where(t.c.id == 99).values(grp=0))
        with pytest.raises(exc.ResourceClosedError):
            iter(res)


def test_row_attributes_for_any_column_name(eng: Any) -> None:
    with eng.connect() as c:
        row = c.execute(select(t.c.id.label("a b"), t.c.name.label("count"), t.c.grp.label("__x__"))
                        .where(t.c.id == 1)).one()
        assert getattr(row, "a b") == 1
        assert row.count("a") == 1  # tuple's own methods are not shadowed by a column name
        assert row._mapping["count"] == "a" and row._mapping["__x__"] == 1
        with pytest.raises(AttributeError):
            row.nope  # noqa: B018


def test_dml_result_attributes(eng: Any) -> None:
    with eng.connect() as c:
        r = c.execute(insert(t).values(name="new", grp=9))
        pk = r.inserted_primary_key
        assert pk is not None and len(pk) == 1 and pk[0] > 4
        assert c.execute(select(t.c.name).where(t.c.id == pk[0])).scalar() == "new"
        r = c.execute(update(t).where(t.c.grp == 1).values(grp=11))
        assert r.rowcount == 2
        r = c.execute(insert(t).values(name="rd", grp=1).return_defaults())
        if eng.dialect.insert_returning:
            rd = r.returned_defaults
            assert rd is not None and (rd["note"] if isinstance(rd, dict) else rd.note) == "s"
        assert r.inserted_primary_key[0] > pk[0]
        c.rollback()


def _counting(eng: Any) -> list[Any]:
    compiles: list[Any] = []
    cls = eng.dialect.statement_compiler

    def counting(*args: Any, **kw: Any) -> Any:
        compiles.append(args[1])
        return cls(*args, **kw)

    eng.dialect.statement_compiler = counting
    return compiles


def test_compiled_cache_counts(eng: Any) -> None:
    compiles = _counting(eng)
    try:
        with eng.connect() as c:
            for i in range(1, 5):  # same shape, new values: one compile
                assert c.execute(select(t.c.name.label("cc1")).where(t.c.id == i)).scalar() == "abca"[i - 1]
            assert len(compiles) == 1
            c.execute(select(t.c.name.label("cc2")).where(t.c.grp == 1)).all()  # other shapes
            c.execute(select(t.c.id.label("cc3")).where(t.c.id == 1)).all()
            assert len(compiles) == 3
            c.execute(select(t.c.id.label("cc3")).where(t.c.id == 2)).all()
            assert len(compiles) == 3
            # the cache can be turned off per statement ...
            c.execute(select(t.c.id.label("cc3")).where(t.c.id == 3).execution_options(compiled_cache=None)).all()
            assert len(compiles) == 4
            # DML with values() of the same shape caches too
            for i in range(2):
                c.execute(update(t).values(note="x" + str(i)).where(t.c.id == 1, t.c.grp < 100))
            assert len(compiles) == 5
            assert c.execute(select(t.c.note).where(t.c.id == 1)).scalar() == "x1"
            c.rollback()
            # ... and per connection (in place, as in SQLAlchemy 2.0)
            nc = c.execution_options(compiled_cache=None)
            nc.execute(select(t.c.id.label("cc3")).where(t.c.id == 2)).all()
            nc.execute(select(t.c.id.label("cc3")).where(t.c.id == 2)).all()
            assert len(compiles) == 8  # the note SELECT above (a new shape) + these two uncached
    finally:
        del eng.dialect.statement_compiler


def test_literal_binds_render(eng: Any) -> None:
    stmt = select(t.c.id).where(t.c.name == "it's", t.c.grp.in_([1, 2]))
    sql = str(stmt.compile(eng, compile_kwargs={"literal_binds": True}))
    assert "'it''s'" in sql or "'it\\'s'" in sql
    assert "(1, 2)" in sql
    with eng.connect() as c:
        assert c.exec_driver_sql(sql.replace("%%", "%")).all() == []


def test_select_with_join_is_cached(engine: Any) -> None:
    from sqlweave.core import column, select, table

    t1 = table("core_j1", column("id"))
    t2 = table("core_j2", column("id"))
    binds: list[Any] = []
    key = select(t1.c.id).join(t2, t1.c.id == t2.c.id).where(t1.c.id == 5)._gen_cache_key(binds)
    hash(key)  # a join's flags must not make the key unhashable (that silently disabled caching)
    assert [b.value for b in binds] == [5]


def test_statements_of_new_column_objects_share_one_compile(eng: Any) -> None:
    """``text().columns()`` and ``select()`` of table-less ``column()`` objects, and
    ``correlate()``, are cached by the shape of what they name, not by the objects: built anew
    per call, they compile once, and each statement's own column objects find their values."""
    from sqlweave.core import column, exists, text

    compiles = _counting(eng)
    try:
        with eng.connect() as c:
            for i in range(3):
                cid, cname = column("id", Integer), column("name", String)
                ts = text("SELECT id, name FROM core_res WHERE id = :i").columns(cid, cname).bindparams(i=i + 1)
                row = c.execute(ts).one()
                assert (row._mapping[cid], row._mapping[cname]) == (i + 1, "abc"[i])
            assert len(compiles) == 1
            for i in range(3):
                g, n = column("grp", Integer), column("n", Integer)
                st = select(g, n).select_from(
                    text("(SELECT grp, COUNT(*) AS n FROM core_res WHERE id > :lo GROUP BY grp) AS counted")
                    .bindparams(lo=i)).where(n > 0).order_by(g)
                rows = c.execute(st).all()
                assert [(r._mapping[g], r._mapping[n]) for r in rows] == [[(1, 2), (2, 2)], [(1, 1), (2, 2)],
                                                                          [(2, 2)]][i]
            assert len(compiles) == 2
            for i in range(3):
                inner = t.alias("inner_t")
                outer = t.alias("outer_t")
                same_grp = select(inner.c.id).where(inner.c.grp == outer.c.grp, inner.c.id != outer.c.id,
                                                    inner.c.name == "abca"[i]).correlate(outer)
                ids = c.execute(select(outer.c.id).where(exists(same_grp)).order_by(outer.c.id)).scalars().all()
                assert ids == [[2, 3], [1], [4]][i]  # rows with another row of their group named a/b/c
            assert len(compiles) == 3
    finally:
        del eng.dialect.statement_compiler
