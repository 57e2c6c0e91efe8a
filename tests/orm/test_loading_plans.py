"""Objects from rows against the backend under test: the per-(mapper, columns, offset) loader
plans give each attribute its own column whatever the statement's shape, follow mapper changes,
and dropped objects leave the identity map; streamed (yield_per) and buffered loads agree."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

import sqlweave.orm.identity as identity_mod
from sqlweave.core import inspect, select
from sqlweave.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    column_property,
    defer,
    load_only,
    mapped_column,
)

pytestmark = pytest.mark.backend


class PBase(DeclarativeBase):
    pass


class PItem(PBase):
    __tablename__ = "orm_plan_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    a: Mapped[int] = mapped_column()
    b: Mapped[int] = mapped_column()


@pytest.fixture(scope="module")
def eng(engine: Any) -> Iterator[Any]:
    PBase.metadata.drop_all(engine)
    PBase.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([PItem(id=i, a=10 + i, b=20 + i) for i in range(1, 6)])
        s.commit()
    yield engine
    PBase.metadata.drop_all(engine)


def test_each_statement_shape_fills_the_right_attributes(eng: Any) -> None:
    with Session(eng) as s:
        got = s.scalars(select(PItem).order_by(PItem.id)).all()
        assert [(o.id, o.a, o.b) for o in got] == [(i, 10 + i, 20 + i) for i in range(1, 6)]
    with Session(eng) as s:  # a deferred column: not in __dict__, loaded on access
        o = s.scalars(select(PItem).options(defer(PItem.a)).where(PItem.id == 1)).one()
        assert "a" not in o.__dict__ and o.b == 21 and o.a == 11
        o2 = s.scalars(select(PItem).options(load_only(PItem.b)).where(PItem.id == 2)).one()
        assert "a" not in o2.__dict__ and o2.b == 22
    with Session(eng) as s:  # the entity's columns start after another column
        rows = s.execute(select(PItem.b, PItem, PItem.a).order_by(PItem.id)).all()
        assert [(b, o.id, o.a, o.b, a) for b, o, a in rows] == [
            (20 + i, i, 10 + i, 20 + i, 10 + i) for i in range(1, 6)]
    with Session(eng) as s:  # streamed in batches smaller than the result
        got = s.scalars(select(PItem).order_by(PItem.id).execution_options(yield_per=2)).all()
        assert [(o.id, o.a, o.b) for o in got] == [(i, 10 + i, 20 + i) for i in range(1, 6)]


def test_plan_follows_a_property_added_later(eng: Any) -> None:
    with Session(eng) as s:
        assert s.scalars(select(PItem).where(PItem.id == 3)).one().a == 13
    PItem.ab = column_property(PItem.__table__.c.a + PItem.__table__.c.b)  # type: ignore[attr-defined]
    with Session(eng) as s:
        o = s.scalars(select(PItem).where(PItem.id == 3)).one()
        assert o.__dict__["ab"] == 36 and (o.a, o.b) == (13, 23)


def test_collected_objects_leave_the_identity_map(eng: Any) -> None:
    with Session(eng) as s:
        objs = s.scalars(select(PItem).order_by(PItem.id)).all()
        kept = objs[0]
        del objs
        gc.collect()
        # the public views show live objects only, whether or not dead states were swept yet
        assert list(s.identity_map.keys()) == [inspect(kept).key] and len(s.identity_map) == 1
        assert [st.obj() for st in s.identity_map.all_states()] == [kept]
        assert s.get(PItem, kept.id) is kept
        again = s.scalars(select(PItem).order_by(PItem.id)).all()  # identities of collected objects
        assert again[0] is kept and [(o.id, o.a) for o in again] == [(i, 10 + i) for i in range(1, 6)]
        assert all(inspect(o).persistent for o in again)
        del again
        gc.collect()
        s.identity_map._sweep()
        assert [st.obj() for st in s.identity_map._dict.values()] == [kept]


def test_dead_states_are_swept_as_the_map_grows(eng: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(identity_mod, "_MIN_SWEEP", 2)
    with Session(eng) as s:
        assert len(s.scalars(select(PItem).where(PItem.id <= 2)).all()) == 2  # dropped at once
        gc.collect()
        live = s.scalars(select(PItem).where(PItem.id > 3)).all()
        # the map reached twice its size at the last sweep: the two dead states went
        assert sorted(k[1] for k in s.identity_map._dict) == [(4,), (5,)]
        assert [o.id for o in live] == [4, 5]
