"""MySQL/MariaDB compiler: exact SQL and parameters, no database needed."""

from __future__ import annotations

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
    delete,
    exc,
    extract,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlweave.core.sql.ddl import CreateIndex, CreateTable, DropIndex
from sqlweave.dialects.mysql import DATETIME, DECIMAL, LONGTEXT, MEDIUMINT, SET, TINYINT
from sqlweave.dialects.mysql import insert as my_insert
from sqlweave.dialects.mysql.base import parse_server_version
from sqlweave.dialects.mysql.pymysql import MariaDBDialect_pymysql, MySQLDialect_pymysql
from sqlweave.dialects.mysql.reflection import parse_column_type


def _dialect(version: tuple[int, ...], mariadb: bool) -> MySQLDialect_pymysql:
    d = MySQLDialect_pymysql()
    d.is_mariadb = mariadb
    d.server_version_info = version
    d._set_version_flags(version)
    return d


maria = _dialect((10, 11, 6), True)
mysql8 = _dialect((8, 0, 36), False)
mysql57 = _dialect((5, 7, 44), False)

md = MetaData()
t = Table("myc_t", md, Column("id", Integer, primary_key=True), Column("name", String(30)),
          Column("data", JSON), Column("x", Integer))
u = Table("myc_u", md, Column("id", Integer, primary_key=True), Column("t_id", ForeignKey("myc_t.id")),
          Column("x", Integer))


def sql(stmt: Any, dialect: Any = maria) -> tuple[str, tuple[Any, ...]]:
    c = stmt.compile(dialect=dialect)
    params = c.params
    procs = c.bind_processors
    return c.string, tuple(procs[n](params[n]) if n in procs else params[n] for n in c.positiontup)


def ddl(element: Any, dialect: Any = maria) -> str:
    return " ".join(str(element.compile(dialect=dialect)).split())


