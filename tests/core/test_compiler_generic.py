"""Compiler string tests: (construct, expected SQL, expected params) for the generic ``str()``
compiler and the SQLite dialect. Every shape here is also executed in test_sql_constructs.py."""

from __future__ import annotations

from collections.abc import Callable
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
    column,
    delete,
    exc,
    except_,
    exists,
    false,
    func,
    insert,
    intersect,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
    type_coerce,
    union,
    union_all,
    update,
)
from sqlweave.core.sql.selectable import values
from sqlweave.dialects.sqlite.base import SQLiteDialect

md = MetaData()
users = Table("users", md, Column("id", Integer, primary_key=True), Column("name", String(50)),
              Column("age", Integer, default=18))
addr = Table("addresses", md, Column("id", Integer, primary_key=True),
             Column("user_id", ForeignKey("users.id")), Column("email", String(100)))
u, a = users.c, addr.c


def _recursive() -> Any:
    c = select(literal(1).label("n")).cte("cnt", recursive=True)
    c = c.union_all(select(c.c.n + 1).where(c.c.n < 5))
    return select(c.c.n)


def _two_ctes() -> Any:
    c1 = select(u.id).cte("c1")
    c2 = select(c1.c.id).where(c1.c.id > 1).cte("c2")
    return select(c1.c.id, c2.c.id).where(c1.c.id == c2.c.id)


def _lateral() -> Any:
    lat = select(a.email).where(a.user_id == u.id).lateral("l")
    return select(u.name, lat.c.email).select_from(users.join(lat, true()))


