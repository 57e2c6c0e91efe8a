"""``Session(binds={Class: engine, ...})``: each mapper's SQL goes to its own engine, in one session
transaction. The backend under test holds the users; a SQLite file holds the addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import String, create_engine, select, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class BUser(Base):
    __tablename__ = "ormm_b_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    # no FOREIGN KEY across databases: the join is declared
    addresses: Mapped[list[BAddress]] = relationship(
        primaryjoin="BUser.id == foreign(BAddress.user_id)", back_populates="user",
        cascade="all, delete-orphan", order_by="BAddress.id")


class BAddress(Base):
    __tablename__ = "ormm_b_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None]
    user: Mapped[BUser | None] = relationship(
        primaryjoin="BUser.id == foreign(BAddress.user_id)", back_populates="addresses")


@pytest.fixture
def engines(engine: Any, tmp_path: Any) -> Iterator[tuple[Any, Any]]:
    other = create_engine(f"sqlite:///{tmp_path / 'ormm_binds.db'}")
    BUser.__table__.drop(engine, checkfirst=True)
    BUser.__table__.create(engine)
    BAddress.__table__.create(other)
    yield engine, other
    BUser.__table__.drop(engine, checkfirst=True)
    other.dispose()


def _rows(eng: Any, sql: str) -> list[tuple[Any, ...]]:
    with eng.connect() as c:
        return [tuple(r) for r in c.execute(text(sql)).all()]


def test_binds_route_each_mapper(engines: tuple[Any, Any]) -> None:
    main, other = engines
    with Session(binds={BUser: main, BAddress: other}) as s:
        assert s.get_bind(BUser) is main and s.get_bind(BAddress) is other
        u = BUser(id=1, name="u", addresses=[BAddress(id=1, email="a"), BAddress(id=2, email="b")])
        s.add(u)
        s.commit()
        assert _rows(main, "SELECT id, name FROM ormm_b_user") == [(1, "u")]
        assert _rows(other, "SELECT id, email, user_id FROM ormm_b_address ORDER BY id") == [
            (1, "a", 1), (2, "b", 1)]
        # reads go to the right engine too: lazy load, selectin load, select()
        assert [a.email for a in u.addresses] == ["a", "b"]
        s.expunge_all()
        got = s.scalars(select(BUser).options(selectinload(BUser.addresses))).one()
        assert [a.email for a in got.addresses] == ["a", "b"]
        assert s.get(BAddress, 2).user is got
        # a rollback covers both engines
        got.name = "changed"
        got.addresses[0].email = "changed"
        s.flush()
        s.rollback()
        assert _rows(main, "SELECT name FROM ormm_b_user") == [("u",)]
        assert _rows(other, "SELECT email FROM ormm_b_address ORDER BY id") == [("a",), ("b",)]
        # and the delete cascade runs on each side
        s.delete(s.get(BUser, 1))
        s.commit()
        assert _rows(main, "SELECT count(*) FROM ormm_b_user") == [(0,)]
        assert _rows(other, "SELECT count(*) FROM ormm_b_address") == [(0,)]
