"""MySQL/MariaDB (pymysql) against the real server: types, executemany, RETURNING, upserts,
rowcount, isolation, savepoints, errors and disconnects, server-side cursors, reflection."""

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
    Double,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    cast,
    create_engine,
    delete,
    exc,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlweave.core import types as sqltypes
from sqlweave.dialects.mysql import BOOLEAN, ENUM, LONGTEXT, SET, TINYINT
from sqlweave.dialects.mysql import insert as my_insert
from sqlweave.dialects.mysql import types as mytypes
from sqlweave.dialects.mysql.provision import connection_id, kill_connection
from tests.fix_db import db_url

pytestmark = pytest.mark.backend


@pytest.fixture(autouse=True)
def _only_mysql(db_name: str) -> None:
    if db_name != "mysql":
        pytest.skip("MySQL/MariaDB dialect tests")


class Mood(enum.Enum):
    happy = 1
    sad = 2


@pytest.fixture
def simple(metadata: MetaData, engine: Any) -> Table:
    t = Table("myb_simple", metadata, Column("id", Integer, primary_key=True), Column("name", String(50)),
              Column("n", Integer))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return t


# -- connecting ----------------------------------------------------------------------------------------


def test_url_forms_and_version(engine: Any) -> None:
    url = db_url("mysql")
    for u in (url, url.replace("mysql+pymysql://", "mysql://"), url.replace("mysql+pymysql://", "mariadb://")):
        eng = create_engine(u)
        try:
            with eng.connect() as conn:
                raw = conn.exec_driver_sql("SELECT VERSION()").scalar()
                charset = conn.exec_driver_sql("SELECT @@character_set_client").scalar()
            assert eng.dialect.driver == "pymysql"
            assert eng.dialect.is_mariadb == ("mariadb" in raw.lower())
            assert eng.dialect.server_version_info[:2] == tuple(int(x) for x in raw.split("-")[0].split(".")[:2])
            assert charset == "utf8mb4"
        finally:
            eng.dispose()
    assert create_engine(url.replace("mysql+pymysql://", "mariadb://")).dialect.name == "mariadb"


def test_version_features(engine: Any) -> None:
    with engine.connect():
        pass
    d = engine.dialect
    if d.is_mariadb:
        assert d.insert_returning == (d.server_version_info >= (10, 5))
        assert d.delete_returning == d.insert_returning
    else:
        assert not d.insert_returning and not d.delete_returning
    assert not d.update_returning
    assert not d.implicit_pk_returning
    assert d.default_isolation_level == "REPEATABLE READ"


# -- types ---------------------------------------------------------------------------------------------


def test_type_roundtrip(metadata: MetaData, engine: Any) -> None:
    t = Table(
        "myb_types", metadata,
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean),
        Column("amount", Numeric(12, 4)),
        Column("ratio", Float),
        Column("dbl", Double),
        Column("created", DateTime),
        Column("created_tz", DateTime(timezone=True)),
        Column("day", Date),
        Column("at", Time),
        Column("span", Interval),
        Column("blob", LargeBinary),
        Column("doc", JSON),
        Column("uid", Uuid),
        Column("mood", Enum(Mood)),
        Column("body", Text),
        Column("tags", SET("r", "w", "x")),
        Column("tiny", TINYINT(unsigned=True)),
        Column("long", LONGTEXT),
    )
    metadata.create_all(engine)
    uid = uuid.uuid4()
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    aware = dt.datetime(2024, 5, 6, 9, 8, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    blob = bytes(range(256))
    row = dict(flag=True, amount=decimal.Decimal("12345678.1234"), ratio=1.5, dbl=0.1, created=when,
               created_tz=aware, day=dt.date(2024, 2, 29), at=dt.time(23, 59, 58, 999999),
               span=dt.timedelta(days=3, seconds=5, microseconds=7), blob=blob,
               doc={"a": [1, 2, {"b": None}], "s": "x'\"\\%"}, uid=uid, mood=Mood.sad,
               body="ünïcødé 🎉 100%", tags={"r", "x"}, tiny=255, long="L" * 70000)
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1, **row))
        conn.execute(insert(t).values(id=2))
        conn.execute(insert(t).values(id=3, flag=False, doc=[1, "two"]))
    with engine.connect() as conn:
        got = conn.execute(select(t).where(t.c.id == 1)).one()._mapping
        empty = conn.execute(select(t).where(t.c.id == 2)).one()._mapping
        third = conn.execute(select(t.c.flag, t.c.doc).where(t.c.id == 3)).one()
    for k, v in row.items():
        if k == "created_tz":
            assert got[k] == aware and got[k].tzinfo is not None and got[k].utcoffset() == dt.timedelta(0)
        else:
            assert got[k] == v, k
    assert type(got["flag"]) is bool and type(got["amount"]) is decimal.Decimal
    assert isinstance(got["uid"], uuid.UUID) and isinstance(got["at"], dt.time)
    assert all(empty[k] is None for k in row if k != "doc")
    assert empty["doc"] is None or empty["doc"] is None  # JSON null stored for None
    assert third == (False, [1, "two"])


