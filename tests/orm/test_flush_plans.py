"""The flush keeps per-mapper plans (INSERT/UPDATE/DELETE statements, which attributes are
columns, what to fetch back) and the mapped classes keep a map of their plain column attributes;
these tests fail if either served stale data after the mapping or the listeners changed."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, event, inspect, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

pytestmark = pytest.mark.backend

metadata = MetaData()
fp_note = Table(
    "ormm_fp_note", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("note", String(20)),
)


class Note:
    """Mapped imperatively without ``note`` at first; the property is added later."""

    id: int
    name: str
    note: str | None


reg = registry(metadata=metadata)
reg.map_imperatively(Note, fp_note, exclude_properties=["note"])


class Base(DeclarativeBase):
    pass


class FpItem(Base):
    __tablename__ = "ormm_fp_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=0)


@pytest.fixture(scope="module")
def tables(engine: Any) -> Iterator[Any]:
    for md in (metadata, Base.metadata):
        md.drop_all(engine)
        md.create_all(engine)
    yield engine
    for md in (metadata, Base.metadata):
        md.drop_all(engine)


@pytest.fixture
def session(tables: Any) -> Iterator[Session]:
    s = Session(tables)
    yield s
    s.close()


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.connection().execute(text(sql)).all()]


def test_plans_follow_a_column_property_added_after_flushes(session: Session) -> None:
    first = Note(name="a")
    session.add(first)
    session.commit()  # the INSERT plan of Note is built here, without "note"
    first.name = "a2"
    session.commit()  # ... and the UPDATE plan
    inspect(Note).add_property("note", fp_note.c.note)
    second = Note(name="b", note="n-b")
    session.add(second)
    first.note = "n-a"
    session.commit()
    assert _rows(session, "SELECT name, note FROM ormm_fp_note ORDER BY id") == [("a2", "n-a"), ("b", "n-b")]
    session.delete(first)
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_fp_note") == [("b",)]


def test_set_listener_added_later_sees_constructor_and_assignment(session: Session) -> None:
    FpItem(name="warm")  # the class's column-attribute map exists before the listener

    def upper(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        return value.upper()

    event.listen(FpItem.name, "set", upper, retval=True)
    try:
        obj = FpItem(name="made")
        assert obj.name == "MADE"
        session.add(obj)
        session.commit()
        obj.name = "changed"
        assert obj.name == "CHANGED"
        session.commit()
    finally:
        event.remove(FpItem.name, "set", upper)
    obj.name = "plain"
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_fp_item WHERE name <> 'warm'") == [("plain",)]


def test_same_columns_changed_in_either_order_share_one_batch(session: Session, counter: Any, engine: Any) -> None:
    objs = [FpItem(name=f"o{i}") for i in range(3)]
    session.add_all(objs)
    session.commit()
    objs[0].x, objs[0].y = 1, 2
    objs[1].y, objs[1].x = 3, 4  # the same column set, recorded in the other order
    objs[2].x = 5  # another column set
    counter.reset()
    session.flush()
    if engine.dialect.supports_sane_multi_rowcount:
        assert counter.count == 2
    session.commit()
    assert _rows(session, "SELECT name, x, y FROM ormm_fp_item WHERE name LIKE 'o%' ORDER BY name") == [
        ("o0", 1, 2), ("o1", 4, 3), ("o2", 5, 0)]


def test_state_forgets_a_garbage_collected_session(tables: Any) -> None:
    s = Session(tables)
    obj = FpItem(name="gc")
    s.add(obj)
    state = inspect(obj)
    assert state.session is s
    del s
    gc.collect()
    assert state.session is None


def test_expired_keys_are_per_object_after_sharing(session: Session) -> None:
    # after a commit every object shares one "all columns expired" set: loading or expiring
    # one object's attributes must not touch the others'
    a, b = FpItem(name="ea", x=1), FpItem(name="eb", x=2)
    session.add_all([a, b])
    session.commit()
    sa, sb = inspect(a), inspect(b)
    assert sa.expired_attributes == sb.expired_attributes == {"id", "name", "x", "y"}
    assert a.x == 1  # loads a's columns
    assert not sa.expired_attributes
    assert sb.expired_attributes == {"id", "name", "x", "y"}
    session.expire(a, ["x"])
    assert sa.expired_attributes == {"x"}
    assert sb.expired_attributes == {"id", "name", "x", "y"}
    assert (a.x, b.x, b.name) == (1, 2, "eb")
    assert not sa.expired_attributes and not sb.expired_attributes
    assert inspect(FpItem)._column_keys_set == {"id", "name", "x", "y"}
