"""executemany INSERT ... RETURNING: one row back per parameter set, in parameter order."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, event, insert, select

pytestmark = pytest.mark.backend


@pytest.fixture
def items(metadata: MetaData, engine: Any) -> Table:
    t = Table("imv_items", metadata, Column("id", Integer, primary_key=True), Column("payload", String(40)))
    metadata.create_all(engine)
    return t


def _needs_imv(engine: Any) -> None:
    with engine.connect():
        pass
    if not engine.dialect.insert_executemany_returning:
        pytest.skip(f"{engine.dialect.name} has no INSERT ... RETURNING")


def test_returning_ids_match_payloads_in_order(engine: Any, items: Table) -> None:
    _needs_imv(engine)
    rows = [{"payload": f"p{i:05d}"} for i in range(2500)]
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as conn:
            result = conn.execute(
                insert(items).returning(items.c.id, items.c.payload, sort_by_parameter_order=True), rows
            )
            returned = result.all()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [r.payload for r in returned] == [r["payload"] for r in rows]
    assert len({r.id for r in returned}) == 2500
    with engine.connect() as conn:
        stored = dict(conn.execute(select(items.c.id, items.c.payload)).all())
    assert all(stored[r.id] == r.payload for r in returned)
    assert 3 <= sum(1 for s in statements if s.startswith("INSERT")) <= 5


def test_given_primary_keys_come_back_in_parameter_order(engine: Any, items: Table) -> None:
    _needs_imv(engine)
    rows = [{"id": i, "payload": f"x{i}"} for i in (50, 3, 17, 8)]
    with engine.begin() as conn:
        got = conn.execute(insert(items).returning(items.c.id, sort_by_parameter_order=True), rows).scalars().all()
    assert got == [50, 3, 17, 8]