def test_uuid_stored_as_hex(metadata: MetaData, engine: Any) -> None:
    t = Table("myb_uuid", metadata, Column("id", Integer, primary_key=True), Column("u", Uuid))
    metadata.create_all(engine)
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1, u=u))
        assert conn.exec_driver_sql("SELECT u FROM myb_uuid").scalar() == u.hex
        assert conn.execute(select(t.c.id).where(t.c.u == u)).scalar() == 1


def test_json_element_access(metadata: MetaData, engine: Any) -> None:
    t = Table("myb_json", metadata, Column("id", Integer, primary_key=True), Column("doc", JSON))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": 1, "doc": {"k": "v1", "n": 5, "f": 2.5, "b": True, "arr": [10, {"z": "deep"}]}},
                                 {"id": 2, "doc": {"k": "v2", "n": 7, "f": 0.5, "b": False, "arr": []}}])
    with engine.connect() as conn:
        assert conn.execute(select(t.c.doc["k"]).where(t.c.id == 1)).scalar() == "v1"
        assert conn.execute(select(t.c.doc["arr"]).where(t.c.id == 1)).scalar() == [10, {"z": "deep"}]
        assert conn.execute(select(t.c.doc[("arr", 1, "z")].as_string()).where(t.c.id == 1)).scalar() == "deep"
        assert conn.execute(select(t.c.id).where(t.c.doc["k"].as_string() == "v2")).scalar() == 2
        assert conn.execute(select(func.sum(t.c.doc["n"].as_integer()))).scalar() == 12
        assert conn.execute(select(t.c.doc["f"].as_float()).where(t.c.id == 1)).scalar() == 2.5
        assert conn.execute(select(t.c.doc["b"].as_boolean()).order_by(t.c.id)).scalars().all() == [True, False]
        assert conn.execute(select(t.c.doc["n"].as_numeric(6, 2)).where(t.c.id == 2)).scalar() == decimal.Decimal("7.00")


def test_json_is_checked_longtext_on_mariadb(metadata: MetaData, engine: Any) -> None:
    Table("myb_jchk", metadata, Column("id", Integer, primary_key=True), Column("doc", JSON))
    metadata.create_all(engine)
    with engine.connect() as conn:
        with pytest.raises(exc.DBAPIError):
            conn.exec_driver_sql("INSERT INTO myb_jchk (id, doc) VALUES (1, 'not json')")
        conn.rollback()


def test_string_needs_length_but_cast_to_char_works(metadata: MetaData, engine: Any) -> None:
    Table("myb_nolen", metadata, Column("id", Integer, primary_key=True), Column("s", String()))
    with pytest.raises(exc.CompileError, match="VARCHAR requires a length on dialect mysql"):
        metadata.create_all(engine)
    with engine.connect() as conn:
        assert conn.execute(select(cast(literal(42), String()))).scalar() == "42"
        assert conn.execute(select(cast(literal("17"), Integer))).scalar() == 17
        assert conn.execute(select(cast(literal("1.25"), Numeric(5, 2)))).scalar() == decimal.Decimal("1.25")


