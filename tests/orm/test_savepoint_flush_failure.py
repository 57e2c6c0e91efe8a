"""A flush that fails inside begin_nested() loses only the savepoint's work."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import String, exc, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "ormc_sp_items"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def setup(engine: Any) -> Any:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def test_outer_transaction_survives_failed_savepoint_flush(setup: Any) -> None:
    with Session(setup) as s:
        s.add(Item(id=1, name="a"))
        s.commit()
        s.add(Item(id=2, name="b"))
        dup = Item(id=1, name="dup")
        with pytest.raises(exc.IntegrityError):
            with s.begin_nested():
                s.add(dup)
                s.flush()
        assert dup not in s  # its insert was undone with the savepoint
        s.add(Item(id=3, name="c"))
        s.commit()
    with Session(setup) as s:
        assert s.scalars(select(Item.id).order_by(Item.id)).all() == [1, 2, 3]


def test_using_session_before_savepoint_rollback_is_refused(setup: Any) -> None:
    with Session(setup) as s:
        s.add(Item(id=1, name="a"))
        s.commit()
        sp = s.begin_nested()
        s.add(Item(id=1, name="dup"))
        with pytest.raises(exc.IntegrityError):
            s.flush()
        with pytest.raises(exc.PendingRollbackError, match="SAVEPOINT"):
            s.execute(select(Item))
        sp.rollback()
        assert s.scalars(select(Item.name)).all() == ["a"]
