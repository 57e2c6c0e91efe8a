"""R16 – malicious identifiers: table, column, index, constraint, schema and savepoint names.

Each name goes through CREATE, INSERT, SELECT, reflection and DROP; the quote character inside a
name is doubled; reflected names equal the originals; a name one character over the dialect's
limit raises :class:`~sqlweave.core.exc.IdentifierError` before any SQL is sent; ``rel_sentinel``
survives everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
    exc,
    insert,
    inspect,
    select,
)
from tests.reliability.util import RUN, rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

# (tag, fragment): the fragment is used as a column name and inside table / index / constraint
# names (table names keep the suite's rel_ prefix, so other suites' tables are never touched)
FRAGMENTS = [
    ("dquote", 'q"uote'),
    ("backtick", "b`tick"),
    ("bracket", "br]ack[et"),
    ("space", "sp ace"),
    ("dot", "do.t"),
    ("percent", "pc%t"),
    ("percent-s", "pc%s"),
    ("qmark", "q?m"),
    ("colon", "co:lon"),
    ("digit", "1digit"),
    ("select", "select"),
    ("order", "order"),
    ("user", "user"),
    ("mixed", "MixedCase"),
    ("unicode", "ünï_名前"),
    ("inject", f'x"; DROP TABLE {rel("rel_sentinel16")}; --'),
    ("inject-bt", f"x`; DROP TABLE {rel('rel_sentinel16')}; --"),
]


@pytest.fixture
def sentinel(engine: Any) -> Iterator[Table]:
    md = MetaData()
    t = Table(rel("rel_sentinel16"), md, Column("id", Integer, primary_key=True))
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1))
    yield t
    with engine.connect() as conn:
        assert conn.execute(select(t.c.id)).scalars().all() == [1], "rel_sentinel16 damaged"
    md.drop_all(engine)


def _quote_char(engine: Any) -> str:
    return str(engine.dialect.identifier_preparer.initial_quote)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tag,frag", FRAGMENTS, ids=[t for t, _ in FRAGMENTS])
def test_identifier_roundtrip(engine: Any, sentinel: Table, tag: str, frag: str,
                              figures: Any) -> None:
    md = MetaData()
    tname = f"rel_t16_{RUN} {frag}"
    t = Table(tname, md,
              Column("id", Integer, primary_key=True, autoincrement=False),
              Column(frag, String(40)),
              UniqueConstraint(frag, name=f"rel_uq{RUN} {frag}"),
              CheckConstraint("id >= 0", name=f"rel_ck{RUN} {frag}"))
    Index(f"rel_ix{RUN} {frag}", t.c[frag])
    prep = engine.dialect.identifier_preparer
    q = _quote_char(engine)
    quoted = prep.quote_identifier(tname)
    if q in tname:
        assert q * 2 in quoted, "the quote character must be doubled"
    md.drop_all(engine)
    try:
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, frag: "one"}, {"id": 2, frag: frag}])
        with engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c[frag]).where(t.c[frag] == frag)).all()
            assert [tuple(r) for r in rows] == [(2, frag)]
            assert rows[0]._mapping[frag] == frag
        insp = inspect(engine)
        assert tname in insp.get_table_names()
        assert [c["name"] for c in insp.get_columns(tname)] == ["id", frag]
        assert f"rel_ix{RUN} {frag}" in [ix["name"] for ix in insp.get_indexes(tname)]
        uqs = [u["name"] for u in insp.get_unique_constraints(tname)]
        # SQLite keeps no names for inline UNIQUE it did not get; the others must round-trip
        if engine.dialect.name != "sqlite":
            assert f"rel_uq{RUN} {frag}" in uqs
        # and the reflected table is usable as is
        md2 = MetaData()
        t2 = Table(tname, md2, autoload_with=engine)
        with engine.connect() as conn:
            assert conn.execute(select(t2.c[frag]).order_by(t2.c.id)).scalars().all() == ["one", frag]
    finally:
        md.drop_all(engine)
    assert tname not in inspect(engine).get_table_names()
    figures(scenario="R16", case=tag, passed=True)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("tag,frag", FRAGMENTS, ids=[t for t, _ in FRAGMENTS])
def test_savepoint_names(engine: Any, tag: str, frag: str) -> None:
    prep = engine.dialect.identifier_preparer
    name = prep.format_savepoint(f"rel_sp {frag}")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        conn.exec_driver_sql(f"SAVEPOINT {name}")
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        conn.rollback()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["table", "column", "index", "constraint"])
def test_overlong_name_refused_before_sql(make_engine: Any, kind: str, figures: Any) -> None:
    eng = make_engine()
    limit = eng.dialect.max_identifier_length
    if not limit:
        pytest.skip(f"{eng.dialect.name} has no identifier length limit")
    long = "rel_" + "n" * (limit + 1 - 4)
    assert len(long) == limit + 1
    md = MetaData()
    cols = [Column("id", Integer, primary_key=True), Column("c", Integer)]
    if kind == "table":
        t = Table(long, md, *cols)
    elif kind == "column":
        t = Table(rel("rel_t16_long"), md, cols[0], Column(long, Integer))
    elif kind == "index":
        t = Table(rel("rel_t16_long"), md, *cols)
        Index(long, t.c.c)
    else:
        t = Table(rel("rel_t16_long"), md, *cols, UniqueConstraint("c", name=long))
    sent: list[str] = []

    @event.listens_for(eng, "before_cursor_execute")
    def capture(conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        sent.append(statement)

    try:
        with pytest.raises(exc.IdentifierError):
            md.create_all(eng, checkfirst=False)
        # nothing carrying the name (or the prefix a database would truncate it to) was sent;
        # for an index or constraint the CREATE TABLE before it may have gone out
        assert not [s for s in sent if long[:limit] in s], f"SQL with the name was sent: {sent}"
        if kind in ("table", "column"):
            assert not sent, f"SQL was sent: {sent}"
    finally:
        md.drop_all(eng)
    figures(scenario="R16", case=f"max length + 1 ({kind})", limit=limit, statements_sent=0)


@pytest.mark.timeout(60)
def test_schema_names(engine: Any, db_name: str, sentinel: Table) -> None:
    if db_name == "sqlite":
        pytest.skip("SQLite schemas are ATTACHed files, per connection")
    prep = engine.dialect.identifier_preparer
    for frag in ('s"q', "s`b", "s p", "s.d", "s%?:"):
        schema = f"rel_sch{RUN} {frag}"
        qs = prep.quote_identifier(schema)
        kw = "SCHEMA" if db_name == "postgresql" else "DATABASE"
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP {kw} IF EXISTS {qs}" + (" CASCADE" if kw == "SCHEMA" else ""))
            conn.exec_driver_sql(f"CREATE {kw} {qs}")
        md = MetaData()
        t = Table(rel("rel_t16s"), md, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("v", String(10)), schema=schema)
        try:
            md.create_all(engine)
            with engine.begin() as conn:
                conn.execute(insert(t).values(id=1, v="x"))
            with engine.connect() as conn:
                assert conn.execute(select(t.c.v)).scalar() == "x"
            insp = inspect(engine)
            assert schema in insp.get_schema_names()
            assert insp.get_table_names(schema=schema) == [rel("rel_t16s")]
            md.drop_all(engine)
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP {kw} IF EXISTS {qs}" + (" CASCADE" if kw == "SCHEMA" else ""))