def test_native_enum(metadata: MetaData, engine: Any) -> None:
    t = Table("myb_enum", metadata, Column("id", Integer, primary_key=True), Column("m", ENUM("a", "b")))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1, m="b"))
        assert conn.exec_driver_sql(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = 'myb_enum' AND COLUMN_NAME = 'm'").scalar() == "enum('a','b')"
        assert conn.execute(select(t.c.m)).scalar() == "b"


# -- SQL features ----------------------------------------------------------------------------------------


def test_percent_signs(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple).values(id=1, name="100% sure", n=7))
        conn.execute(insert(simple).values(id=2, name="plain", n=3))
        assert conn.execute(select(simple.c.id).where(simple.c.name.like("%\\%%"))).scalars().all() == [1]
        assert conn.execute(select(simple.c.id).where(simple.c.name.like("%!%%", escape="!"))).scalars().all() == [1]
        assert conn.execute(text("SELECT name FROM myb_simple WHERE name LIKE '100%'")).scalar() == "100% sure"
        assert conn.execute(text("SELECT 7 % 4")).scalar() == 3
        assert conn.execute(select((simple.c.n % 4).label("m")).where(simple.c.id == 1)).scalar() == 3
        assert conn.execute(text("SELECT CONCAT(:a, '%')"), {"a": "x"}).scalar() == "x%"


def test_operators(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple), [{"id": 1, "name": "Alpha", "n": 1}, {"id": 2, "name": "beta", "n": 2},
                                      {"id": 3, "name": None, "n": 3}])
        ids = lambda cond: conn.execute(select(simple.c.id).where(cond).order_by(simple.c.id)).scalars().all()  # noqa: E731
        assert ids(simple.c.name.ilike("ALPHA")) == [1]
        assert ids(simple.c.name.regexp_match("^b")) == [2]
        assert ids(simple.c.name.not_regexp_match("^b")) == [1]
        assert ids(simple.c.name.regexp_match("^A", flags="i")) == [1]
        assert ids((simple.c.name + "!") == "beta!") == [2]
        assert ids(simple.c.n.in_([])) == []
        assert ids(simple.c.n.not_in([])) == [1, 2, 3]
        assert ids(simple.c.n.in_([1, 3])) == [1, 3]
        assert conn.execute(select(literal(True, Boolean), literal(False, Boolean))).one() == (True, False)
        assert conn.execute(select(func.now())).scalar().year >= 2024
        assert conn.execute(select(select(text("1")).scalar_subquery())).scalar() == 1
        assert conn.execute(select(func.count().filter(simple.c.n > 1))).scalar() == 2


def test_extract(engine: Any) -> None:
    from sqlweave.core import extract

    d = dt.datetime(2021, 3, 7, 4, 5, 6)  # a Sunday
    with engine.connect() as conn:
        got = conn.execute(select(extract("year", literal(d)), extract("month", literal(d)), extract("dow", literal(d)),
                                  extract("doy", literal(d)), extract("hour", literal(d)))).one()
    assert tuple(got) == (2021, 3, 0, 66, 4)


def test_limit_offset(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple), [{"id": i, "name": f"n{i}", "n": i} for i in range(1, 11)])
        q = select(simple.c.id).order_by(simple.c.id)
        assert conn.execute(q.limit(3)).scalars().all() == [1, 2, 3]
        assert conn.execute(q.limit(2).offset(4)).scalars().all() == [5, 6]
        assert conn.execute(q.offset(8)).scalars().all() == [9, 10]


def test_cte_and_window_functions(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple), [{"id": i, "name": "a" if i % 2 else "b", "n": i} for i in range(1, 6)])
        c = select(literal(1).label("x")).cte("myb_cnt", recursive=True)
        c = c.union_all(select((c.c.x + 1).label("x")).where(c.c.x < 5))
        assert conn.execute(select(func.sum(c.c.x))).scalar() == 15
        rows = conn.execute(select(simple.c.id, func.row_number().over(partition_by=simple.c.name,
                                                                       order_by=simple.c.id).label("rn"))
                            .order_by(simple.c.id)).all()
        assert [tuple(r) for r in rows] == [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)]
        sub = select(simple.c.name, func.sum(simple.c.n).label("total")).group_by(simple.c.name).cte("myb_tot")
        assert conn.execute(select(sub.c.total).where(sub.c.name == "a")).scalar() == 9