CASES = [
    # quoting
    (select(t.c.id).where(t.c.name == "a"), "SELECT myc_t.id \nFROM myc_t \nWHERE myc_t.name = %s", ("a",)),
    (select(Table("Order", MetaData(), Column("select", Integer)).c.select),
     "SELECT `Order`.`select` \nFROM `Order`", ()),
    (select(Table("we`ird", MetaData(), Column("a", Integer)).c.a),
     "SELECT `we``ird`.a \nFROM `we``ird`", ()),
    # LIMIT / OFFSET
    (select(t.c.id).limit(5), "SELECT myc_t.id \nFROM myc_t \nLIMIT %s", (5,)),
    (select(t.c.id).limit(5).offset(10), "SELECT myc_t.id \nFROM myc_t \nLIMIT %s OFFSET %s", (5, 10)),
    (select(t.c.id).offset(10),
     "SELECT myc_t.id \nFROM myc_t \nLIMIT 18446744073709551615 OFFSET %s", (10,)),
    # operators
    (select(t.c.id).where(t.c.name.ilike("a%")),
     "SELECT myc_t.id \nFROM myc_t \nWHERE lower(myc_t.name) LIKE lower(%s)", ("a%",)),
    (select(t.c.id).where(t.c.name.regexp_match("^a")),
     "SELECT myc_t.id \nFROM myc_t \nWHERE myc_t.name REGEXP %s", ("^a",)),
    (select(t.c.id).where(t.c.name.not_regexp_match("^a")),
     "SELECT myc_t.id \nFROM myc_t \nWHERE myc_t.name NOT REGEXP %s", ("^a",)),
    (select(t.c.id).where(t.c.name.regexp_match("^a", flags="i")),
     "SELECT myc_t.id \nFROM myc_t \nWHERE myc_t.name REGEXP concat('(?i)', %s)", ("^a",)),
    (select((t.c.name + "x").label("v")), "SELECT concat(myc_t.name, %s) AS v \nFROM myc_t", ("x",)),
    (select((t.c.x % 3).label("v")), "SELECT myc_t.x %% %s AS v \nFROM myc_t", (3,)),
    (select(literal(True, Boolean).label("v")), "SELECT %s AS v", (1,)),
    (select(t.c.id).where(t.c.x.is_(None) | (t.c.id > 1)),
     "SELECT myc_t.id \nFROM myc_t \nWHERE myc_t.x IS NULL OR myc_t.id > %s", (1,)),
    (select(func.now()), "SELECT now() AS now", ()),
    (select(extract("year", t.c.name).label("y")), "SELECT EXTRACT(YEAR FROM myc_t.name) AS y \nFROM myc_t", ()),
    (select(extract("dow", t.c.name).label("y")), "SELECT (DAYOFWEEK(myc_t.name) - 1) AS y \nFROM myc_t", ()),
    (select(cast(t.c.x, String()).label("v")), "SELECT CAST(myc_t.x AS CHAR) AS v \nFROM myc_t", ()),
    (select(cast(t.c.name, Integer).label("v")), "SELECT CAST(myc_t.name AS SIGNED) AS v \nFROM myc_t", ()),
    (select(cast(t.c.name, Numeric(10, 2)).label("v")),
     "SELECT CAST(myc_t.name AS DECIMAL(10, 2)) AS v \nFROM myc_t", ()),
    (select(func.count().filter(t.c.x > 1).label("n")),
     "SELECT count(CASE WHEN myc_t.x > %s THEN 1 END) AS n \nFROM myc_t", (1,)),
    (text("SELECT '100%'"), "SELECT '100%%'", ()),
    # JSON
    (select(t.c.data["a"].label("v")), "SELECT JSON_EXTRACT(myc_t.data, %s) AS v \nFROM myc_t", ('$."a"',)),
    (select(t.c.data["a"].as_string().label("v")),
     "SELECT JSON_UNQUOTE(JSON_EXTRACT(myc_t.data, %s)) AS v \nFROM myc_t", ('$."a"',)),
    (select(t.c.data["n"].as_integer().label("v")),
     "SELECT CAST(JSON_EXTRACT(myc_t.data, %s) AS SIGNED) AS v \nFROM myc_t", ('$."n"',)),
    (select(t.c.data["n"].as_float().label("v")),
     "SELECT CAST(JSON_EXTRACT(myc_t.data, %s) AS DOUBLE) AS v \nFROM myc_t", ('$."n"',)),
    (select(t.c.data[("a", 0, "b")].label("v")),
     "SELECT JSON_EXTRACT(myc_t.data, %s) AS v \nFROM myc_t", ('$."a"[0]."b"',)),
    (select(t.c.data[0].label("v")), "SELECT JSON_EXTRACT(myc_t.data, %s) AS v \nFROM myc_t", ("$[0]",)),
    # locking
    (select(t.c.id).with_for_update(), "SELECT myc_t.id \nFROM myc_t FOR UPDATE", ()),
    (select(t.c.id).with_for_update(read=True), "SELECT myc_t.id \nFROM myc_t LOCK IN SHARE MODE", ()),
    (select(t.c.id).with_for_update(nowait=True), "SELECT myc_t.id \nFROM myc_t FOR UPDATE NOWAIT", ()),
    (select(t.c.id).with_for_update(skip_locked=True), "SELECT myc_t.id \nFROM myc_t FOR UPDATE SKIP LOCKED", ()),
    (select(t.c.id).with_for_update(of=t), "SELECT myc_t.id \nFROM myc_t FOR UPDATE", ()),
    # DML
    (insert(t).values(name="a"), "INSERT INTO myc_t (name) VALUES (%s)", ("a",)),
    (insert(t), "INSERT INTO myc_t () VALUES ()", ()),
    (insert(t).values(name="a").returning(t.c.id), "INSERT INTO myc_t (name) VALUES (%s) RETURNING id", ("a",)),
    (delete(t).where(t.c.id == 1).returning(t.c.name),
     "DELETE FROM myc_t WHERE myc_t.id = %s RETURNING name", (1,)),
    (update(t).values(name="b").where(t.c.id == 2), "UPDATE myc_t SET name=%s WHERE myc_t.id = %s", ("b", 2)),
    (update(t).values(name="b").where(t.c.id == u.c.t_id).where(u.c.x == 3),
     "UPDATE myc_t, myc_u SET myc_t.name=%s WHERE myc_t.id = myc_u.t_id AND myc_u.x = %s", ("b", 3)),
    (update(t).values(x=u.c.x).where(t.c.id == u.c.t_id),
     "UPDATE myc_t, myc_u SET myc_t.x=myc_u.x WHERE myc_t.id = myc_u.t_id", ()),
    (delete(t).where(t.c.id == u.c.t_id).where(u.c.x == 3),
     "DELETE FROM myc_t USING myc_t, myc_u WHERE myc_t.id = myc_u.t_id AND myc_u.x = %s", (3,)),
]


@pytest.mark.parametrize("stmt, expected, params", CASES)
def test_compile(stmt: Any, expected: str, params: tuple[Any, ...]) -> None:
    assert sql(stmt) == (expected, params)


