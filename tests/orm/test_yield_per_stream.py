"""``yield_per`` streams for real on every backend: memory flat in the row count, while eager loads
of each batch, lazy loads and autoflushes inside the loop still run on the same connection."""

from __future__ import annotations

import gc
import tracemalloc
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import ForeignKey, Integer, String, insert, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class SItem(Base):
    __tablename__ = "ys_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    x: Mapped[int] = mapped_column(Integer)


class SParent(Base):
    __tablename__ = "ys_parent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    kids: Mapped[list[SKid]] = relationship(back_populates="parent", order_by="SKid.id")


class SKid(Base):
    __tablename__ = "ys_kid"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("ys_parent.id"))
    parent: Mapped[SParent] = relationship(back_populates="kids")


N_ITEMS = 200_000
N_PARENTS = 60
N_KIDS = 300  # kid k belongs to parent (k % N_PARENTS) + 1


@pytest.fixture
def tables(engine: Any) -> Iterator[None]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield
    Base.metadata.drop_all(engine)


@pytest.fixture
def family(engine: Any, tables: None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(SParent.__table__), [{"id": i, "name": f"p{i}"} for i in range(1, N_PARENTS + 1)])
        conn.execute(insert(SKid.__table__),
                     [{"id": k, "parent_id": (k % N_PARENTS) + 1} for k in range(1, N_KIDS + 1)])


def _expected_kids(parent_id: int) -> list[int]:
    return [k for k in range(1, N_KIDS + 1) if (k % N_PARENTS) + 1 == parent_id]


@pytest.mark.timeout(300)
def test_yield_per_memory_is_flat_in_row_count(engine: Any, tables: None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(SItem.__table__), [{"id": i, "x": i % 7} for i in range(1, N_ITEMS + 1)])

    def stream(n: int) -> int:
        gc.collect()
        with Session(engine) as session:
            tracemalloc.start()
            try:
                count = total = 0
                stmt = select(SItem).where(SItem.id <= n).order_by(SItem.id).execution_options(yield_per=1000)
                for item in session.scalars(stmt):
                    count += 1
                    total += item.id
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert count == n and total == n * (n + 1) // 2
        return peak

    tenth, full = stream(N_ITEMS // 10), stream(N_ITEMS)
    # buffered, 10x the rows costs several times the memory (pymysql: ~5 MiB -> ~30 MiB);
    # streamed, the peak is a batch or two whatever the row count
    assert full < tenth * 1.5 + 512 * 1024, f"{tenth / 2**20:.2f} MiB -> {full / 2**20:.2f} MiB"


def test_yield_per_with_selectinload_per_batch(engine: Any, family: None) -> None:
    with warnings.catch_warnings():
        # pymysql discards an unread result with this warning: here it would mean lost rows
        warnings.filterwarnings("error", message="Previous unbuffered result")
        with Session(engine) as session:
            stmt = select(SParent).options(selectinload(SParent.kids)).order_by(SParent.id) \
                .execution_options(yield_per=7)
            seen = []
            for part in session.scalars(stmt).partitions():
                assert len(part) <= 7
                for p in part:
                    assert [k.id for k in p.kids] == _expected_kids(p.id)
                    seen.append(p.id)
    assert seen == list(range(1, N_PARENTS + 1))


@pytest.mark.filterwarnings("ignore::sqlweave.orm.exc.NPlusOneWarning")  # lazy loads inside the loop on purpose
def test_yield_per_with_lazy_loads_and_autoflush_in_the_loop(engine: Any, family: None) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Previous unbuffered result")
        with Session(engine) as session:
            seen = []
            stmt = select(SKid).order_by(SKid.id).execution_options(yield_per=25)
            for kid in session.scalars(stmt):
                parent = kid.parent  # many-to-one lazy load (SQL the first time per parent)
                assert parent.id == (kid.id % N_PARENTS) + 1
                assert [k.id for k in parent.kids] == _expected_kids(parent.id)  # one-to-many lazy load
                if kid.id == 40:
                    session.add(SParent(id=N_PARENTS + 1, name="late"))
                    # a query inside the loop autoflushes the new parent (an INSERT mid-stream)
                    assert session.scalars(select(SParent.name).where(SParent.id == N_PARENTS + 1)).one() == "late"
                seen.append(kid.id)
            assert seen == list(range(1, N_KIDS + 1))
            session.commit()
    with Session(engine) as session:
        assert session.get(SParent, N_PARENTS + 1) is not None
