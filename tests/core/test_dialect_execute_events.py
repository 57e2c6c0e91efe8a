"""DialectEvents ``do_execute`` / ``do_executemany`` / ``do_execute_no_params``: listeners see
every DBAPI execution and may run it themselves (returning True), on the backend under test."""

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
    create_engine,
    event,
    insert,
    literal_column,
    select,
)
from tests.fix_db import db_url

pytestmark = pytest.mark.backend


@pytest.fixture
def eng(db_name: str) -> Iterator[Any]:
    """An engine of its own: the listeners live on its dialect and go away with it."""
    e = create_engine(db_url(db_name))
    md = MetaData()
    Table("dx_item", md, Column("id", Integer, primary_key=True, autoincrement=False),
          Column("name", String(20)))
    md.drop_all(e)
    md.create_all(e)
    e.sw_md = md  # type: ignore[attr-defined]
    yield e
    md.drop_all(e)
    e.dispose()


def test_listeners_observe_every_kind_of_execution(eng: Any) -> None:
    seen: list[tuple[str, str]] = []
    event.listen(eng, "do_execute", lambda cur, sql, params, ctx: seen.append(("one", sql)))
    event.listen(eng, "do_executemany", lambda cur, sql, params, ctx: seen.append(("many", sql)))
    event.listen(eng, "do_execute_no_params", lambda cur, sql, ctx: seen.append(("none", sql)))
    item = eng.sw_md.tables["dx_item"]
    with eng.begin() as conn:
        conn.execute(insert(item), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
        conn.execute(insert(item), {"id": 3, "name": "c"})
        conn.exec_driver_sql("SELECT 1")
        rows = conn.execute(select(item.c.name).order_by(item.c.id)).scalars().all()
    assert rows == ["a", "b", "c"]  # a listener returning None leaves execution to the dialect
    kinds = [k for k, sql in seen if "dx_item" in sql or sql == "SELECT 1"]
    assert kinds == ["many", "one", "none", "one"]


def test_a_listener_may_run_the_statement_itself(eng: Any) -> None:
    item = eng.sw_md.tables["dx_item"]

    def rewrite(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
        if statement.startswith("INSERT INTO dx_item"):
            # e.g. a tracing or routing layer: run a changed statement, tell the engine it ran
            cursor.execute(statement.replace("INSERT INTO", "INSERT /* traced */ INTO"), parameters)
            ran.append(statement)
            return True
        return None

    ran: list[str] = []
    event.listen(eng, "do_execute", rewrite)
    with eng.begin() as conn:
        result = conn.execute(insert(item), {"id": 7, "name": "x"})
        assert result.rowcount == 1
    assert len(ran) == 1
    with eng.connect() as conn:
        assert conn.execute(select(item.c.id, item.c.name)).all() == [(7, "x")]


def test_listeners_are_per_engine(eng: Any, engine: Any) -> None:
    calls: list[str] = []
    event.listen(eng, "do_execute", lambda *a: calls.append("x"))
    with engine.connect() as conn:  # the suite's engine: another dialect instance
        conn.execute(select(literal_column("1")))
    assert calls == []
    with eng.connect() as conn:
        conn.execute(select(literal_column("1")))
    assert calls == ["x"]
