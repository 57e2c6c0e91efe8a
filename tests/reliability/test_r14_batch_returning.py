"""R14 – batched INSERT … RETURNING correlation: 2,000 objects with unique payloads and
server-generated primary keys (IDENTITY / SERIAL, AUTO_INCREMENT, rowid) on a table with a
secondary index, flushed through the batched path; every object's ``id`` must be the row that
holds its payload."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from sqlweave.core import String, event, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

N = 2000


@pytest.mark.timeout(120)
def test_r14_batched_insert_returning_correlation(engine: Any, figures: Any) -> None:
    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = rel("rel_r14_item")
        id: Mapped[int] = mapped_column(primary_key=True)
        # indexed, and in an order unrelated to the insert order: a database returning rows in
        # index order rather than VALUES order would be caught
        payload: Mapped[str] = mapped_column(String(64), index=True, unique=True)

    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    inserts: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(len(parameters) if executemany else 1)

    rng = random.Random(14)
    payloads = [f"{rng.random():.12f}-{uuid.uuid4()}" for _ in range(N)]
    try:
        objs = [Item(payload=p) for p in payloads]  # type: ignore[call-arg]
        event.listen(engine, "before_cursor_execute", count)
        try:
            with Session(engine) as s:
                s.add_all(objs)
                s.flush()
                ids = [o.id for o in objs]
                s.commit()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert None not in ids and len(set(ids)) == N
        with engine.connect() as conn:
            t = Item.__table__
            in_db = dict(conn.execute(select(t.c.id, t.c.payload)).all())
        mismatches = sum(1 for i, p in zip(ids, payloads) if in_db.get(i) != p)
    finally:
        Base.metadata.drop_all(engine)
    batched = bool(engine.dialect.insert_executemany_returning)
    figures(scenario="R14", objects=N, mismatches=mismatches, insert_statements=len(inserts),
            batched_returning=batched)
    assert mismatches == 0
    assert len(in_db) == N
    if batched:
        assert len(inserts) < N, "the flush did not batch (one INSERT per object)"
    # else: the dialect declares no executemany RETURNING (MySQL dialect on MariaDB today), so
    # server-generated keys come one INSERT at a time: correct, and reported, but not batched