def test_mysql8_differences() -> None:
    assert sql(select(t.c.id).where(t.c.name.regexp_match("^a", flags="i")), mysql8) == (
        "SELECT myc_t.id \nFROM myc_t \nWHERE REGEXP_LIKE(myc_t.name, %s, 'i')", ("^a",))
    assert sql(select(t.c.id).with_for_update(read=True, of=t), mysql8)[0] == \
        "SELECT myc_t.id \nFROM myc_t FOR SHARE OF myc_t"
    assert sql(select(t.c.id).with_for_update(read=True), mysql57)[0] == \
        "SELECT myc_t.id \nFROM myc_t LOCK IN SHARE MODE"
    assert sql(select(cast(t.c.name, JSON).label("v")), mysql8)[0] == "SELECT CAST(myc_t.name AS JSON) AS v \nFROM myc_t"
    assert sql(select(cast(t.c.name, JSON).label("v")), maria)[0] == "SELECT myc_t.name AS v \nFROM myc_t"


@pytest.mark.parametrize("d", [mysql8, mysql57], ids=["mysql8", "mysql57"])
def test_returning_unsupported_on_mysql(d: Any) -> None:
    with pytest.raises(exc.CompileError, match="RETURNING is not supported by the mysql dialect"):
        sql(insert(t).values(name="a").returning(t.c.id), d)
    with pytest.raises(exc.CompileError, match="RETURNING is not supported"):
        sql(delete(t).returning(t.c.id), d)


def test_update_returning_unsupported_on_mariadb() -> None:
    with pytest.raises(exc.CompileError, match="RETURNING is not supported by the mysql dialect at server version 10.11.6 for UPDATE"):
        sql(update(t).values(x=1).returning(t.c.id))
    assert maria.insert_returning and maria.delete_returning and not maria.update_returning
    old = _dialect((10, 4, 30), True)
    assert not old.insert_returning


def test_unsupported_constructs() -> None:
    with pytest.raises(exc.CompileError, match="DISTINCT ON"):
        sql(select(t.c.name).distinct(t.c.x))
    with pytest.raises(exc.CompileError, match="FULL OUTER JOIN"):
        sql(select(t.c.id).select_from(t.outerjoin(u, t.c.id == u.c.t_id, full=True)))


def test_on_duplicate_key_update() -> None:
    stmt = my_insert(t).values(id=1, name="a")
    up = stmt.on_duplicate_key_update(name=stmt.inserted.name, x=t.c.x + 1)
    assert sql(up) == (
        "INSERT INTO myc_t (id, name) VALUES (%s, %s) ON DUPLICATE KEY UPDATE name = VALUES(name), "
        "x = myc_t.x + %s", (1, "a", 1))
    assert sql(up, mysql8) == (
        "INSERT INTO myc_t (id, name) VALUES (%s, %s) AS new ON DUPLICATE KEY UPDATE name = new.name, "
        "x = myc_t.x + %s", (1, "a", 1))
    assert sql(up, mysql57)[0].endswith("ON DUPLICATE KEY UPDATE name = VALUES(name), x = myc_t.x + %s")
    ordered = my_insert(t).values(id=1).on_duplicate_key_update([("x", 5), ("name", "z")])
    assert sql(ordered) == ("INSERT INTO myc_t (id) VALUES (%s) ON DUPLICATE KEY UPDATE x = %s, name = %s", (1, 5, "z"))
    with pytest.raises(exc.ArgumentError):
        my_insert(t).on_duplicate_key_update()
    with pytest.raises(exc.ArgumentError, match="no column 'nope'"):
        my_insert(t).on_duplicate_key_update(nope=1)


def test_literal_binds_escape_backslashes() -> None:
    c = select(literal("a'b\\c")).compile(dialect=maria, compile_kwargs={"literal_binds": True})
    assert c.string == "SELECT 'a''b\\\\c' AS anon"