def test_empty_insert_and_executemany_rowcount(metadata: MetaData, engine: Any) -> None:
    t = Table("myb_auto", metadata, Column("id", Integer, primary_key=True), Column("v", Integer, server_default=text("5")))
    metadata.create_all(engine)
    seen: list[str] = []
    sent: list[str] = []
    from sqlweave.core import event

    def capture(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        seen.append(statement)
        if many:
            executed = cursor._executed  # what pymysql sent
            sent.append(executed if isinstance(executed, str) else bytes(executed).decode())

    event.listen(engine, "after_cursor_execute", capture)
    try:
        with engine.begin() as conn:
            r = conn.execute(insert(t))
            assert r.inserted_primary_key == (1,)
            r = conn.execute(insert(t), [{"v": i} for i in range(100)])
            assert r.rowcount == 100
            assert conn.execute(select(func.count()).select_from(t)).scalar() == 101
            assert conn.execute(select(t.c.v).where(t.c.id == 1)).scalar() == 5
    finally:
        event.remove(engine, "after_cursor_execute", capture)
    assert seen[0] == "INSERT INTO myb_auto () VALUES ()"
    # pymysql rewrote the executemany into one multi-row INSERT
    assert sent[0].startswith("INSERT INTO myb_auto (v) VALUES (0),(1),") and sent[0].count("),(") == 99


def test_lastrowid_primary_keys(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        assert conn.execute(insert(simple).values(name="a")).inserted_primary_key == (1,)
        assert conn.execute(insert(simple).values(name="b")).inserted_primary_key == (2,)
        assert conn.execute(insert(simple).values(id=10, name="c")).inserted_primary_key == (10,)


def test_returning(engine: Any, simple: Table) -> None:
    with engine.connect():
        pass
    if not engine.dialect.insert_returning:
        with pytest.raises(exc.CompileError, match="RETURNING is not supported"):
            with engine.connect() as conn:
                conn.execute(insert(simple).values(name="x").returning(simple.c.id))
        return
    with engine.begin() as conn:
        r = conn.execute(insert(simple).values(name="x", n=4).returning(simple.c.id, simple.c.name))
        assert [tuple(row) for row in r] == [(1, "x")]
        r = conn.execute(delete(simple).where(simple.c.id == 1).returning(simple.c.n))
        assert r.scalars().all() == [4]
    with pytest.raises(exc.CompileError, match="for UPDATE"):
        with engine.connect() as conn:
            conn.execute(update(simple).values(n=1).returning(simple.c.id))


def test_same_value_update_counts_matched_rows(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple).values(id=1, name="a", n=5))
        assert conn.execute(update(simple).where(simple.c.id == 1).values(n=5)).rowcount == 1
        assert conn.execute(update(simple).where(simple.c.id == 1).values(n=simple.c.n)).rowcount == 1
        assert conn.execute(update(simple).where(simple.c.id == 99).values(n=5)).rowcount == 0
        r = conn.execute(update(simple).where(simple.c.id == 1), [{"n": 5}, {"n": 6}])
        assert r.rowcount == 2


def test_on_duplicate_key_update(metadata: MetaData, engine: Any) -> None:
    t = Table("myb_upsert", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)),
              Column("hits", Integer, nullable=False))
    metadata.create_all(engine)
    stmt = my_insert(t).values(id=1, name="a", hits=1)
    stmt = stmt.on_duplicate_key_update(name=stmt.inserted.name, hits=t.c.hits + 1)
    with engine.begin() as conn:
        conn.execute(stmt)
        conn.execute(stmt)
        conn.execute(my_insert(t).values(id=1, name="b", hits=1).on_duplicate_key_update(name="c"))
        assert tuple(conn.execute(select(t)).one()) == (1, "c", 2)
        many = my_insert(t)
        many = many.on_duplicate_key_update(hits=many.inserted.hits)
        conn.execute(many, [{"id": 1, "name": "z", "hits": 40}, {"id": 2, "name": "y", "hits": 50}])
        assert [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))] == [(1, "c", 40), (2, "y", 50)]


