"""PostgreSQL compiler: exact SQL and parameters, no database needed."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    Uuid,
    delete,
    exc,
    extract,
    func,
    literal,
    select,
    text,
    update,
)
from sqlweave.core import types as sqltypes
from sqlweave.core.sql.ddl import CreateSequence, CreateTable
from sqlweave.dialects.postgresql import ARRAY, ENUM, INTERVAL, JSONB, insert
from sqlweave.dialects.postgresql.psycopg2 import PGDialect_psycopg2, _split_values

dialect = PGDialect_psycopg2()
md = MetaData()
t = Table("pgc_t", md, Column("id", Integer, primary_key=True), Column("name", String(30)),
          Column("data", JSON), Column("tags", ARRAY(Integer)), Column("x", Integer))
u = Table("pgc_u", md, Column("id", Integer, primary_key=True), Column("t_id", ForeignKey("pgc_t.id")),
          Column("v", Integer))


def sql(stmt: Any) -> tuple[str, tuple[Any, ...]]:
    c = stmt.compile(dialect=dialect)
    params = c.params
    return c.string, tuple(params[n] for n in c.positiontup)


def ddl(element: Any) -> str:
    return " ".join(str(element.compile(dialect=dialect)).split())


CASES = [
    (select(t.c.id).where(t.c.name.ilike("a%")),
     "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name ILIKE %s", ("a%",)),
    (select(t.c.id).where(t.c.name.not_ilike("a")),
     "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name NOT ILIKE %s", ("a",)),
    (select(t.c.id).where(t.c.name.regexp_match("^a")),
     "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name ~ %s", ("^a",)),
    (select(t.c.id).where(t.c.name.regexp_match("^a", flags="i")),
     "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name ~* %s", ("^a",)),
    (select(t.c.id).where(t.c.name.not_regexp_match("^a")),
     "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name !~ %s", ("^a",)),
    (select(t.c.data["a"].label("v")), "SELECT pgc_t.data -> %s AS v \nFROM pgc_t", ("a",)),
    (select(t.c.data["a"].as_string().label("v")), "SELECT pgc_t.data ->> %s AS v \nFROM pgc_t", ("a",)),
    (select(t.c.data["n"].as_integer().label("v")),
     "SELECT CAST(pgc_t.data ->> %s AS INTEGER) AS v \nFROM pgc_t", ("n",)),
    (select(t.c.data[("a", 0, "b")].label("v")), "SELECT pgc_t.data #> %s AS v \nFROM pgc_t", (["a", 0, "b"],)),
    (select(t.c.data[("a", 1)].as_string().label("v")),
     "SELECT pgc_t.data #>> %s AS v \nFROM pgc_t", (["a", 1],)),
    (select(t.c.tags[1].label("v")), "SELECT pgc_t.tags[%s] AS v \nFROM pgc_t", (1,)),
    (select(t.c.tags[1:2].label("v")), "SELECT pgc_t.tags[%s:%s] AS v \nFROM pgc_t", (1, 2)),
    (select(t.c.name).distinct(t.c.x),
     "SELECT DISTINCT ON (pgc_t.x) pgc_t.name \nFROM pgc_t", ()),
    (select(t.c.id).with_for_update(), "SELECT pgc_t.id \nFROM pgc_t FOR UPDATE", ()),
    (select(t.c.id).with_for_update(nowait=True, of=t), "SELECT pgc_t.id \nFROM pgc_t FOR UPDATE OF pgc_t NOWAIT", ()),
    (select(t.c.id).with_for_update(skip_locked=True, read=True), "SELECT pgc_t.id \nFROM pgc_t FOR SHARE SKIP LOCKED", ()),
    (select(t.c.id).with_for_update(key_share=True), "SELECT pgc_t.id \nFROM pgc_t FOR NO KEY UPDATE", ()),
    (select(t.c.id).with_for_update(key_share=True, read=True), "SELECT pgc_t.id \nFROM pgc_t FOR KEY SHARE", ()),
    (select(func.count().filter(t.c.x > 1).label("v")),
     "SELECT count(*) FILTER (WHERE pgc_t.x > %s) AS v \nFROM pgc_t", (1,)),
    (select((t.c.name + "x").label("v")), "SELECT pgc_t.name || %s AS v \nFROM pgc_t", ("x",)),
    (select((t.c.x % 3).label("v")), "SELECT pgc_t.x %% %s AS v \nFROM pgc_t", (3,)),
    (select(func.now().label("v")), "SELECT now() AS v", ()),
    (select(extract("year", func.now()).label("v")), "SELECT EXTRACT(YEAR FROM now()) AS v", ()),
    (select(t.c.id).limit(5).offset(10), "SELECT pgc_t.id \nFROM pgc_t \nLIMIT %s OFFSET %s", (5, 10)),
    (select(t.c.id).offset(10), "SELECT pgc_t.id \nFROM pgc_t OFFSET %s", (10,)),
    (select(t.c.id, u.c.v).select_from(t.join(u, t.c.id == u.c.t_id, full=True)),
     "SELECT pgc_t.id, pgc_u.v \nFROM pgc_t FULL OUTER JOIN pgc_u ON pgc_t.id = pgc_u.t_id", ()),
    (update(t).values(x=u.c.v).where(t.c.id == u.c.t_id),
     "UPDATE pgc_t SET x=pgc_u.v FROM pgc_u WHERE pgc_t.id = pgc_u.t_id", ()),
    (delete(t).where(t.c.id == u.c.t_id).returning(t.c.id),
     "DELETE FROM pgc_t USING pgc_u WHERE pgc_t.id = pgc_u.t_id RETURNING id", ()),
    (insert(t).values(id=1, name="a").on_conflict_do_nothing(index_elements=["id"]),
     "INSERT INTO pgc_t (id, name) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING", (1, "a")),
    (insert(t).values(id=1, name="a").on_conflict_do_update(constraint="pgc_t_pkey", set_={"name": "b"}),
     "INSERT INTO pgc_t (id, name) VALUES (%s, %s) ON CONFLICT ON CONSTRAINT pgc_t_pkey DO UPDATE SET name = %s",
     (1, "a", "b")),
    (insert(t).values(name="a"), "INSERT INTO pgc_t (name) VALUES (%s) RETURNING id", ("a",)),
    (insert(t).values(name="a").returning(t.c.id, t.c.name),
     "INSERT INTO pgc_t (name) VALUES (%s) RETURNING id, name", ("a",)),
    (select(Sequence("pgc_seq").next_value().label("v")), "SELECT nextval('pgc_seq') AS v", ()),
]


@pytest.mark.parametrize("stmt, expected, params", CASES)
def test_compile(stmt: Any, expected: str, params: Any) -> None:
    got, got_params = sql(stmt)
    assert got == expected
    if params is not None:
        assert got_params == params


def test_text_percent_and_cast_survive() -> None:
    got, params = sql(text("SELECT '100%'::text, CAST(:x AS int)").bindparams(x=5))
    assert got == "SELECT '100%%'::text, CAST(%s AS int)"
    assert params == (5,)


def test_regexp_other_flags_inline() -> None:
    got, params = sql(select(t.c.id).where(t.c.name.regexp_match("a.b", flags="s")))
    assert got.endswith("WHERE pgc_t.name ~ CONCAT('(?', 's', ')', %s)")
    assert params == ("a.b",)


def test_create_table_serial_identity_types() -> None:
    m = MetaData()
    kinds = ENUM("a", "b", name="pgc_kind")
    tbl = Table(
        "pgc_all", m,
        Column("id", Integer, primary_key=True),
        Column("ident", Integer, Identity(start=5, increment=2)),
        Column("name", String),
        Column("ts", DateTime(timezone=True)),
        Column("plain_ts", DateTime),
        Column("flag", Boolean),
        Column("blob", LargeBinary),
        Column("doc", JSONB),
        Column("uid", Uuid),
        Column("kind", kinds),
        Column("strs", ARRAY(String(10))),
        Column("span", INTERVAL()),
        Column("amount", Numeric(10, 2)),
    )
    assert ddl(CreateTable(tbl)) == (
        "CREATE TABLE pgc_all ( id SERIAL NOT NULL, ident INTEGER GENERATED BY DEFAULT AS IDENTITY "
        "(START WITH 5 INCREMENT BY 2), name VARCHAR, ts TIMESTAMP WITH TIME ZONE, "
        "plain_ts TIMESTAMP WITHOUT TIME ZONE, flag BOOLEAN, blob BYTEA, doc JSONB, uid UUID, "
        "kind pgc_kind, strs VARCHAR(10)[], span INTERVAL, amount NUMERIC(10, 2), PRIMARY KEY (id) )"
    )


def test_bigserial_and_sequence_pk() -> None:
    m = MetaData()
    a = Table("pgc_big", m, Column("id", sqltypes.BigInteger, primary_key=True))
    b = Table("pgc_seqpk", m, Column("id", Integer, Sequence("pgc_s", start=10, cache=5), primary_key=True))
    assert ddl(CreateTable(a)) == "CREATE TABLE pgc_big ( id BIGSERIAL NOT NULL, PRIMARY KEY (id) )"
    assert ddl(CreateTable(b)) == "CREATE TABLE pgc_seqpk ( id INTEGER NOT NULL, PRIMARY KEY (id) )"
    assert ddl(CreateSequence(b.c.id.default)) == "CREATE SEQUENCE pgc_s START WITH 10 CACHE 5"
    got, params = sql(insert(b).values())
    assert got == "INSERT INTO pgc_seqpk (id) VALUES (nextval('pgc_s')) RETURNING id"


def test_enum_without_name_is_an_error() -> None:
    m = MetaData()
    tbl = Table("pgc_e", m, Column("id", Integer, primary_key=True), Column("k", Enum("x", "y")))
    with pytest.raises(exc.CompileError, match="requires a name"):
        ddl(CreateTable(tbl))


def test_non_native_enum_is_varchar_with_check() -> None:
    m = MetaData()
    tbl = Table("pgc_e2", m, Column("id", Integer, primary_key=True),
                Column("k", Enum("x", "yy", native_enum=False, create_constraint=True)))
    assert ddl(CreateTable(tbl)) == (
        "CREATE TABLE pgc_e2 ( id SERIAL NOT NULL, k VARCHAR(2), PRIMARY KEY (id), CHECK (k IN ('x', 'yy')) )"
    )


def test_array_of_enum_bind_is_cast() -> None:
    m = MetaData()
    kinds = ENUM("a", "b", name="pgc_kind")
    tbl = Table("pgc_ae", m, Column("id", Integer, primary_key=True), Column("ks", ARRAY(kinds)))
    got, params = sql(insert(tbl).values(id=1, ks=["a"]))
    assert got == "INSERT INTO pgc_ae (id, ks) VALUES (%s, %s::pgc_kind[])"
    assert params == (1, ["a"])


def test_literal_binds_and_text_types() -> None:
    c = select(t.c.id).where(t.c.name == literal("o'k")).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True})
    assert c.string == "SELECT pgc_t.id \nFROM pgc_t \nWHERE pgc_t.name = 'o''k'"
    assert ddl(CreateTable(Table("pgc_txt", MetaData(), Column("a", Text)))) == "CREATE TABLE pgc_txt ( a TEXT )"


def test_split_values_for_execute_values() -> None:
    assert _split_values("INSERT INTO t (a, b) VALUES (%s, lower(%s)) RETURNING t.a") == (
        "INSERT INTO t (a, b) VALUES ", "(%s, lower(%s))", " RETURNING t.a")
    assert _split_values("INSERT INTO t (a) VALUES (%s) ON CONFLICT (a) DO UPDATE SET a = %s") is None
    assert _split_values("INSERT INTO t (a) VALUES (')(', %s)") == ("INSERT INTO t (a) VALUES ", "(')(', %s)", "")
    assert _split_values("INSERT INTO t (a) SELECT 1") is None


def test_url_connect_args() -> None:
    from sqlweave.core.engine.url import make_url

    d = PGDialect_psycopg2()
    args, kw = d.create_connect_args(make_url("postgresql+psycopg2://u:p%40ss@h:5433/db?sslmode=require"))
    assert (args, kw) == ([], {"host": "h", "port": 5433, "user": "u", "password": "p@ss", "dbname": "db",
                               "sslmode": "require"})
    args, kw = d.create_connect_args(make_url("postgresql:///db?host=/var/run/postgresql"))
    assert kw == {"dbname": "db", "host": "/var/run/postgresql"}
    d.create_connect_args(make_url("postgresql://h/db?executemany_mode=values_plus_batch"))
    assert d.executemany_mode == "values_plus_batch" and d.supports_sane_multi_rowcount is False


def test_plugin_module_does_not_import_driver() -> None:
    import subprocess
    import sys

    code = ("import sys, sqlweave.dialects.postgresql.plugin, sqlweave.dialects.postgresql; "
            "print('psycopg2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_json_path_bind_renders_pg_array_literal() -> None:
    c = select(t.c.data[("a", 0, "b")].label("v")).compile(dialect=dialect)
    (name,) = c.positiontup
    assert c.bind_processors[name](["a", 0, "b"]) == "{a,0,b}"