CASES: list[tuple[str, Callable[[], Any], str, dict[str, Any]]] = [
    ("join_from", lambda: select(u.name, a.email).join_from(users, addr),
     "SELECT users.name, addresses.email \nFROM users JOIN addresses ON users.id = addresses.user_id", {}),
    ("select_from_join", lambda: select(u.name).select_from(users).join(addr),
     "SELECT users.name \nFROM users JOIN addresses ON users.id = addresses.user_id", {}),
    ("outerjoin", lambda: select(u.id).outerjoin(addr),
     "SELECT users.id \nFROM users LEFT OUTER JOIN addresses ON users.id = addresses.user_id", {}),
    ("full", lambda: select(u.id).join(addr, full=True),
     "SELECT users.id \nFROM users FULL OUTER JOIN addresses ON users.id = addresses.user_id", {}),
    ("explicit_on", lambda: select(u.id).join(addr, a.email == u.name),
     "SELECT users.id \nFROM users JOIN addresses ON addresses.email = users.name", {}),
    ("alias", lambda: (lambda x: select(x.c.id).where(x.c.name == "x"))(users.alias("u")),
     "SELECT u.id \nFROM users AS u \nWHERE u.name = :name_1", {"name_1": "x"}),
    ("subquery_from",
     lambda: (lambda sq: select(sq.c.name).where(sq.c.id > 1))(
         select(u.id, u.name).where(u.age > 3).subquery("sq")),
     "SELECT sq.name \nFROM (SELECT users.id, users.name \nFROM users \nWHERE users.age > :age_1) AS sq "
     "\nWHERE sq.id > :id_1", {"age_1": 3, "id_1": 1}),
    ("scalar_correlated",
     lambda: select(u.name, select(func.count(a.id)).where(a.user_id == u.id).scalar_subquery().label("n")),
     "SELECT users.name, (SELECT count(addresses.id) AS count \nFROM addresses \n"
     "WHERE addresses.user_id = users.id) AS n \nFROM users", {}),
    ("in_subquery", lambda: select(u.id).where(u.id.in_(select(a.user_id))),
     "SELECT users.id \nFROM users \nWHERE users.id IN (SELECT addresses.user_id \nFROM addresses)", {}),
    ("exists", lambda: select(u.id).where(exists().where(a.user_id == u.id)),
     "SELECT users.id \nFROM users \nWHERE EXISTS (SELECT * \nFROM addresses \n"
     "WHERE addresses.user_id = users.id)", {}),
    ("correlate_explicit",
     lambda: select(u.id).where(select(a.id).where(a.user_id == u.id).correlate(users).exists()),
     "SELECT users.id \nFROM users \nWHERE EXISTS (SELECT addresses.id \nFROM addresses \n"
     "WHERE addresses.user_id = users.id)", {}),
    ("correlate_except",
     lambda: select(u.id, a.id).where(
         select(func.max(a.id)).where(a.user_id == u.id).correlate_except(addr).scalar_subquery() > 1),
     "SELECT users.id, addresses.id AS id_1 \nFROM users, addresses \nWHERE (SELECT max(addresses.id) AS max "
     "\nFROM addresses \nWHERE addresses.user_id = users.id) > :param_1", {"param_1": 1}),
    ("cte", lambda: (lambda c: select(c.c.id).where(c.c.id > 2))(select(u.id).cte("c")),
     "WITH c AS \n(SELECT users.id \nFROM users) SELECT c.id \nFROM c \nWHERE c.id > :id_1", {"id_1": 2}),
    ("two_ctes", _two_ctes,
     "WITH c1 AS \n(SELECT users.id \nFROM users), c2 AS \n(SELECT c1.id \nFROM c1 \nWHERE c1.id > :id_1) "
     "SELECT c1.id, c2.id AS id_1 \nFROM c1, c2 \nWHERE c1.id = c2.id", {"id_1": 1}),
    ("recursive_cte", _recursive,
     "WITH RECURSIVE cnt(n) AS \n(SELECT :param_1 AS n UNION ALL SELECT cnt.n + :n_1 AS anon \nFROM cnt "
     "\nWHERE cnt.n < :n_2) SELECT cnt.n \nFROM cnt", {"param_1": 1, "n_1": 1, "n_2": 5}),
    ("cte_in_insert",
     lambda: (lambda c: insert(addr).from_select(["user_id", "email"], select(c.c.id, c.c.name)))(
         select(u.id, u.name).cte("c")),
     "WITH c AS \n(SELECT users.id, users.name \nFROM users) INSERT INTO addresses (user_id, email) "
     "SELECT c.id, c.name \nFROM c", {}),
    ("cte_in_update",
     lambda: (lambda c: update(users).values(age=5).where(u.id.in_(select(c.c.id))))(select(u.id).cte("c")),
     "WITH c AS \n(SELECT users.id \nFROM users) UPDATE users SET age=:age_1 WHERE users.id IN "
     "(SELECT c.id \nFROM c)", {"age_1": 5}),
    ("cte_in_delete",
     lambda: (lambda c: delete(users).where(u.id.in_(select(c.c.id))))(select(u.id).cte("c")),
     "WITH c AS \n(SELECT users.id \nFROM users) DELETE FROM users WHERE users.id IN (SELECT c.id \nFROM c)", {}),
    ("union_order_limit", lambda: union(select(u.id), select(a.id)).order_by(u.id).limit(2),
     "SELECT users.id \nFROM users UNION SELECT addresses.id \nFROM addresses ORDER BY id \nLIMIT :param_1",
     {"param_1": 2}),
    ("union_all", lambda: union_all(select(u.id).where(u.id > 1), select(a.id)),
     "SELECT users.id \nFROM users \nWHERE users.id > :id_1 UNION ALL SELECT addresses.id \nFROM addresses",
     {"id_1": 1}),
    ("intersect", lambda: intersect(select(u.id), select(a.user_id)),
     "SELECT users.id \nFROM users INTERSECT SELECT addresses.user_id \nFROM addresses", {}),
    ("except", lambda: except_(select(u.id), select(a.user_id)),
     "SELECT users.id \nFROM users EXCEPT SELECT addresses.user_id \nFROM addresses", {}),
    ("group_having_label",
     lambda: select(u.age, _n := func.count().label("n")).group_by(u.age).having(func.count() > 1).order_by(_n),
     "SELECT users.age, count(*) AS n \nFROM users GROUP BY users.age \nHAVING count(*) > :param_1 ORDER BY n",
     {"param_1": 1}),
    ("distinct", lambda: select(u.name).distinct(), "SELECT DISTINCT users.name \nFROM users", {}),
    ("count_distinct", lambda: select(func.count(u.name.distinct())),
     "SELECT count(DISTINCT users.name) AS count \nFROM users", {}),
    ("window_rows",
     lambda: select(func.row_number().over(partition_by=u.age, order_by=u.id, rows=(None, 0))),
     "SELECT row_number() OVER (PARTITION BY users.age ORDER BY users.id ROWS BETWEEN UNBOUNDED PRECEDING "
     "AND CURRENT ROW) AS row_number \nFROM users", {}),
    ("window_range", lambda: select(func.sum(u.age).over(order_by=u.id, range_=(-1, 1))),
     "SELECT sum(users.age) OVER (ORDER BY users.id RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS sum "
     "\nFROM users", {}),
    ("filter", lambda: select(func.count(u.id).filter(u.age > 1)),
     "SELECT count(users.id) FILTER (WHERE users.age > :age_1) AS count \nFROM users", {"age_1": 1}),
    ("case", lambda: select(case((u.age > 10, "old"), else_="young")),
     "SELECT CASE WHEN users.age > :age_1 THEN :param_1 ELSE :param_2 END AS anon \nFROM users",
     {"age_1": 10, "param_1": "old", "param_2": "young"}),
    ("cast", lambda: select(cast(u.age, String(10))),
     "SELECT CAST(users.age AS VARCHAR(10)) AS age \nFROM users", {}),
    ("type_coerce", lambda: select(type_coerce(u.age, String)), "SELECT users.age AS age \nFROM users", {}),
    ("literals", lambda: select(literal(5), literal_column("x + 1"), null(), true(), false()),
     "SELECT :param_1 AS anon, x + 1, NULL AS anon_1, true AS anon_2, false AS anon_3", {"param_1": 5}),
    ("like_escape", lambda: select(u.id).where(u.name.like("a%", escape="/")),
     "SELECT users.id \nFROM users \nWHERE users.name LIKE :name_1 ESCAPE '/'", {"name_1": "a%"}),
    ("ilike", lambda: select(u.id).where(u.name.ilike("a%")),
     "SELECT users.id \nFROM users \nWHERE lower(users.name) LIKE lower(:name_1)", {"name_1": "a%"}),
    ("startswith_autoescape", lambda: select(u.id).where(u.name.startswith("a%_b", autoescape=True)),
     "SELECT users.id \nFROM users \nWHERE users.name LIKE :name_1 ESCAPE '/'", {"name_1": "a/%/_b%"}),
    ("contains", lambda: select(u.id).where(u.name.contains("x")),
     "SELECT users.id \nFROM users \nWHERE users.name LIKE :name_1", {"name_1": "%x%"}),
    ("endswith_column", lambda: select(u.id).where(u.name.endswith(a.email)),
     "SELECT users.id \nFROM users, addresses \nWHERE users.name LIKE :param_1 || addresses.email",
     {"param_1": "%"}),
    ("in_list", lambda: select(u.id).where(u.id.in_([1, 2, 3])),
     "SELECT users.id \nFROM users \nWHERE users.id IN (__[POSTCOMPILE_id_1])", {"id_1": [1, 2, 3]}),
    ("in_empty", lambda: select(u.id).where(u.id.in_([])),
     "SELECT users.id \nFROM users \nWHERE users.id IN (__[POSTCOMPILE_id_1])", {"id_1": []}),
    ("not_in", lambda: select(u.id).where(u.id.not_in([4])),
     "SELECT users.id \nFROM users \nWHERE users.id NOT IN (__[POSTCOMPILE_id_1])", {"id_1": [4]}),
    ("tuple_in", lambda: select(u.id).where(tuple_(u.id, u.name).in_([(1, "a"), (2, "b")])),
     "SELECT users.id \nFROM users \nWHERE (users.id, users.name) IN (__[POSTCOMPILE_param_1])",
     {"param_1": [(1, "a"), (2, "b")]}),
    ("in_expanding_bindparam", lambda: select(u.id).where(u.id.in_(bindparam("ids", expanding=True))),
     "SELECT users.id \nFROM users \nWHERE users.id IN (__[POSTCOMPILE_ids])", {"ids": None}),
    ("between", lambda: select(u.id).where(u.id.between(1, 5)),
     "SELECT users.id \nFROM users \nWHERE users.id BETWEEN :id_1 AND :id_2", {"id_1": 1, "id_2": 5}),
    ("is_none", lambda: select(u.id).where(u.name.is_(None), u.age.is_not(None), u.id == None),  # noqa: E711
     "SELECT users.id \nFROM users \nWHERE users.name IS NULL AND users.age IS NOT NULL AND users.id IS NULL", {}),
    ("is_distinct_from", lambda: select(u.id).where(u.name.is_distinct_from("a")),
     "SELECT users.id \nFROM users \nWHERE users.name IS DISTINCT FROM :name_1", {"name_1": "a"}),
    ("concat", lambda: select(u.name.concat("x") + "y"),
     "SELECT users.name || :name_1 || :param_1 AS anon \nFROM users", {"name_1": "x", "param_1": "y"}),
    ("arith_precedence", lambda: select((u.id + 2) * 3 - u.age / (u.id - 1), -(u.id + 1)),
     "SELECT (users.id + :id_1) * :param_1 - users.age / (users.id - :id_2) AS anon, -(users.id + :id_3) AS anon_1 "
     "\nFROM users", {"id_1": 2, "param_1": 3, "id_2": 1, "id_3": 1}),
    ("sub_right_grouping", lambda: select(u.id - (u.age - 1)),
     "SELECT users.id - (users.age - :age_1) AS anon \nFROM users", {"age_1": 1}),
    ("bitwise_custom_op", lambda: select(u.id.bitwise_and(3), u.id.op("|")(1)),
     "SELECT users.id & :id_1 AS anon, users.id | :id_2 AS anon_1 \nFROM users", {"id_1": 3, "id_2": 1}),
    ("and_or_not",
     lambda: select(u.id).where(or_(u.id == 1, and_(u.id == 2, u.age == 3)), ~(u.id == 4), not_(u.name.like("a"))),
     "SELECT users.id \nFROM users \nWHERE (users.id = :id_1 OR users.id = :id_2 AND users.age = :age_1) "
     "AND users.id != :id_3 AND users.name NOT LIKE :name_1",
     {"id_1": 1, "id_2": 2, "age_1": 3, "id_3": 4, "name_1": "a"}),
    ("collate", lambda: select(u.id).where(u.name.collate("NOCASE") == "a"),
     "SELECT users.id \nFROM users \nWHERE (users.name COLLATE \"NOCASE\") = :param_1", {"param_1": "a"}),
    ("label_dedupe", lambda: select(u.id, a.id, u.id.label("id")).select_from(users.join(addr)),
     "SELECT users.id, addresses.id AS id_1, users.id AS id_2 \nFROM users JOIN addresses ON users.id = "
     "addresses.user_id", {}),
    ("limit_offset", lambda: select(u.id).limit(10).offset(5),
     "SELECT users.id \nFROM users \nLIMIT :param_1 OFFSET :param_2", {"param_1": 10, "param_2": 5}),
    ("fetch", lambda: select(u.id).fetch(3), "SELECT users.id \nFROM users \nLIMIT :param_1", {"param_1": 3}),
    ("fetch_with_ties", lambda: select(u.id).order_by(u.name).offset(2).fetch(3, with_ties=True),
     "SELECT users.id \nFROM users ORDER BY users.name \nOFFSET :param_1 ROWS \nFETCH FIRST :param_2 ROWS WITH TIES",
     {"param_1": 2, "param_2": 3}),
    ("fetch_percent", lambda: select(u.id).order_by(u.id).fetch(10, percent=True),
     "SELECT users.id \nFROM users ORDER BY users.id \nFETCH FIRST :param_1 PERCENT ROWS ONLY", {"param_1": 10}),
    ("for_update", lambda: select(u.id).with_for_update(nowait=True, of=users),
     "SELECT users.id \nFROM users FOR UPDATE OF users NOWAIT", {}),
    ("funcs",
     lambda: select(func.coalesce(u.name, "x"), func.lower(u.name), func.now(), func.current_timestamp()),
     'SELECT coalesce(users.name, :param_1) AS coalesce, lower(users.name) AS lower, now() AS now, '
     'current_timestamp AS "current_timestamp" \nFROM users', {"param_1": "x"}),
    ("insert", lambda: insert(users).values(name="a"),
     "INSERT INTO users (name, age) VALUES (:name_1, :age)", {"name_1": "a", "age": None}),
    ("insert_multi", lambda: insert(users).values([{"name": "a", "age": 1}, {"name": "b", "age": 2}]),
     "INSERT INTO users (name, age) VALUES (:name_1, :age_1), (:name_2, :age_2)",
     {"name_1": "a", "age_1": 1, "name_2": "b", "age_2": 2}),
    ("insert_returning", lambda: insert(users).values(name="a", age=3).returning(u.id),
     "INSERT INTO users (name, age) VALUES (:name_1, :age_1) RETURNING id", {"name_1": "a", "age_1": 3}),
    ("insert_sql_default", lambda: insert(users).values(name=func.upper("x"), age=3),
     "INSERT INTO users (name, age) VALUES (upper(:param_1), :age_1)", {"param_1": "x", "age_1": 3}),
    ("insert_from_select", lambda: insert(users).from_select(["name", "age"], select(a.email, a.id)),
     "INSERT INTO users (name, age) SELECT addresses.email, addresses.id \nFROM addresses", {}),
    ("update", lambda: update(users).values(name="b").where(u.id == 1),
     "UPDATE users SET name=:name_1 WHERE users.id = :id_1", {"name_1": "b", "id_1": 1}),
    ("update_ordered", lambda: update(users).ordered_values((u.age, 3), (u.name, "x")),
     "UPDATE users SET age=:age_1, name=:name_1", {"age_1": 3, "name_1": "x"}),
    ("update_from", lambda: update(users).values(name=a.email).where(u.id == a.user_id),
     "UPDATE users SET name=addresses.email FROM addresses WHERE users.id = addresses.user_id", {}),
    ("update_correlated",
     lambda: update(users).values(age=select(func.count(a.id)).where(a.user_id == u.id).scalar_subquery()),
     "UPDATE users SET age=(SELECT count(addresses.id) AS count \nFROM addresses \n"
     "WHERE addresses.user_id = users.id)", {}),
    ("update_returning", lambda: update(users).values(age=u.age + 1).returning(u.id, u.age),
     "UPDATE users SET age=users.age + :age_1 RETURNING id, age", {"age_1": 1}),
    ("delete_returning", lambda: delete(users).where(u.id == 1).returning(u.id),
     "DELETE FROM users WHERE users.id = :id_1 RETURNING id", {"id_1": 1}),
    ("delete_correlated", lambda: delete(users).where(~exists().where(a.user_id == u.id)),
     "DELETE FROM users WHERE NOT EXISTS (SELECT * \nFROM addresses \nWHERE addresses.user_id = users.id)", {}),
    ("values", lambda: select(values(column("a", Integer), column("b", String), name="v").data([(1, "x"), (2, "y")])),
     "SELECT v.a, v.b \nFROM (VALUES (:param_1, :param_2), (:param_3, :param_4)) AS v (a, b)",
     {"param_1": 1, "param_2": "x", "param_3": 2, "param_4": "y"}),
    ("lateral", _lateral,
     "SELECT users.name, l.email \nFROM users JOIN LATERAL (SELECT addresses.email \nFROM addresses \n"
     "WHERE addresses.user_id = users.id) AS l ON true", {}),
    ("table_valued", lambda: select(func.json_each("[1,2]").table_valued("value")),
     "SELECT anon_1.value \nFROM json_each(:param_1) AS anon_1", {"param_1": "[1,2]"}),
    ("params", lambda: select(u.id).where(u.id == bindparam("x")).params(x=5),
     "SELECT users.id \nFROM users \nWHERE users.id = :x", {"x": 5}),
    ("text", lambda: text("SELECT * FROM t WHERE a = :a AND b = '\\:x'").bindparams(a=1),
     "SELECT * FROM t WHERE a = :a AND b = ':x'", {"a": 1}),
    ("lightweight_table", lambda: select(table("t", column("a")).c.a),
     "SELECT t.a \nFROM t", {}),
]