def test_multi_table_update_and_delete(metadata: MetaData, engine: Any) -> None:
    a = Table("myb_mta", metadata, Column("id", Integer, primary_key=True), Column("name", String(10)),
              Column("n", Integer))
    b = Table("myb_mtb", metadata, Column("id", Integer, primary_key=True), Column("a_id", Integer),
              Column("name", String(10)), Column("n", Integer))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(a), [{"id": i, "name": f"a{i}", "n": 0} for i in (1, 2, 3)])
        conn.execute(insert(b), [{"id": i, "a_id": i, "name": f"b{i}", "n": i * 10} for i in (1, 2)])
        r = conn.execute(update(a).values(n=b.c.n, name=b.c.name).where(a.c.id == b.c.a_id).where(b.c.n > 10))
        assert r.rowcount == 1
        assert [tuple(x) for x in conn.execute(select(a).order_by(a.c.id))] == [(1, "a1", 0), (2, "b2", 20), (3, "a3", 0)]
        r = conn.execute(delete(a).where(a.c.id == b.c.a_id))
        assert r.rowcount == 2
        assert conn.execute(select(a.c.id)).scalars().all() == [3]
        assert conn.execute(select(func.count()).select_from(b)).scalar() == 2


def test_for_update_variants(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple), [{"id": 1, "name": "a", "n": 1}, {"id": 2, "name": "b", "n": 2}])
    other = create_engine(db_url("mysql"))
    try:
        with engine.connect() as c1, other.connect() as c2:
            assert c1.execute(select(simple.c.id).where(simple.c.id == 1).with_for_update()).scalar() == 1
            # the other connection skips the locked row and fails fast with NOWAIT
            assert c2.execute(select(simple.c.id).order_by(simple.c.id).with_for_update(skip_locked=True)).scalars().all() == [2]
            c2.rollback()
            with pytest.raises(exc.OperationalError) as info:
                c2.execute(select(simple.c.id).where(simple.c.id == 1).with_for_update(nowait=True))
            assert not info.value.connection_invalidated
            c2.rollback()
            assert c2.execute(select(simple.c.id).where(simple.c.id == 2).with_for_update(read=True)).scalar() == 2
            c2.rollback()
            c1.rollback()
    finally:
        other.dispose()


# -- transactions ----------------------------------------------------------------------------------------


def test_isolation_levels(engine: Any) -> None:
    eng = create_engine(db_url("mysql"), pool_size=1, max_overflow=0)
    try:
        for level in ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"):
            with eng.connect() as conn:
                conn.execution_options(isolation_level=level)
                assert conn.get_isolation_level() == level
                server = conn.exec_driver_sql("SELECT @@session.tx_isolation").scalar()
                assert server.replace("-", " ") == level
        with eng.connect() as conn:
            assert conn.get_isolation_level() == "REPEATABLE READ"  # reset on return to the pool
        with eng.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            assert conn.get_isolation_level() == "AUTOCOMMIT"
            assert conn.exec_driver_sql("SELECT @@autocommit").scalar() == 1
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT @@autocommit").scalar() == 0
            assert conn.get_isolation_level() == "REPEATABLE READ"
        iso = create_engine(db_url("mysql"), isolation_level="READ COMMITTED")
        try:
            with iso.connect() as conn:
                assert conn.get_isolation_level() == "READ COMMITTED"
        finally:
            iso.dispose()
        with pytest.raises(exc.ArgumentError):
            create_engine(db_url("mysql"), isolation_level="SNAPSHOT")
    finally:
        eng.dispose()


def test_autocommit_writes_are_visible_without_commit(engine: Any, simple: Table) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(insert(simple).values(id=1, name="auto"))
        conn.rollback()  # nothing to roll back: autocommit
    with engine.connect() as conn:
        assert conn.execute(select(simple.c.name)).scalars().all() == ["auto"]


def test_savepoints(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple).values(id=1, name="outer"))
        sp = conn.begin_nested()
        conn.execute(insert(simple).values(id=2, name="inner"))
        sp.rollback()
        with conn.begin_nested():
            conn.execute(insert(simple).values(id=3, name="kept"))
    with engine.connect() as conn:
        assert conn.execute(select(simple.c.id).order_by(simple.c.id)).scalars().all() == [1, 3]


# -- errors ----------------------------------------------------------------------------------------------


