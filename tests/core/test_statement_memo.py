"""The per-statement execution memo: a statement object executed again reuses its cache key and
bound parameters (``_memo_key``); every way of deriving a new statement must drop that memo, and
values read at execution time (callables, ``params()``) must stay live."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlweave.core.sql.traversal import copy_with
from tests.core.test_engine_result_cache import _counting

pytestmark = pytest.mark.backend

md = MetaData()
t = Table("core_memo", md, Column("id", Integer, primary_key=True), Column("name", String(20)),
          Column("grp", Integer))


@pytest.fixture(scope="module")
def eng(engine: Any) -> Iterator[Any]:
    md.drop_all(engine)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), [{"id": i, "name": n, "grp": g}
                                 for i, n, g in [(1, "a", 1), (2, "b", 1), (3, "c", 2)]])
    yield engine
    md.drop_all(engine)


def test_reexecuting_a_statement_uses_its_memo(eng: Any) -> None:
    stmt = select(t.c.name).where(t.c.id == 2)
    assert "_memo_key" not in stmt.__dict__
    with eng.connect() as c:
        assert c.execute(stmt).scalar() == "b"
        memo = stmt.__dict__["_memo_key"]
        assert c.execute(stmt).scalar() == "b"
        assert stmt.__dict__["_memo_key"] is memo  # not recomputed


@pytest.mark.parametrize(("derive", "expected"), [
    pytest.param(lambda s: s.where(t.c.grp == 2), [3], id="where"),
    pytest.param(lambda s: s.order_by(t.c.id.desc()).limit(1), [3], id="order_limit"),
    pytest.param(lambda s: s.with_only_columns(t.c.grp), [1, 2], id="with_only_columns"),
    pytest.param(lambda s: s.filter_by(grp=2), [3], id="filter_by"),
])
def test_generative_copies_drop_the_memo(eng: Any, derive: Any, expected: list[int]) -> None:
    base = select(t.c.id).where(t.c.id > 1)
    with eng.connect() as c:
        assert sorted(c.execute(base).scalars().all()) == [2, 3]
        derived = derive(base)
        assert "_memo_key" not in derived.__dict__
        assert sorted(c.execute(derived).scalars().all()) == expected
        assert sorted(c.execute(base).scalars().all()) == [2, 3]  # the original is unchanged


def test_params_copy_gets_its_own_values(eng: Any) -> None:
    stmt = select(t.c.name).where(t.c.id == bindparam("ident", 1))
    with eng.connect() as c:
        assert c.execute(stmt).scalar() == "a"
        other = stmt.params(ident=3)
        assert "_memo_key" not in other.__dict__
        assert c.execute(other).scalar() == "c"
        assert c.execute(stmt).scalar() == "a"
        assert c.execute(stmt, {"ident": 2}).scalar() == "b"  # execute() parameters still apply


def test_callable_bind_is_called_on_every_execution(eng: Any) -> None:
    values = iter([1, 3])
    stmt = select(t.c.name).where(t.c.id == bindparam("cb", callable_=lambda: next(values)))
    with eng.connect() as c:
        assert c.execute(stmt).scalar() == "a"
        assert c.execute(stmt).scalar() == "c"


def test_copy_with_does_not_carry_the_memo(eng: Any) -> None:
    """Tree copies (bind replacement, ORM column adaptation) build new objects from the old
    one's attributes: the memo of the original must not be one of them."""
    inner = select(t.c.id).where(t.c.grp == 1)
    with eng.connect() as c:
        assert sorted(c.execute(inner).scalars().all()) == [1, 2]
        swapped = copy_with(inner, lambda v: (t.c.grp == 2,) if isinstance(v, tuple) and v == inner._where
                            else v, {})
        assert swapped is not inner
        assert "_memo_key" not in swapped.__dict__
        assert c.execute(swapped).scalars().all() == [3]


def test_memo_with_schema_translate_and_compiled_cache_options(eng: Any) -> None:
    """Options that change where the compiled form is cached still apply to a memoized
    statement (the memo holds the statement's key, not the compiled form)."""
    stmt = select(t.c.name).where(t.c.id == 1)
    compiles = _counting(eng)
    try:
        with eng.connect() as c:
            assert c.execute(stmt).scalar() == "a"
            n = len(compiles)
            assert c.execute(stmt).scalar() == "a"
            assert len(compiles) == n  # cached
            private: dict[Any, Any] = {}
            assert c.execute(stmt, execution_options={"compiled_cache": private}).scalar() == "a"
            assert len(compiles) == n + 1 and len(private) == 1
            assert c.execute(stmt.execution_options(compiled_cache=None)).scalar() == "a"
            assert len(compiles) == n + 2
            tc = c.execution_options(schema_translate_map={None: None})
            assert tc.execute(stmt).scalar() == "a"
            assert len(compiles) == n + 3  # a schema-translated compile is keyed apart
    finally:
        del eng.dialect.statement_compiler


def test_dml_memo_and_column_keys(eng: Any) -> None:
    """The compiled form of DML depends on the execute() parameter names, which are not part of
    the memo: the same statement object run with other keys compiles for those keys."""
    stmt = update(t).where(t.c.id == bindparam("b_id"))
    with eng.connect() as c:
        assert c.execute(stmt, {"b_id": 1, "name": "x"}).rowcount == 1
        assert c.execute(stmt, {"b_id": 2, "grp": 7}).rowcount == 1
        assert c.execute(stmt, [{"b_id": 1, "grp": 5}, {"b_id": 3, "grp": 5}]).rowcount == 2
        rows = c.execute(select(t.c.id, t.c.name, t.c.grp).order_by(t.c.id)).all()
        assert [tuple(r) for r in rows] == [(1, "x", 5), (2, "b", 7), (3, "c", 5)]
        c.rollback()


def test_named_binds_from_parameter_sets_or_the_statement(eng: Any) -> None:
    """executemany reads named bindparam() values straight from each parameter set; a set that
    lacks one gets the statement's own value, or the 'value required' error."""
    from sqlweave.core import exc

    stmt = update(t).where(t.c.id == bindparam("b_id")).values(grp=bindparam("g", 7))
    with eng.connect() as c:
        assert c.execute(stmt, [{"b_id": 1, "g": 5}, {"b_id": 2, "g": 6}]).rowcount == 2
        assert c.execute(stmt, [{"b_id": 3}, {"b_id": 1}]).rowcount == 2  # g from the statement
        rows = c.execute(select(t.c.id, t.c.grp).order_by(t.c.id)).all()
        assert [tuple(r) for r in rows] == [(1, 7), (2, 6), (3, 7)]
        with pytest.raises(exc.StatementError, match="b_id"):
            c.execute(stmt, [{"g": 1}, {"g": 2}])
        c.rollback()


def test_params_apply_inside_nested_statements(eng: Any) -> None:
    """params() on an outer statement reaches the named binds of a subquery in it, and a
    subquery's own params() values travel with it into the outer statement."""
    from sqlweave.core import func

    inner = select(func.max(t.c.id)).where(t.c.grp == bindparam("g"))
    outer = select(t.c.name).where(t.c.id == inner.scalar_subquery())
    with eng.connect() as c:
        assert c.execute(outer.params(g=1)).scalar() == "b"
        assert c.execute(outer.params(g=2)).scalar() == "c"
        embedded = select(t.c.name).where(t.c.id == inner.params(g=2).scalar_subquery())
        assert c.execute(embedded).scalar() == "c"
        assert c.execute(embedded.params(g=1)).scalar() == "b"  # the outer values win
