"""Version counters (``version_id_col``) across an inheritance hierarchy, against the backend under
test: the column lives in the base table; every UPDATE of an object — also one that changes only
a joined subclass's table — moves it on and checks it, DELETE checks it, and subclasses count
with their base's column and generator."""

from __future__ import annotations

import pytest

from sqlweave.core import ForeignKey, String, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlweave.orm import exc as orm_exc
from tests.orm.model_fixtures import model_fixtures, session_rows

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class VAsset(Base):
    __tablename__ = "ormv_asset"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(20))
    ver: Mapped[int] = mapped_column()
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "asset", "version_id_col": ver}


class VServer(VAsset):
    """Joined: its own table, the version in the base table."""

    __tablename__ = "ormv_server"
    id: Mapped[int] = mapped_column(ForeignKey("ormv_asset.id"), primary_key=True)
    cores: Mapped[int | None] = mapped_column()
    __mapper_args__ = {"polymorphic_identity": "server"}


class VLaptop(VAsset):
    """Single-table: no table of its own, its own ``__mapper_args__``."""

    __mapper_args__ = {"polymorphic_identity": "laptop"}


class VDoc(Base):
    __tablename__ = "ormv_doc"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    ver: Mapped[int] = mapped_column(server_default=text("1"), onupdate=text("ver + 1"))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "doc",
                       "version_id_col": ver, "version_id_generator": False}


class VReport(VDoc):
    """Joined, with the version counted by the server."""

    __tablename__ = "ormv_report"
    id: Mapped[int] = mapped_column(ForeignKey("ormv_doc.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "report"}


tables, session = model_fixtures(Base.metadata)


def test_subclasses_inherit_the_version_column() -> None:
    assert VServer.__mapper__.version_id_col is VAsset.__table__.c.ver
    assert VLaptop.__mapper__.version_id_col is VAsset.__table__.c.ver
    assert VReport.__mapper__.version_id_generator is False


def test_joined_subclass_counts_versions_in_the_base_table(session: Session) -> None:
    s = VServer(name="db1", cores=8)
    session.add(s)
    session.commit()
    assert s.ver == 1
    s.cores = 16  # a change in the subclass's table only: the base row's version moves too
    session.commit()
    assert s.ver == 2
    s.name = "db1-renamed"
    session.commit()
    assert s.ver == 3
    assert session_rows(session, "SELECT name, ver FROM ormv_asset") == [("db1-renamed", 3)]
    assert session_rows(session, "SELECT cores FROM ormv_server") == [(16,)]


def test_joined_update_of_a_stale_object_raises_and_changes_nothing(session: Session) -> None:
    s = VServer(name="db2", cores=4)
    session.add(s)
    session.commit()
    # another writer moves the version on
    session.connection().execute(text("UPDATE ormv_asset SET ver = 7"))
    session.commit()
    s.cores = 32  # expired at commit: the UPDATE checks the version it reloads (7)
    session.commit()
    assert s.ver == 8
    session.connection().execute(text("UPDATE ormv_asset SET ver = 20"))
    s.cores = 64  # loaded in this transaction with version 8: stale
    with pytest.raises(orm_exc.StaleDataError, match="expected to update 1 row"):
        session.flush()
    session.rollback()
    assert session_rows(session, "SELECT ver FROM ormv_asset") == [(8,)]
    assert session_rows(session, "SELECT cores FROM ormv_server") == [(32,)]


def test_joined_delete_checks_the_version(session: Session) -> None:
    a, b = VServer(name="a", cores=1), VServer(name="b", cores=2)
    session.add_all([a, b])
    session.commit()
    assert (a.ver, b.ver) == (1, 1)
    session.connection().execute(text(f"UPDATE ormv_asset SET ver = 5 WHERE id = {a.id}"))
    session.delete(a)
    with pytest.raises(orm_exc.StaleDataError, match="expected to delete 1 row"):
        session.flush()
    session.rollback()  # the subclass row deleted before the check comes back too
    assert session_rows(session, "SELECT count(*) FROM ormv_server") == [(2,)]
    session.delete(b)
    session.commit()
    assert session_rows(session, "SELECT name FROM ormv_asset") == [("a",)]
    assert session_rows(session, "SELECT count(*) FROM ormv_server") == [(1,)]


def test_single_table_subclass_with_its_own_mapper_args_is_versioned(session: Session) -> None:
    lap = VLaptop(name="x1")
    session.add(lap)
    session.commit()
    lap.name = "x1c"
    session.commit()
    assert lap.ver == 2
    session.connection().execute(text("UPDATE ormv_asset SET ver = 9"))
    lap.name = "stale"
    with pytest.raises(orm_exc.StaleDataError):
        session.flush()
    session.rollback()  # the other write was in this transaction: it is rolled back too
    assert session_rows(session, "SELECT name, ver FROM ormv_asset") == [("x1c", 2)]


def test_joined_subclass_with_server_side_versions(session: Session) -> None:
    r = VReport(title="q1")
    session.add(r)
    session.commit()
    assert r.ver == 1
    r.title = "q1 final"  # only the subclass table changes: the server bumps the base row
    session.commit()
    assert r.ver == 2
    assert session_rows(session, "SELECT ver FROM ormv_doc") == [(2,)]
    session.connection().execute(text("UPDATE ormv_doc SET ver = 40"))
    r.title = "stale"
    with pytest.raises(orm_exc.StaleDataError):
        session.flush()
    session.rollback()
    assert session_rows(session, "SELECT title FROM ormv_report") == [("q1 final",)]


def test_version_column_in_a_subclass_table_is_refused() -> None:
    class Base2(DeclarativeBase):
        pass

    class Thing(Base2):
        __tablename__ = "ormv_thing"
        id: Mapped[int] = mapped_column(primary_key=True)
        type: Mapped[str] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "thing"}

    with pytest.raises(orm_exc.ORMConfigurationError, match="base class's table 'ormv_thing'"):
        class SubThing(Thing):
            __tablename__ = "ormv_subthing"
            id: Mapped[int] = mapped_column(ForeignKey("ormv_thing.id"), primary_key=True)
            sv: Mapped[int] = mapped_column()
            __mapper_args__ = {"polymorphic_identity": "sub", "version_id_col": sv}

        Base2.registry.configure()
