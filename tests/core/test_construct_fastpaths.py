"""Statement-construction shortcuts keep the semantics of the general paths they bypass:
``t.c.<key>`` read from the collection's instance dict, comparisons that skip ``operate()``,
and the short cache key of a Select with only columns and WHERE."""

from __future__ import annotations

from typing import Any

from sqlweave.core import Column, Integer, MetaData, String, Table, column, select, table, tuple_
from sqlweave.core.sql import operators
from sqlweave.core.sql.elements import BinaryExpression, ColumnClause
from sqlweave.core.sql.selectable import ColumnCollection


def test_column_named_like_a_method_does_not_hide_it() -> None:
    t = Table("cc_methods", MetaData(), Column("id", Integer, primary_key=True), Column("keys", String(5)),
              Column("get", Integer))
    assert t.c.keys() == ["id", "keys", "get"]  # the method, not the column
    assert t.c["keys"].name == "keys" and t.c.get("get") is t.c["get"]
    assert t.c.id is t.c["id"]


def test_collection_attribute_follows_replace_and_remove() -> None:
    a1, a2, b = column("a"), column("a"), column("b")
    cc = ColumnCollection([a1, b])
    assert cc.a is a1
    cc._add(a2)  # same key: replaces
    assert cc.a is a2 and list(cc) == [a2, b]
    cc._remove(a2)
    assert "a" not in cc and list(cc) == [b]
    try:
        cc.a
    except AttributeError as err:
        assert "No column named 'a'" in str(err)
    else:
        raise AssertionError("a removed column is still an attribute")


def test_comparisons_build_the_same_expressions() -> None:
    c = column("x", Integer)
    for op, expr in [(operators.eq, c == 5), (operators.ne, c != 5), (operators.lt, c < 5),
                     (operators.le, c <= 5), (operators.gt, c > 5), (operators.ge, c >= 5)]:
        assert isinstance(expr, BinaryExpression) and expr.operator is op
        assert expr.right.value == 5 and expr.left is c
    assert (c == None).operator is operators.is_  # noqa: E711 - SQL IS NULL
    assert (c != None).operator is operators.is_not  # noqa: E711


def test_subclass_with_its_own_operate_keeps_its_comparisons() -> None:
    seen: list[Any] = []

    class Custom(ColumnClause):
        def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
            seen.append(op)
            return super().operate(op, *other, **kw)

    c = Custom("y", Integer)
    c == 1  # noqa: B015 - the comparison is the test
    c >= 2  # noqa: B015
    assert seen == [operators.eq, operators.ge]
    # Tuple overrides operate(): tuple == row compares element-wise
    expr = tuple_(column("a"), column("b")) == (1, 2)
    assert str(expr) == "(a, b) = (:a_1, :b_1)"


def test_select_cache_key_short_and_long_forms() -> None:
    t = table("ck_t", column("id", Integer), column("x", Integer))
    plain = select(t.c.id).where(t.c.x == 1)
    binds: list[Any] = []
    key = plain._gen_cache_key(binds)
    assert key == select(t.c.id).where(t.c.x == 2)._gen_cache_key([])
    assert [b.value for b in binds] == [1]
    variants = [plain.order_by(t.c.id), plain.limit(3), plain.distinct(), plain.group_by(t.c.x),
                plain.select_from(t), plain.with_for_update(), plain.prefix_with("/* p */")]
    keys = {key} | {v._gen_cache_key([]) for v in variants}
    assert len(keys) == len(variants) + 1  # every optional part changes the key
    hash(tuple(keys))
    limited: list[Any] = []
    plain.limit(7)._gen_cache_key(limited)
    assert [b.value for b in limited] == [1, 7]


def test_collection_copies_and_pickles() -> None:
    import copy
    import pickle

    cc = ColumnCollection([column("a"), column("b")])
    for other in (copy.copy(cc), pickle.loads(pickle.dumps(cc))):
        assert other.keys() == ["a", "b"] and other.a.name == "a" and other["b"].name == "b"


def test_operands_that_group_are_still_grouped() -> None:
    a, b = column("a", Integer), column("b", Integer)
    assert str((a + b) * 3) == "(a + b) * :param_1"
    assert str(a * (b - 1)) == "a * (b - :b_1)"
    assert str((a == 1) == (b == 2)) == "(a = :a_1) = (b = :b_1)"

    class Wrapped(ColumnClause):
        def self_group(self, against: Any = None) -> Any:
            return column("(" + self.name + ")", Integer, is_literal=True)

    assert str(Wrapped("w", Integer) == 5).startswith("(w) = ")
