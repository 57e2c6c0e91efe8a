"""PostgreSQL (psycopg2) against the real server: types, executemany, isolation, errors,
server-side cursors, ENUM lifecycle, reflection."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import threading
import tracemalloc
import uuid
from typing import Any

import pytest

from sqlweave.core import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    bindparam,
    create_engine,
    delete,
    exc,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlweave.core import types as sqltypes
from sqlweave.dialects.postgresql import ARRAY, ENUM, JSONB
from sqlweave.dialects.postgresql import insert as pg_insert
from sqlweave.dialects.postgresql.provision import backend_pid, terminate_backend
from tests.fix_db import db_url

pytestmark = pytest.mark.backend


@pytest.fixture(autouse=True)
def _only_pg(db_name: str) -> None:
    if db_name != "postgresql":
        pytest.skip("PostgreSQL dialect tests")


class Mood(enum.Enum):
    happy = 1
    sad = 2


def test_url_forms_and_version(engine: Any) -> None:
    for url in (db_url("postgresql"), db_url("postgresql").replace("postgresql://", "postgresql+psycopg2://")):
        eng = create_engine(url)
        try:
            assert eng.dialect.driver == "psycopg2"
            with eng.connect() as conn:
                assert conn.scalar(select(func.current_database().label("d"))) == eng.url.database
            assert eng.dialect.server_version_info[0] >= 10
            assert eng.dialect.default_isolation_level == "READ COMMITTED"
        finally:
            eng.dispose()


def test_types_round_trip(engine: Any, metadata: MetaData) -> None:
    t = Table(
        "pgx_types", metadata,
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean), Column("num", Numeric(10, 2)), Column("flt", Float),
        Column("ts_tz", DateTime(timezone=True)), Column("ts", DateTime), Column("d", Date),
        Column("tm", Time), Column("span", Interval), Column("blob", LargeBinary),
        Column("doc", JSON), Column("docb", JSONB), Column("uid", Uuid), Column("uid_s", Uuid(as_uuid=False)),
        Column("mood", Enum(Mood, name="pgx_mood")), Column("ints", ARRAY(Integer)),
        Column("strs", ARRAY(String(20))), Column("s", String),
    )
    metadata.create_all(engine)
    aware = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    u = uuid.uuid4()
    row = {
        "flag": True, "num": decimal.Decimal("12.34"), "flt": 1.5, "ts_tz": aware,
        "ts": dt.datetime(2024, 1, 2, 3, 4, 5), "d": dt.date(2024, 2, 29), "tm": dt.time(13, 14, 15),
        "span": dt.timedelta(days=2, seconds=5), "blob": b"\x00\xffbin", "doc": {"a": [1, 2, {"b": None}]},
        "docb": [1, "x", {"k": True}], "uid": u, "uid_s": str(u), "mood": Mood.sad, "ints": [3, 1, 2],
        "strs": ["a", "b c", "d'e"], "s": "x" * 1000,
    }
    with engine.begin() as conn:
        pk = conn.execute(insert(t).values(**row)).inserted_primary_key
        got = conn.execute(select(t).where(t.c.id == pk[0])).one()._asdict()
    assert pk == (1,) or pk[0] >= 1
    got.pop("id")
    assert got == row
    assert type(got["blob"]) is bytes and type(got["num"]) is decimal.Decimal and isinstance(got["uid"], uuid.UUID)
    assert got["ts_tz"] == aware and got["ts_tz"].tzinfo is not None and got["ts"].tzinfo is None
    cols = {c["name"]: c["type"] for c in inspect(engine).get_columns("pgx_types")}
    assert cols["s"].compile(engine.dialect) == "VARCHAR"
    assert cols["ts_tz"].compile(engine.dialect) == "TIMESTAMP WITH TIME ZONE"


def test_json_operators_and_array_indexing(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_json", metadata, Column("id", Integer, primary_key=True), Column("doc", JSONB),
              Column("ints", ARRAY(Integer)))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": 1, "doc": {"a": {"b": [10, 20]}, "n": "7", "f": True}, "ints": [5, 6, 7]},
                                 {"id": 2, "doc": {"a": {"b": [30]}, "n": "8", "f": False}, "ints": [8]}])
        assert conn.scalar(select(t.c.doc["a"]).where(t.c.id == 1)) == {"b": [10, 20]}
        assert conn.scalar(select(t.c.doc[("a", "b", 1)]).where(t.c.id == 1)) == 20
        assert conn.scalar(select(t.c.doc[("a", "b", 0)].as_string()).where(t.c.id == 2)) == "30"
        assert conn.scalar(select(t.c.doc["n"].as_integer() + 1).where(t.c.id == 1)) == 8
        assert conn.scalars(select(t.c.id).where(t.c.doc["f"].as_boolean())).all() == [1]
        assert conn.scalars(select(t.c.id).where(t.c.doc["n"].as_string() == "8")).all() == [2]
        assert conn.scalar(select(t.c.ints[2]).where(t.c.id == 1)) == 6
        assert conn.scalar(select(t.c.ints[2:3]).where(t.c.id == 1)) == [6, 7]


def test_custom_json_serializer_and_deserializer(metadata: MetaData) -> None:
    import json

    seen: list[str] = []

    def dumps(v: Any) -> str:
        seen.append("dump")
        return json.dumps(v)

    def loads(s: str) -> Any:
        seen.append("load")
        return json.loads(s)

    eng = create_engine(db_url("postgresql"), json_serializer=dumps, json_deserializer=loads)
    try:
        t = Table("pgx_json_ser", metadata, Column("id", Integer, primary_key=True), Column("doc", JSON))
        metadata.create_all(eng)
        with eng.begin() as conn:
            conn.execute(insert(t).values(id=1, doc={"x": 1}))
            assert conn.scalar(select(t.c.doc)) == {"x": 1}
        assert seen == ["dump", "load"]
        metadata.drop_all(eng)
    finally:
        eng.dispose()


def test_enum_type_lifecycle(engine: Any) -> None:
    md = MetaData()
    kind = ENUM("a", "b", name="pgx_kind")
    t1 = Table("pgx_enum1", md, Column("id", Integer, primary_key=True), Column("k", kind),
               Column("ks", ARRAY(kind)))
    t2 = Table("pgx_enum2", md, Column("id", Integer, primary_key=True), Column("k", kind))
    md.drop_all(engine)
    try:
        md.create_all(engine)
        md.create_all(engine)  # checkfirst: nothing to do, no error
        with engine.connect() as conn:
            assert engine.dialect.has_type(conn, "pgx_kind")
            conn.execute(insert(t1).values(id=1, k="b", ks=["b", "a"]))
            assert conn.execute(select(t1.c.k, t1.c.ks)).one() == ("b", ["b", "a"])
            with pytest.raises(exc.DataError):
                conn.execute(insert(t2).values(id=1, k="zz"))
            conn.rollback()
        t1.drop(engine)
        with engine.connect() as conn:
            assert engine.dialect.has_type(conn, "pgx_kind")  # pgx_enum2 still uses it
        t2.drop(engine)
        with engine.connect() as conn:
            assert not engine.dialect.has_type(conn, "pgx_kind")
        kind.create(engine)
        kind.create(engine)  # checkfirst
        with engine.connect() as conn:
            assert engine.dialect.has_type(conn, "pgx_kind")
        kind.drop(engine)
        with engine.connect() as conn:
            assert not engine.dialect.has_type(conn, "pgx_kind")
    finally:
        md.drop_all(engine)


def test_returning_and_implicit_pk(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_ret", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)),
              Column("n", Integer, server_default=text("5")))
    ident = Table("pgx_ident", metadata, Column("id", Integer, Identity(start=100), primary_key=True),
                  Column("v", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        r1 = conn.execute(insert(t).values(name="a"))
        r2 = conn.execute(insert(t).values(name="b"))
        assert r2.inserted_primary_key[0] == r1.inserted_primary_key[0] + 1
        assert conn.execute(insert(ident).values(v=1)).inserted_primary_key == (100,)
        rows = conn.execute(insert(t).returning(t.c.id, t.c.n), [{"name": "c"}, {"name": "d"}]).all()
        assert [r.n for r in rows] == [5, 5] and rows[1].id == rows[0].id + 1
        assert conn.execute(update(t).where(t.c.name == "a").values(n=9).returning(t.c.n)).scalar_one() == 9
        assert sorted(conn.execute(delete(t).where(t.c.n == 5).returning(t.c.name)).scalars()) == ["b", "c", "d"]


def test_executemany_values_rowcount_and_pages(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_many", metadata, Column("id", Integer, primary_key=True), Column("v", Integer),
              Column("s", String(10)))
    metadata.create_all(engine)
    fast = engine.execution_options()
    fast.dialect.executemany_values_page_size, saved = 7, fast.dialect.executemany_values_page_size
    try:
        with engine.begin() as conn:
            r = conn.execute(insert(t), [{"id": i, "v": i % 3, "s": f"{i}%"} for i in range(1, 51)])
            assert r.rowcount == 50
            rows = conn.execute(insert(t).returning(t.c.id), [{"id": i, "v": 0, "s": "x"} for i in range(51, 71)]).scalars().all()
            assert rows == list(range(51, 71))
            assert conn.scalar(select(func.count().label("c")).select_from(t)) == 70
            assert conn.scalar(select(t.c.s).where(t.c.id == 7)) == "7%"

            r = conn.execute(update(t).where(t.c.id == bindparam("pid")).values(s=bindparam("ns")),
                             [{"pid": 1, "ns": "a"}, {"pid": 2, "ns": "b"}, {"pid": 999, "ns": "c"}])
            assert r.rowcount == 2
            r = conn.execute(delete(t).where(t.c.id == bindparam("pid")), [{"pid": 1}, {"pid": 2}, {"pid": 3}])
            assert r.rowcount == 3
    finally:
        fast.dialect.executemany_values_page_size = saved
    assert engine.dialect.supports_sane_multi_rowcount is True


def test_batch_mode_loses_multi_rowcount(metadata: MetaData) -> None:
    eng = create_engine(db_url("postgresql") + "?executemany_mode=values_plus_batch")
    try:

        t = Table("pgx_batch", metadata, Column("id", Integer, primary_key=True), Column("v", Integer))
        metadata.create_all(eng)
        assert eng.dialect.supports_sane_multi_rowcount is False
        with eng.begin() as conn:
            conn.execute(insert(t), [{"id": i, "v": 0} for i in range(10)])
            conn.execute(update(t).where(t.c.id == bindparam("pid")).values(v=1), [{"pid": i} for i in range(5)])
            assert conn.scalar(select(func.sum(t.c.v).label("s"))) == 5
        metadata.drop_all(eng)
    finally:
        eng.dispose()


def test_upsert(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_upsert", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(pg_insert(t).values(id=1, n=1))
        conn.execute(pg_insert(t).values(id=1, n=5).on_conflict_do_nothing(index_elements=["id"]))
        assert conn.scalar(select(t.c.n)) == 1
        stmt = pg_insert(t).values(id=1, n=5)
        conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.id], set_={"n": t.c.n + stmt.excluded.n}))
        assert conn.scalar(select(t.c.n)) == 6


def test_text_percent_and_casts(engine: Any) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT '100%'::text AS a, CAST(:x AS int) + 1 AS b"), {"x": 4}).one() == ("100%", 5)
        assert conn.scalar(text("SELECT '5%'")) == "5%"
        assert conn.exec_driver_sql("SELECT '5%'").scalar() == "5%"
        assert conn.exec_driver_sql("SELECT %s || '%%'", ("7",)).scalar() == "7%"


def test_sequences(engine: Any, metadata: MetaData) -> None:
    seq = Sequence("pgx_seq", start=10, metadata=metadata)
    t = Table("pgx_seqt", metadata, Column("id", Integer, Sequence("pgx_seq_pk", start=500), primary_key=True),
              Column("v", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        assert engine.dialect.has_sequence(conn, "pgx_seq")
        assert {"pgx_seq", "pgx_seq_pk"} <= set(inspect(conn).get_sequence_names())
        assert conn.scalar(select(seq.next_value().label("n"))) == 10
        assert conn.scalar(select(seq.next_value().label("n"))) == 11
        assert conn.execute(insert(t).values(v=1)).inserted_primary_key == (500,)
    metadata.drop_all(engine)
    with engine.connect() as conn:
        assert not engine.dialect.has_sequence(conn, "pgx_seq")


def test_select_features(engine: Any, metadata: MetaData) -> None:
    a = Table("pgx_a", metadata, Column("id", Integer, primary_key=True), Column("g", String(5)), Column("v", Integer))
    b = Table("pgx_b", metadata, Column("id", Integer, primary_key=True), Column("a_id", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(a), [{"id": 1, "g": "x", "v": 3}, {"id": 2, "g": "x", "v": 1}, {"id": 3, "g": "Y", "v": 2}])
        conn.execute(insert(b), [{"id": 1, "a_id": 1}, {"id": 2, "a_id": 9}])
        q = select(a.c.g, a.c.v).distinct(a.c.g).order_by(a.c.g, a.c.v)
        assert conn.execute(q).all() == [("Y", 2), ("x", 1)]
        assert conn.scalars(select(a.c.id).where(a.c.g.ilike("y"))).all() == [3]
        assert conn.scalars(select(a.c.id).where(a.c.g.regexp_match("^X", flags="i")).order_by(a.c.id)).all() == [1, 2]
        assert conn.scalars(select(a.c.id).where(a.c.g.not_regexp_match("x")).order_by(a.c.id)).all() == [3]
        assert conn.scalar(select(func.count().filter(a.c.v > 1).label("c"))) == 2
        full = select(a.c.id, b.c.id.label("bid")).select_from(a.join(b, a.c.id == b.c.a_id, full=True))
        assert sorted(conn.execute(full).all(), key=lambda r: (r[0] or 0, r[1] or 0)) == [
            (None, 2), (1, 1), (2, None), (3, None)]
        assert conn.scalar(select((a.c.g + "-" + a.c.g).label("c")).where(a.c.id == 3)) == "Y-Y"
        assert conn.scalar(select((a.c.v % 2).label("m")).where(a.c.id == 1)) == 1
        assert isinstance(conn.scalar(select(func.now().label("n"))), dt.datetime)
        from sqlweave.core import extract

        assert conn.scalar(select(extract("year", func.now()).label("y"))) >= 2024
        conn.execute(update(a).values(v=b.c.id * 100).where(a.c.id == b.c.a_id))
        assert conn.scalar(select(a.c.v).where(a.c.id == 1)) == 100
        assert conn.execute(delete(a).where(a.c.id == b.c.a_id)).rowcount == 1
        assert conn.execute(select(a.c.id).where(a.c.id == 2).with_for_update(nowait=True, of=a)).scalar() == 2
        assert conn.execute(select(a.c.id).where(a.c.id == 2).with_for_update(skip_locked=True, key_share=True)).scalar() == 2
        assert conn.execute(select(a.c.id).where(a.c.id == 2).with_for_update(read=True)).scalar() == 2


def test_skip_locked_skips_row_locked_elsewhere(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_lock", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": 1}, {"id": 2}])
    with engine.connect() as c1, engine.connect() as c2:
        c1.execute(select(t.c.id).where(t.c.id == 1).with_for_update())
        got = c2.execute(select(t.c.id).order_by(t.c.id).with_for_update(skip_locked=True)).scalars().all()
        assert got == [2]
        with pytest.raises(exc.OperationalError):
            c2.execute(select(t.c.id).where(t.c.id == 1).with_for_update(nowait=True))
        c2.rollback()
        c1.rollback()


def test_isolation_levels(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_iso", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    for level in ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT"):
        with engine.connect().execution_options(isolation_level=level) as conn:
            assert conn.get_isolation_level() == level
            if level != "AUTOCOMMIT":
                assert conn.exec_driver_sql("SHOW transaction_isolation").scalar().upper() == level
    with engine.connect() as conn:
        assert conn.get_isolation_level() == "READ COMMITTED"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(insert(t).values(id=1))
        conn.rollback()
    with engine.connect() as conn:
        assert conn.scalar(select(t.c.id)) == 1
    eng = create_engine(db_url("postgresql"), isolation_level="REPEATABLE READ")
    try:
        with eng.connect() as conn:
            assert conn.get_isolation_level() == "REPEATABLE READ"
    finally:
        eng.dispose()


def test_savepoints(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_sp", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.connect() as conn:
        conn.execute(insert(t).values(id=1))
        sp = conn.begin_nested()
        conn.execute(insert(t).values(id=2))
        sp.rollback()
        with pytest.raises(exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(insert(t).values(id=1))
        conn.execute(insert(t).values(id=3))
        conn.commit()
    with engine.connect() as conn:
        assert conn.scalars(select(t.c.id).order_by(t.c.id)).all() == [1, 3]


def test_server_side_cursor_streams_bounded_memory(engine: Any) -> None:
    q = text("SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g")
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(q)
        assert result.cursor._cursor.name.startswith("sqlweave_c_")
        tracemalloc.start()
        n = total = 0
        for row in result:
            n += 1
            total += row[0]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert n == 100000 and total == 100000 * 100001 // 2
    # 100k rows of ~130 bytes would be > 13 MB buffered; a page of 1000 stays far below
    assert peak < 5_000_000
    with engine.connect() as conn:
        res = conn.execution_options(yield_per=10).execute(select(func.generate_series(1, 25).label("g")))
        assert [len(p) for p in res.partitions()] == [10, 10, 5]


def test_orm_yield_per_streams_through_a_portal(engine: Any, metadata: MetaData) -> None:
    # libpq buffers a whole ordinary result invisibly to tracemalloc, so assert the mechanism:
    # the ORM's yield_per reads a named cursor (a portal), and other statements (the eager and
    # lazy loads of the loop) run on the same connection while it is open
    from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        metadata = MetaData()

    class PgStreamed(Base):
        __tablename__ = "pgb_streamed"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    Base.metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(PgStreamed.__table__), [{"id": i} for i in range(1, 501)])
        with Session(engine) as session:
            ids, portals = [], set()
            for obj in session.scalars(select(PgStreamed).order_by(PgStreamed.id).execution_options(yield_per=100)):
                ids.append(obj.id)
                if obj.id % 100 == 1:
                    portals.add(session.scalar(text("SELECT count(*) FROM pg_cursors WHERE name LIKE 'sqlweave_c_%'")))
            assert ids == list(range(1, 501)) and portals == {1}
            assert session.scalar(text("SELECT count(*) FROM pg_cursors")) == 0  # closed at the end
    finally:
        Base.metadata.drop_all(engine)


def test_server_side_cursor_in_autocommit(engine: Any) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT", stream_results=True) as conn:
        assert conn.execute(text("SELECT g FROM generate_series(1, 3) g")).scalars().all() == [1, 2, 3]


def test_error_classification(engine: Any, metadata: MetaData) -> None:
    with engine.connect() as conn:
        with pytest.raises(exc.QueryCanceledError):
            conn.exec_driver_sql("SET LOCAL statement_timeout = 50")
            conn.exec_driver_sql("SELECT pg_sleep(2)")
        conn.rollback()
        with pytest.raises(exc.ProgrammingError) as info:
            conn.exec_driver_sql("SELECT 'terminating connection, server closed the connection unexpectedly' FROM")
        assert not info.value.connection_invalidated
        conn.rollback()
        assert conn.scalar(text("SELECT 1")) == 1
    t = Table("pgx_ser", metadata, Column("id", Integer, primary_key=True), Column("v", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": 1, "v": 0}, {"id": 2, "v": 0}])
    with engine.connect().execution_options(isolation_level="SERIALIZABLE") as c1, \
            engine.connect().execution_options(isolation_level="SERIALIZABLE") as c2:
        c1.execute(select(t.c.v).where(t.c.id == 1)).all()
        c2.execute(select(t.c.v).where(t.c.id == 1)).all()
        c1.execute(update(t).where(t.c.id == 1).values(v=1))
        c1.commit()
        with pytest.raises(exc.SerializationError):
            c2.execute(update(t).where(t.c.id == 1).values(v=2))
        c2.rollback()
    # deadlock: two connections lock rows in opposite order
    with engine.connect() as c1, engine.connect() as c2:
        c1.execute(update(t).where(t.c.id == 1).values(v=10))
        c2.execute(update(t).where(t.c.id == 2).values(v=20))
        errors: list[BaseException] = []

        def other() -> None:
            try:
                c2.execute(update(t).where(t.c.id == 1).values(v=21))
            except BaseException as e:  # noqa: BLE001 - collected for the assertion
                errors.append(e)

        th = threading.Thread(target=other)
        th.start()
        try:
            c1.execute(update(t).where(t.c.id == 2).values(v=11))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        th.join()
        assert len(errors) == 1 and isinstance(errors[0], exc.DeadlockError)
        c1.rollback()
        c2.rollback()


def test_terminated_backend_is_a_disconnect(engine: Any) -> None:
    eng = create_engine(db_url("postgresql"))
    try:
        with eng.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
            assert terminate_backend(engine, backend_pid(conn))
            with pytest.raises(exc.OperationalError) as info:
                conn.execute(text("SELECT 1"))
            assert info.value.connection_invalidated
            conn.rollback()
            assert conn.scalar(text("SELECT 2")) == 2
    finally:
        eng.dispose()


def test_disconnect_during_commit_is_outcome_unknown(engine: Any, metadata: MetaData) -> None:
    t = Table("pgx_commit", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    eng = create_engine(db_url("postgresql"))
    try:
        conn = eng.connect()
        conn.execute(insert(t).values(id=1))
        terminate_backend(engine, backend_pid(conn))
        with pytest.raises(exc.CommitOutcomeUnknownError):
            conn.commit()
        conn.close()
        with eng.connect() as c2:
            assert c2.scalars(select(t.c.id)).all() == []
    finally:
        eng.dispose()


def test_comments(engine: Any, metadata: MetaData) -> None:
    Table("pgx_comm", metadata, Column("id", Integer, primary_key=True, comment="the 'key'"),
          comment="table of 100% comments")
    metadata.create_all(engine)
    insp = inspect(engine)
    assert insp.get_table_comment("pgx_comm") == {"text": "table of 100% comments"}
    assert [c["comment"] for c in insp.get_columns("pgx_comm")] == ["the 'key'"]


def test_reflection_round_trip(engine: Any, metadata: MetaData) -> None:
    kind = ENUM("x", "y", name="pgx_rkind")
    Table("pgx_rparent", metadata, Column("id", Integer, primary_key=True),
          Column("code", String(10), nullable=False), UniqueConstraint("code", name="pgx_rparent_code"))
    child = Table(
        "pgx_rchild", metadata,
        Column("id", sqltypes.BigInteger, primary_key=True),
        Column("ident", Integer, Identity(always=True), nullable=False),
        Column("parent_id", Integer, ForeignKey("pgx_rparent.id", ondelete="CASCADE", onupdate="SET NULL")),
        Column("name", String(40), nullable=False, server_default="anon"),
        Column("price", Numeric(8, 3)),
        Column("ts", DateTime(timezone=True)),
        Column("plain_ts", DateTime),
        Column("tags", ARRAY(String(5))),
        Column("kind", kind),
        Column("doc", JSONB),
        Column("j", JSON),
        Column("uid", Uuid),
        Column("body", Text),
        Column("flag", Boolean),
        Column("d", Date),
        CheckConstraint("price > 0", name="pgx_rchild_price"),
        Index("pgx_rchild_name_ix", "name"),
        Index("pgx_rchild_uq_ix", "kind", "d", unique=True),
        comment="reflected",
    )
    metadata.create_all(engine)
    insp = inspect(engine)
    assert {"pgx_rchild", "pgx_rparent"} <= set(insp.get_table_names())
    assert "public" in insp.get_schema_names() and insp.default_schema_name == "public"
    reflected = Table("pgx_rchild", MetaData(), autoload_with=engine)
    d = engine.dialect
    assert [c.name for c in reflected.columns] == [c.name for c in child.columns]
    for orig in child.columns:
        got = reflected.c[orig.name]
        assert got.type.compile(d) == orig.type.compile(d).replace("BIGSERIAL", "BIGINT"), orig.name
        assert got.nullable == orig.nullable, orig.name
    assert isinstance(reflected.c.tags.type, sqltypes.ARRAY)
    assert reflected.c.kind.type.enums == ["x", "y"] and reflected.c.kind.type.name == "pgx_rkind"
    assert reflected.c.id.autoincrement is True
    assert reflected.c.name.server_default is not None
    assert [c.name for c in reflected.primary_key.columns] == ["id"]
    fks = insp.get_foreign_keys("pgx_rchild")
    assert len(fks) == 1 and fks[0]["referred_table"] == "pgx_rparent" and fks[0]["referred_columns"] == ["id"]
    assert fks[0]["constrained_columns"] == ["parent_id"]
    assert fks[0]["options"] == {"ondelete": "CASCADE", "onupdate": "SET NULL"}
    fk = next(iter(reflected.foreign_key_constraints))
    assert (fk.ondelete, fk.onupdate) == ("CASCADE", "SET NULL")
    ixs = {i["name"]: (i["column_names"], i["unique"]) for i in insp.get_indexes("pgx_rchild")}
    assert ixs == {"pgx_rchild_name_ix": (["name"], False), "pgx_rchild_uq_ix": (["kind", "d"], True)}
    assert {i.name for i in reflected.indexes} == {"pgx_rchild_name_ix", "pgx_rchild_uq_ix"}
    assert insp.get_unique_constraints("pgx_rparent") == [{"name": "pgx_rparent_code", "column_names": ["code"]}]
    assert insp.get_check_constraints("pgx_rchild") == [{"name": "pgx_rchild_price", "sqltext": "price > 0::numeric"}]
    assert insp.get_table_comment("pgx_rchild") == {"text": "reflected"}
    assert insp.get_pk_constraint("pgx_rparent")["constrained_columns"] == ["id"]
    cols = {c["name"]: c for c in insp.get_columns("pgx_rchild")}
    assert cols["ident"]["identity"] == {"always": True} and cols["ident"]["autoincrement"] is True
    assert cols["price"]["type"].precision == 8 and cols["price"]["type"].scale == 3
    assert cols["name"]["type"].length == 40 and cols["name"]["default"] == "'anon'::character varying"
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE OR REPLACE VIEW pgx_rview AS SELECT id FROM pgx_rparent")
        conn.commit()
        try:
            assert "pgx_rview" in inspect(conn).get_view_names()
            assert inspect(conn).has_table("pgx_rview") and not inspect(conn).has_table("pgx_nope")
        finally:
            conn.exec_driver_sql("DROP VIEW pgx_rview")
            conn.commit()
