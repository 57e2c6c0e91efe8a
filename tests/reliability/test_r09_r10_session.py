"""R9 – a duplicate key inside a flush, then rollback, then continue; R10 – SAVEPOINT rollback
restores objects, collections and the database (SQLAlchemy 2.0 ORM API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import ForeignKey, String, event, exc, inspect, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]


def _models() -> tuple[Any, Any, Any]:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = rel("rel_r9_user")
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        name: Mapped[str] = mapped_column(String(40))
        addresses: Mapped[list[Address]] = relationship(back_populates="user",
                                                        order_by="Address.id",
                                                        cascade="all, delete-orphan")

    class Address(Base):
        __tablename__ = rel("rel_r9_addr")
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        email: Mapped[str] = mapped_column(String(60))
        user_id: Mapped[int] = mapped_column(ForeignKey(f"{rel('rel_r9_user')}.id"))
        user: Mapped[User] = relationship(back_populates="addresses")

    return Base, User, Address


@pytest.fixture
def models(engine: Any) -> Iterator[tuple[Any, Any, Any]]:
    Base, User, Address = _models()
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield Base, User, Address
    Base.metadata.drop_all(engine)


def _unique_violation(db: str, orig: BaseException | None) -> bool:
    if db == "postgresql":
        return getattr(orig, "pgcode", None) == "23505"
    if db == "mysql":
        return orig is not None and bool(orig.args) and orig.args[0] == 1062
    return "UNIQUE constraint failed" in str(orig)


@pytest.mark.timeout(60)
def test_r9_duplicate_key_in_flush(engine: Any, models: Any, db_name: str, figures: Any) -> None:
    _, User, Address = models
    with Session(engine) as s:
        s.add(User(id=1, name="u1", addresses=[Address(id=1, email="a1")]))
        s.commit()

    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        statements.append(" ".join(statement.split()))

    # listen before the session's connection exists (a Connection reads the engine's listeners
    # when it is made)
    event.listen(engine, "before_cursor_execute", capture)
    s = Session(engine)
    try:
        u1 = s.get(User, 1)
        a1 = u1.addresses[0]
        u1.name = "u1-mod"
        a1.email = "a1-mod"
        dup = User(id=1, name="dup")
        ok_user = User(id=2, name="ok2")
        ok_addr = Address(id=2, email="ok-addr", user=ok_user)
        s.add_all([dup, ok_user, ok_addr])
        del statements[:]
        with pytest.raises(exc.IntegrityError) as info:
            s.flush()
        assert _unique_violation(db_name, info.value.orig), repr(info.value.orig)
        failing = list(statements)
        del statements[:]
        user_t, addr_t = User.__tablename__, Address.__tablename__
        assert failing, "no statement captured"
        assert failing[-1].upper().startswith("INSERT INTO") and user_t in failing[-1], failing
        assert not any(addr_t in st and st.upper().startswith(("INSERT", "UPDATE"))
                       for st in failing), "addresses were written before their users"

        with pytest.raises(exc.PendingRollbackError):
            s.execute(select(User))
        with pytest.raises(exc.PendingRollbackError):
            s.flush()
        s.rollback()

        for obj in (dup, ok_user, ok_addr):
            assert obj not in s
            st = inspect(obj)
            assert st.transient, f"{obj!r} is not transient after rollback"
        assert s.get(User, 1) is u1
        assert u1.name == "u1"
        assert a1.email == "a1"
        assert [a.id for a in u1.addresses] == [1]

        # corrected re-commit
        u1.name = "u1-mod"
        a1.email = "a1-mod"
        s.add_all([User(id=3, name="was-dup"), User(id=2, name="ok2",
                                                    addresses=[Address(id=2, email="ok-addr")])])
        s.commit()
    finally:
        s.close()
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        users = [tuple(r) for r in conn.execute(
            select(User.__table__.c.id, User.__table__.c.name).order_by(User.__table__.c.id))]
        addrs = [tuple(r) for r in conn.execute(
            select(Address.__table__.c.id, Address.__table__.c.email, Address.__table__.c.user_id)
            .order_by(Address.__table__.c.id))]
    assert users == [(1, "u1-mod"), (2, "ok2"), (3, "was-dup")]
    assert addrs == [(1, "a1-mod", 1), (2, "ok-addr", 2)]
    figures(scenario="R9", passed=True, failing_flush=[st.split(" (")[0][:60] for st in failing])


# -- R10 ----------------------------------------------------------------------------------------


class _Boom(Exception):
    pass


def _db_state(engine: Any, User: Any, Address: Any) -> tuple[Any, Any]:
    with engine.connect() as conn:
        ut, at = User.__table__, Address.__table__
        return ([tuple(r) for r in conn.execute(select(ut.c.id, ut.c.name).order_by(ut.c.id))],
                [tuple(r) for r in conn.execute(select(at.c.id, at.c.email, at.c.user_id)
                                                .order_by(at.c.id))])


def _snapshot(s: Session, users: list[Any]) -> Any:
    return [(u.id, u.name, [(a.id, a.email) for a in u.addresses], u in s) for u in users]


@pytest.mark.timeout(60)
def test_r10_savepoint_rollback_restores_state(engine: Any, models: Any, figures: Any) -> None:
    _, User, Address = models
    with Session(engine) as s:
        s.add_all([User(id=1, name="p1", addresses=[Address(id=1, email="c1"),
                                                    Address(id=2, email="c2")]),
                   User(id=2, name="other")])
        s.commit()

    with Session(engine) as s:
        u1, other = s.get(User, 1), s.get(User, 2)
        u1.name = "outer"  # an outer-transaction change, flushed by begin_nested()
        s.flush()
        before = _snapshot(s, [u1, other])
        c1 = u1.addresses[0]
        new_user = User(id=3, name="new")
        with pytest.raises(_Boom):
            with s.begin_nested():
                u1.name = "inner"
                u1.addresses.append(Address(id=3, email="c3"))
                u1.addresses.remove(c1)
                s.add(new_user)
                s.delete(other)
                s.flush()
                raise _Boom()
        after = _snapshot(s, [u1, other])
        assert after == before
        assert new_user not in s and inspect(new_user).transient
        ut = User.__table__  # the database, seen inside the outer transaction
        in_tx_db = [tuple(r) for r in s.execute(select(ut.c.id, ut.c.name).order_by(ut.c.id))]
        assert in_tx_db == [(1, "outer"), (2, "other")]
        s.commit()
    assert _db_state(engine, User, Address) == (
        [(1, "outer"), (2, "other")], [(1, "c1", 1), (2, "c2", 1)])
    figures(scenario="R10", case="savepoint rollback", fields_compared=len(before[0]) * 2)


@pytest.mark.timeout(60)
def test_r10_three_levels_roll_back_the_middle(engine: Any, models: Any, figures: Any) -> None:
    _, User, Address = models
    with Session(engine) as s:
        s.add(User(id=1, name="start"))
        s.commit()
    names: list[str] = []

    def on_savepoint(conn: Any, name: str) -> None:
        names.append(name)

    event.listen(engine, "savepoint", on_savepoint)
    try:
        with Session(engine) as s:
            u = s.get(User, 1)
            sp1 = s.begin_nested()
            u.name = "L1"
            sp2 = s.begin_nested()
            u.name = "L2"
            s.add(User(id=2, name="in-L2"))
            sp3 = s.begin_nested()
            u.name = "L3"
            s.add(User(id=3, name="in-L3"))
            sp3.commit()
            sp2.rollback()
            assert u.name == "L1"
            assert s.get(User, 2) is None and s.get(User, 3) is None
            sp1.commit()
            s.commit()
    finally:
        event.remove(engine, "savepoint", on_savepoint)
    assert len(names) == 3 and len(set(names)) == 3, names
    assert _db_state(engine, User, Address)[0] == [(1, "L1")]
    figures(scenario="R10", case="3 levels, middle rolled back", savepoint_names=names)


@pytest.mark.timeout(60)
def test_r10_outer_rollback_undoes_released_savepoint(engine: Any, models: Any) -> None:
    _, User, Address = models
    with Session(engine) as s:
        with s.begin_nested():
            s.add(User(id=7, name="released"))
        assert s.get(User, 7) is not None
        s.rollback()
    assert _db_state(engine, User, Address)[0] == []