def test_ddl_create_table() -> None:
    m = MetaData()
    tbl = Table(
        "myc_ddl", m,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False, comment="the name"),
        Column("flag", Boolean),
        Column("amount", Numeric(10, 2)),
        Column("ratio", Float),
        Column("created", DateTime),
        Column("day", Date),
        Column("at", Time),
        Column("span", Interval),
        Column("blob", LargeBinary),
        Column("big", LargeBinary(100000)),
        Column("doc", JSON),
        Column("uid", Uuid),
        Column("mood", Enum("happy", "sad")),
        Column("body", Text),
        Column("tiny", TINYINT(unsigned=True)),
        Column("med", MEDIUMINT),
        Column("long", LONGTEXT),
        Column("tags", SET("a", "b")),
        Column("precise", DATETIME(fsp=3)),
        Column("price", DECIMAL(8, 2, unsigned=True)),
        Column("u_id", ForeignKey("myc_ddl.id", ondelete="CASCADE")),
        UniqueConstraint("name", name="uq_myc_ddl_name"),
        CheckConstraint("amount > 0", name="ck_myc_amount"),
        comment="a table",
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    assert ddl(CreateTable(tbl)) == (
        "CREATE TABLE myc_ddl ( id INTEGER NOT NULL AUTO_INCREMENT, name VARCHAR(40) NOT NULL COMMENT 'the name', "
        "flag BOOL, amount NUMERIC(10, 2), ratio FLOAT, created DATETIME(6), day DATE, at TIME(6), "
        "span DATETIME(6), `blob` BLOB, big MEDIUMBLOB, doc JSON, uid CHAR(32), mood ENUM('happy', 'sad'), "
        "body TEXT, tiny TINYINT UNSIGNED, med MEDIUMINT, `long` LONGTEXT, tags SET('a', 'b'), "
        "precise DATETIME(3), price DECIMAL(8, 2) UNSIGNED, u_id INTEGER, PRIMARY KEY (id), "
        "CONSTRAINT ck_myc_amount CHECK (amount > 0), "
        "FOREIGN KEY(u_id) REFERENCES myc_ddl (id) ON DELETE CASCADE, "
        "CONSTRAINT uq_myc_ddl_name UNIQUE (name) "
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='a table'"
    )


def test_ddl_varchar_needs_length() -> None:
    tbl = Table("myc_nolen", MetaData(), Column("id", Integer, primary_key=True), Column("s", String()))
    with pytest.raises(exc.CompileError, match="VARCHAR requires a length on dialect mysql"):
        ddl(CreateTable(tbl))


def test_ddl_table_options_validated() -> None:
    tbl = Table("myc_opt", MetaData(), Column("id", Integer, primary_key=True), mysql_engine="MyISAM",
                mysql_row_format="DYNAMIC")
    assert ddl(CreateTable(tbl)).endswith(") ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC")
    bad = Table("myc_bad", MetaData(), Column("id", Integer, primary_key=True), mysql_engine="InnoDB; DROP")
    with pytest.raises(exc.ArgumentError, match="Invalid value"):
        ddl(CreateTable(bad))
    unknown = Table("myc_unk", MetaData(), Column("id", Integer, primary_key=True), mysql_bogus="x")
    with pytest.raises(exc.ArgumentError, match="Unknown MySQL table option"):
        ddl(CreateTable(unknown))


def test_ddl_index() -> None:
    ix = Index("ix_myc_name", t.c.name)
    assert ddl(CreateIndex(ix)) == "CREATE INDEX ix_myc_name ON myc_t (name)"
    assert ddl(DropIndex(ix)) == "DROP INDEX ix_myc_name ON myc_t"


def test_native_enum_off_is_varchar() -> None:
    tbl = Table("myc_en", MetaData(), Column("m", Enum("a", "bbb", native_enum=False)))
    assert ddl(CreateTable(tbl)) == "CREATE TABLE myc_en ( m VARCHAR(3) ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"


def test_server_version_parsing() -> None:
    assert parse_server_version("10.11.6-MariaDB-0+deb12u1") == ((10, 11, 6), True)
    assert parse_server_version("5.5.5-10.4.32-MariaDB-log") == ((10, 4, 32), True)
    assert parse_server_version("8.0.36") == ((8, 0, 36), False)
    assert parse_server_version("8.4.0-commercial") == ((8, 4, 0), False)


@pytest.mark.parametrize("text_, cls, attrs", [
    ("int(11)", "INTEGER", {"display_width": 11, "unsigned": False}),
    ("int unsigned", "INTEGER", {"unsigned": True}),
    ("bigint(20) unsigned", "BIGINT", {"unsigned": True}),
    ("tinyint(1)", "BOOLEAN", {}),
    ("tinyint(4)", "TINYINT", {"display_width": 4}),
    ("varchar(50)", "VARCHAR", {"length": 50}),
    ("decimal(10,2) unsigned", "DECIMAL", {"precision": 10, "scale": 2, "unsigned": True}),
    ("enum('a','b''x')", "ENUM", {"enums": ["a", "b'x"]}),
    ("set('r','w')", "SET", {"values": ("r", "w")}),
    ("datetime(6)", "DATETIME", {"fsp": 6}),
    ("time", "TIME", {"fsp": None}),
    ("longtext", "LONGTEXT", {}),
    ("json", "JSON", {}),
    ("geometry", "NullType", {}),
])
def test_parse_column_type(text_: str, cls: str, attrs: dict[str, Any]) -> None:
    typ = parse_column_type(text_)
    assert type(typ).__name__ == cls
    for k, v in attrs.items():
        assert getattr(typ, k) == v