def test_deadlock_is_classified(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    other = create_engine(db_url("mysql"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(eng: Any, first: int, second: int) -> None:
        with eng.connect() as conn:
            try:
                conn.execute(update(simple).where(simple.c.id == first).values(n=1))
                barrier.wait(timeout=10)
                conn.execute(update(simple).where(simple.c.id == second).values(n=2))
                conn.commit()
            except exc.DBAPIError as err:
                errors.append(err)
                conn.rollback()

    try:
        threads = [threading.Thread(target=worker, args=(engine, 1, 2)),
                   threading.Thread(target=worker, args=(other, 2, 1))]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        other.dispose()
    assert len(errors) == 1
    assert isinstance(errors[0], exc.DeadlockError)
    assert errors[0].orig.args[0] == 1213  # type: ignore[union-attr]
    assert not errors[0].connection_invalidated


def test_lock_wait_timeout_is_operational_not_disconnect(engine: Any, simple: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(simple).values(id=1, name="a"))
    other = create_engine(db_url("mysql"))
    try:
        with engine.connect() as c1, other.connect() as c2:
            c1.execute(update(simple).where(simple.c.id == 1).values(n=1))
            c2.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1")
            with pytest.raises(exc.OperationalError) as info:
                c2.execute(update(simple).where(simple.c.id == 1).values(n=2))
            assert type(info.value) is exc.OperationalError
            assert info.value.orig.args[0] == 1205  # type: ignore[union-attr]
            assert not info.value.connection_invalidated
            c2.rollback()
            assert c2.execute(select(simple.c.name)).scalar() == "a"  # connection still usable
            c1.rollback()
    finally:
        other.dispose()


def test_statement_timeout_is_query_canceled(engine: Any) -> None:
    with engine.connect() as conn:
        var = "max_statement_time" if engine.dialect.is_mariadb else "max_execution_time"
        value = "0.05" if engine.dialect.is_mariadb else "50"
        conn.exec_driver_sql(f"SET SESSION {var} = {value}")
        try:
            with pytest.raises(exc.QueryCanceledError) as info:
                conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM information_schema.COLUMNS a, information_schema.COLUMNS b, "
                    "information_schema.COLUMNS c")
            assert info.value.orig.args[0] in (1969, 3024)  # type: ignore[union-attr]
            assert not info.value.connection_invalidated
            conn.rollback()
        finally:
            conn.exec_driver_sql(f"SET SESSION {var} = 0")
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1


def test_killed_connection_is_a_disconnect(engine: Any) -> None:
    eng = create_engine(db_url("mysql"), pool_size=1, max_overflow=0)
    try:
        with eng.connect() as conn:
            cid = connection_id(conn.connection.dbapi_connection)
            kill_connection(eng, cid)
            with pytest.raises(exc.DBAPIError) as info:
                conn.exec_driver_sql("SELECT 1")
            assert info.value.connection_invalidated
            assert conn.invalidated
            conn.rollback()
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            assert connection_id(conn.connection.dbapi_connection) != cid
    finally:
        eng.dispose()


def test_error_text_in_user_sql_is_not_a_disconnect(engine: Any) -> None:
    with engine.connect() as conn:
        with pytest.raises(exc.ProgrammingError) as info:
            conn.exec_driver_sql("SELECT 'MySQL server has gone away' FROM myb_no_such_table_2006")
        assert not info.value.connection_invalidated
        conn.rollback()
        with pytest.raises(exc.ProgrammingError) as info:
            conn.exec_driver_sql("SELEC 'Lost connection to MySQL server during query 2013'")
        assert not info.value.connection_invalidated


def test_is_disconnect_codes(engine: Any) -> None:
    import pymysql

    d = engine.dialect
    for code in (2006, 2013, 2014, 2045, 2055, 4031, 1927):
        assert d.is_disconnect(pymysql.err.OperationalError(code, "x"), None, None)
    assert d.is_disconnect(pymysql.err.InterfaceError(0, ""), None, None)
    assert d.is_disconnect(pymysql.err.Error("Already closed"), None, None)
    assert not d.is_disconnect(pymysql.err.ProgrammingError(1064, "near 'MySQL server has gone away'"), None, None)
    assert not d.is_disconnect(pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), None, None)
    # a real closed connection
    raw = d.connect(*d.create_connect_args(engine.url)[0], **d.create_connect_args(engine.url)[1])
    raw.close()
    with pytest.raises(pymysql.err.Error) as info:
        raw.cursor().execute("SELECT 1")
    assert d.is_disconnect(info.value, raw, None)


def test_pre_ping_replaces_killed_connection() -> None:
    eng = create_engine(db_url("mysql"), pool_size=1, max_overflow=0, pool_pre_ping=True)
    try:
        with eng.connect() as conn:
            cid = connection_id(conn.connection.dbapi_connection)
        kill_connection(eng, cid)
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            assert connection_id(conn.connection.dbapi_connection) != cid
    finally:
        eng.dispose()


# -- server-side cursors -----------------------------------------------------------------------------------


def test_server_side_cursor_streams_with_bounded_memory(metadata: MetaData, engine: Any) -> None:
    import pymysql.cursors

    t = Table("myb_stream", metadata, Column("id", Integer, primary_key=True), Column("pad", String(300)))
    metadata.create_all(engine)
    n = 20000
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": i + 1, "pad": "x" * 300} for i in range(n)])

    def consume(**opts: Any) -> tuple[int, int, Any]:
        tracemalloc.start()
        try:
            with engine.connect() as conn:
                result = conn.execution_options(**opts).execute(select(t).order_by(t.c.id))
                cursor_type = type(result.cursor)
                count = 0
                for partition in result.partitions(500):
                    count += len(partition)
                _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return count, peak, cursor_type

    count, streamed_peak, ctype = consume(yield_per=500)
    assert count == n and issubclass(ctype, pymysql.cursors.SSCursor)
    count, _, ctype = consume(stream_results=True)
    assert count == n and issubclass(ctype, pymysql.cursors.SSCursor)
    count, buffered_peak, ctype = consume()
    assert count == n and not issubclass(ctype, pymysql.cursors.SSCursor)
    assert streamed_peak < buffered_peak / 4


# -- reflection ----------------------------------------------------------------------------------------------


def test_reflection(metadata: MetaData, engine: Any) -> None:
    Table("myb_parent", metadata, Column("id", Integer, primary_key=True), Column("code", String(10)),
          UniqueConstraint("code", name="uq_myb_parent_code"))
    child = Table(
        "myb_child", metadata,
        Column("id", Integer, primary_key=True, comment="pk"),
        Column("parent_id", Integer, ForeignKey("myb_parent.id", ondelete="CASCADE", onupdate="SET NULL",
                                                 name="fk_myb_child_parent")),
        Column("name", String(40), nullable=False, server_default="anon"),
        Column("qty", Integer, server_default=text("3")),
        Column("price", Numeric(10, 2)),
        Column("big", mytypes.BIGINT(unsigned=True)),
        Column("flag", Boolean),
        Column("mood", Enum("happy", "sad")),
        Column("doc", JSON),
        Column("created", DateTime),
        Column("body", Text),
        Column("tags", SET("a", "b")),
        CheckConstraint("qty >= 0", name="ck_myb_qty"),
        Index("ix_myb_child_name", "name"),
        Index("ux_myb_child_name_qty", "name", "qty", unique=True),
        comment="child rows",
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE OR REPLACE VIEW myb_view AS SELECT id, name FROM myb_child")
    try:
        insp = inspect(engine)
        assert insp.default_schema_name == engine.url.database
        assert engine.url.database in insp.get_schema_names()
        assert {"myb_parent", "myb_child"} <= set(insp.get_table_names())
        assert "myb_view" in insp.get_view_names() and "myb_view" not in insp.get_table_names()
        assert insp.has_table("myb_child") and not insp.has_table("myb_nope")
        cols = {c["name"]: c for c in insp.get_columns("myb_child")}
        assert list(cols) == [c.name for c in child.columns]
        assert cols["id"]["autoincrement"] and not cols["qty"]["autoincrement"]
        assert cols["id"]["comment"] == "pk"
        assert cols["name"]["nullable"] is False and cols["name"]["default"] == "'anon'"
        assert cols["qty"]["default"] == "3"
        assert cols["price"]["type"].precision == 10 and cols["price"]["type"].scale == 2
        assert isinstance(cols["big"]["type"], mytypes.BIGINT) and cols["big"]["type"].unsigned
        assert isinstance(cols["flag"]["type"], BOOLEAN)
        assert isinstance(cols["mood"]["type"], ENUM) and cols["mood"]["type"].enums == ["happy", "sad"]
        assert isinstance(cols["doc"]["type"], sqltypes.JSON)
        assert isinstance(cols["created"]["type"], mytypes.DATETIME) and cols["created"]["type"].fsp == 6
        assert isinstance(cols["name"]["type"], sqltypes.String) and cols["name"]["type"].length == 40
        assert isinstance(cols["tags"]["type"], SET) and cols["tags"]["type"].values == ("a", "b")
        assert insp.get_pk_constraint("myb_child")["constrained_columns"] == ["id"]
        assert insp.get_foreign_keys("myb_child") == [{
            "name": "fk_myb_child_parent", "constrained_columns": ["parent_id"], "referred_schema": None,
            "referred_table": "myb_parent", "referred_columns": ["id"],
            "options": {"ondelete": "CASCADE", "onupdate": "SET NULL"},
        }]
        ixs = {i["name"]: i for i in insp.get_indexes("myb_child")}
        assert set(ixs) == {"ix_myb_child_name", "ux_myb_child_name_qty"}  # no InnoDB FK index
        assert ixs["ix_myb_child_name"]["column_names"] == ["name"] and not ixs["ix_myb_child_name"]["unique"]
        assert ixs["ux_myb_child_name_qty"]["unique"]
        assert insp.get_unique_constraints("myb_parent") == [{"name": "uq_myb_parent_code", "column_names": ["code"]}]
        checks = insp.get_check_constraints("myb_child")
        assert [c["name"] for c in checks] == ["ck_myb_qty"] and "qty" in checks[0]["sqltext"]
        assert insp.get_table_comment("myb_child") == {"text": "child rows"}
        assert insp.get_table_comment("myb_parent") == {"text": None}
        with pytest.raises(exc.NoSuchTableError):
            insp.get_columns("myb_nope")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP VIEW IF EXISTS myb_view")


def test_reflected_table_round_trips(metadata: MetaData, engine: Any) -> None:
    orig = Table(
        "myb_rt", metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(30), nullable=False),
        Column("amount", Numeric(8, 3)),
        Column("flag", Boolean),
        Column("doc", JSON),
        Column("day", Date),
        Column("at", Time),
        Column("blob", LargeBinary),
        Column("mood", Enum("x", "y")),
        Column("uid", Uuid),
        UniqueConstraint("name", name="uq_myb_rt_name"),
    )
    metadata.create_all(engine)
    reflected = Table("myb_rt", MetaData(), autoload_with=engine)
    assert [c.name for c in reflected.columns] == [c.name for c in orig.columns]
    for o in orig.columns:
        r = reflected.c[o.name]
        assert r.type._type_affinity is o.type._type_affinity or (
            isinstance(o.type, Uuid) and isinstance(r.type, sqltypes.String)), o.name
        assert r.nullable == o.nullable, o.name
        assert r.primary_key == o.primary_key, o.name
    assert reflected.c.name.type.length == 30
    assert reflected.c.amount.type.scale == 3
    assert reflected.c.mood.type.enums == ["x", "y"]
    assert [c.name for c in reflected.primary_key.columns] == ["id"]
    uqs = [c for c in reflected.constraints if isinstance(c, UniqueConstraint)]
    assert [(u.name, [c.name for c in u.columns]) for u in uqs] == [("uq_myb_rt_name", ["name"])]
    assert not reflected.indexes  # the unique index is reported once, as the constraint
    # the reflected definition creates an equivalent table again
    md2 = MetaData()
    reflected.to_metadata(md2, name="myb_rt2")
    try:
        md2.create_all(engine)
        again = inspect(engine).get_columns("myb_rt2")
        assert [(c["name"], type(c["type"]), c["nullable"]) for c in again] == \
            [(c["name"], type(c["type"]), c["nullable"]) for c in inspect(engine).get_columns("myb_rt")]
        assert inspect(engine).get_unique_constraints("myb_rt2") == [{"name": "uq_myb_rt_name", "column_names": ["name"]}]
    finally:
        md2.drop_all(engine)
    # the reflected table works for DML with the same values
    with engine.begin() as conn:
        conn.execute(insert(reflected).values(id=1, name="n", amount=decimal.Decimal("1.5"), flag=True,
                                              doc={"k": 1}, mood="y"))
        row = conn.execute(select(reflected)).one()._mapping
        assert row["flag"] is True and row["doc"] == {"k": 1} and row["amount"] == decimal.Decimal("1.500")
