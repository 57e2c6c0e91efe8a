"""Joined-table inheritance against the backend under test: rows in both tables, polymorphic
loading, statement counts of flushes and with_polymorphic, three levels (Employee → Manager →
Director). Concrete-table inheritance is refused (tests/orm/test_inheritance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import ForeignKey, String, inspect, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.inheritance import with_polymorphic
from tests.orm.model_fixtures import model_fixtures

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class JDept(Base):
    __tablename__ = "ormj_dept"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    staff: Mapped[list[JEmployee]] = relationship(back_populates="dept", order_by="JEmployee.id")


class JEmployee(Base):
    __tablename__ = "ormj_employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(20))
    dept_id: Mapped[int | None] = mapped_column(ForeignKey("ormj_dept.id"))
    dept: Mapped[JDept | None] = relationship(back_populates="staff")
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class JManager(JEmployee):
    __tablename__ = "ormj_manager"
    id: Mapped[int] = mapped_column(ForeignKey("ormj_employee.id"), primary_key=True)
    manager_data: Mapped[str | None] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "manager"}


class JEngineer(JEmployee):
    __tablename__ = "ormj_engineer"
    id: Mapped[int] = mapped_column(ForeignKey("ormj_employee.id"), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


class JDirector(JManager):
    __tablename__ = "ormj_director"
    id: Mapped[int] = mapped_column(ForeignKey("ormj_manager.id"), primary_key=True)
    golf: Mapped[str | None] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "director"}


E = JEmployee.__table__
M = JManager.__table__
G = JEngineer.__table__
D = JDirector.__table__


tables, session = model_fixtures(Base.metadata)


def _rows(session: Session, table: Any) -> list[tuple[Any, ...]]:
    with session.bind.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]


def _populate(session: Session) -> dict[str, int]:
    d = JDept(name="r&d")
    objs = {
        "emp": JEmployee(name="emp", dept=d),
        "boss": JManager(name="boss", manager_data="budget", dept=d),
        "eng": JEngineer(name="eng", language="python", dept=d),
        "eng2": JEngineer(name="eng2", language="sql"),
        "dir": JDirector(name="dir", manager_data="board", golf="weekly"),
    }
    session.add_all(list(objs.values()))
    session.commit()
    ids = {k: o.id for k, o in objs.items()}
    session.close()
    return ids


def _stmts(counter: Any, verb: str) -> list[str]:
    return [s for s in counter.statements if s.lstrip().upper().startswith(verb)]


def test_mapper_info() -> None:
    m = inspect(JDirector)
    assert m.inherits is inspect(JManager) and m.base_mapper is inspect(JEmployee)
    assert m.single is False and m.local_table is D
    assert m.tables == [E, M, D]
    assert m.primary_key == (E.c.id,)
    assert set(m.attrs.keys()) >= {"id", "name", "type", "dept_id", "dept", "manager_data", "golf"}
    assert m.attrs["id"].columns == [D.c.id, M.c.id, E.c.id]
    assert m.polymorphic_on is E.c.type
    assert set(inspect(JEmployee).polymorphic_map) == {"employee", "manager", "engineer", "director"}
    assert "manager_data" not in inspect(JEmployee).attrs  # subclass columns stay on the subclass


def test_insert_writes_parent_then_child_rows(session: Session, counter: Any) -> None:
    counter.reset()
    ids = _populate(session)
    inserts = _stmts(counter, "INSERT")
    # each row's parent table is written before its child table
    first = {t: min(i for i, s in enumerate(inserts) if f"{t} " in s or f"{t}`" in s or f'{t}"' in s)
             for t in ("ormj_employee", "ormj_manager", "ormj_director")}
    assert first["ormj_employee"] < first["ormj_manager"] < first["ormj_director"]
    # the two engineer rows go in one (executemany) INSERT of the child table
    assert len([s for s in inserts if "ormj_engineer" in s]) == 1
    (dept_id,) = [r[0] for r in _rows(session, JDept.__table__)]
    assert _rows(session, E) == [
        (ids["emp"], "emp", "employee", dept_id),
        (ids["boss"], "boss", "manager", dept_id),
        (ids["eng"], "eng", "engineer", dept_id),
        (ids["eng2"], "eng2", "engineer", None),
        (ids["dir"], "dir", "director", None)]
    assert _rows(session, M) == [(ids["boss"], "budget"), (ids["dir"], "board")]
    assert _rows(session, G) == [(ids["eng"], "python"), (ids["eng2"], "sql")]
    assert _rows(session, D) == [(ids["dir"], "weekly")]


def test_base_query_returns_subclasses_and_loads_columns_on_access(session: Session, counter: Any) -> None:
    ids = _populate(session)
    people = session.scalars(select(JEmployee).order_by(JEmployee.id)).all()
    assert [type(p).__name__ for p in people] == ["JEmployee", "JManager", "JEngineer", "JEngineer",
                                                  "JDirector"]
    boss, director = people[1], people[4]
    assert "manager_data" not in boss.__dict__
    counter.reset()
    assert boss.manager_data == "budget"
    assert counter.count == 1  # one SELECT for the object's subclass columns
    counter.reset()
    assert (director.golf, director.manager_data) == ("weekly", "board")
    assert counter.count == 1  # all of the object's unloaded columns at once
    assert session.get(JEmployee, ids["boss"]) is boss
    assert people[0].dept is not None and people[0].dept.staff[1] is boss


def test_subclass_query_joins_tables(session: Session) -> None:
    ids = _populate(session)
    sql = str(select(JManager))
    assert "JOIN ormj_manager" in sql
    managers = session.scalars(select(JManager).order_by(JManager.id)).all()
    assert [(type(m).__name__, m.name, m.manager_data) for m in managers] == [
        ("JManager", "boss", "budget"), ("JDirector", "dir", "board")]
    engs = session.scalars(select(JEngineer).where(JEngineer.language == "sql")).all()
    assert [(e.id, e.name) for e in engs] == [(ids["eng2"], "eng2")]
    assert session.scalars(select(JManager.manager_data).order_by(JManager.manager_data)).all() == \
        ["board", "budget"]
    directors = session.scalars(select(JDirector)).all()
    assert [(d.name, d.manager_data, d.golf) for d in directors] == [("dir", "board", "weekly")]


def test_get_subclass(session: Session, counter: Any) -> None:
    ids = _populate(session)
    counter.reset()
    d = session.get(JDirector, ids["dir"])
    assert counter.count == 1
    assert isinstance(d, JDirector) and (d.name, d.manager_data, d.golf) == ("dir", "board", "weekly")
    assert counter.count == 1
    m = session.get(JManager, ids["boss"])
    assert isinstance(m, JManager) and m.manager_data == "budget"
    assert session.get(JEngineer, 10**6) is None


def test_update_only_changed_tables(session: Session, counter: Any) -> None:
    ids = _populate(session)
    eng = session.get(JEngineer, ids["eng"])
    assert eng is not None
    eng.language = "rust"  # child-only column
    counter.reset()
    session.flush()
    ups = _stmts(counter, "UPDATE")
    assert len(ups) == 1 and "ormj_engineer" in ups[0]
    eng.name = "engineer one"  # parent column
    counter.reset()
    session.flush()
    ups = _stmts(counter, "UPDATE")
    assert len(ups) == 1 and "ormj_employee" in ups[0]
    d = session.get(JDirector, ids["dir"])
    assert d is not None
    d.name, d.manager_data, d.golf = "chief", "all", "daily"  # all three tables
    counter.reset()
    session.flush()
    ups = _stmts(counter, "UPDATE")
    assert len(ups) == 3
    assert [t for u in ups for t in ("ormj_employee", "ormj_manager", "ormj_director") if f"{t} " in u
            or f"{t}`" in u or f'{t}"' in u] == ["ormj_employee", "ormj_manager", "ormj_director"]
    session.commit()
    assert (ids["eng"], "rust") in _rows(session, G)
    assert (ids["dir"], "all") in _rows(session, M) and _rows(session, D) == [(ids["dir"], "daily")]
    names = {r[0]: r[1] for r in _rows(session, E)}
    assert names[ids["eng"]] == "engineer one" and names[ids["dir"]] == "chief"
    session.close()
    again = session.get(JEmployee, ids["eng"])
    assert isinstance(again, JEngineer) and (again.name, again.language) == ("engineer one", "rust")


def test_delete_child_row_then_parent_row(session: Session, counter: Any) -> None:
    ids = _populate(session)
    d = session.get(JDirector, ids["dir"])
    e = session.get(JEngineer, ids["eng2"])
    session.delete(d)
    session.delete(e)
    counter.reset()
    session.commit()
    dels = _stmts(counter, "DELETE")
    order = [t for s in dels for t in ("ormj_director", "ormj_manager", "ormj_engineer", "ormj_employee")
             if f"{t} " in s or f"{t}`" in s or f'{t}"' in s]
    assert order.index("ormj_director") < order.index("ormj_manager") < len(order) - 1
    assert order.index("ormj_engineer") < max(i for i, t in enumerate(order) if t == "ormj_employee")
    assert [r[0] for r in _rows(session, E)] == [ids["emp"], ids["boss"], ids["eng"]]
    assert _rows(session, M) == [(ids["boss"], "budget")]
    assert _rows(session, G) == [(ids["eng"], "python")]
    assert _rows(session, D) == []
    assert session.get(JEmployee, ids["dir"]) is None


def test_with_polymorphic_one_statement(session: Session, counter: Any) -> None:
    ids = _populate(session)
    wp = with_polymorphic(JEmployee, [JManager, JEngineer])
    assert "LEFT OUTER JOIN ormj_manager" in str(select(wp))
    counter.reset()
    people = session.scalars(select(wp).order_by(JEmployee.id)).all()
    assert [type(p).__name__ for p in people] == ["JEmployee", "JManager", "JEngineer", "JEngineer",
                                                  "JDirector"]
    assert (people[1].manager_data, people[2].language, people[3].language) == ("budget", "python", "sql")
    assert people[4].manager_data == "board"
    assert "manager_data" not in people[2].__dict__ and "language" not in people[1].__dict__
    assert counter.count == 1
    # the director's own table was not in the list: its column loads on access
    assert people[4].golf == "weekly" and counter.count == 2
    session.close()
    counter.reset()
    allp = session.scalars(select(with_polymorphic(JEmployee, "*")).order_by(JEmployee.id)).all()
    assert [(p.id, getattr(p, "golf", None), getattr(p, "language", None)) for p in allp] == [
        (ids["emp"], None, None), (ids["boss"], None, None), (ids["eng"], None, "python"),
        (ids["eng2"], None, "sql"), (ids["dir"], "weekly", None)]
    assert counter.count == 1
    # criteria on a subclass column through the entity
    wp2 = with_polymorphic(JEmployee, [JManager])
    found = session.scalars(select(wp2).where(wp2.JManager.manager_data == "board")).all()
    assert [p.name for p in found] == ["dir"]


def test_with_polymorphic_leaves_mappers_unchanged(session: Session) -> None:
    with_polymorphic(JEmployee, "*")
    assert "manager_data" not in inspect(JEmployee).attrs
    assert "ormj_manager" not in str(select(JEmployee))


def test_relationship_from_base_works_on_subclasses(session: Session, counter: Any) -> None:
    ids = _populate(session)
    boss = session.get(JManager, ids["boss"])
    assert boss is not None and boss.dept is not None and boss.dept.name == "r&d"
    assert [type(p).__name__ for p in boss.dept.staff] == ["JEmployee", "JManager", "JEngineer"]
    newdept = JDept(name="ops")
    d = session.get(JDirector, ids["dir"])
    assert d is not None
    d.dept = newdept
    session.commit()
    with session.bind.connect() as conn:
        dept_id = conn.execute(select(E.c.dept_id).where(E.c.id == ids["dir"])).scalar()
        assert conn.execute(select(JDept.__table__.c.name).where(JDept.__table__.c.id == dept_id)).scalar() == "ops"


def test_three_levels_persist_and_reload(session: Session) -> None:
    d = JDirector(name="d2", manager_data="m2", golf="g2")
    session.add(d)
    session.commit()
    did = d.id
    session.close()
    assert (did, "d2", "director", None) in _rows(session, E)
    assert (did, "m2") in _rows(session, M) and (did, "g2") in _rows(session, D)
    for cls in (JEmployee, JManager, JDirector):
        obj = session.scalars(select(cls).where(cls.id == did)).one()
        assert type(obj) is JDirector and (obj.name, obj.manager_data, obj.golf) == ("d2", "m2", "g2")
        session.close()


def test_subclass_table_without_foreign_key_refused() -> None:
    class B3(DeclarativeBase):
        pass

    class P3(B3):
        __tablename__ = "ormj_p3"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(orm_exc.ORMConfigurationError,
                       match="'C3'.*no primary key column with a ForeignKey to 'ormj_p3'.*concrete-table"):
        class C3(P3):
            __tablename__ = "ormj_c3"
            id: Mapped[int] = mapped_column(primary_key=True)


def test_aliased_joined_subclass(session: Session, counter: Any) -> None:
    from sqlweave.orm import aliased, with_loader_criteria

    ids = _populate(session)
    eng = session.get(JEngineer, ids["eng"])
    ea = aliased(JEngineer)
    counter.reset()
    found = session.scalars(select(ea).where(ea.language == "python")).all()
    assert found == [eng]  # the same identity as a plain load
    assert len(counter.statements) == 1
    # attributes from both tables, one SELECT over the join: non-engineers never appear
    names = session.execute(select(ea.name, ea.language).order_by(ea.name)).all()
    assert [tuple(r) for r in names] == [("eng", "python"), ("eng2", "sql")]
    # two aliases of the same subclass in one statement
    eb = aliased(JEngineer, name="eb")
    pairs = session.execute(select(ea.name, eb.name).join(eb, ea.id != eb.id).order_by(ea.name)).all()
    assert [tuple(r) for r in pairs] == [("eng", "eng2"), ("eng2", "eng")]
    # a relationship join into the alias, and loader criteria re-pointed at it
    rows = session.execute(select(JDept.name, ea.name).join(JDept.staff.of_type(ea))).all()
    assert [tuple(r) for r in rows] == [("r&d", "eng")]
    deep = aliased(JDirector)
    session.expunge_all()
    stmt = select(deep).options(with_loader_criteria(JEmployee, JEmployee.name != "nobody",
                                                     include_aliases=True))
    (director,) = session.scalars(stmt).all()
    assert (director.name, director.manager_data, director.golf) == ("dir", "board", "weekly")