@pytest.mark.parametrize("construct,expected,params", [(c[1], c[2], c[3]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_generic_compile(construct: Callable[[], Any], expected: str, params: dict[str, Any]) -> None:
    stmt = construct()
    compiled = stmt.compile()
    sql = str(compiled)
    assert sql == expected
    assert compiled.params == params
    assert str(stmt) == str(compiled)


def test_sqlite_paramstyle_and_limit() -> None:
    d = SQLiteDialect()
    c = select(u.id).where(u.name == "x").limit(3).offset(2).compile(dialect=d)
    assert c.string == "SELECT users.id \nFROM users \nWHERE users.name = ? \nLIMIT ? OFFSET ?"
    assert c.positiontup == ["name_1", "param_1", "param_2"]
    c2 = select(u.id).offset(2).compile(dialect=d)
    assert c2.string == "SELECT users.id \nFROM users \nLIMIT -1 OFFSET ?"


def test_sqlite_in_list_expands_per_execution() -> None:
    d = SQLiteDialect()
    c = select(u.id).where(u.id.in_([1, 2]), u.name == "n").compile(dialect=d)
    sql, params, order = c._expand_parameters([c.construct_params(None, None)])
    assert sql == "SELECT users.id \nFROM users \nWHERE users.id IN (?, ?) AND users.name = ?"
    assert [params[0][n] for n in order] == [1, 2, "n"]
    sql, params, order = c._expand_parameters([{**c.construct_params(None, None), "id_1": []}])
    assert "IN (SELECT 1 WHERE 1!=1)" in sql


def test_literal_binds_escapes_quotes() -> None:
    stmt = select(u.id).where(u.name == "O'Brien", u.id.in_([1, 2]))
    sql = str(stmt.compile(compile_kwargs={"literal_binds": True}))
    assert sql == "SELECT users.id \nFROM users \nWHERE users.name = 'O''Brien' AND users.id IN (1, 2)"


def test_str_label_reference_is_refused() -> None:
    # project decision (issue 11, R17): no str in ORDER BY / GROUP BY, not even a label name
    with pytest.raises(exc.ArgumentError, match="text\\(\\)"):
        select(u.id).order_by("id")
    with pytest.raises(exc.ArgumentError):
        select(u.id).group_by("id")


def test_statements_are_generative() -> None:
    s1 = select(u.id)
    s2 = s1.where(u.id == 1)
    assert str(s1) == "SELECT users.id \nFROM users"
    assert s2 is not s1


def test_cache_key_ignores_values_and_in_list_length() -> None:
    k1 = select(u.id).where(u.id.in_([1, 2]), u.name == "a")._gen_cache_key([])
    k2 = select(u.id).where(u.id.in_([1, 2, 3, 4]), u.name == "b")._gen_cache_key([])
    k3 = select(u.id).where(u.id.in_([1]), u.age == 1)._gen_cache_key([])
    assert k1 == k2
    assert k1 != k3


def test_sorted_tables_fk_order() -> None:
    m = MetaData()
    Table("c3", m, Column("id", Integer, primary_key=True), Column("b", ForeignKey("b3.id")))
    Table("b3", m, Column("id", Integer, primary_key=True), Column("a", ForeignKey("a3.id")))
    Table("a3", m, Column("id", Integer, primary_key=True))
    assert [t.name for t in m.sorted_tables] == ["a3", "b3", "c3"]


def test_join_without_fk_names_tables() -> None:
    t1 = table("t1", column("x"))
    t2 = table("t2", column("y"))
    with pytest.raises(exc.NoReferenceError, match="t1.*t2"):
        select(t1.c.x).join(t2)


def test_unknown_column_names_table() -> None:
    with pytest.raises(AttributeError, match="nope"):
        _ = users.c.nope


def test_cte_follows_insert_flag() -> None:
    class D(SQLiteDialect):
        cte_follows_insert = True

    c = select(u.id, u.name).cte("c")
    stmt = insert(addr).from_select(["user_id", "email"], select(c.c.id, c.c.name))
    assert stmt.compile(dialect=D()).string == (
        "INSERT INTO addresses (user_id, email) WITH c AS \n(SELECT users.id, users.name \nFROM users) "
        "SELECT c.id, c.name \nFROM c")
