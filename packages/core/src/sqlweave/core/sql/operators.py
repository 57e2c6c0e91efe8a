"""Operators of the expression language: their identity, SQL spelling and precedence.

An operator is a plain function (so ``operators.eq(a, b)`` works like ``a == b``); the compiler
renders it through :data:`OPERATOR_SQL`, a table a dialect can override entry by entry.
"""

from __future__ import annotations

import operator as _op
from collections.abc import Callable
from typing import Any

OperatorType = Callable[..., Any]

# Python-level operators reused as identities
eq = _op.eq
ne = _op.ne
lt = _op.lt
le = _op.le
gt = _op.gt
ge = _op.ge
add = _op.add
sub = _op.sub
mul = _op.mul
truediv = _op.truediv
floordiv = _op.floordiv
mod = _op.mod
neg = _op.neg
inv = _op.inv
and_ = _op.and_
or_ = _op.or_
getitem = _op.getitem


def _named(name: str) -> OperatorType:
    def op(a: Any, b: Any = None, **kw: Any) -> Any:
        return getattr(a, name)(b, **kw) if b is not None else getattr(a, name)(**kw)

    op.__name__ = name
    op.__qualname__ = name
    return op


like_op = _named("like")
not_like_op = _named("not_like")
ilike_op = _named("ilike")
not_ilike_op = _named("not_ilike")
in_op = _named("in_")
not_in_op = _named("not_in")
is_ = _named("is_")
is_not = _named("is_not")
is_distinct_from = _named("is_distinct_from")
is_not_distinct_from = _named("is_not_distinct_from")
between_op = _named("between")
not_between_op = _named("not_between")
concat_op = _named("concat")
match_op = _named("match")
regexp_match_op = _named("regexp_match")
not_regexp_match_op = _named("not_regexp_match")
json_getitem_op = _named("json_getitem")
json_path_getitem_op = _named("json_path_getitem")
bitwise_and_op = _named("bitwise_and")
bitwise_or_op = _named("bitwise_or")
bitwise_xor_op = _named("bitwise_xor")
exists = _named("exists")
distinct_op = _named("distinct")
desc_op = _named("desc")
asc_op = _named("asc")
nulls_first_op = _named("nulls_first")
nulls_last_op = _named("nulls_last")
collate = _named("collate")
any_op = _named("any_")
all_op = _named("all_")
not_ = _named("not_")
comma_op = _named("comma")
custom_op_marker = _named("custom")


class custom_op:
    """A user-defined binary operator created with ``column.op("&&")``."""

    __slots__ = ("opstring", "precedence", "is_comparison", "return_type")

    def __init__(
        self,
        opstring: str,
        precedence: int = 0,
        is_comparison: bool = False,
        return_type: Any = None,
    ) -> None:
        self.opstring = opstring
        self.precedence = precedence
        self.is_comparison = is_comparison
        self.return_type = return_type

    def __eq__(self, other: object) -> bool:
        return isinstance(other, custom_op) and other.opstring == self.opstring

    def __hash__(self) -> int:
        return hash((custom_op, self.opstring))

    def __call__(self, a: Any, b: Any) -> Any:
        return a.op(self.opstring)(b)


#: Binary operator → SQL text (with surrounding spaces where the SQL needs them).
OPERATOR_SQL: dict[Any, str] = {
    eq: " = ",
    ne: " != ",
    lt: " < ",
    le: " <= ",
    gt: " > ",
    ge: " >= ",
    add: " + ",
    sub: " - ",
    mul: " * ",
    truediv: " / ",
    floordiv: " / ",
    mod: " % ",
    and_: " AND ",
    or_: " OR ",
    like_op: " LIKE ",
    not_like_op: " NOT LIKE ",
    ilike_op: " ILIKE ",
    not_ilike_op: " NOT ILIKE ",
    in_op: " IN ",
    not_in_op: " NOT IN ",
    is_: " IS ",
    is_not: " IS NOT ",
    is_distinct_from: " IS DISTINCT FROM ",
    is_not_distinct_from: " IS NOT DISTINCT FROM ",
    between_op: " BETWEEN ",
    not_between_op: " NOT BETWEEN ",
    concat_op: " || ",
    bitwise_and_op: " & ",
    bitwise_or_op: " | ",
    bitwise_xor_op: " ^ ",
    comma_op: ", ",
    collate: " COLLATE ",
}

