"""Objects from rows against the backend under test: the per-(mapper, columns, offset) loader
plans give each attribute its own column whatever the statement's shape, follow mapper changes,
and dropped objects leave the identity map; streamed (yield_per) and buffered loads agree."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

import sqlweave.orm.identity as identity_mod
from sqlweave.core import String, TypeDecorator, inspect, select
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


class Tagged(TypeDecorator):
    """A string stored plain and read back prefixed: a column that needs a result processor."""

    impl = String(20)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else f"<{value}>"


class PTag(PBase):
    __tablename__ = "orm_plan_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str | None] = mapped_column(Tagged())
    n: Mapped[int] = mapped_column()


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
        s.add_all([PTag(id=i, tag=None if i == 3 else f"t{i}", n=i) for i in range(1, 6)])
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


_TAGS = [(1, "<t1>", 1), (2, "<t2>", 2), (3, None, 3), (4, "<t4>", 4), (5, "<t5>", 5)]


def test_processed_columns_on_every_fetch_path(eng: Any) -> None:
    t = PTag.__table__
    stmt = select(t.c.id, t.c.tag, t.c.n).order_by(t.c.id)
    with eng.connect() as c:
        assert [tuple(r) for r in c.execute(stmt)] == _TAGS  # buffered iteration
        assert [tuple(r) for r in c.execute(stmt).all()] == _TAGS
        r = c.execute(stmt)
        assert tuple(r.fetchone()) == _TAGS[0] and [tuple(x) for x in r.fetchmany(2)] == _TAGS[1:3]
        assert [tuple(x) for x in r.fetchall()] == _TAGS[3:]
        streamed = c.execution_options(yield_per=2).execute(stmt)
        assert [(row.id, row.tag, row.n) for row in streamed] == _TAGS
        assert [dict(m) for m in c.execute(stmt).mappings()][2] == {"id": 3, "tag": None, "n": 3}
    with Session(eng) as s:  # objects from plain tuples, buffered and streamed
        objs = s.scalars(select(PTag).order_by(PTag.id)).all()
        assert [(o.id, o.tag, o.n) for o in objs] == _TAGS
    with Session(eng) as s:
        got = s.scalars(select(PTag).order_by(PTag.id).execution_options(yield_per=2))
        assert [(o.id, o.tag, o.n) for o in got] == _TAGS
        assert s.execute(select(PTag.tag, PTag.n).where(PTag.id == 2)).one() == ("<t2>", 2)
