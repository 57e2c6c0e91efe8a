"""ORM INSERT/UPDATE/DELETE with ``returning(Entity)``: the returned rows come back as objects of
the session's identity map, on the backend under test."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import ForeignKey, String, delete, exc, insert, select, text, update
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.fix_db import requires
from tests.orm.model_fixtures import model_fixtures

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class RUser(Base):
    __tablename__ = "ormret_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'new'"))


class RPerson(Base):
    __tablename__ = "ormret_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "person"}


class REngineer(RPerson):
    __tablename__ = "ormret_engineer"
    id: Mapped[int] = mapped_column(ForeignKey("ormret_person.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


tables, session = model_fixtures(Base.metadata)


def _stored(session: Session) -> list[tuple[Any, ...]]:
    rows = session.connection().execute(
        select(RUser.__table__).order_by(RUser.__table__.c.name)).all()
    return [tuple(r) for r in rows]


def test_bulk_insert_returning_entities(session: Session, engine: Any) -> None:
    requires("insert_returning")(engine)
    stmt = insert(RUser).returning(RUser, sort_by_parameter_order=True)
    users = session.scalars(stmt, [{"name": f"u{i}"} for i in range(5)]).all()
    assert [u.name for u in users] == [f"u{i}" for i in range(5)]
    assert all(u.status == "new" for u in users)  # server default, returned with the row
    assert len({u.id for u in users}) == 5
    for u in users:  # persistent, in the identity map: get() is the same object
        assert session.get(RUser, u.id) is u
    session.commit()
    assert _stored(session) == [(u.id, u.name, "new") for u in users]


def test_insert_returning_entity_and_column(session: Session, engine: Any) -> None:
    requires("insert_returning")(engine)
    row = session.execute(insert(RUser).returning(RUser, RUser.name), {"name": "ann"}).one()
    user, name = row
    assert isinstance(user, RUser) and user.name == name == "ann"
    assert row._mapping["name"] == "ann"
    assert session.get(RUser, user.id) is user


def test_update_returning_refreshes_loaded_objects(session: Session, engine: Any) -> None:
    requires("update_returning")(engine)
    session.add_all([RUser(name="a"), RUser(name="b"), RUser(name="c")])
    session.commit()
    loaded = {u.name: u for u in session.scalars(select(RUser))}
    stmt = update(RUser).where(RUser.name.in_(["a", "b"])).values(status="done").returning(RUser)
    changed = session.scalars(stmt).all()
    assert sorted(changed, key=lambda u: u.name) == [loaded["a"], loaded["b"]]  # same identities
    assert loaded["a"].status == loaded["b"].status == "done"
    assert loaded["c"].status == "new"
    session.commit()
    assert [r[2] for r in _stored(session)] == ["done", "done", "new"]


def test_update_returning_entity_refused_where_the_server_cannot(session: Session, engine: Any) -> None:
    with engine.connect():
        pass
    if engine.dialect.update_returning:
        pytest.skip(f"{engine.dialect.name} has UPDATE ... RETURNING")
    session.add(RUser(name="a"))
    session.commit()
    with pytest.raises(exc.CompileError, match="RETURNING is not supported"):
        session.execute(update(RUser).values(status="x").returning(RUser))
    session.rollback()
    assert [r[2] for r in _stored(session)] == ["new"]  # nothing changed, session usable


def test_delete_returning_marks_objects_deleted(session: Session, engine: Any) -> None:
    requires("delete_returning")(engine)
    session.add_all([RUser(name="a"), RUser(name="b")])
    session.commit()
    a = session.scalars(select(RUser).where(RUser.name == "a")).one()
    gone = session.scalars(delete(RUser).where(RUser.name == "a").returning(RUser)).all()
    assert gone == [a]
    assert a not in session
    assert session.get(RUser, a.id) is None
    session.commit()
    assert [r[1] for r in _stored(session)] == ["b"]


def test_delete_returning_unloaded_rows_gives_detached_objects(session: Session, engine: Any) -> None:
    requires("delete_returning")(engine)
    session.connection().execute(insert(RUser.__table__), [{"name": "x"}, {"name": "y"}])
    gone = session.scalars(delete(RUser).returning(RUser)).all()
    assert sorted(u.name for u in gone) == ["x", "y"]
    assert not any(u in session for u in gone)
    session.commit()
    assert _stored(session) == []


def test_returning_entity_clear_errors(session: Session, engine: Any) -> None:
    with pytest.raises(exc.InvalidRequestError, match="joined-table inheritance"):
        session.execute(insert(REngineer).returning(REngineer), {"kind": "engineer", "lang": "py"})
    with pytest.raises(exc.InvalidRequestError, match="list of parameter sets"):
        session.execute(update(RUser).where(RUser.id == 1).values(name="z").returning(RUser),
                        [{"name": "a"}])
    session.rollback()
    session.add(RUser(name="still works"))
    session.commit()
    assert [r[1] for r in _stored(session)] == ["still works"]