def test_connect_args_from_url() -> None:
    from pymysql.constants import CLIENT

    from sqlweave.core.engine.url import make_url

    d = MySQLDialect_pymysql()
    args, kw = d.create_connect_args(make_url(
        "mysql+pymysql://scott:tiger@db.example:3307/shop?unix_socket=/run/mysqld.sock&ssl_ca=/ca.pem"
        "&ssl_verify_cert=true&ssl_check_hostname=false&connect_timeout=5"))
    assert args == []
    assert kw == {
        "host": "db.example", "port": 3307, "user": "scott", "password": "tiger", "database": "shop",
        "unix_socket": "/run/mysqld.sock", "ssl_ca": "/ca.pem", "ssl_verify_cert": True,
        "ssl": {"check_hostname": False}, "connect_timeout": 5, "charset": "utf8mb4",
        "binary_prefix": True, "client_flag": CLIENT.FOUND_ROWS,
    }
    _, kw = d.create_connect_args(make_url("mysql+pymysql://root@localhost/test?charset=latin1"))
    assert kw["charset"] == "latin1"
    with pytest.raises(exc.ArgumentError, match="Unknown MySQL URL option"):
        d.create_connect_args(make_url("mysql+pymysql://root@localhost/test?bogus=1"))


def test_mariadb_dialect_is_forced() -> None:
    d = MariaDBDialect_pymysql()
    assert d.is_mariadb and d.name == "mariadb"
    assert not MySQLDialect_pymysql().is_mariadb


def test_plugin_registration_does_not_import_driver() -> None:
    import importlib
    import sys

    sys.modules.pop("sqlweave.dialects.mysql.plugin", None)
    before = "pymysql" in sys.modules
    importlib.import_module("sqlweave.dialects.mysql.plugin")
    # the plugin module names classes as strings only
    assert ("pymysql" in sys.modules) == before
    from sqlweave.core.plugins import registry as _registry  # noqa: F401


def test_is_distinct_from_uses_null_safe_equality() -> None:
    assert sql(select(t.c.id).where(t.c.x.is_distinct_from(3))) == (
        "SELECT myc_t.id \nFROM myc_t \nWHERE NOT (myc_t.x <=> %s)", (3,))
    assert sql(select(t.c.id).where(t.c.x.is_not_distinct_from(None)))[0].endswith("WHERE myc_t.x <=> NULL")


def test_values_as_union_all() -> None:
    from sqlweave.core import column, values

    v = values(column("k", Integer), column("label", String(10)), name="v").data([(1, "one"), (2, "two")])
    assert sql(select(v.c.label).select_from(v)) == (
        "SELECT v.label \nFROM (SELECT %s AS k, %s AS label UNION ALL SELECT %s, %s) AS v", (1, "one", 2, "two"))


def test_cte_in_insert_from_select_and_dml() -> None:
    c = select(t.c.id, t.c.name).where(t.c.id == 3).cte("src")
    stmt = insert(u).from_select(["id", "x"], select(c.c.id, c.c.id))
    assert sql(stmt) == (
        "INSERT INTO myc_u (id, x) WITH src AS \n(SELECT myc_t.id, myc_t.name \nFROM myc_t \nWHERE myc_t.id = %s) "
        "SELECT src.id, src.id AS id_1 \nFROM src", (3,))
    c2 = select(t.c.id).cte("c2")
    upd = update(u).values(x=1).where(u.c.id.in_(select(c2.c.id)))
    with pytest.raises(exc.CompileError, match="WITH before UPDATE is not supported by MariaDB"):
        sql(upd)
    assert sql(upd, mysql8)[0].startswith("WITH c2 AS")


def test_expression_index_needs_mysql8() -> None:
    ix = Index("ix_myc_lower", func.lower(t.c.name))
    with pytest.raises(exc.CompileError, match="Indexes on expressions need MySQL 8.0.13"):
        ddl(CreateIndex(ix))
    assert ddl(CreateIndex(ix), mysql8) == "CREATE INDEX ix_myc_lower ON myc_t ((lower(name)))"