#: Unary operator → SQL prefix (operators) or suffix (modifiers).
UNARY_PREFIX: dict[Any, str] = {
    neg: "-",
    inv: "NOT ",
    not_: "NOT ",
    exists: "EXISTS ",
    distinct_op: "DISTINCT ",
    any_op: "ANY ",
    all_op: "ALL ",
}
UNARY_SUFFIX: dict[Any, str] = {
    desc_op: " DESC",
    asc_op: " ASC",
    nulls_first_op: " NULLS FIRST",
    nulls_last_op: " NULLS LAST",
}

_HIGHEST = 100
_LOWEST = 0

#: Higher binds tighter; used to decide where parentheses are needed.
PRECEDENCE: dict[Any, int] = {
    getitem: 15,
    json_getitem_op: 15,
    json_path_getitem_op: 15,
    neg: 14,
    mul: 8,
    truediv: 8,
    floordiv: 8,
    mod: 8,
    add: 7,
    sub: 7,
    concat_op: 6,
    bitwise_and_op: 6,
    bitwise_or_op: 6,
    bitwise_xor_op: 6,
    collate: 4,
    match_op: 5,
    regexp_match_op: 5,
    not_regexp_match_op: 5,
    like_op: 5,
    not_like_op: 5,
    ilike_op: 5,
    not_ilike_op: 5,
    in_op: 5,
    not_in_op: 5,
    is_: 5,
    is_not: 5,
    is_distinct_from: 5,
    is_not_distinct_from: 5,
    eq: 5,
    ne: 5,
    lt: 5,
    le: 5,
    gt: 5,
    ge: 5,
    between_op: 5,
    not_between_op: 5,
    distinct_op: 5,
    exists: 5,
    inv: 4,
    not_: 4,
    and_: 3,
    or_: 2,
    comma_op: -1,
    desc_op: 3,
    asc_op: 3,
    nulls_first_op: 3,
    nulls_last_op: 3,
    any_op: 5,
    all_op: 5,
}

COMPARISON = frozenset(
    {eq, ne, lt, le, gt, ge, like_op, not_like_op, ilike_op, not_ilike_op, in_op, not_in_op,
     is_, is_not, is_distinct_from, is_not_distinct_from, between_op, not_between_op,
     match_op, regexp_match_op, not_regexp_match_op}
)

#: Comparison operators and their negations, used by ``~(a == b)`` → ``a != b``.
NEGATIONS: dict[Any, Any] = {
    eq: ne, ne: eq, lt: ge, ge: lt, gt: le, le: gt,
    like_op: not_like_op, not_like_op: like_op,
    ilike_op: not_ilike_op, not_ilike_op: ilike_op,
    in_op: not_in_op, not_in_op: in_op,
    is_: is_not, is_not: is_,
    is_distinct_from: is_not_distinct_from, is_not_distinct_from: is_distinct_from,
    between_op: not_between_op, not_between_op: between_op,
    regexp_match_op: not_regexp_match_op, not_regexp_match_op: regexp_match_op,
}

COMMUTATIVE = frozenset({eq, ne, add, mul, and_, or_})


def precedence_of(op: Any) -> int:
    """Precedence of ``op``; custom operators carry their own."""
    if isinstance(op, custom_op):
        return op.precedence
    return PRECEDENCE.get(op, _HIGHEST)


def is_precedent(op: Any, against: Any) -> bool:
    """True when an expression using ``op`` inside one using ``against`` needs parentheses."""
    if op is against and op in (and_, or_, add, mul, concat_op):
        return False
    if against is None:
        return False
    return precedence_of(op) <= precedence_of(against)
