"""Single-table inheritance against the backend under test (joined/concrete: refused clearly)."""

from __future__ import annotations

import pytest

from sqlweave.core import ForeignKey, String, inspect, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.inheritance import with_polymorphic
from tests.orm.model_fixtures import model_fixtures

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class IDept(Base):
    __tablename__ = "orme_i_dept"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    staff: Mapped[list[IEmployee]] = relationship(back_populates="dept", order_by="IEmployee.id")


class IEmployee(Base):
    __tablename__ = "orme_i_employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(20))
    dept_id: Mapped[int | None] = mapped_column(ForeignKey("orme_i_dept.id"))
    dept: Mapped[IDept | None] = relationship(back_populates="staff")
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class IManager(IEmployee):
    manager_data: Mapped[str | None] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "manager"}


class IEngineer(IEmployee):
    language: Mapped[str | None] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


class IPrincipal(IEngineer):
    __mapper_args__ = {"polymorphic_identity": "principal"}


tables, session = model_fixtures(Base.metadata)


def _populate(session: Session) -> None:
    d = IDept(name="r&d")
    session.add_all([
        IEmployee(name="emp", dept=d),
        IManager(name="boss", manager_data="budget", dept=d),
        IEngineer(name="eng", language="python", dept=d),
        IPrincipal(name="prin", language="sql"),
    ])
    session.commit()
    session.close()


def test_mapper_polymorphic_info() -> None:
    m = inspect(IManager)
    assert m.inherits is inspect(IEmployee) and m.base_mapper is inspect(IEmployee)
    assert m.single is True and m.local_table is IEmployee.__table__
    assert m.polymorphic_on is IEmployee.__table__.c.type
    assert set(inspect(IEmployee).polymorphic_map) == {"employee", "manager", "engineer",
                                                        "principal"}


def test_discriminator_written_on_insert(session: Session) -> None:
    _populate(session)
    with session.bind.connect() as conn:
        rows = conn.execute(select(IEmployee.__table__.c.name, IEmployee.__table__.c.type,
                                   IEmployee.__table__.c.manager_data,
                                   IEmployee.__table__.c.language)
                            .order_by(IEmployee.__table__.c.id)).all()
    assert [tuple(r) for r in rows] == [
        ("emp", "employee", None, None), ("boss", "manager", "budget", None),
        ("eng", "engineer", None, "python"), ("prin", "principal", None, "sql")]


def test_base_query_returns_subclasses(session: Session) -> None:
    _populate(session)
    people = session.scalars(select(IEmployee).order_by(IEmployee.id)).all()
    assert [type(p).__name__ for p in people] == ["IEmployee", "IManager", "IEngineer",
                                                  "IPrincipal"]
    boss = people[1]
    assert boss.manager_data == "budget"  # subclass column loaded on access
    assert people[3].language == "sql"
    assert session.get(IEmployee, boss.id) is boss
    assert people[0].dept.name == "r&d" and people[0].dept.staff[1] is boss


def test_subclass_query_filters_on_discriminator(session: Session) -> None:
    _populate(session)
    engineers = session.scalars(select(IEngineer).order_by(IEngineer.id)).all()
    assert [(type(e).__name__, e.name) for e in engineers] == [("IEngineer", "eng"),
                                                               ("IPrincipal", "prin")]
    assert [m.name for m in session.scalars(select(IManager))] == ["boss"]
    assert session.scalars(select(IPrincipal.name)).all() == ["prin"]


def test_update_and_delete_subclass(session: Session) -> None:
    _populate(session)
    eng = session.scalars(select(IEngineer).where(IEngineer.name == "eng")).one()
    eng.language = "rust"
    session.flush()
    session.commit()
    session.close()
    reloaded = session.scalars(select(IEmployee).where(IEmployee.name == "eng")).one()
    assert isinstance(reloaded, IEngineer) and reloaded.language == "rust"
    session.delete(reloaded)
    session.commit()
    assert sorted(session.scalars(select(IEmployee.name)).all()) == ["boss", "emp", "prin"]


def test_with_polymorphic_loads_subclass_columns(session: Session) -> None:
    _populate(session)
    ent = with_polymorphic(IEmployee, [IManager, IEngineer])
    people = session.scalars(select(ent).order_by(IEmployee.id)).all()
    boss = people[1]
    # loaded with the row: no expired attribute left
    assert "manager_data" in boss.__dict__ and boss.manager_data == "budget"
    assert people[2].__dict__["language"] == "python"


def test_concrete_table_inheritance_refused() -> None:
    # joined-table inheritance is supported (tests/orm/test_inheritance_joined.py)
    class B2(DeclarativeBase):
        pass

    class P(B2):
        __tablename__ = "orme_i_p"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(orm_exc.ORMConfigurationError, match="concrete-table inheritance is not supported"):
        class C(P):
            __tablename__ = "orme_i_c"
            id: Mapped[int] = mapped_column(primary_key=True)
            __mapper_args__ = {"concrete": True}
